/* keyfile.c - OpenSSH private key files, "openssh-key-v1" (see keyfile.h).
 *
 * The file (OpenSSH PROTOCOL.key), as written here:
 *
 *     -----BEGIN OPENSSH PRIVATE KEY-----
 *     base64 of the binary below, wrapped at 70 columns
 *     -----END OPENSSH PRIVATE KEY-----
 *
 * The binary:
 *
 *     byte[15]  "openssh-key-v1\0"
 *     string    ciphername             "none" (else the section is encrypted)
 *     string    kdfname                "none" (else e.g. "bcrypt")
 *     string    kdfoptions             empty for "none"
 *     uint32    number of keys         1
 *     string    public key blob        (see pubkey.c)
 *     string    private section, a multiple of 8 bytes (the block size):
 *         uint32  checkint             random
 *         uint32  checkint             the same value again
 *         string  key type name        as in the public blob
 *         ...     private fields of that type (below)
 *         string  comment
 *         byte[]  padding 1, 2, 3, ... up to the multiple of 8
 *
 * Private fields by key type:
 *
 *     ssh-ed25519     string pk(32), string sk(64) = seed(32) || pk(32)
 *     ecdsa-sha2-*    string curve ("nistp256"), string Q (0x04||X||Y),
 *                     mpint d
 *     ssh-rsa         mpint n, mpint e, mpint d, mpint iqmp (q^-1 mod p),
 *                     mpint p, mpint q
 *     ssh-dss         mpint p, mpint q, mpint g, mpint y, mpint x
 *     sk-ssh-ed25519@openssh.com
 *                     string pk, string application, byte flags,
 *                     string key_handle, string reserved
 *     sk-ecdsa-sha2-nistp256@openssh.com
 *                     string curve, string Q, string application,
 *                     byte flags, string key_handle, string reserved
 */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "readfile.h"

#define MAGIC "openssh-key-v1"          /* written with its NUL */
#define MAGIC_LEN 15
#define BEGIN_MARK "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define END_MARK "-----END OPENSSH PRIVATE KEY-----"
#define WRAP 70
#define BLOCK 8
#define MAX_FILE (1024 * 1024)
#define MAX_FIELDS 6

/* Private fields by type, for reading: 's' a string or mpint, 'b' a byte;
 * pub lists which fields, in order, follow the name in the public blob. */
struct layout {
    const char *name;
    const char *fields;
    const char *pub;
};

static const struct layout layouts[] = {
    { "ssh-ed25519", "ss", "0" },
    { "ecdsa-sha2-nistp256", "sss", "01" },
    { "ecdsa-sha2-nistp384", "sss", "01" },
    { "ecdsa-sha2-nistp521", "sss", "01" },
    { "ssh-rsa", "ssssss", "10" },
    { "ssh-dss", "sssss", "0123" },
    { "sk-ssh-ed25519@openssh.com", "ssbss", "01" },
    { "sk-ecdsa-sha2-nistp256@openssh.com", "sssbss", "012" },
};

/* One field as encoded (with its length prefix), pointing into the file. */
struct field {
    const unsigned char *p;
    size_t n;
};

/* The private section: checkints, key, comment, padding to BLOCK. */
static void put_section(struct sshbuf *sec, const char *type,
                        const unsigned char *priv, size_t privlen,
                        const char *comment)
{
    uint32_t check = randombytes_random();
    uint8_t pad;

    sshbuf_put_u32(sec, check);
    sshbuf_put_u32(sec, check);
    sshbuf_put_cstring(sec, type);
    sshbuf_put(sec, priv, privlen);
    sshbuf_put_cstring(sec, comment);
    for (pad = 1; sshbuf_ok(sec) && sec->len % BLOCK != 0; pad++) {
        sshbuf_put_u8(sec, pad);
    }
}

/* The binary file contents around an unencrypted private section. */
static void put_binary(struct sshbuf *bin, const unsigned char *pub,
                       size_t publen, const struct sshbuf *sec)
{
    sshbuf_put(bin, MAGIC, MAGIC_LEN);
    sshbuf_put_cstring(bin, "none");
    sshbuf_put_cstring(bin, "none");
    sshbuf_put_string(bin, "", 0);
    sshbuf_put_u32(bin, 1);
    sshbuf_put_string(bin, pub, publen);
    sshbuf_put_string(bin, sec->data, sec->len);
}

/* Append bin as base64 between the BEGIN and END lines. */
static int put_armor(struct sshbuf *out, const struct sshbuf *bin)
{
    size_t n = sodium_base64_ENCODED_LEN(bin->len,
                                         sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(n);
    size_t i, len, line;
    int ok = b64 != NULL;

    if (ok) {
        sodium_bin2base64(b64, n, bin->data, bin->len,
                          sodium_base64_VARIANT_ORIGINAL);
        len = strlen(b64);
        sshbuf_put(out, BEGIN_MARK, strlen(BEGIN_MARK));
        for (i = 0; i < len; i += line) {
            line = len - i < WRAP ? len - i : WRAP;
            sshbuf_put(out, b64 + i, line);
            sshbuf_put_u8(out, '\n');
        }
        sshbuf_put(out, END_MARK "\n", strlen(END_MARK "\n"));
        sodium_memzero(b64, n);
        free(b64);
    }
    return ok && sshbuf_ok(out) ? 0 : -1;
}

/* Write an unencrypted key file's text into out (see keyfile.h). */
int keyfile_encode(const char *type, const unsigned char *pub, size_t publen,
                   const unsigned char *priv, size_t privlen,
                   const char *comment, struct sshbuf *out)
{
    struct sshbuf sec = SSHBUF_INIT, bin = SSHBUF_INIT;
    int rc = -1;

    put_section(&sec, type, priv, privlen, comment);
    put_binary(&bin, pub, publen, &sec);
    if (sshbuf_ok(&sec) && sshbuf_ok(&bin)) {
        rc = put_armor(out, &bin);
    }
    sshbuf_free(&sec);
    sshbuf_free(&bin);
    return rc;
}

/* The reading layout of key type name (len bytes), or NULL. */
static const struct layout *find_layout(const unsigned char *name,
                                        size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        if (strlen(layouts[i].name) == len &&
            memcmp(layouts[i].name, name, len) == 0) {
            return &layouts[i];
        }
    }
    return NULL;
}

/* Read the private fields of layout l from r, remembering each one. */
static void read_fields(struct sshrd *r, const struct layout *l,
                        struct field f[MAX_FIELDS])
{
    size_t i, start, n;

    for (i = 0; l->fields[i] != '\0'; i++) {
        start = r->off;
        if (l->fields[i] == 'b') {
            (void)sshrd_u8(r);
        } else {
            (void)sshrd_string(r, &n);
        }
        f[i].p = r->p + start;
        f[i].n = sshrd_ok(r) ? r->off - start : 0;
    }
}

/* Do the public parts of the private fields make up the header's blob? */
static int matches_pub(const struct layout *l, const struct field *f,
                       const unsigned char *pub, size_t publen)
{
    struct sshbuf b = SSHBUF_INIT;
    size_t i;
    int same;

    sshbuf_put_cstring(&b, l->name);
    for (i = 0; l->pub[i] != '\0'; i++) {
        sshbuf_put(&b, f[l->pub[i] - '0'].p, f[l->pub[i] - '0'].n);
    }
    same = sshbuf_ok(&b) && b.len == publen &&
           memcmp(b.data, pub, publen) == 0;
    sshbuf_free(&b);
    return same;
}

/* Are the bytes left in r the padding 1, 2, 3, ...? */
static int padding_ok(struct sshrd *r)
{
    uint8_t want = 1;

    while (sshrd_left(r) > 0) {
        if (sshrd_u8(r) != want++) {
            return 0;
        }
    }
    return sshrd_ok(r);
}

/* The comment from an unencrypted private section, if the section is well
 * formed and holds the key of the header's public blob; else NULL. */
static char *read_section(const unsigned char *sec, size_t seclen,
                          const unsigned char *pub, size_t publen)
{
    struct field f[MAX_FIELDS];
    const struct layout *l = NULL;
    const unsigned char *name, *cmt;
    size_t nlen, clen;
    struct sshrd r;
    uint32_t check;

    sshrd_init(&r, sec, seclen);
    check = sshrd_u32(&r);
    r.err |= sshrd_u32(&r) != check || seclen % BLOCK != 0;
    name = sshrd_string(&r, &nlen);
    if (name != NULL) {
        l = find_layout(name, nlen);
    }
    if (l != NULL) {
        read_fields(&r, l, f);
    }
    cmt = sshrd_string(&r, &clen);
    if (l == NULL || cmt == NULL || memchr(cmt, '\0', clen) != NULL ||
        !padding_ok(&r) || !matches_pub(l, f, pub, publen)) {
        return NULL;
    }
    return strndup((const char *)cmt, clen);
}

/* Is string s (n bytes) "none"? */
static int is_none(const unsigned char *s, size_t n)
{
    return s != NULL && n == 4 && memcmp(s, "none", 4) == 0;
}

/* Parse the binary contents of a key file (see the layout above). */
static int parse_binary(const unsigned char *bin, size_t len,
                        struct keyfile_info *out)
{
    const unsigned char *magic, *cipher, *kdf, *pub, *sec;
    size_t clen, klen, olen, plen, slen;
    struct sshrd r;
    uint32_t nkeys;

    sshrd_init(&r, bin, len);
    magic = sshrd_bytes(&r, MAGIC_LEN);
    cipher = sshrd_string(&r, &clen);
    kdf = sshrd_string(&r, &klen);
    (void)sshrd_string(&r, &olen);
    nkeys = sshrd_u32(&r);
    pub = sshrd_string(&r, &plen);
    sec = sshrd_string(&r, &slen);
    if (!sshrd_ok(&r) || memcmp(magic, MAGIC, MAGIC_LEN) != 0 || nkeys != 1 ||
        (out->blob = malloc(plen + 1)) == NULL) {
        return -1;
    }
    memcpy(out->blob, pub, plen);
    out->bloblen = plen;
    if (is_none(cipher, clen) && is_none(kdf, klen) && sshrd_left(&r) == 0) {
        out->comment = read_section(sec, slen, pub, plen);
    }
    return 0;
}

/* Decode the base64 between the BEGIN and END lines into a malloc'd
 * buffer of *cap bytes (length used in *len); NULL if not there. */
static unsigned char *unarmor(const char *text, size_t len, size_t *cap,
                              size_t *binlen)
{
    size_t blen = strlen(BEGIN_MARK);
    const char *b64 = text + blen, *end = NULL;
    unsigned char *bin = NULL;

    if (len >= blen && memcmp(text, BEGIN_MARK, blen) == 0) {
        end = memmem(b64 - 1, len - blen + 1, "\n" END_MARK,
                     strlen("\n" END_MARK));
    }
    if (end != NULL && end >= b64) {
        *cap = (size_t)(end - b64) / 4 * 3 + 3;
        bin = malloc(*cap);
    }
    if (bin != NULL &&
        sodium_base642bin(bin, *cap, b64, (size_t)(end - b64),
                          " \t\r\n\v\f", binlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        sodium_memzero(bin, *cap);
        free(bin);
        bin = NULL;
    }
    return bin;
}

/* Parse a key file's text (see keyfile.h). */
int keyfile_parse(const char *text, size_t len, struct keyfile_info *out)
{
    size_t cap = 0, binlen = 0;
    unsigned char *bin = unarmor(text, len, &cap, &binlen);
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (bin != NULL) {
        rc = parse_binary(bin, binlen, out);
        sodium_memzero(bin, cap);
        free(bin);
    }
    return rc;
}

/* Read and parse the key file at path (see keyfile.h). */
int keyfile_read(const char *path, struct keyfile_info *out)
{
    size_t len = 0;
    char *text = NULL;
    int err = readfile_path(path, MAX_FILE, &text, &len);
    int rc;

    memset(out, 0, sizeof(*out));
    if (err != 0) {
        errno = err;
        return -1;
    }
    rc = keyfile_parse(text, len, out);
    sodium_memzero(text, len);
    free(text);
    return rc;
}

/* Free what keyfile_parse() filled in. */
void keyfile_info_free(struct keyfile_info *k)
{
    free(k->blob);
    free(k->comment);
    memset(k, 0, sizeof(*k));
}
