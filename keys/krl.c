/* krl.c - key revocation lists (see krl.h).
 *
 * Binary KRL (PROTOCOL.krl):
 *
 *     uint64    magic 0x5353484b524c0a00 ("SSHKRL\n\0")
 *     uint32    format version (1)
 *     uint64    krl version
 *     uint64    generated date
 *     uint64    flags
 *     string    reserved
 *     string    comment
 *     then sections to the end:  byte type, string data
 *
 *   type | section              | data
 *   -----+----------------------+------------------------------------------
 *     1  | certificates         | string CA key (empty: any CA), string
 *        |                      |   reserved, then sub-sections to the end:
 *        |                      |   byte type, string data
 *     2  | explicit keys        | string key blob, repeated
 *     3  | SHA1 fingerprints    | string 20-byte SHA1 of a key blob, repeated
 *     4  | signature            | string key, string signature (skipped)
 *     5  | SHA256 fingerprints  | string 32-byte SHA256 of a key blob, repeated
 *
 *   certificate sub-sections:
 *   0x20 | serial list          | uint64 serial, repeated
 *   0x21 | serial range         | uint64 first, uint64 last
 *   0x22 | serial bitmap        | uint64 offset, mpint bitmap (bit N set:
 *        |                      |   serial offset+N revoked)
 *   0x23 | key ids              | string key id, repeated
 *
 * A certificate with serial 0 is never revoked by serial (0 is what a CA
 * writes when it gives none), as in OpenSSH.  Anything malformed, unknown
 * or truncated makes the whole list invalid.
 *
 * Text list: one public key a line ("type base64 [comment]"); blank lines
 * and # comments skipped; any other line makes the list invalid (fail
 * closed: a revocation list that cannot be read revokes everything).
 */
#include "krl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>
#include <sodium.h>

#include "sshbuf.h"

#define KRL_MAGIC 0x5353484b524c0a00ULL
#define KRL_FORMAT 1

enum {
    SECT_CERTS = 1, SECT_KEYS = 2, SECT_SHA1 = 3, SECT_SIG = 4, SECT_SHA256 = 5,
    SUB_SERIALS = 0x20, SUB_RANGE = 0x21, SUB_BITMAP = 0x22, SUB_KEYIDS = 0x23,
};

/* A byte string owned by the list. */
struct bytes {
    unsigned char *p;
    size_t n;
};

struct range {
    uint64_t lo, hi;
};

struct bitmap {
    uint64_t offset;
    struct bytes bits;      /* big-endian magnitude: the last byte holds bits 0-7 */
};

/* Revoked certificates of one CA (ca.n == 0: of any CA). */
struct ca_revoked {
    struct bytes ca;
    struct range *ranges;
    size_t nranges;
    struct bitmap *bitmaps;
    size_t nbitmaps;
    struct bytes *ids;
    size_t nids;
};

struct krl {
    struct ca_revoked *cas;
    size_t ncas;
    struct bytes *keys;     /* canonical plain key blobs */
    size_t nkeys;
    struct bytes *sha1;
    size_t nsha1;
    struct bytes *sha256;
    size_t nsha256;
};

struct kparse {
    struct krl *k;
    char *why;
    size_t whylen;
};

__attribute__((format(printf, 2, 3)))
static int kfail(struct kparse *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->why, p->whylen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Room for one more element in *V (N elements of SIZE bytes, capacity the
 * next power of two).  0, or -1 out of memory. */
static int grow(void **v, size_t n, size_t size)
{
    void *nv;

    if (n != 0 && (n & (n - 1)) != 0) {
        return 0;
    }
    nv = realloc(*v, (n == 0 ? 1 : n * 2) * size);
    if (nv == NULL) {
        return -1;
    }
    *v = nv;
    return 0;
}

/* Append a copy of N bytes at S to the list *V of *COUNT. */
static int add_bytes(struct kparse *p, struct bytes **v, size_t *count,
                     const unsigned char *s, size_t n)
{
    void *vv = *v;
    unsigned char *copy = malloc(n > 0 ? n : 1);

    if (copy == NULL || grow(&vv, *count, sizeof(**v)) < 0) {
        free(copy);
        return kfail(p, "out of memory");
    }
    *v = vv;
    memcpy(copy, s, n);
    (*v)[*count].p = copy;
    (*v)[(*count)++].n = n;
    return 0;
}

/* ---- certificate sections --------------------------------------------- */

static int add_range(struct kparse *p, struct ca_revoked *ca, uint64_t lo, uint64_t hi)
{
    void *v = ca->ranges;

    if (lo > hi) {
        return kfail(p, "KRL serial range %" PRIu64 "-%" PRIu64 " is backwards", lo, hi);
    }
    if (grow(&v, ca->nranges, sizeof(*ca->ranges)) < 0) {
        return kfail(p, "out of memory");
    }
    ca->ranges = v;
    ca->ranges[ca->nranges].lo = lo;
    ca->ranges[ca->nranges++].hi = hi;
    return 0;
}

static int add_bitmap(struct kparse *p, struct ca_revoked *ca, struct sshrd *r)
{
    uint64_t offset = sshrd_u64(r);
    size_t n = 0;
    const unsigned char *bits = sshrd_mpint(r, &n);
    void *v = ca->bitmaps;
    unsigned char *copy;

    if (!sshrd_ok(r) || sshrd_left(r) != 0) {
        return kfail(p, "KRL serial bitmap is malformed");
    }
    copy = malloc(n > 0 ? n : 1);
    if (copy == NULL || grow(&v, ca->nbitmaps, sizeof(*ca->bitmaps)) < 0) {
        free(copy);
        return kfail(p, "out of memory");
    }
    memcpy(copy, bits, n);
    ca->bitmaps = v;
    ca->bitmaps[ca->nbitmaps].offset = offset;
    ca->bitmaps[ca->nbitmaps].bits.p = copy;
    ca->bitmaps[ca->nbitmaps++].bits.n = n;
    return 0;
}

/* One certificate sub-section of TYPE over R (its data). */
static int cert_sub(struct kparse *p, struct ca_revoked *ca, int type, struct sshrd *r)
{
    int rc = 0;

    switch (type) {
    case SUB_SERIALS:
        while (rc == 0 && sshrd_left(r) >= 8) {
            uint64_t s = sshrd_u64(r);
            rc = add_range(p, ca, s, s);
        }
        return rc == 0 && sshrd_left(r) != 0 ? kfail(p, "KRL serial list is malformed") : rc;
    case SUB_RANGE: {
        uint64_t lo = sshrd_u64(r);
        uint64_t hi = sshrd_u64(r);
        if (!sshrd_ok(r) || sshrd_left(r) != 0) {
            return kfail(p, "KRL serial range is malformed");
        }
        return add_range(p, ca, lo, hi);
    }
    case SUB_BITMAP:
        return add_bitmap(p, ca, r);
    case SUB_KEYIDS:
        while (rc == 0 && sshrd_left(r) > 0) {
            size_t n = 0;
            const unsigned char *id = sshrd_string(r, &n);
            rc = id == NULL ? kfail(p, "KRL key id list is malformed")
                            : add_bytes(p, &ca->ids, &ca->nids, id, n);
        }
        return rc;
    default:
        return kfail(p, "KRL certificate section of unknown type 0x%02x", type);
    }
}

/* A certificates section (data in R). */
static int certs_section(struct kparse *p, struct sshrd *r)
{
    struct krl *k = p->k;
    size_t calen = 0, n = 0;
    const unsigned char *cakey = sshrd_string(r, &calen);
    struct ca_revoked *ca;
    struct pubkey pk;
    void *v = k->cas;
    int rc = 0;

    sshrd_string(r, &n);    /* reserved */
    if (!sshrd_ok(r)) {
        return kfail(p, "KRL certificates section is malformed");
    }
    if (grow(&v, k->ncas, sizeof(*k->cas)) < 0) {
        return kfail(p, "out of memory");
    }
    k->cas = v;
    ca = &k->cas[k->ncas++];
    memset(ca, 0, sizeof(*ca));
    if (calen > 0) {
        if (pubkey_check(cakey, calen, &pk) != PUBKEY_OK) {
            return kfail(p, "KRL certificates section has an invalid CA key");
        }
        ca->ca.p = pk.blob;     /* taken over from pk */
        ca->ca.n = pk.bloblen;
    }
    while (rc == 0 && sshrd_left(r) > 0) {
        int type = sshrd_u8(r);
        size_t dn = 0;
        const unsigned char *d = sshrd_string(r, &dn);
        struct sshrd sub;
        if (d == NULL) {
            return kfail(p, "KRL certificate section is truncated");
        }
        sshrd_init(&sub, d, dn);
        rc = cert_sub(p, ca, type, &sub);
    }
    return rc;
}

/* ---- key sections ---------------------------------------------------- */

/* Explicit keys: each must be a valid key; kept canonical. */
static int keys_section(struct kparse *p, struct sshrd *r)
{
    int rc = 0;

    while (rc == 0 && sshrd_left(r) > 0) {
        size_t n = 0;
        const unsigned char *blob = sshrd_string(r, &n);
        struct pubkey pk;
        if (blob == NULL || pubkey_check(blob, n, &pk) != PUBKEY_OK) {
            return kfail(p, "KRL explicit key section holds an invalid key");
        }
        rc = add_bytes(p, &p->k->keys, &p->k->nkeys, pk.blob, pk.bloblen);
        pubkey_free(&pk);
    }
    return rc;
}

/* Hashes of HLEN bytes each into *V. */
static int hash_section(struct kparse *p, struct sshrd *r, size_t hlen, struct bytes **v,
                        size_t *count)
{
    int rc = 0;

    while (rc == 0 && sshrd_left(r) > 0) {
        size_t n = 0;
        const unsigned char *h = sshrd_string(r, &n);
        if (h == NULL || n != hlen) {
            return kfail(p, "KRL fingerprint section holds a hash of the wrong size");
        }
        rc = add_bytes(p, v, count, h, n);
    }
    return rc;
}

static int section(struct kparse *p, int type, struct sshrd *r)
{
    switch (type) {
    case SECT_CERTS:
        return certs_section(p, r);
    case SECT_KEYS:
        return keys_section(p, r);
    case SECT_SHA1:
        return hash_section(p, r, 20, &p->k->sha1, &p->k->nsha1);
    case SECT_SHA256:
        return hash_section(p, r, 32, &p->k->sha256, &p->k->nsha256);
    case SECT_SIG:
        return 0;       /* signatures are not checked, as sshd does */
    default:
        return kfail(p, "KRL section of unknown type %d", type);
    }
}

static int parse_binary(struct kparse *p, const unsigned char *data, size_t len)
{
    struct sshrd r;
    size_t n;
    int rc = 0;

    sshrd_init(&r, data, len);
    sshrd_u64(&r);      /* magic, checked by the caller */
    if (sshrd_u32(&r) != KRL_FORMAT) {
        return kfail(p, "KRL format version is not %d", KRL_FORMAT);
    }
    sshrd_u64(&r);      /* krl version */
    sshrd_u64(&r);      /* generated date */
    sshrd_u64(&r);      /* flags */
    sshrd_string(&r, &n);
    sshrd_string(&r, &n);
    if (!sshrd_ok(&r)) {
        return kfail(p, "KRL header is truncated");
    }
    while (rc == 0 && sshrd_left(&r) > 0) {
        int type = sshrd_u8(&r);
        size_t dn = 0;
        const unsigned char *d = sshrd_string(&r, &dn);
        struct sshrd sect;
        if (d == NULL) {
            return kfail(p, "KRL section is truncated");
        }
        sshrd_init(&sect, d, dn);
        rc = section(p, type, &sect);
    }
    return rc;
}

/* ---- text list ------------------------------------------------------- */

static int parse_text(struct kparse *p, const unsigned char *data, size_t len)
{
    size_t pos = 0;
    int lineno = 0;
    int rc = 0;

    while (rc == 0 && pos < len) {
        const unsigned char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - (data + pos)) : len - pos;
        char *line = strndup((const char *)data + pos, n);
        const char *s = line != NULL ? line + strspn(line, " \t") : NULL;
        const char *rest = NULL;
        struct pubkey pk;

        lineno++;
        pos += n + 1;
        if (line == NULL) {
            rc = kfail(p, "out of memory");
        } else if (memchr(data + pos - n - 1, '\0', n) != NULL) {
            rc = kfail(p, "line %d: NUL byte", lineno);
        } else if (*s == '\0' || *s == '#' || *s == '\r') {
            rc = 0;
        } else if (pubkey_read(s, &pk, &rest) != 0) {
            rc = kfail(p, "line %d: not a public key", lineno);
        } else {
            rc = add_bytes(p, &p->k->keys, &p->k->nkeys, pk.blob, pk.bloblen);
            pubkey_free(&pk);
        }
        free(line);
    }
    return rc;
}

int krl_parse(const unsigned char *data, size_t len, struct krl **out, char *why,
              size_t whylen)
{
    struct kparse p = { calloc(1, sizeof(struct krl)), why, whylen };
    struct sshrd r;
    int rc;

    *out = NULL;
    if (p.k == NULL) {
        return kfail(&p, "out of memory");
    }
    sshrd_init(&r, data, len);
    if (len >= 8 && sshrd_u64(&r) == KRL_MAGIC) {
        rc = parse_binary(&p, data, len);
    } else {
        rc = parse_text(&p, data, len);
    }
    if (rc != 0) {
        krl_free(p.k);
        return -1;
    }
    *out = p.k;
    return 0;
}

/* ---- look-ups -------------------------------------------------------- */

static int bytes_in(const struct bytes *v, size_t count, const void *s, size_t n)
{
    for (size_t i = 0; i < count; i++) {
        if (v[i].n == n && memcmp(v[i].p, s, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int krl_key_revoked(const struct krl *k, const unsigned char *blob, size_t len)
{
    unsigned char sha1[20], sha256[32];

    if (bytes_in(k->keys, k->nkeys, blob, len)) {
        return 1;
    }
    gcry_md_hash_buffer(GCRY_MD_SHA1, sha1, blob, len);
    crypto_hash_sha256(sha256, blob, len);
    return bytes_in(k->sha1, k->nsha1, sha1, sizeof(sha1)) ||
           bytes_in(k->sha256, k->nsha256, sha256, sizeof(sha256));
}

/* Is bit SERIAL - offset of bitmap B set? */
static int bitmap_has(const struct bitmap *b, uint64_t serial)
{
    uint64_t bit;

    if (serial < b->offset || serial - b->offset >= (uint64_t)b->bits.n * 8) {
        return 0;
    }
    bit = serial - b->offset;
    return (b->bits.p[b->bits.n - 1 - bit / 8] >> (bit % 8)) & 1;
}

static int serial_revoked(const struct ca_revoked *ca, uint64_t serial)
{
    for (size_t i = 0; i < ca->nranges; i++) {
        if (serial >= ca->ranges[i].lo && serial <= ca->ranges[i].hi) {
            return 1;
        }
    }
    for (size_t i = 0; i < ca->nbitmaps; i++) {
        if (bitmap_has(&ca->bitmaps[i], serial)) {
            return 1;
        }
    }
    return 0;
}

int krl_cert_revoked(const struct krl *k, const struct cert *c)
{
    for (size_t i = 0; i < k->ncas; i++) {
        const struct ca_revoked *ca = &k->cas[i];
        if (ca->ca.n != 0 && (ca->ca.n != c->ca.bloblen ||
                              memcmp(ca->ca.p, c->ca.blob, ca->ca.n) != 0)) {
            continue;
        }
        if (bytes_in(ca->ids, ca->nids, c->key_id, strlen(c->key_id)) ||
            (c->serial != 0 && serial_revoked(ca, c->serial))) {
            return 1;
        }
    }
    return 0;
}

static void free_list(struct bytes *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].p);
    }
    free(v);
}

void krl_free(struct krl *k)
{
    if (k == NULL) {
        return;
    }
    for (size_t i = 0; i < k->ncas; i++) {
        struct ca_revoked *ca = &k->cas[i];
        free(ca->ca.p);
        free(ca->ranges);
        for (size_t j = 0; j < ca->nbitmaps; j++) {
            free(ca->bitmaps[j].bits.p);
        }
        free(ca->bitmaps);
        free_list(ca->ids, ca->nids);
    }
    free(k->cas);
    free_list(k->keys, k->nkeys);
    free_list(k->sha1, k->nsha1);
    free_list(k->sha256, k->nsha256);
    free(k);
}
