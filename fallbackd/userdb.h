/* userdb.h - users and groups without NSS.
 *
 * fallbackd reads /etc/passwd and /etc/group itself (never getpwnam(3)), and
 * keeps the last good copy in memory: a file that is briefly missing,
 * unreadable, empty or truncated (as during a package upgrade) never locks
 * out a user it already knew.  A complete file with some malformed lines is
 * taken for its good lines: a user deleted from it is gone.
 */
#ifndef FBD_USERDB_H
#define FBD_USERDB_H

#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

/* passwd(5): name:password:UID:GID:GECOS:directory:shell */
struct pw_entry {
    char *name;
    char *passwd;       /* "x", "!", "*", ...: never used for auth */
    uid_t uid;
    gid_t gid;
    char *gecos;
    char *dir;
    char *shell;
};

/* group(5): group_name:password:GID:user_list */
struct gr_entry {
    char *name;
    gid_t gid;
    char **members;
    size_t nmembers;
};

/* Parse one line (without its newline).  Returns 0 and fills *out, or -1
 * with one line saying why added to WHY (which may be NULL) and errno
 * EINVAL, or ENOMEM when out of memory.  Comments and blank lines are
 * errors here: callers skip them before calling. */
int userdb_parse_passwd(const char *line, struct pw_entry *out, struct diag *why);
int userdb_parse_group(const char *line, struct gr_entry *out, struct diag *why);
void userdb_pw_free(struct pw_entry *pw);
void userdb_gr_free(struct gr_entry *gr);

struct userdb;

/* A cache over PASSWD_PATH and GROUP_PATH.  Nothing is read until the
 * first userdb_refresh(). */
struct userdb *userdb_new(const char *passwd_path, const char *group_path);
void userdb_free(struct userdb *db);

/* Re-read a file only if it changed (inode, size, mtime, ctime).
 * A complete file (non-empty, ends in a newline, has a well-formed entry,
 * and a uid 0 entry for passwd) replaces the cache with its well-formed
 * lines; a malformed line is logged with file and line and left out.  An
 * incomplete one keeps every user/group already known and adds or updates
 * only its well-formed lines.  Returns 0 if both files were accepted as
 * they are, 1 if a line was left out or the cache was kept (in part), -1
 * only on out-of-memory. */
int userdb_refresh(struct userdb *db);

/* Look a user up by name; NULL if unknown.  The pointer is valid until the
 * next userdb_refresh() or userdb_free(). */
const struct pw_entry *userdb_user(const struct userdb *db, const char *name);

/* A user whose uid lies in LO..HI (the first by name), or NULL.  Valid
 * as userdb_user(). */
const struct pw_entry *userdb_uid_owner(const struct userdb *db, uid_t lo, uid_t hi);

/* Look a group up by name; NULL if unknown.  Valid as userdb_user(). */
const struct gr_entry *userdb_group(const struct userdb *db, const char *name);

/* The first user with uid UID / group with gid GID (the first by
 * name); NULL if none.  A linear scan, for names shown to a client
 * (internal-sftp's long names), never for a decision.  Valid as
 * userdb_user(). */
const struct pw_entry *userdb_user_by_uid(const struct userdb *db, uid_t uid);
const struct gr_entry *userdb_group_by_gid(const struct userdb *db, gid_t gid);

/* Is USER a member of group GROUPNAME (primary or supplementary)? */
int userdb_in_group(const struct userdb *db, const struct pw_entry *pw,
                    const char *groupname);

/* The gid list for setgroups(): the primary gid first, then every group
 * that lists the user.  Returns the count (may exceed max, then only max
 * were written). */
size_t userdb_groups(const struct userdb *db, const struct pw_entry *pw,
                     gid_t *out, size_t max);

#endif
