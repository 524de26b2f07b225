/* sshbuf.c - a tiny checked buffer for SSH wire encodings (see sshbuf.h). */
#include "sshbuf.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Make room for n more bytes.  The old block is wiped before it is freed,
 * so secrets never linger in released heap memory. */
static int grow(struct sshbuf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : 64;
    size_t len = b->len;
    unsigned char *p;

    if (b->err || n > SIZE_MAX / 4 - b->len) {
        b->err = 1;
        return -1;
    }
    while (cap < b->len + n) {
        cap *= 2;
    }
    if (cap == b->cap) {
        return 0;
    }
    p = malloc(cap);
    if (p == NULL) {
        b->err = 1;
        return -1;
    }
    if (b->len > 0) {
        memcpy(p, b->data, b->len);
    }
    sshbuf_free(b);
    b->data = p;
    b->cap = cap;
    b->len = len;
    return 0;
}

/* Append n raw bytes. */
void sshbuf_put(struct sshbuf *b, const void *p, size_t n)
{
    if (grow(b, n) < 0) {
        return;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
}

/* Append one byte. */
void sshbuf_put_u8(struct sshbuf *b, uint8_t v)
{
    sshbuf_put(b, &v, 1);
}

/* Append a big-endian uint32. */
void sshbuf_put_u32(struct sshbuf *b, uint32_t v)
{
    unsigned char be[4] = {
        (unsigned char)(v >> 24), (unsigned char)(v >> 16),
        (unsigned char)(v >> 8), (unsigned char)v,
    };

    sshbuf_put(b, be, sizeof(be));
}

/* Append a string: uint32 length, then the bytes. */
void sshbuf_put_string(struct sshbuf *b, const void *p, size_t n)
{
    if (n > UINT32_MAX) {
        b->err = 1;
        return;
    }
    sshbuf_put_u32(b, (uint32_t)n);
    sshbuf_put(b, p, n);
}

/* Append a C string as a string (without its NUL). */
void sshbuf_put_cstring(struct sshbuf *b, const char *s)
{
    sshbuf_put_string(b, s, strlen(s));
}

/* Append a non-negative mpint from its unsigned big-endian magnitude. */
void sshbuf_put_mpint(struct sshbuf *b, const unsigned char *mag, size_t n)
{
    int pad;

    while (n > 0 && mag[0] == 0) {
        mag++;
        n--;
    }
    pad = n > 0 && (mag[0] & 0x80) != 0;
    if (n > UINT32_MAX - 1) {
        b->err = 1;
        return;
    }
    sshbuf_put_u32(b, (uint32_t)(n + (size_t)pad));
    if (pad) {
        sshbuf_put_u8(b, 0);
    }
    sshbuf_put(b, mag, n);
}

/* 1 if every put so far succeeded. */
int sshbuf_ok(const struct sshbuf *b)
{
    return !b->err;
}

/* Wipe and free the contents, keeping the error flag. */
void sshbuf_free(struct sshbuf *b)
{
    if (b->data != NULL) {
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* Start reading n bytes at p. */
void sshrd_init(struct sshrd *r, const void *p, size_t n)
{
    r->p = p;
    r->len = n;
    r->off = 0;
    r->err = 0;
}

/* n raw bytes as a pointer into the data, NULL (and err) past the end. */
const unsigned char *sshrd_bytes(struct sshrd *r, size_t n)
{
    const unsigned char *p;

    if (r->err || n > r->len - r->off) {
        r->err = 1;
        return NULL;
    }
    p = r->p + r->off;
    r->off += n;
    return p;
}

/* One byte (0 on error). */
uint8_t sshrd_u8(struct sshrd *r)
{
    const unsigned char *p = sshrd_bytes(r, 1);

    return p != NULL ? p[0] : 0;
}

/* A big-endian uint32 (0 on error). */
uint32_t sshrd_u32(struct sshrd *r)
{
    const unsigned char *p = sshrd_bytes(r, 4);

    if (p == NULL) {
        return 0;
    }
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* A string's contents and length (NULL and *n = 0 on error). */
uint64_t sshrd_u64(struct sshrd *r)
{
    uint64_t hi = sshrd_u32(r);

    return (hi << 32) | sshrd_u32(r);
}

const unsigned char *sshrd_string(struct sshrd *r, size_t *n)
{
    uint32_t len = sshrd_u32(r);
    const unsigned char *p = sshrd_bytes(r, len);

    *n = p != NULL ? len : 0;
    return p;
}

/* A string that must equal want. */
void sshrd_expect(struct sshrd *r, const char *want)
{
    size_t n;
    const unsigned char *p = sshrd_string(r, &n);

    if (p == NULL || n != strlen(want) || memcmp(p, want, n) != 0) {
        r->err = 1;
    }
}

/* A non-negative mpint's magnitude, leading zero bytes dropped. */
const unsigned char *sshrd_mpint(struct sshrd *r, size_t *n)
{
    const unsigned char *p = sshrd_string(r, n);

    if (p != NULL && *n > 0 && (p[0] & 0x80) != 0) {
        r->err = 1;
        *n = 0;
        return NULL;
    }
    while (p != NULL && *n > 0 && p[0] == 0) {
        p++;
        (*n)--;
    }
    return p;
}

/* Bytes not read yet (0 after an error). */
size_t sshrd_left(const struct sshrd *r)
{
    return r->err ? 0 : r->len - r->off;
}

/* 1 if every read so far succeeded. */
int sshrd_ok(const struct sshrd *r)
{
    return !r->err;
}
