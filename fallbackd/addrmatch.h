/* addrmatch.h - the patterns of AllowUsers, from=, AcceptEnv.
 *
 * Pattern lists follow OpenSSH's PATTERNS (ssh_config(5)): comma-separated,
 * '*' and '?' wildcards, a leading '!' negates, and a negated match wins
 * over any positive one.  Address lists also take CIDR (192.0.2.0/24,
 * 2001:db8::/32).  fallbackd never resolves names, so host name patterns
 * are matched against the numeric address only.
 */
#ifndef FBD_ADDRMATCH_H
#define FBD_ADDRMATCH_H

#include <stddef.h>

#include "diag.h"

/* Glob match of S against PATTERN ('*', '?'). 1 = match, 0 = not. */
int addrmatch_glob(const char *pattern, const char *s);

/* Match S against a pattern list.  1 = a positive pattern matched and no
 * negated one did, 0 = nothing matched, -1 = a negated pattern matched. */
int addrmatch_patterns(const char *s, const char *list);

/* A parsed CIDR block, network bits only. */
struct cidr {
    int family;                 /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int bits;
};

/* Parse "ADDR" or "ADDR/BITS" (IPv4 or IPv6).  Host bits set beyond the
 * prefix are an error, as in OpenSSH.  0 ok, -1 invalid. */
int addrmatch_cidr_parse(const char *s, struct cidr *out);

/* Does numeric address string ADDR fall in C?  IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) match IPv4 blocks. */
int addrmatch_cidr_contains(const struct cidr *c, const char *addr);

/* Match numeric address ADDR against an address pattern list (CIDR or
 * wildcard entries, '!' negation).  1 / 0 / -1 as addrmatch_patterns;
 * -2 if the list is malformed. */
int addrmatch_list(const char *addr, const char *list);

/* Check an address pattern list; 0 ok, -1 with one line added to why
 * (which may be NULL) naming the first bad entry and what is wrong. */
int addrmatch_list_valid(const char *list, struct diag *why);

#endif
