/* fuzz_diagnose_dpkg.c - libFuzzer target for dg_dpkg_each()
 * (fallbackd/diagnose/dg_parse.h), the /var/lib/dpkg/status reader of the
 * incident console.  The input is a status file.
 *
 * Invariants: every package handed over has a non-empty name and the
 * three status words, each terminated inside its field; the stanzas seen
 * are at least those handed over plus those counted malformed; a second
 * pass gives the same packages; a callback that stops at once gets one
 * package at most.
 */
#include "fuzz.h"

#include "diagnose/dg_parse.h"

struct seen {
    size_t n;
    unsigned long sum;      /* a digest of names and states, for the second pass */
    int stop;
};

static void check_field(const char *s, size_t len, const char *what, int nonempty)
{
    FUZZ_CHECK(fuzz_terminated(s, len), "%s not terminated", what);
    FUZZ_CHECK(!nonempty || s[0] != '\0', "empty %s", what);
}

static int on_pkg(void *arg, const struct dg_pkg *p)
{
    struct seen *s = arg;

    check_field(p->name, sizeof(p->name), "name", 1);
    check_field(p->version, sizeof(p->version), "version", 0);
    check_field(p->want, sizeof(p->want), "want", 1);
    check_field(p->flag, sizeof(p->flag), "flag", 1);
    check_field(p->state, sizeof(p->state), "state", 1);
    FUZZ_CHECK(dg_pkg_unfinished(p) == 0 || dg_pkg_unfinished(p) == 1, "unfinished not 0/1");
    s->n++;
    for (const char *c = p->name; *c != '\0'; c++) {
        s->sum = s->sum * 31 + (unsigned char)*c;
    }
    for (const char *c = p->state; *c != '\0'; c++) {
        s->sum = s->sum * 37 + (unsigned char)*c;
    }
    return s->stop;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    struct seen a = { 0 }, b = { 0 }, c = { .stop = 1 };
    size_t bad = 0, seen;

    FUZZ_CHECK(text != NULL, "out of memory");
    memcpy(text, data, size);
    seen = dg_dpkg_each(text, size, on_pkg, &a, &bad);
    FUZZ_CHECK(seen >= a.n + bad, "%zu stanzas seen, %zu handed over, %zu malformed", seen, a.n,
               bad);
    dg_dpkg_each(text, size, on_pkg, &b, NULL);
    FUZZ_CHECK(a.n == b.n && a.sum == b.sum, "second pass differs");
    dg_dpkg_each(text, size, on_pkg, &c, NULL);
    FUZZ_CHECK(c.n <= 1, "a stopping callback got %zu packages", c.n);
    free(text);
    return 0;
}
