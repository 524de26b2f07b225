/* pubkey.h - SSH public keys: checking a key blob, reading the text form
 * "type base64", and the SHA256 fingerprint, all as OpenSSH does them.
 *
 * Key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa, ssh-dss,
 * sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com.
 * Certificates are not understood.
 *
 * Preconditions: sodium_init() and gcry_check_version() have been called
 * (libssh's ssh_init() does the latter); ECDSA points are checked with
 * libgcrypt.
 */
#ifndef FBD_PUBKEY_H
#define FBD_PUBKEY_H

#include <stddef.h>

struct pubkey {
    unsigned char *blob;    /* canonical blob, as OpenSSH re-encodes it */
    size_t bloblen;
    const char *name;       /* "ssh-ed25519", ... (static) */
    const char *label;      /* "ED25519", "ECDSA-SK", ... as ssh-keygen -l */
    unsigned bits;          /* as ssh-keygen -l: RSA bits of n, DSA of p */
    unsigned ebits;         /* RSA: bits of the public exponent e; else 0 */
};

/* What is wrong with a blob pubkey_check refuses. */
enum pubkey_fault {
    PUBKEY_OK = 0,
    PUBKEY_UNKNOWN_TYPE,    /* no type name, or not one of the types above */
    PUBKEY_MALFORMED,       /* a field missing, invalid or out of range */
    PUBKEY_TRAILING,        /* bytes after the last field */
    PUBKEY_NO_MEMORY,
};

/* Check a public key blob the way OpenSSH's parser does (field layout, no
 * trailing bytes, mpints non-negative and at most 16384 bits, RSA at least
 * 1024 bits, ECDSA point on its curve, security-key application a C
 * string).  PUBKEY_OK and *out filled, or the fault and *out empty. */
enum pubkey_fault pubkey_check(const unsigned char *blob, size_t len,
                               struct pubkey *out);

/* pubkey_check without the why: 0 and *out filled, or -1. */
int pubkey_from_blob(const unsigned char *blob, size_t len,
                     struct pubkey *out);

/* Read "type base64..." at s as OpenSSH's sshkey_read() does: the type
 * name must be followed by a space or tab, the base64 runs to the next
 * space or tab, and the blob's type must equal the name.  On success
 * returns 0, fills *out and points *rest past the blanks after the
 * base64 (at the comment, if any).  -1 if s does not start with a key. */
int pubkey_read(const char *s, struct pubkey *out, const char **rest);

/* "SHA256:" + 43 characters of unpadded base64 + NUL. */
#define PUBKEY_FP_SIZE 51

/* The SHA256 fingerprint of k, as ssh-keygen -l prints it. */
void pubkey_fp_sha256(const struct pubkey *k, char fp[PUBKEY_FP_SIZE]);

void pubkey_free(struct pubkey *k);

#endif
