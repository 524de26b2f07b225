/* user_keyfiles.c - reading a user's keys and principals files (see
 * user_keyfiles.h).
 *
 * The child that reads a file in the user's home answers on a pipe:
 *
 *     byte 'O'  then the file's bytes, to EOF        (read)
 *     byte 'M'                                       (missing)
 *     byte 'R'  then the reason, to EOF              (refused)
 *
 * The monitor reads at most UKF_FILE_MAX + 1 bytes of it and waits at
 * most UKF_TIMEOUT_MS for it (a hung network home must not hang the
 * login): a child that says more or takes longer is killed and the file
 * refused.
 */
#include "user_keyfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "server.h"

#define UKF_TIMEOUT_MS 10000

/* How a file is checked while it is opened. */
struct walk {
    const char *path;
    uid_t owner;            /* besides root, who may own the file and dirs */
    int strict;             /* StrictModes: owners and modes checked */
    char *why;
    size_t whylen;
};

/* Is ST owned by root or w->owner and, under StrictModes, not writable by
 * group or others? */
static int owner_mode_ok(const struct walk *w, const struct stat *st)
{
    if (!w->strict) {
        return 1;
    }
    return (st->st_uid == 0 || st->st_uid == w->owner) && (st->st_mode & 022) == 0;
}

/* Open the next component NAME under directory DIRFD; refuse a symbolic
 * link and (StrictModes) a bad owner or mode.  The fd, -1 missing, -2
 * refused (why set). */
static int step(struct walk *w, int dirfd, const char *name, const char *shown, int last)
{
    int flags = last ? O_RDONLY | O_NONBLOCK : O_PATH | O_DIRECTORY;
    int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;

    if (fd < 0 && errno == ENOENT) {
        return -1;
    }
    if (fd < 0) {
        snprintf(w->why, w->whylen, "%s: %s", shown,
                 errno == ELOOP || errno == ENOTDIR ? "is a symbolic link or not a directory"
                                                    : strerror(errno));
        return -2;
    }
    if (fstat(fd, &st) != 0 || (last && !S_ISREG(st.st_mode)) || !owner_mode_ok(w, &st)) {
        snprintf(w->why, w->whylen, "bad ownership or modes for %s %s",
                 last ? "file" : "directory", shown);
        close(fd);
        return -2;
    }
    return fd;
}

/* Open w->path from / down, one component at a time.  fd, -1, -2. */
static int walk_open(struct walk *w)
{
    char shown[4096];
    const char *p = w->path + strspn(w->path, "/");
    int dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = dirfd;

    snprintf(shown, sizeof(shown), "/");
    while (fd >= 0 && *p != '\0') {
        size_t n = strcspn(p, "/");
        char name[256];
        int last = p[n + strspn(p + n, "/")] == '\0';

        if (n >= sizeof(name)) {
            snprintf(w->why, w->whylen, "%s: name too long", w->path);
            fd = -2;
            break;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        snprintf(shown, sizeof(shown), "%.*s", (int)(p - w->path + n), w->path);
        fd = step(w, dirfd, name, shown, last);
        close(dirfd);
        dirfd = fd;
        p += n + strspn(p + n, "/");
        if (last) {
            return fd;
        }
    }
    if (fd >= 0) {
        snprintf(w->why, w->whylen, "%s: is a directory", w->path);
        close(fd);
        fd = -2;
    }
    return fd;
}

/* Open w->path: the walk under StrictModes, a plain open otherwise. */
static int open_file(struct walk *w)
{
    struct stat st;
    int fd;

    if (w->strict) {
        return walk_open(w);
    }
    fd = open(w->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(w->why, w->whylen, "%s: %s", w->path, strerror(errno));
        return errno == ENOENT ? -1 : -2;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(w->why, w->whylen, "%s: not a regular file", w->path);
        close(fd);
        return -2;
    }
    return fd;
}

int ukf_read_fd(int fd, size_t max, char **text, size_t *len)
{
    char *buf = malloc(max + 2);
    size_t n = 0;
    ssize_t r = 1;

    while (buf != NULL && r > 0 && n <= max) {
        r = read(fd, buf + n, max + 1 - n);
        n += r > 0 ? (size_t)r : 0;
        r = (r < 0 && errno == EINTR) ? 1 : r;
    }
    if (buf == NULL || r < 0 || n > max) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

/* Read the opened file FD of w->path, and close it. */
static enum ukf_result read_opened(struct walk *w, int fd, char **text, size_t *len)
{
    int rc = ukf_read_fd(fd, UKF_FILE_MAX, text, len);

    close(fd);
    if (rc != 0) {
        snprintf(w->why, w->whylen, "%s: unreadable or larger than %d bytes", w->path,
                 UKF_FILE_MAX);
        return UKF_REFUSED;
    }
    return UKF_OK;
}

/* Open and read w->path; the ukf_result. */
static enum ukf_result read_here(struct walk *w, char **text, size_t *len)
{
    int fd = open_file(w);

    if (fd == -1) {
        return UKF_MISSING;
    }
    return fd < 0 ? UKF_REFUSED : read_opened(w, fd, text, len);
}

/* A file outside the home directory: fallbackd's own, read by the monitor;
 * a regular file (not a symbolic link) owned by root and writable by no
 * one else, as authkeys.c requires of the keys files. */
static enum ukf_result read_root_file(struct walk *w, char **text, size_t *len)
{
    int fd = open(w->path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;

    if (fd < 0) {
        snprintf(w->why, w->whylen, "%s: %s", w->path,
                 errno == ELOOP ? "is a symbolic link" : strerror(errno));
        return errno == ENOENT ? UKF_MISSING : UKF_REFUSED;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
        (st.st_mode & 022) != 0) {
        snprintf(w->why, w->whylen, "%s: bad ownership or modes", w->path);
        close(fd);
        return UKF_REFUSED;
    }
    return read_opened(w, fd, text, len);
}

/* ---- the child, as the user -------------------------------------------- */

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r <= 0 && errno != EINTR) {
            return;
        }
        p += r > 0 ? r : 0;
        n -= r > 0 ? (size_t)r : 0;
    }
}

/* In the child: become the user, read, answer on OUT; never returns. */
static void child_read(const struct authz *a, struct walk *w, int out)
{
    char *text = NULL;
    size_t len = 0;
    enum ukf_result r = UKF_REFUSED;

    snprintf(w->why, w->whylen, "%s: cannot take the user's identity", w->path);
    if (setgroups(a->ngroups, a->groups) == 0 && setresgid(a->pw.gid, a->pw.gid, a->pw.gid) == 0 &&
        setresuid(a->pw.uid, a->pw.uid, a->pw.uid) == 0) {
        r = read_here(w, &text, &len);
    }
    write_all(out, r == UKF_OK ? "O" : r == UKF_MISSING ? "M" : "R", 1);
    if (r == UKF_OK) {
        write_all(out, text, len);
    } else if (r == UKF_REFUSED) {
        write_all(out, w->why, strlen(w->why));
    }
    _exit(0);
}

/* Read the child's answer from IN within the timeout; -1 on timeout. */
static int collect(int in, char **buf, size_t *len)
{
    long long deadline = clock_now_ms() + UKF_TIMEOUT_MS;
    size_t cap = UKF_FILE_MAX + 2;
    char *b = malloc(cap + 1);
    size_t n = 0;
    ssize_t r = 1;

    while (b != NULL && r != 0 && n < cap) {
        struct pollfd pfd = { .fd = in, .events = POLLIN };
        long long left = deadline - clock_now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
            break;
        }
        r = read(in, b + n, cap - n);
        n += r > 0 ? (size_t)r : 0;
        r = (r < 0 && errno != EINTR && errno != EAGAIN) ? 0 : r;
    }
    if (b == NULL || r != 0 || n == 0) {
        free(b);
        return -1;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

/* Read w->path in a child that is the user. */
static enum ukf_result read_as_user(const struct authz *a, struct walk *w, char **text,
                                    size_t *len)
{
    int p[2];
    pid_t pid;
    char *buf = NULL;
    size_t n = 0;
    enum ukf_result r = UKF_REFUSED;

    if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
        snprintf(w->why, w->whylen, "%s: cannot start the reader: %s", w->path, strerror(errno));
        return UKF_REFUSED;
    }
    if (pid == 0) {
        close(p[0]);
        child_read(a, w, p[1]);
    }
    close(p[1]);
    snprintf(w->why, w->whylen, "%s: the reader timed out or said too much", w->path);
    if (collect(p[0], &buf, &n) == 0) {
        r = buf[0] == 'O' ? UKF_OK : buf[0] == 'M' ? UKF_MISSING : UKF_REFUSED;
    }
    close(p[0]);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    if (r == UKF_REFUSED && buf != NULL && buf[0] == 'R') {
        snprintf(w->why, w->whylen, "%.*s", (int)(n - 1), buf + 1);
    }
    if (r == UKF_OK) {
        memmove(buf, buf + 1, n);   /* the NUL too */
        *text = buf;
        *len = n - 1;
        return r;
    }
    free(buf);
    return r;
}

/* ---- paths ------------------------------------------------------------ */

/* Relative means under the home directory. */
int ukf_expand(const struct authz *a, const char *pattern, char *path, size_t pathlen)
{
    char exp[4096];
    size_t hl = strlen(a->pw.dir);

    if (authz_keys_path(pattern, &a->pw, exp, sizeof(exp)) < 0) {
        return -1;
    }
    if (exp[0] != '/') {
        if ((size_t)snprintf(path, pathlen, "%s/%s", a->pw.dir, exp) >= pathlen) {
            return -1;
        }
    } else if ((size_t)snprintf(path, pathlen, "%s", exp) >= pathlen) {
        return -1;
    }
    while (hl > 1 && a->pw.dir[hl - 1] == '/') {
        hl--;
    }
    return hl > 1 && strncmp(path, a->pw.dir, hl) == 0 && path[hl] == '/';
}

enum ukf_result ukf_read(const struct server *srv, const struct authz *a, const char *pattern,
                         char *path, size_t pathlen, char **text, size_t *len,
                         char *why, size_t whylen)
{
    int home = ukf_expand(a, pattern, path, pathlen);
    struct walk w = { path, a->pw.uid, srv->cfg.strict_modes, why, whylen };

    *text = NULL;
    *len = 0;
    if (home < 0) {
        snprintf(why, whylen, "%s: path too long for user %s", pattern, a->pw.name);
        return UKF_REFUSED;
    }
    if (home) {
        return read_as_user(a, &w, text, len);
    }
    return read_root_file(&w, text, len);
}

/* ---- the key look-up -------------------------------------------------- */

/* Look for the plain key BLOB in the keys file PATTERN.  1 found (*out
 * filled), 0 not, -1 the file could not be used (first such reason kept
 * in why). */
static int find_in(const struct server *srv, const struct authz *a, const char *pattern,
                   const unsigned char *blob, size_t bloblen, struct ak_key *out,
                   struct diag *warn, char *why, size_t whylen)
{
    char path[4096], scratch[512];
    char *text = NULL;
    size_t len = 0;
    int home = ukf_expand(a, pattern, path, sizeof(path));
    int found = -1;
    enum ukf_result r;

    if (home == 0) {
        /* fallbackd's own file, read as it always was */
        found = authkeys_find(path, blob, bloblen, srv->cfg.permit_user_environment, out, warn);
        if (found < 0 && warn->n > 0 && why[0] == '\0') {
            snprintf(why, whylen, "%s", warn->msgs[warn->n - 1]);
        }
        return found;
    }
    r = ukf_read(srv, a, pattern, path, sizeof(path), &text, &len, scratch, sizeof(scratch));
    if (r == UKF_REFUSED) {
        /* says more than a missing root file before it */
        snprintf(why, whylen, "%s", scratch);
    }
    if (r == UKF_OK) {
        found = authkeys_find_text(path, text, len, blob, bloblen, 0,
                                   srv->cfg.permit_user_environment, out, warn);
    }
    free(text);
    return r == UKF_MISSING ? 0 : found;
}

int ukf_find_key(const struct server *srv, const struct authz *a, const unsigned char *blob,
                 size_t bloblen, struct ak_key *out, struct diag *warn, char *why,
                 size_t whylen)
{
    const struct fbd_config *c = &srv->cfg;
    int found = 0;
    int failed = 0;

    why[0] = '\0';
    if (strcmp(c->authorized_keys_file, "none") != 0) {
        found = find_in(srv, a, c->authorized_keys_file, blob, bloblen, out, warn, why, whylen);
        failed |= found < 0;
    }
    for (size_t i = 0; found <= 0 && i < c->authorized_keys_more.n; i++) {
        found = find_in(srv, a, c->authorized_keys_more.v[i], blob, bloblen, out, warn, why,
                        whylen);
        failed |= found < 0;
    }
    return found > 0 ? 1 : failed ? -1 : 0;
}
