/* test_readfile.c - the bounded reads of fallbackd/readfile.c.  Whole
 * files: the bound is exact, the hint only sizes the first buffer, and what
 * is read comes back whole and NUL-terminated.  Parts (the incident
 * console's): a head cut at the bound, a tail starting at a line, /proc
 * files read although stat() says size 0, a FIFO refused rather than
 * waited on, and each failure a "PATH: reason" line. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "readfile.h"
#include "unit_files.h"

/* A temporary file holding LEN bytes of a repeating pattern; its path. */
static char *make_file(size_t len)
{
    static char path[64];
    int fd;

    snprintf(path, sizeof(path), "/tmp/fbd-readfile-XXXXXX");
    fd = mkstemp(path);
    cr_assert(fd >= 0);
    for (size_t i = 0; i < len; i++) {
        char ch = (char)('a' + i % 26);
        cr_assert_eq(write(fd, &ch, 1), 1);
    }
    close(fd);
    return path;
}

static void expect_pattern(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        cr_assert_eq(buf[i], (char)('a' + i % 26), "byte %zu", i);
    }
    cr_expect_eq(buf[len], '\0');
}

Test(readfile, exactly_the_bound_is_read)
{
    char *path = make_file(10000);
    char *buf;
    size_t len;

    cr_assert_eq(readfile_path(path, 10000, &buf, &len), 0);
    cr_expect_eq(len, 10000);
    expect_pattern(buf, len);
    free(buf);
    unlink(path);
}

Test(readfile, one_byte_over_the_bound_is_efbig)
{
    char *path = make_file(10001);
    char *buf = (char *)1;
    size_t len = 7;

    cr_expect_eq(readfile_path(path, 10000, &buf, &len), EFBIG);
    cr_expect_null(buf);
    cr_expect_eq(len, 0);
    unlink(path);
}

Test(readfile, empty_file)
{
    char *path = make_file(0);
    char *buf;
    size_t len;

    cr_assert_eq(readfile_path(path, 100, &buf, &len), 0);
    cr_expect_eq(len, 0);
    cr_expect_str_eq(buf, "");
    free(buf);
    unlink(path);
}

Test(readfile, a_wrong_hint_only_sizes_the_first_buffer)
{
    char *path = make_file(70000);
    size_t hints[] = { 0, 1, 69999, 70000, 1 << 20 };

    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        int fd = open(path, O_RDONLY);
        char *buf;
        size_t len;

        cr_assert(fd >= 0);
        cr_assert_eq(readfile_fd(fd, 1 << 20, hints[i], &buf, &len), 0, "hint %zu", hints[i]);
        cr_expect_eq(len, 70000);
        expect_pattern(buf, len);
        free(buf);
        close(fd);
    }
    unlink(path);
}

Test(readfile, a_missing_file_is_its_errno)
{
    char *buf;
    size_t len;

    cr_expect_eq(readfile_path("/nonexistent/fbd-readfile", 100, &buf, &len), ENOENT);
    cr_expect_null(buf);
}

/* ---- parts of files: readfile_head, readfile_tail ---- */

static char dir[64];

static void mkdir_tmp(void)
{
    strcpy(dir, "/tmp/fbd-readpart-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
    unit_write_file(NULL, path, text, 0644);
}

Test(readfile, head_bound_and_truncation, .init = mkdir_tmp, .fini = rm_tmp)
{
    struct diag d = { 0 };
    struct readbuf b;
    char path[128];

    snprintf(path, sizeof(path), "%s/f", dir);
    write_file(path, "0123456789");
    cr_assert_eq(readfile_head(path, 4, &b, &d), 0);
    cr_assert_str_eq(b.p, "0123");
    cr_assert_eq(b.truncated, 1);
    readbuf_free(&b);
    cr_assert_eq(readfile_head(path, 10, &b, &d), 0);
    cr_assert_str_eq(b.p, "0123456789");
    cr_assert_eq(b.truncated, 0);
    readbuf_free(&b);
    cr_assert_eq(readfile_head("/proc/self/stat", 1u << 20, &b, &d), 0,
                 "a /proc file (size 0 in stat) is read: %s", diag_last(&d));
    cr_assert(b.len > 10 && strchr(b.p, '(') != NULL);
    readbuf_free(&b);
    cr_assert_eq(diag_count(&d), 0);
}

Test(readfile, tail_starts_at_a_line, .init = mkdir_tmp, .fini = rm_tmp)
{
    struct readbuf b;
    char path[128];

    snprintf(path, sizeof(path), "%s/log", dir);
    write_file(path, "first line\nsecond line\nthird\n");
    cr_assert_eq(readfile_tail(path, 10, &b, NULL), 0);
    cr_assert_str_eq(b.p, "third\n");
    cr_assert_eq(b.len, 6);
    cr_assert_eq(b.truncated, 1);
    readbuf_free(&b);
    cr_assert_eq(readfile_tail(path, 1000, &b, NULL), 0);
    cr_assert_str_eq(b.p, "first line\nsecond line\nthird\n");
    cr_assert_eq(b.truncated, 0);
    readbuf_free(&b);
}

Test(readfile, part_refuses_fifo_and_reports_errors, .init = mkdir_tmp, .fini = rm_tmp)
{
    struct diag d = { 0 };
    struct readbuf b;
    char path[128];

    snprintf(path, sizeof(path), "%s/fifo", dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_assert_eq(readfile_head(path, 100, &b, &d), -1, "a FIFO must not block");
    cr_assert_eq(diag_count(&d), 1);
    cr_assert(strstr(diag_last(&d), "/fifo: not a regular file") != NULL, "%s", diag_last(&d));
    cr_assert_str_eq(b.p, "");
    readbuf_free(&b);
    snprintf(path, sizeof(path), "%s/missing", dir);
    cr_assert_eq(readfile_tail(path, 100, &b, &d), -1);
    cr_assert_eq(b.err, ENOENT);
    cr_assert(strstr(diag_last(&d), "/missing: No such file or directory") != NULL, "%s",
              diag_last(&d));
    cr_assert_str_eq(b.p, "");
    readbuf_free(&b);
    cr_assert_eq(readfile_head(dir, 100, &b, NULL), -1, "a directory");
    cr_assert_eq(b.err, EINVAL);
    readbuf_free(&b);
    cr_assert_eq(diag_count(&d), 2);
    diag_free(&d);
}
