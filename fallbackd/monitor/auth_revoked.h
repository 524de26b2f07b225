/* auth_revoked.h - RevokedKeys, as sshd: a key or certificate listed in the
 * revocation file is refused; when the file is set but cannot be read or
 * parsed, every key and certificate is refused, with the reason logged. */
#ifndef FBD_AUTH_REVOKED_H
#define FBD_AUTH_REVOKED_H

#include <stddef.h>

#include "cert.h"
#include "server.h"

/* Is the plain key BLOB (or, with CERT set, that certificate by serial or
 * key id) revoked?  0 no (or no RevokedKeys), -1 yes with reason set. */
int auth_revoked(const struct server *srv, const unsigned char *blob, size_t len,
                 const struct cert *cert, char *reason, size_t rlen);

#endif
