/* monitor_client.c - the network process asks, the monitor answers
 * (monitor_client.h). */
#include "monitor_client.h"

#include <string.h>
#include <unistd.h>

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

int monclient_reply(struct conn *c, uint32_t reply_type, struct mon_msg *reply)
{
    for (;;) {
        if (mon_recv(c->mon, c->monbuf, reply) <= 0) {
            return monitor_lost(c, "no answer from the monitor");
        }
        if (reply->type != MON_EXITED) {
            break;
        }
        queue_exit(c, reply);
    }
    if (reply->type != reply_type && reply->type != MON_FAIL) {
        for (size_t i = 0; i < reply->nfds; i++) {
            close(reply->fds[i]);
        }
        return monitor_lost(c, "the monitor answered out of turn");
    }
    return 0;
}

int monclient_unasked(struct conn *c)
{
    struct mon_msg m;

    if (mon_recv(c->mon, c->monbuf, &m) > 0 && m.type == MON_EXITED &&
        c->nexits < CONN_MAX_EXITS) {
        queue_exit(c, &m);
        return 0;
    }
    /* the monitor is gone, says what it should not, or floods */
    return monitor_lost(c, "the monitor ended or sent what it should not");
}
