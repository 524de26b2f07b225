/* options.c - the command line of internal-sftp (sftp.h). */
#include "sftp.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MAX_WORDS 32

int sftp_is_internal(const char *command)
{
    size_t n = strlen(SFTP_INTERNAL);

    command += strspn(command, " \t");
    return strncmp(command, SFTP_INTERNAL, n) == 0 &&
           (command[n] == '\0' || command[n] == ' ' || command[n] == '\t');
}

/* Split a copy of the command line into words (no quoting: sshd joins
 * Subsystem words with single spaces).  Returns the count. */
static size_t split(char *line, char **w, size_t max)
{
    size_t n = 0;

    for (char *t = strtok(line, " \t"); t != NULL && n < max; t = strtok(NULL, " \t")) {
        w[n++] = t;
    }
    return n;
}

/* -d DIR with %u, %h and %% expanded into o->start_dir. */
static int expand_dir(const char *dir, const char *user, const char *home,
                      struct sftp_options *o, struct diag *errs)
{
    size_t len = 0;

    for (const char *p = dir; *p != '\0'; p++) {
        const char *add = p;
        size_t n = 1;

        if (*p == '%') {
            p++;
            add = *p == 'u' ? user : *p == 'h' ? home : *p == '%' ? "%" : NULL;
            if (add == NULL) {
                diag_add(errs, "-d %s: unknown escape %%%c", dir, *p ? *p : ' ');
                return -1;
            }
            n = strlen(add);
        }
        if (len + n >= sizeof(o->start_dir)) {
            diag_add(errs, "-d %s: too long", dir);
            return -1;
        }
        memcpy(o->start_dir + len, add, n);
        len += n;
    }
    o->start_dir[len] = '\0';
    return 0;
}

/* -u UMASK: octal, at most 0777. */
static int parse_umask(const char *s, struct sftp_options *o, struct diag *errs)
{
    char *end;
    long v = strtol(s, &end, 8);

    if (*s == '\0' || *end != '\0' || v < 0 || v > 0777) {
        diag_add(errs, "-u %s: not an octal umask", s);
        return -1;
    }
    o->umask = (int)v;
    return 0;
}

/* One option with its argument (arg may be NULL).  Returns how many words
 * it used (1 or 2), or -1. */
static int one_option(const char *opt, const char *arg, const char *user, const char *home,
                      struct sftp_options *o, struct diag *errs)
{
    int needs = strchr("uldf", opt[1]) != NULL;

    if (opt[0] != '-' || opt[1] == '\0' || opt[2] != '\0' || strchr("Reuldf", opt[1]) == NULL) {
        diag_add(errs, "unknown option %s", opt);
        return -1;
    }
    if (needs && arg == NULL) {
        diag_add(errs, "option %s needs an argument", opt);
        return -1;
    }
    if (opt[1] == 'R') {
        o->read_only = 1;
    } else if (opt[1] == 'u' && parse_umask(arg, o, errs) < 0) {
        return -1;
    } else if (opt[1] == 'l' && (o->log_level = log_level_parse(arg)) < 0) {
        diag_add(errs, "-l %s: unknown log level", arg);
        return -1;
    } else if (opt[1] == 'd' && expand_dir(arg, user, home, o, errs) < 0) {
        return -1;
    }
    return needs ? 2 : 1;
}

int sftp_options_parse(const char *command, const char *user, const char *home,
                       struct sftp_options *o, struct diag *errs)
{
    char *copy = strdup(command);
    char *w[MAX_WORDS + 1];
    size_t n;
    int rc = 0;

    memset(o, 0, sizeof(*o));
    o->umask = -1;
    o->log_level = LL_ERROR;
    if (copy == NULL) {
        diag_add(errs, "out of memory");
        return -1;
    }
    n = split(copy, w, MAX_WORDS + 1);
    if (n > MAX_WORDS) {
        diag_add(errs, "too many options");
        rc = -1;
    } else if (n == 0 || strcmp(w[0], SFTP_INTERNAL) != 0) {
        diag_add(errs, "not %s", SFTP_INTERNAL);
        rc = -1;
    }
    for (size_t i = 1; rc == 0 && i < n;) {
        int used = one_option(w[i], i + 1 < n ? w[i + 1] : NULL, user, home, o, errs);

        if (used < 0) {
            rc = -1;
        } else {
            i += (size_t)used;
        }
    }
    free(copy);
    return rc;
}
