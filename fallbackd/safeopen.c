/* safeopen.c - walk a path to a root-managed file (safeopen.h). */
#include "safeopen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* May directory FD (named NAME) lead to a root-managed file? */
static int dir_ok(int fd, const char *name, struct diag *why)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        return -1;
    }
    if (st.st_uid != 0 || ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
                           (st.st_mode & S_ISVTX) == 0)) {
        diag_add(why, "bad ownership or modes for directory %s", name);
        errno = EPERM;
        return -1;
    }
    return 0;
}

/* Is the opened file FD root's, regular and writable by root only? */
static int file_ok(int fd, struct diag *why)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        diag_add(why, "bad ownership or modes");
        errno = EPERM;
        return -1;
    }
    return 0;
}

/* Open component NAME under directory DFD (closed here); as a directory
 * unless LAST.  The new fd, or -1. */
static int step(int dfd, const char *name, int last, struct diag *why)
{
    int flags = last ? O_RDONLY | O_NONBLOCK | O_NOCTTY : O_PATH | O_DIRECTORY;
    int fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;

    close(dfd);
    if (fd < 0 && err == ELOOP) {
        diag_add(why, "%s is a symbolic link", name);
    }
    errno = err;
    return fd;
}

int safeopen_root_file(const char *path, struct diag *why)
{
    char buf[PATH_MAX];
    char *p = buf + 1;
    char *slash;
    int fd;

    if (path[0] != '/' || strlen(path) >= sizeof(buf)) {
        diag_add(why, "not an absolute path of at most %d bytes", PATH_MAX - 1);
        errno = EINVAL;
        return -1;
    }
    memcpy(buf, path, strlen(path) + 1);
    fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || dir_ok(fd, "/", why) < 0) {
        return fd < 0 ? -1 : (close(fd), -1);
    }
    while ((slash = strchr(p, '/')) != NULL) {
        *slash = '\0';
        if (p[0] != '\0' && (fd = step(fd, p, 0, why)) < 0) {
            return -1;
        }
        if (p[0] != '\0' && dir_ok(fd, buf, why) < 0) {
            close(fd);
            return -1;
        }
        *slash = '/';
        p = slash + 1;
    }
    if ((fd = step(fd, p, 1, why)) < 0 || file_ok(fd, why) < 0) {
        return fd < 0 ? -1 : (close(fd), -1);
    }
    return fd;
}
