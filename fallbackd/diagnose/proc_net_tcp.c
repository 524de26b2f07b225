/* proc_net_tcp.c - one line of /proc/net/tcp or /proc/net/tcp6
 * (dg_parse.h): which sockets listen on which port, by inode.
 *
 * Format (the kernel's tcp4_seq_show / tcp6_seq_show), after a header:
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20942 1 ...
 *
 *   word  | form                    | meaning
 *   ------+-------------------------+------------------------------------
 *   0     | "N:"                    | slot
 *   1     | ADDR:PORT               | local; ADDR is 8 (tcp) or 32 (tcp6)
 *         |                         | hex digits: 32-bit words printed as
 *         |                         | native integers; PORT 4 hex digits
 *   2     | ADDR:PORT               | remote
 *   3     | 2 hex digits            | state (0A = LISTEN)
 *   7     | decimal                 | uid
 *   9     | decimal                 | inode (matches "socket:[INODE]")
 */
#include "dg_parse.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ADDR:PORT into OUT; -1 if malformed. */
static int parse_endpoint(const struct dg_tok *t, struct dg_tok *addr, unsigned *port)
{
    const char *colon = memchr(t->p, ':', t->n);
    struct dg_tok pt;
    unsigned long long v;

    if (colon == NULL) {
        return -1;
    }
    *addr = (struct dg_tok){ .p = t->p, .n = (size_t)(colon - t->p) };
    pt = (struct dg_tok){ .p = colon + 1, .n = t->n - addr->n - 1 };
    if (dg_tok_num(&pt, 16, 4, &v) < 0 || pt.n != 4) {
        return -1;
    }
    *port = (unsigned)v;
    return 0;
}

/* The hex address (8 or 32 digits) into OUT's bytes. */
static int parse_addr(const struct dg_tok *a, struct dg_tcp *out)
{
    size_t words;

    if (a->n != 8 && a->n != 32) {
        return -1;
    }
    out->v6 = a->n == 32;
    words = a->n / 8;
    for (size_t i = 0; i < words; i++) {
        struct dg_tok w = { .p = a->p + 8 * i, .n = 8 };
        unsigned long long v;
        uint32_t word;

        if (dg_tok_num(&w, 16, 8, &v) < 0) {
            return -1;
        }
        word = (uint32_t)v;
        memcpy(out->addr + 4 * i, &word, 4);
    }
    return 0;
}

int dg_tcp_parse_line(const char *line, size_t len, struct dg_tcp *out)
{
    struct dg_tok t[10], addr, raddr;
    unsigned long long state, uid, inode;
    unsigned rport;

    memset(out, 0, sizeof(*out));
    if (dg_split(line, len, t, 10) < 10 || t[0].n < 2 || t[0].p[t[0].n - 1] != ':') {
        return -1;
    }
    if (parse_endpoint(&t[1], &addr, &out->port) < 0 || parse_addr(&addr, out) < 0 ||
        parse_endpoint(&t[2], &raddr, &rport) < 0 || raddr.n != addr.n) {
        return -1;
    }
    if (t[3].n != 2 || dg_tok_num(&t[3], 16, 2, &state) < 0 ||
        dg_tok_num(&t[7], 10, 10, &uid) < 0 || dg_tok_num(&t[9], 10, 19, &inode) < 0) {
        return -1;
    }
    out->state = (unsigned)state;
    out->uid = (unsigned long)uid;
    out->inode = (unsigned long)inode;
    return 0;
}

void dg_tcp_addr_str(const struct dg_tcp *t, char *buf, size_t len)
{
    if (inet_ntop(t->v6 ? AF_INET6 : AF_INET, t->addr, buf, (socklen_t)len) == NULL) {
        snprintf(buf, len, "?");
    }
}
