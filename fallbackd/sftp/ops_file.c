/* ops_file.c - SFTP requests on files: OPEN, CLOSE, READ, WRITE, STAT,
 * LSTAT, FSTAT, SETSTAT, FSETSTAT, REMOVE, RENAME.
 *
 * Each handler's payload (after the uint32 request id) is written above
 * it.  A payload that does not parse gets BAD_MESSAGE, an unknown handle
 * FAILURE, a failed system call the status of its errno (reply.c).  The
 * log lines are those of OpenSSH's sftp-server at the same levels.
 */
#include "sftp_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attrs.h"
#include "log.h"
#include "proto.h"

/* pflags as sshd logs them: "READ,WRITE,CREATE,TRUNCATE". */
static void pflags_text(uint32_t pflags, char *buf, size_t cap)
{
    static const struct {
        uint32_t flag;
        const char *name;
    } names[] = {
        { FXF_READ, "READ" },     { FXF_WRITE, "WRITE" }, { FXF_APPEND, "APPEND" },
        { FXF_CREAT, "CREATE" },  { FXF_TRUNC, "TRUNCATE" }, { FXF_EXCL, "EXCL" },
    };
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((pflags & names[i].flag) && len < cap) {
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "," : "", names[i].name);
        }
    }
}

/* open(2) flags for OPEN's pflags. */
static int open_flags(uint32_t pflags)
{
    int flags = O_RDONLY;

    if ((pflags & FXF_READ) && (pflags & FXF_WRITE)) {
        flags = O_RDWR;
    } else if (pflags & FXF_WRITE) {
        flags = O_WRONLY;
    }
    flags |= (pflags & FXF_APPEND) ? O_APPEND : 0;
    flags |= (pflags & FXF_CREAT) ? O_CREAT : 0;
    flags |= (pflags & FXF_TRUNC) ? O_TRUNC : 0;
    flags |= (pflags & FXF_EXCL) ? O_EXCL : 0;
    return flags | O_CLOEXEC | O_NOCTTY;
}

/* OPEN: string filename, uint32 pflags, ATTRS attrs
 *   -> HANDLE, or STATUS */
void op_open(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char path[PATH_MAX];
    char ftext[64];
    struct sftp_attrs a;
    struct sftp_handle *h;
    uint32_t pflags;
    mode_t mode;
    int fd;

    wire_path(r, path, sizeof(path));
    pflags = sshrd_u32(r);
    attrs_decode(r, &a);
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "open");
        return;
    }
    if ((pflags & (FXF_WRITE | FXF_APPEND | FXF_CREAT | FXF_TRUNC)) &&
        refuse_read_only(s, id, "open for writing")) {
        return;
    }
    mode = (a.flags & ATTR_PERMISSIONS) ? (mode_t)(a.perm & 07777) : 0666;
    pflags_text(pflags, ftext, sizeof(ftext));
    log_info("open \"%s\" flags %s mode 0%o", path, ftext, (unsigned)mode);
    fd = open(path, open_flags(pflags), mode);
    if (fd < 0) {
        reply_errno(s, id, errno);
        return;
    }
    h = handles_add(&s->handles, HK_FILE, fd, NULL, (int)pflags, path);
    if (h == NULL) {
        log_error("open \"%s\": too many open handles", path);
        close(fd);
        reply_status(s, id, FX_FAILURE);
        return;
    }
    reply_handle(s, id, h);
}

/* CLOSE: string handle -> STATUS */
void op_close(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *h = handles_read(&s->handles, r, HK_FREE);

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "close");
        return;
    }
    if (h == NULL) {
        reply_status(s, id, FX_FAILURE);
        return;
    }
    if (h->kind == HK_FILE) {
        log_info("close \"%s\" bytes read %llu written %llu", h->path,
                 (unsigned long long)h->bytes_read, (unsigned long long)h->bytes_written);
    } else {
        log_info("closedir \"%s\"", h->path);
    }
    reply_errno(s, id, handles_close(h));
}

/* READ: string handle, uint64 offset, uint32 len
 *   -> DATA (uint32 id, string data: at most len bytes, at most
 *      SFTP_MAX_RW), or STATUS (EOF at or past the end)
 * The file is read straight into the reply. */
void op_read(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *h = handles_read(&s->handles, r, HK_FILE);
    uint64_t off = wire_u64(r);
    uint32_t len = sshrd_u32(r);
    unsigned char *p;
    ssize_t n;

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "read");
        return;
    }
    if (h == NULL || off > (uint64_t)INT64_MAX) {
        reply_status(s, id, h == NULL ? FX_FAILURE : FX_BAD_MESSAGE);
        return;
    }
    len = len > SFTP_MAX_RW ? SFTP_MAX_RW : len;
    wire_begin(&s->out, FXP_DATA);
    wire_put_u32(&s->out, id);
    p = wire_reserve(&s->out, 4 + (size_t)len);
    if (p == NULL) {
        return;     /* out of memory: the server ends (out.err) */
    }
    do {
        n = pread(h->fd, p + 4, len, (off_t)off);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        int err = errno;

        wire_cancel(&s->out);
        reply_status(s, id, n == 0 ? FX_EOF : sftp_errno_status(err));
        return;
    }
    /* The string's length goes where p points (the room reserved above,
     * so nothing moves), then the bytes pread put after it are counted. */
    wire_put_u32(&s->out, (uint32_t)n);
    wire_advance(&s->out, (size_t)n);
    wire_end(&s->out);
    h->bytes_read += (uint64_t)n;
}

/* Write all n bytes at off; 0, or the errno that stopped it (ENOSPC for
 * a write of nothing).  *done counts the bytes written either way. */
static int write_all(int fd, const unsigned char *p, size_t n, uint64_t off, size_t *done)
{
    *done = 0;
    while (*done < n) {
        ssize_t w = pwrite(fd, p + *done, n - *done, (off_t)(off + *done));

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return w == 0 ? ENOSPC : errno;
        }
        *done += (size_t)w;
    }
    return 0;
}

/* WRITE: string handle, uint64 offset, string data -> STATUS
 * OK only when every byte was written. */
void op_write(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *h = handles_read(&s->handles, r, HK_FILE);
    uint64_t off = wire_u64(r);
    size_t n = 0;
    const unsigned char *data = sshrd_string(r, &n);
    size_t done;
    int err;

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "write");
        return;
    }
    if (h == NULL || off > (uint64_t)INT64_MAX - n) {
        reply_status(s, id, h == NULL ? FX_FAILURE : FX_BAD_MESSAGE);
        return;
    }
    err = write_all(h->fd, data, n, off, &done);
    h->bytes_written += done;
    if (err != 0) {
        log_error("write \"%s\": %s after %zu of %zu bytes", h->path, strerror(err), done, n);
    }
    reply_errno(s, id, err);
}

/* STAT and LSTAT: string path -> ATTRS, or STATUS */
static void stat_common(struct sftp_server *s, uint32_t id, struct sshrd *r, int follow)
{
    char path[PATH_MAX];
    struct stat st;

    wire_path(r, path, sizeof(path));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, follow ? "stat" : "lstat");
        return;
    }
    if ((follow ? stat(path, &st) : lstat(path, &st)) < 0) {
        reply_errno(s, id, errno);
        return;
    }
    reply_stat(s, id, &st);
}

void op_stat(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    stat_common(s, id, r, 1);
}

void op_lstat(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    stat_common(s, id, r, 0);
}

/* FSTAT: string handle -> ATTRS, or STATUS */
void op_fstat(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *h = handles_read(&s->handles, r, HK_FILE);
    struct stat st;

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "fstat");
        return;
    }
    if (h == NULL) {
        reply_status(s, id, FX_FAILURE);
        return;
    }
    if (fstat(h->fd, &st) < 0) {
        reply_errno(s, id, errno);
        return;
    }
    reply_stat(s, id, &st);
}

/* The log lines of a SETSTAT, as sshd writes them. */
static void log_setstat(const char *name, const struct sftp_attrs *a)
{
    if (a->flags & ATTR_SIZE) {
        log_info("set \"%s\" size %llu", name, (unsigned long long)a->size);
    }
    if (a->flags & ATTR_PERMISSIONS) {
        log_info("set \"%s\" mode %04o", name, (unsigned)(a->perm & 07777));
    }
    if (a->flags & ATTR_ACMODTIME) {
        char buf[64] = "";
        time_t t = (time_t)a->mtime;
        struct tm tm;

        if (localtime_r(&t, &tm) != NULL) {
            strftime(buf, sizeof(buf), "%Y%m%d-%H:%M:%S", &tm);
        }
        log_info("set \"%s\" modtime %s", name, buf);
    }
    if (a->flags & ATTR_UIDGID) {
        log_info("set \"%s\" owner %lu group %lu", name, (unsigned long)a->uid,
                 (unsigned long)a->gid);
    }
}

/* SETSTAT: string path, ATTRS -> STATUS
 * (lsetstat@openssh.com, the same without following a final symlink,
 * is in ops_ext.c and shares this.) */
void sftp_setstat(struct sftp_server *s, uint32_t id, struct sshrd *r, enum attrs_target t)
{
    char path[PATH_MAX];
    struct sftp_attrs a;

    wire_path(r, path, sizeof(path));
    attrs_decode(r, &a);
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "setstat");
        return;
    }
    if (refuse_read_only(s, id, "setstat")) {
        return;
    }
    log_setstat(path, &a);
    reply_errno(s, id, attrs_apply(&a, t, path, -1));
}

void op_setstat(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    sftp_setstat(s, id, r, AT_PATH);
}

/* FSETSTAT: string handle, ATTRS -> STATUS */
void op_fsetstat(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *h = handles_read(&s->handles, r, HK_FILE);
    struct sftp_attrs a;

    attrs_decode(r, &a);
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "fsetstat");
        return;
    }
    if (h == NULL) {
        reply_status(s, id, FX_FAILURE);
        return;
    }
    if (refuse_read_only(s, id, "fsetstat")) {
        return;
    }
    log_setstat(h->path, &a);
    reply_errno(s, id, attrs_apply(&a, AT_FD, NULL, h->fd));
}

/* REMOVE: string filename -> STATUS */
void op_remove(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char path[PATH_MAX];

    wire_path(r, path, sizeof(path));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "remove");
        return;
    }
    if (refuse_read_only(s, id, "remove")) {
        return;
    }
    log_info("remove name \"%s\"", path);
    reply_errno(s, id, unlink(path) < 0 ? errno : 0);
}

/* Rename without replacing an existing target (the v3 RENAME rule).
 * File systems without RENAME_NOREPLACE get a check, then rename(2). */
static int rename_noreplace(const char *from, const char *to)
{
    struct stat st;

    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return errno;
    }
    if (lstat(to, &st) == 0) {
        return EEXIST;
    }
    return rename(from, to) < 0 ? errno : 0;
}

/* RENAME: string oldpath, string newpath -> STATUS
 * Fails if newpath exists (posix-rename@openssh.com replaces it). */
void op_rename(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char from[PATH_MAX];
    char to[PATH_MAX];

    wire_path(r, from, sizeof(from));
    wire_path(r, to, sizeof(to));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "rename");
        return;
    }
    if (refuse_read_only(s, id, "rename")) {
        return;
    }
    log_info("rename old \"%s\" new \"%s\"", from, to);
    reply_errno(s, id, rename_noreplace(from, to));
}
