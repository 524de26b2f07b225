/* fuzz.h - what the libFuzzer targets in fuzz/ share.
 *
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput() for one parser and
 * checks, with FUZZ_CHECK, the invariants that are cheap to check.  A
 * failed check aborts, which libFuzzer reports as a crash and saves the
 * input as a reproducer (see fuzz/README.md).
 */
#ifndef FBD_FUZZ_H
#define FBD_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry points (no header declares them). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* What LLVMFuzzerTestOneInput returns for an input outside the parser's
 * contract (e.g. a NUL in a C string): libFuzzer keeps it out of the
 * corpus. */
#define FUZZ_REJECT (-1)

/* Print which invariant failed, with a printf-style explanation, and
 * abort so that libFuzzer saves the input. */
__attribute__((noreturn, format(printf, 4, 5)))
static inline void fuzz_fail(const char *file, int line, const char *expr,
                             const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\n==fuzz== invariant failed at %s:%d: %s\n==fuzz== ", file, line, expr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    abort();
}

/* Check an invariant; the arguments after COND explain a failure. */
#define FUZZ_CHECK(cond, ...) \
    ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__))

/* A malloc'd, NUL-terminated copy of the SIZE bytes at DATA (exactly
 * SIZE + 1 bytes, so that AddressSanitizer sees any read past the NUL),
 * or NULL if the bytes hold one of the characters in FORBIDDEN or a NUL. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size, const char *forbidden)
{
    char *s;
    size_t i;

    for (i = 0; i < size; i++) {
        if (data[i] == '\0' || strchr(forbidden, data[i]) != NULL) {
            return NULL;
        }
    }
    s = malloc(size + 1);
    FUZZ_CHECK(s != NULL, "out of memory");
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Is the NUL-terminated S shorter than LEN bytes (terminated inside a
 * buffer of LEN bytes)? */
static inline int fuzz_terminated(const char *s, size_t len)
{
    return memchr(s, '\0', len) != NULL;
}

#endif
