/* channel_direct.c - open a direct-tcpip channel (forward.h).
 *
 *   step                                   | on failure (CHANNEL_OPEN_FAILURE)
 *   ---------------------------------------+--------------------------------------
 *   MaxSessions (sessions and forwarded    | administratively prohibited; logged
 *     channels) or MaxForwardChannels      |
 *     reached                              |
 *   MON_FORWARD to the monitor             | its reason: "administratively
 *     (policy; the user's child connects)  |   prohibited" or "connect failed: WHY"
 *                                          |   (code SSH_OPEN_CONNECT_FAILED);
 *                                          |   logged "channel N: open failed: ..."
 *   MON_FORWARDED: the socket (SCM_RIGHTS) | -
 *   accept; channel callbacks set at once  |
 *
 * The open is synchronous: the monitor answers within its child's time
 * bound (monitor/forward_connect.c).
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

/* Is there room for one more channel?  NULL, or why not. */
static const char *over_limit(const struct conn *c)
{
    const struct fbd_config *cfg = &c->srv->cfg;

    if ((int)(c->nsessions + c->nforwards) >= cfg->max_sessions) {
        return PREFIX_ADMIN "too many channels (MaxSessions)";
    }
    if ((int)c->nforwards >= cfg->max_forwards) {
        return PREFIX_ADMIN "too many forwarded channels (MaxForwardChannels)";
    }
    return NULL;
}

/* Ask the monitor for a socket to DEST:DPORT.  The fd, or -1 with the
 * reason copied into why. */
static int ask_monitor(struct conn *c, ssh_message msg, char *why, size_t whylen)
{
    const char *dest = ssh_message_channel_request_open_destination(msg);
    const char *orig = ssh_message_channel_request_open_originator(msg);
    int dport = ssh_message_channel_request_open_destination_port(msg);
    int oport = ssh_message_channel_request_open_originator_port(msg);
    struct mon_msg r;

    dest = dest != NULL ? dest : "";
    orig = orig != NULL ? orig : "";
    snprintf(why, whylen, PREFIX_ADMIN "monitor gone");
    if (mon_send(c->mon, NULL, 0, MON_FORWARD, dest, strlen(dest), (uint32_t)dport, orig,
                 strlen(orig), (uint32_t)(oport < 0 ? 0 : oport)) < 0 ||
        monclient_reply(c, MON_FORWARDED, &r) < 0) {
        return -1;
    }
    if (r.type == MON_FAIL) {
        if (mon_cstr(&r.f[0], why, whylen) < 0) {
            snprintf(why, whylen, PREFIX_ADMIN "refused");
        }
        return -1;
    }
    if (r.nfds != 1) {
        for (size_t i = 0; i < r.nfds; i++) {
            close(r.fds[i]);
        }
        return -1;
    }
    return r.fds[0];
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

/* A direct-tcpip open request: 0 (handled here, one way or the other). */
static int open_direct(struct conn *c, ssh_message msg)
{
    int id = next_id++;
    const char *limit = over_limit(c);
    char why[512];
    int fd;

    if (limit != NULL) {
        refuse(msg, id, limit);
        return 0;
    }
    fd = ask_monitor(c, msg, why, sizeof(why));
    if (fd < 0) {
        refuse(msg, id, why);
        return 0;
    }
    /* Already non-blocking: the child made it SOCK_NONBLOCK. */
    if (fwd_new(c, msg, fd, id) == NULL) {
        close(fd);
        refuse(msg, id, PREFIX_ADMIN "out of memory");
    }
    return 0;
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
