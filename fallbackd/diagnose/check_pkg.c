/* check_pkg.c - the package manager (dg_checks.h).
 *
 *   finding                                          | level
 *   -------------------------------------------------+------
 *   dpkg/apt/unattended-upgrade/do-release-upgrade   | WARN
 *     running (and for how long)                     |
 *   a dpkg/apt lock held (/proc/locks), by whom      | WARN
 *   openssh-server/-client, libssl3*, libc6 not      | BAD
 *     fully installed (/var/lib/dpkg/status)         |
 *   other packages not fully installed               | WARN
 *   /run/reboot-required                             | WARN
 *   a DiagnoseFiles file holding a non-zero number   | BAD
 *     (an upgrade's exit code)                       |
 *   tails of dpkg.log, apt/term.log, the release     | INFO
 *     upgrader's main.log; other DiagnoseFiles       |
 */
#include "dg_checks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "dg_parse.h"
#include "diag.h"
#include "readfile.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define STATUS_MAX (64u << 20)
#define LOCKS_MAX (4u << 20)
#define TAIL_BYTES 4096
#define TAIL_LINES 8
#define FILE_MAX 4096
#define MAX_LISTED 20

static const char *const pkg_tools[] = {
    "dpkg", "apt", "apt-get", "aptitude", "unattended-upgrade", "unattended-upgr",
    "do-release-upgrade", "do-release-upgr", "dist-upgrade.py", "dist-upgrade",
};

static const char *const lock_paths[] = {
    "/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock",
    "/var/cache/apt/archives/lock",
};

static const char *const tails[] = {
    "/var/log/dpkg.log", "/var/log/apt/term.log", "/var/log/dist-upgrade/main.log",
};

/* Packages whose breakage breaks sshd itself. */
static const char *const ssh_critical[] = {
    "openssh-server", "openssh-client", "openssh-sftp-server", "libssl3", "libssl3t64",
    "libc6", "libcrypt1", "zlib1g",
};

static int in_list(const char *s, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, v[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

#define IN(s, arr) in_list((s), (arr), sizeof(arr) / sizeof((arr)[0]))

/* Package tools by comm, argv[0] or argv[1] (a Python script's name). */
static void check_tools(const struct dg_ctx *c)
{
    for (size_t i = 0; i < c->nprocs; i++) {
        const struct dg_proc *p = &c->procs[i];
        char ev[800], dur[32];

        if (!(IN(p->comm, pkg_tools) || IN(p->arg0, pkg_tools) || IN(p->arg1, pkg_tools))) {
            continue;
        }
        dg_duration(p->started > 0 ? c->now - p->started : -1, dur, sizeof(dur));
        snprintf(ev, sizeof(ev), "/proc/%ld: comm %s, argv %s %s, exe %s%s", (long)p->pid,
                 p->comm, p->arg0, p->arg1, p->exe, p->exe_deleted ? " (deleted)" : "");
        dg_add(c->r, DG_WARN, DG_SEC_PKG, ev, "%s (PID %ld) has been running for %s: a package "
               "operation is in progress", p->comm, (long)p->pid, dur);
    }
}

/* The comm of PID, for a lock holder. */
static void comm_of(const struct dg_ctx *c, long pid, char *out, size_t len)
{
    const struct dg_proc *p = pid > 0 ? dg_proc_find(c, (pid_t)pid) : NULL;

    snprintf(out, len, "%s", p != NULL ? p->comm : "?");
}

/* Who holds the lock file PATH, according to LOCKS (/proc/locks). */
static void check_lock(const struct dg_ctx *c, const char *path, const struct readbuf *locks)
{
    size_t pos = 0, len;
    const char *line;
    struct stat st;

    if (stat(path, &st) < 0) {
        return;
    }
    while ((line = dg_next_line(locks->p, locks->len, &pos, &len)) != NULL) {
        struct dg_lock l;
        char ev[512], comm[64];

        if (dg_lock_parse_line(line, len, &l) < 0 || l.waiting || l.inode != st.st_ino ||
            l.major != major(st.st_dev) || l.minor != minor(st.st_dev)) {
            continue;
        }
        comm_of(c, l.pid, comm, sizeof(comm));
        snprintf(ev, sizeof(ev), "/proc/locks: %.*s\n%s: device %u:%u inode %lu", (int)len, line,
                 path, major(st.st_dev), minor(st.st_dev), (unsigned long)st.st_ino);
        dg_add(c->r, DG_WARN, DG_SEC_PKG, ev, "%s is locked by PID %ld (%s)", path, l.pid, comm);
    }
}

static void check_locks(const struct dg_ctx *c)
{
    struct readbuf locks;
    struct diag why = { 0 };

    if (readfile_head("/proc/locks", LOCKS_MAX, &locks, &why) < 0) {
        dg_add(c->r, DG_INFO, DG_SEC_PKG, diag_last(&why), "cannot tell who holds the dpkg locks");
    }
    diag_free(&why);
    for (size_t i = 0; i < sizeof(lock_paths) / sizeof(lock_paths[0]); i++) {
        check_lock(c, lock_paths[i], &locks);
    }
    readbuf_free(&locks);
}

struct unfinished {
    const struct dg_ctx *c;
    size_t n;
    char others[2048];
    size_t olen;
};

/* dg_dpkg_each callback: report critical packages, list the others. */
static int on_package(void *arg, const struct dg_pkg *p)
{
    struct unfinished *u = arg;

    if (!dg_pkg_unfinished(p)) {
        return 0;
    }
    u->n++;
    if (IN(p->name, ssh_critical)) {
        char ev[512];

        snprintf(ev, sizeof(ev), DPKG_STATUS ": Package: %s / Status: %s %s %s / Version: %s",
                 p->name, p->want, p->flag, p->state, p->version);
        dg_add(u->c->r, DG_BAD, DG_SEC_PKG, ev, "%s is %s%s (dpkg --configure -a)", p->name,
               p->state, strcmp(p->flag, "reinstreq") == 0 ? ", reinstall required" : "");
    } else if (u->n <= MAX_LISTED) {
        u->olen += (size_t)snprintf(u->others + u->olen, sizeof(u->others) - u->olen,
                                    "%s%s: %s %s %s", u->olen ? "\n" : "", p->name, p->want,
                                    p->flag, p->state);
        u->olen = u->olen < sizeof(u->others) ? u->olen : sizeof(u->others) - 1;
    }
    return 0;
}

static void check_status(const struct dg_ctx *c)
{
    struct unfinished u = { .c = c };
    struct readbuf b;
    struct diag err = { 0 };
    size_t bad = 0, seen;
    char why[256];

    if (readfile_head(DPKG_STATUS, STATUS_MAX, &b, &err) < 0) {
        dg_add(c->r, DG_WARN, DG_SEC_PKG, diag_last(&err), "cannot read the dpkg status database");
        diag_free(&err);
        readbuf_free(&b);
        return;
    }
    seen = dg_dpkg_each(b.p, b.len, on_package, &u, &bad);
    if (u.olen > 0) {
        dg_add(c->r, DG_WARN, DG_SEC_PKG, u.others, "packages not fully installed "
               "(dpkg --configure -a)");
    }
    snprintf(why, sizeof(why), DPKG_STATUS ": %zu stanzas, %zu malformed%s", seen, bad,
             b.truncated ? ", file cut at the read bound" : "");
    dg_add(c->r, u.n ? DG_INFO : DG_OK, DG_SEC_PKG, why, "%zu package%s not fully installed",
           u.n, u.n == 1 ? "" : "s");
    readbuf_free(&b);
}

/* The start of the last N lines of the LEN bytes at P. */
static const char *last_lines(const char *p, size_t len, int n)
{
    const char *s = p + len;

    if (s > p && s[-1] == '\n') {
        s--;
    }
    while (s > p) {
        if (s[-1] == '\n' && --n == 0) {
            break;
        }
        s--;
    }
    return s;
}

/* The last lines of a log; a missing log is not a problem. */
static void check_tail(const struct dg_ctx *c, const char *path)
{
    struct readbuf b;
    struct diag why = { 0 };

    if (readfile_tail(path, TAIL_BYTES, &b, &why) < 0) {
        dg_add(c->r, b.err == ENOENT ? DG_OK : DG_INFO, DG_SEC_PKG, diag_last(&why), "no %s",
               path);
    } else if (b.len > 0) {
        dg_add(c->r, DG_INFO, DG_SEC_PKG, last_lines(b.p, b.len, TAIL_LINES), "the end of %s",
               path);
    }
    diag_free(&why);
    readbuf_free(&b);
}

static void check_reboot(const struct dg_ctx *c)
{
    struct readbuf b, pkgs;
    char ev[FILE_MAX + 64];

    if (readfile_head("/run/reboot-required", FILE_MAX, &b, NULL) < 0) {
        readbuf_free(&b);
        return;
    }
    readfile_head("/run/reboot-required.pkgs", FILE_MAX / 2, &pkgs, NULL);
    snprintf(ev, sizeof(ev), "/run/reboot-required: %s%s%s", b.p, pkgs.len ? "packages: " : "",
             pkgs.len ? pkgs.p : "");
    dg_add(c->r, DG_WARN, DG_SEC_PKG, ev, "a reboot is required");
    readbuf_free(&pkgs);
    readbuf_free(&b);
}

/* An operator-named file: a number is an exit code, anything else is
 * shown as it is. */
static void check_file(const struct dg_ctx *c, const char *path)
{
    struct readbuf b;
    struct diag why = { 0 };
    char *end;
    long code;

    if (readfile_head(path, FILE_MAX, &b, &why) < 0) {
        dg_add(c->r, DG_INFO, DG_SEC_PKG, diag_last(&why), "%s cannot be read (not written "
               "yet?)", path);
        diag_free(&why);
        readbuf_free(&b);
        return;
    }
    errno = 0;
    code = strtol(b.p, &end, 10);
    while (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r') {
        end++;
    }
    if (b.len > 0 && *end == '\0' && errno == 0 && end != b.p) {
        dg_add(c->r, code != 0 ? DG_BAD : DG_OK, DG_SEC_PKG, b.p, "%s says exit code %ld%s",
               path, code, code != 0 ? ": the operation it records failed" : "");
    } else {
        dg_add(c->r, DG_INFO, DG_SEC_PKG, b.p, "%s", path);
    }
    readbuf_free(&b);
}

/* DiagnoseFiles, "~/" expanded against the home directory. */
static void check_files(const struct dg_ctx *c, const struct dg_opts *o)
{
    for (size_t i = 0; i < o->nfiles; i++) {
        char path[1024];

        if (strncmp(o->files[i], "~/", 2) == 0 && o->home != NULL) {
            snprintf(path, sizeof(path), "%s/%s", o->home, o->files[i] + 2);
        } else {
            snprintf(path, sizeof(path), "%s", o->files[i]);
        }
        check_file(c, path);
    }
}

void dg_check_pkg(const struct dg_ctx *c, const struct dg_opts *o)
{
    check_tools(c);
    check_locks(c);
    check_status(c);
    check_reboot(c);
    check_files(c, o);
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        check_tail(c, tails[i]);
    }
}
