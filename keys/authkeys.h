/* authkeys.h - fallbackd's authorized-keys files.
 *
 * One file per user (default /etc/fallbackd/keys/%u), in OpenSSH's
 * authorized_keys format:
 *
 *     [options] keytype base64-key [comment]
 *
 * Options understood: from="PATTERNS", command="CMD", no-pty, pty, restrict,
 * environment="NAME=VALUE" (only with PermitUserEnvironment yes),
 * expiry-time="YYYYMMDD[HHMM[SS]][Z]", no-port-forwarding, port-forwarding,
 * permitopen="HOST:PORT" (repeatable; permitopen.h), cert-authority,
 * principals="LIST" (certificates, see monitor/auth_cert.c), no-touch-required
 * and verify-required (security keys), and the no-op restrictions
 * no-agent-forwarding, no-X11-forwarding, no-user-rc (fallbackd never
 * forwards those).  As in sshd, restrict turns off the pty and port
 * forwarding; a later pty or port-forwarding turns one back on.  A line with
 * any other option, or a bad key,
 * is skipped with a warning naming file and line; the other lines work.
 */
#ifndef FBD_AUTHKEYS_H
#define FBD_AUTHKEYS_H

#include <stddef.h>
#include <time.h>

#include "diag.h"

struct ak_opts {
    int no_pty;             /* no-pty, or restrict without pty */
    char *command;          /* command="...", NULL if none */
    char *from;             /* from="...", NULL if none */
    char **env;             /* environment="NAME=VALUE" entries */
    size_t nenv;
    time_t expiry;          /* expiry-time, 0 if none */
    int no_touch_required;  /* no-touch-required: a security key's signature
                               may lack user presence */
    int verify_required;    /* verify-required: a security key's signature
                               must attest user verification (PIN) */
    int cert_authority;     /* cert-authority: the key is a CA for certificates */
    char *principals;       /* principals="NAME[,NAME...]", NULL if none */
    int no_port_forwarding; /* no-port-forwarding, or restrict without
                               port-forwarding after it */
    char **permitopen;      /* permitopen="HOST:PORT" entries */
    size_t npermitopen;
};

struct ak_key {
    int line;               /* line number in its file */
    char *type;             /* "ssh-ed25519", ... (as written, validated) */
    unsigned char *blob;    /* decoded public key blob */
    size_t bloblen;
    char *comment;          /* may be NULL */
    struct ak_opts opts;
};

enum ak_result {
    AK_KEY = 0,             /* *out holds a key */
    AK_EMPTY,               /* blank or comment line */
    AK_BAD,                 /* one line added to why says why */
};

/* Key types fallbackd accepts (authorized_keys spelling). */
int authkeys_type_supported(const char *type);

/* Parse one line (no newline).  allow_env: PermitUserEnvironment.  AK_BAD
 * adds one line of printable ASCII to WHY (which may be NULL). */
enum ak_result authkeys_parse_line(const char *line, int allow_env,
                                   struct ak_key *out, struct diag *why);

void authkeys_key_free(struct ak_key *k);

/* Find the first line of file PATH whose key blob equals BLOB.  Returns 1
 * and fills *out when found, 0 when not, -1 when the file cannot be read
 * (reason in warn).  Bad lines add "PATH:LINE: reason" to warn and are
 * skipped. */
int authkeys_find(const char *path, const unsigned char *blob, size_t bloblen,
                  int allow_env, struct ak_key *out, struct diag *warn);

/* authkeys_find over LEN bytes of file text already read (modified in
 * place), NAME used in warnings.  WANT_CA: find the cert-authority line of
 * the CA key BLOB; otherwise cert-authority lines never match (as sshd).
 * authkeys_find never matches cert-authority lines.  1 found, 0 not. */
int authkeys_find_text(const char *name, char *text, size_t len, const unsigned char *blob,
                       size_t bloblen, int want_ca, int allow_env, struct ak_key *out,
                       struct diag *warn);

/* Has the key expired at time NOW? */
int authkeys_expired(const struct ak_opts *o, time_t now);

#endif
