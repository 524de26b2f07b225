/* proc_maps.c - one line of /proc/PID/maps (dg_parse.h): which files a
 * process has mapped, and which of them are gone from disk.
 *
 * Format (the kernel's show_map_vma):
 *
 *   7f3a1c000000-7f3a1c028000 r--p 00000000 08:01 1835027    /usr/lib/x86_64-linux-gnu/libc.so.6
 *   7f3a1c028000-7f3a1c1bd000 r-xp 00028000 08:01 1835027    /usr/lib/x86_64-linux-gnu/libcrypto.so.3 (deleted)
 *   7ffd5c5d2000-7ffd5c5f3000 rw-p 00000000 00:00 0          [stack]
 *
 *   word | meaning
 *   -----+---------------------------------------------------------------
 *   0    | START-END (hex)
 *   1    | perms: r/-, w/-, x/-, p(rivate)/s(hared)
 *   2    | offset (hex)
 *   3    | MAJOR:MINOR (hex)
 *   4    | inode (decimal; 0 = anonymous)
 *   5... | path, padded to a column; may hold spaces; " (deleted)" appended
 *        | when the file was unlinked (dpkg replacing it renames the new
 *        | file over it, so the old one is unlinked)
 */
#include "dg_parse.h"

#include <string.h>

#define DELETED_SUFFIX " (deleted)"

/* The path: everything after the 5th word, leading blanks skipped. */
static int take_path(const char *line, size_t len, const struct dg_tok *inode, struct dg_map *out)
{
    const char *p = inode->p + inode->n, *end = line + len;
    size_t n, slen = strlen(DELETED_SUFFIX);

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    n = (size_t)(end - p);
    if (n >= slen && memcmp(end - slen, DELETED_SUFFIX, slen) == 0) {
        out->deleted = 1;
        n -= slen;
    }
    if (n >= sizeof(out->path) || memchr(p, '\0', n) != NULL) {
        return -1;
    }
    memcpy(out->path, p, n);
    out->path[n] = '\0';
    return 0;
}

int dg_map_parse_line(const char *line, size_t len, struct dg_map *out)
{
    struct dg_tok t[5];
    unsigned long long inode;
    const char *dash;

    memset(out, 0, sizeof(*out));
    if (dg_split(line, len, t, 5) < 5 || t[1].n != 4 || memchr(t[3].p, ':', t[3].n) == NULL) {
        return -1;
    }
    dash = memchr(t[0].p, '-', t[0].n);
    if (dash == NULL || dash == t[0].p || dash == t[0].p + t[0].n - 1) {
        return -1;
    }
    if (dg_tok_num(&t[4], 10, 19, &inode) < 0) {
        return -1;
    }
    out->inode = (unsigned long)inode;
    out->exec = t[1].p[2] == 'x';
    return take_path(line, len, &t[4], out);
}
