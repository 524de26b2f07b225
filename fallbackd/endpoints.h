/* endpoints.h - both ends of a client's TCP connection, as text.
 *
 * Read once by the listener's split (listener/split.c) before the
 * connection process forks into its two halves; the network process and
 * the monitor each get a copy and never ask the socket again.
 */
#ifndef FBD_ENDPOINTS_H
#define FBD_ENDPOINTS_H

#include <netinet/in.h>

struct endpoints {
    char peer[INET6_ADDRSTRLEN];    /* numeric; IPv4-mapped shown as IPv4 */
    int peer_port;
    char local[INET6_ADDRSTRLEN];
    int local_port;
};

#endif
