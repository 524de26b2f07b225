/* pubkey.c - SSH public key blobs, their text form and SHA256 fingerprints
 * (see pubkey.h). */
#include "pubkey.h"

#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>
#include <sodium.h>

#include "sshbuf.h"

/* Public key blobs: string type-name, then the fields below in order.
 *
 *   ssh-ed25519          string key(32)                      RFC 8709 §4
 *   ecdsa-sha2-nistpN    string curve "nistpN", string Q     RFC 5656 §3.1
 *   ssh-rsa              mpint e, mpint n                    RFC 4253 §6.6
 *   ssh-dss              mpint p, mpint q, mpint g, mpint y  RFC 4253 §6.6
 *   sk-ssh-ed25519@openssh.com
 *                        string key(32), string application  PROTOCOL.u2f
 *   sk-ecdsa-sha2-nistp256@openssh.com
 *                        string "nistp256", string Q, string application
 *
 * Field codes in struct ktype.fields:
 *   k  string of exactly 32 bytes (an Ed25519 public key)
 *   c  string equal to the type's curve name
 *   q  string: uncompressed point 0x04 || X || Y on that curve (SEC 1)
 *   m  mpint, non-negative, at most 2048 bytes (OpenSSH's bignum limit)
 *   a  string read as a C string (sshbuf_get_cstring): no NUL byte but
 *      possibly a last one, which the canonical blob drops
 *
 * The canonical blob is the key written back as OpenSSH writes it: mpints
 * without needless leading zeros, the application without a final NUL.
 * For any key ssh-keygen writes it is the blob itself.
 */
struct ktype {
    const char *name;
    const char *label;      /* what ssh-keygen -l prints in parentheses */
    const char *fields;
    const char *curve;      /* ECDSA: curve name in the blob */
    const char *gcurve;     /* ECDSA: libgcrypt's name for the curve */
    unsigned bits;          /* fixed size, or 0 when taken from a field */
    int bitsfield;          /* index of the mpint giving the size, or -1 */
    unsigned minbits;       /* smallest size OpenSSH accepts */
};

static const struct ktype ktypes[] = {
    { "ssh-ed25519", "ED25519", "k", NULL, NULL, 256, -1, 0 },
    { "ecdsa-sha2-nistp256", "ECDSA", "cq", "nistp256", "NIST P-256",
      256, -1, 0 },
    { "ecdsa-sha2-nistp384", "ECDSA", "cq", "nistp384", "NIST P-384",
      384, -1, 0 },
    { "ecdsa-sha2-nistp521", "ECDSA", "cq", "nistp521", "NIST P-521",
      521, -1, 0 },
    { "ssh-rsa", "RSA", "mm", NULL, NULL, 0, 1, 1024 },
    { "ssh-dss", "DSA", "mmmm", NULL, NULL, 0, 0, 0 },
    { "sk-ssh-ed25519@openssh.com", "ED25519-SK", "ka", NULL, NULL,
      256, -1, 0 },
    { "sk-ecdsa-sha2-nistp256@openssh.com", "ECDSA-SK", "cqa", "nistp256",
      "NIST P-256", 256, -1, 0 },
};

#define MAX_MPINT_BYTES 2048

/* The key type called name (len bytes, not NUL-terminated), or NULL. */
static const struct ktype *find_ktype(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(ktypes) / sizeof(ktypes[0]); i++) {
        if (strlen(ktypes[i].name) == len &&
            memcmp(ktypes[i].name, name, len) == 0) {
            return &ktypes[i];
        }
    }
    return NULL;
}

/* Bit length of an unsigned big-endian magnitude without leading zeros. */
static unsigned mag_bits(const unsigned char *mag, size_t n)
{
    unsigned bits;
    unsigned char top;

    if (n == 0) {
        return 0;
    }
    bits = (unsigned)(n - 1) * 8;
    for (top = mag[0]; top != 0; top >>= 1) {
        bits++;
    }
    return bits;
}

/* Scan an unsigned big-endian number into a new MPI (NULL on failure). */
static gcry_mpi_t scan_mpi(const unsigned char *p, size_t n)
{
    gcry_mpi_t m = NULL;

    if (gcry_mpi_scan(&m, GCRYMPI_FMT_USG, p, n, NULL) != 0) {
        return NULL;
    }
    return m;
}

/* Is (x, y) a usable public point on curve ctx?  As OpenSSH checks:
 * coordinates below the field prime, on the curve, and each longer than
 * half the bit length of the group order. */
static int point_ok(gcry_ctx_t ctx, gcry_mpi_t x, gcry_mpi_t y)
{
    gcry_mpi_t p = gcry_mpi_ec_get_mpi("p", ctx, 1);
    gcry_mpi_t order = gcry_mpi_ec_get_mpi("n", ctx, 1);
    gcry_mpi_t one = gcry_mpi_set_ui(NULL, 1);
    gcry_mpi_point_t pt = gcry_mpi_point_new(0);
    int ok = 0;

    if (p != NULL && order != NULL && one != NULL && pt != NULL &&
        gcry_mpi_cmp(x, p) < 0 && gcry_mpi_cmp(y, p) < 0) {
        unsigned half = gcry_mpi_get_nbits(order) / 2;

        gcry_mpi_point_set(pt, x, y, one);
        ok = gcry_mpi_ec_curve_point(pt, ctx) &&
             gcry_mpi_get_nbits(x) > half && gcry_mpi_get_nbits(y) > half;
    }
    gcry_mpi_point_release(pt);
    gcry_mpi_release(one);
    gcry_mpi_release(order);
    gcry_mpi_release(p);
    return ok;
}

/* Is q an uncompressed point (0x04 || X || Y) on kt's curve? */
static int ec_point_ok(const struct ktype *kt, const unsigned char *q,
                       size_t n)
{
    size_t flen = (kt->bits + 7) / 8;
    gcry_ctx_t ctx = NULL;
    gcry_mpi_t x = NULL, y = NULL;
    int ok = 0;

    if (q != NULL && n == 1 + 2 * flen && q[0] == 0x04 &&
        gcry_mpi_ec_new(&ctx, NULL, kt->gcurve) == 0) {
        x = scan_mpi(q + 1, flen);
        y = scan_mpi(q + 1 + flen, flen);
        ok = x != NULL && y != NULL && point_ok(ctx, x, y);
    }
    gcry_mpi_release(x);
    gcry_mpi_release(y);
    gcry_ctx_release(ctx);
    return ok;
}

/* Does string field p (n bytes) satisfy field code f of kt? */
static int string_ok(const struct ktype *kt, char f, const unsigned char *p,
                     size_t n)
{
    switch (f) {
    case 'k':
        return n == 32;
    case 'c':
        return n == strlen(kt->curve) && memcmp(p, kt->curve, n) == 0;
    case 'q':
        return ec_point_ok(kt, p, n);
    case 'a':
        return n == 0 || memchr(p, '\0', n - 1) == NULL;
    default:
        return 1;
    }
}

/* The bytes of string field p (n bytes, code f) the canonical blob keeps:
 * all of them, but for the final NUL of an application. */
static size_t kept_len(char f, const unsigned char *p, size_t n)
{
    return f == 'a' && n > 0 && p[n - 1] == '\0' ? n - 1 : n;
}

/* Read kt's fields from r, re-encoding them canonically into canon.
 * Returns the key size in bits; a bad field sets r->err. */
static unsigned read_fields(struct sshrd *r, const struct ktype *kt,
                            struct sshbuf *canon)
{
    unsigned bits = kt->bits;
    const unsigned char *p;
    size_t n;
    int i;

    for (i = 0; kt->fields[i] != '\0' && sshrd_ok(r); i++) {
        if (kt->fields[i] == 'm') {
            p = sshrd_mpint(r, &n);
            r->err |= n > MAX_MPINT_BYTES;
            sshbuf_put_mpint(canon, p, n);
            bits = i == kt->bitsfield ? mag_bits(p, n) : bits;
        } else {
            p = sshrd_string(r, &n);
            r->err |= p != NULL && !string_ok(kt, kt->fields[i], p, n);
            sshbuf_put_string(canon, p, kept_len(kt->fields[i], p, n));
        }
    }
    return bits;
}

/* What is wrong with a blob of type kt (NULL: unknown) once its fields
 * have been read from r into canon, the key being bits in size. */
static enum pubkey_fault fault_of(const struct ktype *kt,
                                  const struct sshrd *r, unsigned bits,
                                  const struct sshbuf *canon)
{
    enum pubkey_fault f = PUBKEY_OK;

    if (kt == NULL) {
        f = PUBKEY_UNKNOWN_TYPE;
    } else if (!sshrd_ok(r) || bits < kt->minbits) {
        f = PUBKEY_MALFORMED;
    } else if (sshrd_left(r) != 0) {
        f = PUBKEY_TRAILING;
    } else if (!sshbuf_ok(canon)) {
        f = PUBKEY_NO_MEMORY;
    }
    return f;
}

/* Bits of an RSA key's public exponent (the first field of its blob,
 * already checked by read_fields). */
static unsigned rsa_e_bits(const unsigned char *blob, size_t len)
{
    struct sshrd r;
    const unsigned char *e;
    size_t n;

    sshrd_init(&r, blob, len);
    sshrd_string(&r, &n);
    e = sshrd_mpint(&r, &n);
    return e != NULL ? mag_bits(e, n) : 0;
}

/* Check a public key blob and make its canonical form (see pubkey.h). */
enum pubkey_fault pubkey_check(const unsigned char *blob, size_t len,
                               struct pubkey *out)
{
    struct sshbuf canon = SSHBUF_INIT;
    struct sshrd r;
    const unsigned char *name;
    const struct ktype *kt;
    enum pubkey_fault f;
    unsigned bits = 0;
    size_t nlen;

    memset(out, 0, sizeof(*out));
    sshrd_init(&r, blob, len);
    name = sshrd_string(&r, &nlen);
    kt = name != NULL ? find_ktype((const char *)name, nlen) : NULL;
    if (kt != NULL) {
        sshbuf_put_cstring(&canon, kt->name);
        bits = read_fields(&r, kt, &canon);
    }
    f = fault_of(kt, &r, bits, &canon);
    if (f != PUBKEY_OK) {
        sshbuf_free(&canon);
        return f;
    }
    out->blob = canon.data;
    out->bloblen = canon.len;
    out->name = kt->name;
    out->label = kt->label;
    out->bits = bits;
    out->ebits = strcmp(kt->name, "ssh-rsa") == 0 ? rsa_e_bits(canon.data, canon.len) : 0;
    return PUBKEY_OK;
}

/* pubkey_check, reduced to 0 or -1. */
int pubkey_from_blob(const unsigned char *blob, size_t len,
                     struct pubkey *out)
{
    return pubkey_check(blob, len, out) == PUBKEY_OK ? 0 : -1;
}

/* Decode n characters of padded base64 at s, skipping the blanks OpenSSH's
 * decoder skips.  Returns a malloc'd buffer (length in *len) or NULL. */
static unsigned char *b64_decode(const char *s, size_t n, size_t *len)
{
    unsigned char *bin = malloc(n / 4 * 3 + 3);

    if (bin != NULL &&
        sodium_base642bin(bin, n / 4 * 3 + 3, s, n, "\r\n\v\f", len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(bin);
        bin = NULL;
    }
    return bin;
}

/* Read "type base64" at s (see pubkey.h). */
int pubkey_read(const char *s, struct pubkey *out, const char **rest)
{
    size_t tlen = strcspn(s, " \t"), blen = 0, len = 0;
    const struct ktype *kt = NULL;
    const char *b64 = s + tlen + strspn(s + tlen, " \t");
    unsigned char *blob = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (s[tlen] != '\0') {
        kt = find_ktype(s, tlen);
        blen = strcspn(b64, " \t");
    }
    if (kt != NULL && blen > 0) {
        blob = b64_decode(b64, blen, &len);
    }
    if (blob != NULL && pubkey_from_blob(blob, len, out) == 0) {
        rc = out->name == kt->name ? 0 : -1;
    }
    if (rc == 0) {
        *rest = b64 + blen + strspn(b64 + blen, " \t");
    } else {
        pubkey_free(out);
    }
    free(blob);
    return rc;
}

/* "SHA256:" and the unpadded base64 of the SHA-256 of the blob. */
void pubkey_fp_sha256(const struct pubkey *k, char fp[PUBKEY_FP_SIZE])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
                                       sodium_base64_VARIANT_ORIGINAL)];

    crypto_hash_sha256(digest, k->blob, k->bloblen);
    sodium_bin2base64(b64, sizeof(b64), digest, sizeof(digest),
                      sodium_base64_VARIANT_ORIGINAL);
    b64[strcspn(b64, "=")] = '\0';
    memcpy(fp, "SHA256:", 7);
    memcpy(fp + 7, b64, strlen(b64) + 1);
}

/* Free the blob; k is empty afterwards. */
void pubkey_free(struct pubkey *k)
{
    free(k->blob);
    memset(k, 0, sizeof(*k));
}
