/* authz.h - who may log in, with which key, from where.
 *
 * The whole authorization policy in one place: the smallest RSA key,
 * AllowUsers/DenyUsers, AllowGroups/DenyGroups, PermitRootLogin, the
 * user's fallbackd keys file and the options of the key that matched
 * (from=, expiry-time=, command=).  It reads only the in-memory config and
 * user cache and the keys file.  The monitor asks it (auth_decide.c) for
 * every key the network process relays, queried or signed; the network
 * process never sees it.
 */
#ifndef FBD_AUTHZ_H
#define FBD_AUTHZ_H

#include <stddef.h>
#include <sys/types.h>

#include "authkeys.h"
#include "server.h"
#include "spawn.h"

struct authz {
    struct pw_entry pw;                 /* owned copy of the user's entry */
    gid_t groups[SPAWN_MAX_GROUPS];     /* setgroups() list, primary first */
    size_t ngroups;
    struct ak_key key;                  /* the matching key and its options */
};

enum authz_verdict {
    AUTHZ_OK = 0,
    AUTHZ_INVALID_USER,     /* no such user */
    AUTHZ_ROOT_REFUSED,     /* uid 0 and PermitRootLogin no (a reason) */
    AUTHZ_USER_REFUSED,     /* user exists but may not log in (a reason) */
    AUTHZ_KEY_REFUSED,      /* key too weak, not listed, or its options refuse
                               (a reason when there is more to say than
                               "not listed") */
};

/* May USER log in at all, from ADDR?  Fills a->pw and the group list.
 * A refusal adds one line to reason, in sshd's log wording (without
 * " port N"). */
enum authz_verdict authz_user(const struct server *srv, const char *user,
                              const char *addr, struct authz *a, struct diag *reason);

/* May USER log in with the key whose wire blob is BLOB, from ADDR?
 * On AUTHZ_OK, a->key holds the key line and its options.  A key fallbackd cannot parse, and
 * an RSA key outside ALGO_RSA_MIN_BITS..ALGO_RSA_MAX_BITS (or with an exponent
 * over ALGO_RSA_MAX_E_BITS bits), are refused before the user is looked at. */
enum authz_verdict authz_key(const struct server *srv, const char *user,
                             const unsigned char *blob, size_t bloblen,
                             const char *addr, struct authz *a, struct diag *reason);

/* Expand %u, %h and %% in an AuthorizedKeysFile pattern.  0 ok, -1 if
 * the result does not fit. */
int authz_keys_path(const char *pattern, const struct pw_entry *pw, char *out, size_t outlen);

void authz_clear(struct authz *a);

#endif
