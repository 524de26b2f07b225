/* userenv.c - a NAME=VALUE list for execve (userenv.h). */
#include "userenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index of NAME in e, or -1; name_len bytes of name are compared. */
static long find(const struct userenv *e, const char *name, size_t name_len)
{
    for (size_t i = 0; i < e->n; i++) {
        if (strncmp(e->v[i], name, name_len) == 0 && e->v[i][name_len] == '=') {
            return (long)i;
        }
    }
    return -1;
}

/* Store an owned "NAME=VALUE" string, replacing NAME if present. */
static int store(struct userenv *e, char *kv, size_t name_len)
{
    long i = find(e, kv, name_len);
    char **v;

    if (i >= 0) {
        free(e->v[i]);
        e->v[i] = kv;
        return 0;
    }
    v = realloc(e->v, (e->n + 2) * sizeof(*v));
    if (v == NULL) {
        free(kv);
        return -1;
    }
    e->v = v;
    e->v[e->n++] = kv;
    e->v[e->n] = NULL;
    return 0;
}

int userenv_set(struct userenv *e, const char *name, const char *value)
{
    char *kv;

    if (asprintf(&kv, "%s=%s", name, value) < 0) {
        return -1;
    }
    return store(e, kv, strlen(name));
}

int userenv_put(struct userenv *e, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    char *kv;

    if (eq == NULL || eq == assignment) {
        return -1;
    }
    kv = strdup(assignment);
    if (kv == NULL) {
        return -1;
    }
    return store(e, kv, (size_t)(eq - assignment));
}

const char *userenv_get(const struct userenv *e, const char *name)
{
    long i = find(e, name, strlen(name));

    return i < 0 ? NULL : e->v[i] + strlen(name) + 1;
}

void userenv_free(struct userenv *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i]);
    }
    free(e->v);
    e->v = NULL;
    e->n = 0;
}

int userenv_refused(const char *name, size_t name_len)
{
    static const char *const exact[] = { "BASH_ENV", "ENV", "IFS", "PATH" };
    static const char *const prefix[] = { "LD_", "BASH_FUNC_" };

    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
        if (name_len == strlen(exact[i]) && memcmp(name, exact[i], name_len) == 0) {
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
        if (name_len >= strlen(prefix[i]) && memcmp(name, prefix[i], strlen(prefix[i])) == 0) {
            return 1;
        }
    }
    return 0;
}
