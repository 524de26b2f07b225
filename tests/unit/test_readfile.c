/* test_readfile.c - the bounded read-whole-file helper (fallbackd/readfile.c):
 * the bound is exact, the hint only sizes the first buffer, and what is
 * read comes back whole and NUL-terminated. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readfile.h"

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
