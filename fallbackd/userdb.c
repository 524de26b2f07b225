/* userdb.c - the passwd/group cache that never forgets a user while the
 * files are being rewritten (see userdb.h for the contract).
 *
 * Each file is a "source": the stamp of the version last read, whether
 * that read was complete, and a table of entries sorted by name (binary
 * search).  A refresh re-reads a source only when its stamp (open error,
 * device, inode, size, mtime and ctime to the nanosecond) changed.  What a
 * read does to the table:
 *
 *   the file read                                  | the table
 *   -----------------------------------------------+---------------------------
 *   complete, every line well-formed               | replaced
 *   complete, some lines malformed                 | replaced by its good lines
 *                                                  |   (a user deleted from the
 *                                                  |   file must not stay known)
 *   incomplete: unreadable, not a regular file,    | kept; its well-formed lines
 *     empty, last line without a newline, or (for  |   merged in, a line's entry
 *     passwd) no uid 0 entry - a file mid-write    |   replacing the one of the
 *                                                  |   same name
 *
 * Every problem is logged once per file version, as "FILE:LINE: reason"
 * or "FILE: reason".
 *
 * Entries live inside the table array, so a pointer handed out stays valid
 * until the next userdb_refresh() or userdb_free().
 */
#include "userdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "readfile.h"

#define FILE_MAX ((size_t)16 << 20)     /* larger files are not read at all */
#define LINE_MAX_LEN ((size_t)1 << 20)  /* longer lines are malformed */
#define REPORT_MAX 20                   /* problems logged per read, then a count */

static const char oom_reason[] = "out of memory";

/* What identifies one version of a file; err is the errno of a failed
 * open or fstat (then the rest is zero). */
struct stamp {
    int err;
    int is_reg;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim;
    struct timespec ctim;
};

/* One entry, with its name (owned by the entry) and the line it came from. */
struct slot {
    const char *name;
    size_t line;
    union {
        struct pw_entry pw;
        struct gr_entry gr;
    } u;
};

/* Entries sorted by name, one per name. */
struct table {
    struct slot *v;
    size_t n;
    size_t cap;
};

/* How one file type is parsed and freed. */
struct kind {
    const char *noun;                           /* "user", "group" */
    int (*parse)(const char *line, struct slot *s, struct diag *why);
    void (*destroy)(struct slot *s);
    int (*is_anchor)(const struct slot *s);     /* a complete file has one */
    const char *no_anchor;                      /* the problem if it has none */
};

/* One cached file. */
struct source {
    const struct kind *kind;
    char *path;
    struct stamp stamp;
    int stamped;        /* stamp holds the version last read */
    int complete;       /* that version was accepted as it is */
    struct table tab;
};

struct userdb {
    struct source pw;
    struct source gr;
};

/* What one read of a file produced. */
struct readout {
    struct table tab;
    size_t problems;
    int incomplete;     /* a problem of the file as a whole (see the top) */
};

/* kind callbacks for passwd(5). */
static int pw_parse(const char *line, struct slot *s, struct diag *why)
{
    int rc = userdb_parse_passwd(line, &s->u.pw, why);

    s->name = s->u.pw.name;
    return rc;
}

static void pw_destroy(struct slot *s)
{
    userdb_pw_free(&s->u.pw);
}

static int pw_is_root(const struct slot *s)
{
    return s->u.pw.uid == 0;
}

/* kind callbacks for group(5). */
static int gr_parse(const char *line, struct slot *s, struct diag *why)
{
    int rc = userdb_parse_group(line, &s->u.gr, why);

    s->name = s->u.gr.name;
    return rc;
}

static void gr_destroy(struct slot *s)
{
    userdb_gr_free(&s->u.gr);
}

static const struct kind pw_kind = {
    "user", pw_parse, pw_destroy, pw_is_root, "no entry with UID 0",
};

static const struct kind gr_kind = {
    "group", gr_parse, gr_destroy, NULL, NULL,
};

/* Free every entry of T and T's array; T is left empty. */
static void table_free(struct table *t, const struct kind *k)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        k->destroy(&t->v[i]);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}

/* Make room for one more slot in T.  0, or -1 out of memory. */
static int table_reserve(struct table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct slot *v;

    if (t->n < t->cap) {
        return 0;
    }
    v = realloc(t->v, cap * sizeof(*v));
    if (v == NULL) {
        return -1;
    }
    t->v = v;
    t->cap = cap;
    return 0;
}

/* qsort() order: by name, then by line. */
static int slot_cmp(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0) {
        return c;
    }
    return (x->line > y->line) - (x->line < y->line);
}

/* bsearch() order: the key is a name. */
static int slot_key_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct slot *)elem)->name);
}

/* The slot named NAME in T, or NULL. */
static const struct slot *table_find(const struct table *t, const char *name)
{
    if (t->n == 0 || name == NULL) {
        return NULL;
    }
    return bsearch(name, t->v, t->n, sizeof(*t->v), slot_key_cmp);
}

/* Sort T by name and drop every later line of a name already seen: the
 * first line wins, as with NSS.  Drops are logged against PATH. */
static void table_sort_unique(struct table *t, const struct kind *k,
                              const char *path)
{
    size_t i, kept = 0;

    if (t->n == 0) {
        return;
    }
    qsort(t->v, t->n, sizeof(*t->v), slot_cmp);
    for (i = 0; i < t->n; i++) {
        if (kept > 0 && strcmp(t->v[kept - 1].name, t->v[i].name) == 0) {
            log_info("%s:%zu: duplicate %s %s ignored (line %zu wins)", path,
                     t->v[i].line, k->noun, t->v[i].name, t->v[kept - 1].line);
            k->destroy(&t->v[i]);
        } else {
            t->v[kept++] = t->v[i];
        }
    }
    t->n = kept;
}

/* Merge sorted NEW into sorted *OLD: a name in both takes NEW's entry.
 * NEW is consumed.  0, or -1 out of memory (both left as they were). */
static int table_merge(struct table *old, struct table *new,
                       const struct kind *k)
{
    size_t i = 0, j = 0, n = 0;
    struct slot *v = malloc((old->n + new->n + 1) * sizeof(*v));

    if (v == NULL) {
        return -1;
    }
    while (i < old->n || j < new->n) {
        int c = i == old->n ? 1 : j == new->n ? -1
              : strcmp(old->v[i].name, new->v[j].name);

        if (c < 0) {
            v[n++] = old->v[i++];
        } else {
            if (c == 0) {
                k->destroy(&old->v[i++]);
            }
            v[n++] = new->v[j++];
        }
    }
    free(old->v);
    free(new->v);
    memset(new, 0, sizeof(*new));
    old->v = v;
    old->n = n;
    old->cap = old->n + 1;
    return 0;
}

/* Count a problem of SRC and log it (up to REPORT_MAX per read); LINE 0
 * means the file as a whole. */
static void report(struct readout *ro, const struct source *src, size_t line,
                   const char *why)
{
    ro->problems++;
    ro->incomplete |= line == 0;
    if (ro->problems > REPORT_MAX) {
        return;
    }
    if (line == 0) {
        log_error("%s: %s", src->path, why);
    } else {
        log_error("%s:%zu: %s", src->path, line, why);
    }
}

/* Is the N-byte LINE blank (spaces, tabs) or a '#' comment? */
static int is_blank_or_comment(const char *line, size_t n)
{
    size_t i = 0;

    while (i < n && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    return i == n || line[i] == '#';
}

/* Parse the N-byte LINE (NUL-terminated at N) number LINENO into RO, or
 * report why not.  0, or -1 out of memory. */
static int parse_one(const struct source *src, const char *line, size_t n,
                     size_t lineno, struct readout *ro)
{
    const char *early = NULL;
    struct diag why = { 0 };
    struct slot *s;
    int err = 0;

    if (is_blank_or_comment(line, n)) {
        return 0;
    }
    if (n > LINE_MAX_LEN) {
        early = "line too long";
    } else if (memchr(line, '\0', n) != NULL) {
        early = "NUL byte in line";
    }
    if (early == NULL && table_reserve(&ro->tab) == 0) {
        s = &ro->tab.v[ro->tab.n];
        s->line = lineno;
        errno = 0;
        if (src->kind->parse(line, s, &why) == 0) {
            ro->tab.n++;
            return 0;
        }
        err = errno;
    }
    if ((early == NULL && why.n == 0) || err == ENOMEM) {
        diag_free(&why);
        return -1;      /* out of memory */
    }
    report(ro, src, lineno, early != NULL ? early : diag_last(&why));
    diag_free(&why);
    return 0;
}

/* Parse every line of the LEN-byte BUF (changed in place) into RO.  An
 * unterminated last line is reported and ignored: it may be cut short.
 * 0, or -1 out of memory. */
static int parse_lines(const struct source *src, char *buf, size_t len,
                       struct readout *ro)
{
    char *p = buf, *end = buf + len;
    size_t lineno = 0;

    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));

        lineno++;
        if (nl == NULL) {
            report(ro, src, lineno, "no newline at end of file (truncated?), line ignored");
            ro->incomplete = 1;
            break;
        }
        *nl = '\0';
        if (parse_one(src, p, (size_t)(nl - p), lineno, ro) < 0) {
            return -1;
        }
        p = nl + 1;
    }
    return 0;
}

/* Open PATH read-only and describe the version opened in *ST.  The fd, or
 * -1 with ST->err set. */
static int open_stamped(const char *path, struct stamp *st)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

    memset(st, 0, sizeof(*st));
    if (fd >= 0 && fstat(fd, &sb) == 0) {
        st->is_reg = S_ISREG(sb.st_mode);
        st->dev = sb.st_dev;
        st->ino = sb.st_ino;
        st->size = sb.st_size;
        st->mtim = sb.st_mtim;
        st->ctim = sb.st_ctim;
        return fd;
    }
    st->err = errno != 0 ? errno : EIO;
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

/* Do A and B describe the same version of a file? */
static int stamp_equal(const struct stamp *a, const struct stamp *b)
{
    return a->err == b->err && a->is_reg == b->is_reg && a->dev == b->dev &&
           a->ino == b->ino && a->size == b->size &&
           a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec &&
           a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* Read FD to its end (at most FILE_MAX bytes; HINT is the expected size)
 * into a NUL-terminated heap buffer.  NULL, or why not (oom_reason when out
 * of memory). */
static const char *read_all(int fd, size_t hint, char **bufp, size_t *lenp)
{
    int err = readfile_fd(fd, FILE_MAX, hint, bufp, lenp);

    if (err == ENOMEM) {
        return oom_reason;
    }
    if (err == EFBIG) {
        return "larger than 16 MiB, not read";
    }
    return err != 0 ? "read error" : NULL;
}

/* Read and parse the version of SRC's file open on FD (or the failure in
 * ST) into RO, reporting every problem; closes FD.  0, or -1 out of memory. */
static int source_load(const struct source *src, int fd, const struct stamp *st,
                       struct readout *ro)
{
    char *buf = NULL;
    size_t len = 0;
    const char *bad = NULL;
    int rc = 0;

    if (fd < 0) {
        bad = strerror(st->err);
    } else if (!st->is_reg) {
        bad = "not a regular file";
    } else {
        bad = read_all(fd, (size_t)st->size, &buf, &len);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (bad == oom_reason) {
        return -1;
    }
    if (bad != NULL) {
        report(ro, src, 0, bad);
    } else {
        rc = parse_lines(src, buf, len, ro);
        free(buf);
    }
    return rc;
}

/* Report what makes RO's content incomplete as a whole, then drop the
 * later duplicates of its entries. */
static void readout_finish(const struct source *src, struct readout *ro)
{
    const struct kind *k = src->kind;
    size_t i;
    int anchored = k->is_anchor == NULL;

    table_sort_unique(&ro->tab, k, src->path);
    for (i = 0; i < ro->tab.n && !anchored; i++) {
        anchored = k->is_anchor(&ro->tab.v[i]);
    }
    if (ro->problems == 0 && ro->tab.n == 0) {
        report(ro, src, 0, "no entries (empty file?)");
    } else if (ro->tab.n == 0) {
        report(ro, src, 0, "no well-formed entry at all (garbage?)");
    } else if (!anchored) {
        report(ro, src, 0, k->no_anchor);
    }
    if (ro->problems > REPORT_MAX) {
        log_error("%s: %zu more problems not shown", src->path,
                  ro->problems - REPORT_MAX);
    }
}

/* Install RO into SRC: replace the table if the file was complete (its
 * malformed lines, if any, are left out), else merge RO's entries into
 * what SRC knew.  0 replaced without a problem, 1 replaced with malformed
 * lines left out or merged, -1 out of memory (SRC unchanged, RO freed). */
static int source_apply(struct source *src, struct readout *ro)
{
    size_t known = src->tab.n, added = ro->tab.n;

    if (!ro->incomplete) {
        table_free(&src->tab, src->kind);
        src->tab = ro->tab;
        src->complete = ro->problems == 0;
        if (ro->problems > 0) {
            log_info("%s: %zu malformed lines left out; its %zu well-formed %ss replace "
                     "the cache", src->path, ro->problems, src->tab.n, src->kind->noun);
        }
        log_debug("%s: %zu %ss", src->path, src->tab.n, src->kind->noun);
        return src->complete ? 0 : 1;
    }
    if (table_merge(&src->tab, &ro->tab, src->kind) < 0) {
        table_free(&ro->tab, src->kind);
        return -1;
    }
    src->complete = 0;
    log_info("%s: incomplete, keeping the %zu known %ss and merging %zu "
             "well-formed entries (%zu %ss now)", src->path, known,
             src->kind->noun, added, src->tab.n, src->kind->noun);
    return 1;
}

/* Bring SRC up to date with its file.  0 if the version in force was
 * accepted as it is, 1 if the cache was kept (in part), -1 out of memory. */
static int source_refresh(struct source *src)
{
    struct readout ro;
    struct stamp st;
    int fd = open_stamped(src->path, &st);
    int rc;

    if (src->stamped && stamp_equal(&st, &src->stamp)) {
        if (fd >= 0) {
            close(fd);
        }
        return src->complete ? 0 : 1;
    }
    memset(&ro, 0, sizeof(ro));
    rc = source_load(src, fd, &st, &ro);
    if (rc == 0) {
        readout_finish(src, &ro);
        rc = source_apply(src, &ro);
    } else {
        table_free(&ro.tab, src->kind);
    }
    if (rc >= 0) {
        src->stamp = st;
        src->stamped = 1;
    }
    return rc;
}

/* A cache over the two files, empty until the first userdb_refresh().
 * NULL if out of memory or a path is NULL. */
struct userdb *userdb_new(const char *passwd_path, const char *group_path)
{
    struct userdb *db = calloc(1, sizeof(*db));

    if (db == NULL || passwd_path == NULL || group_path == NULL) {
        free(db);
        return NULL;
    }
    db->pw.kind = &pw_kind;
    db->gr.kind = &gr_kind;
    db->pw.path = strdup(passwd_path);
    db->gr.path = strdup(group_path);
    if (db->pw.path == NULL || db->gr.path == NULL) {
        userdb_free(db);
        return NULL;
    }
    return db;
}

/* Free DB and every entry in it; DB may be NULL. */
void userdb_free(struct userdb *db)
{
    if (db == NULL) {
        return;
    }
    table_free(&db->pw.tab, db->pw.kind);
    table_free(&db->gr.tab, db->gr.kind);
    free(db->pw.path);
    free(db->gr.path);
    free(db);
}

/* Re-read whichever file changed (see userdb.h).  0 both accepted as they
 * are, 1 a cache kept (in part), -1 out of memory (retried next time). */
int userdb_refresh(struct userdb *db)
{
    int a, b;

    if (db == NULL) {
        return -1;
    }
    a = source_refresh(&db->pw);
    b = source_refresh(&db->gr);
    if (a < 0 || b < 0) {
        return -1;
    }
    return a > 0 || b > 0;
}

/* The user named NAME, or NULL; valid until the next refresh or free. */
const struct pw_entry *userdb_user(const struct userdb *db, const char *name)
{
    const struct slot *s;

    if (db == NULL) {
        return NULL;
    }
    s = table_find(&db->pw.tab, name);
    return s != NULL ? &s->u.pw : NULL;
}

const struct pw_entry *userdb_uid_owner(const struct userdb *db, uid_t lo, uid_t hi)
{
    for (size_t i = 0; db != NULL && i < db->pw.tab.n; i++) {
        const struct pw_entry *pw = &db->pw.tab.v[i].u.pw;

        if (pw->uid >= lo && pw->uid <= hi) {
            return pw;
        }
    }
    return NULL;
}

/* The group named NAME, or NULL; valid until the next refresh or free. */
const struct gr_entry *userdb_group(const struct userdb *db, const char *name)
{
    const struct slot *s;

    if (db == NULL) {
        return NULL;
    }
    s = table_find(&db->gr.tab, name);
    return s != NULL ? &s->u.gr : NULL;
}

/* The first user with uid UID, or NULL (a linear scan: for names shown
 * to a client, not for authentication); valid as userdb_user(). */
const struct pw_entry *userdb_user_by_uid(const struct userdb *db, uid_t uid)
{
    for (size_t i = 0; db != NULL && i < db->pw.tab.n; i++) {
        if (db->pw.tab.v[i].u.pw.uid == uid) {
            return &db->pw.tab.v[i].u.pw;
        }
    }
    return NULL;
}

/* The first group with gid GID, or NULL; as userdb_user_by_uid(). */
const struct gr_entry *userdb_group_by_gid(const struct userdb *db, gid_t gid)
{
    for (size_t i = 0; db != NULL && i < db->gr.tab.n; i++) {
        if (db->gr.tab.v[i].u.gr.gid == gid) {
            return &db->gr.tab.v[i].u.gr;
        }
    }
    return NULL;
}

/* Does GR list NAME as a member? */
static int gr_has_member(const struct gr_entry *gr, const char *name)
{
    size_t i;

    for (i = 0; i < gr->nmembers; i++) {
        if (strcmp(gr->members[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if PW's primary gid is GROUPNAME's gid or GROUPNAME lists PW's name,
 * else 0 (also for an unknown group). */
int userdb_in_group(const struct userdb *db, const struct pw_entry *pw,
                    const char *groupname)
{
    const struct slot *s;

    if (db == NULL || pw == NULL || pw->name == NULL) {
        return 0;
    }
    s = table_find(&db->gr.tab, groupname);
    if (s == NULL) {
        return 0;
    }
    return s->u.gr.gid == pw->gid || gr_has_member(&s->u.gr, pw->name);
}

/* Does a group before index I of T with gid GID list NAME? */
static int listed_before(const struct table *t, size_t i, gid_t gid,
                         const char *name)
{
    size_t j;

    for (j = 0; j < i; j++) {
        if (t->v[j].u.gr.gid == gid && gr_has_member(&t->v[j].u.gr, name)) {
            return 1;
        }
    }
    return 0;
}

/* PW's gids: the primary first, then the gid of each group listing PW (in
 * group name order), each gid once.  Writes at most MAX, returns all. */
size_t userdb_groups(const struct userdb *db, const struct pw_entry *pw,
                     gid_t *out, size_t max)
{
    const struct table *t;
    size_t i, n = 0;

    if (pw == NULL || pw->name == NULL) {
        return 0;
    }
    if (n < max && out != NULL) {
        out[n] = pw->gid;
    }
    n++;
    t = db != NULL ? &db->gr.tab : NULL;
    for (i = 0; t != NULL && i < t->n; i++) {
        const struct gr_entry *gr = &t->v[i].u.gr;

        if (gr->gid != pw->gid && gr_has_member(gr, pw->name) &&
            !listed_before(t, i, gr->gid, pw->name)) {
            if (n < max && out != NULL) {
                out[n] = gr->gid;
            }
            n++;
        }
    }
    return n;
}
