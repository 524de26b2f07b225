/* wire.h - SFTP packet codec: framing of the input stream, reading fields
 * of one packet (keys/sshbuf.h's checked reader, plus uint64 and paths),
 * and building replies in a bounded output buffer. */
#ifndef FBD_SFTP_WIRE_H
#define FBD_SFTP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "sshbuf.h"

/* Replies waiting to be written to the client.  A packet is built in
 * place: wire_begin() leaves room for its length, wire_end() fills it in.
 * Errors are sticky (err): after a failed allocation nothing more is
 * appended and the server ends the subsystem. */
struct wire_out {
    unsigned char *data;
    size_t len;         /* bytes of finished and current packets */
    size_t cap;
    size_t start;       /* offset of the packet being built */
    int err;
};

/* Input framing: given the N bytes at P (the start of a packet), the
 * packet's total size (4 + length) if all of it is there, 0 if more bytes
 * are needed, -1 if the length is out of bounds (shorter than type +
 * uint32, or longer than SFTP_MAX_IN_PACKET); *why says which. */
long wire_frame(const unsigned char *p, size_t n, const char **why);

/* uint64: two uint32, high first. */
uint64_t wire_u64(struct sshrd *r);

/* A string holding a path, copied NUL-terminated into buf (cap bytes).
 * An embedded NUL or a path of cap bytes or more sets r's error. */
void wire_path(struct sshrd *r, char *buf, size_t cap);

/* Start a reply packet of TYPE (its length is filled in by wire_end). */
void wire_begin(struct wire_out *o, uint8_t type);
void wire_put_u8(struct wire_out *o, uint8_t v);
void wire_put_u32(struct wire_out *o, uint32_t v);
void wire_put_u64(struct wire_out *o, uint64_t v);
void wire_put_string(struct wire_out *o, const void *p, size_t n);
void wire_put_cstring(struct wire_out *o, const char *s);

/* Room for n more bytes at data + len (not yet counted): NULL after an
 * allocation failure.  wire_advance() counts bytes written there. */
unsigned char *wire_reserve(struct wire_out *o, size_t n);
void wire_advance(struct wire_out *o, size_t n);

/* Overwrite the uint32 at offset AT of the buffer (a count written
 * before its entries were known). */
void wire_patch_u32(struct wire_out *o, size_t at, uint32_t v);

/* Finish the current packet / drop it (back to where it began). */
void wire_end(struct wire_out *o);
void wire_cancel(struct wire_out *o);

/* Bytes of the current packet so far (type included, length excluded). */
size_t wire_packet_len(const struct wire_out *o);

/* Drop the first n bytes (written to the client). */
void wire_consume(struct wire_out *o, size_t n);

void wire_out_free(struct wire_out *o);

#endif
