/* sign_policy.h - what the monitor agrees to sign with a host key.
 *
 * The network process asks the monitor to sign each exchange hash with a
 * host key (MON_HOSTKEY_SIGN).  A compromised network process could use
 * that as a signing oracle, so the monitor signs only what a key exchange
 * can produce:
 *
 *   host key (blob type)  | digest (libssh's enum ssh_digest_e)
 *   ----------------------+---------------------------------------------
 *   ssh-ed25519           | AUTO (Ed25519 hashes internally)
 *   ecdsa-sha2-nistp256   | SHA256
 *   ecdsa-sha2-nistp384   | SHA384
 *   ecdsa-sha2-nistp521   | SHA512
 *   ssh-rsa               | SHA256 or SHA512 (rsa-sha2-256/-512, whichever
 *                         |   was negotiated); never SHA-1
 *
 *   data   exactly as long as the exchange hash of a key exchange method
 *          fallbackd offers (KexAlgorithms: "...-sha256" 32 bytes, "-sha384" 48,
 *          "-sha512" 64; ecdh-sha2-nistp256/384/521 32/48/64)
 *   when   once before authentication (that hash is the session
 *          identifier); after it, once per rekey.  The monitor cannot see
 *          the key exchange, so "per rekey" is a rate: a burst of
 *          SIGN_BURST, then one per SIGN_REKEY_MIN_MS (a client with
 *          RekeyLimit=64K rekeys a dozen times a second while uploading),
 *          and SIGN_MAX in all
 */
#ifndef FBD_SIGN_POLICY_H
#define FBD_SIGN_POLICY_H

#include <stddef.h>

#define SIGN_REKEY_MIN_MS 100
#define SIGN_BURST 64
#define SIGN_MAX 10000

/* libssh's enum ssh_digest_e (include/libssh/priv.h), the digest argument
 * of the host key sign callback. */
enum sign_digest {
    SIGN_DIGEST_AUTO = 0,
    SIGN_DIGEST_SHA1,
    SIGN_DIGEST_SHA256,
    SIGN_DIGEST_SHA384,
    SIGN_DIGEST_SHA512,
};

/* Signatures given so far on one connection. */
struct sign_budget {
    unsigned signs;
    long long due_ms;       /* when the rate would allow the next one, if no
                               burst were left (a leaky bucket's clock) */
};

/* Is DIGEST the one the host key of public blob BLOB signs exchange
 * hashes with?  1 yes, 0 no (also for a blob whose type is unknown). */
int sign_digest_ok(const unsigned char *blob, size_t bloblen, int digest);

/* Is LEN the exchange hash size of one of the methods in the KEX list
 * (comma-separated names)? */
int sign_size_ok(const char *kex_list, size_t len);

/* May one more signature be given now?  Takes it from the budget if so.
 * 1 yes, 0 no. */
int sign_budget_take(struct sign_budget *b, int authenticated, long long now_ms);

#endif
