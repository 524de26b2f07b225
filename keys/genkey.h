/* genkey.h - make new key pairs (ed25519 with libsodium, ECDSA and RSA with
 * libgcrypt) as a public key blob plus the private fields OpenSSH stores
 * in its key files (see keyfile.c).
 *
 * Preconditions: sodium_init() and gcry_check_version() have been called.
 */
#ifndef FBD_GENKEY_H
#define FBD_GENKEY_H

#include "sshbuf.h"

enum genkey_type {
    GENKEY_ED25519,
    GENKEY_ECDSA,           /* bits 256, 384 or 521 */
    GENKEY_RSA,             /* bits 2048..16384, even */
};

struct genkey {
    const char *name;       /* "ssh-ed25519", "ecdsa-sha2-nistp256", ... */
    struct sshbuf pub;      /* public key blob */
    struct sshbuf priv;     /* private fields, secret: wiped on free */
};

/* Is bits a size genkey_make() accepts for type t?  (Ignored: ed25519.) */
int genkey_bits_ok(enum genkey_type t, unsigned bits);

/* Generate a key.  0 ok, -1 on failure (bad size, out of memory, or a
 * libgcrypt error). */
int genkey_make(enum genkey_type t, unsigned bits, struct genkey *out);

/* Wipe and free. */
void genkey_free(struct genkey *k);

#endif
