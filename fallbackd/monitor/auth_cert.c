/* auth_cert.c - may this user log in with this certificate?  (auth_cert.h)
 *
 * The checks, in order; the first that fails refuses, with its reason:
 *
 *   1. the user may log in at all (authz_user: Allow/Deny lists, root)
 *   2. the certificate parses (keys/cert.c); an RSA key is big enough
 *   3. neither it nor its CA is revoked (RevokedKeys, auth_revoked.h)
 *   4. user certificate, inside its validity window, no unknown critical
 *      option
 *   5. its CA is trusted for this user, one of:
 *        TrustedUserCAKeys lists the CA, and a certificate principal is
 *          listed in AuthorizedPrincipalsFile, or (without that file) the
 *          user's name is a principal;
 *        a cert-authority line of the user's AuthorizedKeysFile holds the
 *          CA, and a certificate principal is in its principals= list, or
 *          (without one) the user's name is a principal or the
 *          certificate names none (sshd's rules); the line's other
 *          options (from=, expiry-time=, command=, no-pty) apply too
 *   6. the CA's signature verifies (keys/cert_verify.c: libssh), with an
 *      algorithm of CASignatureAlgorithms
 *   7. critical options: source-address holds the client's address;
 *      force-command (must equal a command= of the line, if both);
 *      verify-required and, without no-touch-required, user presence:
 *      the flags of a security key's signature
 *   8. extensions: no permit-pty means no pty
 */
#include "auth_cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addrmatch.h"
#include "algolist.h"
#include "auth_revoked.h"
#include "cert.h"
#include "cert_verify.h"
#include "log.h"
#include "sshbuf.h"
#include "user_keyfiles.h"

#define SK_USER_PRESENCE 0x01
#define SK_USER_VERIFICATION 0x04

/* Log and forget the warnings of a file. */
static void log_warnings(struct diag *warn)
{
    for (size_t i = 0; i < warn->n; i++) {
        log_error("%s", warn->msgs[i]);
    }
    diag_free(warn);
}

/* Is NAME one of the comma-separated names of LIST? */
static int in_name_list(const char *name, const char *list)
{
    size_t n = strlen(name);

    for (const char *p = list; *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] != '\0')) {
        if (strcspn(p, ",") == n && strncmp(p, name, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Does a line of principals file TEXT (one name per line, # comments)
 * name a principal of C?  Lines with more than a name are skipped with a
 * warning: fallbackd takes no options in principals files. */
static int principals_text_match(const struct cert *c, const char *path, char *text,
                                 struct diag *warn)
{
    int lineno = 0;

    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *s = line + strspn(line, " \t");
        size_t n = strcspn(s, " \t\r");

        lineno++;
        if (*s == '\0' || *s == '#' || *s == '\r') {
            continue;
        }
        if (s[n + strspn(s + n, " \t\r")] != '\0') {
            diag_add(warn, "%s:%d: options in principals files are not supported", path,
                     lineno);
            continue;
        }
        s[n] = '\0';
        if (cert_has_principal(c, s)) {
            return 1;
        }
    }
    return 0;
}

/* The TrustedUserCAKeys route (5, first form).  1 trusted, 0 not, -1
 * refused with reason. */
static int trusted_ca(struct monitor *m, const struct cert *c, char *reason, size_t rlen)
{
    const struct fbd_config *cfg = &m->srv->cfg;
    struct diag warn = { 0 };
    struct ak_key k;
    char path[4096], why[512];
    char *text = NULL;
    size_t len = 0;
    int found = 0;
    enum ukf_result r;

    if (cfg->trusted_user_ca_keys == NULL) {
        return 0;
    }
    r = ukf_read(m->srv, &m->authz, cfg->trusted_user_ca_keys, path, sizeof(path), &text,
                 &len, why, sizeof(why));
    if (r == UKF_REFUSED) {
        log_error("TrustedUserCAKeys %s", why);
    }
    if (r == UKF_OK) {
        found = authkeys_find_text(path, text, len, c->ca.blob, c->ca.bloblen, 0, 0, &k, &warn);
        authkeys_key_free(&k);
        log_warnings(&warn);
    }
    free(text);
    if (!found) {
        return 0;
    }
    if (cfg->authorized_principals_file == NULL) {
        if (c->nprincipals > 0 && cert_has_principal(c, m->user)) {
            return 1;
        }
        snprintf(reason, rlen, "Certificate for %s does not contain the user name as a "
                 "principal (TrustedUserCAKeys without AuthorizedPrincipalsFile)", m->user);
        return -1;
    }
    r = ukf_read(m->srv, &m->authz, cfg->authorized_principals_file, path, sizeof(path), &text,
                 &len, why, sizeof(why));
    found = r == UKF_OK && principals_text_match(c, path, text, &warn);
    log_warnings(&warn);
    free(text);
    if (!found) {
        snprintf(reason, rlen, "Certificate principals of %s not in AuthorizedPrincipalsFile%s%s",
                 m->user, r == UKF_REFUSED ? ": " : "", r == UKF_REFUSED ? why : "");
        return -1;
    }
    return 1;
}

/* Look for a cert-authority line of the CA in the keys file PATTERN.
 * 1 found (*k filled), 0 not. */
static int ca_line_in(struct monitor *m, const struct cert *c, const char *pattern,
                      struct ak_key *k)
{
    struct diag warn = { 0 };
    char path[4096], why[512];
    char *text = NULL;
    size_t len = 0;
    int found = 0;
    enum ukf_result r = ukf_read(m->srv, &m->authz, pattern, path, sizeof(path), &text, &len,
                                 why, sizeof(why));

    if (r == UKF_REFUSED) {
        log_error("Authentication refused: %s", why);
    }
    if (r == UKF_OK) {
        found = authkeys_find_text(path, text, len, c->ca.blob, c->ca.bloblen, 1,
                                   m->srv->cfg.permit_user_environment, k, &warn);
        log_warnings(&warn);
    }
    free(text);
    return found;
}

/* The cert-authority route (5, second form): the first keys file with a
 * line for the CA decides.  1 trusted (line in m->authz.key), 0 not, -1
 * refused. */
static int ca_line(struct monitor *m, const struct cert *c, char *reason, size_t rlen)
{
    const struct fbd_config *cfg = &m->srv->cfg;
    struct ak_key *k = &m->authz.key;
    const struct ak_opts *o = &k->opts;
    int found = 0;

    if (strcmp(cfg->authorized_keys_file, "none") != 0) {
        found = ca_line_in(m, c, cfg->authorized_keys_file, k);
    }
    for (size_t i = 0; !found && i < cfg->authorized_keys_more.n; i++) {
        found = ca_line_in(m, c, cfg->authorized_keys_more.v[i], k);
    }
    if (!found) {
        return 0;
    }
    if (o->principals != NULL) {
        for (size_t i = 0; i < c->nprincipals; i++) {
            if (in_name_list(c->principals[i], o->principals)) {
                return 1;
            }
        }
        snprintf(reason, rlen, "Certificate for %s has no principal in the cert-authority "
                 "line's principals=\"%.200s\"", m->user, o->principals);
        return -1;
    }
    if (c->nprincipals == 0 || cert_has_principal(c, m->user)) {
        return 1;
    }
    snprintf(reason, rlen, "Certificate invalid: name is not a listed principal");
    return -1;
}

/* The flags byte of a security key's signature blob (string alg, string
 * signature, byte flags, uint32 counter); -1 if it has none. */
static int sk_flags(const unsigned char *sig, size_t len)
{
    struct sshrd r;
    size_t n;
    int flags;

    sshrd_init(&r, sig, len);
    sshrd_string(&r, &n);
    sshrd_string(&r, &n);
    flags = sshrd_u8(&r);
    sshrd_u32(&r);
    return sshrd_ok(&r) && sshrd_left(&r) == 0 ? flags : -1;
}

/* Steps 7 and 8; the line's own options when a cert-authority line
 * vouched.  0, or -1 with reason. */
static int options_refuse(struct monitor *m, const struct cert *c, const unsigned char *sig,
                          size_t siglen, char *reason, size_t rlen)
{
    struct ak_opts *o = &m->authz.key.opts;
    int sk = strncmp(c->key.name, "sk-", 3) == 0;
    int flags = sig != NULL && sk ? sk_flags(sig, siglen) : 0;

    if (c->source_address != NULL && addrmatch_list(m->peer, c->source_address) != 1) {
        snprintf(reason, rlen, "Authentication tried for %s with valid certificate but not "
                 "from a permitted source address (%s).", m->user, m->peer);
    } else if (o->from != NULL && addrmatch_list(m->peer, o->from) != 1) {
        snprintf(reason, rlen, "Authentication tried for %s with correct key but not from a "
                 "permitted host (ip=%s, required=%s).", m->user, m->peer, o->from);
    } else if (authkeys_expired(o, time(NULL))) {
        snprintf(reason, rlen, "Authentication tried for %s with an expired key "
                 "(expiry-time has passed)", m->user);
    } else if (c->force_command != NULL && o->command != NULL &&
               strcmp(c->force_command, o->command) != 0) {
        snprintf(reason, rlen, "Certificate force-command and key command= differ for %s",
                 m->user);
    } else if (flags < 0 || (sk && sig != NULL && !c->no_touch_required &&
                             !(flags & SK_USER_PRESENCE))) {
        snprintf(reason, rlen, "Certificate for %s: security key signature without user "
                 "presence (touch) refused", m->user);
    } else if (sk && sig != NULL && c->verify_required && !(flags & SK_USER_VERIFICATION)) {
        snprintf(reason, rlen, "Certificate for %s requires user verification "
                 "(verify-required) and the signature has none", m->user);
    } else {
        return 0;
    }
    return -1;
}

/* What the certificate grants: its forced command, no pty unless
 * permit-pty, no local forwarding unless permit-port-forwarding (as sshd).
 * 0, or -1 when out of memory. */
static int apply_grants(struct monitor *m, const struct cert *c)
{
    struct ak_opts *o = &m->authz.key.opts;

    o->no_pty = o->no_pty || !c->permit_pty;
    o->no_port_forwarding = o->no_port_forwarding || !c->permit_port_forwarding;
    if (c->force_command != NULL && o->command == NULL &&
        (o->command = strdup(c->force_command)) == NULL) {
        return -1;
    }
    return 0;
}

/* Steps 2 to 4 on the parsed certificate. */
static int usable(struct monitor *m, const struct cert *c, char *reason, size_t rlen)
{
    char why[256];

    if (strcmp(c->key.name, "ssh-rsa") == 0 && c->key.bits < ALGO_RSA_MIN_BITS) {
        snprintf(reason, rlen, "RSA certificate key of %u bits refused: fallbackd requires at "
                 "least %d", c->key.bits, ALGO_RSA_MIN_BITS);
        return -1;
    }
    if (auth_revoked(m->srv, c->key.blob, c->key.bloblen, c, reason, rlen) != 0 ||
        auth_revoked(m->srv, c->ca.blob, c->ca.bloblen, NULL, reason, rlen) != 0) {
        return -1;
    }
    if (cert_check_use(c, time(NULL), why, sizeof(why)) != 0) {
        snprintf(reason, rlen, "Certificate for %s refused: %s", m->user, why);
        return -1;
    }
    return 0;
}

/* Steps 5 to 8. */
static int vouched(struct monitor *m, const struct cert *c, const unsigned char *sig,
                   size_t siglen, char *reason, size_t rlen)
{
    const char *algs = m->srv->cfg.ca_signature_algorithms;
    char why[256];
    int t = trusted_ca(m, c, reason, rlen);

    /* As sshd: a CA trusted without the right principal may still be
     * vouched for by a cert-authority line; the first reason is kept. */
    if (t <= 0) {
        int t2 = ca_line(m, c, t < 0 ? why : reason, t < 0 ? sizeof(why) : rlen);
        t = t2 != 0 ? t2 : t;
    }
    if (t == 0) {
        snprintf(reason, rlen, "Certificate for %s signed by CA %s that is not trusted", m->user,
                 c->ca.label);
    }
    if (t <= 0) {
        return -1;
    }
    if (cert_verify_ca(m->verifier, c, algs != NULL ? algs : CFG_DEFAULT_CA_SIG_ALGS, why,
                       sizeof(why)) != 0) {
        snprintf(reason, rlen, "Certificate for %s refused: %s", m->user, why);
        return -1;
    }
    if (options_refuse(m, c, sig, siglen, reason, rlen) != 0) {
        return -1;
    }
    if (m->authz.pw.uid == 0 && m->srv->cfg.permit_root_login == ROOT_FORCED_COMMANDS_ONLY &&
        c->force_command == NULL && m->authz.key.opts.command == NULL) {
        snprintf(reason, rlen, "Root login refused for certificate without force-command "
                 "(PermitRootLogin forced-commands-only)");
        return -1;
    }
    return apply_grants(m, c) == 0 ? 0 : -1;
}

enum authz_verdict auth_cert_decide(struct monitor *m, const unsigned char *blob, size_t len,
                                    const unsigned char *sig, size_t siglen,
                                    char *reason, size_t rlen)
{
    struct diag refused = { 0 };
    enum authz_verdict v = authz_user(m->srv, m->user, m->peer, &m->authz, &refused);
    char why[256];
    struct cert c;

    if (v != AUTHZ_OK) {
        snprintf(reason, rlen, "%s", refused.n > 0 ? diag_last(&refused) : "");
        diag_free(&refused);
        return v;
    }
    if (cert_parse(blob, len, &c, why, sizeof(why)) != 0) {
        snprintf(reason, rlen, "Invalid certificate for %s: %s", m->user, why);
        return AUTHZ_KEY_REFUSED;
    }
    v = usable(m, &c, reason, rlen) == 0 && vouched(m, &c, sig, siglen, reason, rlen) == 0
            ? AUTHZ_OK : AUTHZ_KEY_REFUSED;
    cert_free(&c);
    return v;
}

int auth_cert_describe(const unsigned char *blob, size_t len, char *out, size_t outlen)
{
    char why[256];
    struct cert c;

    if (!cert_blob_is_cert(blob, len) || cert_parse(blob, len, &c, why, sizeof(why)) != 0) {
        return -1;
    }
    cert_describe(&c, out, outlen);
    cert_free(&c);
    return 0;
}
