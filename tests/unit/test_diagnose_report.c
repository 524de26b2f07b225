/* test_diagnose_report.c - Criterion tests for the incident console's
 * report (fallbackd/diagnose/dg_report.h), its JSON (dg_json.h) and the
 * door's shared state (door_state.h); suite "diagnose_report".  (The
 * bounded reads it makes are readfile.h's: test_readfile.c.)
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagnose/dg_json.h"
#include "diagnose/dg_report.h"
#include "diagnose/door_state.h"

static char *render_text(const struct dg_report *r)
{
    struct dg_out o = { 0 };

    dg_render_text(r, &o, "\n");
    cr_assert(!o.failed);
    return o.p;
}

Test(diagnose_report, verdict_table)
{
    struct dg_report r = { 0 };
    char v[256];

    cr_assert_str_eq(dg_verdict(&r, v, sizeof(v)), "healthy");
    dg_add(&r, DG_OK, DG_SEC_SSHD, NULL, "fine");
    dg_add(&r, DG_INFO, DG_SEC_PKG, "x", "context");
    dg_add(&r, DG_WARN, DG_SEC_DOOR, NULL, "door never proven");
    cr_assert_str_eq(dg_verdict(&r, v, sizeof(v)), "healthy", "the door does not count");
    dg_add(&r, DG_WARN, DG_SEC_SYSTEM, NULL, "disk nearly full");
    cr_assert_str_eq(dg_verdict(&r, v, sizeof(v)), "DEGRADED: disk nearly full");
    dg_add(&r, DG_WARN, DG_SEC_PKG, NULL, "dpkg runs");
    cr_assert_str_eq(dg_verdict(&r, v, sizeof(v)), "DEGRADED: dpkg runs (+1 more problem)",
                     "packages come before system");
    dg_add(&r, DG_BAD, DG_SEC_SYSTEM, NULL, "libc broken");
    dg_add(&r, DG_BAD, DG_SEC_SSHD, NULL, "sshd deleted");
    cr_assert_str_eq(dg_verdict(&r, v, sizeof(v)), "BROKEN: sshd deleted (+3 more problems)");
    cr_assert_eq(dg_worst(&r), DG_BAD);
    dg_report_free(&r);
}

Test(diagnose_report, text_sections_in_order_worst_first)
{
    struct dg_report r = { 0 };
    char *t;

    dg_add(&r, DG_INFO, DG_SEC_DOOR, NULL, "door info");
    dg_add(&r, DG_OK, DG_SEC_SYSTEM, "statvfs(/): ok", "space fine");
    dg_add(&r, DG_BAD, DG_SEC_SYSTEM, "line1\nline2\r\n", "libc \x1b[31mbroken");
    dg_add(&r, DG_WARN, DG_SEC_SSHD, NULL, "old listener");
    t = render_text(&r);
    cr_assert_str_eq(t,
                     "verdict: BROKEN: libc ?[31mbroken (+1 more problem)\n"
                     "\n== sshd ==\n"
                     "  [warn] old listener\n"
                     "\n== system ==\n"
                     "  [bad ] libc ?[31mbroken\n"
                     "         | line1\n"
                     "         | line2\n"
                     "  [ok  ] space fine\n"
                     "         | statvfs(/): ok\n"
                     "\n== door ==\n"
                     "  [info] door info\n");
    free(t);
    dg_report_free(&r);
}

Test(diagnose_report, banner_only_problems)
{
    struct dg_report r = { 0 };
    struct dg_out o = { 0 };

    dg_add(&r, DG_OK, DG_SEC_SSHD, NULL, "fine");
    dg_add(&r, DG_BAD, DG_SEC_PKG, NULL, "openssh-server is half-configured");
    dg_add(&r, DG_WARN, DG_SEC_PKG, NULL, "dpkg runs");
    dg_add(&r, DG_WARN, DG_SEC_SYSTEM, NULL, "disk");
    dg_render_banner(&r, &o, 2, "\r\n");
    cr_assert_str_eq(o.p,
                     "fallbackd: main sshd BROKEN: openssh-server is half-configured "
                     "(+2 more problems)\r\n"
                     "fallbackd:   bad: openssh-server is half-configured\r\n"
                     "fallbackd:   warn: dpkg runs\r\n"
                     "fallbackd: full report: ssh -p PORT HOST -s diagnose\r\n");
    dg_out_free(&o);
    dg_report_free(&r);
}

/* dg_json_string of S as a malloc'd string. */
static char *json_of(const char *s, size_t len)
{
    struct dg_out o = { 0 };

    dg_json_string(&o, s, len);
    return o.p;
}

Test(diagnose_report, json_string_escaping)
{
    char *j;

    j = json_of("a\"b\\c\n\t\x01\x7f", 9);
    cr_assert_str_eq(j, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\"");
    free(j);
    j = json_of("caf\xc3\xa9 \xf0\x9f\x98\x80", 10);
    cr_assert_str_eq(j, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "valid UTF-8 passes");
    free(j);
    j = json_of("\xff\xc0\xaf\xed\xa0\x80\xe6\x97", 8);
    cr_assert_str_eq(j, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"",
                     "invalid, overlong, surrogate and cut sequences: one U+FFFD per byte");
    free(j);
    j = json_of("a\0b", 3);
    cr_assert_str_eq(j, "\"a\\u0000b\"");
    free(j);
}

Test(diagnose_report, json_report)
{
    struct dg_report r = { 0 };
    struct dg_out o = { 0 };

    dg_add(&r, DG_BAD, DG_SEC_SSHD, "/proc/1/exe -> /usr/sbin/sshd (deleted)", "deleted \"sshd\"");
    dg_render_json(&r, &o);
    cr_assert_str_eq(o.p, "{\"verdict\": \"BROKEN: deleted \\\"sshd\\\"\", \"worst\": \"bad\", "
                          "\"healthy\": false, \"findings\": [{\"section\": \"sshd\", "
                          "\"level\": \"bad\", \"title\": \"deleted \\\"sshd\\\"\", "
                          "\"evidence\": \"/proc/1/exe -> /usr/sbin/sshd (deleted)\"}], "
                          "\"lost\": 0}\n");
    dg_out_free(&o);
    dg_report_free(&r);
}

/* ---- the door's state ---- */

Test(diagnose_report, door_state_loopback_and_proof)
{
    struct door_state *s = door_state_create();

    cr_assert_not_null(s);
    cr_assert(door_state_is_loopback(s, "127.0.0.1"));
    cr_assert(door_state_is_loopback(s, "127.0.0.2"));
    cr_assert(door_state_is_loopback(s, "::1"));
    cr_assert(door_state_is_loopback(s, "::ffff:127.0.0.1"));
    cr_assert(!door_state_is_loopback(s, "192.0.2.1"));
    cr_assert(!door_state_is_loopback(s, "2001:db8::1"));
    door_state_login(s, "127.0.0.1", "root");
    cr_assert_eq(s->logins, 1);
    cr_assert_eq(s->proven_at, 0);
    door_state_login(s, "192.0.2.7", "alice");
    cr_assert_eq(s->logins, 2);
    cr_assert_neq(s->proven_at, 0);
    cr_assert_str_eq(s->proven_from, "192.0.2.7");
    cr_assert_str_eq(s->proven_user, "alice");
    door_state_login(NULL, "192.0.2.7", "alice");   /* no state: nothing, no crash */
}
