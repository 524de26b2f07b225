/* resolve_hosts.h - look a name up in an /etc/hosts text, without NSS.
 *
 * The forwarding child (monitor/forward_connect.c) resolves a
 * direct-tcpip target in this order: a numeric address, then this parser
 * on /etc/hosts, then DNS (c-ares).  Format (hosts(5)):
 *
 *   file  = *( line LF ) [ line ]
 *   line  = [ws] [ addr ws name *( ws alias ) ] [ws] [ "#" comment ]
 *   addr  = an IPv4 dotted quad or an IPv6 address (inet_pton's syntax;
 *           no "%scope")
 *   ws    = 1*( SP / HTAB )
 *
 * Names compare case-insensitively.  A line that does not fit (a bad
 * address, no name, a NUL byte, longer than RESOLVE_HOSTS_LINE_MAX) is skipped
 * and counted; the other lines still count.
 */
#ifndef FBD_RESOLVE_HOSTS_H
#define FBD_RESOLVE_HOSTS_H

#include <stddef.h>

#define RESOLVE_HOSTS_LINE_MAX 4096
#define RESOLVE_HOSTS_MAX_ADDRS 8

struct resolve_hosts_addr {
    int family;                 /* AF_INET or AF_INET6 */
    unsigned char addr[16];     /* 4 or 16 bytes, network order */
};

/* The addresses of NAME in the LEN bytes of TEXT, in file order, at most
 * MAX (duplicates dropped).  Returns how many; *bad (if not NULL) gets the
 * number of lines skipped as malformed. */
size_t resolve_hosts_lookup(const char *text, size_t len, const char *name,
                    struct resolve_hosts_addr *out, size_t max, size_t *bad);

#endif
