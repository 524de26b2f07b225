/* auth_decide.c - the monitor decides every login.
 *
 * The network process only relays: it asks whether a key would do (a
 * query), and hands over every signed request whole.  For a signed request
 * the monitor checks, itself, that the signed data is a userauth request
 * for this user and this key over this connection's session identifier
 * (the first exchange hash the monitor signed), asks authz, and only for a
 * key authz allows verifies the user's signature - once: libssh in the
 * network process verifies none (mk/libssh-patches/0007).  A compromised
 * network process therefore cannot log anyone in without the user's
 * private key, and an unauthenticated client cannot make the door spend a
 * signature check on a key nobody listed (nor on a huge RSA key at all).
 *
 * Signed data (RFC 4252 section 7):
 *
 *     string    session identifier
 *     byte      SSH_MSG_USERAUTH_REQUEST (50)
 *     string    user name
 *     string    service name ("ssh-connection")
 *     string    "publickey" or "publickey-hostbound-v00@openssh.com"
 *     boolean   TRUE
 *     string    public key algorithm name
 *     string    public key blob
 *     string    server host key blob (hostbound only: OpenSSH's
 *               PROTOCOL, "publickey-hostbound-v00@openssh.com"; it must be
 *               the host key that signed the session identifier)
 *
 * Log lines are sshd's, so that administrators and fail2ban know them:
 *
 *   Accepted publickey for U from A port P ssh2: ED25519 SHA256:...
 *   Failed publickey for U from A port P ssh2: ED25519 SHA256:...
 *   Invalid user U from A port P
 *   maximum authentication attempts exceeded for U from A port P ssh2 [preauth]
 */
#include "monitor.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "algolist.h"
#include "libssh_internal.h"
#include "log.h"
#include "pubkey.h"
#include "signed_data.h"

/* "ED25519 SHA256:..." for log lines. */
static void key_describe(const unsigned char *blob, size_t len, char *out, size_t outlen)
{
    struct pubkey pk;
    char fp[PUBKEY_FP_SIZE];

    if (pubkey_from_blob(blob, len, &pk) < 0) {
        snprintf(out, outlen, "UNKNOWN ?");
        return;
    }
    pubkey_fp_sha256(&pk, fp);
    snprintf(out, outlen, "%s %s", pk.label, fp);
    pubkey_free(&pk);
}

/* Count one failed attempt; at MaxAuthTries, log it as sshd does. */
static void count_failure(struct monitor *m)
{
    m->auth_failures++;
    if (m->auth_failures < m->srv->cfg.max_auth_tries || m->too_many) {
        return;
    }
    m->too_many = 1;
    log_error("maximum authentication attempts exceeded for %s%s from %s port %d ssh2 [preauth]",
              userdb_user(m->srv->users, m->user) ? "" : "invalid user ", m->user,
              m->peer, m->peer_port);
    log_info("Disconnecting authenticating user %s %s port %d: Too many authentication "
             "failures [preauth]", m->user, m->peer, m->peer_port);
}

/* Log why a user was refused, once per user name per connection. */
static void log_refusal_once(struct monitor *m, enum authz_verdict v, const char *reason)
{
    if (strcmp(m->logged_user, m->user) == 0 || reason[0] == '\0') {
        return;
    }
    snprintf(m->logged_user, sizeof(m->logged_user), "%s", m->user);
    if (v == AUTHZ_INVALID_USER || strncmp(reason, "ROOT", 4) == 0) {
        log_info("%s port %d", reason, m->peer_port);
    } else {
        log_info("%s", reason);
    }
}

/* Is this RSA key too small?  Refused at the query already, so the client
 * moves on to its next key instead of signing with this one. */
static int rsa_too_small(const unsigned char *blob, size_t len, char *reason, size_t rlen)
{
    struct pubkey pk;
    int small = 0;

    if (pubkey_from_blob(blob, len, &pk) < 0) {
        return 0;
    }
    if (strcmp(pk.name, "ssh-rsa") == 0 && pk.bits < ALGO_RSA_MIN_BITS) {
        snprintf(reason, rlen, "RSA key of %u bits refused: fallbackd requires at least %d",
                 pk.bits, ALGO_RSA_MIN_BITS);
        small = 1;
    }
    pubkey_free(&pk);
    return small;
}

/* Is this a key the monitor will not spend a signature check on?  Any key
 * fallbackd cannot parse (no keys file can list it), an RSA modulus over
 * ALGO_RSA_MAX_BITS or an exponent over ALGO_RSA_MAX_E_BITS bits: refused
 * at the query already, before the keys file is read. */
static int key_too_costly(const unsigned char *blob, size_t len, char *reason, size_t rlen)
{
    struct pubkey pk;
    int costly = 0;

    if (pubkey_from_blob(blob, len, &pk) < 0) {
        snprintf(reason, rlen, "unusable public key refused");
        return 1;
    }
    if (strcmp(pk.name, "ssh-rsa") == 0 &&
        (pk.bits > ALGO_RSA_MAX_BITS || pk.ebits > ALGO_RSA_MAX_E_BITS)) {
        snprintf(reason, rlen, "RSA key of %u bits with a %u-bit exponent refused: fallbackd "
                 "accepts at most %d and %d", pk.bits, pk.ebits, ALGO_RSA_MAX_BITS,
                 ALGO_RSA_MAX_E_BITS);
        costly = 1;
    }
    pubkey_free(&pk);
    return costly;
}

/* The policy verdict for USER with this key (authz.h). */
static enum authz_verdict decide(struct monitor *m, const unsigned char *blob, size_t len,
                                 char *reason, size_t rlen)
{
    reason[0] = '\0';
    if (rsa_too_small(blob, len, reason, rlen)) {
        return AUTHZ_KEY_REFUSED;
    }
    return authz_key(m->srv, m->user, blob, len, m->peer, &m->authz, reason, rlen);
}

/* Reply to the network process. */
static int reply(struct monitor *m, enum mon_verdict v)
{
    const struct ak_opts *o = &m->authz.key.opts;
    uint32_t flags = 0;

    if (v == MON_ACCEPTED) {
        flags |= o->no_pty ? MON_FLAG_NO_PTY : 0;
        flags |= o->command != NULL ? MON_FLAG_FORCED : 0;
    }
    if (v == MON_DENIED && m->too_many) {
        v = MON_TOO_MANY;
    }
    return mon_send(m->sock, NULL, 0, MON_AUTH_RESULT, (uint32_t)v, flags,
                    m->user, strlen(m->user));
}

/* A refusal: log it (sshd's words), count it, reply. */
static int refuse(struct monitor *m, enum authz_verdict v, const char *reason, const char *desc)
{
    log_refusal_once(m, v, reason);
    log_info("Failed publickey for %s%s from %s port %d ssh2: %s",
             v == AUTHZ_INVALID_USER ? "invalid user " : "", m->user, m->peer,
             m->peer_port, desc);
    count_failure(m);
    return reply(m, MON_DENIED);
}

/* Copy the request's user name; -1 if it is not a clean C string. */
static int take_user(struct monitor *m, const struct mon_field *f)
{
    char user[sizeof(m->user)];

    if (mon_cstr(f, user, sizeof(user)) < 0) {
        return -1;
    }
    memcpy(m->user, user, sizeof(user));
    return 0;
}

int monauth_query(struct monitor *m, const struct mon_msg *msg)
{
    char reason[768];
    char desc[160];
    enum authz_verdict v;

    if (take_user(m, &msg->f[0]) < 0) {
        return -1;
    }
    if (m->too_many) {
        return reply(m, MON_DENIED);
    }
    key_describe(msg->f[1].s, msg->f[1].len, desc, sizeof(desc));
    if (key_too_costly(msg->f[1].s, msg->f[1].len, reason, sizeof(reason))) {
        return refuse(m, AUTHZ_KEY_REFUSED, reason, desc);
    }
    v = decide(m, msg->f[1].s, msg->f[1].len, reason, sizeof(reason));
    if (v == AUTHZ_OK) {
        return reply(m, MON_KEY_OK);
    }
    return refuse(m, v, reason, desc);
}

/* Does the signed data say what a userauth request for this user, key and
 * session must say (signed_data.h)?  *alg gets the algorithm. */
static int signed_data_ok(const struct monitor *m, const struct mon_msg *msg, char *alg,
                          size_t alglen)
{
    const struct hostkey *hk = m->session_hostkey;
    const struct signed_req q = {
        .session_id = m->session_id, .session_id_len = m->session_id_len,
        .user = (const char *)msg->f[0].s, .user_len = msg->f[0].len,
        .key = msg->f[1].s, .key_len = msg->f[1].len,
        .data = msg->f[2].s, .data_len = msg->f[2].len,
        .sig = msg->f[3].s, .sig_len = msg->f[3].len,
        .hostkey = hk != NULL ? hk->blob : NULL, .hostkey_len = hk != NULL ? hk->bloblen : 0,
        .accepted = algolist_effective(ALGO_PUBKEY, m->srv->cfg.algorithms[ALGO_PUBKEY]),
    };

    return signed_data_check(&q, alg, alglen) == SIGNED_OK;
}

/* Verify the user's signature over the signed data with libssh's own
 * primitives (signed_data_check made sure the signature's algorithm is the
 * one signed for). */
static int signature_ok(struct monitor *m, const struct mon_msg *msg, const char *alg)
{
    const struct mon_field *sig = &msg->f[3];
    ssh_string key_s = ssh_string_new(msg->f[1].len);
    ssh_string sig_s = ssh_string_new(sig->len);
    ssh_signature s = NULL;
    ssh_key key = NULL;
    int ok = 0;

    log_debug("verifying the %s signature of %s", alg, m->user);

    if (key_s != NULL && sig_s != NULL &&
        ssh_string_fill(key_s, msg->f[1].s, msg->f[1].len) == 0 &&
        ssh_string_fill(sig_s, sig->s, sig->len) == 0 &&
        ssh_pki_import_pubkey_blob(key_s, &key) == SSH_OK &&
        ssh_pki_import_signature_blob(sig_s, key, &s) == SSH_OK) {
        ok = ssh_pki_signature_verify(m->verifier, s, key, msg->f[2].s, msg->f[2].len) == SSH_OK;
    }
    ssh_signature_free(s);
    ssh_key_free(key);
    ssh_string_free(key_s);
    ssh_string_free(sig_s);
    return ok;
}

/* For a security key: do the signature's flags attest the user presence
 * (touch) and verification (PIN) this key line and PubkeyAuthOptions
 * require, as sshd?  Presence is required unless the line says
 * no-touch-required (and PubkeyAuthOptions touch-required overrides that);
 * verification when the line says verify-required or PubkeyAuthOptions
 * verify-required.  Reason in sshd's words when not. */
static int sk_flags_ok(const struct monitor *m, const struct mon_msg *msg, const char *alg,
                       const char *desc, char *reason, size_t rlen)
{
    const struct ak_opts *o = &m->authz.key.opts;
    int cfg = m->srv->cfg.pubkey_auth_options;
    int presence = !o->no_touch_required || (cfg & CFG_PK_TOUCH_REQUIRED) != 0;
    int verified = o->verify_required || (cfg & CFG_PK_VERIFY_REQUIRED) != 0;
    enum signed_fault f;

    if (!signed_is_sk(alg)) {
        return 1;
    }
    f = signed_sk_check(msg->f[3].s, msg->f[3].len, presence, verified);
    if (f != SIGNED_OK) {
        snprintf(reason, rlen, "public key %s signature for %s from %s port %d rejected: %s",
                 desc, m->user, m->peer, m->peer_port,
                 f == SIGNED_NO_PRESENCE ? "user presence (authenticator touch) requirement "
                 "not met" : f == SIGNED_NOT_VERIFIED ? "user verification requirement not "
                 "met" : "malformed security key signature");
    }
    return f == SIGNED_OK;
}

/* The user is in: remember, log, and tell the listener. */
static int accept_login(struct monitor *m, const char *desc)
{
    const struct gr_entry *tty = userdb_group(m->srv->users, "tty");

    m->authenticated = 1;
    m->tty_gid = tty != NULL ? tty->gid : (gid_t)-1;
    snprintf(m->key_desc, sizeof(m->key_desc), "%s", desc);
    log_info("Accepted publickey for %s from %s port %d ssh2: %s", m->user, m->peer,
             m->peer_port, desc);
    if (m->startup_fd >= 0) {
        close(m->startup_fd);
        m->startup_fd = -1;
    }
    return reply(m, MON_ACCEPTED);
}

int monauth_signed(struct monitor *m, const struct mon_msg *msg)
{
    char reason[768] = "";
    char desc[160];
    char alg[64];
    enum authz_verdict v = AUTHZ_KEY_REFUSED;

    if (take_user(m, &msg->f[0]) < 0) {
        return -1;
    }
    if (m->too_many) {
        return reply(m, MON_DENIED);
    }
    key_describe(msg->f[1].s, msg->f[1].len, desc, sizeof(desc));
    /* Cheap checks first, the one signature check last: a key that is not
     * allowed never costs a verification (libssh in the network process
     * verifies none, mk/libssh-patches/0007). */
    if (key_too_costly(msg->f[1].s, msg->f[1].len, reason, sizeof(reason))) {
        return refuse(m, AUTHZ_KEY_REFUSED, reason, desc);
    }
    if (signed_data_ok(m, msg, alg, sizeof(alg))) {
        v = decide(m, msg->f[1].s, msg->f[1].len, reason, sizeof(reason));
    }
    if (v == AUTHZ_OK && !signature_ok(m, msg, alg)) {
        reason[0] = '\0';
        v = AUTHZ_KEY_REFUSED;
    }
    if (v == AUTHZ_OK && !sk_flags_ok(m, msg, alg, desc, reason, sizeof(reason))) {
        log_info("%s", reason);
        reason[0] = '\0';
        v = AUTHZ_KEY_REFUSED;
    }
    if (v == AUTHZ_OK) {
        return accept_login(m, desc);
    }
    return refuse(m, v, reason, desc);
}

int monauth_other(struct monitor *m, const struct mon_msg *msg)
{
    char method[32];

    if (take_user(m, &msg->f[0]) < 0 || mon_cstr(&msg->f[1], method, sizeof(method)) < 0) {
        return -1;
    }
    if (strcmp(method, "none") != 0) {
        log_info("Failed %s for %s%s from %s port %d ssh2 (fallbackd accepts public keys only)",
                 method, userdb_user(m->srv->users, m->user) ? "" : "invalid user ",
                 m->user, m->peer, m->peer_port);
        count_failure(m);
    }
    return reply(m, MON_DENIED);
}
