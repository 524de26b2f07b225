/* cert.h - OpenSSH user certificates (PROTOCOL.certkeys): parsing a
 * certificate blob and checking what can be checked without crypto
 * (type, validity window, principals, critical options).  The CA's
 * signature is checked by cert_verify.h with libssh.
 *
 * Certificate types understood (the key types fallbackd accepts):
 *   ssh-ed25519-cert-v01@openssh.com, ecdsa-sha2-nistp{256,384,521}-cert-v01@openssh.com,
 *   ssh-rsa-cert-v01@openssh.com, sk-ssh-ed25519-cert-v01@openssh.com,
 *   sk-ecdsa-sha2-nistp256-cert-v01@openssh.com.
 *
 * Preconditions as pubkey.h (sodium_init, gcry_check_version).
 */
#ifndef FBD_CERT_H
#define FBD_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pubkey.h"

#define CERT_TYPE_USER 1
#define CERT_TYPE_HOST 2
#define CERT_MAX_PRINCIPALS 256

struct cert {
    const char *name;           /* "ssh-ed25519-cert-v01@openssh.com" (static) */
    const char *label;          /* "ED25519-CERT", as sshd logs it (static) */
    struct pubkey key;          /* the certified key, as a plain key */
    uint64_t serial;
    uint32_t type;              /* CERT_TYPE_USER or CERT_TYPE_HOST */
    char *key_id;
    char **principals;          /* empty list: valid for any principal */
    size_t nprincipals;
    uint64_t valid_after;       /* seconds since the epoch */
    uint64_t valid_before;      /* UINT64_MAX: forever */

    /* critical options */
    char *force_command;        /* NULL if none */
    char *source_address;       /* NULL if none */
    int verify_required;
    char *unknown_critical;     /* first critical option not understood, or NULL */

    /* extensions (others are ignored, as sshd does) */
    int permit_pty;
    int no_touch_required;
    int permit_port_forwarding; /* local forwarding (monitor/forward_connect.c) */

    struct pubkey ca;           /* the signature key */
    unsigned char *tbs;         /* the signed part: every byte before the signature */
    size_t tbslen;
    unsigned char *sig;         /* the CA's signature blob */
    size_t siglen;
    char sig_alg[64];           /* the signature's algorithm name */
};

/* Is NAME (LEN bytes) a certificate type name fallbackd understands? */
int cert_is_cert_type(const char *name, size_t len);

/* Does the key blob BLOB hold a certificate (by its type name)? */
int cert_blob_is_cert(const unsigned char *blob, size_t len);

/* The signature algorithm a user signs with when authenticating with the
 * certificate algorithm ALG ("rsa-sha2-512-cert-v01@openssh.com" ->
 * "rsa-sha2-512"); ALG itself when it is not a certificate algorithm. */
const char *cert_sig_alg(const char *alg, char *buf, size_t buflen);

/* Parse a certificate blob.  0 and *out filled, or -1 with a reason in
 * why (and *out empty).  Structural checks only: field layout, no trailing
 * bytes, the certified key and the CA key valid (pubkey_check), the CA key
 * not itself a certificate, strings that must be C strings without NUL,
 * at most CERT_MAX_PRINCIPALS principals, critical options and extensions
 * well formed and not repeated. */
int cert_parse(const unsigned char *blob, size_t len, struct cert *out,
               char *why, size_t whylen);

/* May certificate C be used at time NOW for a user login as one of the
 * principals the caller allows?  Checks: user certificate, validity
 * window, no unknown critical option.  0, or -1 with sshd-like wording
 * in why. */
int cert_check_use(const struct cert *c, time_t now, char *why, size_t whylen);

/* Is NAME one of the certificate's principals? */
int cert_has_principal(const struct cert *c, const char *name);

/* "ED25519-CERT SHA256:... ID KEYID (serial N) CA ED25519 SHA256:...",
 * sshd's description of a certificate in its log lines (key id shown
 * with anything not printable ASCII as '?'). */
void cert_describe(const struct cert *c, char *out, size_t outlen);

void cert_free(struct cert *c);

#endif
