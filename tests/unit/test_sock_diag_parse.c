/* test_sock_diag_parse.c - Criterion tests for the parser of the
 * kernel's NETLINK_SOCK_DIAG answers (fallbackd/diagnose/sock_diag_parse.c),
 * suite "sock_diag_parse".
 *
 * The messages are built here with the kernel's own structs
 * (linux/netlink.h, linux/inet_diag.h), the way the kernel lays them out:
 * each message padded to 4 bytes, attributes after inet_diag_msg, several
 * messages in one datagram and one dump over several datagrams.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "diag.h"
#include "diagnose/dg_parse.h"

#define SEQ 7u
#define TCP_LISTEN_STATE 10

/* A datagram being built. */
struct dgram {
    unsigned char b[4096];
    size_t len;
};

/* Sockets the parser passed on. */
struct got {
    struct dg_tcp t[8];
    size_t n;
};

static void collect(void *arg, const struct dg_tcp *t)
{
    struct got *g = arg;

    cr_assert_lt(g->n, 8);
    g->t[g->n++] = *t;
}

static size_t pad4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* Append a message of TYPE with PAYLOAD (LEN bytes), padded. */
static void put_msg(struct dgram *g, unsigned type, unsigned seq, const void *payload, size_t len)
{
    struct nlmsghdr h = { .nlmsg_len = (uint32_t)(NLMSG_HDRLEN + len), .nlmsg_type = (uint16_t)type,
                          .nlmsg_flags = NLM_F_MULTI, .nlmsg_seq = seq, .nlmsg_pid = 4711 };

    cr_assert_leq(g->len + pad4(h.nlmsg_len), sizeof(g->b));
    memset(g->b + g->len, 0, pad4(h.nlmsg_len));
    memcpy(g->b + g->len, &h, sizeof(h));
    memcpy(g->b + g->len + NLMSG_HDRLEN, payload, len);
    g->len += pad4(h.nlmsg_len);
}

/* An attribute (rtattr) of TYPE with DATA (LEN bytes) at P; returns its
 * padded size. */
static size_t put_attr(unsigned char *p, unsigned type, const void *data, size_t len)
{
    struct rtattr a = { .rta_len = (unsigned short)(RTA_LENGTH(len)), .rta_type = (unsigned short)type };

    memset(p, 0, RTA_SPACE(len));
    memcpy(p, &a, sizeof(a));
    memcpy(p + RTA_LENGTH(0), data, len);
    return RTA_SPACE(len);
}

/* A socket message: FAMILY, STATE, local ADDR (text) and PORT, UID, INODE,
 * with the attributes the kernel adds unasked (INET_DIAG_SHUTDOWN, and
 * INET_DIAG_SKV6ONLY for IPv6). */
static void put_socket(struct dgram *g, int family, unsigned state, const char *addr,
                       unsigned port, unsigned uid, unsigned inode)
{
    unsigned char payload[sizeof(struct inet_diag_msg) + 64];
    struct inet_diag_msg m = { 0 };
    unsigned char shutdown = 0, v6only = 1;
    size_t len = sizeof(m);

    m.idiag_family = (uint8_t)family;
    m.idiag_state = (uint8_t)state;
    m.id.idiag_sport = htons((uint16_t)port);
    m.id.idiag_cookie[0] = 0xdeadbeef;
    m.idiag_uid = uid;
    m.idiag_inode = inode;
    cr_assert_eq(inet_pton(family, addr, m.id.idiag_src), 1);
    memcpy(payload, &m, sizeof(m));
    len += put_attr(payload + len, INET_DIAG_SHUTDOWN, &shutdown, 1);
    if (family == AF_INET6) {
        len += put_attr(payload + len, INET_DIAG_SKV6ONLY, &v6only, 1);
    }
    put_msg(g, SOCK_DIAG_BY_FAMILY, SEQ, payload, len);
}

static void put_done(struct dgram *g, int status)
{
    put_msg(g, NLMSG_DONE, SEQ, &status, sizeof(status));
}

static void put_error(struct dgram *g, int err)
{
    struct nlmsgerr e = { .error = err };

    e.msg.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    e.msg.nlmsg_seq = SEQ;
    put_msg(g, NLMSG_ERROR, SEQ, &e, sizeof(e));
}

/* Parse G as one datagram of a dump of FAMILY. */
static enum dg_nl_status parse(const struct dgram *g, int family, struct got *out,
                               struct diag *d)
{
    struct dg_nl_dump dump = { .family = family, .seq = SEQ };

    return dg_nl_parse(&dump, g->b, g->len, collect, out, d);
}

static void addr_is(const struct dg_tcp *t, const char *want)
{
    char addr[64];

    dg_tcp_addr_str(t, addr, sizeof(addr));
    cr_assert_str_eq(addr, want);
}

Test(sock_diag_parse, one_ipv4_listener)
{
    struct dgram g = { .len = 0 };
    struct got got = { .n = 0 };
    struct diag d = { 0 };

    put_socket(&g, AF_INET, TCP_LISTEN_STATE, "127.0.0.1", 2222, 1000, 4242);
    put_done(&g, 0);
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_DONE, "%s", diag_last(&d));
    cr_assert_eq(diag_count(&d), 0);
    cr_assert_eq(got.n, 1);
    cr_assert_eq(got.t[0].v6, 0);
    cr_assert_eq(got.t[0].state, DG_TCP_LISTEN);
    cr_assert_eq(got.t[0].port, 2222);
    cr_assert_eq(got.t[0].uid, 1000);
    cr_assert_eq(got.t[0].inode, 4242);
    addr_is(&got.t[0], "127.0.0.1");
}

Test(sock_diag_parse, one_ipv6_listener)
{
    struct dgram g = { .len = 0 };
    struct got got = { .n = 0 };
    struct diag d = { 0 };

    put_socket(&g, AF_INET6, TCP_LISTEN_STATE, "::", 22, 0, 31337);
    put_socket(&g, AF_INET6, TCP_LISTEN_STATE, "fe80::1:2", 65535, 4294967294u, 4294967295u);
    put_done(&g, 0);
    cr_assert_eq(parse(&g, AF_INET6, &got, &d), DG_NL_DONE, "%s", diag_last(&d));
    cr_assert_eq(got.n, 2);
    cr_assert_eq(got.t[0].v6, 1);
    cr_assert_eq(got.t[0].port, 22);
    cr_assert_eq(got.t[0].inode, 31337);
    addr_is(&got.t[0], "::");
    cr_assert_eq(got.t[1].port, 65535);
    cr_assert_eq(got.t[1].uid, 4294967294ul);
    cr_assert_eq(got.t[1].inode, 4294967295ul);
    addr_is(&got.t[1], "fe80::1:2");
}

Test(sock_diag_parse, multi_part_reply)
{
    struct dgram first = { .len = 0 }, second = { .len = 0 }, last = { .len = 0 };
    struct dg_nl_dump dump = { .family = AF_INET, .seq = SEQ };
    struct got got = { .n = 0 };
    struct diag d = { 0 };

    put_socket(&first, AF_INET, TCP_LISTEN_STATE, "0.0.0.0", 22, 0, 1);
    put_socket(&first, AF_INET, TCP_LISTEN_STATE, "10.1.2.3", 80, 33, 2);
    put_socket(&second, AF_INET, TCP_LISTEN_STATE, "127.0.0.53", 53, 101, 3);
    put_done(&last, 0);
    cr_assert_eq(dg_nl_parse(&dump, first.b, first.len, collect, &got, &d), DG_NL_MORE);
    cr_assert_eq(dg_nl_parse(&dump, second.b, second.len, collect, &got, &d), DG_NL_MORE);
    cr_assert_eq(dg_nl_parse(&dump, last.b, last.len, collect, &got, &d), DG_NL_DONE);
    cr_assert_eq(diag_count(&d), 0);
    cr_assert_eq(dump.sockets, 3);
    cr_assert_eq(got.n, 3);
    addr_is(&got.t[1], "10.1.2.3");
    cr_assert_eq(got.t[2].port, 53);
    cr_assert_eq(got.t[2].inode, 3);
}

Test(sock_diag_parse, noop_skipped_other_states_passed_on)
{
    struct dgram g = { .len = 0 };
    struct got got = { .n = 0 };
    struct diag d = { 0 };

    put_msg(&g, NLMSG_NOOP, SEQ, "", 0);
    put_socket(&g, AF_INET, 1, "127.0.0.1", 40000, 0, 0);
    put_done(&g, 0);
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_DONE);
    cr_assert_eq(got.n, 1);
    cr_assert_eq(got.t[0].state, 1);
}

Test(sock_diag_parse, nlmsg_error)
{
    struct dgram g = { .len = 0 };
    struct got got = { .n = 0 };
    struct diag d = { 0 };

    put_error(&g, -EPERM);
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_FAILED);
    cr_assert_eq(diag_count(&d), 1);
    cr_assert_str_eq(diag_last(&d), "sock_diag: Operation not permitted");
    diag_free(&d);

    g.len = 0;
    put_error(&g, 0);           /* an ack: a dump never ends so */
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_FAILED);
    cr_assert_eq(diag_count(&d), 1);
    diag_free(&d);

    g.len = 0;
    put_socket(&g, AF_INET, TCP_LISTEN_STATE, "127.0.0.1", 22, 0, 9);
    put_done(&g, -ENOBUFS);     /* the dump itself failed */
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_FAILED);
    cr_assert_str_eq(diag_last(&d), "sock_diag: No buffer space available");
    cr_assert_eq(got.n, 1);
    diag_free(&d);
}

/* Every cut of a datagram short of its end either falls between two
 * messages (the rest is awaited: MORE) or inside one (FAILED), never
 * DONE, and a failure is one diag line. */
Test(sock_diag_parse, truncated_messages)
{
    struct dgram g = { .len = 0 };
    size_t boundary;

    put_socket(&g, AF_INET6, TCP_LISTEN_STATE, "::1", 22, 0, 5);
    boundary = g.len;
    put_done(&g, 0);
    for (size_t cut = 0; cut < g.len; cut++) {
        struct dg_nl_dump dump = { .family = AF_INET6, .seq = SEQ };
        struct got got = { .n = 0 };
        struct diag d = { 0 };
        enum dg_nl_status st = dg_nl_parse(&dump, g.b, cut, collect, &got, &d);

        if (cut == boundary) {
            cr_assert_eq(st, DG_NL_MORE, "cut %zu", cut);
            cr_assert_eq(got.n, 1);
        } else {
            cr_assert_eq(st, DG_NL_FAILED, "cut %zu", cut);
            cr_assert_eq(diag_count(&d), 1, "cut %zu", cut);
        }
        diag_free(&d);
    }
}

/* Patch the 32-bit nlmsg_len of the message at OFF. */
static void set_len(struct dgram *g, size_t off, uint32_t len)
{
    memcpy(g->b + off, &len, 4);
}

Test(sock_diag_parse, nlmsg_len_not_trusted)
{
    static const uint32_t lies[] = { 0, 15, 16, 16 + 71, 4096, 0xffffffffu };
    struct dgram g = { .len = 0 };

    put_socket(&g, AF_INET, TCP_LISTEN_STATE, "127.0.0.1", 22, 0, 5);
    put_done(&g, 0);
    for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
        struct dgram bad = g;
        struct got got = { .n = 0 };
        struct diag d = { 0 };

        set_len(&bad, 0, lies[i]);
        cr_assert_eq(parse(&bad, AF_INET, &got, &d), DG_NL_FAILED, "nlmsg_len %u", lies[i]);
        cr_assert_eq(got.n, 0);
        cr_assert_eq(diag_count(&d), 1);
        diag_free(&d);
    }
}

Test(sock_diag_parse, attribute_lengths_bounded)
{
    static const uint16_t lies[] = { 0, 3, 9, 200 };
    struct dgram g = { .len = 0 };
    size_t attr = NLMSG_HDRLEN + sizeof(struct inet_diag_msg);

    put_socket(&g, AF_INET, TCP_LISTEN_STATE, "127.0.0.1", 22, 0, 5);
    for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
        struct dgram bad = g;
        struct got got = { .n = 0 };
        struct diag d = { 0 };

        memcpy(bad.b + attr, &lies[i], 2);
        cr_assert_eq(parse(&bad, AF_INET, &got, &d), DG_NL_FAILED, "rta_len %u", lies[i]);
        cr_assert_eq(got.n, 0);
        diag_free(&d);
    }
}

Test(sock_diag_parse, refuses_what_was_not_asked)
{
    struct dgram g = { .len = 0 };
    struct got got = { .n = 0 };
    struct diag d = { 0 };

    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_FAILED);      /* empty */
    diag_free(&d);
    put_socket(&g, AF_INET6, TCP_LISTEN_STATE, "::", 22, 0, 5);     /* family */
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_FAILED);
    diag_free(&d);
    g.len = 0;
    put_msg(&g, NLMSG_DONE, SEQ + 1, "\0\0\0\0", 4);                /* sequence */
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_FAILED);
    diag_free(&d);
    g.len = 0;
    put_msg(&g, NLMSG_OVERRUN, SEQ, "", 0);                        /* type */
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_FAILED);
    diag_free(&d);
    g.len = 0;
    put_msg(&g, NLMSG_DONE, SEQ, "", 0);                           /* no status */
    cr_assert_eq(parse(&g, AF_INET, &got, &d), DG_NL_FAILED);
    cr_assert_eq(got.n, 0);
    diag_free(&d);
}

Test(sock_diag_parse, request)
{
    unsigned char buf[DG_NL_REQUEST_LEN];
    struct nlmsghdr h;
    struct inet_diag_req_v2 req;
    size_t len = dg_nl_request(AF_INET6, 99, buf);

    cr_assert_eq(len, NLMSG_HDRLEN + sizeof(req));
    memcpy(&h, buf, sizeof(h));
    memcpy(&req, buf + NLMSG_HDRLEN, sizeof(req));
    cr_assert_eq(h.nlmsg_len, len);
    cr_assert_eq(h.nlmsg_type, SOCK_DIAG_BY_FAMILY);
    cr_assert_eq(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    cr_assert_eq(h.nlmsg_seq, 99);
    cr_assert_eq(req.sdiag_family, AF_INET6);
    cr_assert_eq(req.sdiag_protocol, IPPROTO_TCP);
    cr_assert_eq(req.idiag_ext, 0);
    cr_assert_eq(req.idiag_states, 1u << TCP_LISTEN_STATE);
    cr_assert_eq(req.id.idiag_sport, 0);
}
