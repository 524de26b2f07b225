/* sshd_ports.c - which ports the main sshd is configured for: its
 * sshd_config and the files it includes, read (bounded) and parsed by
 * dg_sshd_conf_parse (dg_checks.h).
 *
 * Include patterns are expanded in order, those of included files after
 * those before them, relative ones under /etc/ssh, each pattern's matches
 * sorted (glob), as sshd does; at most DG_SSHD_MAX_INCLUDES patterns.
 */
#include "dg_checks.h"

#include <glob.h>
#include <stdio.h>

#include "dg_parse.h"
#include "diag.h"
#include "readfile.h"

#define SSHD_CONFIG "/etc/ssh/sshd_config"
#define SSHD_CONFIG_DIR "/etc/ssh"
#define CONFIG_MAX (1u << 20)
#define INCLUDED_MAX 64

/* Parse the file at PATH into C.  0, or -1 (the reason in WHY, if not
 * NULL). */
static int parse_file(const char *path, struct dg_sshd_conf *c, struct diag *why)
{
    struct readbuf b;
    int rc = readfile_head(path, CONFIG_MAX, &b, why);

    if (rc == 0) {
        dg_sshd_conf_parse(b.p, b.len, c);
    }
    readbuf_free(&b);
    return rc;
}

/* The files of Include pattern PAT, parsed into C; *NFILES counts them. */
static void include(const char *pat, struct dg_sshd_conf *c, size_t *nfiles)
{
    char abs[512];
    glob_t g;

    snprintf(abs, sizeof(abs), "%s%s%s", pat[0] == '/' ? "" : SSHD_CONFIG_DIR,
             pat[0] == '/' ? "" : "/", pat);
    if (glob(abs, 0, NULL, &g) != 0) {
        return;
    }
    for (size_t i = 0; i < g.gl_pathc && *nfiles < INCLUDED_MAX; i++, (*nfiles)++) {
        parse_file(g.gl_pathv[i], c, NULL);
    }
    globfree(&g);
}

size_t dg_sshd_ports(struct dg_report *r, unsigned *ports, size_t max)
{
    struct dg_sshd_conf c = { 0 };
    struct diag why = { 0 };
    size_t nfiles = 0;

    if (parse_file(SSHD_CONFIG, &c, &why) < 0) {
        dg_add(r, DG_INFO, DG_SEC_SSHD, diag_last(&why), "%s cannot be read: sshd's port "
               "taken to be 22", SSHD_CONFIG);
    }
    diag_free(&why);
    for (size_t i = 0; i < c.ninclude; i++) {
        include(c.include[i], &c, &nfiles);
    }
    if (c.bad > 0) {
        dg_add(r, DG_INFO, DG_SEC_SSHD, NULL, "%zu Port, ListenAddress or Include value%s of "
               "%s not understood", c.bad, c.bad == 1 ? "" : "s", SSHD_CONFIG);
    }
    return dg_sshd_conf_ports(&c, ports, max);
}
