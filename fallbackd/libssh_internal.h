/* libssh_internal.h - the libssh internals fallbackd calls.
 *
 * libssh is linked statically from our own build, so its non-exported
 * functions are reachable.  Each one used is declared here, with why, so
 * that a libssh upgrade has one place to check.
 */
#ifndef FBD_LIBSSH_INTERNAL_H
#define FBD_LIBSSH_INTERNAL_H

#include <stddef.h>

#include <libssh/libssh.h>

/* The public key's wire blob (RFC 4253 6.6): the authorized-keys match is
 * a byte comparison of blobs, with no re-encoding in between. */
int ssh_pki_export_pubkey_blob(const ssh_key key, ssh_string *pblob);
int ssh_pki_import_pubkey_blob(const ssh_string key_blob, ssh_key *pkey);

/* The monitor signs exchange hashes for the network process
 * (mk/libssh-patches/0003): the same calls libssh makes itself in
 * ssh_srv_pki_do_sign_sessionid(). */
typedef struct ssh_signature_struct *ssh_signature;
/* hash_type is libssh's enum ssh_digest_e (an int on every ABI). */
ssh_signature pki_do_sign(const ssh_key privkey, const unsigned char *input,
                          size_t input_len, int hash_type);
int ssh_pki_export_signature_blob(const ssh_signature sig, ssh_string *sig_blob);
void ssh_signature_free(ssh_signature sig);

/* The monitor verifies users' signatures itself (mk/libssh-patches/0004). */
int ssh_pki_import_signature_blob(const ssh_string sig_blob, const ssh_key pubkey,
                                  ssh_signature *psig);
int ssh_pki_signature_verify(ssh_session session, ssh_signature sig, const ssh_key key,
                             const unsigned char *input, size_t input_len);

/* Not an internal, but a behaviour of our patched libssh to port on an
 * upgrade: a message callback that returns SSH_MESSAGE_KEPT (libssh/server.h,
 * mk/libssh-patches/0013) keeps the message; libssh neither replies nor
 * frees it.  net/channel_direct.c keeps direct-tcpip opens so, replies when
 * the monitor's answer comes, and frees them before the session. */

#endif
