/* fuzz_permitopen.c - libFuzzer target for the PermitOpen / permitopen=
 * matcher (fallbackd/permitopen.h).
 *
 * Input: "ENTRY\nHOST PORT" (the second line optional).  Invariants:
 *   - permitopen_parse and permitopen_word_ok agree (except for the
 *     words any/none, which only the list accepts); a refusal has a
 *     reason;
 *   - a parsed entry has a non-empty host without blanks and a port in
 *     1..65535 or -1 (any);
 *   - an entry allows its own host and port (any port: port 1), alone
 *     and as a one-entry list; the list "none" allows nothing;
 *   - matching never allows a port outside 1..65535.
 */
#include "fuzz.h"
#include "permitopen.h"

static void check_entry(const char *entry)
{
    struct permitopen p;
    const char *why = NULL;
    const char *wwhy = NULL;
    int rc = permitopen_parse(entry, &p, &why);
    int w = permitopen_word_ok(entry, &wwhy);
    char *list[1] = { (char *)entry };
    int port;

    FUZZ_CHECK(rc == 0 || rc == -1, "parse returned %d", rc);
    if (strcasecmp(entry, "any") != 0 && strcasecmp(entry, "none") != 0) {
        FUZZ_CHECK(rc == w, "parse %d, word_ok %d", rc, w);
    }
    if (rc < 0) {
        FUZZ_CHECK(why != NULL && why[0] != '\0', "refused without a reason");
        return;
    }
    FUZZ_CHECK(p.host[0] != '\0' && strpbrk(p.host, " \t") == NULL, "host \"%s\"", p.host);
    FUZZ_CHECK(p.port == -1 || (p.port >= 1 && p.port <= 65535), "port %d", p.port);
    port = p.port == -1 ? 1 : p.port;
    FUZZ_CHECK(permitopen_entry_allows(entry, p.host, port), "\"%s\" refuses itself", entry);
    FUZZ_CHECK(permitopen_list_allows(list, 1, p.host, port), "list refuses \"%s\"", entry);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = fuzz_cstring(data, size, "");
    char *none[1] = { (char *)"none" };
    char *nl;
    char host[300];
    int port;

    if (input == NULL) {
        return FUZZ_REJECT;
    }
    nl = strchr(input, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
    check_entry(input);
    if (nl != NULL && sscanf(nl + 1, "%299s %d", host, &port) == 2) {
        char *list[1] = { input };
        int allowed = permitopen_entry_allows(input, host, port);

        FUZZ_CHECK(allowed == 0 || allowed == 1, "entry_allows returned %d", allowed);
        FUZZ_CHECK(!allowed || (port >= 1 && port <= 65535), "port %d allowed", port);
        FUZZ_CHECK(!permitopen_list_allows(none, 1, host, port), "none allows %s", host);
        FUZZ_CHECK(permitopen_list_allows(list, 1, host, port) == allowed ||
                   (strcasecmp(input, "any") == 0 && port >= 1 && port <= 65535),
                   "list and entry disagree");
    }
    free(input);
    return 0;
}
