/* session.c - the requests of a "session" channel (RFC 4254 section 6).
 *
 * Request table (libssh calls one callback per request type):
 *
 *   request        | before start                  | after start
 *   ---------------+-------------------------------+--------------------------
 *   pty-req        | record TERM and size, unless  | refused
 *                  |   no-pty/restrict/PermitTTY no|
 *   env            | kept if AcceptEnv matches     | refused
 *   shell          | start the login shell         | refused
 *   exec           | start "shell -c COMMAND"      | refused
 *   subsystem      | start the Subsystem command;  | refused
 *                  |   "rescue": the rescue shell  |
 *   window-change  | record the size               | TIOCSWINSZ on the pty
 *   signal         | ignored                       | kill(); not for forced commands
 *   x11-req, auth-agent-req, anything else: refused (libssh's default reply)
 *
 * A key's command= option replaces whatever the client asked to run; the
 * client's request is passed on in SSH_ORIGINAL_COMMAND, as sshd does.
 *
 * The rescue shell: when the user's shell cannot start (spawn.c decides),
 * the static RescueShell runs instead.  A user can ask for it explicitly
 * when the normal shell would start but misbehave:
 *
 *     ssh -t -s HOST rescue        (interactive)
 *     ssh -s HOST rescue < script  (commands on stdin)
 */
#include "session.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"

#define MAX_ENV_REQUESTS 64

/* Largest accepted terminal size (sshd takes anything; we clamp). */
#define MAX_TTY_DIM 10000

/* Signal names of RFC 4254 section 6.10. */
static const struct {
    const char *name;
    int sig;
} signal_names[] = {
    { "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "FPE", SIGFPE },   { "HUP", SIGHUP },
    { "ILL", SIGILL },   { "INT", SIGINT },   { "KILL", SIGKILL }, { "PIPE", SIGPIPE },
    { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
    { "USR2", SIGUSR2 },
};

/* Clamp a terminal dimension from the wire. */
static unsigned short tty_dim(int v)
{
    return (unsigned short)(v < 0 ? 0 : v > MAX_TTY_DIM ? MAX_TTY_DIM : v);
}

static int on_pty_request(ssh_session ssh, ssh_channel ch, const char *term,
                          int cols, int rows, int px, int py, void *ud)
{
    struct sess *s = ud;
    const struct conn *c = s->conn;

    if (s->started || s->want_pty || c->authz.key.opts.no_pty || !c->srv->cfg.permit_tty) {
        return -1;
    }
    s->want_pty = 1;
    snprintf(s->term, sizeof(s->term), "%s", term ? term : "");
    s->ws = (struct winsize){ .ws_col = tty_dim(cols), .ws_row = tty_dim(rows),
                              .ws_xpixel = tty_dim(px), .ws_ypixel = tty_dim(py) };
    return 0;
}

static int on_window_change(ssh_session ssh, ssh_channel ch, int cols, int rows,
                            int px, int py, void *ud)
{
    struct sess *s = ud;

    s->ws = (struct winsize){ .ws_col = tty_dim(cols), .ws_row = tty_dim(rows),
                              .ws_xpixel = tty_dim(px), .ws_ypixel = tty_dim(py) };
    if (s->ptm >= 0) {
        ioctl(s->ptm, TIOCSWINSZ, &s->ws);
    }
    return 0;
}

/* Is NAME a sane environment variable name? */
static int env_name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > 256) {
        return 0;
    }
    return strchr(name, '=') == NULL;
}

static int on_env_request(ssh_session ssh, ssh_channel ch, const char *name,
                          const char *value, void *ud)
{
    struct sess *s = ud;

    if (s->started || !env_name_ok(name) || value == NULL || strlen(value) > 8192 ||
        s->nenv >= MAX_ENV_REQUESTS || !config_accepts_env(&s->conn->srv->cfg, name)) {
        log_debug("Ignored env %s", name ? name : "");
        return -1;
    }
    if (userenv_set(&s->env, name, value) < 0) {
        return -1;
    }
    s->nenv++;
    return 0;
}

/* Set the environment sshd gives a session, in sshd's order: the
 * client's accepted variables first, then the basics over them (so a
 * client cannot set USER or HOME even with AcceptEnv *), TERM, the key's
 * environment= (if permitted), and the SSH_* variables last. */
static int build_env(struct sess *s, struct userenv *e, const char *orig)
{
    const struct conn *c = s->conn;
    const struct pw_entry *pw = &c->authz.pw;
    char buf[512];
    int rc = 0;

    for (size_t i = 0; i < s->env.n; i++) {
        rc |= userenv_put(e, s->env.v[i]);
    }
    rc |= userenv_set(e, "USER", pw->name);
    rc |= userenv_set(e, "LOGNAME", pw->name);
    rc |= userenv_set(e, "HOME", pw->dir);
    rc |= userenv_set(e, "PATH", pw->uid == 0 ? USERENV_PATH_ROOT : USERENV_PATH_USER);
    snprintf(buf, sizeof(buf), "/var/mail/%s", pw->name);
    rc |= userenv_set(e, "MAIL", buf);
    rc |= userenv_set(e, "SHELL", pw->shell[0] ? pw->shell : "/bin/sh");
    if (s->want_pty && s->term[0]) {
        rc |= userenv_set(e, "TERM", s->term);
    }
    for (size_t i = 0; i < c->authz.key.opts.nenv; i++) {
        rc |= userenv_put(e, c->authz.key.opts.env[i]);
    }
    snprintf(buf, sizeof(buf), "%s %d %d", c->peer, c->peer_port, c->local_port);
    rc |= userenv_set(e, "SSH_CLIENT", buf);
    snprintf(buf, sizeof(buf), "%s %d %s %d", c->peer, c->peer_port, c->local, c->local_port);
    rc |= userenv_set(e, "SSH_CONNECTION", buf);
    if (orig != NULL) {
        rc |= userenv_set(e, "SSH_ORIGINAL_COMMAND", orig);
    }
    return rc == 0 ? 0 : -1;
}

/* Fill a spawn request for this session's user. */
static void fill_request(const struct sess *s, struct spawn_req *req, const char *command)
{
    const struct authz *a = &s->conn->authz;

    memset(req, 0, sizeof(*req));
    req->uid = a->pw.uid;
    req->gid = a->pw.gid;
    req->ngroups = a->ngroups;
    memcpy(req->groups, a->groups, a->ngroups * sizeof(gid_t));
    req->tty_gid = s->conn->tty_gid;
    req->home = a->pw.dir;
    req->shell = a->pw.shell;
    req->command = command;
    req->rescue = s->conn->srv->cfg.rescue_shell;
    req->pty = s->want_pty;
    req->ws = s->ws;
}

/* Take over the fds of a started process. */
static void adopt(struct sess *s, const struct spawn_res *res)
{
    s->started = 1;
    s->pid = res->pid;
    s->ptm = res->ptm;
    s->out.fd = res->ptm >= 0 ? res->ptm : res->out;
    s->err.fd = res->err;
    s->err.is_stderr = 1;
    s->in_fd = res->ptm >= 0 ? res->ptm : res->in;
}

/* Start the process: the login shell (command NULL) or a command; with
 * rescue, the rescue shell whatever the user's shell is. */
static int start(struct sess *s, const char *command, const char *what, int rescue)
{
    const char *forced = s->conn->authz.key.opts.command;
    struct userenv env = { 0 };
    struct spawn_req req;
    struct spawn_res res;
    char why[256];
    int rc;

    if (s->started) {
        return -1;
    }
    s->forced = forced != NULL;
    fill_request(s, &req, forced ? forced : command);
    req.rescue_only = rescue && !forced;
    /* SSH_TTY names the pty slave, which spawn adds once it exists. */
    rc = build_env(s, &env, forced ? command : NULL);
    req.env = env.v;
    if (rc == 0) {
        rc = spawn_start(&req, &res, why, sizeof(why));
    }
    userenv_free(&env);
    if (rc < 0) {
        log_error("session %d for %s: %s", s->id, s->conn->authz.pw.name, why);
        return -1;
    }
    adopt(s, &res);
    log_info("Starting session: %s%s%s for %s from %s port %d id %d", what,
             res.tty[0] ? " on " : "", res.tty[0] ? res.tty + 5 : "",
             s->conn->authz.pw.name, s->conn->peer, s->conn->peer_port, s->id);
    return 0;
}

static int on_shell_request(ssh_session ssh, ssh_channel ch, void *ud)
{
    return start(ud, NULL, "shell", 0);
}

static int on_exec_request(ssh_session ssh, ssh_channel ch, const char *command, void *ud)
{
    return start(ud, command, ((struct sess *)ud)->conn->authz.key.opts.command ?
                 "forced-command" : "command", 0);
}

static int on_subsystem_request(ssh_session ssh, ssh_channel ch, const char *name, void *ud)
{
    struct sess *s = ud;
    const char *cmd = config_subsystem(&s->conn->srv->cfg, name);
    char what[96];

    if (cmd == NULL && strcmp(name, SESSION_RESCUE_SUBSYSTEM) == 0) {
        return start(s, NULL, "rescue shell", 1);
    }
    if (cmd == NULL) {
        log_info("subsystem request for %.64s by user %s failed, subsystem not found",
                 name, s->conn->authz.pw.name);
        return -1;
    }
    snprintf(what, sizeof(what), "subsystem '%.64s'", name);
    return start(s, cmd, what, 0);
}

static void on_signal(ssh_session ssh, ssh_channel ch, const char *name, void *ud)
{
    struct sess *s = ud;

    if (!s->started || s->exited || s->forced) {
        log_info("refusing to send signal %s to session %d", name, s->id);
        return;
    }
    for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
        if (strcmp(name, signal_names[i].name) == 0) {
            kill(s->pid, signal_names[i].sig);
            return;
        }
    }
}

static int on_data(ssh_session ssh, ssh_channel ch, void *data, uint32_t len,
                   int is_stderr, void *ud)
{
    return (int)sessio_stdin_data(ud, data, len);
}

static void on_eof(ssh_session ssh, ssh_channel ch, void *ud)
{
    ((struct sess *)ud)->peer_eof = 1;
}

static void on_close(ssh_session ssh, ssh_channel ch, void *ud)
{
    ((struct sess *)ud)->peer_closed = 1;   /* acted on in sessio_pump() */
}

/* Wire the callbacks above to a new channel. */
static void set_callbacks(struct sess *s)
{
    memset(&s->cb, 0, sizeof(s->cb));
    s->cb.userdata = s;
    s->cb.channel_data_function = on_data;
    s->cb.channel_eof_function = on_eof;
    s->cb.channel_close_function = on_close;
    s->cb.channel_signal_function = on_signal;
    s->cb.channel_pty_request_function = on_pty_request;
    s->cb.channel_shell_request_function = on_shell_request;
    s->cb.channel_pty_window_change_function = on_window_change;
    s->cb.channel_exec_request_function = on_exec_request;
    s->cb.channel_env_request_function = on_env_request;
    s->cb.channel_subsystem_request_function = on_subsystem_request;
    ssh_callbacks_init(&s->cb);
    ssh_set_channel_callbacks(s->ch, &s->cb);
}

ssh_channel sess_open_cb(ssh_session session, void *userdata)
{
    struct conn *c = userdata;
    static int next_id;
    struct sess *s;

    if (!c->authenticated || (int)c->nsessions >= c->srv->cfg.max_sessions) {
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->ch = ssh_channel_new(session);
    if (s->ch == NULL) {
        free(s);
        return NULL;
    }
    s->conn = c;
    s->id = next_id++;
    s->ptm = s->in_fd = s->out.fd = s->err.fd = -1;
    set_callbacks(s);
    s->next = c->sessions;
    c->sessions = s;
    c->nsessions++;
    return s->ch;
}

void sess_free(struct sess *s)
{
    sessio_close_fds(s);
    if (s->ch != NULL) {
        /* libssh may keep the channel until the peer's CLOSE arrives: its
         * callbacks must not point at this struct any more. */
        ssh_remove_channel_callbacks(s->ch, &s->cb);
        ssh_channel_free(s->ch);
    }
    userenv_free(&s->env);
    bytebuf_free(&s->in);
    bytebuf_free(&s->out.pending);
    bytebuf_free(&s->err.pending);
    free(s);
}
