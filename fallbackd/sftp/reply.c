/* reply.c - the common replies of the SFTP server.
 *
 *     STATUS   uint32 id, uint32 code, string message, string language
 *     HANDLE   uint32 id, string handle
 *     ATTRS    uint32 id, ATTRS
 *     NAME     uint32 id, uint32 count, count * (string filename,
 *              string longname, ATTRS)
 */
#include "sftp_server.h"

#include <errno.h>

#include "attrs.h"
#include "log.h"
#include "proto.h"

static const char *const status_text[] = {
    "Success", "End of file", "No such file", "Permission denied", "Failure",
    "Bad message", "No connection", "Connection lost", "Operation unsupported",
};

uint32_t sftp_errno_status(int err)
{
    switch (err) {
    case 0:
        return FX_OK;
    case ENOENT:
    case ENOTDIR:
    case EBADF:
    case ELOOP:
        return FX_NO_SUCH_FILE;
    case EPERM:
    case EACCES:
    case EFAULT:
    case EROFS:
        return FX_PERMISSION_DENIED;
    case ENAMETOOLONG:
    case EINVAL:
        return FX_BAD_MESSAGE;
    case ENOSYS:
    case EOPNOTSUPP:
        return FX_OP_UNSUPPORTED;
    default:
        return FX_FAILURE;
    }
}

void reply_status(struct sftp_server *s, uint32_t id, uint32_t status)
{
    wire_begin(&s->out, FXP_STATUS);
    wire_put_u32(&s->out, id);
    wire_put_u32(&s->out, status);
    wire_put_cstring(&s->out, status <= FX_OP_UNSUPPORTED ? status_text[status] : "Unknown");
    wire_put_cstring(&s->out, "");
    wire_end(&s->out);
    log_debug3("request %u: sent status %u", id, status);
}

void reply_errno(struct sftp_server *s, uint32_t id, int err)
{
    reply_status(s, id, sftp_errno_status(err));
}

void reply_handle(struct sftp_server *s, uint32_t id, const struct sftp_handle *h)
{
    unsigned char wire[HANDLE_LEN];

    handles_encode(&s->handles, h, wire);
    wire_begin(&s->out, FXP_HANDLE);
    wire_put_u32(&s->out, id);
    wire_put_string(&s->out, wire, sizeof(wire));
    wire_end(&s->out);
}

void reply_stat(struct sftp_server *s, uint32_t id, const struct stat *st)
{
    struct sftp_attrs a;

    attrs_from_stat(&a, st);
    wire_begin(&s->out, FXP_ATTRS);
    wire_put_u32(&s->out, id);
    attrs_encode(&s->out, &a);
    wire_end(&s->out);
}

void reply_name1(struct sftp_server *s, uint32_t id, const char *name)
{
    wire_begin(&s->out, FXP_NAME);
    wire_put_u32(&s->out, id);
    wire_put_u32(&s->out, 1);
    wire_put_cstring(&s->out, name);
    wire_put_cstring(&s->out, name);
    wire_put_u32(&s->out, 0);
    wire_end(&s->out);
}

void reply_bad(struct sftp_server *s, uint32_t id, const char *what)
{
    log_verbose("request %u: malformed %s request", id, what);
    reply_status(s, id, FX_BAD_MESSAGE);
}

int refuse_read_only(struct sftp_server *s, uint32_t id, const char *what)
{
    if (!s->opt->read_only) {
        return 0;
    }
    log_verbose("Refusing %s request in read-only mode", what);
    reply_status(s, id, FX_PERMISSION_DENIED);
    return 1;
}
