/* ops_dir.c - SFTP requests on directories and names: OPENDIR, READDIR,
 * MKDIR, RMDIR, REALPATH, READLINK, SYMLINK.  Payloads (after the uint32
 * request id) are written above each handler. */
#include "sftp_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attrs.h"
#include "log.h"
#include "longname.h"
#include "proto.h"

#define READDIR_MAX_ENTRIES 128
#define READDIR_MAX_BYTES (64u * 1024u)

/* OPENDIR: string path -> HANDLE, or STATUS */
void op_opendir(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char path[PATH_MAX];
    struct sftp_handle *h;
    DIR *d;

    wire_path(r, path, sizeof(path));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "opendir");
        return;
    }
    log_info("opendir \"%s\"", path);
    d = opendir(path);
    if (d == NULL) {
        reply_errno(s, id, errno);
        return;
    }
    h = handles_add(&s->handles, HK_DIR, -1, d, 0, path);
    if (h == NULL) {
        log_error("opendir \"%s\": too many open handles", path);
        closedir(d);
        reply_status(s, id, FX_FAILURE);
        return;
    }
    reply_handle(s, id, h);
}

/* Append one NAME entry: string filename, string longname, ATTRS.
 * Returns 0, or -1 if the entry vanished (it is skipped). */
static int put_entry(struct sftp_server *s, DIR *d, const char *name, time_t now)
{
    char line[1024];
    struct sftp_attrs a;
    struct stat st;

    if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        return -1;
    }
    longname_format(line, sizeof(line), name, &st, &s->opt->names, now);
    attrs_from_stat(&a, &st);
    wire_put_cstring(&s->out, name);
    wire_put_cstring(&s->out, line);
    attrs_encode(&s->out, &a);
    return 0;
}

/* READDIR: string handle
 *   -> NAME (uint32 count, count * (string filename, string longname,
 *      ATTRS)), at most READDIR_MAX_ENTRIES entries or about
 *      READDIR_MAX_BYTES; STATUS EOF once the directory is exhausted */
void op_readdir(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    struct sftp_handle *h = handles_read(&s->handles, r, HK_DIR);
    time_t now = time(NULL);
    uint32_t count = 0;
    size_t count_at;
    int err = 0;

    if (!sshrd_ok(r)) {
        reply_bad(s, id, "readdir");
        return;
    }
    if (h == NULL) {
        reply_status(s, id, FX_FAILURE);
        return;
    }
    wire_begin(&s->out, FXP_NAME);
    wire_put_u32(&s->out, id);
    count_at = s->out.len;
    wire_put_u32(&s->out, 0);
    while (count < READDIR_MAX_ENTRIES && wire_packet_len(&s->out) < READDIR_MAX_BYTES) {
        struct dirent *de;

        errno = 0;
        de = readdir(h->dir);
        if (de == NULL) {
            err = errno;
            break;
        }
        count += put_entry(s, h->dir, de->d_name, now) == 0;
    }
    if (count == 0) {
        wire_cancel(&s->out);
        reply_status(s, id, err != 0 ? sftp_errno_status(err) : FX_EOF);
        return;
    }
    wire_patch_u32(&s->out, count_at, count);
    wire_end(&s->out);
}

/* MKDIR: string path, ATTRS -> STATUS (mode from the permissions, else
 * 0777, less the umask) */
void op_mkdir(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char path[PATH_MAX];
    struct sftp_attrs a;
    mode_t mode;

    wire_path(r, path, sizeof(path));
    attrs_decode(r, &a);
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "mkdir");
        return;
    }
    if (refuse_read_only(s, id, "mkdir")) {
        return;
    }
    mode = (a.flags & ATTR_PERMISSIONS) ? (mode_t)(a.perm & 07777) : 0777;
    log_info("mkdir name \"%s\" mode 0%o", path, (unsigned)mode);
    reply_errno(s, id, mkdir(path, mode) < 0 ? errno : 0);
}

/* RMDIR: string path -> STATUS */
void op_rmdir(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char path[PATH_MAX];

    wire_path(r, path, sizeof(path));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "rmdir");
        return;
    }
    if (refuse_read_only(s, id, "rmdir")) {
        return;
    }
    log_info("rmdir name \"%s\"", path);
    reply_errno(s, id, rmdir(path) < 0 ? errno : 0);
}

/* PATH's directory part canonical, joined with its last component, which
 * does not exist (yet).  Clients canonicalize a name before creating it
 * (scp -r asks for the directory it is about to make), and OpenSSH's
 * server allows exactly that one missing component. */
static int realpath_of_new(const char *path, char *out)
{
    char dir[PATH_MAX];
    const char *base = dir;
    char *slash;
    size_t len = strlen(path);

    if (len >= sizeof(dir)) {
        return ENAMETOOLONG;
    }
    memcpy(dir, path, len + 1);
    while (len > 1 && dir[len - 1] == '/') {
        dir[--len] = '\0';
    }
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        base = slash + 1;
    }
    if (strcmp(base, "") == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        return ENOENT;
    }
    if (realpath(slash == NULL ? "." : dir[0] != '\0' ? dir : "/", out) == NULL) {
        return errno;
    }
    len = strlen(out);
    if (len + 1 + strlen(base) >= PATH_MAX) {
        return ENAMETOOLONG;
    }
    snprintf(out + len, PATH_MAX - len, "%s%s", len > 1 ? "/" : "", base);
    return 0;
}

int sftp_realpath(const char *path, char *out)
{
    if (path[0] == '\0') {
        path = ".";
    }
    if (realpath(path, out) != NULL) {
        return 0;
    }
    return errno == ENOENT ? realpath_of_new(path, out) : errno;
}

/* The target of the symlink PATH into out (PATH_MAX); 0 or an errno. */
static int read_link(const char *path, char *out)
{
    ssize_t n = readlink(path, out, PATH_MAX - 1);

    if (n < 0) {
        return errno;
    }
    out[n] = '\0';
    return 0;
}

/* A request of one path answered with one name: resolve(path) or STATUS. */
static void path_to_name(struct sftp_server *s, uint32_t id, struct sshrd *r, const char *what,
                         int (*resolve)(const char *path, char *out))
{
    char path[PATH_MAX];
    char out[PATH_MAX];
    int err;

    wire_path(r, path, sizeof(path));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, what);
        return;
    }
    err = resolve(path, out);
    if (err != 0) {
        reply_errno(s, id, err);
        return;
    }
    reply_name1(s, id, out);
}

/* REALPATH: string path -> NAME (one entry: the canonical absolute path),
 * or STATUS */
void op_realpath(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    path_to_name(s, id, r, "realpath", sftp_realpath);
}

/* READLINK: string path -> NAME (one entry: the link's target), or STATUS */
void op_readlink(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    path_to_name(s, id, r, "readlink", read_link);
}

/* SYMLINK: string targetpath, string linkpath -> STATUS (OpenSSH's order)
 *          string linkpath, string targetpath -> STATUS (the draft's order)
 *
 * draft-ietf-secsh-filexfer-02 names linkpath first.  OpenSSH's server and
 * client swapped the two long ago, and most clients follow OpenSSH
 * whatever the server; a few follow the draft unless the server's version
 * line says OpenSSH, which ours does not.  Which order a client uses can
 * only be told from its own version line (the network process relays it
 * from the key exchange; sftp_symlink_draft_order() below):
 *
 *   client's version line      | its SYMLINK to a non-OpenSSH server   | we read
 *   ---------------------------+---------------------------------------+----------
 *   SSH-2.0-AsyncSSH_...       | draft, unless the server's version    | draft
 *                              |   line holds "OpenSSH" or "paramiko"  |
 *                              |   (asyncssh 2.10, sftp.py)            |
 *   SSH-2.0-libssh_...         | draft, unless the server's version    | draft
 *                              |   line holds "OpenSSH" (libssh 0.12,  |
 *                              |   sftp_symlink())                     |
 *   SSH-2.0-OpenSSH_...        | target first, always                  | OpenSSH
 *   SSH-2.0-paramiko_...       | target first, always                  | OpenSSH
 *   SSH-2.0-libssh2_...        | target first, always (libssh2 1.10,   | OpenSSH
 *                              |   curl 7.88 -Q symlink)               |
 *   SSH-2.0-PuTTY_...          | none: psftp 0.78 has no symlink       | OpenSSH
 *   anything else, or none     | (OpenSSH's order is what most send)   | OpenSSH
 *
 * tests/integration/test_sftp.py drives every client of the table that
 * can make a link.  A client that sets its own version line (asyncssh's
 * client_version) gets OpenSSH's order. */
int sftp_symlink_draft_order(const char *client_version)
{
    static const char *const draft[] = { "AsyncSSH_", "libssh_" };
    const char *soft;

    if (client_version == NULL || strncmp(client_version, "SSH-", 4) != 0 ||
        (soft = strchr(client_version + 4, '-')) == NULL) {
        return 0;
    }
    soft++;
    for (size_t i = 0; i < sizeof(draft) / sizeof(draft[0]); i++) {
        if (strncmp(soft, draft[i], strlen(draft[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

void op_symlink(struct sftp_server *s, uint32_t id, struct sshrd *r)
{
    char first[PATH_MAX];
    char second[PATH_MAX];
    const char *target = s->opt->symlink_draft ? second : first;
    const char *link = s->opt->symlink_draft ? first : second;

    wire_path(r, first, sizeof(first));
    wire_path(r, second, sizeof(second));
    if (!sshrd_ok(r)) {
        reply_bad(s, id, "symlink");
        return;
    }
    if (refuse_read_only(s, id, "symlink")) {
        return;
    }
    log_info("symlink old \"%s\" new \"%s\"", target, link);
    reply_errno(s, id, symlink(target, link) < 0 ? errno : 0);
}
