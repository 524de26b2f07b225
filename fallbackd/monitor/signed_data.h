/* signed_data.h - does a signed userauth request say what it must?
 *
 * The monitor's check of the data a client signed for publickey
 * authentication, as a pure function so that every rule is unit-tested
 * (tests/unit/test_signed_data.c).  The signature itself is verified
 * afterwards, by auth_decide.c, and only for a key the policy allows.
 *
 * Signed data (RFC 4252 section 7):
 *
 *     string    session identifier
 *     byte      SSH_MSG_USERAUTH_REQUEST (50)
 *     string    user name
 *     string    service name ("ssh-connection")
 *     string    "publickey" or "publickey-hostbound-v00@openssh.com"
 *     boolean   TRUE
 *     string    public key algorithm name
 *     string    public key blob
 *     string    server host key blob (hostbound only: OpenSSH's PROTOCOL;
 *               it must be the host key that signed the session identifier)
 *
 * Signature blob (RFC 4253 section 6.6, PROTOCOL.u2f for sk- keys):
 *
 *     string    signature algorithm name (the one signed for; for a certificate
 *               algorithm the plain one, "rsa-sha2-512" for
 *               "rsa-sha2-512-cert-v01@openssh.com")
 *     ...       the algorithm's fields
 */
#ifndef FBD_SIGNED_DATA_H
#define FBD_SIGNED_DATA_H

#include <stddef.h>

/* What a signed request is checked against, and what it carries. */
struct signed_req {
    const unsigned char *session_id;    /* the first exchange hash signed */
    size_t session_id_len;              /* 0: none signed yet */
    const char *user;                   /* the request's user name */
    size_t user_len;
    const unsigned char *key;           /* the request's public key blob */
    size_t key_len;
    const unsigned char *data;          /* what the client signed */
    size_t data_len;
    const unsigned char *sig;           /* the signature blob */
    size_t sig_len;
    const unsigned char *hostkey;       /* blob of the host key that signed the
                                           session identifier; NULL: none */
    size_t hostkey_len;
    const char *accepted;               /* accepted algorithms, a pattern list
                                           (PubkeyAcceptedAlgorithms in force) */
};

enum signed_fault {
    SIGNED_OK = 0,
    SIGNED_SESSION,     /* not this connection's session identifier */
    SIGNED_FORMAT,      /* not a publickey userauth request with a signature */
    SIGNED_USER,        /* for another user */
    SIGNED_KEY,         /* for another key */
    SIGNED_HOSTKEY,     /* hostbound, for another host key */
    SIGNED_TRAILING,    /* bytes after the last field */
    SIGNED_ALGORITHM,   /* algorithm not accepted, not the key's, or not the
                           signature's */
    SIGNED_NO_PRESENCE, /* security key: user presence (touch) required, and
                           the flags lack it */
    SIGNED_NOT_VERIFIED,/* security key: user verification required, and the
                           flags lack it */
};

/* Check r; on SIGNED_OK alg (alglen bytes) holds the algorithm name. */
enum signed_fault signed_data_check(const struct signed_req *r, char *alg, size_t alglen);

/* Security-key signature blobs (OpenSSH PROTOCOL.u2f):
 *
 *     string    "sk-ssh-ed25519@openssh.com" or
 *               "sk-ecdsa-sha2-nistp256@openssh.com"
 *     string    the signature (Ed25519: 64 bytes; ECDSA: mpint r, mpint s)
 *     byte      flags: SK_USER_PRESENT, SK_USER_VERIFIED, ...
 *     uint32    counter
 *
 * The authenticator signed SHA256(application) || flags || counter ||
 * SHA256(signed data), so once the signature is verified the flags are
 * the authenticator's word. */
#define SK_USER_PRESENT 0x01
#define SK_USER_VERIFIED 0x04

/* Is ALG a security-key signature algorithm? */
int signed_is_sk(const char *alg);

/* Do the flags of security-key signature SIG (LEN bytes) attest what is
 * required?  SIGNED_OK, SIGNED_NO_PRESENCE, SIGNED_NOT_VERIFIED, or
 * SIGNED_FORMAT for a blob not shaped as above. */
enum signed_fault signed_sk_check(const unsigned char *sig, size_t len, int need_presence,
                                  int need_verified);

/* The key type a userauth algorithm is used with ("rsa-sha2-512" ->
 * "ssh-rsa"), or NULL for one fallbackd does not know. */
const char *signed_alg_key_type(const char *alg);

#endif
