/* test_resolve_hosts.c - the /etc/hosts parser (fallbackd/resolve_hosts.c):
 * names and aliases, case, comments, both families, file order,
 * duplicates, the bound, and malformed lines skipped and counted. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "resolve_hosts.h"

static size_t look(const char *text, const char *name, struct resolve_hosts_addr *out, size_t max,
                   size_t *bad)
{
    return resolve_hosts_lookup(text, strlen(text), name, out, max, bad);
}

static void expect_addr(const struct resolve_hosts_addr *a, int family, const char *text)
{
    unsigned char want[16] = { 0 };

    cr_expect_eq(a->family, family);
    cr_assert_eq(inet_pton(family, text, want), 1);
    cr_expect_eq(memcmp(a->addr, want, family == AF_INET ? 4 : 16), 0, "%s", text);
}

Test(resolve_hosts, names_aliases_case_comments)
{
    const char *text = "# comment line\n"
                       "127.0.0.1\tlocalhost\n"
                       "  192.0.2.10   web  www.example.org  Intranet # trailing comment\n"
                       "192.0.2.11 other # web\n";
    struct resolve_hosts_addr a[4];
    size_t bad = 99;

    cr_assert_eq(look(text, "web", a, 4, &bad), 1);
    expect_addr(&a[0], AF_INET, "192.0.2.10");
    cr_expect_eq(bad, 0);
    cr_assert_eq(look(text, "INTRANET", a, 4, NULL), 1);
    cr_assert_eq(look(text, "www.example.org", a, 4, NULL), 1);
    cr_expect_eq(look(text, "#", a, 4, NULL), 0);
    cr_expect_eq(look(text, "comment", a, 4, NULL), 0);
    cr_expect_eq(look(text, "192.0.2.10", a, 4, NULL), 0);
}

Test(resolve_hosts, both_families_in_file_order_without_duplicates)
{
    const char *text = "::1 both\n127.0.0.1 both\r\n::1 both\n2001:db8::5 both x\n";
    struct resolve_hosts_addr a[8];

    cr_assert_eq(look(text, "both", a, 8, NULL), 3);
    expect_addr(&a[0], AF_INET6, "::1");
    expect_addr(&a[1], AF_INET, "127.0.0.1");
    expect_addr(&a[2], AF_INET6, "2001:db8::5");
    cr_expect_eq(look(text, "both", a, 2, NULL), 2);
}

Test(resolve_hosts, malformed_lines_skipped_and_counted)
{
    char text[RESOLVE_HOSTS_LINE_MAX + 200];
    struct resolve_hosts_addr a[4];
    size_t bad = 0;
    size_t n = 0;

    n += (size_t)snprintf(text + n, sizeof(text) - n,
                          "300.1.1.1 bad\n10.0.0.1\nfe80::1%%eth0 scoped\nnot-an-address x\n");
    memset(text + n, 'a', RESOLVE_HOSTS_LINE_MAX + 1);
    n += RESOLVE_HOSTS_LINE_MAX + 1;
    n += (size_t)snprintf(text + n, sizeof(text) - n, "\n10.0.0.2 good");
    cr_assert_eq(resolve_hosts_lookup(text, n, "good", a, 4, &bad), 1);
    expect_addr(&a[0], AF_INET, "10.0.0.2");
    cr_expect_eq(bad, 5);
    cr_expect_eq(resolve_hosts_lookup(text, n, "bad", a, 4, NULL), 0);
}

Test(resolve_hosts, nul_byte_and_empty_text)
{
    static const char text[] = "10.0.0.1 a\0b\n10.0.0.3 c\n";
    struct resolve_hosts_addr a[2];
    size_t bad = 0;

    cr_expect_eq(resolve_hosts_lookup(text, sizeof(text) - 1, "a", a, 2, &bad), 0);
    cr_expect_eq(bad, 1);
    cr_expect_eq(resolve_hosts_lookup(text, sizeof(text) - 1, "c", a, 2, NULL), 1);
    cr_expect_eq(resolve_hosts_lookup("", 0, "c", a, 2, &bad), 0);
    cr_expect_eq(bad, 0);
}
