/* keyfile.h - OpenSSH's private key file format ("openssh-key-v1",
 * PROTOCOL.key): writing unencrypted files, and reading the public key
 * and comment back out of one.  The layout is described in keyfile.c.
 *
 * Precondition: sodium_init() has been called.
 */
#ifndef FBD_KEYFILE_H
#define FBD_KEYFILE_H

#include <stddef.h>

#include "sshbuf.h"

/* Append to out the armored text of an unencrypted key file holding one
 * key: type is its name ("ssh-ed25519", ...), pub its public key blob,
 * priv the type-specific private fields as they appear in the private
 * section (e.g. ed25519: string pk, string sk).  out holds the secret key:
 * sshbuf_free() wipes it.  0 ok, -1 out of memory. */
int keyfile_encode(const char *type, const unsigned char *pub, size_t publen,
                   const unsigned char *priv, size_t privlen,
                   const char *comment, struct sshbuf *out);

struct keyfile_info {
    unsigned char *blob;    /* public key blob from the file's header */
    size_t bloblen;
    char *comment;          /* NULL unless the private section could be
                             * read: it is not encrypted and well formed */
};

/* Parse the text of a key file (len bytes).  The public key comes from the
 * clear header even when the private section is encrypted.  0 ok, -1 not
 * an OpenSSH private key file. */
int keyfile_parse(const char *text, size_t len, struct keyfile_info *out);

/* keyfile_parse() on the contents of file path (at most 1 MiB).  -1 when
 * it cannot be read (errno set) or is not such a file. */
int keyfile_read(const char *path, struct keyfile_info *out);

void keyfile_info_free(struct keyfile_info *k);

#endif
