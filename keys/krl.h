/* krl.h - revoked keys (sshd's RevokedKeys): OpenSSH's binary key
 * revocation list (PROTOCOL.krl, made by ssh-keygen -k) or a plain list
 * of public keys, one "type base64 [comment]" a line.
 *
 * What a KRL can revoke, and how krl.c looks it up:
 *   certificates, per CA (or any CA): serials (lists, ranges, bitmaps)
 *     and key ids
 *   keys: explicitly (the public key blob), by SHA1 or SHA256 hash of the
 *     blob; a certificate's key is its plain key
 * Signature sections are skipped, as sshd does.
 *
 * Preconditions as pubkey.h.
 */
#ifndef FBD_KRL_H
#define FBD_KRL_H

#include <stddef.h>

#include "cert.h"

#define KRL_FILE_MAX (16u << 20)

struct krl;

/* Parse LEN bytes at DATA: a binary KRL if it starts with the KRL magic,
 * otherwise a list of public keys.  0 and *out, or -1 with a reason (the
 * file must then refuse every key, as sshd does). */
int krl_parse(const unsigned char *data, size_t len, struct krl **out, char *why,
              size_t whylen);

/* Is the plain public key BLOB revoked (explicitly or by hash)? */
int krl_key_revoked(const struct krl *k, const unsigned char *blob, size_t len);

/* Is certificate C revoked by serial or key id under its CA?  (Its key
 * and its CA key are checked with krl_key_revoked.) */
int krl_cert_revoked(const struct krl *k, const struct cert *c);

void krl_free(struct krl *k);

#endif
