/* test_userenv.c - variables fallbackd never passes from a client or a
 * key (fallbackd/userenv.c, userenv_refused). */
#include <criterion/criterion.h>

#include <string.h>

#include "userenv.h"

static int refused(const char *name)
{
    return userenv_refused(name, strlen(name));
}

Test(userenv, loader_and_startup_variables_refused)
{
    cr_expect(refused("LD_PRELOAD"));
    cr_expect(refused("LD_LIBRARY_PATH"));
    cr_expect(refused("LD_"));
    cr_expect(refused("BASH_ENV"));
    cr_expect(refused("ENV"));
    cr_expect(refused("IFS"));
    cr_expect(refused("PATH"));
    cr_expect(refused("BASH_FUNC_ls%%"));
}

Test(userenv, ordinary_variables_pass)
{
    cr_expect_not(refused("LANG"));
    cr_expect_not(refused("LC_ALL"));
    cr_expect_not(refused("ENVIRONMENT"), "only the exact name ENV");
    cr_expect_not(refused("PATHS"));
    cr_expect_not(refused("OLD_PATH"));
    cr_expect_not(refused("TZ"));
    cr_expect(userenv_refused("PATH=/x", 4), "the name is given by length in NAME=VALUE");
}
