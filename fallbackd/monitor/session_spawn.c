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
 * shell: ssh -t -s HOST rescue.  Only users rescue_policy.h allows get it,
 * by request or as the fallback, and every start of it is logged.  While
 * /etc/nologin exists, sessions of users other than root show its text
 * and end (sshd's rule).  The subsystem "sftp" (unless configured
 * otherwise) is internal-sftp, the built-in server (sftp_child.c), which
 * runs in the forked process without exec; so does a Subsystem line or a
 * command= that says internal-sftp.
 * "diagnose" and "diagnose-json" (unless
 * configured otherwise) are the incident console, run in the forked child
 * itself: ssh -s HOST diagnose.  DiagnoseAtLogin puts its verdict before
 * a shell when the main sshd is not healthy:
 *
 *   DiagnoseAtLogin | shell, rescue shell | exec, subsystem, command=
 *   ----------------+---------------------+--------------------------
 *   no              | -                   | -
 *   yes (default)   | banner              | -
 *   always          | banner              | banner
 */
#include "monitor.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose/diagnose.h"
#include "log.h"
#include "login_records.h"
#include "rescue_policy.h"
#include "signames.h"
#include "sftp_child.h"
#include "spawn.h"
#include "userenv.h"

#define RESCUE_SUBSYSTEM "rescue"
#define NOLOGIN_FILE "/etc/nologin"
#define SFTP_SUBSYSTEM "sftp"
#define DIAGNOSE_SUBSYSTEM "diagnose"
#define DIAGNOSE_JSON_SUBSYSTEM "diagnose-json"

/* Why a MON_SPAWN is refused; the text goes back in MON_FAIL. */
enum refusal {
    REFUSE_NONE = 0,
    REFUSE_NO_SUBSYSTEM,    /* logged in sshd's words where it is found */
    REFUSE_NO_RESCUE,       /* rescue_policy.h says no; logged with why */
    REFUSE_UNKNOWN_KIND,
    REFUSE_NO_PTY,
    REFUSE_TOO_MANY,
    REFUSE_NO_MEMORY,
    REFUSE_START_FAILED,    /* spawn_start() says why */
};

static const struct {
    const char *text;
    int logged;             /* already logged when found: do not log again */
} refusals[] = {
    [REFUSE_NONE] = { "", 0 },
    [REFUSE_NO_SUBSYSTEM] = { "subsystem not found", 1 },
    [REFUSE_NO_RESCUE] = { "rescue shell not permitted", 1 },
    [REFUSE_UNKNOWN_KIND] = { "unknown kind", 0 },
    [REFUSE_NO_PTY] = { "pty not permitted", 0 },
    /* MaxSessions is the network side's; this bounds the processes */
    [REFUSE_TOO_MANY] = { "too many live session processes", 0 },
    [REFUSE_NO_MEMORY] = { "out of memory", 0 },
    [REFUSE_START_FAILED] = { "cannot start the process", 0 },
};

/* What one MON_SPAWN asks for, after the policy was applied. */
struct spawn_ask {
    const char *command;    /* NULL: the login shell */
    const char *orig;       /* SSH_ORIGINAL_COMMAND, or NULL */
    const char *what;       /* for the log: "shell", "command", ... */
    int rescue;             /* the rescue shell, whatever the user's shell */
    int rescue_ok;          /* this user may have it (rescue_policy.h) */
    char rescue_why[256];   /* if not, why */
    int diagnose;           /* enum spawn_diagnose */
    int pty;
    char term[64];
    struct winsize ws;
};

/* Is NAME=VALUE an acceptable env request? */
static int env_ok(const struct monitor *m, const char *kv)
{
    const char *eq = strchr(kv, '=');
    char name[MON_MAX_ENV_NAME + 1];

    if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(name) ||
        strlen(eq + 1) > MON_MAX_ENV_VALUE) {
        return 0;
    }
    memcpy(name, kv, (size_t)(eq - kv));
    name[eq - kv] = '\0';
    if (userenv_refused(name, strlen(name))) {
        log_info("refusing env request %.64s from %s: fallbackd never passes it", name,
                 m->authz.pw.name);
        return 0;
    }
    return config_accepts_env(&m->srv->cfg, name);
}

/* The accepted env requests from the NUL-separated list; none for a
 * forced command (the key's command= must run as its author wrote it). */
static int take_env(const struct monitor *m, const struct mon_field *f, struct userenv *e)
{
    size_t n = 0;

    if (f->len > 0 && f->s[f->len - 1] != '\0') {
        return -1;
    }
    if (m->authz.key.opts.command != NULL) {
        if (f->len > 0) {
            log_info("ignoring env requests of %s: forced command", m->authz.pw.name);
        }
        return 0;
    }
    for (size_t off = 0; off < f->len && n < MON_MAX_ENV; n++) {
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
        const char *kv = m->authz.key.opts.env[i];

        if (userenv_refused(kv, strcspn(kv, "="))) {
            log_info("ignoring environment=\"%.64s...\" of %s's key: fallbackd never passes "
                     "it", kv, pw->name);
            continue;
        }
        rc |= userenv_put(e, kv);
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
 * cmd holds the client's command or subsystem name.  REFUSE_NONE, or why
 * not. */
static enum refusal resolve(const struct monitor *m, uint32_t kind, const char *cmd,
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
        a->diagnose = sub != NULL ? SPAWN_DIAG_NONE
                      : strcmp(cmd, DIAGNOSE_SUBSYSTEM) == 0 ? SPAWN_DIAG_REPORT
                      : strcmp(cmd, DIAGNOSE_JSON_SUBSYSTEM) == 0 ? SPAWN_DIAG_JSON
                      : SPAWN_DIAG_NONE;
        if (sub == NULL && !a->rescue && a->diagnose == SPAWN_DIAG_NONE) {
            log_info("subsystem request for %.64s by user %s failed, subsystem not found",
                     cmd, m->authz.pw.name);
            return REFUSE_NO_SUBSYSTEM;
        }
        if (a->rescue && forced == NULL && !a->rescue_ok) {
            log_info("rescue shell refused for %s: %s", m->authz.pw.name, a->rescue_why);
            return REFUSE_NO_RESCUE;
        }
        a->what = a->rescue ? "rescue shell" : a->diagnose ? "diagnose" : "subsystem";
        a->command = sub;
        a->orig = sub;
    } else if (kind != MON_SPAWN_SHELL && kind != MON_SPAWN_EXEC) {
        return REFUSE_UNKNOWN_KIND;
    }
    if (forced != NULL) {
        a->command = forced;
        a->rescue = 0;
        a->diagnose = SPAWN_DIAG_NONE;
        a->what = "forced-command";
    } else {
        a->orig = NULL;
    }
    return REFUSE_NONE;
}

/* Whether the at-login banner goes before this process (table above). */
static int wants_banner(const struct monitor *m, uint32_t kind, const struct spawn_ask *a)
{
    int mode = m->srv->cfg.diagnose_at_login;

    if (a->diagnose != SPAWN_DIAG_NONE || mode == DIAG_LOGIN_NO) {
        return 0;
    }
    return mode == DIAG_LOGIN_ALWAYS || a->rescue ||
           (kind == MON_SPAWN_SHELL && m->authz.key.opts.command == NULL);
}

/* The incident console's options: this door's state, keys and files. */
static void diagnose_options(const struct monitor *m, struct dg_opts *o)
{
    const struct fbd_config *cfg = &m->srv->cfg;

    memset(o, 0, sizeof(*o));
    o->version = FALLBACKD_VERSION;
    o->door = m->srv->state;
    o->keys = &m->srv->keys;
    o->host_keys = (const char *const *)cfg->host_keys;
    o->nhost_keys = cfg->nhost_keys;
    o->files = (const char *const *)cfg->diagnose_files.v;
    o->nfiles = cfg->diagnose_files.n;
    o->home = m->authz.pw.dir;
    o->banner_cache = m->srv->state;
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
    req->rescue = a->rescue_ok ? m->srv->cfg.rescue_shell : NULL;
    req->rescue_only = a->rescue;
    if (z->pw.uid != 0 && access(NOLOGIN_FILE, F_OK) == 0) {
        log_info("User %s not allowed because %s exists", z->pw.name, NOLOGIN_FILE);
        req->nologin = NOLOGIN_FILE;
    }
    req->pty = a->pty;
    req->ws = a->ws;
    req->env = e->v;
    req->diagnose = a->diagnose;
}

/* Run internal-sftp instead of exec'ing a.command, if that is what it
 * names.  0, or -1 with a reason. */
static int builtin(struct monitor *m, struct spawn_ask *a, struct sftp_child *c,
                   struct spawn_req *req, struct diag *why)
{
    if (a->command == NULL || !sftp_is_internal(a->command)) {
        return 0;
    }
    if (a->pty) {
        diag_add(why, "%s takes no pty", SFTP_INTERNAL);
        return -1;
    }
    if (sftp_child_prepare(c, m, a->command, why) < 0) {
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
    log_info("Starting session: %s%s%s for %s from %s port %d id %u",
             res->rescued ? "rescue shell" : a->what, res->tty[0] ? " on " : "",
             res->tty[0] ? res->tty + 5 : "", m->authz.pw.name, m->peer, m->peer_port, s->id);
    if (res->rescued) {
        log_info("rescue shell %s started for %s: %s", m->srv->cfg.rescue_shell,
                 m->authz.pw.name, res->rescue_why);
    }
    if (res->tty[0]) {
        login_records_start(res->pid, res->tty, m->authz.pw.name, m->authz.pw.uid, m->peer);
    }
    rc = mon_send(m->sock, fds, nfds, MON_SPAWNED, s->id, res->tty, strlen(res->tty));
    for (size_t i = 0; i < nfds; i++) {
        close(fds[i]);
    }
    return rc;
}

/* Refuse a spawn, saying why (WHY, or the refusal's text), in the log
 * unless that was done already, and to the network process. */
static int spawn_fail(struct monitor *m, enum refusal r, const char *why)
{
    if (why == NULL) {
        why = refusals[r].text;
    }
    if (!refusals[r].logged) {
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
    struct dg_opts dopts;
    char cmd[65536];
    struct diag why = { 0 };
    struct diag rescue_why = { 0 };
    enum refusal refused;
    int rc;

    memset(&a, 0, sizeof(a));
    if (mon_cstr(&msg->f[1], cmd, sizeof(cmd)) < 0 || mon_cstr(&msg->f[3], a.term, sizeof(a.term)) < 0) {
        return -1;
    }
    a.pty = msg->f[2].u != 0;
    a.rescue_ok = rescue_allowed(m->srv, &m->authz.pw, RESCUE_SHELLS_FILE, &rescue_why);
    snprintf(a.rescue_why, sizeof(a.rescue_why), "%s", diag_last(&rescue_why));
    diag_free(&rescue_why);
    a.ws = (struct winsize){ .ws_col = mon_tty_dim(msg->f[4].u),
                             .ws_row = mon_tty_dim(msg->f[5].u),
                             .ws_xpixel = mon_tty_dim(msg->f[6].u),
                             .ws_ypixel = mon_tty_dim(msg->f[7].u) };
    refused = resolve(m, msg->f[0].u, cmd, &a);
    if (refused == REFUSE_NONE && a.pty &&
        (!m->srv->cfg.permit_tty || m->authz.key.opts.no_pty)) {
        refused = REFUSE_NO_PTY;
    }
    if (refused == REFUSE_NONE && m->nsessions >= MON_MAX_SESSIONS) {
        refused = REFUSE_TOO_MANY;
    }
    if (refused != REFUSE_NONE) {
        return spawn_fail(m, refused, NULL);
    }
    if (take_env(m, &msg->f[8], &env) < 0 || build_env(m, &a, &env) < 0) {
        userenv_free(&env);
        return spawn_fail(m, REFUSE_NO_MEMORY, NULL);
    }
    fill_request(m, &a, &env, &req);
    if (req.diagnose == SPAWN_DIAG_NONE && wants_banner(m, msg->f[0].u, &a)) {
        req.diagnose = SPAWN_DIAG_BANNER;
    }
    diagnose_options(m, &dopts);
    req.diag = &dopts;
    if (builtin(m, &a, &sftp, &req, &why) < 0 || spawn_start(&req, &res, &why) < 0) {
        userenv_free(&env);
        rc = spawn_fail(m, REFUSE_START_FAILED, diag_last(&why));
        diag_free(&why);
        return rc;
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
        if (signames_number(name) != 0) {
            kill(m->sessions[i].pid, signames_number(name));
        }
    }
    return 0;
}

void monspawn_reaped(struct monitor *m, pid_t pid, int status)
{
    for (size_t i = 0; i < m->nsessions; i++) {
        if (m->sessions[i].pid == pid) {
            login_records_end(pid);
            monitor_told(m, mon_send(m->sock, NULL, 0, MON_EXITED, m->sessions[i].id,
                                     (uint32_t)status), "that a session ended");
            m->sessions[i] = m->sessions[--m->nsessions];
            return;
        }
    }
}

void monspawn_connection_ended(struct monitor *m)
{
    for (size_t i = 0; i < m->nsessions; i++) {
        login_records_end(m->sessions[i].pid);
    }
    m->nsessions = 0;
}
