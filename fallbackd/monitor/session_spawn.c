/* session_spawn.c - the monitor starts, signals and reaps the user's
 * processes for the network process.
 *
 * The network process asks (MON_SPAWN) with what the client requested: a
 * shell, a command or a subsystem, a pty or not, the env requests.  The
 * monitor applies the policy again - PermitTTY, the key's no-pty and
 * command=, AcceptEnv, the Subsystem table, MaxSessions - because nothing
 * the network process says is trusted, then opens the pty or pipes,
 * forks the process as the user (spawn.c), and passes the fds back.
 *
 * A key's command= replaces whatever the client asked to run; the
 * client's request is passed on in SSH_ORIGINAL_COMMAND, as sshd does.
 * The subsystem "rescue" (unless configured otherwise) is the rescue
 * shell: ssh -t -s HOST rescue.  The subsystem "sftp" (unless configured
 * otherwise) is internal-sftp, the built-in server (sftp_child.c), which
 * runs in the forked process without exec; so does a Subsystem line or a
 * command= that says internal-sftp.
 */
#include "monitor.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sftp_child.h"
#include "spawn.h"
#include "userenv.h"

#define MAX_ENV_REQUESTS 64
#define RESCUE_SUBSYSTEM "rescue"
#define SFTP_SUBSYSTEM "sftp"

/* What one MON_SPAWN asks for, after the policy was applied. */
struct spawn_ask {
    const char *command;    /* NULL: the login shell */
    const char *orig;       /* SSH_ORIGINAL_COMMAND, or NULL */
    const char *what;       /* for the log: "shell", "command", ... */
    int rescue;             /* the rescue shell, whatever the user's shell */
    int pty;
    char term[64];
    struct winsize ws;
};

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

static unsigned short tty_dim(uint32_t v)
{
    return (unsigned short)(v > MON_MAX_TTY_DIM ? MON_MAX_TTY_DIM : v);
}

/* Is NAME=VALUE an acceptable env request? */
static int env_ok(const struct monitor *m, const char *kv)
{
    const char *eq = strchr(kv, '=');
    char name[257];

    if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(name) || strlen(eq + 1) > 8192) {
        return 0;
    }
    memcpy(name, kv, (size_t)(eq - kv));
    name[eq - kv] = '\0';
    return config_accepts_env(&m->srv->cfg, name);
}

/* The accepted env requests from the NUL-separated list. */
static int take_env(const struct monitor *m, const struct mon_field *f, struct userenv *e)
{
    size_t n = 0;

    if (f->len > 0 && f->s[f->len - 1] != '\0') {
        return -1;
    }
    for (size_t off = 0; off < f->len && n < MAX_ENV_REQUESTS; n++) {
        const char *kv = (const char *)f->s + off;

        if (env_ok(m, kv) && userenv_put(e, kv) < 0) {
            return -1;
        }
        off += strlen(kv) + 1;
    }
    return 0;
}

/* The environment sshd gives a session, in sshd's order: the client's
 * accepted variables first, then the basics over them (a client cannot
 * set USER or HOME even with AcceptEnv *), TERM, the key's environment=,
 * and the SSH_* variables last. */
static int build_env(const struct monitor *m, const struct spawn_ask *a, struct userenv *e)
{
    const struct pw_entry *pw = &m->authz.pw;
    char buf[512];
    int rc = 0;

    rc |= userenv_set(e, "USER", pw->name);
    rc |= userenv_set(e, "LOGNAME", pw->name);
    rc |= userenv_set(e, "HOME", pw->dir);
    rc |= userenv_set(e, "PATH", pw->uid == 0 ? USERENV_PATH_ROOT : USERENV_PATH_USER);
    snprintf(buf, sizeof(buf), "/var/mail/%s", pw->name);
    rc |= userenv_set(e, "MAIL", buf);
    rc |= userenv_set(e, "SHELL", pw->shell[0] ? pw->shell : "/bin/sh");
    if (a->pty && a->term[0]) {
        rc |= userenv_set(e, "TERM", a->term);
    }
    for (size_t i = 0; i < m->authz.key.opts.nenv; i++) {
        rc |= userenv_put(e, m->authz.key.opts.env[i]);
    }
    snprintf(buf, sizeof(buf), "%s %d %d", m->peer, m->peer_port, m->local_port);
    rc |= userenv_set(e, "SSH_CLIENT", buf);
    snprintf(buf, sizeof(buf), "%s %d %s %d", m->peer, m->peer_port, m->local, m->local_port);
    rc |= userenv_set(e, "SSH_CONNECTION", buf);
    if (a->orig != NULL) {
        rc |= userenv_set(e, "SSH_ORIGINAL_COMMAND", a->orig);
    }
    return rc == 0 ? 0 : -1;
}

/* Work out what to run (kind, command, subsystem table, command=).
 * cmd holds the client's command or subsystem name.  NULL if refused. */
static const char *resolve(const struct monitor *m, uint32_t kind, const char *cmd,
                           struct spawn_ask *a)
{
    const char *forced = m->authz.key.opts.command;
    const char *sub = NULL;

    a->what = kind == MON_SPAWN_SHELL ? "shell" : kind == MON_SPAWN_EXEC ? "command" : "subsystem";
    a->orig = kind == MON_SPAWN_EXEC ? cmd : NULL;
    a->command = kind == MON_SPAWN_EXEC ? cmd : NULL;
    if (kind == MON_SPAWN_SUBSYSTEM) {
        sub = config_subsystem(&m->srv->cfg, cmd);
        if (sub == NULL && strcmp(cmd, SFTP_SUBSYSTEM) == 0) {
            sub = SFTP_INTERNAL;
        }
        a->rescue = sub == NULL && strcmp(cmd, RESCUE_SUBSYSTEM) == 0;
        if (sub == NULL && !a->rescue) {
            log_info("subsystem request for %.64s by user %s failed, subsystem not found",
                     cmd, m->authz.pw.name);
            return "subsystem not found";
        }
        a->what = a->rescue ? "rescue shell" : "subsystem";
        a->command = sub;
        a->orig = sub;
    } else if (kind != MON_SPAWN_SHELL && kind != MON_SPAWN_EXEC) {
        return "unknown kind";
    }
    if (forced != NULL) {
        a->command = forced;
        a->rescue = 0;
        a->what = "forced-command";
    } else {
        a->orig = NULL;
    }
    return NULL;
}

/* The spawn request for the authenticated user. */
static void fill_request(const struct monitor *m, const struct spawn_ask *a,
                         struct userenv *e, struct spawn_req *req)
{
    const struct authz *z = &m->authz;

    memset(req, 0, sizeof(*req));
    req->uid = z->pw.uid;
    req->gid = z->pw.gid;
    req->ngroups = z->ngroups;
    memcpy(req->groups, z->groups, z->ngroups * sizeof(gid_t));
    req->tty_gid = m->tty_gid;
    req->home = z->pw.dir;
    req->shell = z->pw.shell;
    req->command = a->command;
    req->rescue = m->srv->cfg.rescue_shell;
    req->rescue_only = a->rescue;
    req->pty = a->pty;
    req->ws = a->ws;
    req->env = e->v;
}

/* Run internal-sftp instead of exec'ing a.command, if that is what it
 * names.  0, or -1 with a reason. */
static int builtin(struct monitor *m, struct spawn_ask *a, struct sftp_child *c,
                   struct spawn_req *req, char *why, size_t whylen)
{
    struct diag errs = { 0 };

    if (a->command == NULL || !sftp_is_internal(a->command)) {
        return 0;
    }
    if (a->pty) {
        snprintf(why, whylen, "%s takes no pty", SFTP_INTERNAL);
        return -1;
    }
    if (sftp_child_prepare(c, m, a->command, &errs) < 0) {
        snprintf(why, whylen, "%s: %s", SFTP_INTERNAL,
                 errs.n > 0 ? errs.msgs[errs.n - 1] : "out of memory");
        diag_free(&errs);
        return -1;
    }
    a->what = SFTP_INTERNAL;
    req->run = sftp_child_run;
    req->run_arg = c;
    return 0;
}

/* Register the process and hand its fds to the network process. */
static int hand_over(struct monitor *m, const struct spawn_ask *a, const struct spawn_res *res)
{
    struct mon_session *s = &m->sessions[m->nsessions++];
    int fds[3] = { res->ptm, -1, -1 };
    size_t nfds = 1;
    int rc;

    if (res->ptm < 0) {
        fds[0] = res->in;
        fds[1] = res->out;
        fds[2] = res->err;
        nfds = 3;
    }
    s->id = ++m->next_id;
    s->pid = res->pid;
    s->forced = m->authz.key.opts.command != NULL;
    log_info("Starting session: %s%s%s for %s from %s port %d id %u", a->what,
             res->tty[0] ? " on " : "", res->tty[0] ? res->tty + 5 : "", m->authz.pw.name,
             m->peer, m->peer_port, s->id);
    rc = mon_send(m->sock, fds, nfds, MON_SPAWNED, s->id, res->tty, strlen(res->tty));
    for (size_t i = 0; i < nfds; i++) {
        close(fds[i]);
    }
    return rc;
}

/* Refuse a spawn with a reason the network process can log. */
static int spawn_fail(struct monitor *m, const char *why)
{
    if (strcmp(why, "subsystem not found") != 0) {
        log_info("session request by %s refused: %s", m->authz.pw.name, why);
    }
    return mon_send(m->sock, NULL, 0, MON_FAIL, why, strlen(why));
}

int monspawn_spawn(struct monitor *m, const struct mon_msg *msg)
{
    struct spawn_ask a;
    struct userenv env = { 0 };
    struct spawn_req req;
    struct spawn_res res;
    struct sftp_child sftp;
    char cmd[65536];
    char why[256];
    const char *refused;

    memset(&a, 0, sizeof(a));
    if (mon_cstr(&msg->f[1], cmd, sizeof(cmd)) < 0 || mon_cstr(&msg->f[3], a.term, sizeof(a.term)) < 0) {
        return -1;
    }
    a.pty = msg->f[2].u != 0;
    a.ws = (struct winsize){ .ws_col = tty_dim(msg->f[4].u), .ws_row = tty_dim(msg->f[5].u),
                             .ws_xpixel = tty_dim(msg->f[6].u), .ws_ypixel = tty_dim(msg->f[7].u) };
    refused = resolve(m, msg->f[0].u, cmd, &a);
    if (refused == NULL && a.pty && (!m->srv->cfg.permit_tty || m->authz.key.opts.no_pty)) {
        refused = "pty not permitted";
    }
    if (refused == NULL && m->nsessions >= MON_MAX_SESSIONS) {
        refused = "too many live session processes";   /* MaxSessions: the network side */
    }
    if (refused != NULL) {
        return spawn_fail(m, refused);
    }
    if (take_env(m, &msg->f[8], &env) < 0 || build_env(m, &a, &env) < 0) {
        userenv_free(&env);
        return spawn_fail(m, "out of memory");
    }
    fill_request(m, &a, &env, &req);
    if (builtin(m, &a, &sftp, &req, why, sizeof(why)) < 0 ||
        spawn_start(&req, &res, why, sizeof(why)) < 0) {
        userenv_free(&env);
        return spawn_fail(m, why);
    }
    userenv_free(&env);
    return hand_over(m, &a, &res);
}

int monspawn_signal(struct monitor *m, const struct mon_msg *msg)
{
    char name[16];

    if (mon_cstr(&msg->f[1], name, sizeof(name)) < 0) {
        return -1;
    }
    for (size_t i = 0; i < m->nsessions; i++) {
        if (m->sessions[i].id != msg->f[0].u) {
            continue;
        }
        if (m->sessions[i].forced) {
            log_info("refusing to send signal %s to forced-command session %u", name, msg->f[0].u);
            return 0;
        }
        for (size_t j = 0; j < sizeof(signal_names) / sizeof(signal_names[0]); j++) {
            if (strcmp(name, signal_names[j].name) == 0) {
                kill(m->sessions[i].pid, signal_names[j].sig);
            }
        }
    }
    return 0;
}

void monspawn_reaped(struct monitor *m, pid_t pid, int status)
{
    for (size_t i = 0; i < m->nsessions; i++) {
        if (m->sessions[i].pid == pid) {
            mon_send(m->sock, NULL, 0, MON_EXITED, m->sessions[i].id, (uint32_t)status);
            m->sessions[i] = m->sessions[--m->nsessions];
            return;
        }
    }
}
