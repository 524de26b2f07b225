/* sshd_config_files.c - where sshd_config_reader.c finds included files
 * unless told otherwise: the filesystem (sshdconf_files in
 * sshd_config_reader.h). */
#include "sshd_config_reader.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "readfile.h"

/* Copy the N names of G into a new array *NAMES.  0, or -1. */
static int copy_names(const glob_t *g, char ***names, size_t n)
{
    char **v = calloc(n + 1, sizeof(*v));

    if (v == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = strdup(g->gl_pathv[i]);
        if (v[i] == NULL) {
            for (size_t k = 0; k < i; k++) {
                free(v[k]);
            }
            free(v);
            return -1;
        }
    }
    *names = v;
    return 0;
}

static int files_expand(void *arg, const char *pattern, char ***names, size_t *n,
                        struct diag *d)
{
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);

    *names = NULL;
    *n = 0;
    if (rc == GLOB_NOMATCH) {
        return 0;
    }
    if (rc != 0) {
        diag_add(d, "%s: %s", pattern, rc == GLOB_NOSPACE ? "out of memory" : "read error");
        return -1;
    }
    if (copy_names(&g, names, g.gl_pathc) < 0) {
        globfree(&g);
        diag_add(d, "%s: out of memory", pattern);
        return -1;
    }
    *n = g.gl_pathc;
    globfree(&g);
    return 0;
}

static int files_load(void *arg, const char *name, size_t max, char **text, size_t *len,
                      struct diag *d)
{
    struct readbuf b;

    if (readfile_head(name, max, &b, d) < 0) {
        readbuf_free(&b);
        return -1;
    }
    if (b.truncated) {
        diag_add(d, "%s: longer than %zu bytes", name, max);
        readbuf_free(&b);
        return -1;
    }
    *text = b.p;
    *len = b.len;
    return 0;
}

const struct sshdconf_source sshdconf_files = {
    .expand = files_expand,
    .load = files_load,
};
