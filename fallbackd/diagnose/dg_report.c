/* dg_report.c - findings, verdict and the text report (dg_report.h). */
#include "dg_report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const sections[] = { DG_SEC_SSHD, DG_SEC_PKG, DG_SEC_SYSTEM, DG_SEC_DOOR };
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

const char *dg_level_name(enum dg_level level)
{
    static const char *const names[] = { "ok", "info", "warn", "bad" };

    return level <= DG_BAD ? names[level] : "?";
}

void dg_add(struct dg_report *r, enum dg_level level, const char *section, const char *evidence,
            const char *fmt, ...)
{
    struct dg_finding f = { .level = level, .section = section };
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&f.title, fmt, ap) < 0) {
        f.title = NULL;
    }
    va_end(ap);
    f.evidence = strdup(evidence != NULL ? evidence : "");
    if (f.title == NULL || f.evidence == NULL) {
        goto lost;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct dg_finding *v = realloc(r->v, cap * sizeof(*v));

        if (v == NULL) {
            goto lost;
        }
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = f;
    return;
lost:
    free(f.title);
    free(f.evidence);
    r->lost++;
}

/* Does F count for the verdict?  The door's own section does not. */
static int in_verdict(const struct dg_finding *f)
{
    return strcmp(f->section, DG_SEC_DOOR) != 0;
}

enum dg_level dg_worst(const struct dg_report *r)
{
    enum dg_level worst = DG_OK;

    for (size_t i = 0; i < r->n; i++) {
        if (in_verdict(&r->v[i]) && r->v[i].level > worst) {
            worst = r->v[i].level;
        }
    }
    return worst;
}

/* Index of the section NAME in report order (unknown ones last). */
static size_t section_rank(const char *name)
{
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (strcmp(sections[i], name) == 0) {
            return i;
        }
    }
    return NSECTIONS;
}

size_t dg_ordered(const struct dg_report *r, enum dg_level min, size_t *idx, size_t max)
{
    size_t n = 0;

    for (size_t s = 0; s <= NSECTIONS; s++) {
        for (int lvl = DG_BAD; lvl >= (int)min; lvl--) {
            for (size_t i = 0; i < r->n && n < max; i++) {
                if (section_rank(r->v[i].section) == s && (int)r->v[i].level == lvl) {
                    idx[n++] = i;
                }
            }
        }
    }
    return n;
}

/* The first finding of exactly LEVEL in report order that counts for the
 * verdict, or -1; *COUNT gets how many problems (WARN or worse) count. */
static long first_of(const struct dg_report *r, enum dg_level level, size_t *count)
{
    long first = -1;

    *count = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (in_verdict(&r->v[i]) && r->v[i].level >= DG_WARN) {
            (*count)++;
        }
    }
    for (size_t s = 0; s < NSECTIONS && first < 0; s++) {
        for (size_t i = 0; i < r->n && first < 0; i++) {
            if (section_rank(r->v[i].section) == s && r->v[i].level == level &&
                in_verdict(&r->v[i])) {
                first = (long)i;
            }
        }
    }
    return first;
}

const char *dg_verdict(const struct dg_report *r, char *buf, size_t len)
{
    enum dg_level worst = dg_worst(r);
    size_t count;
    long i;

    if (worst < DG_WARN) {
        snprintf(buf, len, "healthy");
        return buf;
    }
    i = first_of(r, worst, &count);
    if (count > 1) {
        snprintf(buf, len, "%s: %s (+%zu more problem%s)", worst == DG_BAD ? "BROKEN" : "DEGRADED",
                 r->v[i].title, count - 1, count > 2 ? "s" : "");
    } else {
        snprintf(buf, len, "%s: %s", worst == DG_BAD ? "BROKEN" : "DEGRADED", r->v[i].title);
    }
    return buf;
}

void dg_out_bytes(struct dg_out *o, const char *p, size_t n)
{
    if (o->failed) {
        return;
    }
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        char *np;

        while (cap < o->len + n + 1) {
            cap *= 2;
        }
        np = realloc(o->p, cap);
        if (np == NULL) {
            o->failed = 1;
            return;
        }
        o->p = np;
        o->cap = cap;
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
    o->p[o->len] = '\0';
}

void dg_out_printf(struct dg_out *o, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        o->failed = 1;
        return;
    }
    dg_out_bytes(o, s, (size_t)n);
    free(s);
}

/* Append S with control characters (and DEL) shown as '?', each line
 * of it after the first indented by INDENT and ended by NL. */
static void put_clean(struct dg_out *o, const char *s, const char *indent, const char *nl)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '\r' && s[1] == '\n') {
            continue;
        }
        if (c == '\n') {
            if (s[1] != '\0') {
                dg_out_printf(o, "%s%s", nl, indent);
            }
        } else if (c < 0x20 || c == 0x7f) {
            dg_out_bytes(o, c == '\t' ? " " : "?", 1);
        } else {
            dg_out_bytes(o, s, 1);
        }
    }
}

/* One finding: "[bad ] title" and its evidence, indented. */
static void render_finding(const struct dg_finding *f, struct dg_out *o, const char *nl)
{
    dg_out_printf(o, "  [%-4s] ", dg_level_name(f->level));
    put_clean(o, f->title, "         ", nl);
    dg_out_printf(o, "%s", nl);
    if (f->evidence[0] != '\0') {
        dg_out_printf(o, "         | ");
        put_clean(o, f->evidence, "         | ", nl);
        dg_out_printf(o, "%s", nl);
    }
}

void dg_render_text(const struct dg_report *r, struct dg_out *o, const char *nl)
{
    size_t *idx = r->n ? calloc(r->n, sizeof(*idx)) : NULL;
    size_t n = idx != NULL ? dg_ordered(r, DG_OK, idx, r->n) : 0;
    const char *cur = NULL;
    char verdict[512];

    dg_out_printf(o, "verdict: ");
    put_clean(o, dg_verdict(r, verdict, sizeof(verdict)), "", nl);
    dg_out_printf(o, "%s", nl);
    for (size_t k = 0; k < n; k++) {
        const struct dg_finding *f = &r->v[idx[k]];

        if (cur == NULL || strcmp(cur, f->section) != 0) {
            cur = f->section;
            dg_out_printf(o, "%s== %s ==%s", nl, cur, nl);
        }
        render_finding(f, o, nl);
    }
    if (r->lost > 0 || (r->n > 0 && idx == NULL)) {
        dg_out_printf(o, "%s(%zu findings lost: out of memory)%s", nl, r->lost, nl);
    }
    free(idx);
}

void dg_render_banner(const struct dg_report *r, struct dg_out *o, size_t max, const char *nl)
{
    size_t idx[16];
    size_t n = dg_ordered(r, DG_WARN, idx, max < 16 ? max : 16);
    char verdict[512];

    dg_out_printf(o, "fallbackd: main sshd ");
    put_clean(o, dg_verdict(r, verdict, sizeof(verdict)), "", nl);
    dg_out_printf(o, "%s", nl);
    for (size_t k = 0; k < n; k++) {
        dg_out_printf(o, "fallbackd:   %s: ", dg_level_name(r->v[idx[k]].level));
        put_clean(o, r->v[idx[k]].title, " ", nl);
        dg_out_printf(o, "%s", nl);
    }
    dg_out_printf(o, "fallbackd: full report: ssh -p PORT HOST -s diagnose%s", nl);
}

int dg_out_write(const struct dg_out *o, int fd)
{
    size_t off = 0;

    while (off < o->len) {
        ssize_t n = write(fd, o->p + off, o->len - off);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

void dg_out_free(struct dg_out *o)
{
    free(o->p);
    memset(o, 0, sizeof(*o));
}

void dg_report_free(struct dg_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].title);
        free(r->v[i].evidence);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}
