/* auth_pubkey.h - libssh's authentication callbacks: public key only. */
#ifndef FBD_AUTH_PUBKEY_H
#define FBD_AUTH_PUBKEY_H

#include <libssh/server.h>

#include "conn.h"

/* libssh's publickey callback: queries and signed requests. */
int auth_pubkey_cb(ssh_session s, const char *user, struct ssh_key_struct *key,
                   char signature_state, void *userdata);

/* Messages no other callback took (password, keyboard-interactive, none,
 * unknown requests): refused by default reply, counted and logged here. */
int auth_other_message_cb(ssh_session s, ssh_message msg, void *userdata);

/* "ED25519 SHA256:..." for log lines; "?" on failure. */
void auth_key_describe(ssh_key key, char *out, size_t outlen);

#endif
