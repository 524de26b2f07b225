/* fuzz_diagnose_sockdiag.c - libFuzzer target for the parser of the
 * kernel's NETLINK_SOCK_DIAG answers (dg_nl_parse, fallbackd/diagnose/
 * dg_parse.h), as the incident console reads them: one dump, datagram by
 * datagram, until the parser says done or failed.
 *
 * Input: one byte for the family asked for (even: AF_INET, odd:
 * AF_INET6), then datagrams, each a 2-byte little-endian length and that
 * many bytes (the last one cut at the end of the input).  The request's
 * sequence number is 1.  Each datagram is an exact-size copy, so ASan
 * sees a read past its end.
 *
 * Invariants: a failure adds exactly one diag line, a datagram that
 * parses adds none; every socket has the family asked for, a port of 16
 * bits, a state of 8, uid and inode of 32, and an address that prints;
 * dump.sockets counts the sockets passed on; a datagram parsed twice
 * gives the same answer and the same sockets.
 */
#include "fuzz.h"

#include <sys/socket.h>

#include "diag.h"
#include "diagnose/dg_parse.h"

#define SEQ 1u

/* What one parse passed on. */
struct seen {
    int family;
    size_t n;
    unsigned long long sum;     /* of every field: the second parse must agree */
};

static void on_socket(void *arg, const struct dg_tcp *t)
{
    struct seen *s = arg;
    char addr[64];

    FUZZ_CHECK(t->v6 == (s->family == AF_INET6), "family: v6 %d, asked %d", t->v6, s->family);
    FUZZ_CHECK(t->port <= 0xffff && t->state <= 0xff, "port %u state %u", t->port, t->state);
    FUZZ_CHECK(t->uid <= 0xffffffffu && t->inode <= 0xffffffffu, "uid %lu inode %lu", t->uid,
               t->inode);
    dg_tcp_addr_str(t, addr, sizeof(addr));
    FUZZ_CHECK(fuzz_terminated(addr, sizeof(addr)) && addr[0] != '\0', "address text");
    s->n++;
    s->sum += t->port + t->state * 7ull + t->uid * 13ull + t->inode * 31ull + t->addr[0] +
              t->addr[15];
}

/* Parse one datagram (a fresh copy of LEN bytes at P) twice; the status. */
static enum dg_nl_status one_datagram(struct dg_nl_dump *dump, const uint8_t *p, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    struct seen a = { .family = dump->family }, b = { .family = dump->family };
    struct dg_nl_dump again = *dump;
    struct diag d = { 0 }, e = { 0 };
    enum dg_nl_status st, st2;

    FUZZ_CHECK(copy != NULL, "out of memory");
    memcpy(copy, p, len);
    st = dg_nl_parse(dump, copy, len, on_socket, &a, &d);
    st2 = dg_nl_parse(&again, copy, len, on_socket, &b, &e);
    FUZZ_CHECK(st == DG_NL_MORE || st == DG_NL_DONE || st == DG_NL_FAILED, "status %d", st);
    FUZZ_CHECK(diag_count(&d) == (st == DG_NL_FAILED ? 1u : 0u), "status %d, %zu diag lines",
               st, diag_count(&d));
    FUZZ_CHECK(st == st2 && a.n == b.n && a.sum == b.sum, "second parse differs");
    FUZZ_CHECK(dump->sockets == again.sockets, "socket counts differ");
    diag_free(&d);
    diag_free(&e);
    free(copy);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dg_nl_dump dump = { .seq = SEQ };
    size_t pos = 1, before;
    enum dg_nl_status st = DG_NL_MORE;

    if (size < 1) {
        return 0;
    }
    dump.family = data[0] & 1 ? AF_INET6 : AF_INET;
    while (st == DG_NL_MORE && size - pos >= 2) {
        size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;

        pos += 2;
        len = len < size - pos ? len : size - pos;
        before = dump.sockets;
        st = one_datagram(&dump, data + pos, len);
        FUZZ_CHECK(dump.sockets >= before && dump.sockets - before <= len / 88,
                   "%zu sockets from %zu bytes", dump.sockets - before, len);
        pos += len;
    }
    return 0;
}
