/* dg_read.h - bounded reads of /proc, /sys and ordinary files.
 *
 * Every file the incident console looks at is read through here: never
 * more than a stated number of bytes, never blocking on a FIFO or a
 * device, never following into anything but a regular file (or a /proc
 * or /sys pseudo-file, which stat() also calls regular).  A failure is a
 * reason string for the report, never fatal.
 *
 * (The layout work creates a shared bounded reader in fallbackd/; this one
 * is to be unified with it at merge.)
 */
#ifndef FBD_DG_READ_H
#define FBD_DG_READ_H

#include <stddef.h>

/* Bytes read from one file: NUL-terminated (len excludes the NUL). */
struct dg_buf {
    char *p;
    size_t len;
    int truncated;      /* the file had more than the bound */
    int err;            /* errno of a failed read, else 0 */
};

/* Read at most MAX bytes from the start of PATH into B (malloc'd; free
 * with dg_buf_free).  0, or -1 with a reason ("/x: No such file or
 * directory", "/x: not a regular file") in WHY.  B is always valid to
 * free and use (empty on failure). */
int dg_read_head(const char *path, size_t max, struct dg_buf *b, char *why, size_t whylen);

/* The last MAX bytes of PATH (a regular file with a size), starting at a
 * line boundary when the file was cut.  As dg_read_head otherwise. */
int dg_read_tail(const char *path, size_t max, struct dg_buf *b, char *why, size_t whylen);

/* readlink() into OUT (always terminated), or -1 with errno. */
int dg_readlink(const char *path, char *out, size_t outlen);

void dg_buf_free(struct dg_buf *b);

#endif
