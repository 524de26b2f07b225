/* test_sftp_wire.c - the SFTP codec and its small parts: packet framing,
 * paths, ATTRS, handles, long names, internal-sftp's options
 * (fallbackd/sftp/{wire,attrs,handles,longname,options}.c). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sftp/attrs.h"
#include "sftp/handles.h"
#include "sftp/longname.h"
#include "sftp/proto.h"
#include "sftp/sftp.h"
#include "sftp/wire.h"

static long frame(uint32_t len, size_t have, const char **why)
{
    static unsigned char buf[16];

    buf[0] = (unsigned char)(len >> 24);
    buf[1] = (unsigned char)(len >> 16);
    buf[2] = (unsigned char)(len >> 8);
    buf[3] = (unsigned char)len;
    return wire_frame(buf, have, why);
}

Test(sftp_wire, frame_needs_the_whole_packet)
{
    const char *why = NULL;

    cr_expect_eq(frame(5, 3, &why), 0, "length incomplete");
    cr_expect_eq(frame(5, 8, &why), 0, "one byte missing");
    cr_expect_eq(frame(5, 9, &why), 9);
    cr_expect_eq(frame(5, 16, &why), 9, "a following packet is not part of it");
}

Test(sftp_wire, frame_bounds)
{
    const char *why = NULL;

    cr_expect_eq(frame(4, 16, &why), -1);
    cr_expect_str_eq(why, "packet too short");
    cr_expect_eq(frame(0, 16, &why), -1);
    cr_expect_eq(frame(SFTP_MAX_IN_PACKET + 1, 16, &why), -1);
    cr_expect_str_eq(why, "packet too long");
    cr_expect_eq(frame(0xffffffffu, 16, &why), -1);
    cr_expect_eq(frame(SFTP_MAX_IN_PACKET, 16, &why), 0, "the largest packet is legal");
}

Test(sftp_wire, path_rejects_nul_and_overlong)
{
    static const unsigned char good[] = { 0, 0, 0, 3, 'a', '/', 'b' };
    static const unsigned char nul[] = { 0, 0, 0, 3, 'a', 0, 'b' };
    static const unsigned char cut[] = { 0, 0, 0, 9, 'a' };
    char buf[4];
    struct sshrd r;

    sshrd_init(&r, good, sizeof(good));
    wire_path(&r, buf, sizeof(buf));
    cr_expect(sshrd_ok(&r));
    cr_expect_str_eq(buf, "a/b");
    sshrd_init(&r, nul, sizeof(nul));
    wire_path(&r, buf, sizeof(buf));
    cr_expect_not(sshrd_ok(&r), "embedded NUL");
    sshrd_init(&r, good, sizeof(good));
    wire_path(&r, buf, 3);
    cr_expect_not(sshrd_ok(&r), "no room for the NUL");
    sshrd_init(&r, cut, sizeof(cut));
    wire_path(&r, buf, sizeof(buf));
    cr_expect_not(sshrd_ok(&r), "string past the end");
}

Test(sftp_wire, reply_building_and_cancel)
{
    struct wire_out o = { 0 };
    const char *why = NULL;

    wire_begin(&o, FXP_STATUS);
    wire_put_u32(&o, 9);
    wire_end(&o);
    cr_assert_eq(o.len, 9);
    cr_expect_eq(wire_frame(o.data, o.len, &why), 9);
    cr_expect_eq(o.data[3], 5, "length counts type and payload");
    cr_expect_eq(o.data[4], FXP_STATUS);
    wire_begin(&o, FXP_DATA);
    wire_put_u64(&o, 1);
    cr_expect_eq(wire_packet_len(&o), 9);
    wire_cancel(&o);
    cr_expect_eq(o.len, 9, "a cancelled packet leaves nothing");
    wire_consume(&o, 9);
    cr_expect_eq(o.len, 0);
    wire_out_free(&o);
}

Test(sftp_wire, u64_is_big_endian)
{
    static const unsigned char b[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    struct sshrd r;

    sshrd_init(&r, b, sizeof(b));
    cr_expect_eq(wire_u64(&r), 0x0102030405060708ull);
    cr_expect(sshrd_ok(&r));
    cr_expect_eq(wire_u64(&r), 0);
    cr_expect_not(sshrd_ok(&r));
}

Test(sftp_attrs, round_trip_every_field)
{
    struct sftp_attrs a = { ATTR_SIZE | ATTR_UIDGID | ATTR_PERMISSIONS | ATTR_ACMODTIME,
                            1ull << 40, 1000, 100, 0100644, 1700000000u, 4000000000u };
    struct sftp_attrs b;
    struct wire_out o = { 0 };
    struct sshrd r;

    attrs_encode(&o, &a);
    cr_assert_eq(o.len, 4 + 8 + 8 + 4 + 8);
    sshrd_init(&r, o.data, o.len);
    attrs_decode(&r, &b);
    cr_expect(sshrd_ok(&r));
    cr_expect_eq(sshrd_left(&r), 0);
    cr_expect_eq(b.flags, a.flags);
    cr_expect_eq(b.size, a.size);
    cr_expect_eq(b.uid, a.uid);
    cr_expect_eq(b.gid, a.gid);
    cr_expect_eq(b.perm, a.perm);
    cr_expect_eq(b.atime, a.atime);
    cr_expect_eq(b.mtime, a.mtime, "times are unsigned 32-bit (past 2038)");
    wire_out_free(&o);
}

Test(sftp_attrs, extended_pairs_are_skipped_and_bounded)
{
    static const unsigned char ext[] = { 0x80, 0, 0, 0x04, 0, 0, 0x01, 0xa4, 0, 0, 0, 1,
                                         0, 0, 0, 1, 'x', 0, 0, 0, 0 };
    static const unsigned char lying[] = { 0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
    struct sftp_attrs a;
    struct sshrd r;

    sshrd_init(&r, ext, sizeof(ext));
    attrs_decode(&r, &a);
    cr_expect(sshrd_ok(&r));
    cr_expect_eq(a.perm, 0644);
    sshrd_init(&r, lying, sizeof(lying));
    attrs_decode(&r, &a);
    cr_expect_not(sshrd_ok(&r), "4 billion pairs in 8 bytes");
}

Test(sftp_attrs, missing_field_is_an_error)
{
    static const unsigned char cut[] = { 0, 0, 0, 1, 0, 0, 0 };
    struct sftp_attrs a;
    struct sshrd r;

    sshrd_init(&r, cut, sizeof(cut));
    attrs_decode(&r, &a);
    cr_expect_not(sshrd_ok(&r));
}

Test(sftp_handles, stale_and_foreign_handles_are_refused)
{
    static struct sftp_handles hs;
    unsigned char w[HANDLE_LEN];
    unsigned char old[HANDLE_LEN];
    struct sftp_handle *h = handles_add(&hs, HK_FILE, open("/dev/null", O_RDONLY), NULL, 1,
                                        "/dev/null");

    cr_assert_not_null(h);
    handles_encode(&hs, h, w);
    cr_expect_eq(handles_find(&hs, w, sizeof(w), HK_FILE), h);
    cr_expect_eq(handles_find(&hs, w, sizeof(w), HK_FREE), h, "HK_FREE: any kind");
    cr_expect_null(handles_find(&hs, w, sizeof(w), HK_DIR), "a file is not a directory");
    cr_expect_null(handles_find(&hs, w, 7, HK_FILE), "wrong length");
    memcpy(old, w, sizeof(w));
    cr_expect_eq(handles_close(h), 0);
    cr_expect_null(handles_find(&hs, old, sizeof(old), HK_FREE), "closed");
    h = handles_add(&hs, HK_FILE, open("/dev/null", O_RDONLY), NULL, 1, "/dev/null");
    cr_assert_not_null(h);
    cr_expect_null(handles_find(&hs, old, sizeof(old), HK_FREE),
                   "the slot's new file is not reachable with the old handle");
    old[0] = 0xff;
    cr_expect_null(handles_find(&hs, old, sizeof(old), HK_FREE), "index out of range");
    handles_close_all(&hs);
    cr_expect_eq(handles_used(&hs), 0);
}

Test(sftp_handles, table_is_bounded)
{
    static struct sftp_handles hs;
    size_t n = 0;

    while (n <= SFTP_MAX_HANDLES && handles_add(&hs, HK_FILE, -1, NULL, 0, "x") != NULL) {
        n++;
    }
    cr_expect_eq(n, SFTP_MAX_HANDLES);
    for (size_t i = 0; i < SFTP_MAX_HANDLES; i++) {
        hs.h[i].kind = HK_FREE;     /* fd -1: nothing to close */
        free(hs.h[i].path);
    }
}

Test(sftp_longname, mode_strings)
{
    char m[11];

    longname_mode(S_IFREG | 0644, m);
    cr_expect_str_eq(m, "-rw-r--r--");
    longname_mode(S_IFDIR | 01777, m);
    cr_expect_str_eq(m, "drwxrwxrwt");
    longname_mode(S_IFREG | 04750, m);
    cr_expect_str_eq(m, "-rwsr-x---");
    longname_mode(S_IFREG | 06644, m);
    cr_expect_str_eq(m, "-rwSr-Sr--");
    longname_mode(S_IFLNK | 0777, m);
    cr_expect_str_eq(m, "lrwxrwxrwx");
    longname_mode(S_IFDIR | 01770, m);
    cr_expect_str_eq(m, "drwxrwx--T");
}

static const char *name_of(uid_t id, void *ctx)
{
    return id == 1000 ? "alice" : NULL;
}

Test(sftp_longname, ls_layout_with_names_and_numbers)
{
    struct sftp_names names = { name_of, name_of, NULL, NULL };
    struct stat st = { 0 };
    char line[256];
    char want[256];
    char date[32];
    time_t now = 1700000000;
    struct tm tm;

    setenv("TZ", "UTC", 1);
    tzset();
    st.st_mode = S_IFREG | 0640;
    st.st_nlink = 1;
    st.st_uid = 1000;
    st.st_gid = 4242;
    st.st_size = 1234;
    st.st_mtime = now - 3600;
    longname_format(line, sizeof(line), "notes.txt", &st, &names, now);
    localtime_r(&st.st_mtime, &tm);
    strftime(date, sizeof(date), "%b %e %H:%M", &tm);
    snprintf(want, sizeof(want), "-rw-r-----    1 alice    4242         1234 %s notes.txt", date);
    cr_expect_str_eq(line, want);
    st.st_mtime = now - 400L * 24 * 3600;
    longname_format(line, sizeof(line), "old", &st, &names, now);
    localtime_r(&st.st_mtime, &tm);
    strftime(date, sizeof(date), "%b %e  %Y", &tm);
    cr_expect(strstr(line, date) != NULL, "an old file shows its year: %s", line);
}

/* The last message of errs, "" if none; errs is emptied. */
static const char *last(struct diag *errs)
{
    static char buf[256];

    snprintf(buf, sizeof(buf), "%s", errs->n > 0 ? errs->msgs[errs->n - 1] : "");
    diag_free(errs);
    return buf;
}

Test(sftp_options, defaults_and_every_option)
{
    struct sftp_options o;
    struct diag errs = { 0 };

    cr_assert_eq(sftp_options_parse("internal-sftp", "bob", "/home/bob", &o, &errs), 0);
    cr_expect_eq(o.read_only, 0);
    cr_expect_eq(o.umask, -1);
    cr_expect_eq(o.log_level, LL_ERROR);
    cr_expect_str_eq(o.start_dir, "");
    cr_assert_eq(sftp_options_parse("internal-sftp -R -u 027 -l INFO -d /srv/%u/%h/100%%",
                                    "bob", "/home/bob", &o, &errs), 0, "%s", last(&errs));
    cr_expect_eq(o.read_only, 1);
    cr_expect_eq(o.umask, 027);
    cr_expect_eq(o.log_level, LL_INFO);
    cr_expect_str_eq(o.start_dir, "/srv/bob//home/bob/100%");
    cr_expect_eq(sftp_options_parse("internal-sftp -e -f AUTH", "b", "/", &o, &errs), 0);
}

Test(sftp_options, errors_say_why)
{
    struct sftp_options o;
    struct diag errs = { 0 };

    cr_expect_eq(sftp_options_parse("internal-sftp -x", "b", "/", &o, &errs), -1);
    cr_expect_str_eq(last(&errs), "unknown option -x");
    cr_expect_eq(sftp_options_parse("internal-sftp -u 99", "b", "/", &o, &errs), -1);
    cr_expect_str_eq(last(&errs), "-u 99: not an octal umask");
    cr_expect_eq(sftp_options_parse("internal-sftp -l LOUD", "b", "/", &o, &errs), -1);
    cr_expect_eq(sftp_options_parse("internal-sftp -d", "b", "/", &o, &errs), -1);
    cr_expect_str_eq(last(&errs), "option -d needs an argument");
    cr_expect_eq(sftp_options_parse("internal-sftp -d /x%q", "b", "/", &o, &errs), -1);
    cr_expect_eq(sftp_options_parse("/usr/lib/sftp-server", "b", "/", &o, &errs), -1);
    cr_expect_str_eq(last(&errs), "not internal-sftp");
}

Test(sftp_options, is_internal)
{
    cr_expect(sftp_is_internal("internal-sftp"));
    cr_expect(sftp_is_internal("internal-sftp -R"));
    cr_expect(sftp_is_internal("  internal-sftp"));
    cr_expect_not(sftp_is_internal("internal-sftpx"));
    cr_expect_not(sftp_is_internal("/usr/lib/openssh/sftp-server"));
    cr_expect_not(sftp_is_internal(""));
}
