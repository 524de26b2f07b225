/* forward_flight.c - the forwarding children in flight (monitor.h).
 *
 * A MON_FORWARD that passed the policy has a child connecting as the user
 * (forward_connect.c); the monitor does not wait for it.  The child's
 * socketpair is polled in the monitor's loop (requests.c) beside the
 * network process's socket, so that other requests are answered
 * meanwhile.  Each child, in flight:
 *
 *   event                        | the monitor
 *   -----------------------------+-----------------------------------------
 *   its answer (MON_FORWARDED +  | kills and reaps it, logs as sshd, sends
 *     socket, MON_FORWARD_FAILED)|   the answer to the network process
 *   EOF or a malformed answer    | kills and reaps it, MON_FORWARD_FAILED
 *                                |   "connect failed: no answer"
 *   FWD_CHILD_SECONDS + 2 passed | the same
 *   reaped by the SIGCHLD loop   | notes it (no session's exit); its answer,
 *                                |   if any, is still on the socketpair
 *   the connection ends          | kills and reaps it (no answer)
 *
 * The network process chose the request id; the answer carries the id of
 * the table, never one from the child.  At most MON_MAX_FORWARDS are in
 * flight (forward_connect.c refuses more).
 */
#include "monitor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

void monfwd_track(struct monitor *m, uint32_t id, pid_t pid, int sock, const char *host,
                  int port)
{
    struct mon_fwd *e = &m->fwds[m->nfwds++];

    e->id = id;
    e->pid = pid;
    e->sock = sock;
    e->deadline_ms = clock_now_ms() + (FWD_CHILD_SECONDS + 2) * 1000LL;
    e->port = port;
    snprintf(e->host, sizeof(e->host), "%s", host);
}

int monfwd_full(const struct monitor *m)
{
    return m->nfwds >= MON_MAX_FORWARDS;
}

int monfwd_in_flight(const struct monitor *m, uint32_t id)
{
    for (size_t i = 0; i < m->nfwds; i++) {
        if (m->fwds[i].id == id) {
            return 1;
        }
    }
    return 0;
}

size_t monfwd_pollfds(const struct monitor *m, struct pollfd *p, size_t n)
{
    for (size_t i = 0; i < m->nfwds; i++) {
        p[n++] = (struct pollfd){ .fd = m->fwds[i].sock, .events = POLLIN };
    }
    return n;
}

int monfwd_timeout(const struct monitor *m, long long now)
{
    long long t = -1;

    for (size_t i = 0; i < m->nfwds; i++) {
        long long left = m->fwds[i].deadline_ms - now;

        if (t < 0 || left < t) {
            t = left < 0 ? 0 : left;
        }
    }
    return (int)t;
}

/* Kill and reap e's child, unless the SIGCHLD loop reaped it already. */
static void end_child(struct mon_fwd *e)
{
    if (e->pid > 0) {
        kill(e->pid, SIGKILL);
        while (waitpid(e->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        e->pid = 0;
    }
    close(e->sock);
    e->sock = -1;
}

/* The child's answer, if it sent a well-formed one: 1 with *r filled. */
static int child_answer(int sock, unsigned char *buf, struct mon_msg *r)
{
    if (mon_recv(sock, buf, r) <= 0) {
        return 0;
    }
    if (r->type == MON_FORWARD_FAILED || (r->type == MON_FORWARDED && r->nfds == 1)) {
        return 1;
    }
    for (size_t i = 0; i < r->nfds; i++) {
        close(r->fds[i]);
    }
    return 0;
}

/* Send e's answer to the network process: TYPE with TEXT (the reason, or
 * the address connected to), and the socket FD (NULL for none). */
static void answer(struct monitor *m, const struct mon_fwd *e, uint32_t type, const int *fd,
                   const char *text)
{
    monitor_told(m, mon_send(m->sock, fd, fd != NULL ? 1 : 0, type, e->id, text, strlen(text)),
                 "the answer to a forwarding request");
}

/* Relay e's answer (GOT: *r is one) to the network process. */
static void relay(struct monitor *m, const struct mon_fwd *e, int got, struct mon_msg *r)
{
    char text[512];

    if (!got) {
        log_info("connect_to %.200s port %d: failed (no answer)", e->host, e->port);
        answer(m, e, MON_FORWARD_FAILED, NULL, "connect failed: no answer");
        return;
    }
    if (mon_cstr(&r->f[1], text, sizeof(text)) < 0) {
        snprintf(text, sizeof(text), r->type == MON_FORWARDED ? "?" : "connect failed");
    }
    if (r->type == MON_FORWARD_FAILED) {
        log_info("connect_to %.200s port %d: %s", e->host, e->port, text);
        answer(m, e, MON_FORWARD_FAILED, NULL, text);
        return;
    }
    log_info("Connection from %s port %d forwarding to %.200s port %d (%s) for %s", m->peer,
             m->peer_port, e->host, e->port, text, m->authz.pw.name);
    answer(m, e, MON_FORWARDED, r->fds, text);
    close(r->fds[0]);
}

void monfwd_service(struct monitor *m, const struct pollfd *p, size_t npolled, long long now)
{
    static unsigned char buf[MON_MAX_MSG];

    /* backwards: finishing entry i moves the last one (seen already) to i */
    for (size_t i = npolled < m->nfwds ? npolled : m->nfwds; i-- > 0;) {
        struct mon_fwd *e = &m->fwds[i];
        struct mon_msg r;
        int got = 0;

        if (p[i].fd != e->sock || (p[i].revents == 0 && now < e->deadline_ms)) {
            continue;
        }
        memset(&r, 0, sizeof(r));
        if (p[i].revents != 0) {
            got = child_answer(e->sock, buf, &r);
        }
        end_child(e);
        relay(m, e, got, &r);
        m->fwds[i] = m->fwds[--m->nfwds];
    }
}

int monfwd_reaped(struct monitor *m, pid_t pid)
{
    for (size_t i = 0; i < m->nfwds; i++) {
        if (m->fwds[i].pid == pid) {
            m->fwds[i].pid = 0;
            return 1;
        }
    }
    return 0;
}

void monfwd_connection_ended(struct monitor *m)
{
    for (size_t i = 0; i < m->nfwds; i++) {
        log_info("connect_to %.200s port %d: abandoned, the connection ended",
                 m->fwds[i].host, m->fwds[i].port);
        end_child(&m->fwds[i]);
    }
    m->nfwds = 0;
}
