/* test_rescue_policy.c - who may have the rescue shell
 * (fallbackd/monitor/rescue_policy.c): never a disabled account. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rescue_policy.h"

static char shells[64];

static void setup(void)
{
    FILE *f;
    int fd;

    strcpy(shells, "/tmp/fbd-shells-XXXXXX");
    fd = mkstemp(shells);
    cr_assert_geq(fd, 0);
    f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fputs("# /etc/shells: valid login shells\n/bin/sh\n/bin/bash\n/usr/sbin/nologin\n"
          "/bin/false\n\n/usr/bin/tmux", f);
    cr_assert_eq(fclose(f), 0);
}

static void teardown(void)
{
    unlink(shells);
}

TestSuite(rescue_policy, .init = setup, .fini = teardown);

Test(rescue_policy, real_login_shell_allowed)
{
    struct diag why = { 0 };

    cr_expect_eq(rescue_login_shell("/bin/bash", shells, &why), 1);
    cr_expect_eq(rescue_login_shell("/usr/bin/tmux", shells, &why), 1,
                 "the last line needs no newline");
    diag_free(&why);
}

Test(rescue_policy, disabled_accounts_refused_even_when_listed)
{
    struct diag why = { 0 };

    cr_expect_eq(rescue_login_shell("/usr/sbin/nologin", shells, &why), 0);
    cr_expect(strstr(diag_last(&why), "disabled") != NULL, "%s", diag_last(&why));
    cr_expect_eq(rescue_login_shell("/bin/false", shells, &why), 0);
    cr_expect_eq(rescue_login_shell("/sbin/nologin", shells, &why), 0);
    cr_expect_eq(rescue_login_shell("", shells, &why), 0, "no shell at all");
    diag_free(&why);
}

Test(rescue_policy, shell_not_in_the_list_refused)
{
    struct diag why = { 0 };

    cr_expect_eq(rescue_login_shell("/usr/bin/zsh", shells, &why), 0);
    cr_expect(strstr(diag_last(&why), "not listed") != NULL, "%s", diag_last(&why));
    cr_expect_eq(rescue_login_shell("/bin/bas", shells, &why), 0, "whole lines only");
    cr_expect_eq(rescue_login_shell("# /etc/shells: valid login shells", shells, &why), 0, "comments are not shells");
    diag_free(&why);
}

Test(rescue_policy, unreadable_list_refuses)
{
    struct diag why = { 0 };

    cr_expect_eq(rescue_login_shell("/bin/bash", "/nonexistent/shells", &why), 0);
    cr_expect(strstr(diag_last(&why), "cannot read") != NULL, "%s", diag_last(&why));
    diag_free(&why);
}
