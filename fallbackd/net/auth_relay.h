/* auth_relay.h - libssh's authentication callbacks in the network
 * process: each one relays to the monitor, which decides (monitor/auth_decide.c). */
#ifndef FBD_AUTH_PUBKEY_H
#define FBD_AUTH_PUBKEY_H

#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "conn.h"

/* A publickey query (no signature): would this key do? */
int auth_pubkey_cb(ssh_session s, const char *user, struct ssh_key_struct *key,
                   char signature_state, void *userdata);

/* A signed publickey request, handed to the monitor whole
 * (mk/libssh-patches/0004). */
int auth_pubkey_signed_cb(ssh_session s, const char *user, struct ssh_key_struct *key,
                          char signature_state, const void *signed_data, size_t signed_len,
                          const void *signature, size_t signature_len, void *userdata);

/* The key exchange's host key signature, made by the monitor
 * (mk/libssh-patches/0003). */
int auth_hostkey_sign_cb(ssh_session s, ssh_key hostkey, int digest,
                         const unsigned char *data, size_t len, ssh_string *signature,
                         void *userdata);

/* Messages no other callback took (password, keyboard-interactive, none,
 * unknown requests): refused by libssh's default reply, and reported to
 * the monitor for the log and MaxAuthTries. */
int auth_other_message_cb(ssh_session s, ssh_message msg, void *userdata);

#endif
