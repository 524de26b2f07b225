/* diag.h - the one way fallbackd reports an error.
 *
 * A function that can fail for a reason a person must read - a parser, a
 * policy decision, a step of confining or spawning - takes a struct diag
 * and appends one line per problem, already in the form an administrator
 * needs ("FILE:LINE: reason", "fork: Resource temporarily unavailable"),
 * and returns its failure as a value (-1, an enum).  It never prints and
 * never exits; the caller decides whether to print the lines (fallbackd
 * -t), log them (a reload, a refused login), or show them in a test.
 * Control flow never depends on their text.  The only other channel is the
 * errno value a thin wrapper of a system call returns (readfile.h), which
 * its caller turns into a diag line.
 */
#ifndef FBD_DIAG_H
#define FBD_DIAG_H

#include <stdarg.h>
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

/* diag_add() with a va_list, the message prefixed by PREFIX (a plain
 * string, e.g. "FILE:LINE: "; may be NULL). */
void diag_vadd(struct diag *d, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* The last message stored: for a caller that reports a single failure
 * in a line of its own.  "out of memory" if every message was lost, ""
 * if there is none. */
const char *diag_last(const struct diag *d);

/* Free every message; the struct is reusable afterwards. */
void diag_free(struct diag *d);

#endif
