/* fuzz_diagnose_sshd_config.c - libFuzzer target for dg_sshd_conf_parse()
 * and dg_sshd_conf_ports() (fallbackd/diagnose/dg_parse.h), the incident
 * console's reading of sshd's ports from an sshd_config.  The input is one
 * sshd_config file, not NUL-terminated (an exact-size copy).
 *
 * Invariants: every port is 1..65535 and appears once; there are never
 * more than DG_SSHD_MAX_PORTS; an input without a Port line and without
 * a ListenAddress naming a port gives exactly port 22; Include patterns are
 * terminated and non-empty; parsing the input twice into one struct gives
 * the same ports as once (the parser accumulates, without duplicates).
 */
#include "fuzz.h"

#include "diagnose/dg_parse.h"

static size_t ports_of(const struct dg_sshd_conf *c, unsigned *ports)
{
    size_t n = dg_sshd_conf_ports(c, ports, DG_SSHD_MAX_PORTS);

    FUZZ_CHECK(n <= DG_SSHD_MAX_PORTS, "%zu ports", n);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(ports[i] >= 1 && ports[i] <= 65535, "port %u", ports[i]);
        for (size_t k = 0; k < i; k++) {
            FUZZ_CHECK(ports[k] != ports[i], "port %u twice", ports[i]);
        }
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    struct dg_sshd_conf once = { 0 }, twice = { 0 };
    unsigned a[DG_SSHD_MAX_PORTS], b[DG_SSHD_MAX_PORTS];
    size_t na, nb;

    FUZZ_CHECK(text != NULL, "out of memory");
    memcpy(text, data, size);
    dg_sshd_conf_parse(text, size, &once);
    na = ports_of(&once, a);
    FUZZ_CHECK(na > 0 || once.port_lines > 0 || once.nports > 0, "no port at all");
    if (once.port_lines == 0 && once.nports == 0) {
        FUZZ_CHECK(na == 1 && a[0] == 22, "default is not 22");
    }
    for (size_t i = 0; i < once.ninclude; i++) {
        FUZZ_CHECK(fuzz_terminated(once.include[i], sizeof(once.include[i])) &&
                   once.include[i][0] != '\0', "include %zu", i);
    }
    dg_sshd_conf_parse(text, size, &twice);
    dg_sshd_conf_parse(text, size, &twice);
    nb = ports_of(&twice, b);
    FUZZ_CHECK(na == nb && memcmp(a, b, na * sizeof(*a)) == 0, "twice differs from once");
    free(text);
    return 0;
}
