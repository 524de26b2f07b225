/* userdb_parse.c - one line of passwd(5) or group(5) into a struct, and
 * back to nothing (see userdb.h).  No NSS, no I/O, no logging.
 *
 * passwd(5):  name:password:UID:GID:GECOS:directory:shell
 * group(5):   group_name:password:GID:user_list
 *
 *   - exactly 7 (passwd) or 4 (group) ':'-separated fields;
 *   - name, group_name, each user_list item: 1..255 bytes, no whitespace,
 *     no control character, not starting with '-' (an option to a tool) or
 *     '+' (a NIS compat marker, meaningless without NSS);
 *   - UID, GID: decimal digits only, 0..4294967294 ((uid_t)-1 is "none");
 *   - directory, shell: any bytes but control characters (a CRLF file thus
 *     fails); either may be empty: callers use "/" and /bin/sh then;
 *   - password, GECOS: anything (never used for authentication);
 *   - user_list: comma-separated names, may be empty; empty items
 *     ("a,,b", "a,") are skipped, as NSS does.
 *
 * On error a parser returns -1, adds one line saying why to its diag, sets
 * errno to EINVAL (ENOMEM when out of memory), and leaves *out zeroed.
 */
#include "userdb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 255
#define PW_FIELDS 7
#define GR_FIELDS 4
#define ID_MAX 4294967294ULL

static const char oom_reason[] = "out of memory";

/* One field of a line: N bytes at P, not NUL-terminated. */
struct field {
    const char *p;
    size_t n;
};

/* Split LINE at every ':' into exactly N fields.  0, or -1 if the line
 * has more or fewer fields. */
static int split_fields(const char *line, struct field *f, size_t n)
{
    const char *p = line;
    size_t i = 0;

    for (;;) {
        size_t len = strcspn(p, ":");

        if (i == n) {
            return -1;
        }
        f[i].p = p;
        f[i].n = len;
        i++;
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    return i == n ? 0 : -1;
}

/* Is C an ASCII control character? */
static int is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* 1 if the N bytes at P hold no control character. */
static int no_ctl(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (is_ctl((unsigned char)p[i])) {
            return 0;
        }
    }
    return 1;
}

/* NULL if the N bytes at P are a valid user or group name, else why not. */
static const char *name_problem(const char *p, size_t n)
{
    size_t i;

    if (n == 0) {
        return "empty name";
    }
    if (n > NAME_MAX_LEN) {
        return "name too long";
    }
    if (p[0] == '-' || p[0] == '+') {
        return "name starts with '-' or '+'";
    }
    for (i = 0; i < n; i++) {
        if (p[i] == ' ' || is_ctl((unsigned char)p[i])) {
            return "whitespace or control character in name";
        }
    }
    return NULL;
}

/* Parse the N-byte decimal id at P (digits only, 0..4294967294) into
 * *OUT.  0 ok, -1 invalid. */
static int parse_id(const char *p, size_t n, unsigned long long *out)
{
    unsigned long long v = 0;
    size_t i;

    if (n == 0 || n > 10) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        v = v * 10 + (unsigned long long)(p[i] - '0');
    }
    if (v > ID_MAX) {
        return -1;
    }
    *out = v;
    return 0;
}

/* Split and check a passwd line; NULL if valid (F, *UID, *GID filled). */
static const char *pw_check(const char *line, struct field *f,
                            unsigned long long *uid, unsigned long long *gid)
{
    const char *bad;

    if (split_fields(line, f, PW_FIELDS) < 0) {
        return "not 7 ':'-separated fields";
    }
    if ((bad = name_problem(f[0].p, f[0].n)) != NULL) {
        return bad;
    }
    if (parse_id(f[2].p, f[2].n, uid) < 0) {
        return "bad UID (decimal 0..4294967294)";
    }
    if (parse_id(f[3].p, f[3].n, gid) < 0) {
        return "bad GID (decimal 0..4294967294)";
    }
    if (!no_ctl(f[5].p, f[5].n)) {
        return "control character in home directory";
    }
    if (!no_ctl(f[6].p, f[6].n)) {
        return "control character in shell";
    }
    return NULL;
}

/* Copy the checked fields F into *OUT.  0, or -1 out of memory (then
 * *OUT is zeroed again). */
static int pw_copy(const struct field *f, unsigned long long uid,
                   unsigned long long gid, struct pw_entry *out)
{
    out->name = strndup(f[0].p, f[0].n);
    out->passwd = strndup(f[1].p, f[1].n);
    out->uid = (uid_t)uid;
    out->gid = (gid_t)gid;
    out->gecos = strndup(f[4].p, f[4].n);
    out->dir = strndup(f[5].p, f[5].n);
    out->shell = strndup(f[6].p, f[6].n);
    if (out->name == NULL || out->passwd == NULL || out->gecos == NULL ||
        out->dir == NULL || out->shell == NULL) {
        userdb_pw_free(out);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* A line refused for BAD: one line to WHY (if any), errno set (after the
 * line was added, which may itself change errno).  Returns -1. */
static int refuse(const char *bad, struct diag *why)
{
    if (why != NULL) {
        diag_add(why, "%s", bad);
    }
    errno = bad == oom_reason ? ENOMEM : EINVAL;
    return -1;
}

/* Fill *OUT from a passwd(5) line (no newline).  0, or -1 (see the top of
 * this file). */
int userdb_parse_passwd(const char *line, struct pw_entry *out, struct diag *why)
{
    struct field f[PW_FIELDS];
    unsigned long long uid = 0, gid = 0;
    const char *bad = "no line";

    if (out != NULL) {
        memset(out, 0, sizeof(*out));
        bad = line != NULL ? pw_check(line, f, &uid, &gid) : bad;
        if (bad == NULL && pw_copy(f, uid, gid, out) < 0) {
            bad = oom_reason;
        }
    }
    return bad != NULL ? refuse(bad, why) : 0;
}

/* Call FN(P, N, ARG) on each non-empty item of the comma list F; stop at
 * the first nonzero return and pass it on. */
static int each_member(const struct field *f,
                       int (*fn)(const char *p, size_t n, void *arg), void *arg)
{
    size_t i = 0;
    int rc = 0;

    while (i < f->n && rc == 0) {
        const char *p = f->p + i;
        size_t n = 0;

        while (i + n < f->n && p[n] != ',') {
            n++;
        }
        if (n > 0) {
            rc = fn(p, n, arg);
        }
        i += n + 1;
    }
    return rc;
}

/* each_member() callback: -1 if the item is not a valid name. */
static int member_check(const char *p, size_t n, void *arg)
{
    (void)arg;
    return name_problem(p, n) != NULL ? -1 : 0;
}

/* Split and check a group line; NULL if valid (F and *GID filled). */
static const char *gr_check(const char *line, struct field *f,
                            unsigned long long *gid)
{
    const char *bad;

    if (split_fields(line, f, GR_FIELDS) < 0) {
        return "not 4 ':'-separated fields";
    }
    if ((bad = name_problem(f[0].p, f[0].n)) != NULL) {
        return bad;
    }
    if (parse_id(f[2].p, f[2].n, gid) < 0) {
        return "bad GID (decimal 0..4294967294)";
    }
    if (each_member(&f[3], member_check, NULL) != 0) {
        return "bad user name in member list";
    }
    return NULL;
}

/* each_member() callback: append a copy of the item to the gr_entry ARG,
 * whose members[] has room.  -1 out of memory. */
static int member_add(const char *p, size_t n, void *arg)
{
    struct gr_entry *gr = arg;
    char *m = strndup(p, n);

    if (m == NULL) {
        return -1;
    }
    gr->members[gr->nmembers++] = m;
    return 0;
}

/* Copy the checked fields F into *OUT.  0, or -1 out of memory (then
 * *OUT is zeroed again). */
static int gr_copy(const struct field *f, unsigned long long gid,
                   struct gr_entry *out)
{
    size_t i, items = 1;

    for (i = 0; i < f[3].n; i++) {
        items += f[3].p[i] == ',';
    }
    out->gid = (gid_t)gid;
    out->name = strndup(f[0].p, f[0].n);
    out->members = calloc(items, sizeof(*out->members));
    if (out->name == NULL || out->members == NULL ||
        each_member(&f[3], member_add, out) != 0) {
        userdb_gr_free(out);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* Fill *OUT from a group(5) line (no newline).  0, or -1 (see the top of
 * this file). */
int userdb_parse_group(const char *line, struct gr_entry *out, struct diag *why)
{
    struct field f[GR_FIELDS];
    unsigned long long gid = 0;
    const char *bad = "no line";

    if (out != NULL) {
        memset(out, 0, sizeof(*out));
        bad = line != NULL ? gr_check(line, f, &gid) : bad;
        if (bad == NULL && gr_copy(f, gid, out) < 0) {
            bad = oom_reason;
        }
    }
    return bad != NULL ? refuse(bad, why) : 0;
}

/* Free everything *PW owns and zero it; PW may be NULL. */
void userdb_pw_free(struct pw_entry *pw)
{
    if (pw == NULL) {
        return;
    }
    free(pw->name);
    free(pw->passwd);
    free(pw->gecos);
    free(pw->dir);
    free(pw->shell);
    memset(pw, 0, sizeof(*pw));
}

/* Free everything *GR owns and zero it; GR may be NULL. */
void userdb_gr_free(struct gr_entry *gr)
{
    size_t i;

    if (gr == NULL) {
        return;
    }
    for (i = 0; i < gr->nmembers; i++) {
        free(gr->members[i]);
    }
    free(gr->members);
    free(gr->name);
    memset(gr, 0, sizeof(*gr));
}
