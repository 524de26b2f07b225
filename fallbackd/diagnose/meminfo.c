/* meminfo.c - /proc/meminfo (dg_parse.h).
 *
 * Format: one "Name:   VALUE kB" per line (a few have no unit):
 *
 *   MemTotal:       16318508 kB
 *   MemFree:         8123456 kB
 *   MemAvailable:   12345678 kB
 *   SwapTotal:       1048572 kB
 *   SwapFree:        1048572 kB
 *   HugePages_Total:       0
 */
#include "dg_parse.h"

#include <stddef.h>
#include <string.h>

/* Store the value of line NAME: VALUE kB in the field it names. */
static void take_line(const char *line, size_t len, struct dg_meminfo *m)
{
    static const struct {
        const char *name;
        size_t off;
    } fields[] = {
        { "MemTotal:", offsetof(struct dg_meminfo, total_kb) },
        { "MemAvailable:", offsetof(struct dg_meminfo, avail_kb) },
        { "SwapTotal:", offsetof(struct dg_meminfo, swap_total_kb) },
        { "SwapFree:", offsetof(struct dg_meminfo, swap_free_kb) },
    };
    struct dg_tok t[4];
    unsigned long long v;

    if (dg_split(line, len, t, 4) != 3 || t[2].n != 2 || memcmp(t[2].p, "kB", 2) != 0 ||
        dg_tok_num(&t[1], 10, 19, &v) < 0) {
        return;
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (t[0].n == strlen(fields[i].name) && memcmp(t[0].p, fields[i].name, t[0].n) == 0) {
            *(unsigned long long *)((char *)m + fields[i].off) = v;
            m->have_total |= i == 0;
            m->have_avail |= i == 1;
        }
    }
}

int dg_meminfo_parse(const char *text, size_t len, struct dg_meminfo *out)
{
    size_t pos = 0, linelen;
    const char *line;

    memset(out, 0, sizeof(*out));
    while ((line = dg_next_line(text, len, &pos, &linelen)) != NULL) {
        take_line(line, linelen, out);
    }
    return out->have_total && out->have_avail ? 0 : -1;
}
