/* readfile.c - read a file into memory, bounded (readfile.h). */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

#define FIRST_SIZE 4096     /* without a hint */

/* Move *BUF (LEN bytes used) into a buffer of NCAP bytes, wiping the old
 * one.  0, or ENOMEM (then *BUF is untouched). */
static int move_to(char **buf, size_t len, size_t ncap)
{
    char *nbuf = malloc(ncap);

    if (nbuf == NULL) {
        return ENOMEM;
    }
    if (*buf != NULL) {
        memcpy(nbuf, *buf, len);
        explicit_bzero(*buf, len);
        free(*buf);
    }
    *buf = nbuf;
    return 0;
}

/* The one reading loop: FD from where it stands into *BUF until its end or
 * until more than MAX bytes are in (at most MAX + 1: the caller tells a
 * file of exactly MAX bytes from a longer one).  0 or an errno value; on
 * failure *BUF is wiped, freed and NULL, *LEN 0.  On success *BUF has room
 * for the NUL after *LEN. */
static int read_upto(int fd, size_t max, size_t hint, char **buf, size_t *len)
{
    /* room for max + 1 bytes (to see that there are too many) and a NUL */
    size_t cap = 0;
    size_t want = hint > 0 ? hint : FIRST_SIZE;
    int err = 0;

    *buf = NULL;
    *len = 0;
    while (*len <= max) {
        ssize_t n;

        if (*len + 1 >= cap) {
            cap = cap == 0 ? (want < max ? want : max) + 2 : cap * 2;
            cap = cap > max + 2 ? max + 2 : cap;
            if ((err = move_to(buf, *len, cap)) != 0) {
                break;
            }
        }
        n = read(fd, *buf + *len, cap - 1 - *len);
        if (n == 0) {
            break;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            err = errno;
            break;
        }
        *len += (size_t)n;
    }
    if (err != 0 && *buf != NULL) {
        explicit_bzero(*buf, *len);
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
    return err;
}

int readfile_fd(int fd, size_t max, size_t hint, char **buf, size_t *len)
{
    int err = read_upto(fd, max, hint, buf, len);

    if (err == 0 && *len > max) {
        explicit_bzero(*buf, *len);
        free(*buf);
        *buf = NULL;
        *len = 0;
        err = EFBIG;
    }
    if (err == 0) {
        (*buf)[*len] = '\0';
    }
    return err;
}

int readfile_path(const char *path, size_t max, char **buf, size_t *len)
{
    /* O_NONBLOCK: a FIFO in the file's place must not hang a reload. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    int err;

    if (fd < 0) {
        *buf = NULL;
        *len = 0;
        return errno;
    }
    err = readfile_fd(fd, max, 0, buf, len);
    close(fd);
    return err;
}

void readbuf_free(struct readbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->truncated = 0;
}

/* B after a failure with errno ERR: empty, the reason in D.  -1. */
static int part_failed(struct readbuf *b, const char *path, int err, const char *why,
                       struct diag *d)
{
    readbuf_free(b);
    b->err = err;
    b->p = calloc(1, 1);
    if (d != NULL) {
        diag_add(d, "%s: %s", path, why != NULL ? why : strerror(err));
    }
    return -1;
}

/* Open PATH read-only without blocking, a regular file only; its size in
 * *SIZE.  The fd, or -1 (B failed, with the reason in D). */
static int open_regular(const char *path, off_t *size, struct readbuf *b, struct diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;

    if (fd < 0 || fstat(fd, &st) < 0) {
        int err = errno;

        if (fd >= 0) {
            close(fd);
        }
        return part_failed(b, path, err, NULL, d);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return part_failed(b, path, EINVAL, "not a regular file", d);
    }
    *size = st.st_size;
    return fd;
}

/* Read at most MAX bytes of FD (from where it stands) into B. */
static int read_part(int fd, const char *path, size_t max, struct readbuf *b, struct diag *d)
{
    int err = read_upto(fd, max, 0, &b->p, &b->len);

    if (err != 0) {
        return part_failed(b, path, err, NULL, d);
    }
    if (b->len > max) {
        b->len = max;
        b->truncated = 1;
    }
    b->p[b->len] = '\0';
    return 0;
}

int readfile_head(const char *path, size_t max, struct readbuf *b, struct diag *d)
{
    off_t size;
    int fd, rc;

    memset(b, 0, sizeof(*b));
    fd = open_regular(path, &size, b, d);
    if (fd < 0) {
        return -1;
    }
    rc = read_part(fd, path, max, b, d);
    close(fd);
    return rc;
}

/* Drop the partial first line of a tail that started mid-file. */
static void skip_partial_line(struct readbuf *b)
{
    char *nl = memchr(b->p, '\n', b->len);

    if (nl != NULL && nl + 1 < b->p + b->len) {
        size_t cut = (size_t)(nl + 1 - b->p);

        memmove(b->p, nl + 1, b->len - cut + 1);
        b->len -= cut;
    }
}

int readfile_tail(const char *path, size_t max, struct readbuf *b, struct diag *d)
{
    off_t size, from = 0;
    int fd, rc;

    memset(b, 0, sizeof(*b));
    fd = open_regular(path, &size, b, d);
    if (fd < 0) {
        return -1;
    }
    if (size > (off_t)max) {
        from = size - (off_t)max;
    }
    if (from > 0 && lseek(fd, from, SEEK_SET) < 0) {
        rc = part_failed(b, path, errno, NULL, d);
    } else {
        rc = read_part(fd, path, max, b, d);
    }
    close(fd);
    if (rc == 0 && from > 0) {
        b->truncated = 1;
        skip_partial_line(b);
    }
    return rc;
}
