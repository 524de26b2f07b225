/* fingerprint.h - "fallbackd fingerprint FILE", the way ssh-keygen -lf
 * prints fingerprints (the CLI entry point is in keytool.h). */
#ifndef FBD_FINGERPRINT_H
#define FBD_FINGERPRINT_H

#include <stdio.h>

#include "pubkey.h"

/* Print "BITS SHA256:... COMMENT (TYPE)\n" for k to out.  A NULL comment
 * prints as "no comment"; control characters and bytes that are not UTF-8
 * are shown as \ooo octal, as ssh-keygen does. */
void fingerprint_print(FILE *out, const struct pubkey *k, const char *comment);

/* ssh-keygen -lf PATH, default SHA256: one line per key to out, errors to
 * err.  PATH may be an OpenSSH private key (its PATH.pub is preferred when
 * readable, as ssh-keygen does), a public key file, an authorized_keys or
 * known_hosts file, or "-" for standard input.  Returns the exit code:
 * 0, or 255 when no key was found or the file cannot be read.
 * Call sodium_init() and gcry_check_version() first. */
int fingerprint_file(const char *path, FILE *out, FILE *err);

#endif
