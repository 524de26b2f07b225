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
 *     string    signature algorithm name (must be the one signed for)
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
};

/* Check r; on SIGNED_OK alg (alglen bytes) holds the algorithm name. */
enum signed_fault signed_data_check(const struct signed_req *r, char *alg, size_t alglen);

/* The key type a signature algorithm is made with ("rsa-sha2-512" ->
 * "ssh-rsa"), or NULL for one fallbackd does not know. */
const char *signed_alg_key_type(const char *alg);

#endif
