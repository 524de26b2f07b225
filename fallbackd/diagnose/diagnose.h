/* diagnose.h - the incident console: why is the main sshd down?
 *
 * "fallbackd diagnose [--json]" on the box and the built-in subsystem
 * "diagnose" (ssh -p 1022 HOST -s diagnose) both call diagnose_collect()
 * and then print the report.  It executes nothing: it reads /proc, /sys
 * and files only, each read bounded (readfile.h), and every failure to read
 * becomes a finding instead of an error.  Being inside fallbackd's static
 * binary, it runs when libc.so.6, the loader or libssl are broken.
 *
 * What it looks at (one file each):
 *
 *   check_sshd.c     the main sshd: processes, deleted binary or libraries,
 *                    start time vs binary mtime, listening ports (also PID
 *                    1's on sshd's port, for ssh.socket: sshd_ports.c reads
 *                    the port from sshd_config), can sshd/sshd-session
 *                    start now, /run/sshd
 *   check_pkg.c      dpkg/apt/upgrader processes, dpkg lock holders,
 *                    packages not fully installed, log tails,
 *                    /run/reboot-required, the operator's DiagnoseFiles
 *   check_system.c   free space and inodes, memory, load, kernel, whether
 *                    dynamic programs can start at all
 *   check_door.c     the door itself: version, uptime, time left, host key
 *                    fingerprints, connections, proven from outside
 */
#ifndef FBD_DIAGNOSE_H
#define FBD_DIAGNOSE_H

#include <stddef.h>

#include "dg_report.h"
#include "door_state.h"
#include "hostkeys.h"

struct dg_opts {
    const char *version;                /* fallbackd's version */
    const struct door_state *door;      /* the door's shared state; NULL when
                                           run from the command line */
    const struct hostkeys *keys;        /* the door's host keys (public blobs), or
                                           NULL: read HOST_KEYS[i].pub instead */
    const char *const *host_keys;       /* HostKey paths */
    size_t nhost_keys;
    const char *const *files;           /* DiagnoseFiles, "~/" not yet expanded */
    size_t nfiles;
    const char *home;                   /* for "~/" in files; NULL: not expanded */
    struct door_state *banner_cache;    /* where the at-login banner is kept a few
                                           seconds (banner_cache.h), or NULL */
};

/* Run every check into R (which must be zeroed).  Never fails: what cannot
 * be read is itself a finding. */
void diagnose_collect(const struct dg_opts *o, struct dg_report *r);

/* Write R to FD: text (lines ended by NL) or JSON.  0, or -1 if the write
 * failed. */
int diagnose_write(const struct dg_report *r, int fd, int json, const char *nl);

/* Collect and write in one step; returns 0 if the verdict is healthy, 1
 * if not, 2 if writing failed (the exit code of "fallbackd diagnose"). */
int diagnose_run(const struct dg_opts *o, int fd, int json, const char *nl);

/* The at-login banner: when the verdict is not healthy, the verdict and
 * the top findings on FD, before the user's shell starts.  Nothing is
 * written when all is well.  Collected in a child process given three
 * seconds, so that a stuck /proc read never holds up a login; kept in
 * O->banner_cache for the logins of the next few seconds, which show it
 * with its age (banner_cache.h). */
void diagnose_banner(const struct dg_opts *o, int fd, const char *nl);

#endif
