/* user_keyfiles.h - reading the files that list a user's keys, CAs and
 * principals (AuthorizedKeysFile, AuthorizedPrincipalsFile) as sshd does.
 *
 * A path is expanded (%u, %h, %%; relative paths are relative to the home
 * directory).  Where it lands decides how it is read:
 *
 *   in the user's home    | read by a child of the monitor that has dropped to
 *                         | the user's uid and groups (so root-squashed network
 *                         | homes and the user's permissions work as with sshd);
 *                         | StrictModes: every directory from / down and the
 *                         | file are opened with openat(O_NOFOLLOW) and must be
 *                         | owned by root or the user, not group/other-writable
 *   anywhere else         | read by the monitor (root): a regular file, not a
 *   (/etc/fallbackd/...)  | symbolic link, owned by root, writable by no one else
 *                         | (fallbackd's own files, as authkeys.c reads them)
 *
 * A missing file is no error (the user simply has none).  Whatever refuses
 * a file comes back as a reason naming the path.
 */
#ifndef FBD_USER_KEYFILES_H
#define FBD_USER_KEYFILES_H

#include <stddef.h>

#include "authz.h"

#define UKF_FILE_MAX (1024 * 1024)

enum ukf_result {
    UKF_OK = 0,         /* *text holds the file (NUL-terminated after *len) */
    UKF_MISSING,        /* no such file */
    UKF_REFUSED,        /* why holds "PATH: reason" */
};

/* Does PATTERN, expanded for A->pw, name a file in the user's home?  The
 * expanded path goes to path.  1 yes, 0 no, -1 too long. */
int ukf_expand(const struct authz *a, const char *pattern, char *path, size_t pathlen);

/* Read the file PATTERN names for the user A->pw (groups A->groups).
 * The expanded path is left in path. */
enum ukf_result ukf_read(const struct server *srv, const struct authz *a, const char *pattern,
                         char *path, size_t pathlen, char **text, size_t *len,
                         char *why, size_t whylen);

/* Find the plain key BLOB in the user's AuthorizedKeysFile files, in
 * order (cert-authority lines never match a plain key).  1 found (*out
 * holds the line), 0 not, -1 not found and a file could not be used (why
 * holds the first such reason).  Bad lines go to warn. */
int ukf_find_key(const struct server *srv, const struct authz *a, const unsigned char *blob,
                 size_t bloblen, struct ak_key *out, struct diag *warn, char *why,
                 size_t whylen);

/* Read FD to EOF, at most MAX bytes, into a new NUL-terminated buffer
 * (*text, *len).  0, or -1 (larger than MAX, or a read error). */
int ukf_read_fd(int fd, size_t max, char **text, size_t *len);

#endif
