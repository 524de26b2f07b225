/* rescue_policy.h - who may have the rescue shell.
 *
 * The rescue shell (RescueShell, "/bin/busybox sh") starts whatever the
 * user's own shell is; it must never turn an account its administrator
 * disabled (shell nologin or false, or a shell not in /etc/shells) into
 * a shell.  So, for `-s rescue` and for the fallback when the user's shell
 * cannot start:
 *
 *   the user's shell                         | rescue shell
 *   -----------------------------------------+----------------------------
 *   not listed in /etc/shells                | never
 *   listed, but named nologin or false       | never
 *   a real login shell, no RescueShellUsers  | yes (the default)
 *     and no RescueShellGroups               |
 *   a real login shell, lists set            | if the user matches
 *                                            |   RescueShellUsers or is in a
 *                                            |   group of RescueShellGroups
 *   (RescueShell none)                       | never
 *
 * /etc/shells is read on every decision (a small root-owned file; the
 * monitor reads it, never the network process).
 */
#ifndef FBD_RESCUE_POLICY_H
#define FBD_RESCUE_POLICY_H

#include <stddef.h>

#include "diag.h"
#include "server.h"

#define RESCUE_SHELLS_FILE "/etc/shells"

/* Is SHELL a real login shell: listed in SHELLS_PATH, and not nologin or
 * false?  1 yes; 0 no, with the reason added to why. */
int rescue_login_shell(const char *shell, const char *shells_path, struct diag *why);

/* May PW have the rescue shell (the table above)?  1 yes; 0 no, with the
 * reason added to why. */
int rescue_allowed(const struct server *srv, const struct pw_entry *pw,
                   const char *shells_path, struct diag *why);

#endif
