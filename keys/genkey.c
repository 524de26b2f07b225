/* genkey.c - new key pairs as OpenSSH stores them (see genkey.h).
 *
 * What goes where (public blob: pubkey.c; private fields: keyfile.c):
 *
 *     ed25519  pub:  string "ssh-ed25519", string pk(32)
 *              priv: string pk(32), string sk(64) = seed || pk
 *     ecdsa    pub:  string "ecdsa-sha2-nistpN", string "nistpN", string Q
 *              priv: string "nistpN", string Q, mpint d
 *     rsa      pub:  string "ssh-rsa", mpint e, mpint n
 *              priv: mpint n, e, d, iqmp, p, q   with iqmp = q^-1 mod p
 */
#include "genkey.h"

#include <stdio.h>
#include <string.h>

#include <gcrypt.h>
#include <sodium.h>

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384

struct curve {
    unsigned bits;
    const char *name;       /* key type name */
    const char *ssh;        /* curve name in the blob */
    const char *gcry;       /* libgcrypt's curve name */
};

static const struct curve curves[] = {
    { 256, "ecdsa-sha2-nistp256", "nistp256", "NIST P-256" },
    { 384, "ecdsa-sha2-nistp384", "nistp384", "NIST P-384" },
    { 521, "ecdsa-sha2-nistp521", "nistp521", "NIST P-521" },
};

/* The ECDSA curve of that size, or NULL. */
static const struct curve *find_curve(unsigned bits)
{
    size_t i;

    for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (curves[i].bits == bits) {
            return &curves[i];
        }
    }
    return NULL;
}

/* Is bits a size we make for type t? */
int genkey_bits_ok(enum genkey_type t, unsigned bits)
{
    switch (t) {
    case GENKEY_ECDSA:
        return find_curve(bits) != NULL;
    case GENKEY_RSA:
        /* libgcrypt rounds odd sizes up */
        return bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS && bits % 2 == 0;
    default:
        return 1;
    }
}

/* Ed25519 from libsodium, whose secret key is already seed || pk. */
static int make_ed25519(struct genkey *k)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    int rc = crypto_sign_keypair(pk, sk);

    k->name = "ssh-ed25519";
    sshbuf_put_cstring(&k->pub, k->name);
    sshbuf_put_string(&k->pub, pk, sizeof(pk));
    sshbuf_put_string(&k->priv, pk, sizeof(pk));
    sshbuf_put_string(&k->priv, sk, sizeof(sk));
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

/* A key from libgcrypt in canonical S-expression form, in our own memory
 * (wiped on free): libgcrypt keeps a new key in its secure memory, but
 * gcry_sexp_find_token() would copy parts of it to ordinary memory that is
 * never wiped, so we look the values up here instead.
 *
 * Canonical form (libgcrypt's GCRYSEXP_FMT_CANON, Rivest's S-expressions):
 * "(" elements ")", each element a list or an atom "<decimal length>:<bytes>";
 * a key value is the list "(name value)", e.g. "(1:d33:<33 bytes>)".
 */
struct canon {
    unsigned char *buf;
    size_t len;
};

/* Generate a key for the S-expression spec into c.  0 or -1. */
static int gen_canon(const char *spec, struct canon *c)
{
    gcry_sexp_t parms = NULL, key = NULL;

    c->buf = NULL;
    c->len = 0;
    if (gcry_sexp_sscan(&parms, NULL, spec, strlen(spec)) == 0 &&
        gcry_pk_genkey(&key, parms) == 0) {
        c->len = gcry_sexp_sprint(key, GCRYSEXP_FMT_CANON, NULL, 0);
        c->buf = c->len > 0 ? malloc(c->len) : NULL;
    }
    if (c->buf != NULL &&
        gcry_sexp_sprint(key, GCRYSEXP_FMT_CANON, c->buf, c->len) == 0) {
        free(c->buf);
        c->buf = NULL;
    }
    gcry_sexp_release(key);
    gcry_sexp_release(parms);
    return c->buf != NULL ? 0 : -1;
}

/* The atom at *p (before end): its bytes and length; *p moves past it.
 * NULL if *p is not at an atom. */
static const unsigned char *atom(const unsigned char **p,
                                 const unsigned char *end, size_t *n)
{
    const unsigned char *q = *p;
    size_t len = 0;

    while (q < end && *q >= '0' && *q <= '9' && len < 1000000) {
        len = len * 10 + (size_t)(*q++ - '0');
    }
    if (q == *p || q >= end || *q != ':' || len > (size_t)(end - q - 1)) {
        return NULL;
    }
    *p = q + 1 + len;
    *n = len;
    return q + 1;
}

/* The value of the first list "(name value ...)" in c, or NULL. */
static const unsigned char *canon_value(const struct canon *c,
                                        const char *name, size_t *n)
{
    const unsigned char *p = c->buf, *end = c->buf + c->len, *a, *v = NULL;
    int first = 0;
    size_t an = 0;

    while (p != NULL && p < end && v == NULL) {
        if (*p == '(' || *p == ')') {
            first = *p++ == '(';
            continue;
        }
        a = atom(&p, end, &an);
        if (a != NULL && first && an == strlen(name) &&
            memcmp(a, name, an) == 0) {
            v = atom(&p, end, n);
        }
        p = a != NULL ? p : NULL;
        first = 0;
    }
    return v;
}

/* Wipe and free. */
static void canon_free(struct canon *c)
{
    if (c->buf != NULL) {
        sodium_memzero(c->buf, c->len);
        free(c->buf);
    }
    c->buf = NULL;
}

/* Append key value name from c as a string (as_mpint 0) or as an mpint
 * (as_mpint 1; libgcrypt's values are big-endian, maybe with a 0 byte). */
static void put_param(struct sshbuf *b, const struct canon *c,
                      const char *name, int as_mpint)
{
    size_t n = 0;
    const unsigned char *p = canon_value(c, name, &n);

    if (p == NULL) {
        b->err = 1;
    } else if (as_mpint) {
        sshbuf_put_mpint(b, p, n);
    } else {
        sshbuf_put_string(b, p, n);
    }
}

/* ECDSA on a NIST curve, from libgcrypt. */
static int make_ecdsa(struct genkey *k, unsigned bits)
{
    const struct curve *c = find_curve(bits);
    struct canon key = { NULL, 0 };
    char spec[64];
    int rc = -1;

    if (c != NULL) {
        snprintf(spec, sizeof(spec), "(genkey (ecc (curve \"%s\")))",
                 c->gcry);
        rc = gen_canon(spec, &key);
    }
    if (rc == 0) {
        k->name = c->name;
        sshbuf_put_cstring(&k->pub, c->name);
        sshbuf_put_cstring(&k->pub, c->ssh);
        put_param(&k->pub, &key, "q", 0);
        sshbuf_put_cstring(&k->priv, c->ssh);
        put_param(&k->priv, &key, "q", 0);
        put_param(&k->priv, &key, "d", 1);
    }
    canon_free(&key);
    return rc;
}

/* Key value name from c as a new MPI, or NULL. */
static gcry_mpi_t param_mpi(const struct canon *c, const char *name)
{
    size_t n = 0;
    const unsigned char *p = canon_value(c, name, &n);
    gcry_mpi_t m = NULL;

    if (p == NULL || gcry_mpi_scan(&m, GCRYMPI_FMT_USG, p, n, NULL) != 0) {
        m = NULL;
    }
    return m;
}

/* Append m as an mpint, through a stack buffer wiped afterwards. */
static void put_mpi(struct sshbuf *b, gcry_mpi_t m)
{
    unsigned char buf[RSA_MAX_BITS / 8 + 1];
    size_t n = 0;

    if (m == NULL ||
        gcry_mpi_print(GCRYMPI_FMT_USG, buf, sizeof(buf), &n, m) != 0) {
        b->err = 1;
    } else {
        sshbuf_put_mpint(b, buf, n);
    }
    sodium_memzero(buf, sizeof(buf));
}

/* Zero and free an MPI that held a secret (freeing wipes its limbs too). */
static void release_secret(gcry_mpi_t m)
{
    if (m != NULL) {
        gcry_mpi_set_ui(m, 0);
        gcry_mpi_release(m);
    }
}

/* Fill k from libgcrypt's RSA key.  libgcrypt keeps p < q and
 * u = p^-1 mod q; OpenSSH files conventionally have p > q and store
 * iqmp = q^-1 mod p, so gcrypt's q is written as p and its p as q. */
static void put_rsa(struct genkey *k, const struct canon *key)
{
    gcry_mpi_t p = param_mpi(key, "q");
    gcry_mpi_t q = param_mpi(key, "p");
    gcry_mpi_t iqmp = gcry_mpi_new(0);

    if (p == NULL || q == NULL || iqmp == NULL ||
        !gcry_mpi_invm(iqmp, q, p)) {
        k->priv.err = 1;
    }
    k->name = "ssh-rsa";
    sshbuf_put_cstring(&k->pub, k->name);
    put_param(&k->pub, key, "e", 1);
    put_param(&k->pub, key, "n", 1);
    put_param(&k->priv, key, "n", 1);
    put_param(&k->priv, key, "e", 1);
    put_param(&k->priv, key, "d", 1);
    put_mpi(&k->priv, iqmp);
    put_mpi(&k->priv, p);
    put_mpi(&k->priv, q);
    release_secret(iqmp);
    release_secret(p);
    release_secret(q);
}

/* RSA with public exponent 65537 (libgcrypt's default). */
static int make_rsa(struct genkey *k, unsigned bits)
{
    struct canon key = { NULL, 0 };
    gcry_mpi_t n = NULL;
    char spec[64];
    int rc = -1;

    if (genkey_bits_ok(GENKEY_RSA, bits)) {
        snprintf(spec, sizeof(spec), "(genkey (rsa (nbits \"%u\")))",
                 bits);
        rc = gen_canon(spec, &key);
    }
    if (rc == 0) {
        n = param_mpi(&key, "n");
        rc = n != NULL && gcry_mpi_get_nbits(n) == bits ? 0 : -1;
    }
    if (rc == 0) {
        put_rsa(k, &key);
    }
    gcry_mpi_release(n);
    canon_free(&key);
    return rc;
}

/* Generate a key of type t (see genkey.h). */
int genkey_make(enum genkey_type t, unsigned bits, struct genkey *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    switch (t) {
    case GENKEY_ED25519:
        rc = make_ed25519(out);
        break;
    case GENKEY_ECDSA:
        rc = make_ecdsa(out, bits);
        break;
    case GENKEY_RSA:
        rc = make_rsa(out, bits);
        break;
    default:
        rc = -1;
        break;
    }
    if (rc != 0 || !sshbuf_ok(&out->pub) || !sshbuf_ok(&out->priv)) {
        genkey_free(out);
        return -1;
    }
    return 0;
}

/* Wipe and free both buffers. */
void genkey_free(struct genkey *k)
{
    sshbuf_free(&k->pub);
    sshbuf_free(&k->priv);
    k->name = NULL;
}
