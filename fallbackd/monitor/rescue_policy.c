/* rescue_policy.c - who may have the rescue shell (rescue_policy.h). */
#include "rescue_policy.h"

#include <stdio.h>
#include <string.h>

#include "addrmatch.h"

/* Is SHELL one line of the shells file (comments and blanks skipped)? */
static int listed(const char *shell, const char *shells_path, int *readable)
{
    char line[4096];
    FILE *f = fopen(shells_path, "re");
    int found = 0;

    *readable = f != NULL;
    while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        found = line[0] == '/' && strcmp(line, shell) == 0;
    }
    if (f != NULL) {
        fclose(f);
    }
    return found;
}

int rescue_login_shell(const char *shell, const char *shells_path, char *why, size_t whylen)
{
    const char *base = strrchr(shell, '/') != NULL ? strrchr(shell, '/') + 1 : shell;
    int readable = 0;

    if (shell[0] == '\0') {
        snprintf(why, whylen, "the account has no shell");
        return 0;
    }
    if (strcmp(base, "nologin") == 0 || strcmp(base, "false") == 0) {
        snprintf(why, whylen, "the account is disabled (shell %s)", shell);
        return 0;
    }
    if (!listed(shell, shells_path, &readable)) {
        snprintf(why, whylen, readable ? "shell %s is not listed in %s" : "%s: cannot read %s",
                 shell, shells_path);
        return 0;
    }
    return 1;
}

/* Does the user match RescueShellUsers or a group of RescueShellGroups? */
static int in_lists(const struct server *srv, const struct pw_entry *pw)
{
    const struct fbd_config *c = &srv->cfg;

    for (size_t i = 0; i < c->rescue_users.n; i++) {
        if (glob_match(c->rescue_users.v[i], pw->name)) {
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
                   const char *shells_path, char *why, size_t whylen)
{
    const struct fbd_config *c = &srv->cfg;

    if (c->rescue_shell == NULL) {
        snprintf(why, whylen, "no RescueShell is configured");
        return 0;
    }
    if (!rescue_login_shell(pw->shell, shells_path, why, whylen)) {
        return 0;
    }
    if ((c->rescue_users.n > 0 || c->rescue_groups.n > 0) && !in_lists(srv, pw)) {
        snprintf(why, whylen, "%s is not listed in RescueShellUsers or RescueShellGroups",
                 pw->name);
        return 0;
    }
    return 1;
}
