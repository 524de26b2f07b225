/* attrs.c - SFTP v3 ATTRS (attrs.h).
 *
 * Wire format (draft-ietf-secsh-filexfer-02 section 5):
 *
 *     uint32  flags
 *     uint64  size            present if flags & ATTR_SIZE
 *     uint32  uid             present if flags & ATTR_UIDGID
 *     uint32  gid             present if flags & ATTR_UIDGID
 *     uint32  permissions     present if flags & ATTR_PERMISSIONS
 *     uint32  atime           present if flags & ATTR_ACMODTIME
 *     uint32  mtime           present if flags & ATTR_ACMODTIME
 *     uint32  extended_count  present if flags & ATTR_EXTENDED
 *     string  extended_type   } extended_count times; read and ignored
 *     string  extended_data   }
 *
 * Other flag bits are ignored, as OpenSSH does.
 */
#include "attrs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

void attrs_decode(struct sshrd *r, struct sftp_attrs *a)
{
    memset(a, 0, sizeof(*a));
    a->flags = sshrd_u32(r);
    if (a->flags & ATTR_SIZE) {
        a->size = wire_u64(r);
    }
    if (a->flags & ATTR_UIDGID) {
        a->uid = sshrd_u32(r);
        a->gid = sshrd_u32(r);
    }
    if (a->flags & ATTR_PERMISSIONS) {
        a->perm = sshrd_u32(r);
    }
    if (a->flags & ATTR_ACMODTIME) {
        a->atime = sshrd_u32(r);
        a->mtime = sshrd_u32(r);
    }
    if (a->flags & ATTR_EXTENDED) {
        uint32_t n = sshrd_u32(r);
        size_t len;

        /* Each pair is at least 8 bytes: the loop ends at the packet's end. */
        for (uint32_t i = 0; i < n && sshrd_ok(r); i++) {
            sshrd_string(r, &len);
            sshrd_string(r, &len);
        }
    }
}

void attrs_from_stat(struct sftp_attrs *a, const struct stat *st)
{
    a->flags = ATTR_SIZE | ATTR_UIDGID | ATTR_PERMISSIONS | ATTR_ACMODTIME;
    a->size = (uint64_t)st->st_size;
    a->uid = (uint32_t)st->st_uid;
    a->gid = (uint32_t)st->st_gid;
    a->perm = (uint32_t)st->st_mode;
    a->atime = (uint32_t)st->st_atime;
    a->mtime = (uint32_t)st->st_mtime;
}

void attrs_encode(struct wire_out *o, const struct sftp_attrs *a)
{
    uint32_t flags = a->flags & (ATTR_SIZE | ATTR_UIDGID | ATTR_PERMISSIONS | ATTR_ACMODTIME);

    wire_put_u32(o, flags);
    if (flags & ATTR_SIZE) {
        wire_put_u64(o, a->size);
    }
    if (flags & ATTR_UIDGID) {
        wire_put_u32(o, a->uid);
        wire_put_u32(o, a->gid);
    }
    if (flags & ATTR_PERMISSIONS) {
        wire_put_u32(o, a->perm);
    }
    if (flags & ATTR_ACMODTIME) {
        wire_put_u32(o, a->atime);
        wire_put_u32(o, a->mtime);
    }
}

/* The size: truncate the file (a symlink has no size to set). */
static int apply_size(const struct sftp_attrs *a, enum attrs_target t, const char *path, int fd)
{
    if (a->size > (uint64_t)INT64_MAX) {
        return EINVAL;
    }
    if (t == AT_LINK) {
        return EINVAL;
    }
    if (t == AT_FD) {
        return ftruncate(fd, (off_t)a->size) < 0 ? errno : 0;
    }
    return truncate(path, (off_t)a->size) < 0 ? errno : 0;
}

static int apply_perm(const struct sftp_attrs *a, enum attrs_target t, const char *path, int fd)
{
    mode_t mode = (mode_t)(a->perm & 07777);

    if (t == AT_FD) {
        return fchmod(fd, mode) < 0 ? errno : 0;
    }
    return fchmodat(AT_FDCWD, path, mode, t == AT_LINK ? AT_SYMLINK_NOFOLLOW : 0) < 0 ? errno : 0;
}

static int apply_times(const struct sftp_attrs *a, enum attrs_target t, const char *path, int fd)
{
    struct timespec ts[2] = { { .tv_sec = (time_t)a->atime }, { .tv_sec = (time_t)a->mtime } };

    if (t == AT_FD) {
        return futimens(fd, ts) < 0 ? errno : 0;
    }
    return utimensat(AT_FDCWD, path, ts, t == AT_LINK ? AT_SYMLINK_NOFOLLOW : 0) < 0 ? errno : 0;
}

static int apply_owner(const struct sftp_attrs *a, enum attrs_target t, const char *path, int fd)
{
    if (t == AT_FD) {
        return fchown(fd, (uid_t)a->uid, (gid_t)a->gid) < 0 ? errno : 0;
    }
    return fchownat(AT_FDCWD, path, (uid_t)a->uid, (gid_t)a->gid,
                    t == AT_LINK ? AT_SYMLINK_NOFOLLOW : 0) < 0 ? errno : 0;
}

int attrs_apply(const struct sftp_attrs *a, enum attrs_target t, const char *path, int fd)
{
    int err = 0;

    if (a->flags & ATTR_SIZE) {
        err = apply_size(a, t, path, fd);
    }
    if (err == 0 && (a->flags & ATTR_PERMISSIONS)) {
        err = apply_perm(a, t, path, fd);
    }
    if (err == 0 && (a->flags & ATTR_ACMODTIME)) {
        err = apply_times(a, t, path, fd);
    }
    if (err == 0 && (a->flags & ATTR_UIDGID)) {
        err = apply_owner(a, t, path, fd);
    }
    return err;
}
