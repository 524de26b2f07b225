/* session_req.c - the requests of a "session" channel (RFC 4254 section 6),
 * in the network process.
 *
 * Request table (libssh calls one callback per request type):
 *
 *   request        | before start                  | after start
 *   ---------------+-------------------------------+--------------------------
 *   pty-req        | record TERM and size, unless  | refused
 *                  |   no-pty/restrict/PermitTTY no|
 *   env            | kept if AcceptEnv matches     | refused
 *   shell          | ask the monitor for the shell | refused
 *   exec           | ask for "shell -c COMMAND"    | refused
 *   subsystem      | ask for the Subsystem command;| refused
 *                  |   "rescue": the rescue shell  |
 *                  |   "diagnose": the incident    |
 *                  |   console (diagnose/)         |
 *   window-change  | record the size               | TIOCSWINSZ on the pty
 *   signal         | ignored                       | relayed to the monitor
 *   x11-req, auth-agent-req, anything else: refused (libssh's default reply)
 *
 * The monitor applies the policy again (monitor/session_spawn.c) and starts the
 * process; this side only keeps the fds it passes back.  The rescue shell
 * (when the user's shell cannot start, or on request) is the monitor's
 * business too:
 *
 *     ssh -t -s HOST rescue        (interactive)
 *     ssh -s HOST rescue < script  (commands on stdin)
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "monitor_client.h"

static int on_pty_request(ssh_session ssh, ssh_channel ch, const char *term,
                          int cols, int rows, int px, int py, void *ud)
{
    struct sess *s = ud;
    const struct conn *c = s->conn;

    if (s->started || s->want_pty || (c->key_flags & MON_FLAG_NO_PTY) ||
        !c->srv->cfg.permit_tty) {
        return -1;
    }
    s->want_pty = 1;
    snprintf(s->term, sizeof(s->term), "%s", term ? term : "");
    s->ws = (struct winsize){ .ws_col = mon_tty_dim(cols), .ws_row = mon_tty_dim(rows),
                              .ws_xpixel = mon_tty_dim(px), .ws_ypixel = mon_tty_dim(py) };
    return 0;
}

static int on_window_change(ssh_session ssh, ssh_channel ch, int cols, int rows,
                            int px, int py, void *ud)
{
    struct sess *s = ud;

    s->ws = (struct winsize){ .ws_col = mon_tty_dim(cols), .ws_row = mon_tty_dim(rows),
                              .ws_xpixel = mon_tty_dim(px), .ws_ypixel = mon_tty_dim(py) };
    if (s->ptm >= 0) {
        ioctl(s->ptm, TIOCSWINSZ, &s->ws);
    }
    return 0;
}

/* Is NAME a sane environment variable name? */
static int env_name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > MON_MAX_ENV_NAME) {
        return 0;
    }
    return strchr(name, '=') == NULL;
}

static int on_env_request(ssh_session ssh, ssh_channel ch, const char *name,
                          const char *value, void *ud)
{
    struct sess *s = ud;

    if (s->started || !env_name_ok(name) || value == NULL ||
        strlen(value) > MON_MAX_ENV_VALUE || s->nenv >= MON_MAX_ENV ||
        !config_accepts_env(&s->conn->srv->cfg, name)) {
        log_debug("Ignored env %s", name ? name : "");
        return -1;
    }
    if (userenv_set(&s->env, name, value) < 0) {
        return -1;
    }
    s->nenv++;
    return 0;
}

/* The env requests as one NUL-separated block ("K=V\0K=V\0"). */
static char *env_block(const struct sess *s, size_t *len)
{
    size_t n = 0;
    char *b;

    for (size_t i = 0; i < s->env.n; i++) {
        n += strlen(s->env.v[i]) + 1;
    }
    b = malloc(n + 1);
    *len = 0;
    for (size_t i = 0; b != NULL && i < s->env.n; i++) {
        size_t l = strlen(s->env.v[i]) + 1;

        memcpy(b + *len, s->env.v[i], l);
        *len += l;
    }
    return b;
}

/* Take over the fds of a started process from MON_SPAWNED. */
static int adopt(struct sess *s, const struct mon_msg *r)
{
    if (r->nfds != (s->want_pty ? 1u : 3u)) {
        for (size_t i = 0; i < r->nfds; i++) {
            close(r->fds[i]);
        }
        return -1;
    }
    s->started = 1;
    s->mon_id = r->f[0].u;
    s->ptm = s->want_pty ? r->fds[0] : -1;
    s->out.fd = s->want_pty ? r->fds[0] : r->fds[1];
    s->err.fd = s->want_pty ? -1 : r->fds[2];
    s->err.is_stderr = 1;
    s->in_fd = r->fds[0];
    return 0;
}

/* Ask the monitor to start the process; kind is enum mon_spawn_kind. */
static int start(struct sess *s, uint32_t kind, const char *command)
{
    struct conn *c = s->conn;
    struct mon_msg r;
    size_t envlen;
    char *env;
    int rc = -1;

    if (s->started || (env = env_block(s, &envlen)) == NULL) {
        return -1;
    }
    if (mon_send(c->mon, NULL, 0, MON_SPAWN, kind, command, strlen(command),
                 (uint32_t)s->want_pty, s->term, strlen(s->term), (uint32_t)s->ws.ws_col,
                 (uint32_t)s->ws.ws_row, (uint32_t)s->ws.ws_xpixel, (uint32_t)s->ws.ws_ypixel,
                 env, envlen) == 0 &&
        monclient_reply(c, MON_SPAWNED, &r) == 0) {
        rc = r.type == MON_SPAWNED ? adopt(s, &r) : -1;
    }
    free(env);
    return rc;
}

static int on_shell_request(ssh_session ssh, ssh_channel ch, void *ud)
{
    return start(ud, MON_SPAWN_SHELL, "");
}

static int on_exec_request(ssh_session ssh, ssh_channel ch, const char *command, void *ud)
{
    return start(ud, MON_SPAWN_EXEC, command);
}

static int on_subsystem_request(ssh_session ssh, ssh_channel ch, const char *name, void *ud)
{
    return start(ud, MON_SPAWN_SUBSYSTEM, name);
}

static void on_signal(ssh_session ssh, ssh_channel ch, const char *name, void *ud)
{
    struct sess *s = ud;

    if (s->started && !s->exited) {
        mon_send(s->conn->mon, NULL, 0, MON_SIGNAL, s->mon_id, name, strlen(name));
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

    if (!c->authenticated || (int)conn_channels(c) >= c->srv->cfg.max_sessions) {
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
