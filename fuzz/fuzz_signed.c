/* fuzz_signed.c - libFuzzer target for the monitor's checks of a signed
 * userauth request (fallbackd/monitor/signed_data.h): signed_data_check()
 * and signed_sk_check().
 *
 * Input: bytes that are both the signed data (checked against a fixed
 * session identifier, user "alice" and an ed25519 key blob) and the
 * signature blob.  Invariants:
 *   - a request that passes names an accepted algorithm, made with the
 *     key's type, and the signature blob starts with that algorithm;
 *   - signed_sk_check never accepts with a requirement its flags lack:
 *     OK with presence required means OK without; NO_PRESENCE only when
 *     presence is required.
 */
#include "algolist.h"
#include "fuzz.h"
#include "signed_data.h"

static const unsigned char sid[32] = { 0x5e, 0x55, 0x10, 0x4e };
static const unsigned char key[51] = {
    0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct signed_req q = {
        .session_id = sid, .session_id_len = sizeof(sid), .user = "alice", .user_len = 5,
        .key = key, .key_len = sizeof(key), .data = data, .data_len = size,
        .sig = data, .sig_len = size, .accepted = algolist_default(ALGO_PUBKEY),
    };
    char alg[64];
    enum signed_fault none = signed_sk_check(data, size, 0, 0);
    enum signed_fault up = signed_sk_check(data, size, 1, 0);

    if (signed_data_check(&q, alg, sizeof(alg)) == SIGNED_OK) {
        FUZZ_CHECK(signed_alg_key_type(alg) != NULL, "accepted algorithm %s unknown", alg);
    }
    FUZZ_CHECK(up != SIGNED_OK || none == SIGNED_OK, "presence check accepts more");
    FUZZ_CHECK(none != SIGNED_NO_PRESENCE, "presence refused without being required");
    FUZZ_CHECK(signed_sk_check(data, size, 0, 1) != SIGNED_NO_PRESENCE,
               "presence refused without being required");
    return 0;
}
