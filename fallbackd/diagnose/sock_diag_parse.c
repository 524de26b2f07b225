/* sock_diag_parse.c - the kernel's answer to a NETLINK_SOCK_DIAG dump of
 * TCP sockets (dg_parse.h): bytes in, sockets out, no system call.  The
 * request it answers is built here too (dg_nl_request), so that both
 * sides of the format sit beside this table.
 *
 * A datagram holds one or more messages, each padded to 4 bytes; one
 * dump spans as many datagrams as the kernel needs, and ends with
 * NLMSG_DONE (a multi-part reply).  All integers are host order, except
 * the ports and addresses of the socket id (network order).
 *
 *   struct nlmsghdr (16 bytes), at the start of every message
 *   off | size | field       | checked
 *   ----+------+-------------+-------------------------------------------
 *     0 |    4 | nlmsg_len   | >= 16 and <= the bytes left in the datagram
 *     4 |    2 | nlmsg_type  | SOCK_DIAG_BY_FAMILY (20), NLMSG_DONE (3),
 *       |      |             | NLMSG_ERROR (2), NLMSG_NOOP (1, skipped);
 *       |      |             | anything else fails
 *     6 |    2 | nlmsg_flags | NLM_F_MULTI; not relied on
 *     8 |    4 | nlmsg_seq   | the request's
 *    12 |    4 | nlmsg_pid   | not relied on
 *
 *   NLMSG_ERROR payload: int error (negative errno; 0 is an ack, which a
 *   dump never sends: fails too), then the request's header.
 *   NLMSG_DONE payload: int (0, or a negative errno if the dump failed).
 *
 *   SOCK_DIAG_BY_FAMILY payload: struct inet_diag_msg (72 bytes)
 *   off | size | field            | use
 *   ----+------+------------------+--------------------------------------
 *     0 |    1 | idiag_family     | must be the family asked for
 *     1 |    1 | idiag_state      | TCP state (10 = LISTEN)
 *     2 |    2 | idiag_timer,     | -
 *       |      | idiag_retrans    |
 *     4 |    2 | id.idiag_sport   | local port, network order
 *     6 |    2 | id.idiag_dport   | -
 *     8 |   16 | id.idiag_src     | local address: 4 (AF_INET) or 16 bytes
 *    24 |   16 | id.idiag_dst     | -
 *    40 |    4 | id.idiag_if      | -
 *    44 |    8 | id.idiag_cookie  | -
 *    52 |    4 | idiag_expires    | -
 *    56 |    8 | idiag_rqueue,    | -
 *       |      | idiag_wqueue     |
 *    64 |    4 | idiag_uid        | owner
 *    68 |    4 | idiag_inode      | matches "socket:[INODE]"
 *
 *   then attributes to the end of the message, each padded to 4 bytes:
 *     struct rtattr { u16 rta_len (>= 4, header included); u16 rta_type }
 *   (INET_DIAG_SHUTDOWN, INET_DIAG_SKV6ONLY, INET_DIAG_CGROUP_ID, ...: the
 *   kernel adds some even when none is asked for).  Each length is
 *   checked against the message; none is used.
 *
 * The request (dg_nl_request): a header (SOCK_DIAG_BY_FAMILY,
 * NLM_F_REQUEST | NLM_F_DUMP) and struct inet_diag_req_v2: family,
 * IPPROTO_TCP, no extensions, idiag_states = 1 << TCP_LISTEN, a zero
 * socket id (every socket).
 */
#include "dg_parse.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "diag.h"

#define NL_HDR 16u
#define DIAG_MSG 72u
#define RTA_HDR 4u
#define TCP_STATE_LISTEN 10

_Static_assert(sizeof(struct nlmsghdr) == NL_HDR, "nlmsghdr is the table's");
_Static_assert(sizeof(struct inet_diag_msg) == DIAG_MSG, "inet_diag_msg is the table's");
_Static_assert(sizeof(struct inet_diag_req_v2) + NL_HDR <= DG_NL_REQUEST_LEN,
               "the request fits");

static size_t align4(size_t n)
{
    return (n + 3u) & ~(size_t)3u;
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

static uint16_t get16(const unsigned char *p)
{
    uint16_t v;

    memcpy(&v, p, 2);
    return v;
}

size_t dg_nl_request(int family, unsigned seq, unsigned char *buf)
{
    struct nlmsghdr h = { 0 };
    struct inet_diag_req_v2 req = { 0 };

    h.nlmsg_len = (uint32_t)(NL_HDR + sizeof(req));
    h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    h.nlmsg_seq = seq;
    req.sdiag_family = (uint8_t)family;
    req.sdiag_protocol = IPPROTO_TCP;
    req.idiag_states = 1u << TCP_STATE_LISTEN;
    memset(buf, 0, DG_NL_REQUEST_LEN);
    memcpy(buf, &h, NL_HDR);
    memcpy(buf + NL_HDR, &req, sizeof(req));
    return h.nlmsg_len;
}

/* The attributes after an inet_diag_msg (P, LEN bytes): every length
 * inside.  0, or -1 with a line in D. */
static int check_attrs(const unsigned char *p, size_t len, struct diag *d)
{
    size_t pos = 0;

    while (len - pos >= RTA_HDR) {
        size_t alen = get16(p + pos);

        if (alen < RTA_HDR || alen > len - pos) {
            diag_add(d, "sock_diag: attribute length %zu outside the %zu bytes left", alen,
                     len - pos);
            return -1;
        }
        pos += align4(alen) < len - pos ? align4(alen) : len - pos;
    }
    if (pos != len) {
        diag_add(d, "sock_diag: %zu stray bytes after the attributes", len - pos);
        return -1;
    }
    return 0;
}

/* One socket (a SOCK_DIAG_BY_FAMILY payload, LEN bytes) into T. */
static int parse_socket(const struct dg_nl_dump *dump, const unsigned char *p, size_t len,
                        struct dg_tcp *t, struct diag *d)
{
    if (len < DIAG_MSG) {
        diag_add(d, "sock_diag: socket message of %zu bytes, under %u", len, DIAG_MSG);
        return -1;
    }
    if (p[0] != dump->family) {
        diag_add(d, "sock_diag: a socket of family %u in the dump of family %d", p[0],
                 dump->family);
        return -1;
    }
    memset(t, 0, sizeof(*t));
    t->v6 = dump->family == AF_INET6;
    t->state = p[1];
    t->port = (unsigned)ntohs(get16(p + 4));
    memcpy(t->addr, p + 8, t->v6 ? 16 : 4);
    t->uid = get32(p + 64);
    t->inode = get32(p + 68);
    return check_attrs(p + DIAG_MSG, len - DIAG_MSG, d);
}

/* The int of an NLMSG_ERROR or NLMSG_DONE payload (P, LEN bytes). */
static int payload_errno(const unsigned char *p, size_t len, int *err, struct diag *d)
{
    if (len < 4) {
        diag_add(d, "sock_diag: %zu-byte status message, under 4", len);
        return -1;
    }
    *err = (int)get32(p);
    return 0;
}

/* A message other than a socket: DONE, ERROR, NOOP. */
static enum dg_nl_status parse_control(unsigned type, const unsigned char *p, size_t len,
                                       struct diag *d)
{
    int err = 0;

    if (type == NLMSG_NOOP) {
        return DG_NL_MORE;
    }
    if (type != NLMSG_DONE && type != NLMSG_ERROR) {
        diag_add(d, "sock_diag: unexpected message type %u", type);
        return DG_NL_FAILED;
    }
    if (payload_errno(p, len, &err, d) < 0) {
        return DG_NL_FAILED;
    }
    if (err < 0 && err > -4096) {
        diag_add(d, "sock_diag: %s", strerror(-err));
        return DG_NL_FAILED;
    }
    if (err != 0 || type == NLMSG_ERROR) {
        diag_add(d, "sock_diag: %s %d", type == NLMSG_ERROR ? "error message" : "done with",
                 err);
        return DG_NL_FAILED;
    }
    return DG_NL_DONE;
}

/* One message at P (LEFT bytes to the end of the datagram); *USED gets
 * its padded length. */
static enum dg_nl_status parse_message(struct dg_nl_dump *dump, const unsigned char *p,
                                       size_t left, size_t *used, dg_nl_fn fn, void *arg,
                                       struct diag *d)
{
    size_t len;
    unsigned type;
    struct dg_tcp t;

    if (left < NL_HDR) {
        diag_add(d, "sock_diag: %zu bytes left, under a message header", left);
        return DG_NL_FAILED;
    }
    len = get32(p);
    type = get16(p + 4);
    if (len < NL_HDR || len > left) {
        diag_add(d, "sock_diag: message length %zu outside the %zu bytes left", len, left);
        return DG_NL_FAILED;
    }
    if (get32(p + 8) != dump->seq) {
        diag_add(d, "sock_diag: message of sequence %u, not %u", get32(p + 8), dump->seq);
        return DG_NL_FAILED;
    }
    *used = align4(len) < left ? align4(len) : left;
    if (type != SOCK_DIAG_BY_FAMILY) {
        return parse_control(type, p + NL_HDR, len - NL_HDR, d);
    }
    if (parse_socket(dump, p + NL_HDR, len - NL_HDR, &t, d) < 0) {
        return DG_NL_FAILED;
    }
    dump->sockets++;
    fn(arg, &t);
    return DG_NL_MORE;
}

enum dg_nl_status dg_nl_parse(struct dg_nl_dump *dump, const void *buf, size_t len, dg_nl_fn fn,
                              void *arg, struct diag *d)
{
    const unsigned char *p = buf;
    size_t pos = 0;

    if (len == 0) {
        diag_add(d, "sock_diag: empty datagram");
        return DG_NL_FAILED;
    }
    while (pos < len) {
        size_t used = 0;
        enum dg_nl_status st = parse_message(dump, p + pos, len - pos, &used, fn, arg, d);

        if (st != DG_NL_MORE) {
            return st;
        }
        pos += used;
    }
    return DG_NL_MORE;
}
