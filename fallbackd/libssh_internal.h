/* libssh_internal.h - the libssh internals fallbackd calls.
 *
 * libssh is linked statically from our own build, so its non-exported
 * functions are reachable.  Each one used is declared here, with why, so
 * that a libssh upgrade has one place to check.
 */
#ifndef FBD_LIBSSH_INTERNAL_H
#define FBD_LIBSSH_INTERNAL_H

#include <libssh/libssh.h>

/* The public key's wire blob (RFC 4253 6.6): the authorized-keys match is
 * a byte comparison of blobs, with no re-encoding in between. */
int ssh_pki_export_pubkey_blob(const ssh_key key, ssh_string *pblob);

#endif
