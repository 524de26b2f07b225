/* diag.h - a list of diagnostics collected while parsing.
 *
 * Parsers never print and never exit: they append one line per problem,
 * already in the form an administrator needs ("FILE:LINE: reason"), and the
 * caller decides whether to print them (fallbackd -t), log them (reload), or
 * show them in a test.
 */
#ifndef FBD_DIAG_H
#define FBD_DIAG_H

#include <stddef.h>

struct diag {
    char **msgs;
    size_t n;       /* messages stored in msgs[] */
    size_t cap;
    size_t lost;    /* messages dropped for lack of memory */
};

/* How many problems were reported, stored or not. */
static inline size_t diag_count(const struct diag *d)
{
    return d->n + d->lost;
}

/* Append one formatted message.  Out of memory drops the message text but
 * still counts it in lost, so diag_count() never misses an error. */
void diag_add(struct diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Free every message; the struct is reusable afterwards. */
void diag_free(struct diag *d);

#endif
