/* sftp_server.h - the state of one SFTP session, shared by the request
 * handlers (ops_*.c), the replies (reply.c), the dispatcher (dispatch.c)
 * and the I/O loop (serve.c). */
#ifndef FBD_SFTP_SERVER_H
#define FBD_SFTP_SERVER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "attrs.h"
#include "handles.h"
#include "sftp.h"
#include "wire.h"

struct sftp_server {
    const struct sftp_options *opt;
    int inited;                 /* INIT seen */
    uint32_t client_version;
    struct sftp_handles handles;
    struct wire_out out;        /* replies not yet written */
    const char *fatal;          /* why the session must end, or NULL */
};

/* A request handler: the request id was read, r is at the payload.
 * It always queues exactly one reply (or sets s->fatal). */
typedef void (*sftp_handler)(struct sftp_server *s, uint32_t id, struct sshrd *r);

void sftp_server_init(struct sftp_server *s, const struct sftp_options *opt);
void sftp_server_free(struct sftp_server *s);

/* Handle one whole packet (its length field excluded: type, id,
 * payload); the reply, if any, is appended to s->out.  Sets s->fatal
 * when the session cannot go on. */
void sftp_dispatch(struct sftp_server *s, const unsigned char *pkt, size_t len);

/* reply.c */

/* The SFTP status for an errno value. */
uint32_t sftp_errno_status(int err);

void reply_status(struct sftp_server *s, uint32_t id, uint32_t status);

/* STATUS for an errno value (0: OK). */
void reply_errno(struct sftp_server *s, uint32_t id, int err);

void reply_handle(struct sftp_server *s, uint32_t id, const struct sftp_handle *h);
void reply_stat(struct sftp_server *s, uint32_t id, const struct stat *st);

/* NAME with one entry: NAME as file name and long name, empty attributes
 * (REALPATH, READLINK, expand-path, home-directory). */
void reply_name1(struct sftp_server *s, uint32_t id, const char *name);

/* The BAD_MESSAGE reply for a request whose fields did not parse. */
void reply_bad(struct sftp_server *s, uint32_t id, const char *what);

/* Refuse a change in read-only mode; returns 1 if refused. */
int refuse_read_only(struct sftp_server *s, uint32_t id, const char *what);

/* ops_file.c, ops_dir.c, ops_ext.c */
void op_open(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_close(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_read(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_write(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_lstat(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_stat(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_fstat(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_setstat(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_fsetstat(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_remove(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_rename(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_opendir(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_readdir(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_mkdir(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_rmdir(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_realpath(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_readlink(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_symlink(struct sftp_server *s, uint32_t id, struct sshrd *r);
void op_extended(struct sftp_server *s, uint32_t id, struct sshrd *r);

/* SETSTAT and lsetstat@openssh.com: string path, ATTRS (ops_file.c). */
void sftp_setstat(struct sftp_server *s, uint32_t id, struct sshrd *r, enum attrs_target t);

/* The extensions advertised in VERSION (ops_ext.c). */
void ext_advertise(struct wire_out *o);

/* Canonical absolute form of PATH ("" is "."), into out (PATH_MAX); the
 * last component need not exist.  0 or an errno value (ops_dir.c;
 * expand-path uses it too). */
int sftp_realpath(const char *path, char *out);

#endif
