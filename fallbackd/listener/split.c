/* split.c - the one place a connection becomes two processes (split.h).
 *
 * Before a byte from the client is read, the connection process the
 * listener forked splits along the privilege wall:
 *
 *   process          | code        | holds                  | talks to
 *   -----------------+-------------+------------------------+-------------------
 *   monitor (parent) | monitor/    | host keys, config,     | the network process
 *                    |             |   users; root          |   (socketpair)
 *   network (child)  | net/        | the client's socket;   | the client, and the
 *                    |             |   sandboxed, no keys   |   monitor
 *
 * Both get the connection's addresses, read here once.  The network
 * process is a new image of fallbackd (netexec.h): a layout and stack
 * canary of its own.
 */
#include "split.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "endpoints.h"
#include "listen_sockets.h"
#include "log.h"
#include "monitor.h"
#include "netexec.h"

/* Both ends of the TCP connection, numeric. */
static void endpoints_read(int fd, struct endpoints *e)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    getpeername(fd, (struct sockaddr *)&ss, &len);
    listen_format_addr(&ss, e->peer, sizeof(e->peer), &e->peer_port);
    len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    getsockname(fd, (struct sockaddr *)&ss, &len);
    listen_format_addr(&ss, e->local, sizeof(e->local), &e->local_port);
}

/* When no new image can be started: the network process is a fork of
 * this one (the layout shared with the listener, but the door lets
 * people in).  The child's pid, or -1. */
static pid_t serve_forked(struct server *srv, int fd, const int sv[2], int startup_fd,
                          pid_t monitor, const struct endpoints *e, uid_t sandbox_uid)
{
    pid_t pid = fork();

    if (pid == 0) {
        close(sv[0]);
        close(startup_fd);
        conn_network(srv, fd, sv[1], monitor, e, sandbox_uid);
    }
    return pid;
}

int split_connection(struct server *srv, int fd, int startup_fd, uid_t sandbox_uid)
{
    struct endpoints e;
    pid_t monitor = getpid();
    int sv[2];
    pid_t pid;

    listen_tune_socket(fd, srv->cfg.tcp_keep_alive);
    endpoints_read(fd, &e);
    log_info("Connection from %s port %d on %s port %d", e.peer, e.peer_port, e.local,
             e.local_port);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        log_error("cannot start the network process for %s port %d: %s", e.peer, e.peer_port,
                  strerror(errno));
        return 1;
    }
    pid = netexec_start(srv, fd, sv[1], monitor, &e, sandbox_uid);
    if (pid < 0) {
        pid = serve_forked(srv, fd, sv, startup_fd, monitor, &e, sandbox_uid);
    }
    if (pid < 0) {
        log_error("cannot start the network process for %s port %d: %s", e.peer, e.peer_port,
                  strerror(errno));
        return 1;
    }
    close(sv[1]);
    close(fd);      /* the monitor never touches the client's bytes */
    return monitor_serve(srv, sv[0], pid, startup_fd, &e);
}
