/* test_permitopen.c - the PermitOpen / permitopen= matcher
 * (fallbackd/permitopen.c): sshd's syntax, literal host comparison, "*"
 * for host or port, any/none, and both lists' empty meaning. */
#include <criterion/criterion.h>

#include "permitopen.h"

Test(permitopen, parse_forms)
{
    struct permitopen p;
    const char *why = NULL;

    cr_assert_eq(permitopen_parse("example.org:443", &p, &why), 0);
    cr_expect_str_eq(p.host, "example.org");
    cr_expect_eq(p.port, 443);
    cr_assert_eq(permitopen_parse("[2001:db8::1]:22", &p, &why), 0);
    cr_expect_str_eq(p.host, "2001:db8::1");
    cr_expect_eq(p.port, 22);
    cr_assert_eq(permitopen_parse("*:*", &p, &why), 0);
    cr_expect_str_eq(p.host, "*");
    cr_expect_eq(p.port, -1);
    cr_assert_eq(permitopen_parse("10.0.0.1:65535", &p, &why), 0);
}

Test(permitopen, parse_errors)
{
    static const struct {
        const char *entry, *why;
    } bad[] = {
        { "host", "is not host:port" },
        { ":80", "has no host" },
        { "host:", "port is not a number or *" },
        { "host:0", "port is not in 1-65535" },
        { "host:65536", "port is not in 1-65535" },
        { "host:+80", "port is not a number or *" },
        { "host:123456", "port is not a number or *" },
        { "2001:db8::1:22", "an IPv6 address must be written [address]:port" },
        { "[2001:db8::1]22", "[IPv6 address] is not followed by :port" },
        { "[::1", "[IPv6 address] is not followed by :port" },
        { "a b:80", "host has a blank or bracket" },
    };
    struct permitopen p;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = NULL;

        cr_expect_eq(permitopen_parse(bad[i].entry, &p, &why), -1, "%s", bad[i].entry);
        cr_expect_str_eq(why ? why : "", bad[i].why, "%s", bad[i].entry);
    }
}

Test(permitopen, entry_matching_is_literal)
{
    cr_expect(permitopen_entry_allows("localhost:80", "localhost", 80));
    cr_expect(permitopen_entry_allows("localhost:80", "LocalHost", 80));
    cr_expect_not(permitopen_entry_allows("localhost:80", "127.0.0.1", 80));
    cr_expect_not(permitopen_entry_allows("localhost:80", "localhost", 81));
    cr_expect_not(permitopen_entry_allows("*.example.org:80", "www.example.org", 80));
    cr_expect(permitopen_entry_allows("*:80", "anything", 80));
    cr_expect_not(permitopen_entry_allows("*:80", "anything", 8080));
    cr_expect(permitopen_entry_allows("db:*", "db", 5432));
    cr_expect(permitopen_entry_allows("[::1]:22", "::1", 22));
    cr_expect_not(permitopen_entry_allows("bogus", "bogus", 22));
}

Test(permitopen, lists)
{
    char *any[] = { "any" };
    char *none[] = { "none" };
    char *two[] = { "a:1", "b:*" };

    cr_expect(permitopen_list_allows(NULL, 0, "x", 1));
    cr_expect(permitopen_list_allows(any, 1, "x", 1));
    cr_expect_not(permitopen_list_allows(none, 1, "x", 1));
    cr_expect(permitopen_list_allows(two, 2, "a", 1));
    cr_expect_not(permitopen_list_allows(two, 2, "a", 2));
    cr_expect(permitopen_list_allows(two, 2, "b", 9));
    cr_expect_not(permitopen_list_allows(two, 2, "c", 1));
}

Test(permitopen, words)
{
    const char *why = NULL;

    cr_expect_eq(permitopen_word_ok("any", &why), 0);
    cr_expect_eq(permitopen_word_ok("NONE", &why), 0);
    cr_expect_eq(permitopen_word_ok("h:1", &why), 0);
    cr_expect_eq(permitopen_word_ok("h", &why), -1);
}
