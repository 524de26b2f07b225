/* fuzz_addrmatch.c - libFuzzer target for the pattern and address lists
 * of fallbackd/addrmatch.h: addr_list_match, addr_list_valid,
 * pattern_list_match, glob_match, cidr_parse, cidr_contains.
 *
 * Input: "S\nLIST": the first line is the address (or string) S, the rest
 * the list; without a newline S and LIST are both the whole input.
 * Inputs holding a NUL are rejected.  Invariants:
 *   - results stay in their ranges; addr_list_valid explains a refusal in
 *     one non-empty line and adds none otherwise;
 *   - addr_list_match says "malformed" (-2) exactly when addr_list_valid
 *     refuses the list, whatever the address;
 *   - any string matches itself as a glob, and as a one-entry pattern list
 *     when it has no ',' and no leading '!';
 *   - a block cidr_parse accepts has a sane family and prefix, contains
 *     its own network address, is a valid one-entry address list that
 *     matches that address, and negated ("!S") refuses it.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "addrmatch.h"
#include "fuzz.h"

/* addr_list_valid() of LIST, with its reason checked. */
static int valid_checked(const char *list)
{
    struct diag why = { 0 };
    int v = addr_list_valid(list, &why);

    FUZZ_CHECK(v == 0 || v == -1, "addr_list_valid returned %d", v);
    FUZZ_CHECK(why.lost == 0 && why.n == (v == 0 ? 0u : 1u), "result %d with %zu reasons", v,
               why.n);
    FUZZ_CHECK(v == 0 || diag_last(&why)[0] != '\0', "an empty reason");
    diag_free(&why);
    return v;
}

/* Matching S against LIST, as addresses and as patterns. */
static void check_lists(const char *s, const char *list)
{
    int v = valid_checked(list);
    int m = addr_list_match(s, list);
    int p = pattern_list_match(s, list);
    int g = glob_match(list, s);

    FUZZ_CHECK(m >= -2 && m <= 1, "addr_list_match returned %d", m);
    FUZZ_CHECK((m == -2) == (v == -1), "addr_list_match %d but addr_list_valid %d", m, v);
    FUZZ_CHECK(p >= -1 && p <= 1, "pattern_list_match returned %d", p);
    FUZZ_CHECK(g == 0 || g == 1, "glob_match returned %d", g);
}

/* Every string matches itself. */
static void check_self_match(const char *s)
{
    FUZZ_CHECK(glob_match(s, s) == 1, "\"%s\" does not glob-match itself", s);
    if (s[0] != '\0' && s[0] != '!' && strchr(s, ',') == NULL) {
        FUZZ_CHECK(pattern_list_match(s, s) == 1, "\"%s\" does not pattern-match itself", s);
    }
}

/* "!" + S as a new string. */
static char *negated(const char *s)
{
    char *neg = NULL;

    FUZZ_CHECK(asprintf(&neg, "!%s", s) >= 0, "out of memory");
    return neg;
}

/* A block S that cidr_parse accepted as C. */
static void check_cidr(const char *s, const struct cidr *c)
{
    char text[INET6_ADDRSTRLEN];
    char *neg;
    int v4 = c->family == AF_INET;

    FUZZ_CHECK(v4 || c->family == AF_INET6, "family %d", c->family);
    FUZZ_CHECK(c->bits >= 0 && c->bits <= (v4 ? 32 : 128), "prefix /%d", c->bits);
    FUZZ_CHECK(inet_ntop(c->family, c->addr, text, sizeof(text)) != NULL, "inet_ntop failed");
    FUZZ_CHECK(cidr_contains(c, text) == 1, "%s does not contain %s", s, text);
    FUZZ_CHECK(valid_checked(s) == 0, "block %s is not a valid address list", s);
    FUZZ_CHECK(addr_list_match(text, s) == 1, "list \"%s\" does not match %s", s, text);
    neg = negated(s);
    FUZZ_CHECK(addr_list_match(text, neg) == -1, "list \"%s\" does not refuse %s", neg, text);
    free(neg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = fuzz_cstring(data, size, "");
    char *nl, *list;
    struct cidr c;

    if (input == NULL) {
        return FUZZ_REJECT;
    }
    nl = strchr(input, '\n');
    list = input;
    if (nl != NULL) {
        *nl = '\0';
        list = nl + 1;
    }
    check_lists(input, list);
    check_self_match(input);
    check_self_match(list);
    memset(&c, 0, sizeof(c));
    if (cidr_parse(input, &c) == 0) {
        check_cidr(input, &c);
    }
    free(input);
    return 0;
}
