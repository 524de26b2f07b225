/* addrmatch.c - OpenSSH-style pattern lists and numeric address lists
 * (see addrmatch.h).
 *
 * Nothing here ever resolves a name: addresses are parsed with inet_pton(3)
 * and nothing else.  Formats understood:
 *
 *   pattern list   PAT[,PAT...]       PAT: [!]GLOB  ('*' any run, '?' one char)
 *   address list   ENTRY[,ENTRY...]   ENTRY: [!]ADDR[/BITS] | [!]GLOB | [!]HOSTNAME
 *                  ADDR: dotted-quad IPv4 or RFC 4291 IPv6 text
 *                  BITS: 0..32 (IPv4) or 0..128 (IPv6), no host bits set
 *
 * A GLOB entry is matched, case-insensitively, against the canonical text of
 * the address (inet_ntop form; IPv4 for an IPv4-mapped IPv6 address).  A
 * host name entry is accepted but, as no name is resolved, never matches.
 */
#include "addrmatch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define ENTRY_MAX 255           /* longest address-list entry (a host name) */

/* Characters allowed in an address-list entry ('!' only leading). */
static const char entry_chars[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:-_*?/";

static const unsigned char v4mapped_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* A numeric address in IPv6 form (IPv4 as ::ffff:a.b.c.d), and its text. */
struct naddr {
    unsigned char a6[16];
    int is_v4;                          /* IPv4 or IPv4-mapped IPv6 */
    char text[INET6_ADDRSTRLEN];        /* canonical text used for globs */
};

/* C, lowered if FOLD is set and C is an ASCII capital. */
static int fold_char(unsigned char c, int fold)
{
    if (fold && c >= 'A' && c <= 'Z') {
        return c - 'A' + 'a';
    }
    return c;
}

/* Does all of S match the PLEN bytes at PAT?  Backtracks to the last '*'
 * only, so the cost is at most strlen(S) * PLEN steps on any input. */
static int glob_core(const char *pat, size_t plen, const char *s, int fold)
{
    size_t p = 0, i = 0, star_p = 0, star_i = 0;
    int have_star = 0;

    while (s[i] != '\0') {
        if (p < plen && pat[p] == '*') {
            have_star = 1;
            star_p = ++p;
            star_i = i;
        } else if (p < plen && (pat[p] == '?' ||
                                fold_char((unsigned char)pat[p], fold) ==
                                fold_char((unsigned char)s[i], fold))) {
            p++;
            i++;
        } else if (have_star) {
            p = star_p;
            i = ++star_i;
        } else {
            return 0;
        }
    }
    while (p < plen && pat[p] == '*') {
        p++;
    }
    return p == plen;
}

/* 1 if S matches PATTERN as a whole (case-sensitive), else 0. */
int addrmatch_glob(const char *pattern, const char *s)
{
    if (pattern == NULL || s == NULL) {
        return 0;
    }
    return glob_core(pattern, strlen(pattern), s, 0);
}

/* 1 if a positive entry of LIST matches S and no negated one does, -1 if a
 * negated one does, else 0.  Empty entries never match. */
int addrmatch_patterns(const char *s, const char *list)
{
    const char *p = list;
    int found = 0;

    if (s == NULL || list == NULL) {
        return 0;
    }
    for (;;) {
        size_t len = strcspn(p, ",");
        size_t neg = (len > 0 && p[0] == '!') ? 1 : 0;

        if (len > neg && glob_core(p + neg, len - neg, s, 0)) {
            if (neg) {
                return -1;
            }
            found = 1;
        }
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    return found;
}

/* The prefix length in S (1 to 3 decimal digits, at most MAX), or -1. */
static int parse_bits(const char *s, int max)
{
    int v = 0;
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (i >= 3 || s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (i == 0 || v > max) {
        return -1;
    }
    return v;
}

/* Parse numeric address S into *FAMILY and OUT (4 or 16 bytes used, the
 * rest zeroed).  An address with a ':' is IPv6.  0 ok, -1 invalid. */
static int parse_numeric(const char *s, int *family, unsigned char out[16])
{
    memset(out, 0, 16);
    *family = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
    return inet_pton(*family, s, out) == 1 ? 0 : -1;
}

/* Do the first BITS bits of A and B agree?  BITS must fit both buffers. */
static int prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
    int whole = bits / 8;
    int rest = bits % 8;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));

    if (memcmp(a, b, (size_t)whole) != 0) {
        return 0;
    }
    return rest == 0 || ((a[whole] ^ b[whole]) & mask) == 0;
}

/* Are all bits of the LEN-byte ADDR beyond the first BITS zero? */
static int host_bits_clear(const unsigned char *addr, int len, int bits)
{
    static const unsigned char zero[16];
    unsigned char tmp[16];

    memcpy(tmp, addr, (size_t)len);
    memset(tmp, 0, (size_t)(bits / 8));
    if (bits % 8 != 0) {
        tmp[bits / 8] &= (unsigned char)(0xff >> (bits % 8));
    }
    return memcmp(tmp, zero, (size_t)len) == 0;
}

/* addrmatch_cidr_parse() that also says why S was refused (a static string). */
static int cidr_parse_why(const char *s, struct cidr *out, const char **why)
{
    char buf[INET6_ADDRSTRLEN + 8];
    char *slash;
    struct cidr c;
    int maxbits;

    *why = NULL;
    memset(&c, 0, sizeof(c));
    if (strlen(s) >= sizeof(buf)) {
        *why = "address too long";
    } else {
        memcpy(buf, s, strlen(s) + 1);
        slash = strchr(buf, '/');
        if (slash != NULL) {
            *slash = '\0';
        }
        if (parse_numeric(buf, &c.family, c.addr) < 0) {
            *why = "not a numeric IPv4 or IPv6 address";
        } else {
            maxbits = c.family == AF_INET ? 32 : 128;
            c.bits = slash != NULL ? parse_bits(slash + 1, maxbits) : maxbits;
            if (c.bits < 0) {
                *why = "bad prefix length";
            } else if (!host_bits_clear(c.addr, maxbits / 8, c.bits)) {
                *why = "host bits set beyond the prefix length";
            }
        }
    }
    if (*why != NULL) {
        return -1;
    }
    *out = c;
    return 0;
}

/* Fill *OUT from "ADDR" or "ADDR/BITS"; *OUT is untouched on error.
 * 0 ok, -1 invalid (bad address, bad length, host bits set). */
int addrmatch_cidr_parse(const char *s, struct cidr *out)
{
    const char *why;

    if (s == NULL || out == NULL) {
        return -1;
    }
    return cidr_parse_why(s, out, &why);
}

/* Parse numeric ADDR into *NA (IPv6 form, canonical text).  0 or -1. */
static int naddr_parse(const char *addr, struct naddr *na)
{
    unsigned char raw[16];
    int family;

    if (addr == NULL || parse_numeric(addr, &family, raw) < 0) {
        return -1;
    }
    if (family == AF_INET) {
        memcpy(na->a6, v4mapped_prefix, 12);
        memcpy(na->a6 + 12, raw, 4);
    } else {
        memcpy(na->a6, raw, 16);
    }
    na->is_v4 = memcmp(na->a6, v4mapped_prefix, 12) == 0;
    if (na->is_v4) {
        inet_ntop(AF_INET, na->a6 + 12, na->text, sizeof(na->text));
    } else {
        inet_ntop(AF_INET6, na->a6, na->text, sizeof(na->text));
    }
    return 0;
}

/* Is NA inside block C?  IPv4 blocks match IPv4 and IPv4-mapped
 * addresses; IPv6 blocks compare the IPv6 form (so ::ffff:0:0/96 holds
 * every IPv4 address). */
static int cidr_match_naddr(const struct cidr *c, const struct naddr *na)
{
    if (c->family == AF_INET && c->bits >= 0 && c->bits <= 32) {
        return na->is_v4 && prefix_equal(c->addr, na->a6 + 12, c->bits);
    }
    if (c->family == AF_INET6 && c->bits >= 0 && c->bits <= 128) {
        return prefix_equal(c->addr, na->a6, c->bits);
    }
    return 0;
}

/* 1 if numeric ADDR lies in C, 0 if not or if ADDR is not numeric. */
int addrmatch_cidr_contains(const struct cidr *c, const char *addr)
{
    struct naddr na;

    if (c == NULL || naddr_parse(addr, &na) < 0) {
        return 0;
    }
    return cidr_match_naddr(c, &na);
}

/* Is the N-byte ENTRY made of digits and dots only, or does it hold a ':'?
 * Such an entry can only be meant as an address, never a host name. */
static int looks_numeric(const char *entry, size_t n)
{
    size_t i;
    int digits_dots = 1;

    for (i = 0; i < n; i++) {
        if (entry[i] == ':') {
            return 1;
        }
        if (entry[i] != '.' && (entry[i] < '0' || entry[i] > '9')) {
            digits_dots = 0;
        }
    }
    return digits_dots;
}

/* What an address-list entry is, once checked. */
enum entry_kind {
    ENTRY_BAD = -1,
    ENTRY_CIDR,         /* ADDR or ADDR/BITS, parsed into a struct cidr */
    ENTRY_GLOB,         /* has '*' or '?': matched against the address text */
    ENTRY_NAME,         /* a host name: never matches a numeric address */
};

/* Check the NUL-terminated ENTRY (no '!', no ','), of length N, and say
 * what it is; for ENTRY_CIDR fill *C, for ENTRY_BAD set *WHY. */
static enum entry_kind entry_classify(const char *entry, size_t n,
                                      struct cidr *c, const char **why)
{
    int is_glob = strpbrk(entry, "*?") != NULL;

    *why = NULL;
    if (n == 0) {
        *why = "empty entry";
    } else if (strspn(entry, entry_chars) < n) {
        *why = "invalid character";
    } else if (strchr(entry, '/') != NULL || (!is_glob && looks_numeric(entry, n))) {
        (void)cidr_parse_why(entry, c, why);
        if (*why == NULL) {
            return ENTRY_CIDR;
        }
    }
    if (*why != NULL) {
        return ENTRY_BAD;
    }
    return is_glob ? ENTRY_GLOB : ENTRY_NAME;
}

/* Does the N-byte ENTRY (no '!', no ',') match NA?  NA may be NULL: then
 * only check it.  1 match, 0 no match, -1 malformed with *why set. */
static int entry_match(const char *entry, size_t n, const struct naddr *na,
                       const char **why)
{
    char buf[ENTRY_MAX + 1];
    struct cidr c;
    enum entry_kind kind = ENTRY_BAD;

    *why = "entry too long";
    if (n <= ENTRY_MAX) {
        memcpy(buf, entry, n);
        buf[n] = '\0';
        kind = entry_classify(buf, n, &c, why);
    }
    if (kind == ENTRY_BAD) {
        return -1;
    }
    if (na == NULL || kind == ENTRY_NAME) {
        return 0;
    }
    return kind == ENTRY_GLOB ? glob_core(buf, n, na->text, 1)
                              : cidr_match_naddr(&c, na);
}

/* Add "entry IDX "ENTRY": WHY" to OUT (if any). */
static void set_why(struct diag *out, size_t idx, const char *entry, size_t n, const char *why)
{
    if (out != NULL) {
        diag_add(out, "entry %zu \"%.*s\": %s", idx, (int)(n > 64 ? 64 : n), entry, why);
    }
}

/* Check every entry of LIST and, if NA is set, match it: 1 / 0 / -1 as
 * addrmatch_patterns(), or -2 with a reason added to WHY if any entry is
 * bad. */
static int addr_list_walk(const char *list, const struct naddr *na, struct diag *why)
{
    const char *p = list;
    const char *bad = NULL;
    size_t idx = 0, len = 0, neg = 0;
    int result = 0, m;

    for (;;) {
        len = strcspn(p, ",");
        neg = (len > 0 && p[0] == '!') ? 1 : 0;
        idx++;
        m = entry_match(p + neg, len - neg, na, &bad);
        if (m < 0) {
            break;
        }
        if (m > 0 && result >= 0) {
            result = neg ? -1 : 1;
        }
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    if (bad != NULL) {
        set_why(why, idx, p, len, bad);
        return -2;
    }
    return result;
}

/* Match numeric ADDR against address list LIST: 1 / 0 / -1 as
 * addrmatch_patterns() (a non-numeric ADDR matches nothing), or -2 if
 * LIST is malformed anywhere, whatever ADDR is. */
int addrmatch_list(const char *addr, const char *list)
{
    struct naddr na;

    if (list == NULL) {
        return -2;
    }
    if (naddr_parse(addr, &na) < 0) {
        return addr_list_walk(list, NULL, NULL) == -2 ? -2 : 0;
    }
    return addr_list_walk(list, &na, NULL);
}

/* 0 if every entry of LIST is well formed, else -1 with one line naming
 * the first bad entry and the reason added to WHY (if not NULL). */
int addrmatch_list_valid(const char *list, struct diag *why)
{
    if (list == NULL) {
        set_why(why, 0, "", 0, "no list");
        return -1;
    }
    return addr_list_walk(list, NULL, why) == -2 ? -1 : 0;
}
