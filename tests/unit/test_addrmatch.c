/* test_addrmatch.c - globs, pattern lists, CIDR blocks and address lists
 * (fallbackd/addrmatch.c). */
#include <criterion/criterion.h>

#include <string.h>
#include <sys/socket.h>

#include "addrmatch.h"

Test(addrmatch, glob_literals_and_wildcards)
{
    cr_expect_eq(addrmatch_glob("abc", "abc"), 1);
    cr_expect_eq(addrmatch_glob("abc", "abd"), 0);
    cr_expect_eq(addrmatch_glob("abc", "ab"), 0);
    cr_expect_eq(addrmatch_glob("ab", "abc"), 0);
    cr_expect_eq(addrmatch_glob("a?c", "abc"), 1);
    cr_expect_eq(addrmatch_glob("a?c", "ac"), 0);
    cr_expect_eq(addrmatch_glob("?", ""), 0);
    cr_expect_eq(addrmatch_glob("a*", "a"), 1);
    cr_expect_eq(addrmatch_glob("a*", "abcdef"), 1);
    cr_expect_eq(addrmatch_glob("*c", "abc"), 1);
    cr_expect_eq(addrmatch_glob("*c", "abcd"), 0);
    cr_expect_eq(addrmatch_glob("a*b*c", "aXXbYYc"), 1);
    cr_expect_eq(addrmatch_glob("a*b*c", "aXXcYYb"), 0);
    cr_expect_eq(addrmatch_glob("ABC", "abc"), 0, "addrmatch_glob is case-sensitive");
}

Test(addrmatch, glob_edge_cases)
{
    cr_expect_eq(addrmatch_glob("", ""), 1);
    cr_expect_eq(addrmatch_glob("", "a"), 0);
    cr_expect_eq(addrmatch_glob("*", ""), 1);
    cr_expect_eq(addrmatch_glob("**", ""), 1);
    cr_expect_eq(addrmatch_glob("***a***", "a"), 1);
    cr_expect_eq(addrmatch_glob("*?", ""), 0);
    cr_expect_eq(addrmatch_glob("*?", "x"), 1);
    cr_expect_eq(addrmatch_glob("*a", "*ba"), 1, "a '*' in the subject is no wildcard");
    cr_expect_eq(addrmatch_glob("a*a", "aaa"), 1);
    cr_expect_eq(addrmatch_glob("*aab", "aaaab"), 1, "needs backtracking");
    cr_expect_eq(addrmatch_glob("*ab*ab", "abxabyab"), 1);
    cr_expect_eq(addrmatch_glob(NULL, "a"), 0);
    cr_expect_eq(addrmatch_glob("a", NULL), 0);
}

Test(addrmatch, glob_pathological_is_fast)
{
    char s[4001];
    char p[202];

    memset(s, 'a', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    for (size_t i = 0; i < 100; i++) {
        p[2 * i] = '*';
        p[2 * i + 1] = 'a';
    }
    p[200] = 'b';
    p[201] = '\0';
    cr_expect_eq(addrmatch_glob(p, s), 0);
}

Test(addrmatch, pattern_list_basic)
{
    cr_expect_eq(addrmatch_patterns("alice", "alice"), 1);
    cr_expect_eq(addrmatch_patterns("alice", "bob,alice"), 1);
    cr_expect_eq(addrmatch_patterns("alice", "bob,carol"), 0);
    cr_expect_eq(addrmatch_patterns("alice", "a*"), 1);
    cr_expect_eq(addrmatch_patterns("alice", ""), 0);
    cr_expect_eq(addrmatch_patterns("", ""), 0, "empty entries never match");
    cr_expect_eq(addrmatch_patterns("alice", ",,alice,"), 1);
    cr_expect_eq(addrmatch_patterns("alice", "!"), 0);
    cr_expect_eq(addrmatch_patterns(NULL, "a"), 0);
    cr_expect_eq(addrmatch_patterns("a", NULL), 0);
}

Test(addrmatch, pattern_list_negation_wins)
{
    cr_expect_eq(addrmatch_patterns("alice", "*,!alice"), -1);
    cr_expect_eq(addrmatch_patterns("alice", "!alice,*"), -1);
    cr_expect_eq(addrmatch_patterns("alice", "!al*,alice"), -1);
    cr_expect_eq(addrmatch_patterns("bob", "*,!alice"), 1);
    cr_expect_eq(addrmatch_patterns("bob", "!alice"), 0,
                 "a negation alone grants nothing");
    cr_expect_eq(addrmatch_patterns("LANG", "LC_*,LANG,!LC_ALL"), 1);
    cr_expect_eq(addrmatch_patterns("LC_ALL", "LC_*,LANG,!LC_ALL"), -1);
}

Test(addrmatch, cidr_parse_valid)
{
    struct cidr c;

    cr_assert_eq(addrmatch_cidr_parse("192.0.2.0/24", &c), 0);
    cr_expect_eq(c.family, AF_INET);
    cr_expect_eq(c.bits, 24);
    cr_expect_eq(c.addr[0], 192);
    cr_expect_eq(c.addr[2], 2);
    cr_assert_eq(addrmatch_cidr_parse("10.1.2.3", &c), 0);
    cr_expect_eq(c.bits, 32);
    cr_assert_eq(addrmatch_cidr_parse("0.0.0.0/0", &c), 0);
    cr_expect_eq(c.bits, 0);
    cr_assert_eq(addrmatch_cidr_parse("2001:db8::/32", &c), 0);
    cr_expect_eq(c.family, AF_INET6);
    cr_expect_eq(c.bits, 32);
    cr_assert_eq(addrmatch_cidr_parse("::/0", &c), 0);
    cr_assert_eq(addrmatch_cidr_parse("::1", &c), 0);
    cr_expect_eq(c.bits, 128);
    cr_expect_eq(c.addr[15], 1);
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/008", &c), 0);
    cr_expect_eq(c.bits, 8);
}

Test(addrmatch, cidr_parse_invalid)
{
    struct cidr c = { .family = 12345, .bits = 77 };

    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/33", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("2001:db8::/129", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("1.2.3.4/8", &c), -1, "host bits set");
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.1/31", &c), -1, "host bit set");
    cr_expect_eq(addrmatch_cidr_parse("2001:db8::1/64", &c), -1, "host bits set");
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("0.0.0.0/", &c), -1, "an empty length is no /0");
    cr_expect_eq(addrmatch_cidr_parse("::/", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/-1", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/+8", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/8 ", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/8/8", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/1000", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("/8", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("256.0.0.0/8", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("10.0.0/24", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("host.example/24", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("fe80::1%eth0", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("1111:2222:3333:4444:5555:6666:7777:8888:9999/128", &c), -1);
    cr_expect_eq(addrmatch_cidr_parse(NULL, &c), -1);
    cr_expect_eq(addrmatch_cidr_parse("10.0.0.0/8", NULL), -1);
    cr_expect_eq(c.family, 12345, "output untouched on error");
    cr_expect_eq(c.bits, 77);
}

/* Parse S, which must be valid, and test ADDR against it. */
static int in_block(const char *s, const char *addr)
{
    struct cidr c;

    cr_assert_eq(addrmatch_cidr_parse(s, &c), 0, "%s should parse", s);
    return addrmatch_cidr_contains(&c, addr);
}

Test(addrmatch, cidr_v4_boundaries)
{
    cr_expect_eq(in_block("192.168.1.0/24", "192.168.1.0"), 1);
    cr_expect_eq(in_block("192.168.1.0/24", "192.168.1.255"), 1);
    cr_expect_eq(in_block("192.168.1.0/24", "192.168.0.255"), 0);
    cr_expect_eq(in_block("192.168.1.0/24", "192.168.2.0"), 0);
    cr_expect_eq(in_block("10.0.0.0/31", "10.0.0.0"), 1);
    cr_expect_eq(in_block("10.0.0.0/31", "10.0.0.1"), 1);
    cr_expect_eq(in_block("10.0.0.0/31", "10.0.0.2"), 0);
    cr_expect_eq(in_block("10.0.0.0/31", "9.255.255.255"), 0);
    cr_expect_eq(in_block("10.0.0.5/32", "10.0.0.5"), 1);
    cr_expect_eq(in_block("10.0.0.5/32", "10.0.0.4"), 0);
    cr_expect_eq(in_block("10.0.0.5/32", "10.0.0.6"), 0);
    cr_expect_eq(in_block("172.16.0.0/12", "172.31.255.255"), 1);
    cr_expect_eq(in_block("172.16.0.0/12", "172.32.0.0"), 0);
    cr_expect_eq(in_block("128.0.0.0/1", "127.255.255.255"), 0);
    cr_expect_eq(in_block("128.0.0.0/1", "128.0.0.0"), 1);
    cr_expect_eq(in_block("0.0.0.0/0", "255.255.255.255"), 1);
    cr_expect_eq(in_block("0.0.0.0/0", "0.0.0.0"), 1);
    cr_expect_eq(in_block("0.0.0.0/0", "2001:db8::1"), 0, "IPv4 block, IPv6 address");
}

Test(addrmatch, cidr_v6_boundaries)
{
    cr_expect_eq(in_block("2001:db8::/32", "2001:db8::"), 1);
    cr_expect_eq(in_block("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
    cr_expect_eq(in_block("2001:db8::/32", "2001:db9::"), 0);
    cr_expect_eq(in_block("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"), 0);
    cr_expect_eq(in_block("2001:db8::1/128", "2001:db8::1"), 1);
    cr_expect_eq(in_block("2001:db8::1/128", "2001:DB8:0:0:0:0:0:1"), 1);
    cr_expect_eq(in_block("2001:db8::1/128", "2001:db8::0"), 0);
    cr_expect_eq(in_block("2001:db8::1/128", "2001:db8::2"), 0);
    cr_expect_eq(in_block("2001:db8::/127", "2001:db8::1"), 1);
    cr_expect_eq(in_block("2001:db8::/127", "2001:db8::2"), 0);
    cr_expect_eq(in_block("fe80::/10", "febf::1"), 1);
    cr_expect_eq(in_block("fe80::/10", "fec0::1"), 0);
    cr_expect_eq(in_block("::/0", "::"), 1);
    cr_expect_eq(in_block("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
    cr_expect_eq(in_block("::/0", "10.0.0.1"), 1, "IPv4 seen as ::ffff:10.0.0.1");
}

Test(addrmatch, cidr_mapped_addresses)
{
    cr_expect_eq(in_block("192.0.2.0/24", "::ffff:192.0.2.7"), 1);
    cr_expect_eq(in_block("192.0.2.0/24", "::FFFF:192.0.2.7"), 1);
    cr_expect_eq(in_block("192.0.2.0/24", "::ffff:c000:0207"), 1);
    cr_expect_eq(in_block("192.0.2.0/24", "::ffff:192.0.3.7"), 0);
    cr_expect_eq(in_block("192.0.2.0/24", "::192.0.2.7"), 0, "compatible is not mapped");
    cr_expect_eq(in_block("192.0.2.0/24", "64:ff9b::192.0.2.7"), 0);
    cr_expect_eq(in_block("::ffff:0:0/96", "203.0.113.9"), 1);
    cr_expect_eq(in_block("::ffff:192.0.2.0/120", "192.0.2.200"), 1);
    cr_expect_eq(in_block("::ffff:192.0.2.0/120", "192.0.3.200"), 0);
}

Test(addrmatch, cidr_contains_bad_input)
{
    struct cidr c;
    struct cidr bogus = { .family = AF_INET, .bits = 99 };

    cr_assert_eq(addrmatch_cidr_parse("0.0.0.0/0", &c), 0);
    cr_expect_eq(addrmatch_cidr_contains(&c, "not-an-address"), 0);
    cr_expect_eq(addrmatch_cidr_contains(&c, ""), 0);
    cr_expect_eq(addrmatch_cidr_contains(&c, "1.2.3.4/32"), 0);
    cr_expect_eq(addrmatch_cidr_contains(&c, NULL), 0);
    cr_expect_eq(addrmatch_cidr_contains(NULL, "1.2.3.4"), 0);
    cr_expect_eq(addrmatch_cidr_contains(&bogus, "1.2.3.4"), 0);
}

Test(addrmatch, addr_list_cidr_and_bare)
{
    cr_expect_eq(addrmatch_list("10.1.2.3", "10.0.0.0/8"), 1);
    cr_expect_eq(addrmatch_list("11.1.2.3", "10.0.0.0/8"), 0);
    cr_expect_eq(addrmatch_list("192.0.2.1", "10.0.0.0/8,192.0.2.1"), 1);
    cr_expect_eq(addrmatch_list("192.0.2.2", "10.0.0.0/8,192.0.2.1"), 0);
    cr_expect_eq(addrmatch_list("2001:db8::5", "2001:db8::/64"), 1);
    cr_expect_eq(addrmatch_list("2001:db8:1::5", "2001:db8::/64"), 0);
    cr_expect_eq(addrmatch_list("::ffff:10.9.9.9", "10.0.0.0/8"), 1);
    cr_expect_eq(addrmatch_list("2001:db8::1", "2001:DB8::1"), 1);
}

Test(addrmatch, addr_list_wildcards)
{
    cr_expect_eq(addrmatch_list("192.168.1.77", "192.168.1.*"), 1);
    cr_expect_eq(addrmatch_list("192.168.10.7", "192.168.1.*"), 0);
    cr_expect_eq(addrmatch_list("192.168.1.7", "192.168.1.?"), 1);
    cr_expect_eq(addrmatch_list("192.168.1.77", "192.168.1.?"), 0);
    cr_expect_eq(addrmatch_list("::ffff:192.168.1.77", "192.168.1.*"), 1,
                 "mapped addresses are globbed in their IPv4 form");
    cr_expect_eq(addrmatch_list("2001:DB8::1", "2001:db8::*"), 1);
    cr_expect_eq(addrmatch_list("2001:db8::1", "2001:DB8::*"), 1);
    cr_expect_eq(addrmatch_list("1.2.3.4", "*"), 1);
    cr_expect_eq(addrmatch_list("1.2.3.4", "gateway.example.com"), 0,
                 "host names are never resolved");
    cr_expect_eq(addrmatch_list("1.2.3.4", "*.example.com"), 0);
}

Test(addrmatch, addr_list_negation)
{
    cr_expect_eq(addrmatch_list("10.0.0.1", "10.0.0.0/8,!10.0.0.1"), -1);
    cr_expect_eq(addrmatch_list("10.0.0.1", "!10.0.0.0/24,*"), -1);
    cr_expect_eq(addrmatch_list("10.0.1.1", "!10.0.0.0/24,*"), 1);
    cr_expect_eq(addrmatch_list("10.0.1.1", "!10.0.0.0/24"), 0);
    cr_expect_eq(addrmatch_list("::ffff:10.0.0.9", "*,!10.0.0.*"), -1);
    cr_expect_eq(addrmatch_list("10.0.0.1", "!gateway.example.com,10.0.0.0/8"), 1);
}

Test(addrmatch, addr_list_malformed)
{
    const char *bad[] = {
        "10.0.0.0/33", "1.2.3.4/8", "", ",", "10.0.0.0/8,", ",10.0.0.0/8",
        "10.0.0.0/8,,1.2.3.4", "!", "10.0.0.0/8,!", "10.0.0.0/8, 1.2.3.4",
        "300.1.2.3", "1.2.3", "2001:db8::/129", "2001:zz::1", "10.0.*/8",
        "bad host", "a;b", "fe80::1%eth0", "10.0.0.0/8x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct diag why = { 0 };

        cr_expect_eq(addrmatch_list("10.0.0.1", bad[i]), -2, "list \"%s\"", bad[i]);
        cr_expect_eq(addrmatch_list("junk", bad[i]), -2, "list \"%s\"", bad[i]);
        cr_expect_eq(addrmatch_list_valid(bad[i], &why), -1, "list \"%s\"", bad[i]);
        cr_expect_eq(why.n, 1, "one reason for \"%s\"", bad[i]);
        cr_expect_neq(diag_last(&why)[0], '\0', "a reason for \"%s\"", bad[i]);
        diag_free(&why);
    }
    cr_expect_eq(addrmatch_list("10.0.0.1", "!10.0.0.1,10.0.0.0/33"), -2,
                 "a later bad entry is found after a negated match");
    cr_expect_eq(addrmatch_list("10.0.0.1", NULL), -2);
}

Test(addrmatch, addr_list_valid_reasons)
{
    struct diag d = { 0 };
    const char *why;

    cr_expect_eq(addrmatch_list_valid("10.0.0.0/8,192.168.*,!2001:db8::/32,host.example", &d), 0);
    cr_expect_eq(d.n, 0, "a valid list adds no line");
    cr_expect_eq(addrmatch_list_valid("10.0.0.0/8,1.2.3.4/8", &d), -1);
    cr_assert_eq(d.n, 1);
    why = diag_last(&d);
    cr_expect(strstr(why, "entry 2") != NULL, "why = %s", why);
    cr_expect(strstr(why, "1.2.3.4/8") != NULL, "why = %s", why);
    cr_expect(strstr(why, "host bits") != NULL, "why = %s", why);
    cr_expect_eq(addrmatch_list_valid("10.0.0.0/33", NULL), -1);
    cr_expect_eq(addrmatch_list_valid(NULL, &d), -1);
    cr_expect_eq(d.n, 2, "the caller's earlier line is kept");
    diag_free(&d);
}

Test(addrmatch, addr_list_long_entry)
{
    char list[600];

    memset(list, 'a', sizeof(list) - 1);
    list[sizeof(list) - 1] = '\0';
    cr_expect_eq(addrmatch_list("1.2.3.4", list), -2);
    list[255] = '\0';
    cr_expect_eq(addrmatch_list("1.2.3.4", list), 0, "255 bytes is a host name");
}

Test(addrmatch, addr_list_bad_address)
{
    cr_expect_eq(addrmatch_list("not-an-ip", "*"), 0);
    cr_expect_eq(addrmatch_list(NULL, "*"), 0);
    cr_expect_eq(addrmatch_list("1.2.3.4/32", "1.2.3.4"), 0);
}
