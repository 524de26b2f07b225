/* forward_connect.c - the monitor's side of local forwarding
 * (direct-tcpip: ssh -L, -W, ProxyJump).
 *
 * The network process asks (MON_FORWARD: target host and port, and the
 * originator the client named).  The monitor decides, then forks a child
 * that becomes the user, resolves the name (forward_resolve.h) and
 * connects; the child passes the connected socket back over a socketpair
 * and exits, and the monitor hands it to the network process
 * (MON_FORWARDED, SCM_RIGHTS).  The network process therefore never
 * needs socket() or connect(), and every outgoing connection is the
 * user's, as with sshd.  No exec anywhere: the child is a fork.
 *
 *   step               | refused when                          | reply
 *   -------------------+---------------------------------------+------------------------
 *   policy             | AllowTcpForwarding no; the key's      | MON_FAIL "administratively
 *                      |   restrict / no-port-forwarding; a    |   prohibited" (logged as
 *                      |   certificate without                 |   sshd does)
 *                      |   permit-port-forwarding              |
 *   permitted targets  | PermitOpen or the key's permitopen=   | the same
 *                      |   does not list HOST:PORT             |
 *   child: identity    | setgroups/setgid/setuid fail          | MON_FAIL "connect failed: ..."
 *   child: resolve     | not numeric, not in /etc/hosts, no DNS| MON_FAIL "connect failed:
 *                      |   answer                              |   unknown host ... (why)"
 *   child: connect     | every address fails or times out      | MON_FAIL "connect failed:
 *                      |                                       |   <errno text>"
 *   success            |                                       | MON_FORWARDED + the socket
 *
 * As in sshd, a forced command (command=) does not by itself disable
 * forwarding; restrict or no-port-forwarding do.  The monitor waits for
 * the child (bounded by FWD_CHILD_SECONDS); the network process waits for
 * the monitor, so one connection's channels pause while a target is being
 * reached.
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

#define FWD_CHILD_SECONDS 15        /* resolve + connect, at most */
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

/* Child: fail with "connect failed: WHY" and exit. */
static void child_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void child_fail(const char *fmt, ...)
{
    char why[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    mon_send(FWD_CHILD_FD, NULL, 0, MON_FAIL, why, strlen(why));
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

/* The forwarding child: identity, resolve, connect, hand back, exit. */
static void child_run(int sp, const struct authz *z, const char *host, int port)
    __attribute__((noreturn));
static void child_run(int sp, const struct authz *z, const char *host, int port)
{
    struct forward_addrs addrs;
    char why[256];
    char text[INET6_ADDRSTRLEN];
    int err = 0;

    signal(SIGCHLD, SIG_DFL);
    if (dup2(sp, FWD_CHILD_FD) < 0) {
        _exit(1);
    }
    close_range(FWD_CHILD_FD + 1, ~0U, 0);
    alarm(FWD_CHILD_SECONDS);
    if (child_become_user(z) < 0 || chdir("/") < 0) {
        child_fail("connect failed: cannot become the user: %s", strerror(errno));
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (forward_resolve(host, port, &addrs, why, sizeof(why)) < 0) {
        child_fail("connect failed: unknown host %.200s (%s)", host, why);
    }
    for (size_t i = 0; i < addrs.n; i++) {
        int fd = child_connect_one((const struct sockaddr *)&addrs.a[i], addrs.len[i]);

        if (fd >= 0) {
            addr_text(&addrs.a[i], text, sizeof(text));
            mon_send(FWD_CHILD_FD, &fd, 1, MON_FORWARDED, text, strlen(text));
            _exit(0);
        }
        err = errno;
    }
    child_fail("connect failed: %s", strerror(err));
}

/* Wait for the child's answer; kill and reap it.  1 with *r filled. */
static int child_answer(pid_t pid, int sp, unsigned char *buf, struct mon_msg *r)
{
    struct pollfd p = { .fd = sp, .events = POLLIN };
    int got = 0;

    if (poll(&p, 1, (FWD_CHILD_SECONDS + 2) * 1000) > 0 && mon_recv(sp, buf, r) > 0 &&
        (r->type == MON_FAIL || (r->type == MON_FORWARDED && r->nfds == 1))) {
        got = 1;
    } else if (got == 0 && r->nfds > 0) {
        close(r->fds[0]);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    return got;
}

/* Refuse, in sshd's words when the policy refused; the network process
 * gets the reason. */
static int refuse(struct monitor *m, const char *why)
{
    return mon_send(m->sock, NULL, 0, MON_FAIL, why, strlen(why));
}

/* Fork the child and relay its answer. */
static int run_child(struct monitor *m, const char *host, int port)
{
    static unsigned char buf[MON_MAX_MSG];
    struct mon_msg r;
    int sp[2];
    pid_t pid;
    char text[INET6_ADDRSTRLEN];
    int rc;

    memset(&r, 0, sizeof(r));
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        return refuse(m, "connect failed: no socketpair");
    }
    pid = fork();
    if (pid == 0) {
        close(sp[0]);
        child_run(sp[1], &m->authz, host, port);
    }
    close(sp[1]);
    if (pid < 0 || !child_answer(pid, sp[0], buf, &r)) {
        close(sp[0]);
        log_info("connect_to %.200s port %d: failed (no answer)", host, port);
        return refuse(m, "connect failed: no answer");
    }
    close(sp[0]);
    if (r.type == MON_FAIL) {
        char why[512];

        if (mon_cstr(&r.f[0], why, sizeof(why)) < 0) {
            snprintf(why, sizeof(why), "connect failed");
        }
        log_info("connect_to %.200s port %d: %s", host, port, why);
        return refuse(m, why);
    }
    if (mon_cstr(&r.f[0], text, sizeof(text)) < 0) {
        snprintf(text, sizeof(text), "?");
    }
    log_info("Connection from %s port %d forwarding to %.200s port %d (%s) for %s", m->peer,
             m->peer_port, host, port, text, m->authz.pw.name);
    rc = mon_send(m->sock, r.fds, 1, MON_FORWARDED, text, strlen(text));
    close(r.fds[0]);
    return rc;
}

int monfwd_connect(struct monitor *m, const struct mon_msg *msg)
{
    char host[PERMITOPEN_HOST_MAX + 1];
    char orig[INET6_ADDRSTRLEN + 8];
    int port = (int)msg->f[1].u;
    int oport = (int)msg->f[3].u;

    if (mon_cstr(&msg->f[0], host, sizeof(host)) < 0 || host[0] == '\0' || port < 1 ||
        port > 65535 || mon_cstr(&msg->f[2], orig, sizeof(orig)) < 0 || oport < 0 ||
        oport > 65535) {
        return refuse(m, "administratively prohibited: bad target");
    }
    if (!forwarding_enabled(m)) {
        log_info("refused local port forward: originator %s port %d, target %s port %d", orig,
                 oport, host, port);
        return refuse(m, "administratively prohibited");
    }
    if (!target_permitted(m, host, port)) {
        log_info("Received request from %s port %d to connect to host %s port %d, but the "
                 "request was denied.", orig, oport, host, port);
        return refuse(m, "administratively prohibited: open failed");
    }
    return run_child(m, host, port);
}
