/* forward_resolve.h - turn a direct-tcpip target into addresses, without
 * NSS.  Runs only in the forwarding child (forward_connect.c), with the
 * user's identity, never in the monitor itself or the network process.
 *
 * Order, as a resolver configured "files dns" would:
 *   1. a numeric IPv4 or IPv6 address: used as it is;
 *   2. /etc/hosts, read by our own parser (resolve_hosts.h);
 *   3. DNS through c-ares (statically linked), which reads
 *      /etc/resolv.conf itself; told to skip its own hosts lookup.
 */
#ifndef FBD_FORWARD_RESOLVE_H
#define FBD_FORWARD_RESOLVE_H

#include <stddef.h>
#include <sys/socket.h>

#define FORWARD_MAX_ADDRS 8

struct forward_addrs {
    struct sockaddr_storage a[FORWARD_MAX_ADDRS];
    socklen_t len[FORWARD_MAX_ADDRS];
    size_t n;
};

/* Addresses of HOST with PORT.  0, or -1 with the reason (for the
 * client and the log, e.g. "Domain name not found") in why. */
int forward_resolve(const char *host, int port, struct forward_addrs *out, char *why, size_t whylen);

#endif
