/* sshbuf.h - a tiny checked buffer for SSH wire encodings (RFC 4251 §5).
 *
 * Writer (struct sshbuf): grows on demand and wipes every byte it gives up
 * (on growth and on free), so it may hold private keys.  Errors are sticky:
 * after an allocation failure every further put does nothing and
 * sshbuf_ok() returns 0, so a caller checks once, after its last put.
 *
 * Reader (struct sshrd): walks a const byte range, same sticky error: a
 * read past the end sets err, returns zero/NULL, and so do all later reads.
 *
 * Encodings (RFC 4251 §5):
 *     uint32   4 bytes, big-endian
 *     uint64   8 bytes, big-endian
 *     string   uint32 length, then that many bytes
 *     mpint    a string holding a two's-complement big-endian integer with
 *              no needless leading byte: 0 is the empty string, and a
 *              positive number whose top bit is set gets a leading 0x00
 */
#ifndef FBD_SSHBUF_H
#define FBD_SSHBUF_H

#include <stddef.h>
#include <stdint.h>

struct sshbuf {
    unsigned char *data;
    size_t len;         /* bytes written */
    size_t cap;         /* bytes allocated */
    int err;            /* sticky: an allocation failed */
};

#define SSHBUF_INIT { NULL, 0, 0, 0 }

/* Append raw bytes / one byte / a uint32 / a string / a C string. */
void sshbuf_put(struct sshbuf *b, const void *p, size_t n);
void sshbuf_put_u8(struct sshbuf *b, uint8_t v);
void sshbuf_put_u32(struct sshbuf *b, uint32_t v);
void sshbuf_put_string(struct sshbuf *b, const void *p, size_t n);
void sshbuf_put_cstring(struct sshbuf *b, const char *s);

/* Append a non-negative mpint given as an unsigned big-endian magnitude
 * (leading zero bytes allowed; they are dropped). */
void sshbuf_put_mpint(struct sshbuf *b, const unsigned char *mag, size_t n);

/* 1 if every put so far succeeded. */
int sshbuf_ok(const struct sshbuf *b);

/* Wipe and free the contents; b is empty and reusable afterwards. */
void sshbuf_free(struct sshbuf *b);

struct sshrd {
    const unsigned char *p;
    size_t len;
    size_t off;
    int err;            /* sticky: a read ran past the end or was invalid */
};

void sshrd_init(struct sshrd *r, const void *p, size_t n);
uint8_t sshrd_u8(struct sshrd *r);
uint32_t sshrd_u32(struct sshrd *r);
uint64_t sshrd_u64(struct sshrd *r);

/* n raw bytes, as a pointer into the data (NULL on error). */
const unsigned char *sshrd_bytes(struct sshrd *r, size_t n);

/* A string's contents, as a pointer into the data; length in *n. */
const unsigned char *sshrd_string(struct sshrd *r, size_t *n);

/* A string that must equal the C string want (sets err if not). */
void sshrd_expect(struct sshrd *r, const char *want);

/* A non-negative mpint: its magnitude without leading zero bytes (possibly
 * empty), as a pointer into the data; a negative mpint sets err. */
const unsigned char *sshrd_mpint(struct sshrd *r, size_t *n);

/* Bytes not read yet. */
size_t sshrd_left(const struct sshrd *r);

/* 1 if every read so far succeeded. */
int sshrd_ok(const struct sshrd *r);

#endif
