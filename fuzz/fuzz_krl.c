/* fuzz_krl.c - libFuzzer target for krl_parse() and its look-ups
 * (keys/krl.h).
 *
 * Input: a revocation file (a binary KRL when it starts with the KRL
 * magic, else a list of public keys).  Invariants:
 *   - a refused file gives a reason and no list;
 *   - an accepted list answers krl_key_revoked for an empty and a short
 *     blob, and for the input itself, with 0 or 1.
 */
#include <sodium.h>
#include <gcrypt.h>

#include "fuzz.h"
#include "krl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FUZZ_CHECK(sodium_init() >= 0, "sodium_init failed");
    FUZZ_CHECK(gcry_check_version(NULL) != NULL, "gcry_check_version failed");
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct krl *k = (struct krl *)1;
    char why[256] = "";
    static const unsigned char probe[] = { 0, 0, 0, 1, 'x' };

    if (size > KRL_FILE_MAX) {
        return FUZZ_REJECT;
    }
    if (krl_parse(data, size, &k, why, sizeof(why)) != 0) {
        FUZZ_CHECK(k == NULL, "refused list returned");
        FUZZ_CHECK(why[0] != '\0', "refused without a reason");
        return 0;
    }
    FUZZ_CHECK(k != NULL, "accepted without a list");
    FUZZ_CHECK(krl_key_revoked(k, probe, 0) <= 1, "look-up result");
    FUZZ_CHECK(krl_key_revoked(k, probe, sizeof(probe)) <= 1, "look-up result");
    FUZZ_CHECK(krl_key_revoked(k, data, size) <= 1, "look-up result");
    krl_free(k);
    return 0;
}
