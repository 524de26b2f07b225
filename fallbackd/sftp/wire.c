/* wire.c - SFTP packet codec (wire.h). */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* Framing (draft-ietf-secsh-filexfer-02 section 3):
 *
 *     uint32  length      5 .. SFTP_MAX_IN_PACKET
 *     byte    type
 *     byte[length - 1]    request-id and payload (INIT: the version)
 *
 * The smallest packet is INIT (type + uint32 version) or a request with
 * only an id: 5 bytes. */
long wire_frame(const unsigned char *p, size_t n, const char **why)
{
    uint32_t len;

    if (n < 4) {
        return 0;
    }
    len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (len < 5) {
        *why = "packet too short";
        return -1;
    }
    if (len > SFTP_MAX_IN_PACKET) {
        *why = "packet too long";
        return -1;
    }
    return n - 4 >= len ? (long)len + 4 : 0;
}

uint64_t wire_u64(struct sshrd *r)
{
    uint64_t hi = sshrd_u32(r);

    return hi << 32 | sshrd_u32(r);
}

void wire_path(struct sshrd *r, char *buf, size_t cap)
{
    size_t n = 0;
    const unsigned char *p = sshrd_string(r, &n);

    buf[0] = '\0';
    if (p == NULL) {
        return;
    }
    if (n >= cap || memchr(p, '\0', n) != NULL) {
        r->err = 1;
        return;
    }
    memcpy(buf, p, n);
    buf[n] = '\0';
}

unsigned char *wire_reserve(struct wire_out *o, size_t n)
{
    size_t cap = o->cap ? o->cap : 65536;
    unsigned char *d;

    if (o->err) {
        return NULL;
    }
    if (o->len + n <= o->cap) {
        return o->data + o->len;
    }
    while (cap < o->len + n) {
        cap *= 2;
    }
    d = realloc(o->data, cap);
    if (d == NULL) {
        o->err = 1;
        return NULL;
    }
    o->data = d;
    o->cap = cap;
    return o->data + o->len;
}

void wire_advance(struct wire_out *o, size_t n)
{
    if (!o->err) {
        o->len += n;
    }
}

/* Append n bytes. */
static void put(struct wire_out *o, const void *p, size_t n)
{
    unsigned char *d = wire_reserve(o, n);

    if (d != NULL) {
        memcpy(d, p, n);
        o->len += n;
    }
}

static void be32(unsigned char *d, uint32_t v)
{
    d[0] = (unsigned char)(v >> 24);
    d[1] = (unsigned char)(v >> 16);
    d[2] = (unsigned char)(v >> 8);
    d[3] = (unsigned char)v;
}

void wire_begin(struct wire_out *o, uint8_t type)
{
    static const unsigned char zero[4];

    o->start = o->len;
    put(o, zero, 4);
    put(o, &type, 1);
}

void wire_put_u8(struct wire_out *o, uint8_t v)
{
    put(o, &v, 1);
}

void wire_put_u32(struct wire_out *o, uint32_t v)
{
    unsigned char b[4];

    be32(b, v);
    put(o, b, 4);
}

void wire_put_u64(struct wire_out *o, uint64_t v)
{
    wire_put_u32(o, (uint32_t)(v >> 32));
    wire_put_u32(o, (uint32_t)v);
}

void wire_put_string(struct wire_out *o, const void *p, size_t n)
{
    wire_put_u32(o, (uint32_t)n);
    put(o, p, n);
}

void wire_put_cstring(struct wire_out *o, const char *s)
{
    wire_put_string(o, s, strlen(s));
}

void wire_patch_u32(struct wire_out *o, size_t at, uint32_t v)
{
    if (!o->err && at + 4 <= o->len) {
        be32(o->data + at, v);
    }
}

void wire_end(struct wire_out *o)
{
    if (!o->err) {
        be32(o->data + o->start, (uint32_t)(o->len - o->start - 4));
    }
}

void wire_cancel(struct wire_out *o)
{
    if (!o->err) {
        o->len = o->start;
    }
}

size_t wire_packet_len(const struct wire_out *o)
{
    return o->err ? 0 : o->len - o->start - 4;
}

void wire_consume(struct wire_out *o, size_t n)
{
    if (n >= o->len) {
        o->len = 0;
    } else {
        memmove(o->data, o->data + n, o->len - n);
        o->len -= n;
    }
    o->start = o->len;
}

void wire_out_free(struct wire_out *o)
{
    free(o->data);
    memset(o, 0, sizeof(*o));
}
