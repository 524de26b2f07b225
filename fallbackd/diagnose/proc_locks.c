/* proc_locks.c - one line of /proc/locks (dg_parse.h): who holds a lock
 * on which file (dpkg's lock, lock-frontend).
 *
 * Format (the kernel's lock_get_status):
 *
 *   1: POSIX  ADVISORY  WRITE 1234 08:01:1835100 0 EOF
 *   2: FLOCK  ADVISORY  WRITE 987 00:19:5241 0 EOF
 *   3: OFDLCK ADVISORY  READ  -1 08:01:77 0 EOF
 *   3: -> POSIX  ADVISORY  WRITE 4321 08:01:1835100 0 EOF     (blocked waiter)
 *
 *   word | meaning
 *   -----+---------------------------------------------------------------
 *   0    | "N:"
 *   (->) | present when this process waits for lock N
 *   1    | type: POSIX (fcntl, what dpkg uses), FLOCK, OFDLCK, LEASE, ...
 *   2    | ADVISORY, MANDATORY, ACTIVE, BREAKING, ...
 *   3    | READ, WRITE (or UNLCK for leases)
 *   4    | pid (-1 for OFD locks)
 *   5    | MAJOR:MINOR:INODE, MAJOR and MINOR hex, INODE decimal
 *   6, 7 | start, end ("EOF")
 */
#include "dg_parse.h"

#include <string.h>

/* "MAJOR:MINOR:INODE" into OUT. */
static int parse_dev_inode(const struct dg_tok *t, struct dg_lock *out)
{
    const char *c1 = memchr(t->p, ':', t->n), *c2;
    struct dg_tok maj, min, ino;
    unsigned long long a, b, c;

    if (c1 == NULL) {
        return -1;
    }
    c2 = memchr(c1 + 1, ':', (size_t)(t->p + t->n - (c1 + 1)));
    if (c2 == NULL) {
        return -1;
    }
    maj = (struct dg_tok){ .p = t->p, .n = (size_t)(c1 - t->p) };
    min = (struct dg_tok){ .p = c1 + 1, .n = (size_t)(c2 - c1 - 1) };
    ino = (struct dg_tok){ .p = c2 + 1, .n = (size_t)(t->p + t->n - c2 - 1) };
    if (dg_tok_num(&maj, 16, 8, &a) < 0 || dg_tok_num(&min, 16, 8, &b) < 0 ||
        dg_tok_num(&ino, 10, 19, &c) < 0) {
        return -1;
    }
    out->major = (unsigned)a;
    out->minor = (unsigned)b;
    out->inode = (unsigned long)c;
    return 0;
}

/* The pid word: decimal, or "-1". */
static int parse_pid(const struct dg_tok *t, long *pid)
{
    unsigned long long v;

    if (t->n == 2 && memcmp(t->p, "-1", 2) == 0) {
        *pid = -1;
        return 0;
    }
    if (dg_tok_num(t, 10, 10, &v) < 0 || v > 0x7fffffff) {
        return -1;
    }
    *pid = (long)v;
    return 0;
}

int dg_lock_parse_line(const char *line, size_t len, struct dg_lock *out)
{
    struct dg_tok t[9];
    size_t n, k = 1;

    memset(out, 0, sizeof(*out));
    n = dg_split(line, len, t, 9);
    if (n < 6 || t[0].n < 2 || t[0].p[t[0].n - 1] != ':') {
        return -1;
    }
    if (t[1].n == 2 && memcmp(t[1].p, "->", 2) == 0) {
        out->waiting = 1;
        k = 2;
    }
    if (n < k + 5 || t[k].n == 0 || t[k].n >= sizeof(out->type) ||
        memchr(t[k].p, '\0', t[k].n) != NULL) {
        return -1;
    }
    memcpy(out->type, t[k].p, t[k].n);
    out->type[t[k].n] = '\0';
    out->write = t[k + 2].n == 5 && memcmp(t[k + 2].p, "WRITE", 5) == 0;
    if (parse_pid(&t[k + 3], &out->pid) < 0 || parse_dev_inode(&t[k + 4], out) < 0) {
        return -1;
    }
    return 0;
}
