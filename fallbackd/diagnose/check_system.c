/* check_system.c - the system under the door (dg_checks.h).
 *
 *   finding                                          | level
 *   -------------------------------------------------+------
 *   a filesystem of / /var /boot /tmp with no space  | BAD
 *     or no inodes left                              |
 *   less than 5% space or inodes left                | WARN
 *   less than 5% memory available                    | WARN
 *   load above 4 per CPU                             | WARN
 *   running kernel is not the newest installed       | INFO
 *   /lib/modules/RUNNING gone (modules removed, or   | INFO
 *     a container)                                   |
 *   libc.so.6 or the loader unusable: no dynamic     | BAD
 *     program can start ("use -s rescue")            |
 */
#include "dg_checks.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dg_parse.h"
#include "diag.h"
#include "readfile.h"

#define MiB (1024ULL * 1024ULL)
#define DYNAMIC_PROBE "/bin/sh"

static const char *const mounts[] = { "/", "/var", "/boot", "/tmp" };

/* Free space and inodes of the filesystem of DIRS (one filesystem). */
static void check_fs(const struct dg_ctx *c, const char *dir, const char *dirs)
{
    unsigned long long total, avail, pct, ipct = 100;
    struct statvfs sv;
    char ev[512];
    enum dg_level lvl = DG_OK;

    if (statvfs(dir, &sv) < 0) {
        snprintf(ev, sizeof(ev), "statvfs(%s): %s", dir, strerror(errno));
        dg_add(c->r, DG_INFO, DG_SEC_SYSTEM, ev, "cannot tell the free space on %s", dirs);
        return;
    }
    total = (unsigned long long)sv.f_blocks * sv.f_frsize;
    avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
    pct = total ? avail * 100 / total : 100;
    if (sv.f_files > 0) {
        ipct = (unsigned long long)sv.f_favail * 100 / sv.f_files;
    }
    snprintf(ev, sizeof(ev), "statvfs(%s): %llu MiB of %llu MiB free (%llu%%), inodes %llu of "
             "%llu free (%llu%%)", dir, avail / MiB, total / MiB, pct,
             (unsigned long long)sv.f_favail, (unsigned long long)sv.f_files, ipct);
    if (pct < 5 || ipct < 5) {
        lvl = DG_WARN;
    }
    if (avail < MiB || (sv.f_files > 0 && sv.f_favail == 0)) {
        lvl = DG_BAD;
    }
    dg_add(c->r, lvl, DG_SEC_SYSTEM, ev, "%s: %s", dirs,
           lvl == DG_BAD ? "filesystem full: writes fail (dpkg, logs, sshd's own files)"
           : lvl == DG_WARN ? "filesystem nearly full" : "free space and inodes fine");
}

/* Each filesystem of MOUNTS once, named by every directory on it. */
static void check_filesystems(const struct dg_ctx *c)
{
    const size_t n = sizeof(mounts) / sizeof(mounts[0]);
    dev_t dev[sizeof(mounts) / sizeof(mounts[0])];
    int ok[sizeof(mounts) / sizeof(mounts[0])];

    for (size_t i = 0; i < n; i++) {
        struct stat st;

        ok[i] = stat(mounts[i], &st) == 0;
        dev[i] = ok[i] ? st.st_dev : 0;
    }
    for (size_t i = 0; i < n; i++) {
        char dirs[128] = "";
        int first = 1;

        for (size_t j = 0; j < i && ok[i]; j++) {
            first &= !(ok[j] && dev[j] == dev[i]);
        }
        if (!first) {
            continue;
        }
        for (size_t j = i; j < n; j++) {
            if (j == i || (ok[i] && ok[j] && dev[j] == dev[i])) {
                snprintf(dirs + strlen(dirs), sizeof(dirs) - strlen(dirs), "%s%s",
                         dirs[0] ? " " : "", mounts[j]);
            }
        }
        check_fs(c, mounts[i], dirs);
    }
}

static void check_memory(const struct dg_ctx *c)
{
    struct dg_meminfo m;
    struct readbuf b;
    struct diag err = { 0 };
    char why[256];
    unsigned long long pct;

    if (readfile_head("/proc/meminfo", 1u << 20, &b, &err) < 0 ||
        dg_meminfo_parse(b.p, b.len, &m) < 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SYSTEM, b.len ? "/proc/meminfo: no MemTotal/MemAvailable"
               : diag_last(&err), "cannot tell the free memory");
        diag_free(&err);
        readbuf_free(&b);
        return;
    }
    readbuf_free(&b);
    pct = m.total_kb ? m.avail_kb * 100 / m.total_kb : 100;
    snprintf(why, sizeof(why), "/proc/meminfo: MemAvailable %llu MiB of MemTotal %llu MiB; "
             "swap %llu of %llu MiB free", m.avail_kb / 1024, m.total_kb / 1024,
             m.swap_free_kb / 1024, m.swap_total_kb / 1024);
    dg_add(c->r, pct < 5 ? DG_WARN : DG_OK, DG_SEC_SYSTEM, why, "memory: %llu%% available", pct);
}

static void check_load(const struct dg_ctx *c)
{
    struct readbuf b;
    struct diag err = { 0 };
    char why[256];
    double l1 = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    if (readfile_head("/proc/loadavg", 4096, &b, &err) < 0 || sscanf(b.p, "%lf", &l1) != 1) {
        dg_add(c->r, DG_INFO, DG_SEC_SYSTEM, diag_count(&err) ? diag_last(&err)
               : "/proc/loadavg: no load average", "cannot tell the load");
        diag_free(&err);
        readbuf_free(&b);
        return;
    }
    ncpu = ncpu > 0 ? ncpu : 1;
    snprintf(why, sizeof(why), "/proc/loadavg: %.*s; %ld CPUs", (int)strcspn(b.p, "\n"), b.p, ncpu);
    dg_add(c->r, l1 > 4.0 * (double)ncpu ? DG_WARN : DG_OK, DG_SEC_SYSTEM, why,
           "load %.2f", l1);
    readbuf_free(&b);
}

/* The newest /boot/vmlinuz-VERSION (by version order) into OUT. */
static int newest_kernel(char *out, size_t len)
{
    DIR *d = opendir("/boot");
    struct dirent *e;
    int n = 0;

    out[0] = '\0';
    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL && n < 4096) {
        const char *v = e->d_name + 8;

        if (strncmp(e->d_name, "vmlinuz-", 8) != 0 || strlen(v) >= len) {
            continue;
        }
        n++;
        if (out[0] == '\0' || strverscmp(v, out) > 0) {
            snprintf(out, len, "%s", v);
        }
    }
    closedir(d);
    return out[0] ? 0 : -1;
}

static void check_kernel(const struct dg_ctx *c)
{
    struct utsname u;
    char newest[256], ev[700], mods[300];
    struct stat st;

    if (uname(&u) < 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SYSTEM, strerror(errno), "cannot tell the running kernel");
        return;
    }
    snprintf(mods, sizeof(mods), "/lib/modules/%s", u.release);
    if (stat(mods, &st) < 0) {
        snprintf(ev, sizeof(ev), "%s: %s", mods, strerror(errno));
        dg_add(c->r, DG_INFO, DG_SEC_SYSTEM, ev, "the running kernel's modules are not "
               "installed (removed by an upgrade, or a container): loading one fails");
    }
    if (newest_kernel(newest, sizeof(newest)) < 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SYSTEM, "/boot: no vmlinuz-*", "running kernel %s",
               u.release);
        return;
    }
    snprintf(ev, sizeof(ev), "uname: %s; newest /boot/vmlinuz-%s", u.release, newest);
    if (strcmp(newest, u.release) != 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SYSTEM, ev, "running kernel %s, newest installed %s: "
               "a reboot changes kernels", u.release, newest);
    } else {
        dg_add(c->r, DG_OK, DG_SEC_SYSTEM, ev, "running the newest installed kernel %s",
               u.release);
    }
}

/* Can a dynamic program start at all (libc.so.6, the loader)? */
static void check_dynamic(const struct dg_ctx *c)
{
    char why[512];

    if (dg_can_start(DYNAMIC_PROBE, why, sizeof(why))) {
        dg_add(c->r, DG_OK, DG_SEC_SYSTEM, NULL, "dynamic programs can start (%s: loader and "
               "libraries usable)", DYNAMIC_PROBE);
        return;
    }
    dg_add(c->r, DG_BAD, DG_SEC_SYSTEM, why, "dynamic programs cannot start; use -s rescue");
}

void dg_check_system(const struct dg_ctx *c)
{
    check_dynamic(c);
    check_filesystems(c);
    check_memory(c);
    check_load(c);
    check_kernel(c);
}
