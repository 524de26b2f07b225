/* fuzz_cert.c - libFuzzer target for cert_parse() and cert_check_use()
 * (keys/cert.h).
 *
 * Input: a certificate blob (binary).  Invariants:
 *   - a refused blob leaves *out all zero and gives a reason;
 *   - an accepted blob has a type name and label, a certified key and a CA
 *     key that pubkey_check accepts again, at most CERT_MAX_PRINCIPALS
 *     principals, a signed part that is a prefix of the input and shorter
 *     than it, and a signature algorithm name;
 *   - cert_blob_is_cert agrees with an accepted blob;
 *   - cert_check_use either accepts or gives a printable reason;
 *     cert_describe starts with the label.
 */
#include <sodium.h>
#include <gcrypt.h>

#include "cert.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FUZZ_CHECK(sodium_init() >= 0, "sodium_init failed");
    FUZZ_CHECK(gcry_check_version(NULL) != NULL, "gcry_check_version failed");
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    return 0;
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return 0;
        }
    }
    return 1;
}

static void check_accepted(const struct cert *c, const uint8_t *data, size_t size)
{
    struct pubkey again;
    char why[256] = "", desc[600];

    FUZZ_CHECK(c->name != NULL && c->label != NULL, "no name");
    FUZZ_CHECK(cert_blob_is_cert(data, size), "accepted but not a certificate type");
    FUZZ_CHECK(pubkey_check(c->key.blob, c->key.bloblen, &again) == PUBKEY_OK, "bad key");
    pubkey_free(&again);
    FUZZ_CHECK(pubkey_check(c->ca.blob, c->ca.bloblen, &again) == PUBKEY_OK, "bad CA key");
    pubkey_free(&again);
    FUZZ_CHECK(c->nprincipals <= CERT_MAX_PRINCIPALS, "%zu principals", c->nprincipals);
    FUZZ_CHECK(c->tbslen < size && memcmp(c->tbs, data, c->tbslen) == 0, "signed part");
    FUZZ_CHECK(c->sig_alg[0] != '\0' && c->siglen > 0, "no signature");
    if (cert_check_use(c, 1700000000, why, sizeof(why)) != 0) {
        FUZZ_CHECK(why[0] != '\0', "refused without a reason");
        for (const char *s = why; *s; s++) {
            FUZZ_CHECK(*s >= ' ' && *s < 0x7f, "unprintable reason");
        }
    }
    cert_describe(c, desc, sizeof(desc));
    FUZZ_CHECK(strncmp(desc, c->label, strlen(c->label)) == 0, "description %s", desc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cert c;
    char why[256] = "";

    if (cert_parse(data, size, &c, why, sizeof(why)) == 0) {
        check_accepted(&c, data, size);
        cert_free(&c);
    } else {
        FUZZ_CHECK(all_zero(&c, sizeof(c)), "refused blob left data");
        FUZZ_CHECK(why[0] != '\0', "refused without a reason");
    }
    return 0;
}
