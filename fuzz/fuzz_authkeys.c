/* fuzz_authkeys.c - libFuzzer target for authkeys_parse_line()
 * (keys/authkeys.h): one authorized_keys line, options and all.
 *
 * Input: one line without its newline (inputs holding a NUL or a newline
 * are outside the contract and rejected).  The line is parsed with and
 * without PermitUserEnvironment.  Invariants:
 *   - AK_KEY: the type is supported, the blob is non-NULL and is a valid
 *     canonical key of that type (pubkey_check gives the same bytes back),
 *     "TYPE BASE64(blob)" parses to the same blob, options are consistent
 *     (from= a valid address list, environment= entries NAME=VALUE and only
 *     with PermitUserEnvironment), the comment is trimmed;
 *   - AK_BAD: one line of reason, non-empty, printable ASCII only (AK_KEY
 *     and AK_EMPTY add none); AK_EMPTY and AK_BAD leave *out empty;
 *   - allowing environment= never turns a bad line into a good one, nor
 *     changes anything but the environment.
 */
#include <sodium.h>
#include <gcrypt.h>

#include "addrmatch.h"
#include "authkeys.h"
#include "fuzz.h"
#include "pubkey.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FUZZ_CHECK(sodium_init() >= 0, "sodium_init failed");
    FUZZ_CHECK(gcry_check_version(NULL) != NULL, "gcry_check_version failed");
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    return 0;
}

/* Is K all zero, as a line that gave no key must leave it? */
static int key_empty(const struct ak_key *k)
{
    static const struct ak_key zero;

    return memcmp(k, &zero, sizeof(zero)) == 0;
}

/* A reason must be one line of non-empty printable ASCII. */
static void check_reason(const struct diag *d)
{
    const char *why = diag_last(d);
    size_t i;

    FUZZ_CHECK(d->n == 1 && d->lost == 0, "%zu reasons, %zu lost", d->n, d->lost);
    FUZZ_CHECK(why[0] != '\0', "a bad line without a reason");
    for (i = 0; why[i] != '\0'; i++) {
        FUZZ_CHECK(why[i] >= ' ' && why[i] < 0x7f, "byte 0x%02x in reason \"%s\"",
                   (unsigned char)why[i], why);
    }
}

/* "TYPE BASE64(BLOB)" must give back the same canonical blob. */
static void check_reencoded(const struct ak_key *k)
{
    size_t b64len = sodium_base64_ENCODED_LEN(k->bloblen, sodium_base64_VARIANT_ORIGINAL);
    size_t len = strlen(k->type) + 1 + b64len;
    char *line = malloc(len);
    struct diag why = { 0 };
    struct ak_key again;

    FUZZ_CHECK(line != NULL, "out of memory");
    snprintf(line, len, "%s ", k->type);
    sodium_bin2base64(line + strlen(line), b64len, k->blob, k->bloblen,
                      sodium_base64_VARIANT_ORIGINAL);
    FUZZ_CHECK(authkeys_parse_line(line, 0, &again, &why) == AK_KEY,
               "re-encoded key refused: %s", diag_last(&why));
    FUZZ_CHECK(again.bloblen == k->bloblen && memcmp(again.blob, k->blob, k->bloblen) == 0,
               "re-encoded key gives another blob");
    authkeys_key_free(&again);
    diag_free(&why);
    free(line);
}

/* The blob of K must be a canonical key of K's type. */
static void check_blob(const struct ak_key *k)
{
    struct pubkey pk;

    FUZZ_CHECK(k->type != NULL && authkeys_type_supported(k->type), "type %s",
               k->type != NULL ? k->type : "NULL");
    FUZZ_CHECK(k->blob != NULL && k->bloblen > 0, "AK_KEY without a blob");
    FUZZ_CHECK(pubkey_check(k->blob, k->bloblen, &pk) == PUBKEY_OK, "stored blob invalid");
    FUZZ_CHECK(strcmp(pk.name, k->type) == 0, "blob of type %s on a %s line", pk.name, k->type);
    FUZZ_CHECK(pk.bloblen == k->bloblen && memcmp(pk.blob, k->blob, k->bloblen) == 0,
               "stored blob is not canonical");
    pubkey_free(&pk);
    check_reencoded(k);
}

/* The options and comment of key K, parsed with ALLOW_ENV. */
static void check_opts(const struct ak_key *k, int allow_env)
{
    size_t i;

    FUZZ_CHECK(k->opts.from == NULL || addrmatch_list_valid(k->opts.from, NULL) == 0,
               "from=\"%s\" kept but invalid", k->opts.from);
    FUZZ_CHECK(allow_env || k->opts.nenv == 0, "environment kept without PermitUserEnvironment");
    FUZZ_CHECK(k->opts.nenv <= 64, "%zu environment entries", k->opts.nenv);
    for (i = 0; i < k->opts.nenv; i++) {
        const char *e = k->opts.env[i];
        FUZZ_CHECK(strchr(e, '=') != NULL && e[0] != '=' && (e[0] < '0' || e[0] > '9'),
                   "environment entry \"%s\"", e);
    }
    FUZZ_CHECK(k->opts.expiry >= 0, "negative expiry");
    FUZZ_CHECK(k->comment == NULL || (k->comment[0] != '\0' && k->comment[0] != ' ' &&
                                      k->comment[0] != '\t'),
               "untrimmed comment \"%s\"", k->comment);
}

/* Parse LINE with ALLOW_ENV into *K; check what any result promises. */
static enum ak_result parse_checked(const char *line, int allow_env, struct ak_key *k)
{
    struct diag why = { 0 };
    enum ak_result res = authkeys_parse_line(line, allow_env, k, &why);

    FUZZ_CHECK(res == AK_KEY || res == AK_EMPTY || res == AK_BAD, "result %d", (int)res);
    if (res == AK_KEY) {
        check_blob(k);
        check_opts(k, allow_env);
    } else {
        FUZZ_CHECK(key_empty(k), "result %d left data in *out", (int)res);
    }
    if (res == AK_BAD) {
        check_reason(&why);
    } else {
        FUZZ_CHECK(why.n == 0 && why.lost == 0, "result %d with a reason", (int)res);
    }
    diag_free(&why);
    return res;
}

/* Is string A equal to B, both possibly NULL? */
static int same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Allowing environment= may only add environment entries. */
static void check_env_consistency(enum ak_result without, const struct ak_key *k0,
                                  enum ak_result with, const struct ak_key *k1)
{
    FUZZ_CHECK(with != AK_KEY || without == AK_KEY,
               "valid only with PermitUserEnvironment");
    FUZZ_CHECK(with != AK_EMPTY || without == AK_EMPTY, "empty only with PermitUserEnvironment");
    if (with != AK_KEY || without != AK_KEY) {
        return;
    }
    FUZZ_CHECK(k0->bloblen == k1->bloblen && memcmp(k0->blob, k1->blob, k0->bloblen) == 0 &&
               same_str(k0->type, k1->type) && same_str(k0->comment, k1->comment) &&
               same_str(k0->opts.command, k1->opts.command) &&
               same_str(k0->opts.from, k1->opts.from) && k0->opts.no_pty == k1->opts.no_pty &&
               k0->opts.expiry == k1->opts.expiry,
               "PermitUserEnvironment changed more than the environment");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_cstring(data, size, "\n");
    struct ak_key k0, k1;
    enum ak_result without, with;

    if (line == NULL) {
        return FUZZ_REJECT;
    }
    without = parse_checked(line, 0, &k0);
    with = parse_checked(line, 1, &k1);
    check_env_consistency(without, &k0, with, &k1);
    authkeys_key_free(&k0);
    authkeys_key_free(&k1);
    free(line);
    return 0;
}
