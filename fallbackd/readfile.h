/* readfile.h - read a whole file into memory, bounded.
 *
 * The one way fallbackd reads a file whole: the config, passwd and group,
 * host keys, authorized keys, key files.  The caller opens the file and
 * vets it by its own rules (type, owner, mode); this reads it to its end,
 * never more than the caller's bound.
 */
#ifndef FBD_READFILE_H
#define FBD_READFILE_H

#include <stddef.h>

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

#endif
