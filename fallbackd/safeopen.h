/* safeopen.h - open a root-managed file without trusting any path step.
 *
 * The keys files (AuthorizedKeysFile, /etc/fallbackd/keys/%u) decide who
 * may log in as whom, so nothing but root may be able to change them or
 * what their path leads to (sshd's StrictModes, for root-owned files).
 * The path is walked from "/" one component at a time with openat(), each
 * opened O_NOFOLLOW, so a symbolic link anywhere is refused and a directory
 * renamed meanwhile cannot redirect the walk.  Every directory must be
 * owned by root and writable by nobody else - or be a root-owned sticky
 * directory such as /tmp, in which nobody else can rename or remove what
 * root put there.  The file must be a regular file owned by root and not
 * group- or world-writable; it is opened O_NONBLOCK, so a FIFO put in its
 * place cannot hang the door before it is refused.
 *
 * This is the rule for keys files outside the user's home directory;
 * user-owned files in the home are read as the user (certificates).
 */
#ifndef FBD_SAFEOPEN_H
#define FBD_SAFEOPEN_H

#include "diag.h"

/* Open the absolute PATH read-only after the checks above.  Returns the fd
 * (for readfile_fd()); or -1 with errno set and, when a check (not a system
 * call) refused it, the reason added to why (else nothing is added). */
int safeopen_root_file(const char *path, struct diag *why);

#endif
