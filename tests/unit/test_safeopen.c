/* test_safeopen.c - the StrictModes walk to a root-managed file
 * (fallbackd/safeopen.c).  Needs root (files and directories are chowned);
 * skipped otherwise. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safeopen.h"

static char top[64];
static char dir[128];
static char file[160];
static char why[512];       /* the last reason of the last opens() */

static void setup(void)
{
    int fd;

    if (geteuid() != 0) {
        cr_skip_test("needs root");
    }
    strcpy(top, "/tmp/fbd-safeopen-XXXXXX");
    cr_assert_not_null(mkdtemp(top));
    snprintf(dir, sizeof(dir), "%s/keys", top);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(file, sizeof(file), "%s/alice", dir);
    fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "x\n", 2), 2);
    close(fd);
}

static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(safeopen, .init = setup, .fini = teardown);

/* Open FILE; 1 if it was opened, 0 if refused. */
static int opens(const char *path)
{
    struct diag d = { 0 };
    int fd = safeopen_root_file(path, &d);

    snprintf(why, sizeof(why), "%s", diag_last(&d));
    diag_free(&d);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    return 0;
}

Test(safeopen, root_file_in_root_directories_opens)
{
    cr_expect(opens(file), "%s", why);
    cr_expect_eq(chmod(dir, 01777), 0);
    cr_expect(opens(file), "a root-owned sticky directory (like /tmp) is fine: %s", why);
}

Test(safeopen, writable_or_foreign_directory_refused)
{
    cr_assert_eq(chmod(dir, 0775), 0);
    cr_expect_not(opens(file));
    cr_expect(strstr(why, "bad ownership or modes for directory") != NULL, "%s", why);
    cr_expect(strstr(why, dir) != NULL, "names the directory: %s", why);
    cr_assert_eq(chmod(dir, 0755), 0);
    cr_assert_eq(chown(dir, 1000, 1000), 0);
    cr_expect_not(opens(file), "a directory of another user");
    cr_assert_eq(chown(dir, 0, 0), 0);
    cr_assert_eq(chmod(top, 0757), 0);
    cr_expect_not(opens(file), "a writable directory higher up");
}

Test(safeopen, writable_or_foreign_file_refused)
{
    cr_assert_eq(chmod(file, 0664), 0);
    cr_expect_not(opens(file));
    cr_expect_str_eq(why, "bad ownership or modes");
    cr_assert_eq(chmod(file, 0644), 0);
    cr_assert_eq(chown(file, 1000, 1000), 0);
    cr_expect_not(opens(file));
}

Test(safeopen, symbolic_links_refused)
{
    char link[200], linkdir[200], via[260];

    snprintf(link, sizeof(link), "%s/bob", dir);
    cr_assert_eq(symlink(file, link), 0);
    cr_expect_not(opens(link), "a symlinked file");
    cr_expect(strstr(why, "symbolic link") != NULL, "%s", why);
    snprintf(linkdir, sizeof(linkdir), "%s/keys2", top);
    cr_assert_eq(symlink(dir, linkdir), 0);
    snprintf(via, sizeof(via), "%s/alice", linkdir);
    cr_expect_not(opens(via), "a symlinked directory");
}

Test(safeopen, fifo_refused_without_hanging)
{
    char fifo[200];

    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    cr_expect_not(opens(fifo));
    cr_expect_str_eq(why, "bad ownership or modes");
}

Test(safeopen, missing_file_is_an_error_not_a_refusal)
{
    char missing[200];

    snprintf(missing, sizeof(missing), "%s/nobody", dir);
    cr_expect_not(opens(missing));
    cr_expect_eq(errno, ENOENT);
    cr_expect_str_eq(why, "", "no check refused it");
    cr_expect_not(opens("relative/path"));
}
