/* server.h - what the listener holds and every connection inherits.
 *
 * The listener loads everything (config, host keys, the user cache) before
 * it forks a connection: a connection process never reads the config or a
 * host key file, so a fault on disk after start cannot reach it.
 */
#ifndef FBD_SERVER_H
#define FBD_SERVER_H

#include <libssh/server.h>

#include "config.h"
#include "hostkeys.h"
#include "userdb.h"

/* fallbackd's version (fallbackd -V, the incident console). */
#ifndef FALLBACKD_VERSION
#define FALLBACKD_VERSION "0.1.0"
#endif

struct door_state;
/* How network processes are confined on this system, found by trying it
 * at start and at each reload (listener/confine_probe.h). */
enum confine_level {
    CONFINE_NONE = 0,           /* Sandbox no */
    CONFINE_NO_MOUNT_NS,        /* uid, no_new_privs, rlimits, seccomp */
    CONFINE_FULL,               /* and a private mount namespace, empty root */
};

struct server {
    struct fbd_config cfg;      /* the config in force */
    ssh_bind bind;              /* public host keys + algorithms */
    struct hostkeys keys;       /* key files; private keys only in monitors */
    struct userdb *users;       /* cached /etc/passwd + /etc/group */
    int log_stderr;             /* -e */
    int foreground;             /* -D */
    int lifetime_override;      /* --for, seconds; -1: DoorLifetime decides */
    struct door_state *state;   /* shared with every child (diagnose/door_state.h);
                                   made by the listener, kept across reloads */
    int confine;                /* enum confine_level */
    int empty_ns_fd;            /* with CONFINE_FULL: the empty root kept for
                                   every network process (listener/empty_ns.h),
                                   or -1: each makes its own */
};

/* Load config, host keys and the user cache into srv (which must be
 * zeroed).  With prev (a reload), the user cache is created only if the
 * passwd/group paths changed: otherwise prev's last good copy is kept.
 * Returns 0, or -1 with every problem in errs. */
int server_load(struct server *srv, const char *config_path,
                const struct server *prev, struct diag *errs);

/* Swap in a freshly loaded next state; the old one is freed.  Only the
 * parts that were loaded are replaced. */
void server_replace(struct server *srv, struct server *next);

void server_free(struct server *srv);

#endif
