/* auth_cert.h - the monitor's decision on a user certificate. */
#ifndef FBD_AUTH_CERT_H
#define FBD_AUTH_CERT_H

#include <stddef.h>

#include "monitor.h"

/* May m->user log in with the certificate BLOB?  SIG (the user's
 * signature blob, NULL for a query) is only looked at for security-key
 * flags.  On AUTHZ_OK m->authz holds the user and, in m->authz.key.opts,
 * the forced command and pty permission that apply. */
enum authz_verdict auth_cert_decide(struct monitor *m, const unsigned char *blob, size_t len,
                                    const unsigned char *sig, size_t siglen,
                                    char *reason, size_t rlen);

/* sshd's description of a certificate key for log lines; -1 if BLOB is
 * not a certificate (out untouched). */
int auth_cert_describe(const unsigned char *blob, size_t len, char *out, size_t outlen);

#endif
