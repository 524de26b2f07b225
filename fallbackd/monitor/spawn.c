/* spawn.c - fork the user's process with a pty or three pipes (spawn.h).
 *
 * In the child, in this order: new session (setsid), controlling tty when
 * there is a pty, stdio on the pty or pipes, every other fd closed,
 * signals back to defaults, setgroups/setgid/setuid (and a check that root
 * cannot be regained), chdir home, /etc/nologin, execve - or, for a
 * built-in subsystem, a call of its entry point instead of execve.  Any
 * failure before execve is reported on the child's stderr, which the client
 * sees.  Fd 3 of the child is a close-on-exec pipe to the monitor: before
 * it starts the rescue shell the child writes why there, and the monitor
 * reads until the pipe closes (execve succeeded, a built-in started or the
 * child died), so that every rescue start is logged.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "diagnose/diagnose.h"
#include "shellcheck.h"

/* Open a pty master/slave pair; the slave belongs to the user. */
static int open_pty(const struct spawn_req *req, int *ptm, int *pts, char *name,
                    size_t namelen)
{
    *ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*ptm < 0) {
        return -1;
    }
    if (grantpt(*ptm) < 0 || unlockpt(*ptm) < 0 || ptsname_r(*ptm, name, namelen) != 0) {
        close(*ptm);
        return -1;
    }
    *pts = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*pts < 0) {
        close(*ptm);
        return -1;
    }
    /* As sshd: owner the user, group tty, mode 0620 (mesg y). */
    if (fchown(*pts, req->uid, req->tty_gid != (gid_t)-1 ? req->tty_gid : req->gid) < 0 ||
        fchmod(*pts, req->tty_gid != (gid_t)-1 ? 0620 : 0600) < 0) {
        close(*pts);
        close(*ptm);
        return -1;
    }
    ioctl(*ptm, TIOCSWINSZ, &req->ws);
    return 0;
}

/* Print a message on the child's stderr and exit; child side only. */
static void child_fail(const char *what, int err) __attribute__((noreturn));
static void child_fail(const char *what, int err)
{
    dprintf(STDERR_FILENO, "fallbackd: %s: %s\r\n", what, strerror(err));
    _exit(255);
}

/* Child: stdio on the pty slave, which becomes the controlling tty. */
static void child_stdio_pty(int pts)
{
    if (ioctl(pts, TIOCSCTTY, 0) < 0) {
        child_fail("cannot set controlling tty", errno);
    }
    if (dup2(pts, 0) < 0 || dup2(pts, 1) < 0 || dup2(pts, 2) < 0) {
        _exit(255);
    }
}

/* Child: stdio on three pipes (in[0], out[1], err[1]). */
static void child_stdio_pipes(int in[2], int out[2], int err[2])
{
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) {
        _exit(255);
    }
}

/* Child of a built-in: the client's data on 0 and 1; fd 2 stays the
 * daemon's, so that the built-in's log lines reach the daemon's log. */
static void child_stdio_builtin(int in[2], int out[2])
{
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0) {
        _exit(255);
    }
    /* Without a stderr, the first file the built-in opens would be fd 2
     * and receive stray messages. */
    if (fcntl(2, F_GETFD) < 0 && open("/dev/null", O_WRONLY) != 2) {
        _exit(255);
    }
}

/* Child: every signal back to its default, nothing blocked. */
static void child_signals(void)
{
    sigset_t none;

    for (int sig = 1; sig < NSIG; sig++) {
        signal(sig, SIG_DFL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Child: become the user, irrevocably. */
static void child_identity(const struct spawn_req *req)
{
    if (setgroups(req->ngroups, req->groups) < 0) {
        child_fail("setgroups", errno);
    }
    if (setgid(req->gid) < 0) {
        child_fail("setgid", errno);
    }
    if (setuid(req->uid) < 0) {
        child_fail("setuid", errno);
    }
    if (req->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        child_fail("was able to regain root", EPERM);
    }
}

/* Child: the environment, plus SSH_TTY when there is a pty (its name is
 * known only now).  Allocating here is fine: the child is single-threaded. */
static char **child_env(const struct spawn_req *req, const char *tty)
{
    size_t n = 0;
    char **env;

    while (req->env != NULL && req->env[n] != NULL) {
        n++;
    }
    env = calloc(n + 2, sizeof(*env));
    if (env == NULL) {
        child_fail("environment", ENOMEM);
    }
    memcpy(env, req->env, n * sizeof(*env));
    if (tty[0] != '\0' && asprintf(&env[n], "SSH_TTY=%s", tty) < 0) {
        child_fail("environment", ENOMEM);
    }
    return env;
}

/* Child: chdir home, or "/" with sshd's message if it cannot. */
static void child_chdir(const struct spawn_req *req)
{
    if (req->home == NULL || chdir(req->home) < 0) {
        dprintf(STDERR_FILENO, "Could not chdir to home directory %s: %s\r\n",
                req->home ? req->home : "(none)", strerror(errno));
        if (chdir("/") < 0) {
            child_fail("chdir /", errno);
        }
    }
}

/* Child: exec the user's shell, as a login shell ("-bash") or with
 * -c COMMAND.  Returns only if execve failed. */
static void exec_user_shell(const char *shell, const struct spawn_req *req, char **env)
{
    const char *base = strrchr(shell, '/') ? strrchr(shell, '/') + 1 : shell;
    char argv0[256];

    if (req->command == NULL) {
        /* A login shell: argv[0] is "-" + basename, as login(1) and sshd do. */
        snprintf(argv0, sizeof(argv0), "-%s", base);
        execve(shell, (char *[]){ argv0, NULL }, env);
    } else {
        execve(shell, (char *[]){ (char *)base, "-c", (char *)req->command, NULL }, env);
    }
}

/* Child: exec the rescue shell ("/bin/busybox sh" -> argv "busybox sh"),
 * with -c COMMAND if there is one.  Returns only if execve failed. */
static void exec_rescue_shell(const struct spawn_req *req, char **env)
{
    char *argv[16];
    char *copy = strdup(req->rescue);
    const char *path;
    size_t n = 0;

    for (char *w = copy ? strtok(copy, " ") : NULL; w != NULL && n < 12; w = strtok(NULL, " ")) {
        argv[n++] = w;
    }
    if (n == 0) {
        errno = ENOMEM;
        return;
    }
    path = argv[0];
    argv[0] = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : argv[0];
    if (req->command != NULL) {
        argv[n++] = "-c";
        argv[n++] = (char *)req->command;
    }
    argv[n] = NULL;
    execve(path, argv, env);
}

/* Child: logins are disabled (as sshd: the file's text, then exit 254). */
static void child_nologin(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    ssize_t n;

    while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
        if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
            break;
        }
    }
    _exit(254);
}

/* Child: the incident console, in this process (fallbackd is static, so
 * it runs when libc or the loader are broken): the report replaces the
 * process, or the banner comes before the shell. */
static void child_diagnose(const struct spawn_req *req)
{
    const char *nl = req->pty ? "\r\n" : "\n";

    if (req->diagnose == SPAWN_DIAG_REPORT || req->diagnose == SPAWN_DIAG_JSON) {
        close(3);   /* no rescue shell here: the monitor stops waiting */
        _exit(diagnose_run(req->diag, STDOUT_FILENO, req->diagnose == SPAWN_DIAG_JSON, nl));
    }
    if (req->diagnose == SPAWN_DIAG_BANNER) {
        diagnose_banner(req->diag, STDERR_FILENO, nl);
    }
}

/* Child: start the user's shell; if it cannot start (exec fails, or its
 * loader or libraries are broken, as mid-upgrade), or the user asked for
 * it, start the static rescue shell instead (when this user may have it,
 * rescue_policy.h), say why on stderr and tell the monitor (fd 3). */
static void child_exec(const struct spawn_req *req, const char *tty)
{
    char **env = child_env(req, tty);
    const char *shell = req->shell && req->shell[0] ? req->shell : "/bin/sh";
    struct diag why = { 0 };

    child_chdir(req);
    umask(022);
    if (req->nologin != NULL) {
        child_nologin(req->nologin);
    }
    child_diagnose(req);
    if (req->rescue_only) {
        diag_add(&why, "the rescue shell was requested");
    } else if (shell_check(shell, &why)) {
        exec_user_shell(shell, req, env);
        diag_add(&why, "%s: %s", shell, strerror(errno));
    }
    if (req->rescue == NULL) {
        dprintf(STDERR_FILENO, "fallbackd: your shell cannot start (%s) and the rescue "
                "shell is not available to you\r\n", diag_last(&why));
        _exit(255);
    }
    dprintf(STDERR_FILENO, "fallbackd: %s; starting the rescue shell %s\r\n", diag_last(&why),
            req->rescue);
    dprintf(3, "%s", diag_last(&why));
    exec_rescue_shell(req, env);
    child_fail(req->rescue, errno);
}

/* Child: run the built-in as the user, from the home directory, with
 * the umask a shell session gets; its status is the exit status.  The
 * report pipe is closed first: the monitor stops waiting for it. */
static void child_run_builtin(const struct spawn_req *req) __attribute__((noreturn));
static void child_run_builtin(const struct spawn_req *req)
{
    close(3);
    child_chdir(req);
    umask(022);
    if (req->nologin != NULL) {
        child_nologin(req->nologin);
    }
    _exit(req->run(req->run_arg));
}

/* Child side of the fork, pty or pipes already open; report is the
 * write end of the report pipe (becomes fd 3, close-on-exec). */
static void child_main(const struct spawn_req *req, const char *tty, int pts, int in[2],
                       int out[2], int err[2], int report)
{
    setsid();
    if (req->pty) {
        child_stdio_pty(pts);
    } else if (req->run != NULL) {
        child_stdio_builtin(in, out);
    } else {
        child_stdio_pipes(in, out, err);
    }
    if (dup2(report, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0) {
        _exit(255);
    }
    closefrom(4);
    child_signals();
    child_identity(req);
    if (req->run != NULL) {
        child_run_builtin(req);
    }
    child_exec(req, tty);
}

/* Close every fd of a pipe triple that is open. */
static void close_pipes(int p[3][2])
{
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 2; j++) {
            if (p[i][j] >= 0) {
                close(p[i][j]);
            }
        }
    }
}

/* Parent side: keep our ends, non-blocking. */
/* A built-in server (internal-sftp) moves files: its stdin and stdout
 * pipes get room for several of its largest requests and replies, so that
 * neither it nor the network process wakes for every 64 KiB (the default
 * size).  Best effort: a pipe of the default size works too. */
#define BULK_PIPE_SIZE (1 << 20)

static void grow_bulk_pipes(const struct spawn_req *req, const struct spawn_res *res)
{
    if (req->run == NULL) {
        return;
    }
    fcntl(res->in, F_SETPIPE_SZ, BULK_PIPE_SIZE);
    fcntl(res->out, F_SETPIPE_SZ, BULK_PIPE_SIZE);
}

static void parent_ends(const struct spawn_req *req, struct spawn_res *res, int pts,
                        int p[3][2])
{
    if (req->pty) {
        close(pts);
        fcntl(res->ptm, F_SETFL, O_NONBLOCK);
        return;
    }
    res->in = p[0][1];
    res->out = p[1][0];
    res->err = p[2][0];
    close(p[0][0]);
    close(p[1][1]);
    close(p[2][1]);
    fcntl(res->in, F_SETFL, O_NONBLOCK);
    fcntl(res->out, F_SETFL, O_NONBLOCK);
    fcntl(res->err, F_SETFL, O_NONBLOCK);
    grow_bulk_pipes(req, res);
}

/* Parent: read the child's report until the pipe closes (it called
 * execve, or died) or SPAWN_REPORT_MS pass; a report means the rescue
 * shell. */
static void read_report(int fd, struct spawn_res *res)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    size_t have = 0;
    ssize_t n = 1;

    while (n > 0 && poll(&p, 1, SPAWN_REPORT_MS) > 0) {
        n = read(fd, res->rescue_why + have, sizeof(res->rescue_why) - 1 - have);
        have += n > 0 ? (size_t)n : 0;
        n = have < sizeof(res->rescue_why) - 1 ? n : 0;
    }
    res->rescue_why[have] = '\0';
    res->rescued = have > 0;
    close(fd);
}

int spawn_start(const struct spawn_req *req, struct spawn_res *res, struct diag *errs)
{
    int p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
    int report[2] = { -1, -1 };
    int pts = -1;

    memset(res, 0, sizeof(*res));
    res->ptm = res->in = res->out = res->err = -1;
    if (req->pty && open_pty(req, &res->ptm, &pts, res->tty, sizeof(res->tty)) < 0) {
        diag_add(errs, "cannot allocate a pty: %s", strerror(errno));
        return -1;
    }
    if (!req->pty && (pipe2(p[0], O_CLOEXEC) < 0 || pipe2(p[1], O_CLOEXEC) < 0 ||
                      pipe2(p[2], O_CLOEXEC) < 0)) {
        diag_add(errs, "pipe: %s", strerror(errno));
        close_pipes(p);
        return -1;
    }
    if (pipe2(report, O_CLOEXEC) < 0 || (res->pid = fork()) < 0) {
        diag_add(errs, "%s: %s", report[0] < 0 ? "pipe" : "fork", strerror(errno));
        close_pipes(p);
        if (report[0] >= 0) {
            close(report[0]);
            close(report[1]);
        }
        if (req->pty) {
            close(pts);
            close(res->ptm);
        }
        return -1;
    }
    if (res->pid == 0) {
        child_main(req, res->tty, pts, p[0], p[1], p[2], report[1]);
    }
    close(report[1]);
    parent_ends(req, res, pts, p);
    read_report(report[0], res);
    return 0;
}
