/* test_config_file.c - loading the config file (config_load): a file
 * whose last line has no newline may be half-written and is never loaded. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static void write_text(const char *text)
{
    FILE *f;
    int fd;

    strcpy(path, "/tmp/fbd-conf-XXXXXX");
    fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

Test(config_file, last_line_without_newline_refused_with_file_and_line)
{
    struct fbd_config c;
    struct diag errs = { 0 };
    char want[128];

    write_text("Port 2222\nAllowUsers alice\nPermitRo");
    cr_expect_eq(config_load(path, &c, &errs), -1);
    cr_assert_eq(errs.n, 1);
    snprintf(want, sizeof(want), "%s:3: no newline at end of file", path);
    cr_expect(strncmp(errs.msgs[0], want, strlen(want)) == 0, "%s", errs.msgs[0]);
    config_free(&c);
    diag_free(&errs);
    unlink(path);
}

Test(config_file, complete_file_loads)
{
    struct fbd_config c;
    struct diag errs = { 0 };

    write_text("Port 2222\nAllowUsers alice\n");
    cr_expect_eq(config_load(path, &c, &errs), 0);
    cr_expect_eq(c.ports[0], 2222);
    cr_expect_eq(c.allow_users.n, 1);
    config_free(&c);
    diag_free(&errs);
    unlink(path);
}

Test(config_file, pubkey_auth_options)
{
    static const char text[] = "PubkeyAuthOptions touch-required verify-required\n";
    struct fbd_config c;
    struct diag errs = { 0 };

    cr_expect_eq(config_parse("t", text, strlen(text), &c, &errs), 0);
    cr_expect_eq(c.pubkey_auth_options, CFG_PK_TOUCH_REQUIRED | CFG_PK_VERIFY_REQUIRED);
    config_free(&c);
    cr_expect_eq(config_parse("t", "PubkeyAuthOptions none\n", 23, &c, &errs), 0);
    cr_expect_eq(c.pubkey_auth_options, 0);
    config_free(&c);
    cr_expect_eq(config_parse("t", "PubkeyAuthOptions touch\n", 24, &c, &errs), -1);
    config_free(&c);
    diag_free(&errs);
}
