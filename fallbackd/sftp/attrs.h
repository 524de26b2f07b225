/* attrs.h - the ATTRS structure of SFTP v3: decode, encode from stat(2),
 * and apply to a file. */
#ifndef FBD_SFTP_ATTRS_H
#define FBD_SFTP_ATTRS_H

#include <stdint.h>
#include <sys/stat.h>

#include "wire.h"

struct sftp_attrs {
    uint32_t flags;     /* ATTR_* */
    uint64_t size;
    uint32_t uid;
    uint32_t gid;
    uint32_t perm;
    uint32_t atime;
    uint32_t mtime;
};

/* Read an ATTRS from r (errors are r's). */
void attrs_decode(struct sshrd *r, struct sftp_attrs *a);

/* Every field of st that v3 carries. */
void attrs_from_stat(struct sftp_attrs *a, const struct stat *st);

void attrs_encode(struct wire_out *o, const struct sftp_attrs *a);

/* How attrs_apply() reaches the file. */
enum attrs_target {
    AT_PATH,        /* follow a final symlink (SETSTAT) */
    AT_LINK,        /* the symlink itself (lsetstat@openssh.com) */
    AT_FD,          /* an open file (FSETSTAT) */
};

/* Apply a's fields in sshd's order: size, permissions, times, owner.
 * Stops at the first failure.  0 or an errno value. */
int attrs_apply(const struct sftp_attrs *a, enum attrs_target t, const char *path, int fd);

#endif
