/* signed_data.c - the monitor's check of signed userauth data
 * (signed_data.h). */
#include "signed_data.h"

#include <string.h>

#include "addrmatch.h"
#include "sshbuf.h"

#define SSH_MSG_USERAUTH_REQUEST 50
#define HOSTBOUND "publickey-hostbound-v00@openssh.com"

/* The userauth algorithms fallbackd knows, the key type (blob type) each
 * is used with, and the algorithm the signature itself names (the plain
 * one for a certificate: OpenSSH's PROTOCOL.certkeys); a fact of the
 * protocol; which are accepted is signed_req.accepted. */
#define CERT "-cert-v01@openssh.com"
static const struct {
    const char *alg;
    const char *key_type;
    const char *sig_alg;
} algs[] = {
    { "ssh-ed25519", "ssh-ed25519", "ssh-ed25519" },
    { "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519@openssh.com" },
    { "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256" },
    { "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384" },
    { "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521" },
    { "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
      "sk-ecdsa-sha2-nistp256@openssh.com" },
    { "rsa-sha2-512", "ssh-rsa", "rsa-sha2-512" },
    { "rsa-sha2-256", "ssh-rsa", "rsa-sha2-256" },
    { "ssh-ed25519" CERT, "ssh-ed25519" CERT, "ssh-ed25519" },
    { "sk-ssh-ed25519" CERT, "sk-ssh-ed25519" CERT, "sk-ssh-ed25519@openssh.com" },
    { "ecdsa-sha2-nistp256" CERT, "ecdsa-sha2-nistp256" CERT, "ecdsa-sha2-nistp256" },
    { "ecdsa-sha2-nistp384" CERT, "ecdsa-sha2-nistp384" CERT, "ecdsa-sha2-nistp384" },
    { "ecdsa-sha2-nistp521" CERT, "ecdsa-sha2-nistp521" CERT, "ecdsa-sha2-nistp521" },
    { "sk-ecdsa-sha2-nistp256" CERT, "sk-ecdsa-sha2-nistp256" CERT,
      "sk-ecdsa-sha2-nistp256@openssh.com" },
    { "rsa-sha2-512" CERT, "ssh-rsa" CERT, "rsa-sha2-512" },
    { "rsa-sha2-256" CERT, "ssh-rsa" CERT, "rsa-sha2-256" },
};

/* The row of ALG, or -1. */
static int alg_row(const char *alg)
{
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcmp(algs[i].alg, alg) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *signed_alg_key_type(const char *alg)
{
    int i = alg_row(alg);

    return i >= 0 ? algs[i].key_type : NULL;
}

/* Is string field P (N bytes) exactly WANT (WANT_LEN bytes)? */
static int same(const unsigned char *p, size_t n, const void *want, size_t want_len)
{
    return p != NULL && n == want_len && memcmp(p, want, n) == 0;
}

/* The session identifier and the message number. */
static enum signed_fault check_session(const struct signed_req *q, struct sshrd *r)
{
    size_t n;
    const unsigned char *p = sshrd_string(r, &n);

    if (q->session_id_len == 0 || !same(p, n, q->session_id, q->session_id_len)) {
        return SIGNED_SESSION;
    }
    return sshrd_u8(r) == SSH_MSG_USERAUTH_REQUEST ? SIGNED_OK : SIGNED_FORMAT;
}

/* User, service, method (*hostbound set), the TRUE flag, and the
 * algorithm into alg. */
static enum signed_fault check_request(const struct signed_req *q, struct sshrd *r,
                                       char *alg, size_t alglen, int *hostbound)
{
    size_t n;
    const unsigned char *p = sshrd_string(r, &n);

    if (!same(p, n, q->user, q->user_len)) {
        return sshrd_ok(r) ? SIGNED_USER : SIGNED_FORMAT;
    }
    sshrd_expect(r, "ssh-connection");
    p = sshrd_string(r, &n);
    *hostbound = same(p, n, HOSTBOUND, strlen(HOSTBOUND));
    if ((!*hostbound && !same(p, n, "publickey", 9)) || sshrd_u8(r) != 1 || !sshrd_ok(r)) {
        return SIGNED_FORMAT;
    }
    p = sshrd_string(r, &n);
    if (p == NULL || n == 0 || n >= alglen || memchr(p, '\0', n) != NULL) {
        return p == NULL ? SIGNED_FORMAT : SIGNED_ALGORITHM;
    }
    memcpy(alg, p, n);
    alg[n] = '\0';
    return SIGNED_OK;
}

/* Is ALG accepted, made with the request's key type, and the signature's
 * (its plain algorithm for a certificate)? */
static enum signed_fault check_algorithm(const struct signed_req *q, const char *alg)
{
    int i = alg_row(alg);
    struct sshrd k;
    struct sshrd s;
    size_t n;
    const unsigned char *p;

    sshrd_init(&k, q->key, q->key_len);
    p = sshrd_string(&k, &n);
    if (i < 0 || addrmatch_patterns(alg, q->accepted) != 1 ||
        !same(p, n, algs[i].key_type, strlen(algs[i].key_type))) {
        return SIGNED_ALGORITHM;
    }
    sshrd_init(&s, q->sig, q->sig_len);
    p = sshrd_string(&s, &n);
    return same(p, n, algs[i].sig_alg, strlen(algs[i].sig_alg)) ? SIGNED_OK : SIGNED_ALGORITHM;
}

enum signed_fault signed_data_check(const struct signed_req *q, char *alg, size_t alglen)
{
    enum signed_fault f;
    struct sshrd r;
    const unsigned char *p;
    size_t n;
    int hostbound = 0;

    sshrd_init(&r, q->data, q->data_len);
    f = check_session(q, &r);
    if (f == SIGNED_OK) {
        f = check_request(q, &r, alg, alglen, &hostbound);
    }
    if (f != SIGNED_OK) {
        return f;
    }
    p = sshrd_string(&r, &n);
    if (!same(p, n, q->key, q->key_len)) {
        return sshrd_ok(&r) ? SIGNED_KEY : SIGNED_FORMAT;
    }
    p = hostbound ? sshrd_string(&r, &n) : NULL;
    if (hostbound && (q->hostkey == NULL || !same(p, n, q->hostkey, q->hostkey_len))) {
        return sshrd_ok(&r) ? SIGNED_HOSTKEY : SIGNED_FORMAT;
    }
    if (sshrd_left(&r) != 0) {
        return SIGNED_TRAILING;
    }
    return check_algorithm(q, alg);
}

int signed_is_sk(const char *alg)
{
    return strncmp(alg, "sk-", 3) == 0 && alg_row(alg) >= 0;
}

enum signed_fault signed_sk_check(const unsigned char *sig, size_t len, int need_presence,
                                  int need_verified)
{
    struct sshrd r;
    size_t n;
    const unsigned char *alg;
    uint8_t flags;

    sshrd_init(&r, sig, len);
    alg = sshrd_string(&r, &n);
    sshrd_string(&r, &n);
    flags = sshrd_u8(&r);
    sshrd_u32(&r);
    if (alg == NULL || !sshrd_ok(&r) || sshrd_left(&r) != 0) {
        return SIGNED_FORMAT;
    }
    if (need_presence && (flags & SK_USER_PRESENT) == 0) {
        return SIGNED_NO_PRESENCE;
    }
    if (need_verified && (flags & SK_USER_VERIFIED) == 0) {
        return SIGNED_NOT_VERIFIED;
    }
    return SIGNED_OK;
}
