/* authz.c - the authorization policy (authz.h). */
#include "authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addrmatch.h"
#include "algolist.h"
#include "log.h"
#include "pubkey.h"
#include "user_keyfiles.h"

/* Copy a passwd entry (strings duplicated).  0 ok, -1 no memory. */
static int pw_copy(struct pw_entry *dst, const struct pw_entry *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->uid = src->uid;
    dst->gid = src->gid;
    dst->name = strdup(src->name);
    dst->passwd = strdup("");
    dst->gecos = strdup(src->gecos ? src->gecos : "");
    dst->dir = strdup(src->dir && src->dir[0] ? src->dir : "/");
    dst->shell = strdup(src->shell ? src->shell : "");
    if (!dst->name || !dst->passwd || !dst->gecos || !dst->dir || !dst->shell) {
        userdb_pw_free(dst);
        return -1;
    }
    return 0;
}

/* Does one AllowUsers/DenyUsers entry (USER or USER@ADDRS) match? */
static int user_entry_matches(const char *entry, const char *user, const char *addr)
{
    const char *at = strchr(entry, '@');
    char upat[256];

    if (at == NULL) {
        return addrmatch_glob(entry, user);
    }
    if ((size_t)(at - entry) >= sizeof(upat)) {
        return 0;
    }
    memcpy(upat, entry, (size_t)(at - entry));
    upat[at - entry] = '\0';
    return addrmatch_glob(upat, user) && addrmatch_list(addr, at + 1) == 1;
}

/* Does any entry of a user list match? */
static int user_list_matches(const struct strlist *l, const char *user, const char *addr)
{
    for (size_t i = 0; i < l->n; i++) {
        if (user_entry_matches(l->v[i], user, addr)) {
            return 1;
        }
    }
    return 0;
}

/* Is the user in any group whose name matches a pattern of the list? */
static int group_list_matches(const struct server *srv, const struct strlist *l,
                              const struct pw_entry *pw)
{
    for (size_t i = 0; i < l->n; i++) {
        if (userdb_in_group(srv->users, pw, l->v[i])) {
            return 1;
        }
    }
    return 0;
}

/* The Allow/Deny lists, in sshd's order; reason set when refused.  Unlike
 * sshd, a door with neither AllowUsers nor AllowGroups lets no one in: the
 * administrator names who may use the break-glass door. */
static int lists_refuse(const struct server *srv, const struct pw_entry *pw,
                        const char *addr, struct diag *reason)
{
    const struct fbd_config *c = &srv->cfg;
    const char *why = NULL;

    if (c->allow_users.n == 0 && c->allow_groups.n == 0) {
        why = "neither AllowUsers nor AllowGroups is set (fallbackd lets no one in by default)";
    } else if (user_list_matches(&c->deny_users, pw->name, addr)) {
        why = "listed in DenyUsers";
    } else if (c->allow_users.n > 0 && !user_list_matches(&c->allow_users, pw->name, addr)) {
        why = "not listed in AllowUsers";
    } else if (group_list_matches(srv, &c->deny_groups, pw)) {
        why = "a group is listed in DenyGroups";
    } else if (c->allow_groups.n > 0 && !group_list_matches(srv, &c->allow_groups, pw)) {
        why = "none of user's groups are listed in AllowGroups";
    }
    if (why != NULL) {
        diag_add(reason, "User %s from %s not allowed because %s", pw->name, addr, why);
        return 1;
    }
    return 0;
}

enum authz_verdict authz_user(const struct server *srv, const char *user,
                              const char *addr, struct authz *a, struct diag *reason)
{
    const struct pw_entry *pw = userdb_user(srv->users, user);

    if (pw == NULL) {
        diag_add(reason, "Invalid user %s from %s", user, addr);
        return AUTHZ_INVALID_USER;
    }
    if (pw->uid == 0 && srv->cfg.permit_root_login == ROOT_NO) {
        diag_add(reason, "ROOT LOGIN REFUSED FROM %s", addr);
        return AUTHZ_ROOT_REFUSED;
    }
    if (lists_refuse(srv, pw, addr, reason)) {
        return AUTHZ_USER_REFUSED;
    }
    authz_clear(a);
    if (pw_copy(&a->pw, pw) < 0) {
        diag_add(reason, "out of memory");
        return AUTHZ_USER_REFUSED;
    }
    a->ngroups = userdb_groups(srv->users, pw, a->groups, SPAWN_MAX_GROUPS);
    if (a->ngroups > SPAWN_MAX_GROUPS) {
        /* Cutting the list could drop a group that restricts the user (a
         * negative ACL entry): refuse instead. */
        diag_add(reason, "User %s from %s not allowed because a member of %zu groups "
                 "(fallbackd supports %d)", pw->name, addr, a->ngroups, SPAWN_MAX_GROUPS);
        authz_clear(a);
        return AUTHZ_USER_REFUSED;
    }
    return AUTHZ_OK;
}

int authz_keys_path(const char *pattern, const struct pw_entry *pw, char *out, size_t outlen)
{
    size_t n = 0;

    for (const char *p = pattern; *p; p++) {
        const char *add = NULL;
        char one[2] = { *p, '\0' };

        if (*p == '%' && (p[1] == 'u' || p[1] == 'h' || p[1] == '%')) {
            p++;
            add = *p == 'u' ? pw->name : *p == 'h' ? pw->dir : "%";
        } else {
            add = one;
        }
        if (n + strlen(add) >= outlen) {
            return -1;
        }
        memcpy(out + n, add, strlen(add));
        n += strlen(add);
    }
    out[n] = '\0';
    return 0;
}

/* Log each bad line of the keys file, as the file's owner needs to know. */
static void log_warnings(struct diag *warn)
{
    for (size_t i = 0; i < warn->n; i++) {
        log_error("%s", warn->msgs[i]);
    }
    diag_free(warn);
}

/* Options of the matching key that refuse this login. */
static int options_refuse(const struct server *srv, const struct authz *a,
                          const char *addr, struct diag *reason)
{
    const struct ak_opts *o = &a->key.opts;

    if (o->from != NULL && addrmatch_list(addr, o->from) != 1) {
        diag_add(reason, "Authentication tried for %s with correct key but not "
                 "from a permitted host (ip=%s, required=%s).", a->pw.name, addr, o->from);
        return 1;
    }
    if (authkeys_expired(o, time(NULL))) {
        diag_add(reason, "Authentication tried for %s with an expired key "
                 "(expiry-time has passed)", a->pw.name);
        return 1;
    }
    if (a->pw.uid == 0 && srv->cfg.permit_root_login == ROOT_FORCED_COMMANDS_ONLY &&
        o->command == NULL) {
        diag_add(reason, "Root login refused for key without command= "
                 "(PermitRootLogin forced-commands-only)");
        return 1;
    }
    return 0;
}

/* Is this a key refused before the user and the keys file are looked at?
 * Any key fallbackd cannot parse (no keys file can list it); an RSA key
 * smaller than fallbackd accepts, so that a query with it is refused at
 * once and the client moves on to its next key instead of signing with
 * this one; an RSA modulus over ALGO_RSA_MAX_BITS or an exponent over
 * ALGO_RSA_MAX_E_BITS bits, whose one signature check would cost seconds
 * of CPU (issue 9.1). */
static int key_refused_early(const unsigned char *blob, size_t len, struct diag *reason)
{
    struct pubkey pk;
    int refused = 0;

    if (pubkey_from_blob(blob, len, &pk) < 0) {
        diag_add(reason, "unusable public key refused");
        return 1;
    }
    if (strcmp(pk.name, "ssh-rsa") == 0 && pk.bits < ALGO_RSA_MIN_BITS) {
        diag_add(reason, "RSA key of %u bits refused: fallbackd requires at least %d",
                 pk.bits, ALGO_RSA_MIN_BITS);
        refused = 1;
    } else if (strcmp(pk.name, "ssh-rsa") == 0 &&
               (pk.bits > ALGO_RSA_MAX_BITS || pk.ebits > ALGO_RSA_MAX_E_BITS)) {
        diag_add(reason, "RSA key of %u bits with a %u-bit exponent refused: fallbackd "
                 "accepts at most %d and %d", pk.bits, pk.ebits, ALGO_RSA_MAX_BITS,
                 ALGO_RSA_MAX_E_BITS);
        refused = 1;
    }
    pubkey_free(&pk);
    return refused;
}

enum authz_verdict authz_key(const struct server *srv, const char *user,
                             const unsigned char *blob, size_t bloblen,
                             const char *addr, struct authz *a, struct diag *reason)
{
    enum authz_verdict v;
    struct diag warn = { 0 };
    char why[512];
    int found;

    if (key_refused_early(blob, bloblen, reason)) {
        return AUTHZ_KEY_REFUSED;
    }
    v = authz_user(srv, user, addr, a, reason);
    if (v != AUTHZ_OK) {
        return v;
    }
    found = ukf_find_key(srv, a, blob, bloblen, &a->key, &warn, why, sizeof(why));
    if (found < 0) {
        diag_add(reason, "Could not open user '%s' authorized keys: %s", user, why);
        diag_free(&warn);
        return AUTHZ_KEY_REFUSED;
    }
    log_warnings(&warn);
    if (found <= 0) {
        return AUTHZ_KEY_REFUSED;
    }
    return options_refuse(srv, a, addr, reason) ? AUTHZ_KEY_REFUSED : AUTHZ_OK;
}

void authz_clear(struct authz *a)
{
    userdb_pw_free(&a->pw);
    authkeys_key_free(&a->key);
    memset(a, 0, sizeof(*a));
}
