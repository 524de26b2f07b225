/* test_sftp_ops.c - every SFTP request of the built-in server, fed to its
 * dispatcher in a temporary directory: v3 requests, the OpenSSH
 * extensions, malformed payloads, read-only mode and partial writes
 * (fallbackd/sftp/{dispatch,ops_*,reply}.c). */
#include "sftp_harness.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

static struct harness H;

static void setup(void)
{
    harness_start(&H, 0);
}

static void teardown(void)
{
    harness_stop(&H);
}

TestSuite(sftp_ops, .init = setup, .fini = teardown);

/* READ handle at off, len; returns the DATA length (data in *out) or -1
 * with the status in *status. */
static long do_read(const unsigned char *hd, uint64_t off, uint32_t len,
                    const unsigned char **out, uint32_t *status)
{
    struct sshbuf b = SSHBUF_INIT;
    size_t n = 0;

    sshbuf_put_string(&b, hd, 8);
    put_u64(&b, off);
    sshbuf_put_u32(&b, len);
    harness_req(&H, FXP_READ, &b);
    if (H.type == FXP_STATUS) {
        *status = sshrd_u32(&H.r);
        return -1;
    }
    cr_assert_eq(H.type, FXP_DATA);
    *out = sshrd_string(&H.r, &n);
    return (long)n;
}

static uint32_t do_write(const unsigned char *hd, uint64_t off, const void *p, size_t n)
{
    struct sshbuf b = SSHBUF_INIT;

    sshbuf_put_string(&b, hd, 8);
    put_u64(&b, off);
    sshbuf_put_string(&b, p, n);
    harness_req(&H, FXP_WRITE, &b);
    return harness_status(&H);
}

static uint32_t two_paths(uint8_t type, const char *a, const char *b2)
{
    struct sshbuf b = SSHBUF_INIT;

    sshbuf_put_cstring(&b, a);
    sshbuf_put_cstring(&b, b2);
    harness_req(&H, type, &b);
    return harness_status(&H);
}

/* An EXTENDED request: name, then the bytes of b (freed). */
static void ext_req(const char *name, struct sshbuf *b)
{
    struct sshbuf p = SSHBUF_INIT;

    sshbuf_put_cstring(&p, name);
    sshbuf_put(&p, b->data, b->len);
    sshbuf_free(b);
    harness_req(&H, FXP_EXTENDED, &p);
}

static uint32_t ext_two_paths(const char *name, const char *a, const char *b2)
{
    struct sshbuf b = SSHBUF_INIT;

    sshbuf_put_cstring(&b, a);
    sshbuf_put_cstring(&b, b2);
    ext_req(name, &b);
    return harness_status(&H);
}

static char *name1(void)
{
    size_t n = 0;
    const unsigned char *p;
    static char out[PATH_MAX];

    cr_assert_eq(H.type, FXP_NAME, "reply %u, not NAME", H.type);
    cr_assert_eq(sshrd_u32(&H.r), 1);
    p = sshrd_string(&H.r, &n);
    cr_assert(n < sizeof(out));
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

Test(sftp_ops, version_3_with_the_extensions)
{
    static const char *const want[] = {
        "posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com",
        "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com",
        "limits@openssh.com", "expand-path@openssh.com", "copy-data", "home-directory",
        "users-groups-by-id@openssh.com",
    };
    size_t found = 0;

    harness_take(&H);
    cr_assert_eq(H.type, FXP_VERSION);
    sshrd_init(&H.r, H.reply + 1, H.reply_len - 1);
    cr_expect_eq(sshrd_u32(&H.r), 3);
    while (sshrd_left(&H.r) > 0) {
        size_t n = 0;
        const unsigned char *name = sshrd_string(&H.r, &n);

        sshrd_string(&H.r, &n);
        cr_assert(sshrd_ok(&H.r));
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
            found += strncmp((const char *)name, want[i], strlen(want[i])) == 0;
        }
    }
    cr_expect_eq(found, sizeof(want) / sizeof(want[0]));
}

Test(sftp_ops, duplicate_init_ends_the_session)
{
    static const unsigned char init[] = { FXP_INIT, 0, 0, 0, 3 };

    sftp_dispatch(&H.s, init, sizeof(init));
    cr_expect_str_eq(H.s.fatal, "duplicate INIT");
}

Test(sftp_ops, request_before_init_ends_the_session)
{
    static const unsigned char stat[] = { FXP_STAT, 0, 0, 0, 1, 0, 0, 0, 1, '.' };
    struct sftp_server s;

    sftp_server_init(&s, &H.opt);
    sftp_dispatch(&s, stat, sizeof(stat));
    cr_expect_str_eq(s.fatal, "request before INIT");
    cr_expect_eq(s.out.len, 0);
    sftp_server_free(&s);
}

Test(sftp_ops, write_read_close_round_trip)
{
    unsigned char hd[8];
    const unsigned char *data;
    uint32_t st = 99;
    struct stat sb;

    harness_take(&H);
    harness_open(&H, "f", FXF_WRITE | FXF_CREAT | FXF_TRUNC, 0600, hd);
    cr_expect_eq(do_write(hd, 0, "hello ", 6), FX_OK);
    cr_expect_eq(do_write(hd, 6, "world", 5), FX_OK);
    harness_handle_req(&H, FXP_CLOSE, hd);
    cr_expect_eq(harness_status(&H), FX_OK);
    cr_assert_eq(stat("f", &sb), 0);
    cr_expect_eq(sb.st_size, 11);
    cr_expect_eq(sb.st_mode & 0777, 0600 & ~(mode_t)umask(umask(0)));
    harness_handle_req(&H, FXP_CLOSE, hd);
    cr_expect_eq(harness_status(&H), FX_FAILURE, "a closed handle is gone");
    harness_open(&H, "f", FXF_READ, -1, hd);
    cr_assert_eq(do_read(hd, 0, 100, &data, &st), 11);
    cr_expect_eq(memcmp(data, "hello world", 11), 0);
    cr_assert_eq(do_read(hd, 6, 3, &data, &st), 3);
    cr_expect_eq(memcmp(data, "wor", 3), 0);
    cr_expect_eq(do_read(hd, 11, 10, &data, &st), -1);
    cr_expect_eq(st, FX_EOF);
    cr_expect_eq(do_write(hd, 0, "x", 1), FX_NO_SUCH_FILE, "read-only fd: EBADF");
}

Test(sftp_ops, read_is_capped_below_the_client_packet_limit)
{
    unsigned char hd[8];
    const unsigned char *data;
    uint32_t st;
    FILE *f = fopen("big", "w");

    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), 1 << 20), 0);
    fclose(f);
    harness_take(&H);
    harness_open(&H, "big", FXF_READ, -1, hd);
    cr_expect_eq(do_read(hd, 0, 1 << 20, &data, &st), SFTP_MAX_RW);
    cr_expect_leq(H.reply_len + 4, SFTP_MAX_MSG, "OpenSSH refuses longer packets");
}

Test(sftp_ops, open_errors)
{
    unsigned char hd[8];
    struct sshbuf b = SSHBUF_INIT;

    harness_take(&H);
    harness_file("exists", "x");
    sshbuf_put_cstring(&b, "nosuch");
    sshbuf_put_u32(&b, FXF_READ);
    sshbuf_put_u32(&b, 0);
    harness_req(&H, FXP_OPEN, &b);
    cr_expect_eq(harness_status(&H), FX_NO_SUCH_FILE);
    sshbuf_put_cstring(&b, "exists");
    sshbuf_put_u32(&b, FXF_WRITE | FXF_CREAT | FXF_EXCL);
    sshbuf_put_u32(&b, 0);
    harness_req(&H, FXP_OPEN, &b);
    cr_expect_eq(harness_status(&H), FX_FAILURE);
    harness_open(&H, "exists", FXF_WRITE | FXF_APPEND, -1, hd);
    cr_expect_eq(do_write(hd, 0, "yz", 2), FX_OK);
    harness_handle_req(&H, FXP_CLOSE, hd);
    harness_status(&H);
    harness_path_req(&H, FXP_STAT, "exists");
    cr_assert_eq(H.type, FXP_ATTRS);
    cr_expect_eq(sshrd_u32(&H.r) & ATTR_SIZE, ATTR_SIZE);
    cr_expect_eq(wire_u64(&H.r), 3, "APPEND appends whatever the offset");
}

/* SYMLINK with FIRST then SECOND (it must succeed); what READLINK of LINK
 * answers. */
static const char *symlink_then_readlink(const char *first, const char *second,
                                         const char *link)
{
    cr_expect_eq(two_paths(FXP_SYMLINK, first, second), FX_OK, "SYMLINK %s %s", first, second);
    harness_path_req(&H, FXP_READLINK, link);
    return name1();
}

/* A client that sends the draft's order (asyncssh, libssh: see the table
 * beside op_symlink) gets its link made the way it asked. */
Test(sftp_ops, symlink_in_the_drafts_order)
{
    struct stat st;

    harness_take(&H);
    harness_file("target", "12345");
    H.opt.symlink_draft = 1;
    cr_expect_str_eq(symlink_then_readlink("link", "target", "link"), "target",
                     "first the link, then the target (the draft's order)");
    cr_expect(lstat("target", &st) == 0 && S_ISREG(st.st_mode), "the target was left alone");
    cr_expect_eq(two_paths(FXP_SYMLINK, "link", "elsewhere"), FX_FAILURE,
                 "an existing link is not replaced (EEXIST)");
    H.opt.symlink_draft = 0;
    cr_expect_str_eq(symlink_then_readlink("target", "link2", "link2"), "target",
                     "OpenSSH's order again once the flag is off");
}

Test(sftp_ops, stat_lstat_fstat_readlink_symlink)
{
    unsigned char hd[8];
    uint32_t perm;

    harness_take(&H);
    harness_file("target", "12345");
    cr_expect_str_eq(symlink_then_readlink("target", "link", "link"), "target",
                     "first the target, then the link (OpenSSH's order)");
    harness_path_req(&H, FXP_STAT, "link");
    cr_assert_eq(H.type, FXP_ATTRS);
    sshrd_u32(&H.r);
    cr_expect_eq(wire_u64(&H.r), 5);
    harness_path_req(&H, FXP_LSTAT, "link");
    cr_assert_eq(H.type, FXP_ATTRS);
    sshrd_u32(&H.r);
    wire_u64(&H.r);
    cr_expect_eq(sshrd_u32(&H.r), getuid());
    sshrd_u32(&H.r);
    perm = sshrd_u32(&H.r);
    cr_expect(S_ISLNK(perm));
    harness_open(&H, "target", FXF_READ, -1, hd);
    harness_handle_req(&H, FXP_FSTAT, hd);
    cr_assert_eq(H.type, FXP_ATTRS);
    harness_path_req(&H, FXP_STAT, "nosuch");
    cr_expect_eq(harness_status(&H), FX_NO_SUCH_FILE);
}

Test(sftp_ops, setstat_and_fsetstat)
{
    unsigned char hd[8];
    struct sshbuf b = SSHBUF_INIT;
    struct stat sb;

    harness_take(&H);
    harness_file("f", "0123456789");
    sshbuf_put_cstring(&b, "f");
    sshbuf_put_u32(&b, ATTR_PERMISSIONS | ATTR_ACMODTIME);
    sshbuf_put_u32(&b, 0640);
    sshbuf_put_u32(&b, 1000000000u);
    sshbuf_put_u32(&b, 3000000000u);
    harness_req(&H, FXP_SETSTAT, &b);
    cr_expect_eq(harness_status(&H), FX_OK);
    cr_assert_eq(stat("f", &sb), 0);
    cr_expect_eq(sb.st_mode & 07777, 0640);
    cr_expect_eq(sb.st_mtime, (time_t)3000000000u, "unsigned 32-bit time");
    harness_open(&H, "f", FXF_WRITE, -1, hd);
    sshbuf_put_string(&b, hd, 8);
    sshbuf_put_u32(&b, ATTR_SIZE);
    put_u64(&b, 4);
    harness_req(&H, FXP_FSETSTAT, &b);
    cr_expect_eq(harness_status(&H), FX_OK);
    cr_assert_eq(stat("f", &sb), 0);
    cr_expect_eq(sb.st_size, 4);
}

Test(sftp_ops, directories)
{
    unsigned char hd[8];
    struct sshbuf b = SSHBUF_INIT;
    int seen_a = 0;
    int seen_dot = 0;
    struct stat sb;
    mode_t old = umask(022);

    harness_take(&H);
    sshbuf_put_cstring(&b, "d");
    sshbuf_put_u32(&b, ATTR_PERMISSIONS);
    sshbuf_put_u32(&b, 0777);
    harness_req(&H, FXP_MKDIR, &b);
    cr_expect_eq(harness_status(&H), FX_OK);
    cr_assert_eq(stat("d", &sb), 0);
    cr_expect_eq(sb.st_mode & 0777, 0755, "the umask applies");
    harness_file("d/a", "abc");
    harness_path_req(&H, FXP_OPENDIR, "d");
    cr_assert_eq(H.type, FXP_HANDLE);
    memcpy(hd, sshrd_string(&H.r, &(size_t){ 0 }), 8);
    for (;;) {
        uint32_t count;

        harness_handle_req(&H, FXP_READDIR, hd);
        if (H.type == FXP_STATUS) {
            cr_expect_eq(sshrd_u32(&H.r), FX_EOF);
            break;
        }
        cr_assert_eq(H.type, FXP_NAME);
        count = sshrd_u32(&H.r);
        for (uint32_t i = 0; i < count; i++) {
            size_t n = 0;
            size_t ln = 0;
            struct sftp_attrs a;
            const unsigned char *name = sshrd_string(&H.r, &n);
            const unsigned char *longname = sshrd_string(&H.r, &ln);

            attrs_decode(&H.r, &a);
            cr_assert(sshrd_ok(&H.r));
            seen_dot += n == 1 && name[0] == '.';
            if (n == 1 && name[0] == 'a') {
                seen_a = 1;
                cr_expect_eq(a.size, 3);
                cr_expect_eq(strncmp((const char *)longname, "-rw-r--r--    1 tester   testers ",
                                     33), 0, "%.*s", (int)ln, longname);
                cr_expect_eq(longname[ln - 2], ' ');
                cr_expect_eq(longname[ln - 1], 'a');
            }
        }
    }
    cr_expect(seen_a);
    cr_expect_eq(seen_dot, 1);
    harness_handle_req(&H, FXP_CLOSE, hd);
    cr_expect_eq(harness_status(&H), FX_OK);
    harness_path_req(&H, FXP_RMDIR, "d");
    cr_expect_eq(harness_status(&H), FX_FAILURE, "not empty");
    harness_path_req(&H, FXP_REMOVE, "d/a");
    cr_expect_eq(harness_status(&H), FX_OK);
    harness_path_req(&H, FXP_RMDIR, "d");
    cr_expect_eq(harness_status(&H), FX_OK);
    harness_path_req(&H, FXP_OPENDIR, "d");
    cr_expect_eq(harness_status(&H), FX_NO_SUCH_FILE);
    umask(old);
}

Test(sftp_ops, rename_keeps_an_existing_target_posix_rename_replaces)
{
    harness_take(&H);
    harness_file("a", "A");
    harness_file("b", "B");
    cr_expect_eq(two_paths(FXP_RENAME, "a", "b"), FX_FAILURE);
    cr_expect_eq(access("a", F_OK), 0);
    cr_expect_eq(two_paths(FXP_RENAME, "a", "c"), FX_OK);
    cr_expect_eq(access("c", F_OK), 0);
    cr_expect_eq(ext_two_paths("posix-rename@openssh.com", "c", "b"), FX_OK);
    cr_expect_eq(access("c", F_OK), -1);
    cr_expect_eq(ext_two_paths("hardlink@openssh.com", "b", "h"), FX_OK);
    cr_expect_eq(access("h", F_OK), 0);
}

Test(sftp_ops, realpath_and_expand_path)
{
    char real[PATH_MAX];
    char buf[PATH_MAX + 8];
    struct sshbuf b = SSHBUF_INIT;

    harness_take(&H);
    cr_assert_not_null(realpath(H.dir, real));
    harness_path_req(&H, FXP_REALPATH, "");
    cr_expect_str_eq(name1(), real);
    harness_path_req(&H, FXP_REALPATH, "./.");
    cr_expect_str_eq(name1(), real);
    harness_path_req(&H, FXP_REALPATH, "nosuch/x");
    cr_expect_eq(harness_status(&H), FX_NO_SUCH_FILE, "only the last component may be missing");
    harness_path_req(&H, FXP_REALPATH, "new");
    cr_expect_str_eq(name1(), strcat(strcpy(buf, real), "/new"), "a name about to be created");
    harness_path_req(&H, FXP_REALPATH, "./new/");
    cr_expect_str_eq(name1(), buf);
    harness_path_req(&H, FXP_REALPATH, "/nosuch-fbd-top");
    cr_expect_str_eq(name1(), "/nosuch-fbd-top");
    harness_path_req(&H, FXP_REALPATH, "nosuch/..");
    cr_expect_eq(harness_status(&H), FX_NO_SUCH_FILE);
    sshbuf_put_cstring(&b, "~");
    ext_req("expand-path@openssh.com", &b);
    cr_expect_str_eq(name1(), real, "~ is the home (the test directory)");
    sshbuf_put_cstring(&b, "~nosuch/x");
    ext_req("expand-path@openssh.com", &b);
    cr_expect_eq(harness_status(&H), FX_NO_SUCH_FILE);
    sshbuf_put_cstring(&b, "");
    ext_req("home-directory", &b);
    cr_expect_str_eq(name1(), H.dir);
    sshbuf_put_cstring(&b, "tester");
    ext_req("home-directory", &b);
    cr_expect_str_eq(name1(), "/home/tester");
}

Test(sftp_ops, limits_statvfs_fsync_lsetstat)
{
    unsigned char hd[8];
    struct sshbuf b = SSHBUF_INIT;

    harness_take(&H);
    ext_req("limits@openssh.com", &b);
    cr_assert_eq(H.type, FXP_EXTENDED_REPLY);
    cr_expect_eq(wire_u64(&H.r), SFTP_MAX_MSG);
    cr_expect_eq(wire_u64(&H.r), SFTP_MAX_RW);
    cr_expect_eq(wire_u64(&H.r), SFTP_MAX_RW);
    cr_expect_eq(wire_u64(&H.r), SFTP_MAX_HANDLES);
    sshbuf_put_cstring(&b, ".");
    ext_req("statvfs@openssh.com", &b);
    cr_assert_eq(H.type, FXP_EXTENDED_REPLY);
    cr_expect_eq(sshrd_left(&H.r), 11 * 8);
    cr_expect_gt(wire_u64(&H.r), 0, "f_bsize");
    harness_open(&H, "f", FXF_WRITE | FXF_CREAT, -1, hd);
    sshbuf_put_string(&b, hd, 8);
    ext_req("fsync@openssh.com", &b);
    cr_expect_eq(harness_status(&H), FX_OK);
    sshbuf_put_string(&b, hd, 8);
    ext_req("fstatvfs@openssh.com", &b);
    cr_expect_eq(H.type, FXP_EXTENDED_REPLY);
    cr_assert_eq(symlink("f", "l"), 0);
    sshbuf_put_cstring(&b, "l");
    sshbuf_put_u32(&b, ATTR_ACMODTIME);
    sshbuf_put_u32(&b, 1000);
    sshbuf_put_u32(&b, 2000);
    ext_req("lsetstat@openssh.com", &b);
    cr_expect_eq(harness_status(&H), FX_OK);
    {
        struct stat l;
        struct stat f;

        cr_assert_eq(lstat("l", &l), 0);
        cr_assert_eq(stat("f", &f), 0);
        cr_expect_eq(l.st_mtime, 2000, "the link's own time");
        cr_expect_neq(f.st_mtime, 2000, "not its target's");
    }
}

Test(sftp_ops, copy_data)
{
    unsigned char src[8];
    unsigned char dst[8];
    struct sshbuf b = SSHBUF_INIT;
    char buf[16] = "";
    FILE *f;

    harness_take(&H);
    harness_file("src", "0123456789");
    harness_open(&H, "src", FXF_READ, -1, src);
    harness_open(&H, "dst", FXF_WRITE | FXF_CREAT, -1, dst);
    sshbuf_put_string(&b, src, 8);
    put_u64(&b, 2);
    put_u64(&b, 0);
    sshbuf_put_string(&b, dst, 8);
    put_u64(&b, 1);
    ext_req("copy-data", &b);
    cr_expect_eq(harness_status(&H), FX_OK);
    f = fopen("dst", "r");
    cr_assert_not_null(f);
    cr_expect_eq(fread(buf, 1, sizeof(buf), f), 9);
    fclose(f);
    cr_expect_eq(memcmp(buf, "\0" "23456789", 9), 0);
    sshbuf_put_string(&b, dst, 8);
    put_u64(&b, 0);
    put_u64(&b, 4);
    sshbuf_put_string(&b, src, 8);
    put_u64(&b, 0);
    ext_req("copy-data", &b);
    cr_expect_eq(harness_status(&H), FX_FAILURE, "wrong directions");
}

Test(sftp_ops, users_groups_by_id_from_the_names_given)
{
    struct sshbuf b = SSHBUF_INIT;
    struct sshbuf ids = SSHBUF_INIT;
    struct sshrd r;
    size_t n = 0;
    const unsigned char *p;

    harness_take(&H);
    sshbuf_put_u32(&ids, getuid());
    sshbuf_put_u32(&ids, 4242424);
    sshbuf_put_string(&b, ids.data, ids.len);
    sshbuf_put_string(&b, ids.data, 4);
    sshbuf_free(&ids);
    sshbuf_put_u32(&ids, getgid());
    ext_req("users-groups-by-id@openssh.com", &b);
    sshbuf_free(&ids);
    cr_assert_eq(H.type, FXP_EXTENDED_REPLY);
    p = sshrd_string(&H.r, &n);
    sshrd_init(&r, p, n);
    p = sshrd_string(&r, &n);
    cr_expect_eq(n, 6);
    cr_expect_eq(memcmp(p, "tester", 6), 0);
    sshrd_string(&r, &n);
    cr_expect(sshrd_ok(&r));
    cr_expect_eq(n, 0, "unknown id: empty name");
    p = sshrd_string(&H.r, &n);
    cr_expect_eq(n, 4 + 7, "one group name (testers)");
    sshbuf_put_string(&b, "abc", 3);
    sshbuf_put_string(&b, "", 0);
    ext_req("users-groups-by-id@openssh.com", &b);
    cr_expect_eq(harness_status(&H), FX_BAD_MESSAGE, "ids not a multiple of 4 bytes");
}

Test(sftp_ops, unknown_requests_and_extensions)
{
    struct sshbuf b = SSHBUF_INIT;

    harness_take(&H);
    ext_req("nosuch@example.com", &b);
    cr_expect_eq(harness_status(&H), FX_OP_UNSUPPORTED);
    sshbuf_put_u32(&b, 1);
    harness_req(&H, 77, &b);
    cr_expect_eq(harness_status(&H), FX_OP_UNSUPPORTED);
}

Test(sftp_ops, every_malformed_request_gets_bad_message)
{
    static const uint8_t types[] = {
        FXP_OPEN, FXP_CLOSE, FXP_READ, FXP_WRITE, FXP_LSTAT, FXP_FSTAT, FXP_SETSTAT,
        FXP_FSETSTAT, FXP_OPENDIR, FXP_READDIR, FXP_REMOVE, FXP_MKDIR, FXP_RMDIR,
        FXP_REALPATH, FXP_STAT, FXP_RENAME, FXP_READLINK, FXP_SYMLINK, FXP_EXTENDED,
    };
    static const char *const exts[] = {
        "posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com",
        "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com",
        "expand-path@openssh.com", "copy-data", "home-directory",
        "users-groups-by-id@openssh.com",
    };
    struct sshbuf b = SSHBUF_INIT;

    harness_take(&H);
    for (size_t i = 0; i < sizeof(types); i++) {
        sshbuf_put_u32(&b, 1000);   /* a string longer than the packet */
        harness_req(&H, types[i], &b);
        cr_expect_eq(harness_status(&H), FX_BAD_MESSAGE, "type %u", types[i]);
    }
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        sshbuf_put_u32(&b, 1000);
        ext_req(exts[i], &b);
        cr_expect_eq(harness_status(&H), FX_BAD_MESSAGE, "%s", exts[i]);
    }
    sshbuf_put_u32(&b, 3);
    sshbuf_put(&b, "a\0b", 3);
    harness_req(&H, FXP_STAT, &b);
    cr_expect_eq(harness_status(&H), FX_BAD_MESSAGE, "NUL inside a path");
}

Test(sftp_ops, unknown_handles_get_failure)
{
    static const unsigned char bogus[8] = { 0, 0, 0, 1, 0, 0, 0, 9 };
    const unsigned char *data;
    uint32_t st = 0;

    harness_take(&H);
    cr_expect_eq(do_read(bogus, 0, 10, &data, &st), -1);
    cr_expect_eq(st, FX_FAILURE);
    cr_expect_eq(do_write(bogus, 0, "x", 1), FX_FAILURE);
    harness_handle_req(&H, FXP_READDIR, bogus);
    cr_expect_eq(harness_status(&H), FX_FAILURE);
}

Test(sftp_ops, too_many_handles_get_failure)
{
    unsigned char hd[8];
    struct sshbuf b = SSHBUF_INIT;

    harness_take(&H);
    harness_file("f", "x");
    for (size_t i = 0; i < SFTP_MAX_HANDLES; i++) {
        harness_open(&H, "f", FXF_READ, -1, hd);
    }
    sshbuf_put_cstring(&b, "f");
    sshbuf_put_u32(&b, FXF_READ);
    sshbuf_put_u32(&b, 0);
    harness_req(&H, FXP_OPEN, &b);
    cr_expect_eq(harness_status(&H), FX_FAILURE);
    harness_handle_req(&H, FXP_CLOSE, hd);
    cr_expect_eq(harness_status(&H), FX_OK);
    harness_open(&H, "f", FXF_READ, -1, hd);
}

/* A write the file system takes only in part is never reported as done:
 * RLIMIT_FSIZE lets the first pwrite write 1000 bytes, the next fails. */
Test(sftp_ops, partial_write_is_a_failure)
{
    static unsigned char data[4096];
    struct rlimit rl = { 1000, 1000 };
    unsigned char hd[8];
    struct stat sb;

    harness_take(&H);
    signal(SIGXFSZ, SIG_IGN);
    harness_open(&H, "f", FXF_WRITE | FXF_CREAT, -1, hd);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    cr_expect_eq(do_write(hd, 0, data, sizeof(data)), FX_FAILURE);
    cr_assert_eq(stat("f", &sb), 0);
    cr_expect_eq(sb.st_size, 1000, "the first part was written");
}

TestSuite(sftp_ro, .init = NULL);

Test(sftp_ro, read_only_refuses_every_change)
{
    static struct harness R;
    unsigned char hd[8];
    struct sshbuf b = SSHBUF_INIT;
    struct stat sb;

    harness_start(&R, 1);
    harness_take(&R);
    harness_file("f", "data");
    harness_file("g", "data");
    sshbuf_put_cstring(&b, "new");
    sshbuf_put_u32(&b, FXF_WRITE | FXF_CREAT);
    sshbuf_put_u32(&b, 0);
    harness_req(&R, FXP_OPEN, &b);
    cr_expect_eq(harness_status(&R), FX_PERMISSION_DENIED);
    cr_expect_eq(access("new", F_OK), -1, "not created");
    sshbuf_put_cstring(&b, "f");
    sshbuf_put_u32(&b, FXF_WRITE | FXF_TRUNC);
    sshbuf_put_u32(&b, 0);
    harness_req(&R, FXP_OPEN, &b);
    cr_expect_eq(harness_status(&R), FX_PERMISSION_DENIED);
    harness_path_req(&R, FXP_REMOVE, "f");
    cr_expect_eq(harness_status(&R), FX_PERMISSION_DENIED);
    sshbuf_put_cstring(&b, "d");
    sshbuf_put_u32(&b, 0);
    harness_req(&R, FXP_MKDIR, &b);
    cr_expect_eq(harness_status(&R), FX_PERMISSION_DENIED);
    sshbuf_put_cstring(&b, "f");
    sshbuf_put_u32(&b, ATTR_PERMISSIONS);
    sshbuf_put_u32(&b, 0777);
    harness_req(&R, FXP_SETSTAT, &b);
    cr_expect_eq(harness_status(&R), FX_PERMISSION_DENIED);
    sshbuf_put_cstring(&b, "f");
    sshbuf_put_cstring(&b, "g");
    harness_req(&R, FXP_RENAME, &b);
    cr_expect_eq(harness_status(&R), FX_PERMISSION_DENIED);
    sshbuf_put_cstring(&b, "f");
    sshbuf_put_cstring(&b, "l");
    harness_req(&R, FXP_SYMLINK, &b);
    cr_expect_eq(harness_status(&R), FX_PERMISSION_DENIED);
    cr_assert_eq(stat("f", &sb), 0);
    cr_expect_eq(sb.st_size, 4);
    cr_expect_eq(access("g", F_OK), 0);
    harness_open(&R, "f", FXF_READ, -1, hd);
    harness_handle_req(&R, FXP_CLOSE, hd);
    cr_expect_eq(harness_status(&R), FX_OK, "reading still works");
    harness_stop(&R);
}
