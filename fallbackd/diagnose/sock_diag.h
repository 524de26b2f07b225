/* sock_diag.h - the listening TCP sockets, asked of the kernel through
 * netlink (NETLINK_SOCK_DIAG, man 7 sock_diag): the socket side of
 * sock_diag_parse.c.  Only listening sockets are walked, where
 * /proc/net/tcp makes the kernel print every TCP socket of the system.
 */
#ifndef FBD_SOCK_DIAG_H
#define FBD_SOCK_DIAG_H

#include "dg_parse.h"

struct diag;

/* A netlink socket for the dumps; the fd, or -1 with a line in D. */
int dg_sockdiag_open(struct diag *d);

/* Dump the listening TCP sockets of FAMILY (AF_INET, AF_INET6) on FD,
 * calling FN for each.  0 once the kernel said the dump is done; -1 with
 * a line in D when it could not be sent or read, the kernel answered an
 * error, or the answer is malformed (FN may have been called for some
 * sockets already). */
int dg_sockdiag_dump(int fd, int family, dg_nl_fn fn, void *arg, struct diag *d);

#endif
