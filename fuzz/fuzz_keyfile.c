/* fuzz_keyfile.c - libFuzzer target for keyfile_parse() (keys/keyfile.h),
 * the reader of OpenSSH private key files ("openssh-key-v1").
 *
 * Input: the text of a key file (any bytes, not NUL-terminated) when it
 * starts with "-----BEGIN"; anything else is the binary inside the armor,
 * and is armored here first (base64 between the BEGIN and END lines), so
 * that mutations reach the binary layout directly.
 * Invariants:
 *   - 0 gives a public blob (a comment only with it); -1 leaves *out empty;
 *   - parsing is deterministic: the same text in another buffer gives the
 *     same result;
 *   - a file made by keyfile_encode() from the public blob, comment and
 *     the fields of a well-formed unencrypted file reads back as the same
 *     blob and comment (checked for ed25519, whose private fields are
 *     derived here from a fixed seed).
 */
#include <sodium.h>

#include "fuzz.h"
#include "keyfile.h"
#include "sshbuf.h"

#define BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define END "\n-----END OPENSSH PRIVATE KEY-----\n"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FUZZ_CHECK(sodium_init() >= 0, "sodium_init failed");
    return 0;
}

/* Is K all zero, as a refused file must leave it? */
static int info_empty(const struct keyfile_info *k)
{
    static const struct keyfile_info zero;

    return memcmp(k, &zero, sizeof(zero)) == 0;
}

/* Are A and B the same result? */
static int same_info(const struct keyfile_info *a, const struct keyfile_info *b)
{
    int same_comment = (a->comment == NULL && b->comment == NULL) ||
                       (a->comment != NULL && b->comment != NULL &&
                        strcmp(a->comment, b->comment) == 0);

    return same_comment && a->bloblen == b->bloblen &&
           (a->bloblen == 0 || memcmp(a->blob, b->blob, a->bloblen) == 0);
}

/* An ed25519 key file with COMMENT, written by keyfile_encode(), must read
 * back as its public blob and COMMENT. */
static void check_encode_round_trip(const char *comment)
{
    unsigned char seed[crypto_sign_SEEDBYTES] = { 1 };
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    struct sshbuf pub = SSHBUF_INIT, priv = SSHBUF_INIT, out = SSHBUF_INIT;
    struct keyfile_info k;

    crypto_sign_seed_keypair(pk, sk, seed);
    sshbuf_put_cstring(&pub, "ssh-ed25519");
    sshbuf_put_string(&pub, pk, sizeof(pk));
    sshbuf_put_string(&priv, pk, sizeof(pk));
    sshbuf_put_string(&priv, sk, sizeof(sk));
    FUZZ_CHECK(sshbuf_ok(&pub) && sshbuf_ok(&priv), "out of memory");
    FUZZ_CHECK(keyfile_encode("ssh-ed25519", pub.data, pub.len, priv.data, priv.len, comment,
                              &out) == 0, "keyfile_encode failed");
    FUZZ_CHECK(keyfile_parse((const char *)out.data, out.len, &k) == 0,
               "an encoded file does not parse");
    FUZZ_CHECK(k.bloblen == pub.len && memcmp(k.blob, pub.data, pub.len) == 0,
               "an encoded file gives another blob");
    FUZZ_CHECK(k.comment != NULL && strcmp(k.comment, comment) == 0,
               "comment \"%s\" reads back as \"%s\"", comment, k.comment ? k.comment : "NULL");
    keyfile_info_free(&k);
    sshbuf_free(&out);
    sshbuf_free(&priv);
    sshbuf_free(&pub);
}

/* BIN (SIZE bytes) armored as a key file: a malloc'd text of *LEN bytes. */
static char *armor(const uint8_t *bin, size_t size, size_t *len)
{
    size_t b64len = sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc(strlen(BEGIN) + b64len + strlen(END));

    FUZZ_CHECK(text != NULL, "out of memory");
    strcpy(text, BEGIN);
    sodium_bin2base64(text + strlen(BEGIN), b64len, bin, size, sodium_base64_VARIANT_ORIGINAL);
    strcat(text, END);
    *len = strlen(text);
    return text;
}

/* Parse the LEN bytes of TEXT and check the result. */
static void check_text(const char *text, size_t len)
{
    struct keyfile_info k, again;
    char *copy = malloc(len + 1);
    int rc = keyfile_parse(text, len, &k);

    FUZZ_CHECK(copy != NULL, "out of memory");
    FUZZ_CHECK(rc == 0 || rc == -1, "keyfile_parse returned %d", rc);
    FUZZ_CHECK(rc == 0 ? k.blob != NULL : info_empty(&k), "result %d with blob %p", rc,
               (void *)k.blob);
    memcpy(copy, text, len);
    FUZZ_CHECK(keyfile_parse(copy, len, &again) == rc && same_info(&k, &again),
               "the same text parses differently");
    if (k.comment != NULL) {
        check_encode_round_trip(k.comment);
    }
    keyfile_info_free(&again);
    keyfile_info_free(&k);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    size_t len;

    if (size >= 10 && memcmp(data, "-----BEGIN", 10) == 0) {
        check_text((const char *)data, size);
        return 0;
    }
    text = armor(data, size, &len);
    check_text(text, len);
    free(text);
    return 0;
}
