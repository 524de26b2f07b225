/* sftp_child.c - internal-sftp in the session process the monitor forks
 * (sftp_child.h).
 *
 * The process is forked from the monitor, so it starts with a copy of
 * the monitor's memory: the first thing it does as the user is to forget
 * the host keys it will never use.  User and group names (long names,
 * users-groups-by-id, home-directory, "~user") come from the monitor's
 * passwd/group cache as it was at fork time: no NSS, no file read.
 * SYMLINK's order follows the client's version line the network process
 * reported (requests.c: it can only choose it for its own user's links).
 */
#include "sftp_child.h"

#include <string.h>

#include "hostkeys.h"
#include "log.h"
#include "userdb.h"

/* Names of the uid/gid last asked about: a directory listing asks for
 * the same owner over and over, and the cache lookup by id is a scan. */
struct id_memo {
    int valid;
    unsigned long id;
    const char *name;
};

static const char *user_name(uid_t uid, void *ctx)
{
    static struct id_memo memo;
    const struct sftp_child *c = ctx;

    if (!memo.valid || memo.id != uid) {
        const struct pw_entry *pw = userdb_user_by_uid(c->srv->users, uid);

        memo = (struct id_memo){ 1, uid, pw != NULL ? pw->name : NULL };
    }
    return memo.name;
}

static const char *group_name(gid_t gid, void *ctx)
{
    static struct id_memo memo;
    const struct sftp_child *c = ctx;

    if (!memo.valid || memo.id != gid) {
        const struct gr_entry *gr = userdb_group_by_gid(c->srv->users, gid);

        memo = (struct id_memo){ 1, gid, gr != NULL ? gr->name : NULL };
    }
    return memo.name;
}

static const char *home_of(const char *user, void *ctx)
{
    const struct sftp_child *c = ctx;
    const struct pw_entry *pw = userdb_user(c->srv->users, user);

    return pw != NULL ? pw->dir : NULL;
}

int sftp_child_prepare(struct sftp_child *c, struct monitor *m, const char *command,
                       struct diag *errs)
{
    const struct pw_entry *pw = &m->authz.pw;

    memset(c, 0, sizeof(*c));
    if (sftp_options_parse(command, pw->name, pw->dir, &c->opt, errs) < 0) {
        return -1;
    }
    c->srv = m->srv;
    c->peer = m->peer;
    c->opt.user = pw->name;
    c->opt.home = pw->dir;
    c->opt.client = m->peer;
    c->opt.symlink_draft = sftp_symlink_draft_order(m->client_version);
    c->opt.names = (struct sftp_names){ user_name, group_name, home_of, c };
    return 0;
}

int sftp_child_run(void *arg)
{
    struct sftp_child *c = arg;

    hostkeys_free(&c->srv->keys);
    /* The monitor's /dev/log socket (if any) was closed with every other
     * fd: start the log afresh, at internal-sftp's own level (-l). */
    log_setup("internal-sftp", c->srv->log_stderr, c->srv->cfg.syslog_facility,
              c->opt.log_level);
    return sftp_server_run(0, 1, &c->opt);
}
