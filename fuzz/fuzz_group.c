/* fuzz_group.c - libFuzzer target for userdb_parse_group()
 * (fallbackd/userdb.h): one line of /etc/group.
 *
 * Input: one line without its newline (inputs holding a NUL or a newline
 * are outside the contract and rejected).  Invariants:
 *   - 0 fills the entry, -1 sets a reason and leaves *out zeroed;
 *   - an accepted entry has a valid name, a gid other than (gid_t)-1, and
 *     members that are valid, non-empty names, at most one per
 *     comma-separated item of the line;
 *   - written back as "name:x:GID:m1,m2,..." it parses to the same entry.
 */
#include <sys/types.h>

#include "fuzz.h"
#include "userdb.h"

/* Is GR all zero, as a refused line must leave it? */
static int entry_empty(const struct gr_entry *gr)
{
    static const struct gr_entry zero;

    return memcmp(gr, &zero, sizeof(zero)) == 0;
}

/* Is NAME a user or group name the parser may accept?  A member (ITEM)
 * cannot hold the ',' that separates members. */
static int name_ok(const char *name, int item)
{
    size_t i, n = strlen(name);

    if (n < 1 || n > 255 || name[0] == '-' || name[0] == '+') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= ' ' || c == 0x7f || c == ':' || (item && c == ',')) {
            return 0;
        }
    }
    return 1;
}

/* Are A and B the same entry? */
static int same_entry(const struct gr_entry *a, const struct gr_entry *b)
{
    size_t i;

    if (strcmp(a->name, b->name) != 0 || a->gid != b->gid || a->nmembers != b->nmembers) {
        return 0;
    }
    for (i = 0; i < a->nmembers; i++) {
        if (strcmp(a->members[i], b->members[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

/* GR written back as a line must parse to GR again. */
static void check_round_trip(const struct gr_entry *gr)
{
    struct gr_entry again;
    struct diag why = { 0 };
    char *line = NULL;
    size_t len = 0, i;
    FILE *f = open_memstream(&line, &len);

    FUZZ_CHECK(f != NULL, "open_memstream failed");
    fprintf(f, "%s:x:%u:", gr->name, (unsigned)gr->gid);
    for (i = 0; i < gr->nmembers; i++) {
        fprintf(f, "%s%s", i > 0 ? "," : "", gr->members[i]);
    }
    FUZZ_CHECK(fclose(f) == 0, "writing the line failed");
    FUZZ_CHECK(userdb_parse_group(line, &again, &why) == 0, "\"%s\" refused: %s", line,
               diag_last(&why));
    FUZZ_CHECK(same_entry(gr, &again), "\"%s\" parses to another entry", line);
    userdb_gr_free(&again);
    diag_free(&why);
    free(line);
}

/* Check an accepted entry GR parsed from LINE. */
static void check_accepted(const struct gr_entry *gr, const char *line)
{
    size_t i, items = 1;

    for (i = 0; line[i] != '\0'; i++) {
        items += line[i] == ',';
    }
    FUZZ_CHECK(gr->name != NULL && name_ok(gr->name, 0), "accepted name \"%s\"",
               gr->name ? gr->name : "NULL");
    FUZZ_CHECK(gr->gid != (gid_t)-1, "gid is -1");
    FUZZ_CHECK(gr->nmembers <= items, "%zu members from %zu items", gr->nmembers, items);
    FUZZ_CHECK(gr->nmembers == 0 || gr->members != NULL, "members is NULL");
    for (i = 0; i < gr->nmembers; i++) {
        FUZZ_CHECK(name_ok(gr->members[i], 1), "accepted member \"%s\"", gr->members[i]);
    }
    check_round_trip(gr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_cstring(data, size, "\n");
    struct gr_entry gr;
    struct diag why = { 0 };
    int rc;

    if (line == NULL) {
        return FUZZ_REJECT;
    }
    rc = userdb_parse_group(line, &gr, &why);
    FUZZ_CHECK(rc == 0 || rc == -1, "userdb_parse_group returned %d", rc);
    if (rc == 0) {
        check_accepted(&gr, line);
    } else {
        FUZZ_CHECK(why.n == 1 && diag_last(&why)[0] != '\0', "refused without one reason");
        FUZZ_CHECK(entry_empty(&gr), "refused line left data in *out");
    }
    FUZZ_CHECK(rc != 0 || why.n == 0, "accepted with a reason");
    userdb_gr_free(&gr);
    diag_free(&why);
    free(line);
    return 0;
}
