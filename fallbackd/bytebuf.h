/* bytebuf.h - a growable FIFO of bytes (data waiting for a slow reader). */
#ifndef FBD_BYTEBUF_H
#define FBD_BYTEBUF_H

#include <stddef.h>

struct bytebuf {
    unsigned char *data;
    size_t off;     /* first unread byte */
    size_t len;     /* unread bytes from off */
    size_t cap;
};

/* Append n bytes; 0 ok, -1 out of memory (nothing appended). */
int bytebuf_append(struct bytebuf *b, const void *p, size_t n);

/* Drop the first n unread bytes (n <= b->len). */
void bytebuf_consume(struct bytebuf *b, size_t n);

static inline const unsigned char *bytebuf_head(const struct bytebuf *b)
{
    return b->data + b->off;
}

void bytebuf_free(struct bytebuf *b);

#endif
