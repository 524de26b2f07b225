/* diag.c - the one way fallbackd reports an error (diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void diag_add(struct diag *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_vadd(d, NULL, fmt, ap);
    va_end(ap);
}

void diag_vadd(struct diag *d, const char *prefix, const char *fmt, va_list ap)
{
    char *text = NULL;
    char *msg = NULL;

    if (vasprintf(&text, fmt, ap) < 0) {
        text = NULL;
    }
    if (text != NULL && prefix != NULL && prefix[0] != '\0') {
        if (asprintf(&msg, "%s%s", prefix, text) < 0) {
            msg = NULL;
        }
        free(text);
    } else {
        msg = text;
    }
    if (msg == NULL) {
        d->lost++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        char **v = realloc(d->msgs, cap * sizeof(*v));
        if (v == NULL) {
            free(msg);
            d->lost++;
            return;
        }
        d->msgs = v;
        d->cap = cap;
    }
    d->msgs[d->n++] = msg;
}

const char *diag_last(const struct diag *d)
{
    if (d->n > 0) {
        return d->msgs[d->n - 1];
    }
    return d->lost > 0 ? "out of memory" : "";
}

void diag_free(struct diag *d)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        free(d->msgs[i]);
    }
    free(d->msgs);
    d->msgs = NULL;
    d->n = 0;
    d->cap = 0;
    d->lost = 0;
}
