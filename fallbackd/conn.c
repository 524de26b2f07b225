/* conn.c - one client connection, from the first byte to the last.
 *
 * The connection process splits before it reads a byte: it forks the
 * network process and becomes that connection's monitor (monitor.c).
 * The network process wipes the host key texts it inherited, confines
 * itself (sandbox.c), and then runs the SSH protocol:
 *
 *   phase   | runs                                  | ends when
 *   --------+---------------------------------------+-----------------------------
 *   kex     | libssh key exchange (blocking, bounded| keys agreed, or error/timeout
 *           |   by LoginGraceTime); the monitor     |
 *           |   signs the exchange hash             |
 *   auth    | libssh event loop; auth_pubkey.c asks | authenticated; MaxAuthTries,
 *           |   the monitor                         |   LoginGraceTime, disconnect
 *   serve   | our poll loop: the SSH socket, the    | the client disconnects, or
 *           |   sessions' fds, the monitor socket   |   stops answering keepalives
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "algolist.h"
#include "auth_pubkey.h"
#include "log.h"
#include "monitor.h"
#include "sandbox.h"
#include "session.h"
#include "sockets.h"
#include "test_hooks.h"

#define MAX_POLL (2 + 3 * 64)

static int log_monitor_fd = -1;

long long conn_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The network process's log lines go to the monitor (log.h sink). */
static void log_to_monitor(int level, const char *msg)
{
    mon_send(log_monitor_fd, NULL, 0, MON_LOG, (uint32_t)level, msg, strlen(msg));
}

int conn_monitor_reply(struct conn *c, uint32_t reply_type, struct mon_msg *reply)
{
    for (;;) {
        if (mon_recv(c->mon, c->monbuf, reply) <= 0) {
            c->fatal = 1;
            return -1;
        }
        if (reply->type != MON_EXITED) {
            break;
        }
        if (c->nexits < CONN_MAX_EXITS) {
            c->exits[c->nexits].id = reply->f[0].u;
            c->exits[c->nexits++].status = (int)reply->f[1].u;
        }
    }
    if (reply->type != reply_type && reply->type != MON_FAIL) {
        for (size_t i = 0; i < reply->nfds; i++) {
            close(reply->fds[i]);
        }
        c->fatal = 1;
        return -1;
    }
    return 0;
}

/* Both ends of the TCP connection, numeric; read once, in conn_serve(). */
struct endpoints {
    char peer[INET6_ADDRSTRLEN];
    int peer_port;
    char local[INET6_ADDRSTRLEN];
    int local_port;
};

static void endpoints_read(int fd, struct endpoints *e)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    getpeername(fd, (struct sockaddr *)&ss, &len);
    sockaddr_format(&ss, e->peer, sizeof(e->peer), &e->peer_port);
    len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    getsockname(fd, (struct sockaddr *)&ss, &len);
    sockaddr_format(&ss, e->local, sizeof(e->local), &e->local_port);
}

/* Set up the libssh session on the accepted socket, with our callbacks.
 * Reads nothing from the client yet. */
static int conn_setup(struct conn *c, struct ssh_server_callbacks_struct *cb)
{
    long timeout = c->srv->cfg.login_grace_time;

    c->ssh = ssh_new();
    c->ev = ssh_event_new();
    if (c->ssh == NULL || c->ev == NULL) {
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
    long long deadline = conn_now_ms() + (long long)grace * 1000;

    if (ssh_handle_key_exchange(c->ssh) != SSH_OK) {
        log_kex_failure(c, grace > 0 && conn_now_ms() >= deadline);
        return -1;
    }
    ssh_event_add_session(c->ev, c->ssh);
    while (!c->authenticated) {
        long long left = deadline - conn_now_ms();

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

/* Hand queued and newly arrived process exits to their sessions. */
static void take_exits(struct conn *c, int readable)
{
    struct mon_msg m;
    long long now = conn_now_ms();

    if (readable && mon_recv(c->mon, c->monbuf, &m) > 0 && m.type == MON_EXITED &&
        c->nexits < CONN_MAX_EXITS) {
        c->exits[c->nexits].id = m.f[0].u;
        c->exits[c->nexits++].status = (int)m.f[1].u;
    } else if (readable) {
        c->fatal = 1;   /* the monitor is gone, or says what it should not */
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
    size_t n = 0;
    long long now = conn_now_ms();
    int ssh_ev = POLLIN | ((ssh_get_poll_flags(c->ssh) & SSH_WRITE_PENDING) ? POLLOUT : 0);

    p[n++] = (struct pollfd){ .fd = ssh_get_fd(c->ssh), .events = (short)ssh_ev };
    p[n++] = (struct pollfd){ .fd = c->mon, .events = POLLIN };
    for (struct sess *s = c->sessions; s != NULL && n + 3 <= MAX_POLL; s = s->next) {
        n = sessio_pollfds(s, p, owners, n);
    }
    if (poll(p, n, c->nexits > 0 ? 0 : loop_timeout(c, now)) < 0 && errno != EINTR) {
        return -1;
    }
    now = conn_now_ms();
    if (p[0].revents && ssh_event_dopoll(c->ev, 0) == SSH_ERROR) {
        return -1;
    }
    if (client_alive(c, (p[0].revents & POLLIN) != 0, now, last_input) < 0) {
        return -1;
    }
    take_exits(c, p[1].revents != 0);
    for (size_t i = 2; i < n; i++) {
        sessio_note(owners[i], &p[i]);
    }
    for (struct sess *s = c->sessions; s != NULL; s = s->next) {
        sessio_pump(s, now);
    }
    sweep_sessions(c);
    return c->fatal ? -1 : 0;
}

/* After authentication: serve channels until the client goes away. */
static void conn_run(struct conn *c)
{
    long long last_input = conn_now_ms();

    ssh_set_blocking(c->ssh, 0);
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
    if (c->ev != NULL) {
        ssh_event_free(c->ev);
    }
    if (c->ssh != NULL) {
        ssh_disconnect(c->ssh);
        ssh_free(c->ssh);
    }
}

/* Confine this process unless Sandbox no.  -1: do not go on. */
static int confine(struct conn *c)
{
    const struct fbd_config *cfg = &c->srv->cfg;
    int keep[2] = { c->fd, c->mon };
    char why[256];

    if (!cfg->sandbox) {
        return 0;
    }
    if (sandbox_enter((uid_t)cfg->sandbox_uid, (gid_t)cfg->sandbox_gid, keep, 2,
                      why, sizeof(why)) < 0) {
        log_error("cannot confine the network process for %s port %d: %s; closing the "
                  "connection (set Sandbox no to run without a sandbox)", c->peer,
                  c->peer_port, why);
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

/* The network process: never returns. */
static void conn_network(struct server *srv, int fd, int mon, pid_t monitor,
                         const struct endpoints *e)
{
    struct ssh_server_callbacks_struct cb;
    struct conn c;

    die_with_monitor(monitor);
    memset(&c, 0, sizeof(c));
    c.srv = srv;
    c.fd = fd;
    c.mon = mon;
    log_monitor_fd = mon;
    log_set_sink(log_to_monitor);
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

/* The monitor for the network process NET_PID, talking on MON. */
static int run_monitor(struct server *srv, int mon, pid_t net_pid, int startup_fd,
                       const struct endpoints *e)
{
    struct monitor m;
    int min_rsa = ALGO_RSA_MIN_BITS;
    int rc;

    memset(&m, 0, sizeof(m));
    m.srv = srv;
    m.sock = mon;
    m.net_pid = net_pid;
    m.startup_fd = startup_fd;
    m.started_ms = conn_now_ms();
    m.tty_gid = (gid_t)-1;
    memcpy(m.peer, e->peer, sizeof(m.peer));
    memcpy(m.local, e->local, sizeof(m.local));
    m.peer_port = e->peer_port;
    m.local_port = e->local_port;
    m.verifier = ssh_new();
    if (m.verifier == NULL) {
        return 1;
    }
    ssh_options_set(m.verifier, SSH_OPTIONS_RSA_MIN_SIZE, &min_rsa);
    rc = monitor_run(&m);
    authz_clear(&m.authz);
    ssh_free(m.verifier);
    return rc;
}

int conn_serve(struct server *srv, int fd, int startup_fd)
{
    struct endpoints e;
    pid_t monitor = getpid();
    int sv[2];
    pid_t pid;

    socket_tune(fd, srv->cfg.tcp_keep_alive);
    endpoints_read(fd, &e);
    log_info("Connection from %s port %d on %s port %d", e.peer, e.peer_port, e.local,
             e.local_port);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || (pid = fork()) < 0) {
        log_error("cannot start the network process for %s port %d: %s", e.peer, e.peer_port,
                  strerror(errno));
        return 1;
    }
    if (pid == 0) {
        close(sv[0]);
        close(startup_fd);
        conn_network(srv, fd, sv[1], monitor, &e);
    }
    close(sv[1]);
    close(fd);      /* the monitor never touches the client's bytes */
    return run_monitor(srv, sv[0], pid, startup_fd, &e);
}
