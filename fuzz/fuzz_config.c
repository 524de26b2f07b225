/* fuzz_config.c - libFuzzer target for config_parse() (fallbackd/config.h).
 *
 * Input: the text of a whole config file (any bytes, not NUL-terminated).
 * Invariants:
 *   - the parse succeeds exactly when it reports no diagnostic, and every
 *     diagnostic names the file;
 *   - a config that parses dumps (config_dump) to text that parses again
 *     and dumps to the same text: the dump is a fixed point.
 */
#include "config.h"
#include "fuzz.h"

#define FUZZ_NAME "fuzz.conf"

/* config_dump() of C as a malloc'd string of *LEN bytes. */
static char *dump_text(const struct fbd_config *c, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);

    FUZZ_CHECK(f != NULL, "open_memstream failed");
    config_dump(c, f);
    FUZZ_CHECK(fclose(f) == 0, "writing the dump failed");
    return text;
}

/* RC and the diagnostics ERRS of a parse of file NAME must agree. */
static void check_diags(int rc, const struct diag *errs, const char *name)
{
    size_t i, nlen = strlen(name);

    FUZZ_CHECK(rc == 0 || rc == -1, "config_parse returned %d", rc);
    FUZZ_CHECK((rc == 0) == (diag_count(errs) == 0),
               "config_parse returned %d with %zu diagnostics", rc, diag_count(errs));
    for (i = 0; i < errs->n; i++) {
        FUZZ_CHECK(strncmp(errs->msgs[i], name, nlen) == 0 && errs->msgs[i][nlen] == ':',
                   "diagnostic without the file name: %s", errs->msgs[i]);
    }
}

/* The dump of the valid config C must parse and dump to itself. */
static void check_dump_round_trip(const struct fbd_config *c)
{
    struct fbd_config again;
    struct diag errs = { 0 };
    size_t len1 = 0, len2 = 0;
    char *first = dump_text(c, &len1);
    char *second;
    int rc = config_parse("dump", first, len1, &again, &errs);

    check_diags(rc, &errs, "dump");
    FUZZ_CHECK(rc == 0, "the dump does not parse: %s\n--- dump ---\n%s",
               errs.n > 0 ? errs.msgs[0] : "(no message)", first);
    second = dump_text(&again, &len2);
    FUZZ_CHECK(len1 == len2 && memcmp(first, second, len1) == 0,
               "the dump changes when parsed again\n--- first ---\n%s--- second ---\n%s",
               first, second);
    free(second);
    free(first);
    config_free(&again);
    diag_free(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fbd_config c;
    struct diag errs = { 0 };
    int rc = config_parse(FUZZ_NAME, (const char *)data, size, &c, &errs);

    check_diags(rc, &errs, FUZZ_NAME);
    FUZZ_CHECK(rc != 0 || strcmp(c.path, FUZZ_NAME) == 0, "path is \"%s\"", c.path);
    if (rc == 0) {
        check_dump_round_trip(&c);
    }
    config_free(&c);
    diag_free(&errs);
    return 0;
}
