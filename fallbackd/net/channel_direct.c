/* channel_direct.c - open a direct-tcpip channel (forward.h).
 *
 * The open does not stall the connection: the request goes to the
 * monitor, libssh's message is kept (SSH_MESSAGE_KEPT, our libssh patch
 * 0013) in the connection's table of pending opens, and the connection
 * loop serves every other channel meanwhile.  The monitor's answer comes
 * unasked whenever its child has connected or failed
 * (monitor/forward_flight.c); the loop then accepts or refuses the open
 * and frees the message.
 *
 *   step                                   | on failure (CHANNEL_OPEN_FAILURE)
 *   ---------------------------------------+--------------------------------------
 *   MaxSessions (sessions, forwarded       | administratively prohibited; logged
 *     channels and pending opens) or       |
 *     MaxForwardChannels (forwarded        |
 *     channels and pending opens) reached  |
 *   MON_FORWARD to the monitor, with the   | "monitor gone" (administratively
 *     request id; the message is kept,     |   prohibited)
 *     the open is pending                  |
 *   ...the connection goes on...           |
 *   MON_FORWARD_FAILED (monitor_client.c   | its reason: "administratively
 *     notes it in the pending open)        |   prohibited[: WHY]" or "connect
 *                                          |   failed: WHY" (code
 *                                          |   SSH_OPEN_CONNECT_FAILED); logged
 *                                          |   "channel N: open failed: ..."
 *   MON_FORWARDED: the socket (SCM_RIGHTS) | -
 *     noted the same way; the loop         |
 *     accepts, channel callbacks at once   |
 *   the connection ends first              | none sent: the message is freed,
 *                                          |   a socket received is closed
 *
 * Request ids are this process's channel numbers (the N of the log
 * lines); an answer for an id not pending is a monitor out of turn and
 * ends the connection (monitor_client.c).
 */
#include "forward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/server.h>
#include <libssh/ssh2.h>

#include "log.h"
#include "monitor_client.h"

#define PREFIX_CONNECT "connect failed: "
#define PREFIX_ADMIN "administratively prohibited: "

static int next_id;

/* Refuse the open with the reason WHY (the monitor's words): the code and
 * description an OpenSSH client prints as "open failed: CODE: DESC". */
static void refuse(ssh_message msg, int id, const char *why)
{
    uint32_t code = SSH2_OPEN_ADMINISTRATIVELY_PROHIBITED;
    const char *desc = "open failed";

    if (strncmp(why, PREFIX_CONNECT, strlen(PREFIX_CONNECT)) == 0) {
        code = SSH2_OPEN_CONNECT_FAILED;
        desc = why + strlen(PREFIX_CONNECT);
    } else if (strncmp(why, PREFIX_ADMIN, strlen(PREFIX_ADMIN)) == 0) {
        desc = why + strlen(PREFIX_ADMIN);
    }
    log_info("channel %d: open failed: %s", id, why);
    ssh_message_channel_request_open_reply_fail(msg, code, desc);
}

static int on_data(ssh_session ssh, ssh_channel ch, void *data, uint32_t len,
                   int is_stderr, void *ud)
{
    return (int)fwdio_channel_data(ud, data, len);
}

static void on_eof(ssh_session ssh, ssh_channel ch, void *ud)
{
    ((struct fwd *)ud)->peer_eof = 1;
}

static void on_close(ssh_session ssh, ssh_channel ch, void *ud)
{
    ((struct fwd *)ud)->peer_closed = 1;    /* acted on in fwdio_pump() */
}

/* Is there room for one more channel?  NULL, or why not.  Pending opens
 * count: they become channels. */
static const char *over_limit(const struct conn *c)
{
    const struct fbd_config *cfg = &c->srv->cfg;

    if ((int)conn_channels(c) >= cfg->max_sessions) {
        return PREFIX_ADMIN "too many channels (MaxSessions)";
    }
    if ((int)(c->nforwards + c->nopens) >= cfg->max_forwards) {
        return PREFIX_ADMIN "too many forwarded channels (MaxForwardChannels)";
    }
    return NULL;
}

/* Ask the monitor for a socket to the target of MSG (request ID).  0, or
 * -1 if the monitor cannot be told. */
static int ask_monitor(struct conn *c, ssh_message msg, int id)
{
    const char *dest = ssh_message_channel_request_open_destination(msg);
    const char *orig = ssh_message_channel_request_open_originator(msg);
    int dport = ssh_message_channel_request_open_destination_port(msg);
    int oport = ssh_message_channel_request_open_originator_port(msg);

    dest = dest != NULL ? dest : "";
    orig = orig != NULL ? orig : "";
    return mon_send(c->mon, NULL, 0, MON_FORWARD, (uint32_t)id, dest, strlen(dest),
                    (uint32_t)dport, orig, strlen(orig), (uint32_t)(oport < 0 ? 0 : oport));
}

/* A new forwarded channel around the connected socket FD. */
static struct fwd *fwd_new(struct conn *c, ssh_message msg, int fd, int id)
{
    struct fwd *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return NULL;
    }
    f->ch = ssh_message_channel_request_open_reply_accept(msg);
    if (f->ch == NULL) {
        free(f);
        return NULL;
    }
    f->conn = c;
    f->id = id;
    f->fd = fd;
    f->cb.userdata = f;
    f->cb.channel_data_function = on_data;
    f->cb.channel_eof_function = on_eof;
    f->cb.channel_close_function = on_close;
    ssh_callbacks_init(&f->cb);
    ssh_set_channel_callbacks(f->ch, &f->cb);
    f->next = c->forwards;
    c->forwards = f;
    c->nforwards++;
    return f;
}

/* A direct-tcpip open request: SSH_MESSAGE_KEPT when it is pending (the
 * monitor asked), 0 when it was refused here. */
static int open_direct(struct conn *c, ssh_message msg)
{
    int id = next_id++;
    const char *limit = over_limit(c);
    struct fwd_open *o;

    if (limit != NULL) {
        refuse(msg, id, limit);
        return 0;
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL) {
        refuse(msg, id, PREFIX_ADMIN "out of memory");
        return 0;
    }
    if (ask_monitor(c, msg, id) < 0) {
        free(o);
        refuse(msg, id, PREFIX_ADMIN "monitor gone");
        return 0;
    }
    o->msg = msg;
    o->id = id;
    o->fd = -1;
    o->next = c->opens;
    c->opens = o;
    c->nopens++;
    return SSH_MESSAGE_KEPT;
}

int fwd_message_cb(ssh_session ssh, ssh_message msg, void *userdata)
{
    struct conn *c = userdata;

    if (c->authenticated && ssh_message_type(msg) == SSH_REQUEST_CHANNEL_OPEN &&
        ssh_message_subtype(msg) == SSH_CHANNEL_DIRECT_TCPIP) {
        return open_direct(c, msg);
    }
    return 1;   /* libssh sends the default refusal */
}

int fwd_open_answer(struct conn *c, const struct mon_msg *m)
{
    for (struct fwd_open *o = c->opens; o != NULL; o = o->next) {
        if ((uint32_t)o->id != m->f[0].u || o->answered) {
            continue;
        }
        o->answered = 1;
        if (m->type == MON_FORWARDED && m->nfds == 1) {
            o->fd = m->fds[0];      /* already non-blocking: the child made it so */
            return 0;
        }
        for (size_t i = 0; i < m->nfds; i++) {
            close(m->fds[i]);
        }
        if (m->type != MON_FORWARD_FAILED ||
            mon_cstr(&m->f[1], o->why, sizeof(o->why)) < 0) {
            snprintf(o->why, sizeof(o->why), PREFIX_ADMIN "refused");
        }
        return 0;
    }
    return -1;
}

/* Accept or refuse an answered open. */
static void open_finish(struct conn *c, struct fwd_open *o)
{
    if (o->fd < 0) {
        refuse(o->msg, o->id, o->why);
    } else if (fwd_new(c, o->msg, o->fd, o->id) == NULL) {
        close(o->fd);
        refuse(o->msg, o->id, PREFIX_ADMIN "out of memory");
    }
    o->fd = -1;
}

/* Free a pending open: its message, and a socket not handed on. */
static void open_free(struct fwd_open *o)
{
    if (o->fd >= 0) {
        close(o->fd);
    }
    ssh_message_free(o->msg);
    free(o);
}

void fwd_open_complete(struct conn *c)
{
    struct fwd_open **pp = &c->opens;

    while (*pp != NULL) {
        struct fwd_open *o = *pp;

        if (o->answered) {
            *pp = o->next;
            c->nopens--;
            open_finish(c, o);
            open_free(o);
        } else {
            pp = &o->next;
        }
    }
}

void fwd_open_free_all(struct conn *c)
{
    while (c->opens != NULL) {
        struct fwd_open *o = c->opens;

        c->opens = o->next;
        open_free(o);
    }
    c->nopens = 0;
}

void fwd_free(struct fwd *f)
{
    if (f->fd >= 0) {
        close(f->fd);
    }
    if (f->ch != NULL) {
        ssh_remove_channel_callbacks(f->ch, &f->cb);
        ssh_channel_free(f->ch);
    }
    bytebuf_free(&f->to_sock);
    bytebuf_free(&f->to_chan);
    free(f);
}
