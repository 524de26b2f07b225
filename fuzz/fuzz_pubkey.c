/* fuzz_pubkey.c - libFuzzer target for pubkey_check() / pubkey_from_blob()
 * and pubkey_read() (keys/pubkey.h).
 *
 * Input: a public key blob (binary).  When it holds no NUL it is also
 * given to pubkey_read() as text.  Invariants:
 *   - pubkey_check and pubkey_from_blob agree; a refused blob leaves *out
 *     empty;
 *   - an accepted blob has a name, a label, a canonical blob no longer than
 *     the input, and that canonical blob is accepted again unchanged (same
 *     name and bits): canonicalisation is idempotent;
 *   - "NAME BASE64(input) comment" is read by pubkey_read as the same key,
 *     with *rest at the comment; the fingerprint is "SHA256:" + 43 chars;
 *   - whatever pubkey_read accepts as text is a valid canonical key.
 */
#include <sodium.h>
#include <gcrypt.h>

#include "fuzz.h"
#include "pubkey.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FUZZ_CHECK(sodium_init() >= 0, "sodium_init failed");
    FUZZ_CHECK(gcry_check_version(NULL) != NULL, "gcry_check_version failed");
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    return 0;
}

/* Is K all zero, as a refused blob must leave it? */
static int pubkey_empty(const struct pubkey *k)
{
    static const struct pubkey zero;

    return memcmp(k, &zero, sizeof(zero)) == 0;
}

/* Same key: same canonical bytes, name and size. */
static int same_key(const struct pubkey *a, const struct pubkey *b)
{
    return a->bloblen == b->bloblen && memcmp(a->blob, b->blob, a->bloblen) == 0 &&
           a->name == b->name && a->bits == b->bits;
}

/* "NAME BASE64(DATA) c" must read as key K, *rest at "c". */
static void check_text_form(const struct pubkey *k, const uint8_t *data, size_t size)
{
    size_t b64len = sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL);
    size_t len = strlen(k->name) + 1 + b64len + 2;
    char *text = malloc(len);
    const char *rest = NULL;
    struct pubkey again;

    FUZZ_CHECK(text != NULL, "out of memory");
    snprintf(text, len, "%s ", k->name);
    sodium_bin2base64(text + strlen(text), b64len, data, size, sodium_base64_VARIANT_ORIGINAL);
    strcat(text, " c");
    FUZZ_CHECK(pubkey_read(text, &again, &rest) == 0, "text form refused: %s", text);
    FUZZ_CHECK(same_key(k, &again), "text form reads as another key");
    FUZZ_CHECK(rest != NULL && strcmp(rest, "c") == 0, "rest is \"%s\"", rest ? rest : "NULL");
    pubkey_free(&again);
    free(text);
}

/* An accepted blob of SIZE bytes whose check gave K. */
static void check_accepted(const struct pubkey *k, const uint8_t *data, size_t size)
{
    struct pubkey again;
    char fp[PUBKEY_FP_SIZE];

    FUZZ_CHECK(k->name != NULL && k->label != NULL && k->blob != NULL, "incomplete key");
    FUZZ_CHECK(k->bloblen > 0 && k->bloblen <= size, "canonical blob of %zu bytes from %zu",
               k->bloblen, size);
    FUZZ_CHECK(pubkey_check(k->blob, k->bloblen, &again) == PUBKEY_OK,
               "canonical blob of a %s refused", k->name);
    FUZZ_CHECK(same_key(k, &again), "canonicalising a %s twice changes it", k->name);
    pubkey_free(&again);
    pubkey_fp_sha256(k, fp);
    FUZZ_CHECK(strlen(fp) == PUBKEY_FP_SIZE - 1 && strncmp(fp, "SHA256:", 7) == 0,
               "fingerprint \"%s\"", fp);
    check_text_form(k, data, size);
}

/* The binary form: pubkey_check and pubkey_from_blob. */
static void fuzz_blob(const uint8_t *data, size_t size)
{
    struct pubkey k, k2;
    enum pubkey_fault f = pubkey_check(data, size, &k);
    int rc = pubkey_from_blob(data, size, &k2);

    FUZZ_CHECK(f >= PUBKEY_OK && f <= PUBKEY_NO_MEMORY, "fault %d", (int)f);
    FUZZ_CHECK((f == PUBKEY_OK) == (rc == 0), "pubkey_check %d, pubkey_from_blob %d", (int)f, rc);
    if (f == PUBKEY_OK) {
        FUZZ_CHECK(same_key(&k, &k2), "two checks of one blob differ");
        check_accepted(&k, data, size);
    } else {
        FUZZ_CHECK(pubkey_empty(&k) && pubkey_empty(&k2), "refused blob left data in *out");
    }
    pubkey_free(&k);
    pubkey_free(&k2);
}

/* The text form: whatever pubkey_read accepts is a valid canonical key. */
static void fuzz_text(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size, "");
    const char *rest = NULL;
    struct pubkey k, again;

    if (text == NULL) {
        return;
    }
    if (pubkey_read(text, &k, &rest) == 0) {
        FUZZ_CHECK(rest >= text && rest <= text + size, "rest outside the text");
        FUZZ_CHECK(pubkey_check(k.blob, k.bloblen, &again) == PUBKEY_OK && same_key(&k, &again),
                   "pubkey_read gave a non-canonical %s", k.name);
        pubkey_free(&again);
    } else {
        FUZZ_CHECK(pubkey_empty(&k), "refused text left data in *out");
    }
    pubkey_free(&k);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_blob(data, size);
    fuzz_text(data, size);
    return 0;
}
