/* hostkeys.h - host keys, split across the processes of a connection.
 *
 *   process          | holds
 *   -----------------+------------------------------------------------------
 *   listener         | each key file's text (read once, at start or reload)
 *                    |   and its public key; never parses a private key
 *   monitor          | the private keys, parsed from that text after the
 *                    |   network process was forked; signs exchange hashes
 *   network process  | public keys only (in its ssh_bind); wipes the text
 *                    |   it inherited before it reads a byte from the client
 *
 * The listener checks that each private key parses in a short-lived
 * forked child, so that no private key material ever lands in the heap
 * the network process inherits.
 */
#ifndef FBD_HOSTKEYS_H
#define FBD_HOSTKEYS_H

#include <libssh/server.h>

#include "config.h"
#include "diag.h"

struct hostkey {
    char *path;
    char *text;             /* the key file (NUL-terminated), wiped by N */
    size_t len;
    unsigned char *blob;    /* public key blob */
    size_t bloblen;
    ssh_key priv;           /* monitor only: parsed on first use */
};

struct hostkeys {
    struct hostkey k[CFG_MAX_HOSTKEYS];
    size_t n;
};

/* Read every HostKey of cfg, check it, and build an ssh_bind that carries
 * fallbackd's algorithms and the public keys.  Returns NULL with reasons
 * in errs. */
ssh_bind hostkeys_load(const struct fbd_config *cfg, struct hostkeys *keys, struct diag *errs);

/* An ssh_bind with cfg's algorithms and the public keys of KEYS (path and
 * blob of each; no text, no private key): the re-executed network
 * process's (listener/netexec.h).  NULL with reasons in errs. */
ssh_bind hostkeys_public_bind(const struct fbd_config *cfg, const struct hostkeys *keys,
                              struct diag *errs);

/* Wipe the key file texts (the network process, before anything else). */
void hostkeys_wipe(struct hostkeys *keys);

/* Monitor: sign DATA (an exchange hash) with the private key whose public
 * blob is BLOB, as libssh would.  Returns the signature blob (free with
 * ssh_string_free) or NULL. */
ssh_string hostkeys_sign(struct hostkeys *keys, const unsigned char *blob, size_t bloblen,
                         int digest, const unsigned char *data, size_t len);

/* The host key whose public blob is BLOB, or NULL. */
const struct hostkey *hostkeys_find(const struct hostkeys *keys, const unsigned char *blob,
                                    size_t bloblen);

void hostkeys_free(struct hostkeys *keys);

#endif
