/* sftp_child.h - the monitor's side of internal-sftp: what the forked
 * session process needs to serve SFTP as the user (spawn.h's run). */
#ifndef FBD_SFTP_CHILD_H
#define FBD_SFTP_CHILD_H

#include <stddef.h>

#include "monitor.h"
#include "sftp/sftp.h"

struct sftp_child {
    struct sftp_options opt;
    struct server *srv;     /* the child's copy: user cache, log, host keys */
    const char *peer;
};

/* Prepare internal-sftp for the logged-in user from COMMAND (the
 * Subsystem command line or a forced command).  0, or -1 with the reason
 * added to errs. */
int sftp_child_prepare(struct sftp_child *c, struct monitor *m, const char *command,
                       struct diag *errs);

/* spawn.h's run(): in the child, already the user.  Forgets the host
 * keys, points the log at the daemon's, serves on fds 0 and 1. */
int sftp_child_run(void *arg);

#endif
