/* resolve_hosts.c - the /etc/hosts parser (resolve_hosts.h). */
#include "resolve_hosts.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define MAX_WORDS 64

/* Split the line (NUL-terminated, comment cut) into blank-separated
 * words; returns the count (at most MAX_WORDS). */
static size_t split_words(char *line, char **w)
{
    size_t n = 0;
    char *save = NULL;

    for (char *t = strtok_r(line, " \t\r", &save); t != NULL && n < MAX_WORDS;
         t = strtok_r(NULL, " \t\r", &save)) {
        w[n++] = t;
    }
    return n;
}

/* Parse an address word into a; 0 ok, -1 not an address. */
static int parse_addr(const char *s, struct resolve_hosts_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, s, a->addr) == 1) {
        a->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, a->addr) == 1) {
        a->family = AF_INET6;
        return 0;
    }
    return -1;
}

/* Append a unless already in out[0..n); returns the new count. */
static size_t add_unique(struct resolve_hosts_addr *out, size_t n, size_t max,
                         const struct resolve_hosts_addr *a)
{
    for (size_t i = 0; i < n; i++) {
        if (out[i].family == a->family && memcmp(out[i].addr, a->addr, 16) == 0) {
            return n;
        }
    }
    if (n < max) {
        out[n++] = *a;
    }
    return n;
}

/* One line (LEN bytes, no LF).  Returns 1 if it names NAME (a filled),
 * 0 if not, -1 if malformed. */
static int parse_line(const char *p, size_t len, const char *name, struct resolve_hosts_addr *a)
{
    char line[RESOLVE_HOSTS_LINE_MAX + 1];
    char *w[MAX_WORDS];
    char *hash;
    size_t n;

    if (len > RESOLVE_HOSTS_LINE_MAX || memchr(p, '\0', len) != NULL) {
        return -1;
    }
    memcpy(line, p, len);
    line[len] = '\0';
    if ((hash = strchr(line, '#')) != NULL) {
        *hash = '\0';
    }
    n = split_words(line, w);
    if (n == 0) {
        return 0;
    }
    if (n < 2 || parse_addr(w[0], a) < 0) {
        return -1;
    }
    for (size_t i = 1; i < n; i++) {
        if (strcasecmp(w[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

size_t resolve_hosts_lookup(const char *text, size_t len, const char *name,
                    struct resolve_hosts_addr *out, size_t max, size_t *bad)
{
    size_t pos = 0;
    size_t n = 0;
    size_t skipped = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t l = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
        struct resolve_hosts_addr a;
        int r = parse_line(text + pos, l, name, &a);

        if (r < 0) {
            skipped++;
        } else if (r == 1) {
            n = add_unique(out, n, max, &a);
        }
        pos += l + 1;
    }
    if (bad != NULL) {
        *bad = skipped;
    }
    return n;
}
