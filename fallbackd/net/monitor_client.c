/* monitor_client.c - the network process asks, the monitor answers
 * (monitor_client.h). */
#include "monitor_client.h"

#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "log.h"

static int log_monitor_fd = -1;

/* The network process's log lines go to the monitor (log.h sink). */
static void log_to_monitor(int level, const char *msg)
{
    mon_send(log_monitor_fd, NULL, 0, MON_LOG, (uint32_t)level, msg, strlen(msg));
}

void monclient_log_to(int fd)
{
    log_monitor_fd = fd;
    log_set_sink(log_to_monitor);
}

/* Keep a process exit for the connection loop; a full queue drops it. */
static void queue_exit(struct conn *c, const struct mon_msg *m)
{
    if (c->nexits < CONN_MAX_EXITS) {
        c->exits[c->nexits].id = m->f[0].u;
        c->exits[c->nexits++].status = (int)m->f[1].u;
    }
}

/* The monitor is gone or said what it should not: the connection ends,
 * and says why (the line reaches the monitor if it is still there). */
static int monitor_lost(struct conn *c, const char *why)
{
    log_error("network process: %s: closing the connection from %s port %d", why, c->peer,
              c->peer_port);
    c->fatal = 1;
    return -1;
}

/* Close the fds that came with M (nobody takes them). */
static void close_fds(const struct mon_msg *m)
{
    for (size_t i = 0; i < m->nfds; i++) {
        close(m->fds[i]);
    }
}

/* Take an unasked message: a process exit is queued, a forwarding
 * answer noted in its pending open.  1 if M was one, 0 if it is not
 * unasked, -1 if it could not be taken (queue full, no such open; fds
 * closed, and the connection ends). */
static int take_unasked(struct conn *c, const struct mon_msg *m)
{
    if (m->type == MON_EXITED) {
        if (c->nexits >= CONN_MAX_EXITS) {
            return -1;
        }
        queue_exit(c, m);
        return 1;
    }
    if (m->type != MON_FORWARDED && m->type != MON_FORWARD_FAILED) {
        return 0;
    }
    if (fwd_open_answer(c, m) < 0) {
        close_fds(m);
        return -1;
    }
    return 1;
}

int monclient_reply(struct conn *c, uint32_t reply_type, struct mon_msg *reply)
{
    int rc;

    for (;;) {
        if (mon_recv(c->mon, c->monbuf, reply) <= 0) {
            return monitor_lost(c, "no answer from the monitor");
        }
        rc = take_unasked(c, reply);
        if (rc < 0) {
            return monitor_lost(c, "the monitor sent what it should not");
        }
        if (rc == 0) {
            break;
        }
    }
    if (reply->type != reply_type && reply->type != MON_FAIL) {
        close_fds(reply);
        return monitor_lost(c, "the monitor answered out of turn");
    }
    return 0;
}

int monclient_unasked(struct conn *c)
{
    struct mon_msg m;
    int rc = mon_recv(c->mon, c->monbuf, &m);

    if (rc > 0) {
        rc = take_unasked(c, &m);
        if (rc == 0) {
            close_fds(&m);      /* an answer to nothing asked */
        }
    }
    if (rc > 0) {
        return 0;
    }
    /* the monitor is gone, says what it should not, or floods */
    return monitor_lost(c, "the monitor ended or sent what it should not");
}
