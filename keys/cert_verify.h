/* cert_verify.h - checking a certificate's CA signature with libssh's
 * public-key API (no crypto of our own).  Used by the monitor. */
#ifndef FBD_CERT_VERIFY_H
#define FBD_CERT_VERIFY_H

#include <stddef.h>

#include <libssh/libssh.h>

#include "cert.h"

/* Is the CA signature of C valid, made with an algorithm of the
 * comma-separated pattern list ALGS?  VERIFIER is a session used only for
 * libssh's key-size rules.  0, or -1 with the reason in why. */
int cert_verify_ca(ssh_session verifier, const struct cert *c, const char *algs,
                   char *why, size_t whylen);

#endif
