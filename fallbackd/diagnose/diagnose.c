/* diagnose.c - collect every check, print the report (diagnose.h). */
#include "diagnose.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "banner_cache.h"
#include "diag.h"
#include "dg_checks.h"
#include "dg_json.h"
#include "shellcheck.h"

#define BANNER_FINDINGS 4
#define BANNER_TIMEOUT_MS 3000

int dg_can_start(const char *path, char *why, size_t whylen)
{
    struct diag d = { 0 };
    int ok = shell_check(path, &d);

    snprintf(why, whylen, "%s", ok ? "" : diag_last(&d));
    diag_free(&d);
    return ok;
}

int dg_replaced_file(const char *path)
{
    static const char *const not_files[] = { "/memfd:", "/dev/", "/SYSV", "/[aio]", "/drm" };

    if (path[0] != '/') {
        return 0;
    }
    for (size_t i = 0; i < sizeof(not_files) / sizeof(not_files[0]); i++) {
        if (strncmp(path, not_files[i], strlen(not_files[i])) == 0) {
            return 0;
        }
    }
    return 1;
}

void diagnose_collect(const struct dg_opts *o, struct dg_report *r)
{
    struct dg_ctx c;

    dg_ctx_init(&c, r);
    if (geteuid() != 0) {
        dg_add(r, DG_INFO, DG_SEC_SYSTEM, NULL, "running as uid %ld, not root: other users' "
               "processes and root-only files cannot be read", (long)geteuid());
    }
    dg_check_sshd(&c);
    dg_check_pkg(&c, o);
    dg_check_system(&c);
    dg_check_door(&c, o);
    dg_ctx_free(&c);
}

int diagnose_write(const struct dg_report *r, int fd, int json, const char *nl)
{
    struct dg_out o = { 0 };
    int rc;

    if (json) {
        dg_render_json(r, &o);
    } else {
        dg_render_text(r, &o, nl);
    }
    rc = o.failed ? -1 : dg_out_write(&o, fd);
    dg_out_free(&o);
    return rc;
}

int diagnose_run(const struct dg_opts *o, int fd, int json, const char *nl)
{
    struct dg_report r = { 0 };
    int rc;

    diagnose_collect(o, &r);
    rc = diagnose_write(&r, fd, json, nl) < 0 ? 2 : dg_worst(&r) >= DG_WARN;
    dg_report_free(&r);
    return rc;
}

/* The banner of a fresh report, written to FD and kept under KEY
 * (grandchild side). */
static void banner_into(const struct dg_opts *o, int fd, const char *nl, unsigned long long key)
{
    struct dg_report r = { 0 };
    struct dg_out out = { 0 };
    long long at = banner_cache_now();

    diagnose_collect(o, &r);
    if (dg_worst(&r) >= DG_WARN) {
        dg_render_banner(&r, &out, BANNER_FINDINGS, nl);
    }
    if (!out.failed) {
        banner_cache_put(o->banner_cache, getuid(), key, at, out.p, out.len);
    }
    dg_out_write(&out, fd);
    dg_out_free(&out);
    dg_report_free(&r);
}

/* The banner kept from a login of the last few seconds, with its age, if
 * there is one for this user and KEY.  1 if it was (or nothing, when it
 * said healthy), 0 if a fresh one must be collected. */
static int banner_kept(const struct dg_opts *o, int fd, const char *nl, unsigned long long key)
{
    char text[DOOR_BANNER_MAX];
    struct dg_out out = { .p = text };
    long long age;

    if (!banner_cache_get(o->banner_cache, getuid(), key, banner_cache_now(), text, &out.len,
                          &age)) {
        return 0;
    }
    if (out.len > 0 && dg_out_write(&out, fd) == 0) {
        dprintf(fd, "fallbackd: (found %lld.%lld s ago, at an earlier login)%s", age / 1000,
                age % 1000 / 100, nl);
    }
    return 1;
}

/* Copy IN to OUT until EOF or until TIMEOUT_MS have passed; 1 if the
 * time ran out. */
static int relay_until(int in, int out, int timeout_ms)
{
    struct pollfd p = { .fd = in, .events = POLLIN };
    char buf[4096];

    for (;;) {
        int rc = poll(&p, 1, timeout_ms);
        ssize_t n;

        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc <= 0) {
            return rc == 0;
        }
        n = read(in, buf, sizeof(buf));
        if (n <= 0) {
            return 0;
        }
        if (write(out, buf, (size_t)n) < 0) {
            return 0;
        }
    }
}

/* The banner is collected in a child of its own, given a few seconds:
 * a read of /proc can block on a process stuck in the kernel, and a login
 * must never wait for the console. */
void diagnose_banner(const struct dg_opts *o, int fd, const char *nl)
{
    unsigned long long key = banner_cache_key(o, nl);
    int p[2];
    pid_t pid;

    if (banner_kept(o, fd, nl, key) || pipe2(p, O_CLOEXEC) < 0) {
        return;
    }
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        banner_into(o, p[1], nl, key);
        _exit(0);
    }
    close(p[1]);
    if (pid > 0 && relay_until(p[0], fd, BANNER_TIMEOUT_MS)) {
        dprintf(fd, "fallbackd: the incident console did not finish within %d s; "
                "ssh -s diagnose for the report%s", BANNER_TIMEOUT_MS / 1000, nl);
    }
    close(p[0]);
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}
