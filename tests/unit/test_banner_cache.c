/* test_banner_cache.c - Criterion tests for the at-login banner kept in
 * the door's shared page (fallbackd/diagnose/banner_cache.h), suite
 * "banner_cache". */
#include <criterion/criterion.h>

#include <string.h>

#include "diagnose/banner_cache.h"

#define TEXT "fallbackd: main sshd BROKEN: /root/upgrade.rc says exit code 1\n"

static struct door_state page;

static void put_fresh(void)
{
    memset(&page, 0, sizeof(page));
    banner_cache_put(&page, 0, 42, 100000, TEXT, strlen(TEXT));
}

Test(banner_cache, kept_for_the_same_uid_and_key_for_a_few_seconds)
{
    char out[DOOR_BANNER_MAX];
    size_t len = 0;
    long long age = -1;

    put_fresh();
    cr_assert_eq(banner_cache_get(&page, 0, 42, 100000 + 1234, out, &len, &age), 1);
    cr_assert_eq(len, strlen(TEXT));
    cr_assert_eq(memcmp(out, TEXT, len), 0);
    cr_assert_eq(age, 1234);
    cr_assert_eq(banner_cache_get(&page, 0, 42, 100000 + BANNER_CACHE_MS, out, &len, &age), 0,
                 "expired");
    cr_assert_eq(banner_cache_get(&page, 0, 42, 99999, out, &len, &age), 0,
                 "from the future");
}

Test(banner_cache, never_for_another_uid_or_key)
{
    char out[DOOR_BANNER_MAX];
    size_t len;
    long long age;

    put_fresh();
    cr_assert_eq(banner_cache_get(&page, 1000, 42, 100001, out, &len, &age), 0);
    cr_assert_eq(banner_cache_get(&page, 0, 43, 100001, out, &len, &age), 0);
    cr_assert_eq(banner_cache_get(NULL, 0, 42, 100001, out, &len, &age), 0);
}

Test(banner_cache, torn_or_garbled_entry_is_a_miss)
{
    char out[DOOR_BANNER_MAX];
    size_t len;
    long long age;

    put_fresh();
    page.banner.text[5] ^= 1;           /* a second writer half way through */
    cr_assert_eq(banner_cache_get(&page, 0, 42, 100001, out, &len, &age), 0);
    put_fresh();
    page.banner.uid = 1000;             /* another user's entry, checksum not yet written */
    cr_assert_eq(banner_cache_get(&page, 1000, 42, 100001, out, &len, &age), 0);
    put_fresh();
    page.banner.len = DOOR_BANNER_MAX + 1;
    cr_assert_eq(banner_cache_get(&page, 0, 42, 100001, out, &len, &age), 0);
    memset(&page, 0, sizeof(page));     /* never written */
    cr_assert_eq(banner_cache_get(&page, 0, 0, 100001, out, &len, &age), 0);
}

Test(banner_cache, healthy_is_kept_and_overlong_is_not)
{
    static char big[DOOR_BANNER_MAX + 1];
    char out[DOOR_BANNER_MAX];
    size_t len = 99;
    long long age;

    memset(&page, 0, sizeof(page));
    banner_cache_put(&page, 0, 7, 5000, "", 0);
    cr_assert_eq(banner_cache_get(&page, 0, 7, 5001, out, &len, &age), 1);
    cr_assert_eq(len, 0);
    memset(big, 'x', sizeof(big));
    banner_cache_put(&page, 0, 8, 5002, big, sizeof(big));
    cr_assert_eq(banner_cache_get(&page, 0, 8, 5003, out, &len, &age), 0);
}

Test(banner_cache, key_depends_on_home_files_line_end_and_door)
{
    const char *files[] = { "~/upgrade.rc", "/var/tmp/x" };
    const char *other[] = { "~/upgrade.rcx" };
    struct door_state door = { 0 };
    struct dg_opts o = { .home = "/root", .files = files, .nfiles = 2, .door = &door };
    unsigned long long k = banner_cache_key(&o, "\n");

    cr_assert_eq(banner_cache_key(&o, "\n"), k);
    cr_assert_neq(banner_cache_key(&o, "\r\n"), k);
    o.home = "/home/alice";
    cr_assert_neq(banner_cache_key(&o, "\n"), k);
    o.home = "/root";
    o.nfiles = 1;
    cr_assert_neq(banner_cache_key(&o, "\n"), k);
    o.files = other;
    cr_assert_neq(banner_cache_key(&o, "\n"), k);
    o.files = files;
    o.nfiles = 2;
    door.proven_at = 1;
    cr_assert_neq(banner_cache_key(&o, "\n"), k);
    door.proven_at = 0;
    door.closes = 1;
    cr_assert_neq(banner_cache_key(&o, "\n"), k);
    door.closes = 0;
    cr_assert_eq(banner_cache_key(&o, "\n"), k);
}
