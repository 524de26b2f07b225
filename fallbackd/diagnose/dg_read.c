/* dg_read.c - bounded reads (dg_read.h). */
#include "dg_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void dg_buf_free(struct dg_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->truncated = 0;
}

/* Open PATH read-only without blocking, refusing anything not regular. */
static int open_regular(const char *path, struct stat *st, int *err, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

    if (fd < 0) {
        *err = errno;
        snprintf(why, whylen, "%s: %s", path, strerror(*err));
        return -1;
    }
    if (fstat(fd, st) < 0) {
        *err = errno;
        snprintf(why, whylen, "%s: %s", path, strerror(*err));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        *err = EINVAL;
        snprintf(why, whylen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Make room in B for at least one more byte (plus the NUL), never more
 * than MAX bytes of content in all. */
static int grow(struct dg_buf *b, size_t *cap, size_t max)
{
    size_t ncap = *cap ? *cap * 2 : 4096;
    char *p;

    ncap = ncap > max ? max : ncap;
    p = realloc(b->p, ncap + 1);
    if (p == NULL) {
        return -1;
    }
    b->p = p;
    *cap = ncap;
    return 0;
}

/* Read from FD until EOF or MAX bytes into B; truncated if more was left. */
static int read_bounded(int fd, const char *path, size_t max, struct dg_buf *b, char *why,
                        size_t whylen)
{
    size_t cap = 0;
    char extra;

    while (b->len < max) {
        ssize_t n;

        if (b->len == cap && grow(b, &cap, max) < 0) {
            b->err = ENOMEM;
            snprintf(why, whylen, "%s: out of memory", path);
            return -1;
        }
        n = read(fd, b->p + b->len, cap - b->len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            b->err = errno;
            snprintf(why, whylen, "%s: %s", path, strerror(b->err));
            return -1;
        }
        if (n == 0) {
            return 0;
        }
        b->len += (size_t)n;
    }
    b->truncated = read(fd, &extra, 1) > 0;
    return 0;
}

/* Terminate B, or empty it after a failure. */
static int finish(struct dg_buf *b, int rc)
{
    int err = b->err;

    if (rc < 0) {
        dg_buf_free(b);
        b->err = err;
    }
    if (b->p == NULL) {
        b->p = calloc(1, 1);
        b->len = 0;
        if (b->p == NULL) {
            return -1;
        }
    }
    b->p[b->len] = '\0';
    return rc;
}

int dg_read_head(const char *path, size_t max, struct dg_buf *b, char *why, size_t whylen)
{
    struct stat st;
    int fd, rc;

    memset(b, 0, sizeof(*b));
    fd = open_regular(path, &st, &b->err, why, whylen);
    if (fd < 0) {
        return finish(b, -1);
    }
    rc = read_bounded(fd, path, max, b, why, whylen);
    close(fd);
    return finish(b, rc);
}

/* Drop the partial first line of a tail that started mid-file. */
static void skip_partial_line(struct dg_buf *b)
{
    char *nl = memchr(b->p, '\n', b->len);

    if (nl != NULL && nl + 1 < b->p + b->len) {
        size_t cut = (size_t)(nl + 1 - b->p);

        memmove(b->p, nl + 1, b->len - cut);
        b->len -= cut;
    }
}

int dg_read_tail(const char *path, size_t max, struct dg_buf *b, char *why, size_t whylen)
{
    struct stat st;
    off_t from = 0;
    int fd, rc;

    memset(b, 0, sizeof(*b));
    fd = open_regular(path, &st, &b->err, why, whylen);
    if (fd < 0) {
        return finish(b, -1);
    }
    if (st.st_size > (off_t)max) {
        from = st.st_size - (off_t)max;
    }
    if (from > 0 && lseek(fd, from, SEEK_SET) < 0) {
        b->err = errno;
        snprintf(why, whylen, "%s: %s", path, strerror(b->err));
        close(fd);
        return finish(b, -1);
    }
    rc = read_bounded(fd, path, max, b, why, whylen);
    close(fd);
    rc = finish(b, rc);
    if (rc == 0 && from > 0) {
        b->truncated = 1;
        skip_partial_line(b);
        b->p[b->len] = '\0';
    }
    return rc;
}

int dg_readlink(const char *path, char *out, size_t outlen)
{
    ssize_t n;

    if (outlen == 0) {
        errno = EINVAL;
        return -1;
    }
    n = readlink(path, out, outlen - 1);
    if (n < 0) {
        out[0] = '\0';
        return -1;
    }
    out[n] = '\0';
    return 0;
}
