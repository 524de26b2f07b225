/* sock_diag.c - one dump of the listening TCP sockets over netlink
 * (sock_diag.h); what the kernel answers is parsed by sock_diag_parse.c.
 *
 *   step | call                        | fails on
 *   -----+-----------------------------+------------------------------------
 *   open | socket(AF_NETLINK, DGRAM,   | no netlink or no sock_diag in the
 *        |   NETLINK_SOCK_DIAG)        | kernel, a filter refusing it
 *   send | sendto(kernel, request)     | error, or a short send
 *   recv | recvmsg, one datagram each  | error, timeout (RECV_TIMEOUT_S),
 *        |   until NLMSG_DONE          | MSG_TRUNC (datagram over RECV_BUF),
 *        |                             | a sender other than the kernel,
 *        |                             | over REPLY_MAX bytes in all, and
 *        |                             | whatever dg_nl_parse refuses
 *
 * A netlink datagram is never split across reads: a read returns it whole
 * or flags it truncated, and a message cut short inside one is refused by
 * the parser.
 */
#include "sock_diag.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "diag.h"

#define RECV_BUF 65536u             /* the kernel fills at most 32 KiB per datagram */
#define REPLY_MAX (8u << 20)        /* as much as the /proc/net/tcp read keeps */
#define RECV_TIMEOUT_S 2

int dg_sockdiag_open(struct diag *d)
{
    struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

    if (fd < 0) {
        diag_add(d, "sock_diag: socket: %s", strerror(errno));
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
        diag_add(d, "sock_diag: SO_RCVTIMEO: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* The family to ask for.  Test builds only: FBD_TEST_SOCK_DIAG=bad-family
 * asks for one the kernel has no handler for (it answers NLMSG_ERROR
 * EINVAL), so that a test sees the fallback to /proc/net/tcp.  The
 * production binary has no such switch. */
static int request_family(int family)
{
#ifdef FBD_TEST_HOOKS
    const char *t = getenv("FBD_TEST_SOCK_DIAG");

    if (t != NULL && strcmp(t, "bad-family") == 0) {
        return 255;
    }
#endif
    return family;
}

/* Send the dump request for FAMILY. */
static int send_request(int fd, int family, unsigned seq, struct diag *d)
{
    unsigned char req[DG_NL_REQUEST_LEN];
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    size_t len = dg_nl_request(request_family(family), seq, req);
    ssize_t n;

    do {
        n = sendto(fd, req, len, 0, (const struct sockaddr *)&kernel, sizeof(kernel));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        diag_add(d, "sock_diag: send: %s", strerror(errno));
        return -1;
    }
    if ((size_t)n != len) {
        diag_add(d, "sock_diag: sent %zd of %zu bytes", n, len);
        return -1;
    }
    return 0;
}

/* One whole datagram from the kernel into BUF; its length, or -1. */
static ssize_t recv_datagram(int fd, unsigned char *buf, struct diag *d)
{
    struct sockaddr_nl from = { 0 };
    struct iovec iov = { .iov_base = buf, .iov_len = RECV_BUF };
    struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
                        .msg_iovlen = 1 };
    ssize_t n;

    do {
        n = recvmsg(fd, &m, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        diag_add(d, "sock_diag: recv: %s", strerror(errno));
        return -1;
    }
    if (m.msg_flags & MSG_TRUNC) {
        diag_add(d, "sock_diag: a datagram longer than %u bytes", RECV_BUF);
        return -1;
    }
    if (m.msg_namelen < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0) {
        diag_add(d, "sock_diag: a datagram not from the kernel");
        return -1;
    }
    return n;
}

/* Read the reply to the request DUMP stands for, to its NLMSG_DONE. */
static int read_reply(int fd, struct dg_nl_dump *dump, unsigned char *buf, dg_nl_fn fn,
                      void *arg, struct diag *d)
{
    enum dg_nl_status st = DG_NL_MORE;
    size_t total = 0;

    while (st == DG_NL_MORE) {
        ssize_t n = recv_datagram(fd, buf, d);

        if (n < 0) {
            return -1;
        }
        total += (size_t)n;
        if (total > REPLY_MAX) {
            diag_add(d, "sock_diag: reply longer than %u bytes", REPLY_MAX);
            return -1;
        }
        st = dg_nl_parse(dump, buf, (size_t)n, fn, arg, d);
    }
    return st == DG_NL_DONE ? 0 : -1;
}

int dg_sockdiag_dump(int fd, int family, dg_nl_fn fn, void *arg, struct diag *d)
{
    static unsigned seq;
    struct dg_nl_dump dump = { .family = family, .seq = ++seq };
    unsigned char *buf;
    int rc;

    if (send_request(fd, family, dump.seq, d) < 0) {
        return -1;
    }
    buf = malloc(RECV_BUF);
    if (buf == NULL) {
        diag_add(d, "sock_diag: out of memory");
        return -1;
    }
    rc = read_reply(fd, &dump, buf, fn, arg, d);
    free(buf);
    return rc;
}
