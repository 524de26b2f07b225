/* userenv.h - the environment of the user's process, as sshd builds it. */
#ifndef FBD_USERENV_H
#define FBD_USERENV_H

#include <stddef.h>

struct userenv {
    char **v;           /* NULL-terminated NAME=VALUE list */
    size_t n;
};

/* Set NAME to VALUE, replacing an earlier value.  0 ok, -1 no memory. */
int userenv_set(struct userenv *e, const char *name, const char *value);

/* Add a "NAME=VALUE" string (from an env request or environment=). */
int userenv_put(struct userenv *e, const char *assignment);

/* Value of NAME, or NULL. */
const char *userenv_get(const struct userenv *e, const char *name);

void userenv_free(struct userenv *e);

/* Is NAME a variable no client env request and no environment= key option
 * may set?  Those that change what a program loads or runs before the
 * user's command does: LD_* (the dynamic loader), BASH_ENV and ENV (files
 * a non-interactive shell sources), BASH_FUNC_* (exported bash functions),
 * IFS, PATH. */
int userenv_refused(const char *name, size_t name_len);

/* The default PATH sshd uses on Debian, for root and for other users. */
#define USERENV_PATH_ROOT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define USERENV_PATH_USER "/usr/local/bin:/usr/bin:/bin:/usr/games"

#endif
