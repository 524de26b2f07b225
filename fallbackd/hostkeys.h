/* hostkeys.h - load host keys into an ssh_bind, in the listener. */
#ifndef FBD_HOSTKEYS_H
#define FBD_HOSTKEYS_H

#include <libssh/server.h>

#include "config.h"
#include "diag.h"

/* Create an ssh_bind carrying fallbackd's algorithms and every HostKey of
 * cfg, imported now (libssh would otherwise read the files lazily at the
 * first connection, after a fault may have removed them).  At most one key
 * per type (ed25519, ecdsa, rsa).  Returns NULL with reasons in errs. */
ssh_bind hostkeys_bind_new(const struct fbd_config *cfg, struct diag *errs);

#endif
