/* import_sshd.c - translate sshd's login policy into a fallbackd config
 * (see import_sshd.h).
 *
 * sshd_config is read as sshd reads it (sshd_config_reader.h: keywords
 * ignore case, "Keyword=value" and "Keyword = value", quotes, comments,
 * Include in place), and the first value of a keyword wins, except for the
 * lists that accumulate (AllowUsers, DenyUsers, AllowGroups, DenyGroups,
 * AcceptEnv).  A problem the reader finds (a file that cannot be read, a
 * line sshd would refuse) is printed as "FILE:LINE: reason" and no config
 * is printed.
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

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "sshd_config_reader.h"

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
    FILE *out;
    char *value[NCARRIED];      /* words joined by spaces; NULL: not given */
    char *notes;                /* the "not carried over" comments */
    size_t notes_len;
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

static int is_password_keyword(const char *kw)
{
    for (const char *const *p = password_keywords; *p != NULL; p++) {
        if (strcasecmp(*p, kw) == 0) {
            return 1;
        }
    }
    return 0;
}

static void note(struct imp *im, const char *file, unsigned line, const char *text,
                 const char *why)
{
    append(&im->notes, &im->notes_len, "# %s:%u: %s\n#     (%s)\n", file, line, text, why);
}

/* Keep keyword K's words W[1..N-1] under sshd's first-value rules. */
static void keep(struct imp *im, size_t k, char *const *w, size_t n)
{
    size_t len = im->value[k] != NULL ? strlen(im->value[k]) : 0;

    if (carried[k].kind == FIRST && im->value[k] != NULL) {
        return;
    }
    for (size_t i = 1; i < n; i++) {
        append(&im->value[k], &len, "%s%s", len > 0 ? " " : "", w[i]);
    }
}

/* One line of sshd_config (sshd_config_reader.h), ARG the struct imp. */
static void line_of(void *arg, const struct sshdconf_line *l)
{
    struct imp *im = arg;
    size_t k;

    for (k = 0; k < NCARRIED && !sshdconf_is(l, carried[k].name); k++) {
    }
    if (l->in_match) {
        note(im, l->file, l->lineno, l->text, "Match blocks are not supported by fallbackd");
    } else if (is_password_keyword(l->argv[0])) {
        note(im, l->file, l->lineno, l->text, "fallbackd accepts public keys and certificates "
             "only: no passwords, PAM, GSSAPI or host-based logins");
    } else if (k < NCARRIED) {
        keep(im, k, l->argv, l->argc);
    } else {
        note(im, l->file, l->lineno, l->text, "not part of the login policy fallbackd takes "
             "from sshd");
    }
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
    struct imp im = { .out = out };
    struct diag d = { 0 };
    struct sshdconf_reader r = { .fn = line_of, .arg = &im, .diag = &d };
    enum sshdconf_result res = sshdconf_read_file(&r, path);

    if (res == SSHDCONF_OK) {
        print_config(&im, path);
    }
    for (size_t i = 0; i < d.n; i++) {
        fprintf(err, "fallbackd import-sshd: %s\n", d.msgs[i]);
    }
    if (d.lost > 0) {
        fprintf(err, "fallbackd import-sshd: %zu more problems (out of memory)\n", d.lost);
    }
    if (res == SSHDCONF_PROBLEMS) {
        fprintf(err, "fallbackd import-sshd: %s: nothing imported; fix the lines above "
                "first\n", path);
    }
    diag_free(&d);
    for (size_t k = 0; k < NCARRIED; k++) {
        free(im.value[k]);
    }
    free(im.notes);
    return res == SSHDCONF_OK ? 0 : 1;
}

int import_sshd_main(int argc, char **argv)
{
    const char *path = SSHDCONF_DIR "/sshd_config";

    if (argc == 3 && strcmp(argv[1], "-f") == 0) {
        path = argv[2];
    } else if (argc != 1) {
        fprintf(stderr, "usage: fallbackd import-sshd [-f sshd_config]\n");
        return 2;
    }
    return import_sshd(path, stdout, stderr);
}
