/* Unit tests for admission.c: per-source, fair admission under a flood. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <string.h>

#include "admission.h"
#include "config.h"
#include "conn_progress.h"

static struct fbd_config cfg;
static struct diag errs;

static void setup(void)
{
    cr_assert_eq(config_parse("t.conf", "", 0, &cfg, &errs), 0);
}

static void teardown(void)
{
    config_free(&cfg);
    diag_free(&errs);
}

TestSuite(admission, .init = setup, .fini = teardown);

/* The source block of a numeric address under cfg. */
static struct source_block block(const char *addr)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    struct source_block b;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        ss.ss_family = AF_INET;
    } else {
        cr_assert_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
        ss.ss_family = AF_INET6;
    }
    admission_source_block(&ss, &cfg, &b);
    return b;
}

/* Fill table with COUNT connections from ADDR, accepted at t0, t0+1, ...
 * (ms), none with progress yet.  The tests that do not pass a later "now"
 * decide at 0, when none of them is older than KexGraceTime. */
static size_t add(struct pending *t, size_t n, const char *addr, size_t count, long long t0)
{
    for (size_t i = 0; i < count; i++) {
        t[n].block = block(addr);
        t[n].stage = PROGRESS_NONE;
        t[n++].since_ms = t0 + (long long)i;
    }
    return n;
}

Test(admission, blocks_follow_per_source_netblock_size)
{
    struct source_block a = block("192.0.2.1");
    struct source_block b = block("192.0.2.2");
    struct source_block m = block("::ffff:192.0.2.1");
    struct source_block v6a = block("2001:db8:1:2::1");
    struct source_block v6b = block("2001:db8:1:2:ffff::9");
    struct source_block v6c = block("2001:db8:1:3::1");

    cr_expect(memcmp(&a, &b, sizeof(a)) != 0, "/32: two addresses, two blocks");
    cr_expect(memcmp(&a, &m, sizeof(a)) == 0, "a mapped address is its IPv4 block");
    cr_expect(memcmp(&v6a, &v6b, sizeof(v6a)) == 0, "/64: one block");
    cr_expect(memcmp(&v6a, &v6c, sizeof(v6a)) != 0);
    cfg.per_source_bits4 = 24;
    a = block("192.0.2.1");
    b = block("192.0.2.200");
    cr_expect(memcmp(&a, &b, sizeof(a)) == 0, "/24: one block");
}

Test(admission, per_source_limit_refuses_the_eleventh)
{
    struct pending t[32];
    struct source_block src = block("127.0.0.2");
    size_t n = add(t, 0, "127.0.0.2", 9, 0);

    cr_expect_neq(admission_decide(&cfg, &src, t, n, 99, 0).verdict, REFUSE_SOURCE_LIMIT);
    n = add(t, n, "127.0.0.2", 1, 100);
    cr_expect_eq(admission_decide(&cfg, &src, t, n, 99, 0).verdict, REFUSE_SOURCE_LIMIT);
    cfg.per_source_max_startups = 0;
    cr_expect_neq(admission_decide(&cfg, &src, t, n, 99, 0).verdict, REFUSE_SOURCE_LIMIT,
                  "PerSourceMaxStartups none: no per-source limit");
}

/* The flood of the fault suite: 200 idle connections from 127.0.0.2-9
 * leave at most 80 pending; a new source is always admitted. */
Test(admission, flood_from_eight_sources_never_refuses_a_new_source)
{
    struct pending t[256];
    struct source_block admin = block("127.0.0.1");
    size_t n = 0;
    char addr[32];

    for (int s = 2; s <= 9; s++) {
        snprintf(addr, sizeof(addr), "127.0.0.%d", s);
        for (int i = 0; i < 25; i++) {
            struct source_block b = block(addr);
            struct admit_decision d = admission_decide(&cfg, &b, t, n, (unsigned)(i * 37 % 100),
                                                       0);

            if (d.verdict == ADMIT) {
                n = add(t, n, addr, 1, s * 100 + i);
            }
        }
    }
    cr_assert_leq(n, 80);
    for (unsigned roll = 0; roll < 100; roll++) {
        cr_expect_eq(admission_decide(&cfg, &admin, t, n, roll, 0).verdict, ADMIT);
    }
}

Test(admission, full_evicts_the_oldest_of_the_busiest_source)
{
    struct pending t[128];
    struct source_block fresh = block("198.51.100.7");
    struct admit_decision d;
    size_t n;

    cfg.max_startups_full = 12;
    cfg.max_startups_begin = 12;
    n = add(t, 0, "192.0.2.1", 3, 10);
    n = add(t, n, "192.0.2.2", 5, 20);      /* busiest: oldest at index 3 */
    n = add(t, n, "192.0.2.3", 4, 1);
    d = admission_decide(&cfg, &fresh, t, n, 0, 0);
    cr_assert_eq(d.verdict, ADMIT_EVICT);
    cr_expect_eq(d.victim, 3);
}

Test(admission, full_refuses_the_busiest_source_itself)
{
    struct pending t[16];
    struct source_block busiest = block("192.0.2.2");
    size_t n;

    cfg.max_startups_full = 8;
    cfg.max_startups_begin = 8;
    n = add(t, 0, "192.0.2.1", 3, 0);
    n = add(t, n, "192.0.2.2", 5, 0);
    cr_expect_eq(admission_decide(&cfg, &busiest, t, n, 0, 0).verdict, REFUSE_FULL);
}

Test(admission, full_of_single_connections_evicts_the_oldest)
{
    struct pending t[16];
    struct source_block fresh = block("203.0.113.1");
    struct admit_decision d;
    char addr[32];
    size_t n = 0;

    cfg.max_startups_full = 5;
    cfg.max_startups_begin = 5;
    for (int i = 0; i < 5; i++) {
        snprintf(addr, sizeof(addr), "192.0.2.%d", i + 1);
        n = add(t, n, addr, 1, 50 - i);     /* the last one is the oldest */
    }
    d = admission_decide(&cfg, &fresh, t, n, 0, 0);
    cr_assert_eq(d.verdict, ADMIT_EVICT);
    cr_expect_eq(d.victim, 4);
}

Test(admission, early_drop_spares_a_source_with_nothing_pending)
{
    struct pending t[64];
    struct source_block busy = block("192.0.2.1");
    struct source_block fresh = block("192.0.2.99");
    size_t n;

    cfg.per_source_max_startups = 0;
    n = add(t, 0, "192.0.2.1", 55, 0);     /* past begin 10, rate 30..100 at 100 */
    cr_expect_eq(admission_decide(&cfg, &busy, t, n, 0, 0).verdict, REFUSE_EARLY_DROP);
    cr_expect_eq(admission_decide(&cfg, &busy, t, n, 99, 0).verdict, ADMIT,
                 "p = 30 + 70*45/90 = 65%%: a roll of 99 passes");
    cr_expect_eq(admission_decide(&cfg, &fresh, t, n, 0, 0).verdict, ADMIT);
}

Test(admission, allow_from)
{
    cr_expect(admission_allowed_from(&cfg, "203.0.113.5"), "empty list: everyone");
    cr_assert_eq(config_parse("t.conf", "AllowFrom 10.0.0.0/8 2001:db8::/32\n",
                              strlen("AllowFrom 10.0.0.0/8 2001:db8::/32\n"), &cfg, &errs), 0);
    cr_expect(admission_allowed_from(&cfg, "10.1.2.3"));
    cr_expect(admission_allowed_from(&cfg, "::ffff:10.1.2.3"));
    cr_expect(admission_allowed_from(&cfg, "2001:db8::42"));
    cr_expect_not(admission_allowed_from(&cfg, "11.0.0.1"));
    cr_expect_not(admission_allowed_from(&cfg, "2001:db9::1"));
}

/* ---- admission by progress (the table in admission.c) ---- */

#define GRACE_MS 3000           /* the default KexGraceTime */
#define LATER (GRACE_MS + 1000) /* a "now" when connections from 0..999 are stalled */

/* MaxStartups N:30:N - full at N, no early drop below. */
static void full_at(int n)
{
    cfg.max_startups_full = n;
    cfg.max_startups_begin = n;
}

/* Set the stage of t[from..to). */
static void stage(struct pending *t, size_t from, size_t to, int st)
{
    for (size_t i = from; i < to; i++) {
        t[i].stage = st;
    }
}

/* The decision for a newcomer from 127.0.0.1 at NOW (no early drop: a roll
 * of 99). */
static struct admit_decision from_admin(const struct pending *t, size_t n, long long now)
{
    struct source_block admin = block("127.0.0.1");

    return admission_decide(&cfg, &admin, t, n, 99, now);
}

/* The decision for a newcomer from a source with nothing pending, at NOW. */
static struct admit_decision newcomer(const struct pending *t, size_t n, long long now)
{
    struct source_block fresh = block("203.0.113.9");

    return admission_decide(&cfg, &fresh, t, n, 0, now);
}

Test(admission, default_kex_grace_time_is_three_seconds)
{
    cr_expect_eq(cfg.kex_grace_time, 3);
}

Test(admission, source_at_its_limit_gives_way_to_its_oldest_stalled_connection)
{
    struct pending t[16];
    struct admit_decision d;
    size_t n = 0;

    for (int i = 0; i < 10; i++) {
        n = add(t, n, "127.0.0.1", 1, 500 - i * 10);   /* the last is the oldest */
    }
    cr_expect_eq(from_admin(t, n, 410 + GRACE_MS - 1).verdict,
                 REFUSE_SOURCE_LIMIT, "even the oldest is not stalled yet: 2999 ms old");
    d = from_admin(t, n, 410 + GRACE_MS);
    cr_assert_eq(d.verdict, ADMIT_EVICT_STALLED, "the oldest is exactly KexGraceTime old");
    cr_expect_eq(d.victim, 9, "oldest first");
}

Test(admission, a_version_line_alone_is_no_progress)
{
    struct pending t[16];
    size_t n = add(t, 0, "127.0.0.1", 10, 0);

    stage(t, 0, n, PROGRESS_VERSION);
    cr_assert_eq(from_admin(t, n, LATER).verdict, ADMIT_EVICT_STALLED);
    cr_expect_eq(from_admin(t, n, LATER).victim, 0);
}

Test(admission, a_keyed_connection_is_never_evicted_at_the_source_limit)
{
    struct pending t[16];
    size_t n = add(t, 0, "127.0.0.1", 10, 0);

    stage(t, 0, n, PROGRESS_KEYED);
    cr_expect_eq(from_admin(t, n, LATER).verdict, REFUSE_SOURCE_LIMIT,
                 "a flood that keys is capped by PerSourceMaxStartups");
    t[4].stage = PROGRESS_NONE;
    cr_assert_eq(from_admin(t, n, LATER).verdict, ADMIT_EVICT_STALLED);
    cr_expect_eq(from_admin(t, n, LATER).victim, 4,
                 "the one stalled connection, not the older keyed ones");
}

Test(admission, the_source_limit_evicts_only_from_that_source)
{
    struct pending t[32];
    size_t n = add(t, 0, "127.0.0.2", 5, 0);           /* older, stalled, elsewhere */

    n = add(t, n, "127.0.0.1", 10, 100);
    stage(t, 5, n, PROGRESS_KEYED);
    cr_expect_eq(from_admin(t, n, LATER).verdict, REFUSE_SOURCE_LIMIT,
                 "closing another source's connection would not lower this source's count");
}

Test(admission, full_evicts_the_oldest_stalled_connection_of_any_source)
{
    struct pending t[16];
    size_t n = add(t, 0, "192.0.2.1", 3, 0);        /* oldest, keyed */

    full_at(9);
    n = add(t, n, "192.0.2.2", 4, 1000);    /* busiest, not stalled at 3500 */
    n = add(t, n, "192.0.2.3", 2, 200);     /* stalled at 3500, the older: index 7 */
    stage(t, 0, 3, PROGRESS_KEYED);
    cr_assert_eq(newcomer(t, n, 3500).verdict, ADMIT_EVICT_STALLED);
    cr_expect_eq(newcomer(t, n, 3500).victim, 7,
                 "stalled beats busiest, and the keyed ones are spared");
    cr_assert_eq(newcomer(t, n, 0).verdict, ADMIT_EVICT, "nothing stalled yet: the busiest rule");
    cr_expect_eq(newcomer(t, n, 0).victim, 3);
}

Test(admission, full_busiest_rule_skips_keyed_connections)
{
    struct pending t[16];
    size_t n = add(t, 0, "192.0.2.1", 5, 0);        /* busiest, but all keyed */

    full_at(8);
    n = add(t, n, "192.0.2.2", 3, 100);
    stage(t, 0, 5, PROGRESS_KEYED);
    cr_assert_eq(newcomer(t, n, 0).verdict, ADMIT_EVICT);
    cr_expect_eq(newcomer(t, n, 0).victim, 5,
                 "the busiest block with a connection that is not keyed");
    stage(t, 5, n, PROGRESS_KEYED);
    cr_expect_eq(newcomer(t, n, LATER).verdict, REFUSE_FULL,
                 "all keyed: nobody is closed for a newcomer");
}

Test(admission, early_drop_gives_way_to_a_stalled_connection)
{
    struct pending t[64];
    struct source_block busy = block("192.0.2.1");
    size_t n = add(t, 0, "192.0.2.1", 30, 3000);   /* past begin 10 */

    cfg.per_source_max_startups = 0;
    n = add(t, n, "192.0.2.7", 1, 10);
    cr_expect_eq(admission_decide(&cfg, &busy, t, n, 0, 10 + GRACE_MS - 1).verdict,
                 REFUSE_EARLY_DROP, "nothing stalled yet");
    cr_expect_eq(admission_decide(&cfg, &busy, t, n, 0, 10 + GRACE_MS).verdict,
                 ADMIT_EVICT_STALLED, "the one at 10 ms is stalled at 3010 on");
    cr_expect_eq(admission_decide(&cfg, &busy, t, n, 0, 10 + GRACE_MS).victim, 30);
}

Test(admission, kex_grace_time_zero_turns_the_stalled_rules_off)
{
    struct pending t[16];
    size_t n = add(t, 0, "127.0.0.1", 10, 0);

    cr_assert_eq(from_admin(t, n, LATER).verdict, ADMIT_EVICT_STALLED);
    cfg.kex_grace_time = 0;
    cr_expect_eq(from_admin(t, n, 1000LL * 1000 * 1000).verdict,
                 REFUSE_SOURCE_LIMIT);
}

Test(admission, progress_bytes_only_move_forward)
{
    struct pending p = { .stage = PROGRESS_NONE };

    admission_note_progress(&p, 7);
    cr_expect_eq(p.stage, PROGRESS_NONE, "not a stage");
    admission_note_progress(&p, PROGRESS_VERSION);
    cr_expect_eq(p.stage, PROGRESS_VERSION);
    admission_note_progress(&p, PROGRESS_KEYED);
    cr_expect_eq(p.stage, PROGRESS_KEYED);
    admission_note_progress(&p, PROGRESS_VERSION);
    admission_note_progress(&p, PROGRESS_NONE);
    cr_expect_eq(p.stage, PROGRESS_KEYED, "never back");
    admission_note_progress(&p, 0xff);
    cr_expect_eq(p.stage, PROGRESS_KEYED);
}
