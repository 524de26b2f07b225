/* auth_relay.c - public-key authentication in the network process.
 *
 * Nothing is decided here: every callback relays to the monitor and
 * returns its verdict to libssh.
 *
 *   libssh callback      | asks the monitor     | reply to the client
 *   ---------------------+----------------------+-----------------------------
 *   query (no signature) | MON_AUTH_QUERY       | PK_OK if MON_KEY_OK, else FAILURE
 *   signed request       | MON_AUTH_SIGNED      | SUCCESS if MON_ACCEPTED, else
 *                        |   (data + signature) |   FAILURE
 *   password, kbd-int,   | MON_AUTH_OTHER       | FAILURE ("publickey" only)
 *   none, hostbased      |                      |
 *   exchange hash        | MON_HOSTKEY_SIGN     | (the KEX reply's signature)
 *
 * MON_TOO_MANY (MaxAuthTries) makes the main loop disconnect with sshd's
 * "Too many authentication failures".
 */
#include "auth_relay.h"

#include <stdio.h>
#include <string.h>

#include <libssh/libssh.h>

#include "libssh_internal.h"
#include "log.h"
#include "monitor_client.h"
#include "test_hooks.h"

/* Act on the monitor's MON_AUTH_RESULT; returns its verdict. */
static uint32_t take_verdict(struct conn *c, const struct mon_msg *r)
{
    uint32_t v = r->f[0].u;

    if (v == MON_TOO_MANY && !c->too_many_failures) {
        c->too_many_failures = 1;
        ssh_session_set_disconnect_message(c->ssh, "Too many authentication failures");
    }
    if (v == MON_ACCEPTED) {
        c->authenticated = 1;
        c->key_flags = r->f[1].u;
        mon_cstr(&r->f[2], c->user_name, sizeof(c->user_name));
    }
    return v;
}

/* Send an auth request (already built by the caller) and wait. */
static uint32_t ask(struct conn *c)
{
    struct mon_msg r;

    if (monclient_reply(c, MON_AUTH_RESULT, &r) < 0 || r.type != MON_AUTH_RESULT) {
        return MON_DENIED;
    }
    return take_verdict(c, &r);
}

/* The wire blob of a key; NULL if it cannot be encoded. */
static ssh_string key_blob(ssh_key key)
{
    ssh_string blob = NULL;

    return ssh_pki_export_pubkey_blob(key, &blob) == SSH_OK ? blob : NULL;
}

int auth_pubkey_cb(ssh_session s, const char *user, struct ssh_key_struct *key,
                   char signature_state, void *userdata)
{
    struct conn *c = userdata;
    ssh_string blob;
    uint32_t v = MON_DENIED;

    if (c->authenticated || c->too_many_failures || signature_state != SSH_PUBLICKEY_STATE_NONE) {
        return SSH_AUTH_DENIED;
    }
    snprintf(c->user, sizeof(c->user), "%s", user);
    blob = key_blob(key);
    if (blob != NULL) {
        test_hook_auth_user(c, user, ssh_string_data(blob), ssh_string_len(blob));
    }
    if (blob != NULL && mon_send(c->mon, NULL, 0, MON_AUTH_QUERY, user, strlen(user),
                                 ssh_string_data(blob), (size_t)ssh_string_len(blob)) == 0) {
        v = ask(c);
    }
    ssh_string_free(blob);
    return v == MON_KEY_OK ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
}

int auth_pubkey_signed_cb(ssh_session s, const char *user, struct ssh_key_struct *key,
                          char signature_state, const void *signed_data, size_t signed_len,
                          const void *signature, size_t signature_len, void *userdata)
{
    struct conn *c = userdata;
    ssh_string blob;
    uint32_t v = MON_DENIED;

    if (c->authenticated || c->too_many_failures) {
        return SSH_AUTH_DENIED;
    }
    snprintf(c->user, sizeof(c->user), "%s", user);
    blob = key_blob(key);
    if (blob != NULL && mon_send(c->mon, NULL, 0, MON_AUTH_SIGNED, user, strlen(user),
                                 ssh_string_data(blob), (size_t)ssh_string_len(blob),
                                 signed_data, signed_len, signature, signature_len) == 0) {
        v = ask(c);
    }
    ssh_string_free(blob);
    return v == MON_ACCEPTED ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
}

int auth_hostkey_sign_cb(ssh_session s, ssh_key hostkey, int digest,
                         const unsigned char *data, size_t len, ssh_string *signature,
                         void *userdata)
{
    struct conn *c = userdata;
    ssh_string blob = key_blob(hostkey);
    struct mon_msg r;
    int rc = SSH_ERROR;

    if (blob != NULL &&
        mon_send(c->mon, NULL, 0, MON_HOSTKEY_SIGN, (uint32_t)digest, ssh_string_data(blob),
                 (size_t)ssh_string_len(blob), data, len) == 0 &&
        monclient_reply(c, MON_SIGNATURE, &r) == 0 && r.type == MON_SIGNATURE &&
        (*signature = ssh_string_new(r.f[0].len)) != NULL &&
        ssh_string_fill(*signature, r.f[0].s, r.f[0].len) == 0) {
        rc = SSH_OK;
    }
    ssh_string_free(blob);
    return rc;
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
    const char *user;
    const char *method;

    if (ssh_message_type(msg) != SSH_REQUEST_AUTH || c->authenticated || c->too_many_failures) {
        return 1;   /* libssh sends the default refusal */
    }
    user = ssh_message_auth_user(msg) ? ssh_message_auth_user(msg) : "";
    method = method_name(ssh_message_subtype(msg));
    snprintf(c->user, sizeof(c->user), "%s", user);
    if (mon_send(c->mon, NULL, 0, MON_AUTH_OTHER, user, strlen(user), method,
                 strlen(method)) == 0) {
        ask(c);
    }
    return 1;
}
