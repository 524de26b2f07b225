/* readfile.c - read a whole file into memory, bounded (readfile.h). */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int readfile_fd(int fd, size_t max, size_t hint, char **buf, size_t *len)
{
    /* room for max + 1 bytes (to see that there are too many) and a NUL */
    size_t cap = 0;
    size_t want = hint > 0 ? hint : FIRST_SIZE;
    int err = 0;

    *buf = NULL;
    *len = 0;
    for (;;) {
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
        if (*len > max) {
            err = EFBIG;
            break;
        }
    }
    if (err != 0) {
        if (*buf != NULL) {
            explicit_bzero(*buf, *len);
            free(*buf);
        }
        *buf = NULL;
        *len = 0;
        return err;
    }
    (*buf)[*len] = '\0';
    return 0;
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
