/* monitor_proto.c - encode, send, receive and parse monitor messages
 * (wire format in monitor_proto.h). */
#include "monitor_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sshbuf.h"

static const char *const schemas[MON_TYPE_MAX] = {
    [MON_LOG] = "us",
    [MON_HOSTKEY_SIGN] = "uss",
    [MON_AUTH_QUERY] = "ss",
    [MON_AUTH_SIGNED] = "ssss",
    [MON_AUTH_OTHER] = "ss",
    [MON_SPAWN] = "ususuuuus",
    [MON_SIGNAL] = "us",
    [MON_SIGNATURE] = "s",
    [MON_AUTH_RESULT] = "uus",
    [MON_SPAWNED] = "us",
    [MON_FAIL] = "s",
    [MON_EXITED] = "uu",
    [MON_FORWARD] = "ususu",
    [MON_FORWARDED] = "us",
    [MON_PROGRESS] = "u",
    [MON_CLIENT_VERSION] = "s",
    [MON_FORWARD_FAILED] = "us",
};

const char *mon_schema(uint32_t type)
{
    return type < MON_TYPE_MAX ? schemas[type] : NULL;
}

int mon_parse(const unsigned char *buf, size_t len, struct mon_msg *m)
{
    struct sshrd r;
    const char *schema;

    sshrd_init(&r, buf, len);
    m->type = sshrd_u32(&r);
    m->nfields = 0;
    schema = mon_schema(m->type);
    if (!sshrd_ok(&r) || schema == NULL) {
        return -1;
    }
    for (const char *c = schema; *c != '\0'; c++) {
        struct mon_field *f = &m->f[m->nfields++];

        memset(f, 0, sizeof(*f));
        if (*c == 'u') {
            f->u = sshrd_u32(&r);
        } else {
            f->s = sshrd_string(&r, &f->len);
        }
    }
    return sshrd_ok(&r) && sshrd_left(&r) == 0 ? 0 : -1;
}

int mon_cstr(const struct mon_field *f, char *out, size_t outlen)
{
    if (f->len >= outlen || (f->len > 0 && memchr(f->s, '\0', f->len) != NULL)) {
        return -1;
    }
    memcpy(out, f->s, f->len);
    out[f->len] = '\0';
    return 0;
}

/* Encode the fields of TYPE from AP into b, following its schema. */
static int encode(struct sshbuf *b, uint32_t type, va_list ap)
{
    const char *schema = mon_schema(type);

    if (schema == NULL) {
        return -1;
    }
    sshbuf_put_u32(b, type);
    for (const char *c = schema; *c != '\0'; c++) {
        if (*c == 'u') {
            sshbuf_put_u32(b, va_arg(ap, uint32_t));
        } else {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);

            sshbuf_put_string(b, p, n);
        }
    }
    return sshbuf_ok(b) && b->len <= MON_MAX_MSG ? 0 : -1;
}

/* sendmsg one packet, with fds as SCM_RIGHTS if any. */
static int send_packet(int sock, const void *p, size_t n, const int *fds, size_t nfds)
{
    char cbuf[CMSG_SPACE(sizeof(int) * MON_MAX_FDS)];
    struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    struct cmsghdr *cm;
    ssize_t w;

    if (nfds > 0) {
        memset(cbuf, 0, sizeof(cbuf));
        mh.msg_control = cbuf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
    }
    do {
        w = sendmsg(sock, &mh, MSG_NOSIGNAL);
    } while (w < 0 && errno == EINTR);
    return w == (ssize_t)n ? 0 : -1;
}

int mon_send(int sock, const int *fds, size_t nfds, uint32_t type, ...)
{
    struct sshbuf b = SSHBUF_INIT;
    va_list ap;
    int rc;

    va_start(ap, type);
    rc = encode(&b, type, ap);
    va_end(ap);
    if (rc == 0 && nfds <= MON_MAX_FDS) {
        rc = send_packet(sock, b.data, b.len, fds, nfds);
    } else {
        rc = -1;
    }
    sshbuf_free(&b);
    return rc;
}

/* Take the fds out of a received control message (closing any beyond
 * MON_MAX_FDS); returns how many were kept. */
static size_t take_fds(struct msghdr *mh, int *fds)
{
    size_t n = 0;

    for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
        size_t count;

        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (n < MON_MAX_FDS) {
                fds[n++] = fd;
            } else {
                close(fd);
            }
        }
    }
    return n;
}

int mon_recv(int sock, unsigned char *buf, struct mon_msg *m)
{
    char cbuf[CMSG_SPACE(sizeof(int) * (MON_MAX_FDS + 1))];
    struct iovec iov = { .iov_base = buf, .iov_len = MON_MAX_MSG };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                         .msg_controllen = sizeof(cbuf) };
    ssize_t n;

    do {
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        return n == 0 ? 0 : -1;
    }
    m->nfds = take_fds(&mh, m->fds);
    if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || mon_parse(buf, (size_t)n, m) < 0) {
        for (size_t i = 0; i < m->nfds; i++) {
            close(m->fds[i]);
        }
        m->nfds = 0;
        errno = EBADMSG;
        return -1;
    }
    return 1;
}
