/* dpkg_status.c - /var/lib/dpkg/status: which packages dpkg left
 * unfinished (dg_parse.h).
 *
 * Format (deb822, as dpkg writes it): stanzas separated by blank lines;
 * "Field: value" lines, field names case-insensitive; lines starting with
 * a space or tab continue the previous field (Description, Conffiles).
 *
 *   Package: openssh-server
 *   Status: install ok half-configured
 *   Version: 1:9.2p1-2+deb12u6
 *
 * Status is three words: WANT (unknown install hold deinstall purge),
 * FLAG (ok reinstreq), STATE:
 *
 *   state             | meaning                                   | unfinished?
 *   ------------------+-------------------------------------------+------------
 *   not-installed     | gone                                      | no
 *   config-files      | removed, conffiles kept                   | no
 *   half-installed    | unpack started, not finished              | yes
 *   unpacked          | unpacked, not configured                  | yes
 *   half-configured   | postinst started, failed or still running | yes
 *   triggers-awaited  | waits for another package's triggers      | yes
 *   triggers-pending  | its own triggers not yet run              | yes
 *   installed         | done                                      | no
 */
#include "dg_parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const unfinished_states[] = {
    "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending",
};

int dg_pkg_unfinished(const struct dg_pkg *p)
{
    if (strcmp(p->flag, "reinstreq") == 0) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(unfinished_states) / sizeof(unfinished_states[0]); i++) {
        if (strcmp(p->state, unfinished_states[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Copy the LEN bytes at S (blanks trimmed) into OUT; -1 if too long or
 * empty. */
static int copy_value(const char *s, size_t len, char *out, size_t outlen)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) {
        len--;
    }
    if (len == 0 || len >= outlen || memchr(s, '\0', len) != NULL) {
        return -1;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* Split "WANT FLAG STATE" into P; -1 unless exactly three words that fit. */
static int parse_status(const char *s, size_t len, struct dg_pkg *p)
{
    char *words[3] = { p->want, p->flag, p->state };
    size_t sizes[3] = { sizeof(p->want), sizeof(p->flag), sizeof(p->state) };
    struct dg_tok t[3];

    if (dg_split(s, len, t, 3) != 3) {
        return -1;
    }
    for (size_t i = 0; i < 3; i++) {
        if (copy_value(t[i].p, t[i].n, words[i], sizes[i]) < 0) {
            return -1;
        }
    }
    return 0;
}

/* One stanza being read. */
struct stanza {
    struct dg_pkg pkg;
    int have_name, have_status, status_bad, any;
};

/* Take one "Field: value" line into ST. */
static void take_field(struct stanza *st, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    size_t nlen, vlen;

    st->any = 1;
    if (colon == NULL) {
        return;
    }
    nlen = (size_t)(colon - line);
    vlen = len - nlen - 1;
    if (nlen == 7 && strncasecmp(line, "Package", 7) == 0) {
        st->have_name = copy_value(colon + 1, vlen, st->pkg.name, sizeof(st->pkg.name)) == 0;
    } else if (nlen == 6 && strncasecmp(line, "Status", 6) == 0) {
        st->have_status = parse_status(colon + 1, vlen, &st->pkg) == 0;
        st->status_bad = !st->have_status;
    } else if (nlen == 7 && strncasecmp(line, "Version", 7) == 0) {
        copy_value(colon + 1, vlen, st->pkg.version, sizeof(st->pkg.version));
    }
}

/* The end of a stanza: hand it to FN if complete.  1 if FN said stop. */
static int end_stanza(struct stanza *st, size_t *seen, size_t *bad,
                      int (*fn)(void *, const struct dg_pkg *), void *arg)
{
    int stop = 0;

    if (st->any) {
        (*seen)++;
        if (st->have_name && st->have_status) {
            stop = fn(arg, &st->pkg) != 0;
        } else {
            (*bad)++;
        }
    }
    memset(st, 0, sizeof(*st));
    return stop;
}

size_t dg_dpkg_each(const char *text, size_t len, int (*fn)(void *arg, const struct dg_pkg *p),
                    void *arg, size_t *bad)
{
    struct stanza st;
    size_t pos = 0, linelen, seen = 0, nbad = 0;
    const char *line;

    memset(&st, 0, sizeof(st));
    while ((line = dg_next_line(text, len, &pos, &linelen)) != NULL) {
        int blank = linelen == 0 || (linelen == 1 && line[0] == '\r');

        if (blank) {
            if (end_stanza(&st, &seen, &nbad, fn, arg)) {
                break;
            }
        } else if (line[0] != ' ' && line[0] != '\t') {
            take_field(&st, line, linelen);
        }
    }
    if (pos >= len) {
        end_stanza(&st, &seen, &nbad, fn, arg);
    }
    if (bad != NULL) {
        *bad = nbad;
    }
    return seen;
}
