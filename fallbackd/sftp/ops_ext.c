/* ops_ext.c - EXTENDED requests: the OpenSSH extensions.
 *
 *     EXTENDED  uint32 id, string extended-request, request-specific data
 *
 * The table below is the whole list; VERSION advertises each name with
 * its version string, as OpenSSH's server does.  An unknown name gets
 * OP_UNSUPPORTED.  Payloads (after the name) are written above each
 * handler; EXTENDED_REPLY is uint32 id followed by the reply's data.
 */
#include "sftp_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"

#define COPY_CHUNK (64u * 1024u)
#define MAX_IDS 1024u   /* users-groups-by-id: ids per request */

/* posix-rename@openssh.com: string oldpath, string newpath -> STATUS
 * (rename(2): replaces newpath) */
static void ext_posix_rename(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char from[PATH_MAX];
    char to[PATH_MAX];

    wire_path(r, from, sizeof(from));
    wire_path(r, to, sizeof(to));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "posix-rename");
        return;
    }
    if (refuse_read_only(s, id, "posix-rename")) {
        return;
    }
    log_info("posix-rename old \"%s\" new \"%s\"", from, to);
    reply_errno(s, id, rename(from, to) < 0 ? errno : 0);
}

/* hardlink@openssh.com: string oldpath, string newpath -> STATUS */
static void ext_hardlink(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char from[PATH_MAX];
    char to[PATH_MAX];

    wire_path(r, from, sizeof(from));
    wire_path(r, to, sizeof(to));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "hardlink");
        return;
    }
    if (refuse_read_only(s, id, "hardlink")) {
        return;
    }
    log_info("hardlink old \"%s\" new \"%s\"", from, to);
    reply_errno(s, id, link(from, to) < 0 ? errno : 0);
}

/* The statvfs reply: uint64 f_bsize, f_frsize, f_blocks, f_bfree,
 * f_bavail, f_files, f_ffree, f_favail, f_fsid, f_flag (1 read-only,
 * 2 nosuid), f_namemax. */
static void reply_statvfs(struct sftp_server *s, uint32_t id, const struct statvfs *v)
{
    uint64_t flag = ((v->f_flag & ST_RDONLY) ? 1u : 0u) | ((v->f_flag & ST_NOSUID) ? 2u : 0u);
    uint64_t f[] = { v->f_bsize, v->f_frsize, v->f_blocks, v->f_bfree, v->f_bavail, v->f_files,
                     v->f_ffree, v->f_favail, v->f_fsid, flag, v->f_namemax };

    wire_begin(&s->out, FXP_EXTENDED_REPLY);
    wire_put_u32(&s->out, id);
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        wire_put_u64(&s->out, f[i]);
    }
    wire_end(&s->out);
}

/* statvfs@openssh.com: string path -> EXTENDED_REPLY (statvfs), or STATUS */
static void ext_statvfs(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char path[PATH_MAX];
    struct statvfs v;

    wire_path(r, path, sizeof(path));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "statvfs");
        return;
    }
    if (statvfs(path, &v) < 0) {
        reply_errno(s, id, errno);
        return;
    }
    reply_statvfs(s, id, &v);
}

/* fstatvfs@openssh.com: string handle -> EXTENDED_REPLY (statvfs), or STATUS */
static void ext_fstatvfs(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *h = handles_read(&s->handles, r, HK_FILE);
    struct statvfs v;

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "fstatvfs");
        return;
    }
    if (h == NULL) {
        reply_status(s, id, FX_FAILURE);
        return;
    }
    if (fstatvfs(h->fd, &v) < 0) {
        reply_errno(s, id, errno);
        return;
    }
    reply_statvfs(s, id, &v);
}

/* fsync@openssh.com: string handle -> STATUS */
static void ext_fsync(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *h = handles_read(&s->handles, r, HK_FILE);

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "fsync");
        return;
    }
    if (h == NULL) {
        reply_status(s, id, FX_FAILURE);
        return;
    }
    reply_errno(s, id, fsync(h->fd) < 0 ? errno : 0);
}

/* lsetstat@openssh.com: string path, ATTRS -> STATUS (SETSTAT on the
 * symlink itself; a size is refused: links have none) */
static void ext_lsetstat(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    sftp_setstat(s, id, r, AT_LINK);
}

/* limits@openssh.com: (nothing) -> EXTENDED_REPLY uint64
 * max-packet-length, max-read-length, max-write-length, max-open-handles */
static void ext_limits(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    wire_begin(&s->out, FXP_EXTENDED_REPLY);
    wire_put_u32(&s->out, id);
    wire_put_u64(&s->out, SFTP_MAX_MSG);
    wire_put_u64(&s->out, SFTP_MAX_RW);
    wire_put_u64(&s->out, SFTP_MAX_RW);
    wire_put_u64(&s->out, SFTP_MAX_HANDLES - handles_used(&s->handles));
    wire_end(&s->out);
}

/* "~", "~/rest", "~user", "~user/rest" with the home directory; other
 * paths unchanged.  0 or an errno value. */
static int expand_tilde(const struct sftp_server *s, const char *path, char *out, size_t cap)
{
    const struct sftp_options *o = s->opt;
    const char *slash = strchr(path, '/');
    const char *home = o->home;
    char user[256];
    size_t ulen;

    if (path[0] != '~') {
        return snprintf(out, cap, "%s", path) >= (int)cap ? ENAMETOOLONG : 0;
    }
    ulen = slash ? (size_t)(slash - path - 1) : strlen(path + 1);
    if (ulen >= sizeof(user)) {
        return ENOENT;
    }
    memcpy(user, path + 1, ulen);
    user[ulen] = '\0';
    if (ulen > 0) {
        home = o->names.home ? o->names.home(user, o->names.ctx) : NULL;
    }
    if (home == NULL) {
        return ENOENT;
    }
    return snprintf(out, cap, "%s%s", home, slash ? slash : "") >= (int)cap ? ENAMETOOLONG : 0;
}

/* expand-path@openssh.com: string path -> NAME (one entry: ~ expanded,
 * then canonical as REALPATH), or STATUS */
static void ext_expand_path(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char path[PATH_MAX];
    char expanded[PATH_MAX];
    char real[PATH_MAX];
    int err;

    wire_path(r, path, sizeof(path));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "expand-path");
        return;
    }
    err = expand_tilde(s, path, expanded, sizeof(expanded));
    if (err == 0) {
        err = sftp_realpath(expanded, real);
    }
    if (err != 0) {
        reply_errno(s, id, err);
        return;
    }
    reply_name1(s, id, real);
}

/* home-directory: string username ("" is the logged-in user)
 *   -> NAME (one entry), or STATUS */
static void ext_home_directory(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char user[256];
    const struct sftp_options *o = s->opt;
    const char *home;

    wire_path(r, user, sizeof(user));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "home-directory");
        return;
    }
    home = user[0] == '\0' ? o->home
           : o->names.home ? o->names.home(user, o->names.ctx) : NULL;
    if (home == NULL) {
        reply_status(s, id, FX_NO_SUCH_FILE);
        return;
    }
    reply_name1(s, id, home);
}

/* Copy len bytes (0: to the end) from rfd at roff to wfd at woff.
 * 0 or an errno value; a short write is an error. */
static int copy_range(int rfd, uint64_t roff, uint64_t len, int wfd, uint64_t woff)
{
    unsigned char *buf = malloc(COPY_CHUNK);
    int err = buf == NULL ? ENOMEM : 0;

    for (uint64_t done = 0; err == 0 && (len == 0 || done < len);) {
        size_t want = len == 0 || len - done > COPY_CHUNK ? COPY_CHUNK : (size_t)(len - done);
        ssize_t n = pread(rfd, buf, want, (off_t)(roff + done));
        ssize_t w = 0;

        if (n <= 0) {
            err = n < 0 && errno != EINTR ? errno : 0;
            if (n == 0 || err != 0) {
                break;
            }
            continue;
        }
        for (ssize_t k = 0; err == 0 && k < n; k += w) {
            w = pwrite(wfd, buf + k, (size_t)(n - k), (off_t)(woff + done + (uint64_t)k));
            err = w < 0 && errno != EINTR ? errno : w == 0 ? ENOSPC : 0;
            w = w < 0 ? 0 : w;
        }
        done += (uint64_t)n;
    }
    free(buf);
    return err;
}

/* copy-data: string read-from-handle, uint64 read-from-offset,
 *   uint64 read-data-length (0: to the end of the file),
 *   string write-to-handle, uint64 write-to-offset -> STATUS
 * The read handle must be open for reading, the write handle for
 * writing; the same handle may not copy onto an overlapping range. */
static void ext_copy_data(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *rh = handles_read(&s->handles, r, HK_FILE);
    uint64_t roff = wire_u64(r);
    uint64_t len = wire_u64(r);
    struct sftp_handle *wh = handles_read(&s->handles, r, HK_FILE);
    uint64_t woff = wire_u64(r);

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "copy-data");
        return;
    }
    if (refuse_read_only(s, id, "copy-data")) {
        return;
    }
    if (rh == NULL || wh == NULL || !(rh->pflags & FXF_READ) || !(wh->pflags & FXF_WRITE) ||
        roff > (uint64_t)INT64_MAX / 2 || woff > (uint64_t)INT64_MAX / 2 ||
        len > (uint64_t)INT64_MAX / 2 ||
        (rh == wh && (len == 0 || (roff < woff + len && woff < roff + len)))) {
        reply_status(s, id, FX_FAILURE);
        return;
    }
    log_info("copy-data from \"%s\" to \"%s\"", rh->path, wh->path);
    reply_errno(s, id, copy_range(rh->fd, roff, len, wh->fd, woff));
}

/* A string of packed uint32 ids (its length a multiple of 4, at most
 * MAX_IDS ids); *n is the count.  NULL sets r's error. */
static const unsigned char *read_ids(struct sshrd *r, size_t *n)
{
    size_t len = 0;
    const unsigned char *p = sshrd_string(r, &len);

    if (p != NULL && (len % 4 != 0 || len / 4 > MAX_IDS)) {
        r->err = 1;
        return NULL;
    }
    *n = len / 4;
    return p;
}

/* The names of packed ids, as one string holding a string per id ("" for
 * an unknown id). */
static void put_names(struct sftp_server *s, const unsigned char *ids, size_t n, int groups)
{
    const struct sftp_names *nm = &s->opt->names;
    size_t at = s->out.len;

    wire_put_u32(&s->out, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)ids[4 * i] << 24 | (uint32_t)ids[4 * i + 1] << 16 |
                     (uint32_t)ids[4 * i + 2] << 8 | ids[4 * i + 3];
        const char *name = groups ? (nm->group ? nm->group((gid_t)v, nm->ctx) : NULL)
                                  : (nm->user ? nm->user((uid_t)v, nm->ctx) : NULL);

        wire_put_cstring(&s->out, name ? name : "");
    }
    wire_patch_u32(&s->out, at, (uint32_t)(s->out.len - at - 4));
}

/* users-groups-by-id@openssh.com: string uids, string gids (each packed
 * uint32s) -> EXTENDED_REPLY string usernames, string groupnames (each a
 * sequence of strings, in the order asked; "" when unknown).  Names come
 * from fallbackd's passwd/group cache. */
static void ext_users_groups(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    size_t nu = 0;
    size_t ng = 0;
    const unsigned char *uids = read_ids(r, &nu);
    const unsigned char *gids = read_ids(r, &ng);

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "users-groups-by-id");
        return;
    }
    wire_begin(&s->out, FXP_EXTENDED_REPLY);
    wire_put_u32(&s->out, id);
    put_names(s, uids, nu, 0);
    put_names(s, gids, ng, 1);
    wire_end(&s->out);
}

static const struct {
    const char *name;
    const char *version;        /* advertised in VERSION */
    sftp_handler fn;
} extensions[] = {
    { "posix-rename@openssh.com", "1", ext_posix_rename },
    { "statvfs@openssh.com", "2", ext_statvfs },
    { "fstatvfs@openssh.com", "2", ext_fstatvfs },
    { "hardlink@openssh.com", "1", ext_hardlink },
    { "fsync@openssh.com", "1", ext_fsync },
    { "lsetstat@openssh.com", "1", ext_lsetstat },
    { "limits@openssh.com", "1", ext_limits },
    { "expand-path@openssh.com", "1", ext_expand_path },
    { "copy-data", "1", ext_copy_data },
    { "home-directory", "1", ext_home_directory },
    { "users-groups-by-id@openssh.com", "1", ext_users_groups },
};

void ext_advertise(struct wire_out *o)
{
    for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
        wire_put_cstring(o, extensions[i].name);
        wire_put_cstring(o, extensions[i].version);
    }
}

void op_extended(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    size_t n = 0;
    const unsigned char *name = sshrd_string(r, &n);

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "extended");
        return;
    }
    for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
        if (strlen(extensions[i].name) == n && memcmp(extensions[i].name, name, n) == 0) {
            log_debug("request %u: extended %s", id, extensions[i].name);
            extensions[i].fn(s, id, r);
            return;
        }
    }
    log_verbose("request %u: unsupported extended request \"%.*s\"", id,
                (int)(n > 64 ? 64 : n), name);
    reply_status(s, id, FX_OP_UNSUPPORTED);
}
