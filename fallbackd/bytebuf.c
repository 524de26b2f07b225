/* bytebuf.c - a growable FIFO of bytes (bytebuf.h). */
#include "bytebuf.h"

#include <stdlib.h>
#include <string.h>

int bytebuf_append(struct bytebuf *b, const void *p, size_t n)
{
    if (n == 0) {
        return 0;
    }
    if (b->off > 0 && b->off + b->len + n > b->cap) {
        memmove(b->data, b->data + b->off, b->len);
        b->off = 0;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        unsigned char *d;

        while (cap < b->len + n) {
            cap *= 2;
        }
        d = realloc(b->data, cap);
        if (d == NULL) {
            return -1;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->off + b->len, p, n);
    b->len += n;
    return 0;
}

void bytebuf_consume(struct bytebuf *b, size_t n)
{
    if (n >= b->len) {
        b->off = 0;
        b->len = 0;
        return;
    }
    b->off += n;
    b->len -= n;
}

void bytebuf_free(struct bytebuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}
