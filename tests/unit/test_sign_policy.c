/* Unit tests for sign_policy.c: what the monitor signs with a host key. */
#include <criterion/criterion.h>

#include <string.h>

#include "sign_policy.h"

/* A blob that starts with the type name TYPE (the rest does not matter). */
static size_t blob_of(const char *type, unsigned char *out)
{
    size_t n = strlen(type);

    out[0] = 0;
    out[1] = 0;
    out[2] = (unsigned char)(n >> 8);
    out[3] = (unsigned char)n;
    memcpy(out + 4, type, n);
    memset(out + 4 + n, 7, 8);
    return 4 + n + 8;
}

static int digest_ok(const char *type, int digest)
{
    unsigned char blob[128];
    size_t n = blob_of(type, blob);

    return sign_digest_ok(blob, n, digest);
}

Test(sign_policy, each_key_type_signs_with_its_own_digest_only)
{
    cr_expect(digest_ok("ssh-ed25519", SIGN_DIGEST_AUTO));
    cr_expect(!digest_ok("ssh-ed25519", SIGN_DIGEST_SHA256));
    cr_expect(!digest_ok("ssh-ed25519", SIGN_DIGEST_SHA1));
    cr_expect(digest_ok("ecdsa-sha2-nistp256", SIGN_DIGEST_SHA256));
    cr_expect(!digest_ok("ecdsa-sha2-nistp256", SIGN_DIGEST_SHA512));
    cr_expect(!digest_ok("ecdsa-sha2-nistp256", SIGN_DIGEST_AUTO));
    cr_expect(digest_ok("ecdsa-sha2-nistp384", SIGN_DIGEST_SHA384));
    cr_expect(!digest_ok("ecdsa-sha2-nistp384", SIGN_DIGEST_SHA256));
    cr_expect(digest_ok("ecdsa-sha2-nistp521", SIGN_DIGEST_SHA512));
    cr_expect(digest_ok("ssh-rsa", SIGN_DIGEST_SHA256));
    cr_expect(digest_ok("ssh-rsa", SIGN_DIGEST_SHA512));
    cr_expect(!digest_ok("ssh-rsa", SIGN_DIGEST_SHA1));
    cr_expect(!digest_ok("ssh-rsa", SIGN_DIGEST_AUTO));
    cr_expect(!digest_ok("ssh-dss", SIGN_DIGEST_SHA1));
    cr_expect(!digest_ok("ssh-ed2551", SIGN_DIGEST_AUTO));
    cr_expect(!sign_digest_ok((const unsigned char *)"\0\0", 2, SIGN_DIGEST_AUTO));
}

Test(sign_policy, only_exchange_hash_sizes_of_offered_kex)
{
    const char *c25519 = "curve25519-sha256,curve25519-sha256@libssh.org";

    cr_expect(sign_size_ok(c25519, 32));
    cr_expect(!sign_size_ok(c25519, 20));
    cr_expect(!sign_size_ok(c25519, 31));
    cr_expect(!sign_size_ok(c25519, 33));
    cr_expect(!sign_size_ok(c25519, 64));
    cr_expect(!sign_size_ok(c25519, 0));
    cr_expect(sign_size_ok("mlkem768x25519-sha256", 32));
    cr_expect(sign_size_ok("curve25519-sha256,sntrup761x25519-sha512@openssh.com", 64));
    cr_expect(sign_size_ok("ecdh-sha2-nistp384", 48));
    cr_expect(!sign_size_ok("ecdh-sha2-nistp384", 32));
}

Test(sign_policy, once_before_auth_then_once_per_rekey)
{
    struct sign_budget b = { 0 };
    long long t = 5000;
    int given = 0;

    cr_expect(sign_budget_take(&b, 0, 1000));
    cr_expect(!sign_budget_take(&b, 0, 5000), "a second signature before auth");
    /* after auth: a burst (rekeys in quick succession) ... */
    while (given < 1000 && sign_budget_take(&b, 1, t)) {
        given++;
    }
    cr_expect_eq(given, SIGN_BURST, "got %d at once", given);
    /* ... then one per interval */
    cr_expect(!sign_budget_take(&b, 1, t + SIGN_REKEY_MIN_MS - 1));
    cr_expect(sign_budget_take(&b, 1, t + SIGN_REKEY_MIN_MS));
    cr_expect(!sign_budget_take(&b, 1, t + SIGN_REKEY_MIN_MS));
    /* a quiet hour refills the burst, no more */
    t += 3600 * 1000;
    given = 0;
    while (given < 1000 && sign_budget_take(&b, 1, t)) {
        given++;
    }
    cr_expect_eq(given, SIGN_BURST);
    b.signs = SIGN_MAX;
    cr_expect(!sign_budget_take(&b, 1, t + 3600 * 1000));
}
