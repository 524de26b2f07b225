/* fuzz_hosts.c - libFuzzer target for the /etc/hosts parser,
 * resolve_hosts_lookup() (fallbackd/resolve_hosts.h).
 *
 * Input: "NAME\nTEXT": the first line is the name looked up, the rest the
 * file (NUL bytes allowed in TEXT: the parser must skip such lines).
 * Invariants:
 *   - at most MAX addresses, each AF_INET or AF_INET6, no two equal;
 *   - a smaller MAX gives a prefix of the larger answer (file order);
 *   - the count of skipped lines is at most the number of lines;
 *   - appending the line "192.0.2.77 NAME" finds 192.0.2.77 as well,
 *     when NAME is a plain word and there is room.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "resolve_hosts.h"

static size_t count_lines(const char *text, size_t len)
{
    size_t n = len > 0;

    for (size_t i = 0; i + 1 < len; i++) {
        n += text[i] == '\n';
    }
    return n;
}

static void check_answer(const struct resolve_hosts_addr *a, size_t n, size_t max)
{
    FUZZ_CHECK(n <= max, "%zu addresses for max %zu", n, max);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(a[i].family == AF_INET || a[i].family == AF_INET6, "family %d",
                   a[i].family);
        for (size_t j = 0; j < i; j++) {
            FUZZ_CHECK(a[i].family != a[j].family || memcmp(a[i].addr, a[j].addr, 16) != 0,
                       "duplicate address %zu and %zu", i, j);
        }
    }
}

/* Is NAME one plain hosts-file word? */
static int plain_word(const char *name, size_t len)
{
    if (len == 0 || len > 200) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (name[i] == ' ' || name[i] == '\t' || name[i] == '\r' || name[i] == '#' ||
            name[i] == '\0') {
            return 0;
        }
    }
    return 1;
}

/* TEXT plus "\n192.0.2.77 NAME\n": the extra address must be found. */
static void check_appended(const char *text, size_t len, const char *name, size_t n)
{
    struct resolve_hosts_addr a[RESOLVE_HOSTS_MAX_ADDRS];
    unsigned char want[4];
    size_t nlen = strlen(name);
    char *more = malloc(len + nlen + 32);
    size_t mlen;
    size_t got;
    int found = 0;

    FUZZ_CHECK(more != NULL, "out of memory");
    memcpy(more, text, len);
    mlen = len + (size_t)sprintf(more + len, "\n192.0.2.77 %s\n", name);
    got = resolve_hosts_lookup(more, mlen, name, a, RESOLVE_HOSTS_MAX_ADDRS, NULL);
    inet_pton(AF_INET, "192.0.2.77", want);
    for (size_t i = 0; i < got; i++) {
        found |= a[i].family == AF_INET && memcmp(a[i].addr, want, 4) == 0;
    }
    FUZZ_CHECK(found || n >= RESOLVE_HOSTS_MAX_ADDRS, "appended line not found (%zu before)", n);
    free(more);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    struct resolve_hosts_addr big[RESOLVE_HOSTS_MAX_ADDRS];
    struct resolve_hosts_addr small[2];
    size_t nlen = nl != NULL ? (size_t)(nl - (const char *)data) : size;
    const char *text = nl != NULL ? nl + 1 : "";
    size_t tlen = nl != NULL ? size - nlen - 1 : 0;
    char name[256];
    size_t bad = 0;
    size_t n, ns;

    if (!plain_word((const char *)data, nlen)) {
        return FUZZ_REJECT;
    }
    memcpy(name, data, nlen);
    name[nlen] = '\0';
    n = resolve_hosts_lookup(text, tlen, name, big, RESOLVE_HOSTS_MAX_ADDRS, &bad);
    check_answer(big, n, RESOLVE_HOSTS_MAX_ADDRS);
    FUZZ_CHECK(bad <= count_lines(text, tlen), "%zu bad lines of %zu", bad,
               count_lines(text, tlen));
    ns = resolve_hosts_lookup(text, tlen, name, small, 2, NULL);
    FUZZ_CHECK(ns == (n < 2 ? n : 2), "%zu with max 2, %zu with max 8", ns, n);
    FUZZ_CHECK(memcmp(small, big, ns * sizeof(small[0])) == 0, "not a prefix");
    check_appended(text, tlen, name, n);
    return 0;
}
