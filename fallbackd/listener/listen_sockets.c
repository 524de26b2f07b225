/* listen_sockets.c - listening sockets and numeric addresses (listen_sockets.h). */
#include "listen_sockets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Fill ss from a numeric address string and port.  0 ok, -1 not numeric. */
static int make_sockaddr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        *len = sizeof(*sin);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*sin6);
        return 0;
    }
    return -1;
}

/* Open one listening socket; -1 with a reason in errs. */
static int listen_one(const char *addr, int port, struct diag *errs)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1;
    int fd;

    if (make_sockaddr(addr, port, &ss, &len) < 0) {
        diag_add(errs, "ListenAddress %s: not a numeric address", addr);
        return -1;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        diag_add(errs, "socket for %s port %d: %s", addr, port, strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss.ss_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
        diag_add(errs, "Bind to port %d on %s failed: %s.", port, addr, strerror(errno));
        close(fd);
        return -1;
    }
    log_info("Server listening on %s port %d.", addr, port);
    return fd;
}

/* Add the socket(s) for one address on one port (or on every Port). */
static void listen_addr(const struct fbd_config *cfg, const char *addr, int port,
                        struct listen_set *set, struct diag *errs)
{
    for (size_t p = 0; p < cfg->nports; p++) {
        int use = port ? port : cfg->ports[p];
        int fd;

        if (set->n == LISTEN_MAX) {
            diag_add(errs, "too many listening sockets");
            return;
        }
        fd = listen_one(addr, use, errs);
        if (fd >= 0) {
            set->fd[set->n++] = fd;
        }
        if (port) {
            return;
        }
    }
}

int listen_open(const struct fbd_config *cfg, struct listen_set *set, struct diag *errs)
{
    size_t before = diag_count(errs);

    set->n = 0;
    if (cfg->nlisten == 0) {
        listen_addr(cfg, "0.0.0.0", 0, set, errs);
        listen_addr(cfg, "::", 0, set, errs);
    }
    for (size_t i = 0; i < cfg->nlisten; i++) {
        listen_addr(cfg, cfg->listen[i].addr, cfg->listen[i].port, set, errs);
    }
    if (diag_count(errs) > before || set->n == 0) {
        if (set->n == 0 && diag_count(errs) == before) {
            diag_add(errs, "no address to listen on");
        }
        listen_close(set);
        return -1;
    }
    return 0;
}

void listen_close(struct listen_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        close(set->fd[i]);
    }
    set->n = 0;
}

void listen_format_addr(const struct sockaddr_storage *ss, char *host, size_t hostlen,
                        int *port)
{
    const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

    snprintf(host, hostlen, "UNKNOWN");
    *port = 0;
    if (ss->ss_family == AF_INET) {
        inet_ntop(AF_INET, &sin->sin_addr, host, (socklen_t)hostlen);
        *port = ntohs(sin->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host, (socklen_t)hostlen);
        } else {
            inet_ntop(AF_INET6, &sin6->sin6_addr, host, (socklen_t)hostlen);
        }
        *port = ntohs(sin6->sin6_port);
    }
}

void listen_tune_socket(int fd, int keepalive)
{
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (keepalive) {
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    }
}
