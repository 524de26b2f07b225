/* shellcheck.h - can the user's shell be started at all?
 *
 * Mid-upgrade, a shell can be present and executable yet unable to start:
 * its dynamic loader or one of its libraries (libc.so.6, libtinfo.so.6) has
 * been replaced by something that is not a usable shared object.  execve()
 * then succeeds and the loader dies at once, leaving the user nothing.  The
 * session child calls shell_check() just before exec, already running as
 * the user, and falls back to a static rescue shell when it returns 0.
 *
 * The check only asks whether the kernel and the dynamic loader can start
 * the file; it never judges what the shell does (nologin is fine).  When in
 * doubt it says "runnable": a false alarm would replace a healthy shell.
 * It never uses NSS, never loads anything, never prints and never exits.
 */
#ifndef FBD_SHELLCHECK_H
#define FBD_SHELLCHECK_H

#include <stddef.h>

#include "diag.h"

/* Where libraries are looked for; for tests.  NULL members: the system's. */
struct shellcheck_env {
    const char *ld_so_conf;             /* NULL: /etc/ld.so.conf */
    const char *const *default_dirs;    /* NULL-terminated; NULL: the
                                         * loader's built-in directories */
};

/* 1 if PATH looks startable, 0 if not, with one line saying why added to
 * WHY ("/bin/bash: not found", "libc.so.6 (needed by /bin/bash): /lib/
 * x86_64-linux-gnu/libc.so.6 is not an ELF file"); nothing is added on 1.
 * WHY may be NULL. */
int shell_check(const char *path, struct diag *why);

/* shell_check() with library directories taken from ENV (NULL: system). */
int shell_check_in(const char *path, const struct shellcheck_env *env, struct diag *why);

#endif
