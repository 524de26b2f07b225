/* forward_connect.c - the monitor's side of local forwarding
 * (direct-tcpip: ssh -L, -W, ProxyJump): the policy, and the child that
 * connects.
 *
 * The network process asks (MON_FORWARD: its request id, target host and
 * port, and the originator the client named).  The monitor decides, then
 * forks a child that becomes the user, resolves the name
 * (forward_resolve.h) and connects; the child passes the connected socket
 * back over a socketpair and exits, and the monitor hands it to the
 * network process (MON_FORWARDED, SCM_RIGHTS).  The network process
 * therefore never needs socket() or connect(), and every outgoing
 * connection is the user's, as with sshd.  No exec anywhere: the child is
 * a fork.
 *
 *   step               | refused when                          | answer (request id first)
 *   -------------------+---------------------------------------+------------------------
 *   request            | malformed (mon_parse), or its id      | none: the connection ends
 *                      |   already in flight (not what our     |   (a compromised network
 *                      |   network process sends)              |   process)
 *   target             | no host, a NUL in it, longer than     | MON_FORWARD_FAILED
 *                      |   PERMITOPEN_HOST_MAX; port outside   |   "administratively
 *                      |   1-65535                             |   prohibited: bad target"
 *   policy             | AllowTcpForwarding no; the key's      | MON_FORWARD_FAILED
 *                      |   restrict / no-port-forwarding; a    |   "administratively
 *                      |   certificate without                 |   prohibited" (logged as
 *                      |   permit-port-forwarding              |   sshd does)
 *   permitted targets  | PermitOpen or the key's permitopen=   | the same
 *                      |   does not list HOST:PORT             |
 *   in flight          | MON_MAX_FORWARDS connects already     | the same, ": too many
 *                      |   (the network process's limits keep  |   connects in flight"
 *                      |   it below; the monitor checks anyway)|
 *   fork               | no socketpair, no fork                | MON_FORWARD_FAILED
 *                      |                                       |   "connect failed: ..."
 *   child: identity    | setgroups/setgid/setuid fail          | the same
 *   child: resolve     | not numeric, not in /etc/hosts, no DNS| MON_FORWARD_FAILED "connect
 *                      |   answer                              |   failed: unknown host ...
 *                      |                                       |   (why)"
 *   child: connect     | every address fails or times out      | MON_FORWARD_FAILED "connect
 *                      |                                       |   failed: <errno text>"
 *   child: none        | no answer within FWD_CHILD_SECONDS    | "connect failed: no answer"
 *   success            |                                       | MON_FORWARDED + the socket
 *
 * As in sshd, a forced command (command=) does not by itself disable
 * forwarding; restrict or no-port-forwarding do.  The open does not wait:
 * the child is tracked in flight (forward_flight.c), the monitor goes on
 * answering the network process's other requests, and the answer goes out
 * when the child's comes (or its time is up); the network process, too,
 * keeps serving the connection's other channels meanwhile
 * (net/channel_direct.c).
 */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forward_resolve.h"
#include "log.h"
#include "permitopen.h"

#define FWD_CONNECT_MS 5000         /* per address */
#define FWD_CHILD_FD 3              /* the child's end of the socketpair */

/* Is forwarding on at all for this login?  0 or 1. */
static int forwarding_enabled(const struct monitor *m)
{
    return m->srv->cfg.allow_tcp_forwarding && !m->authz.key.opts.no_port_forwarding;
}

/* Do PermitOpen and the key's permitopen= both allow HOST:PORT? */
static int target_permitted(const struct monitor *m, const char *host, int port)
{
    const struct ak_opts *o = &m->authz.key.opts;

    return permitopen_list_allows(m->srv->cfg.permit_open.v, m->srv->cfg.permit_open.n,
                                  host, port) &&
           permitopen_list_allows(o->permitopen, o->npermitopen, host, port);
}

/* Child: become the user, for good.  -1 on failure. */
static int child_become_user(const struct authz *z)
{
    if (setgroups(z->ngroups, z->groups) < 0 || setresgid(z->pw.gid, z->pw.gid, z->pw.gid) < 0 ||
        setresuid(z->pw.uid, z->pw.uid, z->pw.uid) < 0) {
        return -1;
    }
    if (z->pw.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        return -1;
    }
    return 0;
}

/* Child: connect to one address within FWD_CONNECT_MS.  The socket, or
 * -1 with errno set. */
static int child_connect_one(const struct sockaddr *sa, socklen_t len)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct pollfd p;
    int err = 0;
    socklen_t elen = sizeof(err);

    if (fd < 0) {
        return -1;
    }
    if (connect(fd, sa, len) == 0) {
        return fd;
    }
    if (errno != EINPROGRESS) {
        err = errno;
    } else {
        p = (struct pollfd){ .fd = fd, .events = POLLOUT };
        if (poll(&p, 1, FWD_CONNECT_MS) <= 0) {
            err = ETIMEDOUT;
        } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
            err = errno;
        }
    }
    if (err == 0) {
        return fd;
    }
    close(fd);
    errno = err;
    return -1;
}

/* Child: fail request ID with "connect failed: WHY" and exit. */
static void child_fail(uint32_t id, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
static void child_fail(uint32_t id, const char *fmt, ...)
{
    char why[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    mon_send(FWD_CHILD_FD, NULL, 0, MON_FORWARD_FAILED, id, why, strlen(why));
    _exit(0);
}

/* Child: the address text of ss. */
static void addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
    const void *a = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
                                             : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

    if (inet_ntop(ss->ss_family, a, out, (socklen_t)outlen) == NULL) {
        snprintf(out, outlen, "?");
    }
}

/* The forwarding child: identity, resolve, connect, hand back, exit.
 * SIGALRM gets its default action back (the child inherits the handler of
 * the monitor's grace timer, which would not end it), so that its alarm
 * bounds it even without the monitor. */
static void child_run(int sp, const struct authz *z, uint32_t id, const char *host, int port)
    __attribute__((noreturn));
static void child_run(int sp, const struct authz *z, uint32_t id, const char *host, int port)
{
    struct forward_addrs addrs;
    char why[256];
    char text[INET6_ADDRSTRLEN];
    int err = 0;

    signal(SIGCHLD, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    if (dup2(sp, FWD_CHILD_FD) < 0) {
        _exit(1);
    }
    close_range(FWD_CHILD_FD + 1, ~0U, 0);
    alarm(FWD_CHILD_SECONDS);
    if (child_become_user(z) < 0 || chdir("/") < 0) {
        child_fail(id, "connect failed: cannot become the user: %s", strerror(errno));
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (forward_resolve(host, port, &addrs, why, sizeof(why)) < 0) {
        child_fail(id, "connect failed: unknown host %.200s (%s)", host, why);
    }
    for (size_t i = 0; i < addrs.n; i++) {
        int fd = child_connect_one((const struct sockaddr *)&addrs.a[i], addrs.len[i]);

        if (fd >= 0) {
            addr_text(&addrs.a[i], text, sizeof(text));
            mon_send(FWD_CHILD_FD, &fd, 1, MON_FORWARDED, id, text, strlen(text));
            _exit(0);
        }
        err = errno;
    }
    child_fail(id, "connect failed: %s", strerror(err));
}

/* Fork the forwarding child for request ID; SP is its end of the
 * socketpair its answer comes back on.  Its pid, or -1. */
static pid_t fork_child(struct monitor *m, int sp, uint32_t id, const char *host, int port)
{
    pid_t pid = fork();

    if (pid == 0) {
        child_run(sp, &m->authz, id, host, port);
    }
    return pid;
}

/* Refuse request ID, in sshd's words when the policy refused; the network
 * process gets the reason. */
static int refuse(struct monitor *m, uint32_t id, const char *why)
{
    return mon_send(m->sock, NULL, 0, MON_FORWARD_FAILED, id, why, strlen(why));
}

/* Fork the child for request ID and track it; its answer comes later. */
static int start_child(struct monitor *m, uint32_t id, const char *host, int port)
{
    int sp[2];
    pid_t pid;

    if (monfwd_full(m)) {
        log_info("connect_to %.200s port %d: refused, %d connects in flight", host, port,
                 MON_MAX_FORWARDS);
        return refuse(m, id, "administratively prohibited: too many connects in flight");
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        return refuse(m, id, "connect failed: no socketpair");
    }
    pid = fork_child(m, sp[1], id, host, port);
    close(sp[1]);
    if (pid < 0) {
        close(sp[0]);
        log_info("connect_to %.200s port %d: failed (cannot fork)", host, port);
        return refuse(m, id, "connect failed: cannot fork");
    }
    monfwd_track(m, id, pid, sp[0], host, port);
    return 0;
}

int monfwd_connect(struct monitor *m, const struct mon_msg *msg)
{
    char host[PERMITOPEN_HOST_MAX + 1];
    char orig[INET6_ADDRSTRLEN + 8];
    uint32_t id = msg->f[0].u;
    int port = (int)msg->f[2].u;
    int oport = (int)msg->f[4].u;

    if (monfwd_in_flight(m, id)) {
        log_error("monitor: the network process asked for forward %u twice: closing the "
                  "connection from %s port %d", id, m->peer, m->peer_port);
        return -1;
    }
    if (mon_cstr(&msg->f[1], host, sizeof(host)) < 0 || host[0] == '\0' || port < 1 ||
        port > 65535 || mon_cstr(&msg->f[3], orig, sizeof(orig)) < 0 || oport < 0 ||
        oport > 65535) {
        return refuse(m, id, "administratively prohibited: bad target");
    }
    if (!forwarding_enabled(m)) {
        log_info("refused local port forward: originator %s port %d, target %s port %d", orig,
                 oport, host, port);
        return refuse(m, id, "administratively prohibited");
    }
    if (!target_permitted(m, host, port)) {
        log_info("Received request from %s port %d to connect to host %s port %d, but the "
                 "request was denied.", orig, oport, host, port);
        return refuse(m, id, "administratively prohibited: open failed");
    }
    return start_child(m, id, host, port);
}
