/* spawn.h - start the logged-in user's process.
 *
 * The only place fallbackd executes anything, and only what the user asked
 * for (shell, command, subsystem).  Only the monitor calls it: the request
 * is filled in from what authz decided and from what the network process
 * asked, after the policy was applied again (session_spawn.c).  A built-in subsystem (internal-sftp) runs in the
 * forked child without exec.
 */
#ifndef FBD_SPAWN_H
#define FBD_SPAWN_H

#include <sys/ioctl.h>
#include <sys/types.h>

#include "diag.h"

#define SPAWN_MAX_GROUPS 256
#define SPAWN_REPORT_MS 5000

struct dg_opts;

/* What the incident console (diagnose/diagnose.h) does in the child. */
enum spawn_diagnose {
    SPAWN_DIAG_NONE = 0,
    SPAWN_DIAG_BANNER,          /* verdict on stderr before the shell, if not healthy */
    SPAWN_DIAG_REPORT,          /* the "diagnose" subsystem: the report, nothing run */
    SPAWN_DIAG_JSON,            /* "diagnose-json": the report as JSON */
};

struct spawn_req {
    uid_t uid;
    gid_t gid;
    gid_t groups[SPAWN_MAX_GROUPS];     /* setgroups() list, primary first */
    size_t ngroups;
    gid_t tty_gid;                      /* group of the pty slave; (gid_t)-1: user's */
    const char *home;                   /* chdir here, else "/" */
    const char *shell;                  /* the user's shell ("" = /bin/sh) */
    const char *command;                /* NULL: interactive login shell */
    const char *rescue;                 /* RescueShell command line, or NULL when
                                           this user may not have it */
    int rescue_only;                    /* the user asked for the rescue shell */
    const char *nologin;                /* show this file (/etc/nologin) and exit
                                           254 instead of running anything */
    int pty;                            /* allocate a pseudo-terminal */
    struct winsize ws;                  /* its initial size */
    char *const *env;                   /* NULL-terminated NAME=VALUE list */
    /* Built-in instead of exec (internal-sftp): the child calls
     * run(run_arg) once it is the user, in the home directory, with the
     * client's data on fd 0 and fd 1 and the daemon's stderr (its log) on
     * fd 2; the return value is the exit status.  No pty.  NULL: exec. */
    int (*run)(void *run_arg);
    void *run_arg;
    int diagnose;                       /* enum spawn_diagnose */
    const struct dg_opts *diag;         /* its options (needed unless NONE) */
};

struct spawn_res {
    pid_t pid;
    int ptm;                /* pty master, or -1 */
    int in;                 /* child's stdin (write end), or -1 with a pty */
    int out;                /* child's stdout (read end), or -1 with a pty */
    int err;                /* child's stderr (read end), or -1 with a pty */
    char tty[64];           /* slave name, "" without a pty */
    int rescued;            /* the rescue shell was started ... */
    char rescue_why[256];   /* ... because of this */
};

/* Start the process.  Every fd returned is non-blocking and close-on-exec.
 * Returns once the child has called execve or started a built-in (at most
 * SPAWN_REPORT_MS), so that res->rescued says whether it is the rescue
 * shell (the child reports it over a close-on-exec pipe).  0 ok; -1 with
 * the reason in errs (nothing left open). */
int spawn_start(const struct spawn_req *req, struct spawn_res *res, struct diag *errs);

#endif
