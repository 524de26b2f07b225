/* rescue_policy.c - who may have the rescue shell (rescue_policy.h). */
#include "rescue_policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addrmatch.h"
#include "readfile.h"

#define SHELLS_MAX (64 * 1024)

/* Is SHELL one line of the shells file (comments and blanks skipped)?
 * 1 yes, 0 no, -1 the file cannot be read. */
static int listed(const char *shell, const char *shells_path)
{
    char *text = NULL;
    size_t len = 0;
    int found = 0;

    if (readfile_path(shells_path, SHELLS_MAX, &text, &len) != 0) {
        return -1;
    }
    for (char *line = text; line != NULL && !found;) {
        char *next = strchr(line, '\n');

        if (next != NULL) {
            *next++ = '\0';
        }
        line[strcspn(line, "\r")] = '\0';
        found = line[0] == '/' && strcmp(line, shell) == 0;
        line = next;
    }
    free(text);
    return found;
}

int rescue_login_shell(const char *shell, const char *shells_path, struct diag *why)
{
    const char *base = strrchr(shell, '/') != NULL ? strrchr(shell, '/') + 1 : shell;
    int found;

    if (shell[0] == '\0') {
        diag_add(why, "the account has no shell");
        return 0;
    }
    if (strcmp(base, "nologin") == 0 || strcmp(base, "false") == 0) {
        diag_add(why, "the account is disabled (shell %s)", shell);
        return 0;
    }
    found = listed(shell, shells_path);
    if (found < 0) {
        diag_add(why, "%s: cannot read %s", shell, shells_path);
        return 0;
    }
    if (found == 0) {
        diag_add(why, "shell %s is not listed in %s", shell, shells_path);
        return 0;
    }
    return 1;
}

/* Does the user match RescueShellUsers or a group of RescueShellGroups? */
static int in_lists(const struct server *srv, const struct pw_entry *pw)
{
    const struct fbd_config *c = &srv->cfg;

    for (size_t i = 0; i < c->rescue_users.n; i++) {
        if (addrmatch_glob(c->rescue_users.v[i], pw->name)) {
            return 1;
        }
    }
    for (size_t i = 0; i < c->rescue_groups.n; i++) {
        if (userdb_in_group(srv->users, pw, c->rescue_groups.v[i])) {
            return 1;
        }
    }
    return 0;
}

int rescue_allowed(const struct server *srv, const struct pw_entry *pw,
                   const char *shells_path, struct diag *why)
{
    const struct fbd_config *c = &srv->cfg;

    if (c->rescue_shell == NULL) {
        diag_add(why, "no RescueShell is configured");
        return 0;
    }
    if (!rescue_login_shell(pw->shell, shells_path, why)) {
        return 0;
    }
    if ((c->rescue_users.n > 0 || c->rescue_groups.n > 0) && !in_lists(srv, pw)) {
        diag_add(why, "%s is not listed in RescueShellUsers or RescueShellGroups", pw->name);
        return 0;
    }
    return 1;
}
