/* fuzz_diagnose_proc.c - libFuzzer target for the incident console's
 * /proc parsers (fallbackd/diagnose/dg_parse.h): every line of the input
 * goes to dg_tcp_parse_line, dg_map_parse_line and dg_lock_parse_line;
 * the whole input to dg_meminfo_parse and dg_pstat_parse.  Inputs are
 * not NUL-terminated (an exact-size copy, so ASan sees a read past the
 * end).
 *
 * Invariants: ports fit 16 bits and states 8; the address prints and its
 * text is terminated; a map's path is terminated, and "deleted" only when
 * the line ends in " (deleted)"; a lock's type is a non-empty word and its
 * pid -1 or positive; meminfo succeeds exactly when both MemTotal and
 * MemAvailable were found; comm is terminated; each parser gives the same
 * answer twice.
 */
#include "fuzz.h"

#include "diagnose/dg_parse.h"

static void check_tcp(const char *line, size_t len)
{
    struct dg_tcp t, u;
    char addr[64];
    int rc = dg_tcp_parse_line(line, len, &t);

    FUZZ_CHECK(rc == dg_tcp_parse_line(line, len, &u), "tcp: second parse differs");
    if (rc < 0) {
        return;
    }
    FUZZ_CHECK(memcmp(&t, &u, sizeof(t)) == 0, "tcp: second result differs");
    FUZZ_CHECK(t.port <= 0xffff && t.state <= 0xff, "tcp: port %u state %u", t.port, t.state);
    dg_tcp_addr_str(&t, addr, sizeof(addr));
    FUZZ_CHECK(fuzz_terminated(addr, sizeof(addr)) && addr[0] != '\0', "tcp: address text");
}

static void check_map(const char *line, size_t len)
{
    static const char suffix[] = " (deleted)";
    struct dg_map m;

    if (dg_map_parse_line(line, len, &m) < 0) {
        return;
    }
    FUZZ_CHECK(fuzz_terminated(m.path, sizeof(m.path)), "maps: path not terminated");
    FUZZ_CHECK(!m.deleted || (len >= sizeof(suffix) - 1 &&
                              memcmp(line + len - (sizeof(suffix) - 1), suffix,
                                     sizeof(suffix) - 1) == 0), "maps: deleted without suffix");
}

static void check_lock(const char *line, size_t len)
{
    struct dg_lock l;

    if (dg_lock_parse_line(line, len, &l) < 0) {
        return;
    }
    FUZZ_CHECK(fuzz_terminated(l.type, sizeof(l.type)) && l.type[0] != '\0', "locks: type");
    FUZZ_CHECK(strpbrk(l.type, " \t") == NULL, "locks: type holds a blank");
    FUZZ_CHECK(l.pid == -1 || l.pid >= 0, "locks: pid %ld", l.pid);
}

static void check_whole(const char *text, size_t len)
{
    struct dg_meminfo m;
    struct dg_pstat p;
    int rc = dg_meminfo_parse(text, len, &m);

    FUZZ_CHECK((rc == 0) == (m.have_total && m.have_avail), "meminfo: rc %d", rc);
    if (dg_pstat_parse(text, len, &p) == 0) {
        FUZZ_CHECK(fuzz_terminated(p.comm, sizeof(p.comm)), "stat: comm not terminated");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    size_t pos = 0, len;
    const char *line;

    FUZZ_CHECK(text != NULL, "out of memory");
    memcpy(text, data, size);
    while ((line = dg_next_line(text, size, &pos, &len)) != NULL) {
        char *copy = malloc(len ? len : 1);

        FUZZ_CHECK(copy != NULL, "out of memory");
        memcpy(copy, line, len);
        check_tcp(copy, len);
        check_map(copy, len);
        check_lock(copy, len);
        free(copy);
    }
    check_whole(text, size);
    free(text);
    return 0;
}
