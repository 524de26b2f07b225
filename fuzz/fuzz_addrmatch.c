/* fuzz_addrmatch.c - libFuzzer target for the pattern and address lists
 * of fallbackd/addrmatch.h: addrmatch_list, addrmatch_list_valid,
 * addrmatch_patterns, addrmatch_glob, addrmatch_cidr_parse,
 * addrmatch_cidr_contains.
 *
 * Input: "S\nLIST": the first line is the address (or string) S, the rest
 * the list; without a newline S and LIST are both the whole input.
 * Inputs holding a NUL are rejected.  Invariants:
 *   - results stay in their ranges; addrmatch_list_valid explains a refusal in
 *     one non-empty line and adds none otherwise;
 *   - addrmatch_list says "malformed" (-2) exactly when addrmatch_list_valid
 *     refuses the list, whatever the address;
 *   - any string matches itself as a glob, and as a one-entry pattern list
 *     when it has no ',' and no leading '!';
 *   - a block addrmatch_cidr_parse accepts has a sane family and prefix, contains
 *     its own network address, is a valid one-entry address list that
 *     matches that address, and negated ("!S") refuses it.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "addrmatch.h"
#include "fuzz.h"

/* addrmatch_list_valid() of LIST, with its reason checked. */
static int valid_checked(const char *list)
{
    struct diag why = { 0 };
    int v = addrmatch_list_valid(list, &why);

    FUZZ_CHECK(v == 0 || v == -1, "addrmatch_list_valid returned %d", v);
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
    int m = addrmatch_list(s, list);
    int p = addrmatch_patterns(s, list);
    int g = addrmatch_glob(list, s);

    FUZZ_CHECK(m >= -2 && m <= 1, "addrmatch_list returned %d", m);
    FUZZ_CHECK((m == -2) == (v == -1), "addrmatch_list %d but addrmatch_list_valid %d", m, v);
    FUZZ_CHECK(p >= -1 && p <= 1, "addrmatch_patterns returned %d", p);
    FUZZ_CHECK(g == 0 || g == 1, "addrmatch_glob returned %d", g);
}

/* Every string matches itself. */
static void check_self_match(const char *s)
{
    FUZZ_CHECK(addrmatch_glob(s, s) == 1, "\"%s\" does not glob-match itself", s);
    if (s[0] != '\0' && s[0] != '!' && strchr(s, ',') == NULL) {
        FUZZ_CHECK(addrmatch_patterns(s, s) == 1, "\"%s\" does not pattern-match itself", s);
    }
}

/* "!" + S as a new string. */
static char *negated(const char *s)
{
    char *neg = NULL;

    FUZZ_CHECK(asprintf(&neg, "!%s", s) >= 0, "out of memory");
    return neg;
}

/* A block S that addrmatch_cidr_parse accepted as C. */
static void check_cidr(const char *s, const struct cidr *c)
{
    char text[INET6_ADDRSTRLEN];
    char *neg;
    int v4 = c->family == AF_INET;

    FUZZ_CHECK(v4 || c->family == AF_INET6, "family %d", c->family);
    FUZZ_CHECK(c->bits >= 0 && c->bits <= (v4 ? 32 : 128), "prefix /%d", c->bits);
    FUZZ_CHECK(inet_ntop(c->family, c->addr, text, sizeof(text)) != NULL, "inet_ntop failed");
    FUZZ_CHECK(addrmatch_cidr_contains(c, text) == 1, "%s does not contain %s", s, text);
    FUZZ_CHECK(valid_checked(s) == 0, "block %s is not a valid address list", s);
    FUZZ_CHECK(addrmatch_list(text, s) == 1, "list \"%s\" does not match %s", s, text);
    neg = negated(s);
    FUZZ_CHECK(addrmatch_list(text, neg) == -1, "list \"%s\" does not refuse %s", neg, text);
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
    if (addrmatch_cidr_parse(input, &c) == 0) {
        check_cidr(input, &c);
    }
    free(input);
    return 0;
}
