/* conn.c - one client connection, from the first byte to the last.
 *
 * Phases:
 *
 *   phase   | runs                                  | ends when
 *   --------+---------------------------------------+-----------------------------
 *   kex     | libssh key exchange (blocking, bounded| keys agreed, or error/timeout
 *           |   by LoginGraceTime)                  |
 *   auth    | libssh event loop; auth_pubkey.c      | authenticated; MaxAuthTries,
 *           |   decides                             |   LoginGraceTime, disconnect
 *   serve   | our poll loop: the SSH socket, the    | the client disconnects, or
 *           |   sessions' fds, SIGCHLD              |   stops answering keepalives
 *
 * When authentication succeeds the startup pipe to the listener is closed,
 * so this connection stops counting against MaxStartups.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "auth_pubkey.h"
#include "log.h"
#include "session.h"
#include "sockets.h"

#define MAX_POLL (2 + 3 * 64)

static int sigchld_wfd = -1;

long long conn_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_sigchld(int sig)
{
    int saved = errno;

    (void)sig;
    (void)!write(sigchld_wfd, "c", 1);
    errno = saved;
}

/* Addresses of both ends, numeric. */
static void conn_addresses(struct conn *c)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    memset(&ss, 0, sizeof(ss));
    getpeername(c->fd, (struct sockaddr *)&ss, &len);
    sockaddr_format(&ss, c->peer, sizeof(c->peer), &c->peer_port);
    len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    getsockname(c->fd, (struct sockaddr *)&ss, &len);
    sockaddr_format(&ss, c->local, sizeof(c->local), &c->local_port);
}

/* Set up the libssh session on the accepted socket, with our callbacks. */
static int conn_setup(struct conn *c, struct ssh_server_callbacks_struct *cb)
{
    long timeout = c->srv->cfg.login_grace_time;

    c->ssh = ssh_new();
    if (c->ssh == NULL) {
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
        log_info("Connection closed by %s user %s %s port %d [preauth]",
                 userdb_user(c->srv->users, c->user) ? "authenticating" : "invalid",
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

        if (c->too_many_failures) {
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

/* Reap our children and tell their sessions. */
static void reap(struct conn *c)
{
    char drain[64];
    int status;
    pid_t pid;

    while (read(c->child_pipe[0], drain, sizeof(drain)) > 0) {
    }
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        sessio_child_exited(c, pid, status, conn_now_ms());
    }
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
                 c->authz.pw.name, c->peer, c->peer_port);
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
    p[n++] = (struct pollfd){ .fd = c->child_pipe[0], .events = POLLIN };
    for (struct sess *s = c->sessions; s != NULL && n + 3 <= MAX_POLL; s = s->next) {
        n = sessio_pollfds(s, p, owners, n);
    }
    if (poll(p, n, loop_timeout(c, now)) < 0 && errno != EINTR) {
        return -1;
    }
    now = conn_now_ms();
    if (p[0].revents && ssh_event_dopoll(c->ev, 0) == SSH_ERROR) {
        return -1;
    }
    if (client_alive(c, (p[0].revents & POLLIN) != 0, now, last_input) < 0) {
        return -1;
    }
    if (p[1].revents) {
        reap(c);
    }
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
    log_info("Disconnected from user %s %s port %d", c->authz.pw.name, c->peer, c->peer_port);
}

/* SIGCHLD through a self-pipe, so poll() wakes for it. */
static int conn_signals(struct conn *c)
{
    struct sigaction sa;

    if (pipe2(c->child_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        return -1;
    }
    sigchld_wfd = c->child_pipe[1];
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGCHLD, &sa, NULL);
}

/* The gid pty slaves get, as sshd: group "tty", or -1 if there is none. */
static gid_t tty_group(const struct server *srv)
{
    const struct gr_entry *g = userdb_group(srv->users, "tty");

    return g != NULL ? g->gid : (gid_t)-1;
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
    authz_clear(&c->authz);
}

int conn_serve(struct server *srv, int fd, int startup_fd)
{
    struct ssh_server_callbacks_struct cb;
    struct conn c;
    int rc = 1;

    memset(&c, 0, sizeof(c));
    c.srv = srv;
    c.fd = fd;
    c.startup_fd = startup_fd;
    c.tty_gid = (gid_t)-1;
    socket_tune(fd, srv->cfg.tcp_keep_alive);
    conn_addresses(&c);
    log_info("Connection from %s port %d on %s port %d", c.peer, c.peer_port,
             c.local, c.local_port);
    if (srv->cfg.login_grace_time > 0) {
        alarm((unsigned)srv->cfg.login_grace_time + 10);  /* backstop: default action kills */
    }
    c.ev = ssh_event_new();
    if (c.ev != NULL && conn_signals(&c) == 0 && conn_setup(&c, &cb) == 0 &&
        conn_authenticate(&c) == 0) {
        alarm(0);
        c.tty_gid = tty_group(srv);
        close(c.startup_fd);
        c.startup_fd = -1;
        conn_run(&c);
        rc = 0;
    }
    conn_cleanup(&c);
    return rc;
}
