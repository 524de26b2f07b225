/* diagnose.c - collect every check, print the report (diagnose.h). */
#include "diagnose.h"

#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "dg_checks.h"
#include "dg_json.h"
#include "shellcheck.h"

#define BANNER_FINDINGS 4

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

void diagnose_banner(const struct dg_opts *o, int fd, const char *nl)
{
    struct dg_report r = { 0 };
    struct dg_out out = { 0 };

    diagnose_collect(o, &r);
    if (dg_worst(&r) >= DG_WARN) {
        dg_render_banner(&r, &out, BANNER_FINDINGS, nl);
        dg_out_write(&out, fd);
    }
    dg_out_free(&out);
    dg_report_free(&r);
}
