/* sftp.h - internal-sftp: fallbackd's own SFTP server.
 *
 * `Subsystem sftp internal-sftp [OPTIONS]` (and the sftp subsystem when
 * none is configured) runs this server in a process the monitor forks for
 * the session, after spawn.c made it the user (uid, gid, groups, home,
 * umask): no program is executed, so it works while the system's libc
 * and sshd's sftp-server cannot start.  The network process relays the
 * channel's bytes to fd 0 and from fd 1, as for any subsystem.
 *
 * Options, as OpenSSH's sftp-server:
 *   -R          read-only: every request that would change a file is
 *               refused with "permission denied"
 *   -u UMASK    octal umask for files and directories created
 *   -l LEVEL    log operations (open, close, rename, ...) at LEVEL in
 *               sshd's sftp-server format (QUIET .. DEBUG3; default ERROR,
 *               i.e. no operation is logged)
 *   -d DIR      start directory; %u is the user name, %h the home
 *               directory, %% a per cent sign (default: the home)
 *   -e, -f FAC  accepted for compatibility; fallbackd's log is used
 */
#ifndef FBD_SFTP_H
#define FBD_SFTP_H

#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

#define SFTP_INTERNAL "internal-sftp"

/* Name lookups the server uses (long names, users-groups-by-id,
 * home-directory, expand-path "~user").  Each returns NULL if unknown.
 * fallbackd answers them from its own passwd/group cache, never NSS. */
struct sftp_names {
    const char *(*user)(uid_t uid, void *ctx);
    const char *(*group)(gid_t gid, void *ctx);
    const char *(*home)(const char *user, void *ctx);
    void *ctx;
};

struct sftp_options {
    int read_only;              /* -R */
    int umask;                  /* -u, or -1 to keep the process's */
    int log_level;              /* -l, an enum log_level */
    char start_dir[4096];       /* -d, %u and %h expanded; "" = the home */
    const char *user;           /* the logged-in user's name */
    const char *home;           /* and home directory */
    const char *client;         /* the client's address, for the log */
    int symlink_draft;          /* SYMLINK's paths in the draft's order,
                                   linkpath first (this client's habit,
                                   sftp_symlink_draft_order()) */
    struct sftp_names names;
};

/* Is COMMAND (a Subsystem command line or a forced command) the built-in
 * server, "internal-sftp" with or without options? */
int sftp_is_internal(const char *command);

/* Parse the options of an "internal-sftp ..." command line for USER with
 * HOME into o (user, home and client are the caller's to set; names are
 * left empty).  0 ok; -1 with the reason added to errs. */
int sftp_options_parse(const char *command, const char *user, const char *home,
                       struct sftp_options *o, struct diag *errs);

/* Does the client whose SSH version line (RFC 4253 4.2, without CR LF)
 * is CLIENT_VERSION send SSH_FXP_SYMLINK's paths in the draft's order,
 * linkpath first, to a server that is not OpenSSH?  1 or 0; NULL and
 * anything that is not a version line are 0, OpenSSH's order (the rule
 * is a table beside op_symlink, ops_dir.c). */
int sftp_symlink_draft_order(const char *client_version);

/* Serve one SFTP session: requests from in_fd, replies to out_fd, until
 * the client closes its end or sends something that cannot be answered
 * (logged with the reason).  Changes directory to the start directory
 * and sets the umask first.  0 at the client's EOF, 1 after a protocol
 * error, 2 on an I/O error or out of memory. */
int sftp_server_run(int in_fd, int out_fd, const struct sftp_options *o);

#endif
