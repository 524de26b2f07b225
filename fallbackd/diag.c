/* diag.c - the one way fallbackd reports an error (diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void diag_add(struct diag *d, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    va_end(ap);
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
