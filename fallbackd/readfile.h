/* readfile.h - read a file into memory, bounded.
 *
 * The one way fallbackd reads a file: the config, passwd and group, host
 * keys, authorized keys, key files read whole (readfile_fd, readfile_path:
 * the caller opens the file and vets it by its own rules, type, owner,
 * mode; this reads it to its end, never more than the caller's bound);
 * and the incident console's look at /proc, /sys, logs and status files,
 * which wants part of a file (readfile_head, readfile_tail: the first or
 * last MAX bytes of a regular file, cut rather than refused when longer).
 * All share one reading loop.
 */
#ifndef FBD_READFILE_H
#define FBD_READFILE_H

#include <stddef.h>

struct diag;

/* Read FD from where it stands to its end, at most MAX bytes, into a new
 * buffer: *BUF (malloc'd, NUL-terminated after *LEN bytes).  HINT (the
 * size fstat() said, or 0) sizes the first allocation.  Every buffer given
 * up on the way (growth, failure) is wiped first, as the file may hold a
 * private key; wiping the one returned is the caller's business.
 * 0, or an errno value - EFBIG (longer than MAX), ENOMEM, or read()'s -
 * with *BUF NULL and *LEN 0. */
int readfile_fd(int fd, size_t max, size_t hint, char **buf, size_t *len);

/* readfile_fd() on PATH, opened read-only (and closed again). */
int readfile_path(const char *path, size_t max, char **buf, size_t *len);

/* Part of a file: its first or last bytes, NUL-terminated. */
struct readbuf {
    char *p;            /* malloc'd; "" after a failure (NULL only if even that failed) */
    size_t len;         /* bytes in p, the NUL not counted */
    int truncated;      /* the file had more than the bound */
    int err;            /* errno of a failed open or read, else 0 */
};

/* The first MAX bytes of PATH into B (free with readbuf_free).  PATH must
 * be a regular file - /proc and /sys pseudo-files are - opened without
 * blocking: a FIFO, a device or a directory is refused, never waited on.
 * 0, or -1 with one line "PATH: reason" ("/x: No such file or directory",
 * "/x: not a regular file") added to D (may be NULL) and B->err set.
 * B is always valid to use and free (empty after a failure). */
int readfile_head(const char *path, size_t max, struct readbuf *b, struct diag *d);

/* The last MAX bytes of PATH (a regular file with a size), starting at a
 * line boundary when the file was cut (then B->truncated).  As
 * readfile_head otherwise. */
int readfile_tail(const char *path, size_t max, struct readbuf *b, struct diag *d);

void readbuf_free(struct readbuf *b);

#endif
