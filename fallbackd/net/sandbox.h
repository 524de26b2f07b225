/* sandbox.h - confine a connection's network process before it reads a
 * single byte from the client.
 *
 * In this order: a mount namespace whose root is an empty, read-only
 * tmpfs (mounted over /proc inside that namespace only, so no directory
 * under /run or /var has to exist; the one the listener keeps for all,
 * listener/empty_ns.h, else a new one), no supplementary groups,
 * a uid no other live connection's network process has (SandboxUidRange,
 * picked by the listener) and SandboxGid (numeric, no NSS), death with
 * the monitor (PR_SET_PDEATHSIG, which the id change cleared), no_new_privs, rlimits (no processes, no file growth, no core dumps, few
 * fds), then a seccomp allowlist whose default action kills the process.
 */
#ifndef FBD_SANDBOX_H
#define FBD_SANDBOX_H

#include <sys/types.h>

#include "diag.h"

/* Confine the calling process.  keep_fds lists the only fds that stay
 * open (all others are closed first); the first is the client's TCP
 * socket, the only fd whose TCP_QUICKACK it may still set.  Without with_mount_ns, the first
 * step (private mount namespace, empty root) is left out: the rest still
 * holds (listener/confine_probe.h decides which this system allows).
 * ns_fd, if not -1, is the empty root the listener keeps for all
 * (listener/empty_ns.h): joined with setns() instead of making one; if
 * joining fails, one is made as without it.  It is closed either way.
 * 0 ok; -1 with the reason in errs, and the caller must exit: a
 * half-confined process never talks to a client. */
int sandbox_enter(uid_t uid, gid_t gid, int with_mount_ns, int ns_fd, const int *keep_fds,
                  size_t nkeep, struct diag *errs);

/* The first step alone, shared with the empty root the listener keeps
 * (listener/empty_ns.h): a new mount namespace with nothing propagating
 * in or out, the empty read-only tmpfs mounted over /proc in it, and /proc
 * the working directory.  0, or -1 with the failed step in errs. */
int sandbox_empty_tmpfs(struct diag *errs);

#endif
