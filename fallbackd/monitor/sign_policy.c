/* sign_policy.c - what the monitor agrees to sign (table in sign_policy.h). */
#include "sign_policy.h"

#include <string.h>

#include "sshbuf.h"

static const struct {
    const char *type;
    int digest;
    int alt;            /* a second digest the type may use, or -1 */
} digests[] = {
    { "ssh-ed25519", SIGN_DIGEST_AUTO, -1 },
    { "ecdsa-sha2-nistp256", SIGN_DIGEST_SHA256, -1 },
    { "ecdsa-sha2-nistp384", SIGN_DIGEST_SHA384, -1 },
    { "ecdsa-sha2-nistp521", SIGN_DIGEST_SHA512, -1 },
    { "ssh-rsa", SIGN_DIGEST_SHA256, SIGN_DIGEST_SHA512 },
};

int sign_digest_ok(const unsigned char *blob, size_t bloblen, int digest)
{
    struct sshrd r;
    const unsigned char *type;
    size_t n;

    sshrd_init(&r, blob, bloblen);
    type = sshrd_string(&r, &n);
    if (type == NULL) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
        if (strlen(digests[i].type) == n && memcmp(digests[i].type, type, n) == 0) {
            return digest == digests[i].digest || digest == digests[i].alt;
        }
    }
    return 0;
}

/* The exchange hash size of one KEX method name of LEN bytes, 0 if unknown. */
static size_t kex_hash_size(const char *name, size_t len)
{
    static const struct {
        const char *hash;
        size_t size;
    } hashes[] = {
        { "sha256", 32 }, { "sha384", 48 }, { "sha512", 64 },
        /* ecdh-sha2-nistpN: the curve names the hash (RFC 5656 6.2.1) */
        { "nistp256", 32 }, { "nistp384", 48 }, { "nistp521", 64 },
    };

    for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
        size_t hl = strlen(hashes[i].hash);

        for (size_t at = 0; at + hl <= len; at++) {
            if (memcmp(name + at, hashes[i].hash, hl) == 0) {
                return hashes[i].size;
            }
        }
    }
    return 0;
}

int sign_size_ok(const char *kex_list, size_t len)
{
    const char *s = kex_list;

    while (*s != '\0') {
        size_t n = strcspn(s, ",");

        if (len > 0 && kex_hash_size(s, n) == len) {
            return 1;
        }
        s += n + (s[n] == ',' ? 1 : 0);
    }
    return 0;
}

int sign_budget_take(struct sign_budget *b, int authenticated, long long now_ms)
{
    long long due = b->due_ms > now_ms ? b->due_ms : now_ms;

    if (b->signs >= SIGN_MAX || (b->signs > 0 && !authenticated)) {
        return 0;
    }
    /* the burst is used up when the clock runs SIGN_BURST intervals ahead */
    if (b->signs > 0 && due - now_ms > (long long)(SIGN_BURST - 1) * SIGN_REKEY_MIN_MS) {
        return 0;
    }
    b->signs++;
    b->due_ms = due + SIGN_REKEY_MIN_MS;
    return 1;
}
