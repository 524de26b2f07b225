/* conn_loop.c - the network process: one client connection, from the
 * first byte to the last.
 *
 * The connection process splits before it reads a byte
 * (listener/split.c): this half, the network process, wipes the host key
 * texts it inherited, confines itself (sandbox.c), and then runs the SSH
 * protocol:
 *
 *   phase   | runs                                  | ends when
 *   --------+---------------------------------------+-----------------------------
 *   kex     | libssh key exchange (handshake.c:     | keys agreed, or error/timeout
 *           |   non-blocking, TCP_QUICKACK, bounded |
 *           |   by LoginGraceTime); the monitor     |
 *           |   signs the exchange hash             |
 *   auth    | libssh event loop; auth_relay.c asks  | authenticated; MaxAuthTries,
 *           |   the monitor                         |   LoginGraceTime, disconnect
 *   serve   | our poll loop: the SSH socket, the    | the client disconnects, or
 *           |   sessions' fds, forwarded channels'  |   stops answering keepalives
 *           |   sockets, the monitor socket (its    |
 *           |   answers to pending forwarding opens |
 *           |   acted on each round)                |
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "algolist.h"
#include "auth_relay.h"
#include "clock.h"
#include "forward.h"
#include "handshake.h"
#include "log.h"
#include "monitor_client.h"
#include "sandbox.h"
#include "session.h"
#include "test_hooks.h"

#define MAX_POLL (2 + 3 * MON_MAX_SESSIONS + MON_MAX_FORWARDS)   /* SSH socket, monitor,
                                                  3 per session, 1 per forward */

/* Set up the libssh session on the accepted socket, with our callbacks.
 * Reads nothing from the client yet. */
static int conn_setup(struct conn *c, struct ssh_server_callbacks_struct *cb)
{
    long timeout = c->srv->cfg.login_grace_time;

    c->ssh = ssh_new();
    c->ev = ssh_event_new();
    if (c->ssh == NULL || c->ev == NULL) {
        log_error("cannot set up the SSH session for %s port %d: out of memory", c->peer,
                  c->peer_port);
        return -1;
    }
    if (timeout > 0) {
        ssh_options_set(c->ssh, SSH_OPTIONS_TIMEOUT, &timeout);
    }
    if (ssh_bind_accept_fd(c->srv->bind, c->ssh, c->fd) != SSH_OK) {
        log_error("accept from %s port %d: %s", c->peer, c->peer_port,
                  ssh_get_error(c->srv->bind));
        return -1;
    }
    memset(cb, 0, sizeof(*cb));
    cb->userdata = c;
    cb->auth_pubkey_function = auth_pubkey_cb;
    cb->auth_pubkey_signed_function = auth_pubkey_signed_cb;
    cb->hostkey_sign_function = auth_hostkey_sign_cb;
    cb->channel_open_request_session_function = sess_open_cb;
    ssh_callbacks_init(cb);
    ssh_set_server_callbacks(c->ssh, cb);
    ssh_set_auth_methods(c->ssh, SSH_AUTH_METHOD_PUBLICKEY);
    ssh_set_message_callback(c->ssh, auth_other_message_cb, c);
    return 0;
}

/* "Connection closed by [authenticating user U] A port P [preauth]" */
static void log_preauth_close(const struct conn *c)
{
    if (c->user[0]) {
        log_info("Connection closed by authenticating user %s %s port %d [preauth]",
                 c->user, c->peer, c->peer_port);
    } else {
        log_info("Connection closed by %s port %d [preauth]", c->peer, c->peer_port);
    }
}

/* Why the key exchange ended, in sshd's words. */
static void log_kex_failure(const struct conn *c, int timed_out)
{
    const char *err = ssh_get_error(c->ssh);

    if (timed_out) {
        log_info("Timeout before authentication for %s port %d", c->peer, c->peer_port);
    } else if (err == NULL || err[0] == '\0') {
        log_info("Connection closed by %s port %d [preauth]", c->peer, c->peer_port);
    } else {
        log_info("kex error from %s port %d: %s [preauth]", c->peer, c->peer_port, err);
    }
}

/* Key exchange, then authentication.  0 when the user is in. */
static int conn_authenticate(struct conn *c)
{
    int grace = c->srv->cfg.login_grace_time;
    long long deadline = clock_now_ms() + (long long)grace * 1000;

    if (handshake_run(c, grace > 0 ? deadline : 0) < 0) {
        log_kex_failure(c, grace > 0 && clock_now_ms() >= deadline);
        return -1;
    }
    ssh_event_add_session(c->ev, c->ssh);
    while (!c->authenticated) {
        handshake_quickack(c->fd);      /* no delayed ACK until we are in */
        long long left = deadline - clock_now_ms();

        if (c->too_many_failures || c->fatal) {
            return -1;
        }
        if (grace > 0 && left <= 0) {
            log_info("Timeout before authentication for %s port %d", c->peer, c->peer_port);
            return -1;
        }
        if (ssh_event_dopoll(c->ev, grace > 0 && left < 1000 ? (int)left : 1000) == SSH_ERROR ||
            (ssh_get_status(c->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
            log_preauth_close(c);
            return -1;
        }
    }
    return 0;
}

/* Hand queued and newly arrived process exits to their sessions (a
 * forwarding answer that arrives is noted in its pending open). */
static void take_exits(struct conn *c, int readable)
{
    long long now = clock_now_ms();

    if (readable) {
        monclient_unasked(c);
    }
    for (size_t i = 0; i < c->nexits; i++) {
        sessio_child_exited(c, c->exits[i].id, c->exits[i].status, now);
    }
    c->nexits = 0;
}

/* Free every session that has nothing more to do. */
static void sweep_sessions(struct conn *c)
{
    struct sess **pp = &c->sessions;

    while (*pp != NULL) {
        struct sess *s = *pp;

        if (s->done) {
            *pp = s->next;
            c->nsessions--;
            sess_free(s);
        } else {
            pp = &s->next;
        }
    }
}

/* Free every forwarded channel that is over. */
static void sweep_forwards(struct conn *c)
{
    struct fwd **pp = &c->forwards;

    while (*pp != NULL) {
        struct fwd *f = *pp;

        if (f->done) {
            *pp = f->next;
            c->nforwards--;
            fwd_free(f);
        } else {
            pp = &f->next;
        }
    }
}

/* Poll timeout: the nearest session linger, or the keepalive interval. */
static int loop_timeout(const struct conn *c, long long now)
{
    long long t = c->srv->cfg.client_alive_interval > 0 ?
                  (long long)c->srv->cfg.client_alive_interval * 1000 : -1;

    for (const struct sess *s = c->sessions; s != NULL; s = s->next) {
        long long st = sessio_timeout(s, now);

        if (st >= 0 && (t < 0 || st < t)) {
            t = st;
        }
    }
    return t > 60000 || t < 0 ? 60000 : (int)t;
}

/* ClientAliveInterval: a keepalive after each quiet interval; give up
 * after ClientAliveCountMax unanswered ones.  Returns -1 to give up. */
static int client_alive(struct conn *c, int had_input, long long now, long long *last)
{
    const struct fbd_config *cfg = &c->srv->cfg;

    if (had_input) {
        c->alive_missed = 0;
        *last = now;
        return 0;
    }
    if (cfg->client_alive_interval <= 0 || now - *last < cfg->client_alive_interval * 1000LL) {
        return 0;
    }
    *last = now;
    if (++c->alive_missed > cfg->client_alive_count_max) {
        log_info("Timeout, client not responding from user %s %s port %d",
                 c->user_name, c->peer, c->peer_port);
        return -1;
    }
    ssh_send_keepalive(c->ssh);
    return 0;
}

/* One round: poll everything, let libssh read, move session bytes. */
static int serve_round(struct conn *c, long long *last_input)
{
    struct pollfd p[MAX_POLL];
    struct sess *owners[MAX_POLL];
    struct fwd *fowners[MAX_POLL];
    size_t n = 0;
    size_t nsess;
    long long now = clock_now_ms();
    int ssh_ev = POLLIN | ((ssh_get_poll_flags(c->ssh) & SSH_WRITE_PENDING) ? POLLOUT : 0);

    p[n++] = (struct pollfd){ .fd = ssh_get_fd(c->ssh), .events = (short)ssh_ev };
    p[n++] = (struct pollfd){ .fd = c->mon, .events = POLLIN };
    for (struct sess *s = c->sessions; s != NULL && n + 3 <= MAX_POLL; s = s->next) {
        n = sessio_pollfds(s, p, owners, n);
    }
    nsess = n;
    for (struct fwd *f = c->forwards; f != NULL && n + 1 <= MAX_POLL; f = f->next) {
        n = fwdio_pollfds(f, p, fowners, n);
    }
    if (poll(p, n, c->nexits > 0 ? 0 : loop_timeout(c, now)) < 0 && errno != EINTR) {
        return -1;
    }
    now = clock_now_ms();
    if (p[0].revents && ssh_event_dopoll(c->ev, 0) == SSH_ERROR) {
        return -1;
    }
    if (client_alive(c, (p[0].revents & POLLIN) != 0, now, last_input) < 0) {
        return -1;
    }
    take_exits(c, p[1].revents != 0);
    fwd_open_complete(c);
    for (size_t i = 2; i < nsess; i++) {
        sessio_note(owners[i], &p[i]);
    }
    for (size_t i = nsess; i < n; i++) {
        fwdio_note(fowners[i], &p[i]);
    }
    for (struct sess *s = c->sessions; s != NULL; s = s->next) {
        sessio_pump(s, now);
    }
    for (struct fwd *f = c->forwards; f != NULL; f = f->next) {
        fwdio_pump(f);
    }
    sweep_sessions(c);
    sweep_forwards(c);
    return c->fatal ? -1 : 0;
}

/* After authentication: serve channels until the client goes away. */
static void conn_run(struct conn *c)
{
    long long last_input = clock_now_ms();

    ssh_set_blocking(c->ssh, 0);
    ssh_set_message_callback(c->ssh, fwd_message_cb, c);
    while (serve_round(c, &last_input) == 0 &&
           !(ssh_get_status(c->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
    }
    log_info("Disconnected from user %s %s port %d", c->user_name, c->peer, c->peer_port);
}

/* Release everything; the process exits right after. */
static void conn_cleanup(struct conn *c)
{
    while (c->sessions != NULL) {
        struct sess *s = c->sessions;

        c->sessions = s->next;
        sess_free(s);
    }
    while (c->forwards != NULL) {
        struct fwd *f = c->forwards;

        c->forwards = f->next;
        fwd_free(f);
    }
    fwd_open_free_all(c);
    if (c->ev != NULL) {
        ssh_event_free(c->ev);
    }
    if (c->ssh != NULL) {
        ssh_disconnect(c->ssh);
        ssh_free(c->ssh);
    }
}

/* Confine this process as the start-up probe found possible (none for
 * Sandbox no).  -1: do not go on. */
static int confine(struct conn *c)
{
    const struct fbd_config *cfg = &c->srv->cfg;
    int keep[2] = { c->fd, c->mon };
    struct diag errs = { 0 };

    if (c->srv->confine == CONFINE_NONE) {
        return 0;
    }
    if (sandbox_enter(c->sandbox_uid, (gid_t)cfg->sandbox_gid,
                      c->srv->confine == CONFINE_FULL, c->srv->empty_ns_fd, keep, 2,
                      &errs) < 0) {
        log_error("cannot confine the network process for %s port %d: %s; closing the "
                  "connection", c->peer, c->peer_port, diag_last(&errs));
        diag_free(&errs);
        return -1;
    }
    return 0;
}

/* The network process dies with its monitor, whatever kills it. */
static void die_with_monitor(pid_t monitor)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != monitor) {
        _exit(1);   /* the monitor was gone before the line above */
    }
}

void conn_network(struct server *srv, int fd, int mon, pid_t monitor,
                  const struct endpoints *e, uid_t sandbox_uid)
{
    struct ssh_server_callbacks_struct cb;
    struct conn c;

    die_with_monitor(monitor);
    memset(&c, 0, sizeof(c));
    c.srv = srv;
    c.fd = fd;
    c.mon = mon;
    c.sandbox_uid = sandbox_uid;
    monclient_log_to(mon);
    hostkeys_wipe(&srv->keys);
    memcpy(c.peer, e->peer, sizeof(c.peer));
    memcpy(c.local, e->local, sizeof(c.local));
    c.peer_port = e->peer_port;
    c.local_port = e->local_port;
    c.monbuf = malloc(MON_MAX_MSG);
    if (c.monbuf != NULL && conn_setup(&c, &cb) == 0 && confine(&c) == 0 &&
        conn_authenticate(&c) == 0) {
        conn_run(&c);
    }
    conn_cleanup(&c);
    _exit(0);
}
