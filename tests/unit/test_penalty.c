/* Unit tests for penalty.c: PerSourcePenalties in the listener. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <string.h>

#include "config.h"
#include "penalty.h"

static struct fbd_config cfg;
static struct diag errs;
static struct penalties t;

static void load(const char *text)
{
    config_free(&cfg);
    diag_free(&errs);
    cr_assert_eq(config_parse("t.conf", text, strlen(text), &cfg, &errs), 0, "%s",
                 errs.n ? errs.msgs[0] : "");
}

static void setup(void)
{
    load("");
}

static void teardown(void)
{
    config_free(&cfg);
    diag_free(&errs);
    penalty_free(&t);
}

TestSuite(penalty, .init = setup, .fini = teardown);

static struct source_block block(const char *addr)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct source_block b;

    memset(&ss, 0, sizeof(ss));
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin->sin_addr);
    admission_source_block(&ss, &cfg, &b);
    return b;
}

static long long record(const char *addr, enum conn_end how, long long now_s)
{
    struct source_block b = block(addr);

    return penalty_record(&t, &cfg, &b, addr, how, now_s * 1000);
}

static int refused(const char *addr, long long now_s)
{
    struct source_block b = block(addr);
    long long left;
    const char *why;

    return penalty_refused(&t, &cfg, &b, addr, now_s * 1000, &left, &why);
}

Test(penalty, a_crash_refuses_the_source_for_its_time_only)
{
    cr_expect_eq(record("192.0.2.1", CONN_END_CRASH, 100), 90);
    cr_expect(refused("192.0.2.1", 101));
    cr_expect(!refused("192.0.2.2", 101), "another source");
    cr_expect(refused("192.0.2.1", 189));
    cr_expect(!refused("192.0.2.1", 190), "expired");
}

Test(penalty, small_events_accumulate_up_to_min_then_grow_to_max)
{
    /* authfail:5, min:15: the third in a row refuses */
    cr_expect_eq(record("192.0.2.1", CONN_END_AUTHFAIL, 0), 0);
    cr_expect(!refused("192.0.2.1", 0));
    cr_expect_eq(record("192.0.2.1", CONN_END_AUTHFAIL, 0), 0);
    cr_expect_eq(record("192.0.2.1", CONN_END_AUTHFAIL, 0), 15);
    cr_expect(refused("192.0.2.1", 3));
    cr_expect_eq(record("192.0.2.1", CONN_END_AUTHFAIL, 1), 0, "already refused");
    for (int i = 0; i < 20; i++) {
        record("192.0.2.1", CONN_END_CRASH, 3);
    }
    cr_expect(refused("192.0.2.1", 3 + 599));
    cr_expect(!refused("192.0.2.1", 3 + 600), "capped at max:600");
}

Test(penalty, ordinary_ends_and_errors_cost_nothing)
{
    cr_expect_eq(record("192.0.2.1", CONN_END_OK, 0), 0);
    cr_expect_eq(record("192.0.2.1", CONN_END_ERROR, 0), 0);
    cr_expect(!refused("192.0.2.1", 0));
}

Test(penalty, exempt_list_and_allowfrom)
{
    load("PerSourcePenaltyExemptList 198.51.100.0/24,192.0.2.7\nAllowFrom 203.0.113.0/24\n"
         "PerSourcePenaltyExemptList AllowFrom\n");
    record("192.0.2.7", CONN_END_CRASH, 0);
    record("198.51.100.9", CONN_END_CRASH, 0);
    record("203.0.113.5", CONN_END_CRASH, 0);
    record("192.0.2.8", CONN_END_CRASH, 0);
    cr_expect(!refused("192.0.2.7", 1));
    cr_expect(!refused("198.51.100.9", 1));
    cr_expect(!refused("203.0.113.5", 1));
    cr_expect(refused("192.0.2.8", 1));
}

Test(penalty, no_turns_them_off_and_words_set_times)
{
    load("PerSourcePenalties no\n");
    record("192.0.2.1", CONN_END_CRASH, 0);
    cr_expect(!refused("192.0.2.1", 1));
    load("PerSourcePenalties crash:2m min:1m noauth:30s\n");
    cr_expect_eq(cfg.penalties.crash, 120);
    cr_expect_eq(cfg.penalties.min, 60);
    cr_expect_eq(cfg.penalties.authfail, 5, "unnamed words keep their defaults");
    cr_expect_eq(record("192.0.2.1", CONN_END_NOAUTH, 0), 0);
    cr_expect_eq(record("192.0.2.1", CONN_END_NOAUTH, 0), 60);
}

Test(penalty, a_full_table_is_permissive_or_denies_all)
{
    load("PerSourcePenalties max-sources4:1\n");
    record("192.0.2.1", CONN_END_CRASH, 0);
    cr_expect_eq(record("192.0.2.2", CONN_END_CRASH, 0), 0, "no room: not penalised");
    cr_expect(!refused("192.0.2.2", 1));
    penalty_free(&t);
    load("PerSourcePenalties max-sources4:1 overflow:deny-all\n");
    record("192.0.2.1", CONN_END_CRASH, 0);
    cr_expect(refused("192.0.2.3", 1), "deny-all while full");
    cr_expect(!refused("192.0.2.3", 91), "until it empties");
}
