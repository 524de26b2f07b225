/* test_authkeys.c - Criterion tests for keys/authkeys.c (suite "authkeys").
 *
 * Real keys come from ssh-keygen, run in a fresh mkdtemp directory per test;
 * security-key (sk-*) lines, which need hardware to generate, and broken
 * keys are built here by hand from the wire format.  authkeys_find tests
 * need root (the files must be root-owned) and are skipped otherwise.
 * Key blobs are checked by pubkey.c, which needs libsodium and libgcrypt
 * initialised as the daemon's main() does.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gcrypt.h>
#include <libssh/libssh.h>
#include <sodium.h>

#include "authkeys.h"
#include "libssh_internal.h"

static char tmpdir[64];

/* A fresh directory and initialised crypto libraries for each test. */
static void setup(void)
{
    strcpy(tmpdir, "/tmp/fbd-authkeys-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
    cr_assert_geq(sodium_init(), 0);
    cr_assert_eq(ssh_init(), SSH_OK);
}

/* Remove the test's directory. */
static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(authkeys, .init = setup, .fini = teardown);

/* ---- helpers -------------------------------------------------------- */

/* Generate a key with ssh-keygen (BITS 0: its default) named NAME in the
 * test directory, comment NAME@test; returns its .pub line, no newline. */
static char *keygen(const char *type, int bits, const char *name)
{
    char cmd[512], path[256], line[20000];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    snprintf(cmd, sizeof(cmd),
             "ssh-keygen -q -t %s -b %d -N '' -C %s@test -f '%s' </dev/null >/dev/null 2>&1",
             type, bits, name, path);
    if (bits == 0) {
        snprintf(cmd, sizeof(cmd),
                 "ssh-keygen -q -t %s -N '' -C %s@test -f '%s' </dev/null >/dev/null 2>&1",
                 type, name, path);
    }
    cr_assert_eq(system(cmd), 0, "ssh-keygen -t %s failed", type);
    strcat(path, ".pub");
    f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(line, sizeof(line), f));
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    return strdup(line);
}

/* Decode the base64 field (the second) of public key line LINE. */
static unsigned char *line_blob(const char *line, size_t *len)
{
    const char *b64 = strchr(line, ' ') + 1;
    size_t n = strcspn(b64, " ");
    unsigned char *bin = malloc(n);

    cr_assert_eq(sodium_base642bin(bin, n, b64, n, NULL, len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL), 0);
    return bin;
}

/* A blob under construction. */
struct buf {
    unsigned char d[8192];
    size_t n;
};

static void put_raw(struct buf *b, const void *p, size_t n)
{
    cr_assert_leq(b->n + n, sizeof(b->d));
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put_u32(struct buf *b, uint32_t v)
{
    unsigned char x[4] = { v >> 24, v >> 16, v >> 8, v };

    put_raw(b, x, 4);
}

static void put_string(struct buf *b, const void *p, size_t n)
{
    put_u32(b, (uint32_t)n);
    put_raw(b, p, n);
}

static void put_cstr(struct buf *b, const char *s)
{
    put_string(b, s, strlen(s));
}

/* "TYPE base64(B)[ COMMENT]", malloc'd. */
static char *keyline(const char *type, const struct buf *b, const char *comment)
{
    size_t b64len = sodium_base64_ENCODED_LEN(b->n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    char *line;

    sodium_bin2base64(b64, b64len, b->d, b->n, sodium_base64_VARIANT_ORIGINAL);
    cr_assert_gt(asprintf(&line, "%s %s%s%s", type, b64, comment ? " " : "",
                          comment ? comment : ""), 0);
    free(b64);
    return line;
}

/* An ed25519 blob with key bytes all K, under type name TYPE. */
static void ed25519_blob(struct buf *b, const char *type, unsigned char k)
{
    unsigned char key[32];

    memset(key, k, sizeof(key));
    b->n = 0;
    put_cstr(b, type);
    put_string(b, key, sizeof(key));
}

/* The base point G of CURVE ("nistp256", ...) uncompressed, 0x04 || X ||
 * Y, into Q (200 bytes); returns its length.  A valid public key. */
static size_t base_point(const char *curve, unsigned char *q)
{
    char gname[16];
    gcry_ctx_t ctx = NULL;
    gcry_mpi_t g;
    size_t n = 0;

    snprintf(gname, sizeof(gname), "NIST P-%s", curve + 5);
    cr_assert_eq(gcry_mpi_ec_new(&ctx, NULL, gname), 0, "%s", gname);
    g = gcry_mpi_ec_get_mpi("g", ctx, 1);
    cr_assert_eq(gcry_mpi_print(GCRYMPI_FMT_USG, q, 200, &n, g), 0);
    gcry_mpi_release(g);
    gcry_ctx_release(ctx);
    return n;
}

/* An ECDSA blob: TYPE, CURVE, then the first POINTLEN bytes of CURVE's
 * base point (a valid key if POINTLEN is its whole length). */
static void ecdsa_blob(struct buf *b, const char *type, const char *curve,
                       size_t pointlen)
{
    unsigned char q[200];

    cr_assert_leq(pointlen, base_point(curve, q));
    b->n = 0;
    put_cstr(b, type);
    put_cstr(b, curve);
    put_string(b, q, pointlen);
}

/* Append an mpint with magnitude MAG (LEN bytes, no sign byte). */
static void put_mpint(struct buf *b, const unsigned char *mag, size_t len)
{
    int pad = len > 0 && (mag[0] & 0x80);

    put_u32(b, (uint32_t)(len + pad));
    if (pad) {
        put_raw(b, "", 1);
    }
    put_raw(b, mag, len);
}

/* An ssh-rsa blob with e = 65537 and an odd BITS-bit modulus. */
static void rsa_blob(struct buf *b, int bits)
{
    static const unsigned char e[] = { 0x01, 0x00, 0x01 };
    unsigned char n[2100];
    size_t len = (size_t)bits / 8;

    cr_assert_leq(len, sizeof(n));

    memset(n, 0xa5, len);
    n[0] = 0xc5;
    b->n = 0;
    put_cstr(b, "ssh-rsa");
    put_mpint(b, e, sizeof(e));
    put_mpint(b, n, len);
}

/* Parse LINE; the reason lands in the static buffer why ("" unless
 * AK_BAD, which must add exactly one line). */
static char why[512];

static enum ak_result parse(const char *line, int allow_env, struct ak_key *k)
{
    struct diag d = { 0 };
    enum ak_result res = authkeys_parse_line(line, allow_env, k, &d);

    cr_expect_eq(d.n, res == AK_BAD ? 1u : 0u, "result %d with %zu reasons", res, d.n);
    snprintf(why, sizeof(why), "%s", diag_last(&d));
    diag_free(&d);
    return res;
}

/* Expect LINE to be rejected with a reason containing PART. */
static void expect_bad(const char *line, int allow_env, const char *part)
{
    struct ak_key k;

    cr_expect_eq(parse(line, allow_env, &k), AK_BAD, "accepted: %s", line);
    cr_expect_not_null(strstr(why, part), "line: %s\nreason: %s\nwanted: %s",
                       line, why, part);
    cr_expect_null(k.type);
    cr_expect_null(k.blob);
}

/* Parse "OPTS KEYLINE" and expect a key; caller frees *k. */
static void parse_opts(const char *opts, const char *keyline_, int allow_env,
                       struct ak_key *k)
{
    char *line;

    cr_assert_gt(asprintf(&line, "%s %s", opts, keyline_), 0);
    cr_assert_eq(parse(line, allow_env, k), AK_KEY, "%s: %s", line, why);
    free(line);
}

/* Expect "OPTS KEYLINE" to be rejected with a reason containing PART. */
static void expect_bad_opts(const char *opts, const char *keyline_,
                            int allow_env, const char *part)
{
    char *line;

    cr_assert_gt(asprintf(&line, "%s %s", opts, keyline_), 0);
    expect_bad(line, allow_env, part);
    free(line);
}

/* Write CONTENT (LEN bytes) to NAME in the test directory, root-owned,
 * with MODE; returns the path (static buffer). */
static const char *write_file(const char *name, const char *content,
                              size_t len, mode_t mode)
{
    static char path[256];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, content, len), (ssize_t)len);
    close(fd);
    cr_assert_eq(chown(path, 0, 0), 0);
    cr_assert_eq(chmod(path, mode), 0);
    return path;
}

/* authkeys_find's files must be root-owned: only root can make them. */
static void need_root(void)
{
    if (geteuid() != 0) {
        cr_skip_test("authkeys_find tests need root (root-owned files)");
    }
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *c = p;

    while (n-- > 0) {
        if (*c++ != 0) {
            return 0;
        }
    }
    return 1;
}

/* ---- key types -------------------------------------------------------- */

Test(authkeys, type_supported)
{
    static const char *const yes[] = {
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521", "ssh-rsa", "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    };
    static const char *const no[] = {
        "ssh-dss", "ssh-ed25519-cert-v01@openssh.com",
        "ssh-rsa-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "rsa-sha2-256", "rsa-sha2-512", "SSH-ED25519", "ssh-ed25519 ", "",
        "ssh-ed448", "ecdsa-sha2-nistp224", "sk-ecdsa-sha2-nistp384@openssh.com",
    };
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        cr_expect(authkeys_type_supported(yes[i]), "%s", yes[i]);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        cr_expect_not(authkeys_type_supported(no[i]), "%s", no[i]);
    }
    cr_expect_not(authkeys_type_supported(NULL));
}

/* Parse a generated key of TYPE/BITS; expect its blob, BLOBLEN bytes. */
static void check_generated(const char *type, int bits, const char *name,
                            const char *want_type, size_t bloblen)
{
    char *line = keygen(type, bits, name);
    char comment[64];
    size_t len;
    unsigned char *blob = line_blob(line, &len);
    struct ak_key k;

    snprintf(comment, sizeof(comment), "%s@test", name);
    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s: %s", line, why);
    cr_expect_str_eq(why, "");
    cr_expect_str_eq(k.type, want_type);
    cr_expect_str_eq(k.comment, comment);
    cr_expect_eq(k.bloblen, len);
    cr_expect_eq(memcmp(k.blob, blob, len), 0);
    if (bloblen != 0) {
        cr_expect_eq(k.bloblen, bloblen);
    }
    cr_expect_eq(k.opts.no_pty, 0);
    cr_expect_null(k.opts.command);
    cr_expect_null(k.opts.from);
    cr_expect_eq(k.opts.nenv, 0);
    cr_expect_eq(k.opts.expiry, 0);
    authkeys_key_free(&k);
    free(blob);
    free(line);
}

Test(authkeys, generated_ed25519)
{
    check_generated("ed25519", 0, "ed", "ssh-ed25519", 4 + 11 + 4 + 32);
}

Test(authkeys, generated_ecdsa)
{
    check_generated("ecdsa", 256, "p256", "ecdsa-sha2-nistp256", 4 + 19 + 4 + 8 + 4 + 65);
    check_generated("ecdsa", 384, "p384", "ecdsa-sha2-nistp384", 4 + 19 + 4 + 8 + 4 + 97);
    check_generated("ecdsa", 521, "p521", "ecdsa-sha2-nistp521", 4 + 19 + 4 + 8 + 4 + 133);
}

Test(authkeys, generated_rsa)
{
    check_generated("rsa", 2048, "rsa2k", "ssh-rsa", 0);
    check_generated("rsa", 3072, "rsa3k", "ssh-rsa", 0);
}

/* The blob libssh exports (what the server compares) for the key of public
 * key line LINE, "TYPE BASE64[ COMMENT]"; *len gets its length. */
static unsigned char *libssh_blob(const char *line, size_t *len)
{
    size_t tlen = strcspn(line, " ");
    char *type = strndup(line, tlen);
    char *b64 = strndup(line + tlen + 1, strcspn(line + tlen + 1, " "));
    ssh_key key = NULL;
    ssh_string blob = NULL;
    unsigned char *out;

    cr_assert_eq(ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type),
                                              &key), SSH_OK, "libssh: %s", line);
    cr_assert_eq(ssh_pki_export_pubkey_blob(key, &blob), SSH_OK);
    *len = ssh_string_len(blob);
    out = malloc(*len);
    memcpy(out, ssh_string_data(blob), *len);
    ssh_string_free(blob);
    ssh_key_free(key);
    free(b64);
    free(type);
    return out;
}

/* Expect the blob kept for LINE to be the decoded key data (WITH_B64) or
 * not, and in any case exactly what libssh exports for the key. */
static void expect_libssh_blob(const char *line, int with_b64)
{
    size_t len, dlen;
    unsigned char *want = libssh_blob(line, &len);
    unsigned char *decoded = line_blob(line, &dlen);
    struct ak_key k;

    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s: %s", line, why);
    cr_expect_eq(k.bloblen, len, "%s", line);
    cr_expect(k.bloblen == len && memcmp(k.blob, want, len) == 0, "%s", line);
    cr_expect_eq(with_b64, k.bloblen == dlen && memcmp(k.blob, decoded, dlen) == 0,
                 "%s", line);
    authkeys_key_free(&k);
    free(decoded);
    free(want);
}

/* The blob kept is canonical: for keys ssh-keygen writes, their decoded
 * key data; for any key, what libssh's ssh_pki_export_pubkey_blob makes
 * of it (the bytes authkeys_find is given by the server). */
Test(authkeys, canonical_blob_is_libssh_export)
{
    static const struct {
        const char *type;
        int bits;
    } gen[] = {
        { "ed25519", 0 }, { "ecdsa", 256 }, { "ecdsa", 384 }, { "ecdsa", 521 },
        { "rsa", 1024 }, { "rsa", 2047 }, { "rsa", 2048 }, { "rsa", 4096 },
    };
    unsigned char n[259];
    struct buf b;
    char name[32], *line;
    size_t i;

    for (i = 0; i < sizeof(gen) / sizeof(gen[0]); i++) {
        snprintf(name, sizeof(name), "k%zu", i);
        line = keygen(gen[i].type, gen[i].bits, name);
        expect_libssh_blob(line, 1);
        free(line);
    }
    ed25519_blob(&b, "sk-ssh-ed25519@openssh.com", 0x33);
    put_cstr(&b, "ssh:");
    line = keyline("sk-ssh-ed25519@openssh.com", &b, NULL);
    expect_libssh_blob(line, 1);
    free(line);
    ecdsa_blob(&b, "sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", 65);
    put_cstr(&b, "ssh:x");
    line = keyline("sk-ecdsa-sha2-nistp256@openssh.com", &b, NULL);
    expect_libssh_blob(line, 1);
    free(line);
    memset(n, 0xa5, sizeof(n));
    n[0] = n[1] = n[2] = 0x00;
    b.n = 0;
    put_cstr(&b, "ssh-rsa");
    put_string(&b, "\x00\x00\x01\x00\x01", 5);
    put_string(&b, n, sizeof(n));
    line = keyline("ssh-rsa", &b, NULL);
    expect_libssh_blob(line, 0);
    free(line);
}

Test(authkeys, sk_keys)
{
    struct buf b;
    struct ak_key k;
    char *line;

    ed25519_blob(&b, "sk-ssh-ed25519@openssh.com", 0x11);
    put_cstr(&b, "ssh:");
    line = keyline("sk-ssh-ed25519@openssh.com", &b, "yubikey");
    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s", why);
    cr_expect_str_eq(k.type, "sk-ssh-ed25519@openssh.com");
    cr_expect_str_eq(k.comment, "yubikey");
    cr_expect_eq(k.bloblen, b.n);
    cr_expect_eq(memcmp(k.blob, b.d, b.n), 0);
    authkeys_key_free(&k);
    free(line);

    ecdsa_blob(&b, "sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", 65);
    put_cstr(&b, "ssh:fallbackd");
    line = keyline("sk-ecdsa-sha2-nistp256@openssh.com", &b, NULL);
    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s", why);
    cr_expect_str_eq(k.type, "sk-ecdsa-sha2-nistp256@openssh.com");
    cr_expect_null(k.comment);
    cr_expect_eq(k.bloblen, b.n);
    authkeys_key_free(&k);
    free(line);
}

Test(authkeys, sk_keys_malformed)
{
    struct buf b;
    char *line;

    /* no application string */
    ed25519_blob(&b, "sk-ssh-ed25519@openssh.com", 0x11);
    line = keyline("sk-ssh-ed25519@openssh.com", &b, NULL);
    expect_bad(line, 0, "sk-ssh-ed25519@openssh.com key data is malformed");
    free(line);
    /* NUL inside the application */
    ed25519_blob(&b, "sk-ssh-ed25519@openssh.com", 0x11);
    put_string(&b, "ssh\0x", 5);
    line = keyline("sk-ssh-ed25519@openssh.com", &b, NULL);
    expect_bad(line, 0, "is malformed");
    free(line);
    /* wrong curve */
    ecdsa_blob(&b, "sk-ecdsa-sha2-nistp256@openssh.com", "nistp384", 65);
    put_cstr(&b, "ssh:");
    line = keyline("sk-ecdsa-sha2-nistp256@openssh.com", &b, NULL);
    expect_bad(line, 0, "is malformed");
    free(line);
    /* a plain ed25519 blob labelled as a security key */
    ed25519_blob(&b, "ssh-ed25519", 0x11);
    line = keyline("sk-ssh-ed25519@openssh.com", &b, NULL);
    expect_bad(line, 0, "does not hold a key of that type");
    free(line);
    /* a point off the curve */
    ecdsa_blob(&b, "sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", 65);
    b.d[b.n - 1] ^= 1;
    put_cstr(&b, "ssh:");
    line = keyline("sk-ecdsa-sha2-nistp256@openssh.com", &b, NULL);
    expect_bad(line, 0, "sk-ecdsa-sha2-nistp256@openssh.com key data is malformed");
    free(line);
}

/* As OpenSSH reads it, the application is a C string: one NUL at its very
 * end is allowed, and dropped from the key kept (as OpenSSH's client would
 * send the key). */
Test(authkeys, sk_application_final_nul)
{
    struct buf b, want;
    struct ak_key k;
    char *line;

    ed25519_blob(&want, "sk-ssh-ed25519@openssh.com", 0x22);
    put_cstr(&want, "ssh:");
    ed25519_blob(&b, "sk-ssh-ed25519@openssh.com", 0x22);
    put_string(&b, "ssh:", 5);
    line = keyline("sk-ssh-ed25519@openssh.com", &b, NULL);
    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s", why);
    cr_expect_eq(k.bloblen, want.n);
    cr_expect(memcmp(k.blob, want.d, want.n) == 0);
    authkeys_key_free(&k);
    free(line);
    ed25519_blob(&b, "sk-ssh-ed25519@openssh.com", 0x22);
    put_string(&b, "ssh:\0\0", 6);
    line = keyline("sk-ssh-ed25519@openssh.com", &b, NULL);
    expect_bad(line, 0, "sk-ssh-ed25519@openssh.com key data is malformed");
    free(line);
}

/* ---- lines ------------------------------------------------------------ */

Test(authkeys, empty_and_comment_lines)
{
    static const char *const lines[] = {
        "", " ", "\t \t", "#", "# a comment", "   # indented comment",
        "\t#ssh-ed25519 AAAA", "\r", "  \r",
    };
    struct ak_key k;
    size_t i;

    for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        cr_expect_eq(parse(lines[i], 0, &k), AK_EMPTY, "line %zu", i);
        cr_expect(all_zero(&k, sizeof(k)));
    }
}

Test(authkeys, comments_and_blanks)
{
    char *key = keygen("ed25519", 0, "ed");
    char *b64 = strchr(key, ' ') + 1;
    char *line;
    struct ak_key k;

    b64[strcspn(b64, " ")] = '\0';
    cr_assert_gt(asprintf(&line, " \tssh-ed25519\t %s \t two  words here \t\r", b64), 0);
    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s", why);
    cr_expect_str_eq(k.comment, "two  words here");
    authkeys_key_free(&k);
    free(line);
    cr_assert_gt(asprintf(&line, "ssh-ed25519 %s", b64), 0);
    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s", why);
    cr_expect_null(k.comment);
    authkeys_key_free(&k);
    free(line);
    free(key);
}

Test(authkeys, bad_keys)
{
    char *key = keygen("ed25519", 0, "ed");
    char *b64 = strchr(key, ' ') + 1;
    char *line;

    b64[strcspn(b64, " ")] = '\0';
    cr_assert_gt(asprintf(&line, "SSH-ED25519 %s", b64), 0);
    expect_bad(line, 0, "unsupported key type \"SSH-ED25519\"");
    free(line);
    cr_assert_gt(asprintf(&line, "ecdsa-sha2-nistp256 %s", b64), 0);
    expect_bad(line, 0, "ecdsa-sha2-nistp256 key data does not hold a key of that type");
    free(line);
    cr_assert_gt(asprintf(&line, "ssh-ed25519 %s!", b64), 0);
    expect_bad(line, 0, "key data is not valid base64");
    free(line);
    cr_assert_gt(asprintf(&line, "ssh-ed25519 %.60s", b64), 0);
    expect_bad(line, 0, "is malformed");
    free(line);
    expect_bad("ssh-ed25519", 0, "no key data after the key type");
    expect_bad("ssh-ed25519   \t ", 0, "no key data after the key type");
    expect_bad("ssh-ed25519 AAAA", 0, "does not hold a key of that type");
    expect_bad("ssh-ed25519 ====", 0, "not valid base64");
    expect_bad("ssh-ed25519 /////////w==", 0, "does not hold a key of that type");
    free(key);
}

Test(authkeys, unsupported_types)
{
    struct buf b;
    char *line;

    b.n = 0;
    put_cstr(&b, "ssh-dss");
    put_cstr(&b, "p");
    put_cstr(&b, "q");
    line = keyline("ssh-dss", &b, "old");
    expect_bad(line, 0, "unsupported key type \"ssh-dss\"");
    free(line);
    ed25519_blob(&b, "ssh-ed25519-cert-v01@openssh.com", 1);
    line = keyline("ssh-ed25519-cert-v01@openssh.com", &b, NULL);
    expect_bad(line, 0, "unsupported key type \"ssh-ed25519-cert-v01@openssh.com\"");
    free(line);
    rsa_blob(&b, 2048);
    line = keyline("rsa-sha2-256", &b, NULL);
    expect_bad(line, 0, "unsupported key type \"rsa-sha2-256\"");
    free(line);
    /* a key type after options is checked too */
    line = keyline("ssh-dss", &b, NULL);
    expect_bad_opts("no-pty", line, 0, "unsupported key type \"ssh-dss\"");
    free(line);
}

/* Parse TYPE with blob B, expect rejection with PART. */
static void expect_bad_blob(const char *type, const struct buf *b, const char *part)
{
    char *line = keyline(type, b, NULL);

    expect_bad(line, 0, part);
    free(line);
}

/* Parse TYPE with blob B, expect a key with exactly that blob. */
static void expect_good_blob(const char *type, const struct buf *b)
{
    char *line = keyline(type, b, NULL);
    struct ak_key k;

    cr_expect_eq(parse(line, 0, &k), AK_KEY, "%s: %s", line, why);
    cr_expect_eq(k.bloblen, b->n);
    cr_expect(k.blob != NULL && memcmp(k.blob, b->d, b->n) == 0);
    authkeys_key_free(&k);
    free(line);
}

Test(authkeys, malformed_blobs)
{
    struct buf b;

    ed25519_blob(&b, "ssh-ed25519", 7);
    put_raw(&b, "x", 1);
    expect_bad_blob("ssh-ed25519", &b, "ssh-ed25519 key data has trailing bytes");
    ed25519_blob(&b, "ssh-ed25519", 7);
    b.n -= 1;
    expect_bad_blob("ssh-ed25519", &b, "ssh-ed25519 key data is malformed");
    b.n = 0;
    put_cstr(&b, "ssh-ed25519");
    put_string(&b, "0123456789012345678901234567890", 31);
    expect_bad_blob("ssh-ed25519", &b, "is malformed");
    b.n = 0;
    put_cstr(&b, "ssh-ed25519");
    put_u32(&b, 0xffffffffu);
    expect_bad_blob("ssh-ed25519", &b, "is malformed");
    b.n = 0;
    put_u32(&b, 0xfffffff0u);
    put_raw(&b, "ssh-ed25519", 11);
    expect_bad_blob("ssh-ed25519", &b, "does not hold a key of that type");
    ecdsa_blob(&b, "ecdsa-sha2-nistp256", "nistp384", 65);
    expect_bad_blob("ecdsa-sha2-nistp256", &b, "ecdsa-sha2-nistp256 key data is malformed");
    ecdsa_blob(&b, "ecdsa-sha2-nistp384", "nistp384", 65);
    expect_bad_blob("ecdsa-sha2-nistp384", &b, "is malformed");
    ecdsa_blob(&b, "ecdsa-sha2-nistp521", "nistp521", 133);
    b.d[b.n - 133] = 0x02;  /* compressed point */
    expect_bad_blob("ecdsa-sha2-nistp521", &b, "is malformed");
    ecdsa_blob(&b, "ecdsa-sha2-nistp521", "nistp521", 133);
    put_u32(&b, 0);
    expect_bad_blob("ecdsa-sha2-nistp521", &b, "has trailing bytes");
    ecdsa_blob(&b, "ecdsa-sha2-nistp384", "nistp384", 97);
    expect_good_blob("ecdsa-sha2-nistp384", &b);
    b.d[b.n - 1] ^= 1;      /* off the curve */
    expect_bad_blob("ecdsa-sha2-nistp384", &b, "ecdsa-sha2-nistp384 key data is malformed");
}

/* ssh-rsa blob from e and n magnitudes, each with an explicit sign byte
 * choice: raw strings, so that bad encodings can be built. */
static void rsa_raw(struct buf *b, const void *e, size_t elen, const void *n,
                    size_t nlen)
{
    b->n = 0;
    put_cstr(b, "ssh-rsa");
    put_string(b, e, elen);
    put_string(b, n, nlen);
}

Test(authkeys, rsa_blobs)
{
    unsigned char n[257];
    struct buf b;

    rsa_blob(&b, 1024);
    expect_good_blob("ssh-rsa", &b);
    memset(n, 0xa5, sizeof(n));
    n[0] = 0x00;            /* sign byte: 2048-bit modulus */
    rsa_raw(&b, "\x01\x00\x01", 3, n, 257);
    expect_good_blob("ssh-rsa", &b);
    rsa_blob(&b, 1016);
    expect_bad_blob("ssh-rsa", &b, "ssh-rsa key data is malformed");
    rsa_raw(&b, "\x81", 1, n, 257);          /* negative e */
    expect_bad_blob("ssh-rsa", &b, "is malformed");
    rsa_raw(&b, "\x03", 1, n + 1, 256);      /* n negative (no sign byte) */
    expect_bad_blob("ssh-rsa", &b, "is malformed");
    /* As with OpenSSH, e and n are not checked beyond that: an even or
     * zero exponent, or an even modulus, is a key that will never verify
     * a signature, not a malformed one. */
    rsa_raw(&b, "\x01\x00\x02", 3, n, 257);  /* even e */
    expect_good_blob("ssh-rsa", &b);
    rsa_raw(&b, "", 0, n, 257);              /* e = 0 */
    expect_good_blob("ssh-rsa", &b);
    n[256] = 0xa4;                           /* even n */
    rsa_raw(&b, "\x03", 1, n, 257);
    expect_good_blob("ssh-rsa", &b);
}

/* Needless leading zero bytes in an mpint are accepted, as by OpenSSH, and
 * dropped from the blob kept, so that it still matches the key libssh
 * exports when the client offers it. */
Test(authkeys, rsa_needless_zeros_dropped)
{
    unsigned char n[259];
    struct buf b, want;
    struct ak_key k;
    char *line;

    memset(n, 0xa5, sizeof(n));
    n[0] = n[1] = n[2] = 0x00;
    rsa_raw(&want, "\x01\x00\x01", 3, n + 2, 257);
    rsa_raw(&b, "\x00\x01\x00\x01", 4, n, 259);
    line = keyline("ssh-rsa", &b, NULL);
    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s", why);
    cr_expect_eq(k.bloblen, want.n);
    cr_expect(memcmp(k.blob, want.d, want.n) == 0);
    authkeys_key_free(&k);
    free(line);
}

Test(authkeys, long_lines)
{
    struct buf b;
    struct ak_key k;
    char *key, *line;
    size_t len;

    rsa_blob(&b, 16384);
    key = keyline("ssh-rsa", &b, NULL);
    cr_assert_eq(parse(key, 0, &k), AK_KEY, "%s", why);
    authkeys_key_free(&k);
    rsa_blob(&b, 16392);
    line = keyline("ssh-rsa", &b, NULL);
    expect_bad(line, 0, "ssh-rsa key data is malformed");
    free(line);
    /* exactly 16 KiB is fine, one more byte is not */
    len = strlen(key);
    line = malloc(16 * 1024 + 2);
    memcpy(line, key, len);
    memset(line + len, 'c', 16 * 1024 + 1 - len);
    line[len] = ' ';
    line[16 * 1024] = '\0';
    cr_expect_eq(parse(line, 0, &k), AK_KEY, "%s", why);
    cr_expect_eq(strlen(k.comment), 16 * 1024 - len - 1);
    authkeys_key_free(&k);
    line[16 * 1024] = 'c';
    line[16 * 1024 + 1] = '\0';
    expect_bad(line, 0, "line longer than 16384 bytes");
    free(line);
    free(key);
}

/* ---- options ---------------------------------------------------------- */

/* A fresh ssh-keygen ed25519 public key line. */
static char *edkey(void)
{
    return keygen("ed25519", 0, "ed");
}

Test(authkeys, option_command)
{
    char *key = edkey();
    struct ak_key k;

    parse_opts("command=\"echo \\\"hi there\\\" a\\b\"", key, 0, &k);
    cr_expect_str_eq(k.opts.command, "echo \"hi there\" a\\b");
    cr_expect_str_eq(k.comment, "ed@test");
    authkeys_key_free(&k);
    parse_opts("command=\"\"", key, 0, &k);
    cr_expect_str_eq(k.opts.command, "");
    authkeys_key_free(&k);
    /* the second blank-separated field looks like key data */
    parse_opts("command=\"echo AAAA\"", key, 0, &k);
    cr_expect_str_eq(k.opts.command, "echo AAAA");
    authkeys_key_free(&k);
    parse_opts("command=\"a,b c\t d\",no-pty", key, 0, &k);
    cr_expect_str_eq(k.opts.command, "a,b c\t d");
    cr_expect_eq(k.opts.no_pty, 1);
    authkeys_key_free(&k);
    free(key);
}

Test(authkeys, option_from)
{
    char *key = edkey();
    struct ak_key k;

    parse_opts("from=\"192.0.2.0/24,!192.0.2.7,10.*,2001:db8::/32\"", key, 0, &k);
    cr_expect_str_eq(k.opts.from, "192.0.2.0/24,!192.0.2.7,10.*,2001:db8::/32");
    cr_expect_null(k.opts.command);
    authkeys_key_free(&k);
    expect_bad_opts("from=\"192.0.2.0/99\"", key, 0, "invalid from= list: ");
    expect_bad_opts("from=\"10.0.0.1\",from=\"10.0.0.2\"", key, 0,
                    "more than one from= option");
    free(key);
}

Test(authkeys, option_pty)
{
    static const struct {
        const char *opts;
        int no_pty;
    } cases[] = {
        { "no-pty", 1 }, { "pty", 0 }, { "restrict", 1 }, { "restrict,pty", 0 },
        { "pty,restrict", 1 }, { "no-pty,pty", 0 }, { "pty,no-pty", 1 },
        { "restrict,pty,no-pty", 1 }, { "no-port-forwarding", 0 },
    };
    char *key = edkey();
    struct ak_key k;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parse_opts(cases[i].opts, key, 0, &k);
        cr_expect_eq(k.opts.no_pty, cases[i].no_pty, "%s", cases[i].opts);
        authkeys_key_free(&k);
    }
    free(key);
}

Test(authkeys, option_noop_restrictions)
{
    char *key = edkey();
    struct ak_key k;

    parse_opts("no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc",
               key, 0, &k);
    cr_expect_eq(k.opts.no_pty, 0);
    cr_expect_null(k.opts.command);
    cr_expect_null(k.opts.from);
    cr_expect_eq(k.opts.nenv, 0);
    cr_expect_eq(k.opts.expiry, 0);
    cr_expect_eq(k.opts.no_port_forwarding, 1);
    authkeys_key_free(&k);
    free(key);
}

/* sshd's order rules: restrict and no-port-forwarding turn forwarding
 * off, a later port-forwarding turns it back on; command= alone does not
 * touch it. */
Test(authkeys, option_port_forwarding)
{
    static const struct {
        const char *opts;
        int off;
    } cases[] = {
        { "restrict", 1 }, { "restrict,port-forwarding", 0 }, { "port-forwarding,restrict", 1 },
        { "no-port-forwarding", 1 }, { "no-port-forwarding,port-forwarding", 0 },
        { "command=\"x\"", 0 }, { "restrict,pty", 1 }, { "no-pty", 0 },
    };
    char *key = edkey();
    struct ak_key k;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parse_opts(cases[i].opts, key, 0, &k);
        cr_expect_eq(k.opts.no_port_forwarding, cases[i].off, "%s", cases[i].opts);
        authkeys_key_free(&k);
    }
    free(key);
}

Test(authkeys, option_permitopen)
{
    char *key = edkey();
    struct ak_key k;

    parse_opts("permitopen=\"127.0.0.1:80\",PermitOpen=\"[::1]:*\"", key, 0, &k);
    cr_assert_eq(k.opts.npermitopen, 2);
    cr_expect_str_eq(k.opts.permitopen[0], "127.0.0.1:80");
    cr_expect_str_eq(k.opts.permitopen[1], "[::1]:*");
    authkeys_key_free(&k);
    expect_bad_opts("permitopen=\"host\"", key, 0, "bad permitopen=\"host\": is not host:port");
    expect_bad_opts("permitopen=\"host:0\"", key, 0, "bad permitopen=\"host:0\": ");
    expect_bad_opts("permitopen=\"any\"", key, 0, "bad permitopen=\"any\"");
    free(key);
}

Test(authkeys, option_names_any_case)
{
    char *key = edkey();
    struct ak_key k;

    parse_opts("NO-PTY,Command=\"x\",FROM=\"10.0.0.1\",Environment=\"A=b\","
               "EXPIRY-TIME=\"20300101Z\",No-X11-Forwarding,NO-PORT-FORWARDING,"
               "No-Agent-Forwarding,NO-USER-RC", key, 1, &k);
    cr_expect_eq(k.opts.no_pty, 1);
    cr_expect_str_eq(k.opts.command, "x");
    cr_expect_str_eq(k.opts.from, "10.0.0.1");
    cr_assert_eq(k.opts.nenv, 1);
    cr_expect_str_eq(k.opts.env[0], "A=b");
    cr_expect_eq(k.opts.expiry, (time_t)1893456000);
    authkeys_key_free(&k);
    parse_opts("RESTRICT,Pty", key, 0, &k);
    cr_expect_eq(k.opts.no_pty, 0);
    authkeys_key_free(&k);
    free(key);
}

Test(authkeys, unknown_options)
{
    static const struct {
        const char *opts;
        const char *name;
    } cases[] = {
        { "permitlisten=\"8080\"", "permitlisten" },
        { "agent-forwarding", "agent-forwarding" },
        { "x11-forwarding", "x11-forwarding" },
        { "tunnel=\"1\"", "tunnel" },
        { "user-rc", "user-rc" },
        { "no-pty,Cert-Authorities", "Cert-Authorities" },
        { "command=\"x\",frobnicate=\"y\",no-pty", "frobnicate" },
    };
    char *key = edkey();
    char want[128];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(want, sizeof(want), "unknown or unsupported option \"%s\"",
                 cases[i].name);
        expect_bad_opts(cases[i].opts, key, 0, want);
        cr_expect_str_eq(why, want);
    }
    free(key);
}

Test(authkeys, option_syntax_errors)
{
    char *key = edkey();

    expect_bad_opts("command=\"abc", key, 0, "option \"command\": unterminated quote");
    expect_bad_opts("command=\"x\\\"", key, 0, "unterminated quote");
    expect_bad_opts("command=\"x\\\\\"", key, 0, "unterminated quote");
    expect_bad_opts("no-pty,environment=\"A=b", key, 1, "unterminated quote");
    expect_bad_opts("command=abc", key, 0, "option \"command\": value must be in double quotes");
    expect_bad_opts("command", key, 0, "option \"command\" needs a quoted value");
    expect_bad_opts("from,no-pty", key, 0, "option \"from\" needs a quoted value");
    expect_bad_opts("no-pty=\"yes\"", key, 0, "option \"no-pty\" takes no value");
    expect_bad_opts("command=\"x\"y", key, 0, "junk after an option value");
    expect_bad_opts("no-pty,,pty", key, 0, "unknown or unsupported option \"\"");
    expect_bad_opts("no-pty,", key, 0, "unknown or unsupported option \"\"");
    expect_bad_opts("command=\"a\",command=\"b\"", key, 0, "more than one command= option");
    expect_bad("no-pty", 0, "no key after the options");
    expect_bad("command=\"a b\"", 0, "no key after the options");
    expect_bad("no-pty ssh-ed25519", 0, "no key data after the key type");
    expect_bad("no-pty  ", 0, "no key after the options");
    free(key);
}

Test(authkeys, reasons_are_printable)
{
    char *key = edkey();
    char name[101];
    size_t i;

    expect_bad_opts("\x1b[31mred\x7f", key, 0, "unknown or unsupported option \"?[31mred?\"");
    expect_bad_opts("command=\"x\",n\xc3\xa4me", key, 0, "option \"n??me\"");
    expect_bad_opts("no-pty,a\"b", key, 0, "unknown or unsupported option \"a?b\"");
    memset(name, 'x', 100);
    name[100] = '\0';
    expect_bad_opts(name, key, 0, "option \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");
    expect_bad_opts("expiry-time=\"2030\x01\"", key, 0, "invalid expiry-time \"2030?\"");
    for (i = 0; why[i] != '\0'; i++) {
        cr_expect(why[i] >= ' ' && why[i] < 0x7f);
    }
    free(key);
}

Test(authkeys, option_environment)
{
    const char *opts = "environment=\"FOO=bar baz\",environment=\"_X1=\","
                       "environment=\"FOO=second\",environment=\"B=\\\"q\\\"\"";
    char *key = edkey();
    struct ak_key k;

    parse_opts(opts, key, 1, &k);
    cr_assert_eq(k.opts.nenv, 3);
    cr_expect_str_eq(k.opts.env[0], "FOO=bar baz");
    cr_expect_str_eq(k.opts.env[1], "_X1=");
    cr_expect_str_eq(k.opts.env[2], "B=\"q\"");
    authkeys_key_free(&k);
    parse_opts(opts, key, 0, &k);
    cr_expect_eq(k.opts.nenv, 0);
    cr_expect_null(k.opts.env);
    authkeys_key_free(&k);
    free(key);
}

Test(authkeys, option_environment_invalid)
{
    static const char *const bad[] = {
        "environment=\"1A=x\"", "environment=\"A-B=x\"", "environment=\"=x\"",
        "environment=\"NOEQ\"", "environment=\"\"", "environment=\"A B=x\"",
        "environment=\" A=x\"",
    };
    char *key = edkey();
    size_t i;
    int allow;

    for (allow = 0; allow <= 1; allow++) {
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            expect_bad_opts(bad[i], key, allow, "environment= value is not NAME=VALUE");
        }
    }
    free(key);
}

Test(authkeys, option_environment_limit)
{
    char *key = edkey();
    char *opts = calloc(65, 32);
    struct ak_key k;
    int i;

    for (i = 0; i < 64; i++) {
        sprintf(opts + strlen(opts), "%senvironment=\"V%d=x\"", i ? "," : "", i);
    }
    parse_opts(opts, key, 1, &k);
    cr_expect_eq(k.opts.nenv, 64);
    cr_expect_str_eq(k.opts.env[63], "V63=x");
    authkeys_key_free(&k);
    strcat(opts, ",environment=\"V64=x\"");
    expect_bad_opts(opts, key, 1, "more than 64 environment= options");
    parse_opts(opts, key, 0, &k);
    cr_expect_eq(k.opts.nenv, 0);
    authkeys_key_free(&k);
    free(opts);
    free(key);
}

/* ---- expiry-time ------------------------------------------------------ */

/* The expiry parsed from expiry-time="V". */
static time_t expiry_of(const char *v)
{
    struct buf b;
    char *key, *opts;
    struct ak_key k;
    time_t t;

    ed25519_blob(&b, "ssh-ed25519", 3);
    key = keyline("ssh-ed25519", &b, NULL);
    cr_assert_gt(asprintf(&opts, "expiry-time=\"%s\"", v), 0);
    parse_opts(opts, key, 0, &k);
    t = k.opts.expiry;
    authkeys_key_free(&k);
    free(opts);
    free(key);
    return t;
}

/* Use time zone TZ for local times. */
static void set_tz(const char *tz)
{
    cr_assert_eq(setenv("TZ", tz, 1), 0);
    tzset();
}

Test(authkeys, expiry_utc)
{
    set_tz("XST5");
    cr_expect_eq(expiry_of("20300101Z"), (time_t)1893456000);
    cr_expect_eq(expiry_of("20300101z"), (time_t)1893456000);
    cr_expect_eq(expiry_of("203001011230Z"), (time_t)1893456000 + 12 * 3600 + 30 * 60);
    cr_expect_eq(expiry_of("20300101123045Z"), (time_t)1893456000 + 45045);
    cr_expect_eq(expiry_of("20280229235959Z"), (time_t)1835481599);
    cr_expect_eq(expiry_of("20000229Z"), (time_t)951782400);
}

Test(authkeys, expiry_local)
{
    set_tz("XST5");
    cr_expect_eq(expiry_of("20300101"), (time_t)1893456000 + 5 * 3600);
    cr_expect_eq(expiry_of("203001011230"), (time_t)1893456000 + 17 * 3600 + 30 * 60);
    cr_expect_eq(expiry_of("20300101123045"), (time_t)1893456000 + 17 * 3600 + 45045 - 12 * 3600);
    set_tz("EST5EDT,M3.2.0,M11.1.0");
    cr_expect_eq(expiry_of("20300701"), expiry_of("20300701Z") + 4 * 3600);
    cr_expect_eq(expiry_of("20300101"), expiry_of("20300101Z") + 5 * 3600);
}

Test(authkeys, expiry_before_epoch)
{
    set_tz("UTC0");
    cr_expect_eq(expiry_of("19700101Z"), 1);
    cr_expect_eq(expiry_of("19691231235959Z"), 1);
    cr_expect_eq(expiry_of("00000101"), 1);
    cr_expect_eq(expiry_of("19700101000001Z"), 1);
    cr_expect_eq(expiry_of("19700101000002Z"), 2);
}

Test(authkeys, expiry_invalid)
{
    static const char *const bad[] = {
        "", "2030", "2030010", "203001011", "2030010112", "2030010112300",
        "203001011230456", "20301301", "20300001", "20300100", "20300132",
        "20300230", "20290229", "21000229", "20300431", "20300101240000",
        "20300101236000", "20300101235960", "20300101X", "20300101ZZ",
        "20300101 Z", "2030-01-01", " 20300101", "Z", "20300101Z ",
        "+2030010", "-2030010",
    };
    char *key = edkey();
    char opts[64];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(opts, sizeof(opts), "expiry-time=\"%s\"", bad[i]);
        expect_bad_opts(opts, key, 0, "invalid expiry-time \"");
    }
    free(key);
}

Test(authkeys, expiry_earliest_wins)
{
    set_tz("UTC0");
    cr_expect_eq(expiry_of("20300101Z\",expiry-time=\"20290101Z"),
                 expiry_of("20290101Z"));
    cr_expect_eq(expiry_of("20290101Z\",expiry-time=\"20300101Z"),
                 expiry_of("20290101Z"));
}

Test(authkeys, expired_boundary)
{
    struct ak_opts o;

    memset(&o, 0, sizeof(o));
    cr_expect_not(authkeys_expired(&o, 0));
    cr_expect_not(authkeys_expired(&o, time(NULL)));
    cr_expect_not(authkeys_expired(&o, (time_t)1 << 40));
    o.expiry = 1893456000;
    cr_expect_not(authkeys_expired(&o, 1893455999));
    cr_expect(authkeys_expired(&o, 1893456000));
    cr_expect(authkeys_expired(&o, 1893456001));
    o.expiry = expiry_of("19700101Z");
    cr_expect(authkeys_expired(&o, time(NULL)));
}

/* ---- authkeys_key_free ------------------------------------------------------ */

Test(authkeys, free_zeroes)
{
    char *key = edkey();
    struct ak_key k;

    parse_opts("command=\"c\",from=\"10.0.0.0/8\",environment=\"A=1\","
               "environment=\"B=2\",expiry-time=\"20300101\",no-pty", key, 1, &k);
    cr_expect_not_null(k.comment);
    cr_expect_eq(k.opts.nenv, 2);
    authkeys_key_free(&k);
    cr_expect(all_zero(&k, sizeof(k)));
    authkeys_key_free(&k);
    cr_expect(all_zero(&k, sizeof(k)));
    authkeys_key_free(NULL);
    memset(&k, 0x55, sizeof(k));
    cr_expect_eq(parse("ssh-dss AAAA", 0, &k), AK_BAD);
    cr_expect(all_zero(&k, sizeof(k)));
    free(key);
}

/* ---- authkeys_find ---------------------------------------------------- */

/* Find KEYLINE's blob in PATH. */
static int find(const char *path, const char *keyline_, int allow_env,
                struct ak_key *k, struct diag *warn)
{
    size_t len;
    unsigned char *blob = line_blob(keyline_, &len);
    int rc = authkeys_find(path, blob, len, allow_env, k, warn);

    free(blob);
    return rc;
}

/* Expect warning I of WARN to be exactly "PATH:LINE: REASON". */
static void expect_warning(const struct diag *warn, size_t i, const char *path,
                           int line, const char *reason)
{
    char want[512];

    snprintf(want, sizeof(want), "%s:%d: %s", path, line, reason);
    cr_assert_lt(i, warn->n);
    cr_expect_str_eq(warn->msgs[i], want);
}

Test(authkeys, find_among_bad_lines)
{
    char *a = keygen("ecdsa", 256, "a");
    char *b = keygen("ed25519", 0, "b");
    char *c = keygen("ed25519", 0, "c");
    char *text;
    const char *path;
    struct diag warn = { 0 };
    struct ak_key k;

    need_root();
    cr_assert_gt(asprintf(&text, "# keys\n\ncert-authority %s\n%s\n"
                          "ssh-ed25519 !!!!\nno-pty,command=\"run\" %s\n"
                          "frobnicate %s", b, a, b, c), 0);
    path = write_file("keys", text, strlen(text), 0644);
    cr_assert_eq(find(path, b, 0, &k, &warn), 1);
    cr_expect_eq(k.line, 6);
    cr_expect_str_eq(k.opts.command, "run");
    cr_expect_eq(k.opts.no_pty, 1);
    cr_expect_str_eq(k.comment, "b@test");
    cr_assert_eq(diag_count(&warn), 1);     /* a cert-authority line is not b's key */
    expect_warning(&warn, 0, path, 5, "key data is not valid base64");
    authkeys_key_free(&k);
    diag_free(&warn);

    cr_assert_eq(find(path, a, 0, &k, &warn), 1);
    cr_expect_eq(k.line, 4);
    cr_expect_str_eq(k.type, "ecdsa-sha2-nistp256");
    cr_expect_eq(diag_count(&warn), 0);
    authkeys_key_free(&k);
    diag_free(&warn);

    cr_assert_eq(find(path, c, 0, &k, &warn), 0);
    cr_expect(all_zero(&k, sizeof(k)));
    cr_assert_eq(diag_count(&warn), 2);
    expect_warning(&warn, 1, path, 7, "unknown or unsupported option \"frobnicate\"");
    diag_free(&warn);
    free(text);
    free(a);
    free(b);
    free(c);
}

Test(authkeys, find_crlf_nul_and_env)
{
    char *a = keygen("ed25519", 0, "a");
    char *text;
    const char *path;
    struct diag warn = { 0 };
    struct ak_key k;
    int len;

    need_root();
    len = asprintf(&text, "junk\1@more junk\r\nenvironment=\"X=1\" %s\r\n", a);
    cr_assert_gt(len, 0);
    *strchr(text, '@') = '\0';
    path = write_file("keys", text, (size_t)len, 0600);
    cr_assert_eq(find(path, a, 1, &k, &warn), 1);
    cr_expect_eq(k.line, 2);
    cr_expect_str_eq(k.comment, "a@test");
    cr_assert_eq(k.opts.nenv, 1);
    cr_expect_str_eq(k.opts.env[0], "X=1");
    authkeys_key_free(&k);
    cr_assert_eq(diag_count(&warn), 1);
    expect_warning(&warn, 0, path, 1, "NUL byte in line");
    diag_free(&warn);
    cr_assert_eq(find(path, a, 0, &k, NULL), 1);
    cr_expect_eq(k.opts.nenv, 0);
    authkeys_key_free(&k);
    free(text);
    free(a);
}

/* Expect PATH to be refused with warning "PATH: WHAT". */
static void expect_refused(const char *path, const char *keyline_, const char *what)
{
    struct diag warn = { 0 };
    struct ak_key k;
    char want[512];

    memset(&k, 0x55, sizeof(k));
    cr_expect_eq(find(path, keyline_, 0, &k, &warn), -1, "%s", path);
    cr_expect(all_zero(&k, sizeof(k)));
    snprintf(want, sizeof(want), "%s: %s", path, what);
    cr_assert_eq(diag_count(&warn), 1);
    cr_expect_str_eq(warn.msgs[0], want);
    diag_free(&warn);
}

Test(authkeys, find_refuses_unsafe_files, .timeout = 30)
{
    char *a = keygen("ed25519", 0, "a");
    char path[256];
    struct ak_key k;
    const char *p;

    need_root();
    p = write_file("keys", a, strlen(a), 0644);
    cr_assert_eq(find(p, a, 0, &k, NULL), 1);
    authkeys_key_free(&k);
    strcpy(path, p);
    cr_assert_eq(chmod(path, 0400), 0);
    cr_assert_eq(find(path, a, 0, &k, NULL), 1);
    authkeys_key_free(&k);
    cr_assert_eq(chmod(path, 0664), 0);
    expect_refused(path, a, "bad ownership or modes");
    cr_assert_eq(chmod(path, 0646), 0);
    expect_refused(path, a, "bad ownership or modes");
    cr_assert_eq(chmod(path, 0644), 0);
    cr_assert_eq(chown(path, 1000, 0), 0);
    expect_refused(path, a, "bad ownership or modes");
    cr_assert_eq(chown(path, 0, 1000), 0);
    cr_assert_eq(find(path, a, 0, &k, NULL), 1);
    authkeys_key_free(&k);
    expect_refused(tmpdir, a, "bad ownership or modes");
    snprintf(path, sizeof(path), "%s/fifo", tmpdir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    expect_refused(path, a, "bad ownership or modes");
    snprintf(path, sizeof(path), "%s/missing", tmpdir);
    expect_refused(path, a, "cannot read: No such file or directory");
    cr_expect_eq(find(path, a, 0, &k, NULL), -1);
    free(a);
}

Test(authkeys, find_refuses_huge_files)
{
    char *a = keygen("ed25519", 0, "a");
    size_t len = strlen(a), max = 1024 * 1024;
    char *text = malloc(max + 1);
    struct ak_key k;
    const char *p;

    need_root();
    memset(text, '\n', max + 1);
    memcpy(text, a, len);
    p = write_file("keys", text, max, 0644);
    cr_assert_eq(find(p, a, 0, &k, NULL), 1);
    authkeys_key_free(&k);
    p = write_file("keys", text, max + 1, 0644);
    expect_refused(p, a, "cannot read: File too large");
    free(text);
    free(a);
}

/* ---- robustness ------------------------------------------------------- */

/* Parse LINE and check the result is self-consistent. */
static void parse_anything(const char *line, int allow_env)
{
    struct ak_key k;
    enum ak_result r = parse(line, allow_env, &k);

    cr_assert(r == AK_KEY || r == AK_EMPTY || r == AK_BAD);
    if (r == AK_KEY) {
        cr_assert(k.type != NULL && k.blob != NULL && k.bloblen > 0);
    } else {
        cr_assert(all_zero(&k, sizeof(k)));
    }
    if (r == AK_BAD) {
        cr_assert_neq(why[0], '\0', "no reason for: %s", line);
    }
    authkeys_key_free(&k);
}

Test(authkeys, random_lines_never_crash)
{
    static const char alphabet[] = "\"\\=, \t#AZaz09+/-_.:!*?\rno-ptycommandfrom";
    char *key = edkey();
    size_t keylen = strlen(key);
    char line[512];
    unsigned seed = 12345;
    int i, j, n;

    for (i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        n = (int)(seed >> 16) % 200;
        for (j = 0; j < n; j++) {
            seed = seed * 1103515245u + 12345u;
            line[j] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        line[n] = '\0';
        parse_anything(line, i & 1);
        /* the same junk as options in front of a real key, and a mutant key */
        snprintf(line + n, sizeof(line) - (size_t)n, " %s", key);
        parse_anything(line, i & 1);
        memcpy(line, key, keylen + 1);
        line[(seed >> 8) % keylen] = (char)(seed >> 24 | 1);
        parse_anything(line, i & 1);
    }
    free(key);
}

Test(authkeys, security_key_options)
{
    struct ak_key k;
    char *key = edkey();
    char line[512];

    snprintf(line, sizeof(line), "no-touch-required,verify-required %s", key);
    cr_assert_eq(parse(line, 0, &k), AK_KEY, "%s", why);
    cr_expect_eq(k.opts.no_touch_required, 1);
    cr_expect_eq(k.opts.verify_required, 1);
    authkeys_key_free(&k);
    cr_assert_eq(parse(key, 0, &k), AK_KEY, "%s", why);
    cr_expect_eq(k.opts.no_touch_required, 0, "touch required by default");
    cr_expect_eq(k.opts.verify_required, 0);
    authkeys_key_free(&k);
    free(key);
}

/* cert-authority and principals=: parsed; a CA line matches only a CA
 * look-up (want_ca), a plain line only a key look-up. */
Test(authkeys, cert_authority_lines)
{
    char *ca = edkey();
    char *text;
    size_t len;
    unsigned char *blob = line_blob(ca, &len);
    struct diag warn = { 0 };
    struct ak_key k;

    parse_opts("cert-authority,principals=\"ops,admins\"", ca, 0, &k);
    cr_expect_eq(k.opts.cert_authority, 1);
    cr_expect_str_eq(k.opts.principals, "ops,admins");
    authkeys_key_free(&k);

    cr_assert_gt(asprintf(&text, "cert-authority %s\n", ca), 0);
    cr_expect_eq(authkeys_find_text("t", text, strlen(text), blob, len, 0, 0, &k, &warn), 0);
    free(text);
    cr_assert_gt(asprintf(&text, "cert-authority %s\n", ca), 0);
    cr_expect_eq(authkeys_find_text("t", text, strlen(text), blob, len, 1, 0, &k, &warn), 1);
    cr_expect_eq(k.opts.cert_authority, 1);
    authkeys_key_free(&k);
    free(text);
    cr_assert_gt(asprintf(&text, "%s\n", ca), 0);
    cr_expect_eq(authkeys_find_text("t", text, strlen(text), blob, len, 1, 0, &k, &warn), 0);
    cr_expect_eq(diag_count(&warn), 0);
    free(text);
    free(blob);
    free(ca);
}
