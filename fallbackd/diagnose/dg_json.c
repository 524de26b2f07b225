/* dg_json.c - the report as JSON (dg_json.h). */
#include "dg_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at S (at most N bytes), or 0 if the
 * bytes there are not one (overlong, surrogate, above U+10FFFF, cut). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned cp;

    if (s[0] < 0x80) {
        return 1;
    }
    len = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n) {
        return 0;
    }
    cp = s[0] & (0xff >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    return len;
}

/* The escape of ASCII byte C, or NULL if it stands for itself. */
static const char *escape_of(unsigned char c, char buf[8])
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: break;
    }
    if (c < 0x20 || c == 0x7f) {
        snprintf(buf, 8, "\\u%04x", c);
        return buf;
    }
    return NULL;
}

void dg_json_string(struct dg_out *o, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    char buf[8];

    dg_out_bytes(o, "\"", 1);
    while (i < len) {
        size_t n = utf8_len(p + i, len - i);
        const char *esc = n == 1 ? escape_of(p[i], buf) : NULL;

        if (n == 0) {
            dg_out_bytes(o, "\\ufffd", 6);
            i++;
        } else if (esc != NULL) {
            dg_out_bytes(o, esc, strlen(esc));
            i++;
        } else {
            dg_out_bytes(o, s + i, n);
            i += n;
        }
    }
    dg_out_bytes(o, "\"", 1);
}

/* "KEY": "VALUE" */
static void member(struct dg_out *o, const char *key, const char *value, int comma)
{
    dg_json_string(o, key, strlen(key));
    dg_out_bytes(o, ": ", 2);
    dg_json_string(o, value, strlen(value));
    if (comma) {
        dg_out_bytes(o, ", ", 2);
    }
}

void dg_render_json(const struct dg_report *r, struct dg_out *o)
{
    size_t *idx = r->n ? calloc(r->n, sizeof(*idx)) : NULL;
    size_t n = idx != NULL ? dg_ordered(r, DG_OK, idx, r->n) : 0;
    char verdict[512];

    dg_out_bytes(o, "{", 1);
    member(o, "verdict", dg_verdict(r, verdict, sizeof(verdict)), 1);
    member(o, "worst", dg_level_name(dg_worst(r)), 0);
    dg_out_printf(o, ", \"healthy\": %s, \"findings\": [", dg_worst(r) < DG_WARN ? "true" : "false");
    for (size_t k = 0; k < n; k++) {
        const struct dg_finding *f = &r->v[idx[k]];

        dg_out_printf(o, "%s{", k ? ", " : "");
        member(o, "section", f->section, 1);
        member(o, "level", dg_level_name(f->level), 1);
        member(o, "title", f->title, 1);
        member(o, "evidence", f->evidence, 0);
        dg_out_bytes(o, "}", 1);
    }
    dg_out_printf(o, "], \"lost\": %zu}\n", r->lost + (r->n > 0 && idx == NULL ? r->n : 0));
    free(idx);
}
