/* server.c - load and replace the listener's state as one unit (server.h).
 *
 * A reload loads a complete new state beside the old one and swaps only if
 * every part loaded: a half-written config or a missing key never replaces
 * a working door.
 */
#include "server.h"

#include <string.h>

#include "hostkeys.h"
#include "log.h"

/* Do two configs name the same user database files? */
static int same_userdb(const struct fbd_config *a, const struct fbd_config *b)
{
    return strcmp(a->passwd_file, b->passwd_file) == 0 &&
           strcmp(a->group_file, b->group_file) == 0;
}

/* SandboxUidRange must be nobody's: a network process running as a real
 * user's uid could signal that user's processes (and the reverse). */
static int check_sandbox_uids(const struct fbd_config *cfg, const struct userdb *users,
                              struct diag *errs)
{
    const struct pw_entry *pw = userdb_uid_owner(users, (uid_t)cfg->sandbox_uid_lo,
                                                 (uid_t)cfg->sandbox_uid_hi);

    if (pw == NULL) {
        return 0;
    }
    diag_add(errs, "%s: SandboxUidRange %d-%d: uid %u belongs to user %s in %s; choose a "
             "range no account uses", cfg->path, cfg->sandbox_uid_lo, cfg->sandbox_uid_hi,
             (unsigned)pw->uid, pw->name, cfg->passwd_file);
    return -1;
}

int server_load(struct server *srv, const char *config_path,
                const struct server *prev, struct diag *errs)
{
    if (config_load(config_path, &srv->cfg, errs) < 0) {
        return -1;
    }
    srv->bind = hostkeys_load(&srv->cfg, &srv->keys, errs);
    if (srv->bind == NULL) {
        return -1;
    }
    if (prev != NULL && same_userdb(&prev->cfg, &srv->cfg)) {
        return check_sandbox_uids(&srv->cfg, prev->users, errs);
    }
    srv->users = userdb_new(srv->cfg.passwd_file, srv->cfg.group_file);
    if (srv->users == NULL) {
        diag_add(errs, "out of memory creating the user cache");
        return -1;
    }
    userdb_refresh(srv->users);
    return check_sandbox_uids(&srv->cfg, srv->users, errs);
}

void server_replace(struct server *srv, struct server *next)
{
    config_free(&srv->cfg);
    srv->cfg = next->cfg;
    srv->confine = next->confine;
    srv->empty_ns_fd = next->empty_ns_fd;
    memset(&next->cfg, 0, sizeof(next->cfg));
    if (srv->bind != NULL) {
        ssh_bind_free(srv->bind);
    }
    srv->bind = next->bind;
    next->bind = NULL;
    hostkeys_free(&srv->keys);
    srv->keys = next->keys;
    memset(&next->keys, 0, sizeof(next->keys));
    /* The user cache survives a reload unless its files moved: it holds
     * the last good copy, which a fresh cache would not have. */
    if (next->users != NULL) {
        userdb_free(srv->users);
        srv->users = next->users;
        next->users = NULL;
    }
}

void server_free(struct server *srv)
{
    config_free(&srv->cfg);
    if (srv->bind != NULL) {
        ssh_bind_free(srv->bind);
        srv->bind = NULL;
    }
    hostkeys_free(&srv->keys);
    if (srv->users != NULL) {
        userdb_free(srv->users);
        srv->users = NULL;
    }
}
