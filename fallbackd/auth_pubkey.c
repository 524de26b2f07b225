/* auth_pubkey.c - public-key authentication, and refusal of every other
 * method (password, keyboard-interactive, none are never offered).
 *
 * libssh verifies the user's signature; this file asks authz for the
 * decision, counts failures against MaxAuthTries, and writes the log lines
 * administrators and fail2ban know from sshd:
 *
 *   Accepted publickey for U from A port P ssh2: ED25519 SHA256:...
 *   Failed publickey for U from A port P ssh2: ED25519 SHA256:...
 *   Invalid user U from A port P
 *   maximum authentication attempts exceeded for U from A port P ssh2 [preauth]
 *
 * Request handling (signature_state from libssh):
 *
 *   state  | authz  | reply                     | counts as a failure
 *   -------+--------+---------------------------+--------------------
 *   NONE   | ok     | PK_OK (key acceptable)    | no
 *   NONE   | refuse | FAILURE                   | yes
 *   VALID  | ok     | SUCCESS: authenticated    | no
 *   VALID  | refuse | FAILURE                   | yes
 *   WRONG  | -      | FAILURE (bad signature)   | yes
 */
#include "auth_pubkey.h"

#include <stdio.h>
#include <string.h>

#include <libssh/libssh.h>

#include "algorithms.h"
#include "libssh_internal.h"
#include "log.h"
#include "pubkey.h"

void auth_key_describe(ssh_key key, char *out, size_t outlen)
{
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp;
    const char *type;

    switch (ssh_key_type(key)) {
    case SSH_KEYTYPE_ED25519: type = "ED25519"; break;
    case SSH_KEYTYPE_SK_ED25519: type = "ED25519-SK"; break;
    case SSH_KEYTYPE_ECDSA_P256:
    case SSH_KEYTYPE_ECDSA_P384:
    case SSH_KEYTYPE_ECDSA_P521: type = "ECDSA"; break;
    case SSH_KEYTYPE_SK_ECDSA: type = "ECDSA-SK"; break;
    case SSH_KEYTYPE_RSA: type = "RSA"; break;
    default: type = "UNKNOWN"; break;
    }
    snprintf(out, outlen, "%s ?", type);
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0) {
        return;
    }
    fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    if (fp != NULL) {
        snprintf(out, outlen, "%s %s", type, fp);
        ssh_string_free_char(fp);
    }
    ssh_clean_pubkey_hash(&hash);
}

/* Count one failed attempt; at MaxAuthTries mark the connection for
 * disconnection (the main loop does it, outside libssh's callback). */
static void count_failure(struct conn *c)
{
    c->auth_failures++;
    if (c->auth_failures < c->srv->cfg.max_auth_tries || c->too_many_failures) {
        return;
    }
    c->too_many_failures = 1;
    log_error("maximum authentication attempts exceeded for %s%s from %s port %d ssh2 [preauth]",
              userdb_user(c->srv->users, c->user) ? "" : "invalid user ", c->user,
              c->peer, c->peer_port);
    log_info("Disconnecting authenticating user %s %s port %d: Too many authentication "
             "failures [preauth]", c->user, c->peer, c->peer_port);
    ssh_session_set_disconnect_message(c->ssh, "Too many authentication failures");
}

/* Log why a user was refused, once per user name per connection. */
static void log_refusal_once(struct conn *c, enum authz_verdict v, const char *reason)
{
    if (strcmp(c->logged_user, c->user) == 0 || reason[0] == '\0') {
        return;
    }
    snprintf(c->logged_user, sizeof(c->logged_user), "%s", c->user);
    if (v == AUTHZ_INVALID_USER || strncmp(reason, "ROOT", 4) == 0) {
        log_info("%s port %d", reason, c->peer_port);
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
        return 0;   /* libssh parsed it; authz decides */
    }
    if (strcmp(pk.name, "ssh-rsa") == 0 && pk.bits < FBD_RSA_MIN_BITS) {
        snprintf(reason, rlen, "RSA key of %u bits refused: fallbackd requires at least %d",
                 pk.bits, FBD_RSA_MIN_BITS);
        small = 1;
    }
    pubkey_free(&pk);
    return small;
}

/* The authz verdict for this key, or AUTHZ_KEY_REFUSED if the key cannot
 * even be encoded or is too weak. */
static enum authz_verdict decide(struct conn *c, ssh_key key, char *reason, size_t rlen)
{
    ssh_string blob = NULL;
    enum authz_verdict v = AUTHZ_KEY_REFUSED;

    reason[0] = '\0';
    if (ssh_pki_export_pubkey_blob(key, &blob) != SSH_OK) {
        return AUTHZ_KEY_REFUSED;
    }
    if (!rsa_too_small(ssh_string_data(blob), ssh_string_len(blob), reason, rlen)) {
        v = authz_key(c->srv, c->user, ssh_string_data(blob), ssh_string_len(blob),
                      c->peer, &c->authz, reason, rlen);
    }
    ssh_string_free(blob);
    return v;
}

int auth_pubkey_cb(ssh_session s, const char *user, struct ssh_key_struct *key,
                   char signature_state, void *userdata)
{
    struct conn *c = userdata;
    enum authz_verdict v = AUTHZ_KEY_REFUSED;
    char reason[768];
    char desc[160];

    if (c->authenticated || c->too_many_failures) {
        return SSH_AUTH_DENIED;
    }
    snprintf(c->user, sizeof(c->user), "%s", user);
    auth_key_describe(key, desc, sizeof(desc));
    reason[0] = '\0';
    if (signature_state == SSH_PUBLICKEY_STATE_NONE ||
        signature_state == SSH_PUBLICKEY_STATE_VALID) {
        v = decide(c, key, reason, sizeof(reason));
    }
    if (v == AUTHZ_OK && signature_state == SSH_PUBLICKEY_STATE_NONE) {
        return SSH_AUTH_SUCCESS;    /* PK_OK: "this key would do" */
    }
    if (v == AUTHZ_OK) {
        c->authenticated = 1;
        snprintf(c->key_desc, sizeof(c->key_desc), "%s", desc);
        log_info("Accepted publickey for %s from %s port %d ssh2: %s",
                 c->user, c->peer, c->peer_port, desc);
        return SSH_AUTH_SUCCESS;
    }
    log_refusal_once(c, v, reason);
    log_info("Failed publickey for %s%s from %s port %d ssh2: %s",
             v == AUTHZ_INVALID_USER ? "invalid user " : "", c->user, c->peer,
             c->peer_port, desc);
    count_failure(c);
    return SSH_AUTH_DENIED;
}

/* The name sshd logs for a refused method. */
static const char *method_name(int subtype)
{
    switch (subtype) {
    case SSH_AUTH_METHOD_PASSWORD: return "password";
    case SSH_AUTH_METHOD_INTERACTIVE: return "keyboard-interactive";
    case SSH_AUTH_METHOD_HOSTBASED: return "hostbased";
    case SSH_AUTH_METHOD_NONE: return "none";
    default: return "unknown";
    }
}

int auth_other_message_cb(ssh_session s, ssh_message msg, void *userdata)
{
    struct conn *c = userdata;
    int subtype;

    if (ssh_message_type(msg) != SSH_REQUEST_AUTH || c->authenticated) {
        return 1;   /* libssh sends the default refusal */
    }
    subtype = ssh_message_subtype(msg);
    snprintf(c->user, sizeof(c->user), "%s", ssh_message_auth_user(msg) ?
             ssh_message_auth_user(msg) : "");
    if (subtype == SSH_AUTH_METHOD_NONE) {
        return 1;   /* every client starts with "none": not a failure */
    }
    log_info("Failed %s for %s%s from %s port %d ssh2 (fallbackd accepts public keys only)",
             method_name(subtype), userdb_user(c->srv->users, c->user) ? "" : "invalid user ",
             c->user, c->peer, c->peer_port);
    count_failure(c);
    return 1;
}
