/* import_sshd.c - translate sshd's login policy into a fallbackd config
 * (see import_sshd.h).
 *
 * sshd_config is read as sshd reads it: keywords ignore case, "=" may
 * separate a keyword from its arguments, double quotes group words,
 * Include (relative paths under /etc/ssh, glob patterns, in sorted order)
 * inserts files in place, and the first value of a keyword wins, except
 * for the lists that accumulate (AllowUsers, DenyUsers, AllowGroups,
 * DenyGroups, AcceptEnv).
 *
 *   sshd keyword                     | fallbackd
 *   ---------------------------------+----------------------------------------
 *   Allow/DenyUsers, Allow/DenyGroups| the same; none at all: AllowUsers *
 *                                    |   (sshd lets every user in by key)
 *   PermitRootLogin                  | the same (default prohibit-password)
 *   AuthorizedKeysFile               | fallbackd's own /etc/fallbackd/keys/%u,
 *                                    |   then sshd's files (default
 *                                    |   .ssh/authorized_keys .ssh/authorized_keys2)
 *   TrustedUserCAKeys, RevokedKeys,  | the same
 *   AuthorizedPrincipalsFile,        |
 *   CASignatureAlgorithms,           |
 *   StrictModes, AcceptEnv,          |
 *   ClientAliveInterval/CountMax     |
 *   PubkeyAcceptedAlgorithms         | a comment: sshd's names may include ones
 *                                    |   fallbackd refuses (ssh-rsa, DSA)
 *   Match blocks                     | comments: not supported
 *   passwords, PAM, GSSAPI, host-    | comments: fallbackd takes keys only
 *   based authentication             |
 *   anything else                    | a comment: not login policy
 *
 * Where sshd lets nobody in by key (PubkeyAuthentication no, or no keys
 * file and no TrustedUserCAKeys) the output says so and names no user.
 */
#include "import_sshd.h"

#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

#define MAX_DEPTH 8
#define MAX_WORDS 256
#define SSHD_DIR "/etc/ssh"
#define DOOR_KEYS_FILE "/etc/fallbackd/keys/%u"  /* fallbackd's default AuthorizedKeysFile */

enum kind { FIRST, LIST };

/* The keywords carried over, in output order. */
static const struct carried {
    const char *name;
    enum kind kind;
} carried[] = {
    { "AllowUsers", LIST }, { "AllowGroups", LIST }, { "DenyUsers", LIST },
    { "DenyGroups", LIST }, { "PermitRootLogin", FIRST }, { "AuthorizedKeysFile", FIRST },
    { "TrustedUserCAKeys", FIRST }, { "AuthorizedPrincipalsFile", FIRST },
    { "RevokedKeys", FIRST }, { "CASignatureAlgorithms", FIRST }, { "StrictModes", FIRST },
    { "AcceptEnv", LIST }, { "ClientAliveInterval", FIRST }, { "ClientAliveCountMax", FIRST },
    { "PubkeyAuthentication", FIRST }, { "PubkeyAcceptedAlgorithms", FIRST },
    { "PubkeyAcceptedKeyTypes", FIRST },
};

#define NCARRIED (sizeof(carried) / sizeof(carried[0]))

static const char *const password_keywords[] = {
    "PasswordAuthentication", "KbdInteractiveAuthentication", "ChallengeResponseAuthentication",
    "UsePAM", "PermitEmptyPasswords", "AuthenticationMethods", "HostbasedAuthentication",
    "GSSAPIAuthentication", "GSSAPICleanupCredentials", "KerberosAuthentication",
    "KerberosOrLocalPasswd", "KerberosTicketCleanup", "PAMServiceName", NULL,
};

struct imp {
    FILE *out, *err;
    char *value[NCARRIED];      /* words joined by spaces; NULL: not given */
    char *notes;                /* the "not carried over" comments */
    size_t notes_len;
    int failed;
};

/* Append "S" (S a printf format) to *dst (a malloc'd string or NULL). */
__attribute__((format(printf, 3, 4)))
static void append(char **dst, size_t *len, const char *fmt, ...)
{
    va_list ap;
    char *add = NULL;
    char *n;
    int k;

    va_start(ap, fmt);
    k = vasprintf(&add, fmt, ap);
    va_end(ap);
    if (k < 0) {
        return;
    }
    n = realloc(*dst, *len + (size_t)k + 1);
    if (n != NULL) {
        memcpy(n + *len, add, (size_t)k + 1);
        *dst = n;
        *len += (size_t)k;
    }
    free(add);
}

/* Split LINE in place into words (quotes removed); returns the count. */
static size_t split(char *line, char **w)
{
    size_t n = 0;
    char *p = line;

    while (n < MAX_WORDS) {
        char *o;
        p += strspn(p, " \t\r");
        if (*p == '\0' || *p == '#') {
            break;
        }
        w[n++] = o = p;
        while (*p != '\0' && strchr(" \t\r", *p) == NULL) {
            if (*p == '"') {
                char *end = strchr(p + 1, '"');
                size_t k = end != NULL ? (size_t)(end - p - 1) : strlen(p + 1);
                memmove(o, p + 1, k);
                o += k;
                p += k + 1 + (end != NULL);
            } else {
                *o++ = *p++;
            }
        }
        if (*p != '\0') {
            p++;
        }
        *o = '\0';
    }
    /* "Keyword=value": split at the first '=' of the keyword */
    if (n > 0 && strchr(w[0], '=') != NULL && n < MAX_WORDS) {
        char *eq = strchr(w[0], '=');
        *eq = '\0';
        if (eq[1] != '\0') {
            memmove(w + 2, w + 1, (n - 1) * sizeof(*w));
            w[1] = eq + 1;
            n++;
        }
    } else if (n > 1 && w[1][0] == '=') {
        if (w[1][1] != '\0') {
            w[1]++;
        } else {
            memmove(w + 1, w + 2, (n - 2) * sizeof(*w));
            n--;
        }
    }
    return n;
}

static int is_password_keyword(const char *kw)
{
    for (const char *const *p = password_keywords; *p != NULL; p++) {
        if (strcasecmp(*p, kw) == 0) {
            return 1;
        }
    }
    return 0;
}

static void note(struct imp *im, const char *file, int line, const char *text, const char *why)
{
    append(&im->notes, &im->notes_len, "# %s:%d: %s\n#     (%s)\n", file, line, text, why);
}

/* Keep keyword K's words W[1..N-1] under sshd's first-value rules. */
static void keep(struct imp *im, size_t k, char **w, size_t n)
{
    size_t len = im->value[k] != NULL ? strlen(im->value[k]) : 0;

    if (carried[k].kind == FIRST && im->value[k] != NULL) {
        return;
    }
    for (size_t i = 1; i < n; i++) {
        append(&im->value[k], &len, "%s%s", len > 0 ? " " : "", w[i]);
    }
}

static void read_file(struct imp *im, const char *path, int depth);

/* Include PATTERNS... */
static void include(struct imp *im, char **w, size_t n, int depth)
{
    for (size_t i = 1; i < n; i++) {
        char pat[4096];
        glob_t g;
        snprintf(pat, sizeof(pat), "%s%s%s", w[i][0] == '/' ? "" : SSHD_DIR,
                 w[i][0] == '/' ? "" : "/", w[i]);
        if (glob(pat, 0, NULL, &g) == 0) {
            for (size_t j = 0; j < g.gl_pathc; j++) {
                read_file(im, g.gl_pathv[j], depth + 1);
            }
            globfree(&g);
        }
    }
}

/* One line LINENO of FILE; *in_match: inside a Match block. */
static void line_of(struct imp *im, const char *file, int lineno, char *line, int *in_match,
                    int depth)
{
    char *copy = strdup(line);
    char *w[MAX_WORDS];
    size_t n = split(line, w);
    size_t k;

    copy[strcspn(copy, "\r")] = '\0';
    if (n == 0) {
        free(copy);
        return;
    }
    if (strcasecmp(w[0], "Match") == 0) {
        *in_match = 1;
    }
    for (k = 0; k < NCARRIED && strcasecmp(carried[k].name, w[0]) != 0; k++) {
    }
    if (*in_match) {
        note(im, file, lineno, copy, "Match blocks are not supported by fallbackd");
    } else if (strcasecmp(w[0], "Include") == 0) {
        include(im, w, n, depth);
    } else if (is_password_keyword(w[0])) {
        note(im, file, lineno, copy, "fallbackd accepts public keys and certificates only: "
             "no passwords, PAM, GSSAPI or host-based logins");
    } else if (k < NCARRIED && n > 1) {
        keep(im, k, w, n);
    } else {
        note(im, file, lineno, copy, "not part of the login policy fallbackd takes from sshd");
    }
    free(copy);
}

static void read_file(struct imp *im, const char *path, int depth)
{
    FILE *f = depth <= MAX_DEPTH ? fopen(path, "r") : NULL;
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    int in_match = 0;

    if (f == NULL) {
        fprintf(im->err, "fallbackd import-sshd: %s: %s\n", path,
                depth > MAX_DEPTH ? "Include nested too deeply" : strerror(errno));
        im->failed = 1;
        return;
    }
    while (getline(&line, &cap, f) >= 0) {
        line[strcspn(line, "\n")] = '\0';
        line_of(im, path, ++lineno, line, &in_match, depth);
    }
    free(line);
    fclose(f);
}

/* ---- output ----------------------------------------------------------- */

static const char *value_of(const struct imp *im, const char *name)
{
    for (size_t k = 0; k < NCARRIED; k++) {
        if (strcmp(carried[k].name, name) == 0) {
            return im->value[k];
        }
    }
    return NULL;
}

/* Does sshd's AuthorizedKeysFile use only tokens fallbackd knows? */
static int tokens_ok(const char *s)
{
    for (const char *q = strchr(s, '%'); q != NULL; q = strchr(q + 2, '%')) {
        if (q[1] != 'u' && q[1] != 'h' && q[1] != '%') {
            return 0;
        }
    }
    return 1;
}

/* Why sshd lets nobody in by key, or NULL. */
static const char *nobody_by_key(const struct imp *im)
{
    const char *pk = value_of(im, "PubkeyAuthentication");
    const char *akf = value_of(im, "AuthorizedKeysFile");
    const char *ca = value_of(im, "TrustedUserCAKeys");

    if (pk != NULL && strcasecmp(pk, "no") == 0) {
        return "PubkeyAuthentication no";
    }
    if (akf != NULL && strcasecmp(akf, "none") == 0 && (ca == NULL || strcasecmp(ca, "none") == 0)) {
        return "AuthorizedKeysFile none and no TrustedUserCAKeys";
    }
    return NULL;
}

static void put(const struct imp *im, const char *name)
{
    const char *v = value_of(im, name);

    if (v != NULL) {
        fprintf(im->out, "%s %s\n", name, v);
    }
}

static void print_users(const struct imp *im)
{
    const char *nobody = nobody_by_key(im);

    if (nobody != NULL) {
        fprintf(im->out, "# sshd's policy lets nobody in by key (%s): no user is named, so\n"
                "# fallbackd lets no one in until AllowUsers or AllowGroups is added.\n",
                nobody);
        return;
    }
    if (value_of(im, "AllowUsers") == NULL && value_of(im, "AllowGroups") == NULL) {
        fprintf(im->out, "# sshd names no AllowUsers/AllowGroups: every user may log in by key.\n"
                "AllowUsers *\n");
    }
    put(im, "AllowUsers");
    put(im, "AllowGroups");
    put(im, "DenyUsers");
    put(im, "DenyGroups");
}

static void print_keys_files(const struct imp *im)
{
    const char *akf = value_of(im, "AuthorizedKeysFile");

    if (akf == NULL) {
        akf = ".ssh/authorized_keys .ssh/authorized_keys2";
    }
    if (strcasecmp(akf, "none") == 0) {
        fprintf(im->out, "AuthorizedKeysFile %s\n", DOOR_KEYS_FILE);
    } else if (!tokens_ok(akf)) {
        fprintf(im->out, "# sshd's AuthorizedKeysFile %s uses tokens fallbackd does not know "
                "(only %%u, %%h, %%%%)\nAuthorizedKeysFile %s\n", akf, DOOR_KEYS_FILE);
    } else {
        fprintf(im->out, "# fallbackd's own root-owned file first (the place for break-glass "
                "keys), then sshd's\nAuthorizedKeysFile %s %s\n", DOOR_KEYS_FILE, akf);
    }
}

static void print_config(const struct imp *im, const char *path)
{
    const char *alg = value_of(im, "PubkeyAcceptedAlgorithms");
    const char *root = value_of(im, "PermitRootLogin");

    alg = alg != NULL ? alg : value_of(im, "PubkeyAcceptedKeyTypes");
    fprintf(im->out, "# fallbackd config with the login policy of %s\n"
            "# (fallbackd import-sshd; first value wins, as in sshd)\n", path);
    print_users(im);
    fprintf(im->out, "PermitRootLogin %s\n", root != NULL ? root : "prohibit-password");
    print_keys_files(im);
    put(im, "TrustedUserCAKeys");
    put(im, "AuthorizedPrincipalsFile");
    put(im, "RevokedKeys");
    put(im, "CASignatureAlgorithms");
    put(im, "StrictModes");
    put(im, "AcceptEnv");
    put(im, "ClientAliveInterval");
    put(im, "ClientAliveCountMax");
    if (alg != NULL) {
        fprintf(im->out, "# PubkeyAcceptedAlgorithms %s: not carried over (sshd's names may "
                "include ones fallbackd refuses, such as ssh-rsa; fallbackd keeps its own "
                "default unless set here)\n", alg);
    }
    if (im->notes != NULL) {
        fprintf(im->out, "\n# ---- not carried over from sshd ----\n%s", im->notes);
    }
}

int import_sshd(const char *path, FILE *out, FILE *err)
{
    struct imp im = { .out = out, .err = err };

    read_file(&im, path, 0);
    if (!im.failed) {
        print_config(&im, path);
    }
    for (size_t k = 0; k < NCARRIED; k++) {
        free(im.value[k]);
    }
    free(im.notes);
    return im.failed ? 1 : 0;
}

int import_sshd_main(int argc, char **argv)
{
    const char *path = SSHD_DIR "/sshd_config";

    if (argc == 3 && strcmp(argv[1], "-f") == 0) {
        path = argv[2];
    } else if (argc != 1) {
        fprintf(stderr, "usage: fallbackd import-sshd [-f sshd_config]\n");
        return 2;
    }
    return import_sshd(path, stdout, stderr);
}
