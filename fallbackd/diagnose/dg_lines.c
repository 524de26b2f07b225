/* dg_lines.c - line walking for the parsers (dg_parse.h). */
#include "dg_parse.h"

#include <string.h>

const char *dg_next_line(const char *text, size_t len, size_t *pos, size_t *linelen)
{
    const char *start, *nl;

    if (*pos >= len) {
        return NULL;
    }
    start = text + *pos;
    nl = memchr(start, '\n', len - *pos);
    *linelen = nl != NULL ? (size_t)(nl - start) : len - *pos;
    *pos += *linelen + (nl != NULL);
    return start;
}

size_t dg_split(const char *line, size_t len, struct dg_tok *toks, size_t max)
{
    size_t n = 0, pos = 0;

    while (pos < len) {
        size_t start;

        while (pos < len && (line[pos] == ' ' || line[pos] == '\t')) {
            pos++;
        }
        if (pos == len) {
            break;
        }
        start = pos;
        while (pos < len && line[pos] != ' ' && line[pos] != '\t') {
            pos++;
        }
        if (n < max) {
            toks[n] = (struct dg_tok){ .p = line + start, .n = pos - start };
        }
        n++;
    }
    return n;
}

/* The value of hex or decimal digit C in BASE, or -1. */
static int digit(char c, int base)
{
    int v = c >= '0' && c <= '9' ? c - '0'
          : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

    return v < base ? v : -1;
}

int dg_tok_num(const struct dg_tok *t, int base, size_t maxdigits, unsigned long long *out)
{
    unsigned long long v = 0;

    if (t->n == 0 || t->n > maxdigits || (base == 16 && maxdigits > 16) ||
        (base == 10 && maxdigits > 19) || (base != 10 && base != 16)) {
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        int d = digit(t->p[i], base);

        if (d < 0) {
            return -1;
        }
        v = v * (unsigned)base + (unsigned)d;
    }
    *out = v;
    return 0;
}
