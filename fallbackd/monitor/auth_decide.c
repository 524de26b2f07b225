/* auth_decide.c - the monitor decides every login.
 *
 * The network process only relays: it asks whether a key would do (a
 * query), and hands over every signed request whole.  For a signed request
 * the monitor checks, itself, that the signed data is a userauth request
 * for this user and this key over this connection's session identifier
 * (the first exchange hash the monitor signed), asks authz, and only for a
 * key authz allows verifies the user's signature - once: libssh in the
 * network process verifies none (mk/libssh-patches/0008).  A compromised
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
#include "diagnose/door_state.h"
#include "auth_cert.h"
#include "auth_revoked.h"
#include "cert.h"
#include "libssh_internal.h"
#include "log.h"
#include "login_records.h"
#include "pubkey.h"
#include "signed_data.h"

/* "ED25519 SHA256:..." for log lines. */
static void key_describe(const unsigned char *blob, size_t len, char *out, size_t outlen)
{
    struct pubkey pk;
    char fp[PUBKEY_FP_SIZE];

    if (auth_cert_describe(blob, len, out, outlen) == 0) {
        return;
    }
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

/* Log why a user was refused (REASON: "" when authz gave none), once per
 * user name per connection. */
static void log_refusal_once(struct monitor *m, enum authz_verdict v, const char *reason)
{
    if (strcmp(m->logged_user, m->user) == 0 || reason[0] == '\0') {
        return;
    }
    snprintf(m->logged_user, sizeof(m->logged_user), "%s", m->user);
    if (v == AUTHZ_INVALID_USER) {
        login_records_refused(m->user, m->peer);
    }
    if (v == AUTHZ_INVALID_USER || v == AUTHZ_ROOT_REFUSED) {
        log_info("%s port %d", reason, m->peer_port);
    } else {
        log_info("%s", reason);
    }
}

/* The policy verdict for USER with this key (authz.h) or certificate
 * (auth_cert.h); SIG is the user's signature, NULL for a query. */
static enum authz_verdict decide(struct monitor *m, const unsigned char *blob, size_t len,
                                 const struct mon_field *sig, struct diag *why)
{
    char reason[768] = "";
    enum authz_verdict v = AUTHZ_KEY_REFUSED;

    if (!cert_blob_is_cert(blob, len) && auth_revoked(m->srv, blob, len, NULL, reason,
                                                      sizeof(reason)) == 0) {
        return authz_key(m->srv, m->user, blob, len, m->peer, &m->authz, why);
    }
    if (reason[0] == '\0') {
        v = auth_cert_decide(m, blob, len, sig != NULL ? sig->s : NULL,
                             sig != NULL ? sig->len : 0, reason, sizeof(reason));
    }
    if (reason[0] != '\0') {
        diag_add(why, "%s", reason);
    }
    return v;
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
                       const char *desc, struct diag *reason)
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
        diag_add(reason, "public key %s signature for %s from %s port %d rejected: %s",
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
    door_state_login(m->srv->state, m->peer, m->user);
    if (m->startup_fd >= 0) {
        close(m->startup_fd);
        m->startup_fd = -1;
    }
    return reply(m, MON_ACCEPTED);
}

/* A key request, queried (SIGNED 0) or signed: the user name, MaxAuthTries,
 * then authz's verdict - for a signed request only once the monitor has
 * checked the signed data and verified the signature itself.  A refusal
 * is logged, counted and answered; an accepted key is answered MON_KEY_OK
 * (a query) or logs the user in (a signed request). */
static int key_request(struct monitor *m, const struct mon_msg *msg, int signed_req)
{
    struct diag why = { 0 };
    char desc[160];
    char alg[64];
    enum authz_verdict v = AUTHZ_KEY_REFUSED;
    int rc;

    if (take_user(m, &msg->f[0]) < 0) {
        return -1;
    }
    m->attempts++;
    if (m->too_many) {
        return reply(m, MON_DENIED);
    }
    key_describe(msg->f[1].s, msg->f[1].len, desc, sizeof(desc));
    /* Cheap checks first, the one signature check last: a key that is not
     * allowed never costs a verification (libssh in the network process
     * verifies none, mk/libssh-patches/0008), and authz_key() refuses a
     * key too costly to verify before it reads the keys file. */
    if (!signed_req || signed_data_ok(m, msg, alg, sizeof(alg))) {
        v = decide(m, msg->f[1].s, msg->f[1].len, signed_req ? &msg->f[3] : NULL, &why);
    }
    if (signed_req && v == AUTHZ_OK && !signature_ok(m, msg, alg)) {
        v = AUTHZ_KEY_REFUSED;
    }
    if (signed_req && v == AUTHZ_OK && !sk_flags_ok(m, msg, alg, desc, &why)) {
        log_info("%s", diag_last(&why));
        diag_free(&why);
        v = AUTHZ_KEY_REFUSED;
    }
    if (v != AUTHZ_OK) {
        rc = refuse(m, v, diag_last(&why), desc);
    } else {
        rc = signed_req ? accept_login(m, desc) : reply(m, MON_KEY_OK);
    }
    diag_free(&why);
    return rc;
}

int monauth_query(struct monitor *m, const struct mon_msg *msg)
{
    return key_request(m, msg, 0);
}

int monauth_signed(struct monitor *m, const struct mon_msg *msg)
{
    return key_request(m, msg, 1);
}

int monauth_other(struct monitor *m, const struct mon_msg *msg)
{
    char method[32];

    if (take_user(m, &msg->f[0]) < 0 || mon_cstr(&msg->f[1], method, sizeof(method)) < 0) {
        return -1;
    }
    /* A client's first "none" asks which methods there are (not logged,
     * not counted, as in sshd); every further one is an attempt. */
    if (strcmp(method, "none") == 0 && m->nones++ == 0) {
        return reply(m, MON_DENIED);
    }
    m->attempts++;
    if (strcmp(method, "none") != 0) {
        log_info("Failed %s for %s%s from %s port %d ssh2 (fallbackd accepts public keys only)",
                 method, userdb_user(m->srv->users, m->user) ? "" : "invalid user ",
                 m->user, m->peer, m->peer_port);
    }
    count_failure(m);
    return reply(m, MON_DENIED);
}
