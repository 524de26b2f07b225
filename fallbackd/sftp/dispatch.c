/* dispatch.c - one SFTP packet to its handler.
 *
 * Session states:
 *
 *   state      | packet              | action
 *   -----------+---------------------+-------------------------------------
 *   new        | INIT                | VERSION 3 with the extensions; -> open
 *   new        | anything else       | end the session ("before INIT")
 *   open       | INIT                | end the session ("duplicate INIT")
 *   open       | a type in the table | its handler: exactly one reply
 *   open       | another type        | STATUS OP_UNSUPPORTED
 *   any        | no room for a reply | end the session ("out of memory")
 *
 * INIT (draft section 4):  byte 1, uint32 version, extension pairs
 *                          (string name, string data), ignored
 * VERSION:                 byte 2, uint32 3, extension pairs
 * Requests:                byte type, uint32 request-id, payload
 */
#include "sftp_server.h"

#include <string.h>

#include "log.h"
#include "proto.h"

static const struct {
    uint8_t type;
    const char *name;
    sftp_handler fn;
} handlers[] = {
    { FXP_OPEN, "open", op_open },          { FXP_CLOSE, "close", op_close },
    { FXP_READ, "read", op_read },          { FXP_WRITE, "write", op_write },
    { FXP_LSTAT, "lstat", op_lstat },       { FXP_FSTAT, "fstat", op_fstat },
    { FXP_SETSTAT, "setstat", op_setstat }, { FXP_FSETSTAT, "fsetstat", op_fsetstat },
    { FXP_OPENDIR, "opendir", op_opendir }, { FXP_READDIR, "readdir", op_readdir },
    { FXP_REMOVE, "remove", op_remove },    { FXP_MKDIR, "mkdir", op_mkdir },
    { FXP_RMDIR, "rmdir", op_rmdir },       { FXP_REALPATH, "realpath", op_realpath },
    { FXP_STAT, "stat", op_stat },          { FXP_RENAME, "rename", op_rename },
    { FXP_READLINK, "readlink", op_readlink }, { FXP_SYMLINK, "symlink", op_symlink },
    { FXP_EXTENDED, "extended", op_extended },
};

void sftp_server_init(struct sftp_server *s, const struct sftp_options *opt)
{
    memset(s, 0, sizeof(*s));
    s->opt = opt;
}

void sftp_server_free(struct sftp_server *s)
{
    handles_close_all(&s->handles);
    wire_out_free(&s->out);
}

/* INIT -> VERSION */
static void do_init(struct sftp_server *s, struct sshrd *r)
{
    s->client_version = sshrd_u32(r);
    if (!sshrd_ok(r)) {
        s->fatal = "malformed INIT";
        return;
    }
    log_debug("received client version %u", s->client_version);
    s->inited = 1;
    wire_begin(&s->out, FXP_VERSION);
    wire_put_u32(&s->out, SFTP_VERSION);
    ext_advertise(&s->out);
    wire_end(&s->out);
}

void sftp_dispatch(struct sftp_server *s, const unsigned char *pkt, size_t len)
{
    struct sshrd r;
    uint8_t type;
    uint32_t id;

    sshrd_init(&r, pkt, len);
    type = sshrd_u8(&r);
    if (type == FXP_INIT) {
        if (s->inited) {
            s->fatal = "duplicate INIT";
        } else {
            do_init(s, &r);
        }
        return;
    }
    if (!s->inited) {
        s->fatal = "request before INIT";
        return;
    }
    id = sshrd_u32(&r);
    if (!sshrd_ok(&r)) {
        s->fatal = "packet without a request id";
        return;
    }
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
        if (handlers[i].type == type) {
            log_debug3("request %u: %s", id, handlers[i].name);
            handlers[i].fn(s, id, &r);
            return;
        }
    }
    log_verbose("request %u: unknown message type %u", id, type);
    reply_status(s, id, FX_OP_UNSUPPORTED);
}
