/* listen_sockets.h - listening sockets and address strings (numeric only, no DNS). */
#ifndef FBD_SOCKETS_H
#define FBD_SOCKETS_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "config.h"
#include "diag.h"

#define LISTEN_MAX (CFG_MAX_LISTEN * CFG_MAX_PORTS + 2)

struct listen_set {
    int fd[LISTEN_MAX];
    size_t n;
};

/* Open a listening socket for every (ListenAddress, Port); with no
 * ListenAddress, 0.0.0.0 and :: (IPv6 only, so both can bind).  An address
 * that cannot be bound is an error; returns 0 or -1 with reasons in errs
 * (and nothing left open). */
int listen_open(const struct fbd_config *cfg, struct listen_set *set, struct diag *errs);
void listen_close(struct listen_set *set);

/* Numeric host and port of a socket address; IPv4-mapped IPv6 addresses
 * are shown as IPv4, as sshd does.  host must hold INET6_ADDRSTRLEN. */
void listen_format_addr(const struct sockaddr_storage *ss, char *host, size_t hostlen,
                        int *port);

/* Per-connection socket options: TCP_NODELAY (libssh never sets it; it
 * halves login latency) and SO_KEEPALIVE per TCPKeepAlive. */
void listen_tune_socket(int fd, int keepalive);

#endif
