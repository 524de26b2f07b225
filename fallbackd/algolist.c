/* algolist.c - default and supported algorithm lists, and sshd's
 * "+", "-", "^" forms applied to them (see algolist.h).
 *
 * Key exchange by default: the post-quantum hybrids first (ML-KEM-768 and
 * sntrup761, each with X25519), then curve25519.  libssh appends the
 * strict-KEX marker (kex-strict-s-v00@openssh.com) and ext-info itself.
 * Ciphers: AEAD first, then AES-CTR (with an etm MAC) for clients without
 * AEAD such as paramiko 2.12.  MACs: etm only.  Host key algorithms: only
 * those of a loaded host key are offered.
 */
#include "algolist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrmatch.h"

#define MAX_ALGOS 16

struct algo_table {
    const char *dflt;                   /* the default list */
    const char *names[MAX_ALGOS];       /* the supported set, NULL-terminated */
};

static const struct algo_table tables[ALGO_KINDS] = {
    [ALGO_KEX] = {
        "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"
        "curve25519-sha256,curve25519-sha256@libssh.org",
        { "mlkem768x25519-sha256", "sntrup761x25519-sha512",
          "sntrup761x25519-sha512@openssh.com", "curve25519-sha256",
          "curve25519-sha256@libssh.org", "mlkem768nistp256-sha256",
          "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
          "diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512",
          "diffie-hellman-group18-sha512", NULL },
    },
    [ALGO_CIPHERS] = {
        "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,"
        "aes256-ctr,aes192-ctr,aes128-ctr",
        { "chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com",
          "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr", NULL },
    },
    [ALGO_MACS] = {
        "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com",
        { "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
          "hmac-sha2-256", "hmac-sha2-512", NULL },
    },
    [ALGO_HOSTKEY] = {
        "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,"
        "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521",
        { "ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256",
          "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", NULL },
    },
    [ALGO_PUBKEY] = {
        "ssh-ed25519,sk-ssh-ed25519@openssh.com,"
        "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
        "sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
        { "ssh-ed25519", "sk-ssh-ed25519@openssh.com", "ecdsa-sha2-nistp256",
          "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
          "sk-ecdsa-sha2-nistp256@openssh.com", "rsa-sha2-512", "rsa-sha2-256", NULL },
    },
};

/* A list as indexes into its kind's names[], in order, no repeats. */
struct picks {
    int v[MAX_ALGOS];
    size_t n;
};

const char *algolist_default(enum algo_kind kind)
{
    return tables[kind].dflt;
}

const char *algolist_supported(enum algo_kind kind)
{
    static char joined[ALGO_KINDS][MAX_ALGOS * 48];
    const struct algo_table *t = &tables[kind];
    size_t o = 0;
    size_t i;

    if (joined[kind][0] == '\0') {
        for (i = 0; t->names[i] != NULL; i++) {
            o += (size_t)snprintf(joined[kind] + o, sizeof(joined[kind]) - o, "%s%s",
                                  i ? "," : "", t->names[i]);
        }
    }
    return joined[kind];
}

const char *algolist_effective(enum algo_kind kind, const char *list)
{
    return list != NULL ? list : tables[kind].dflt;
}

/* Is NAME one of the comma-separated entries of LIST? */
static int list_has(const char *list, const char *name)
{
    size_t len = strlen(name);
    const char *s = list;

    for (;;) {
        size_t n = strcspn(s, ",");
        if (n == len && strncmp(s, name, n) == 0) {
            return 1;
        }
        if (s[n] == '\0') {
            return 0;
        }
        s += n + 1;
    }
}

int algolist_has_hostkey(const char *list, const char *keytype)
{
    if (strcmp(keytype, "ssh-rsa") == 0) {
        return list_has(list, "rsa-sha2-512") || list_has(list, "rsa-sha2-256");
    }
    return list_has(list, keytype);
}

static int picked(const struct picks *p, int idx)
{
    size_t i;

    for (i = 0; i < p->n; i++) {
        if (p->v[i] == idx) {
            return 1;
        }
    }
    return 0;
}

static void pick(struct picks *p, int idx)
{
    if (!picked(p, idx) && p->n < MAX_ALGOS) {
        p->v[p->n++] = idx;
    }
}

/* Add every supported name of T matching the LEN-byte entry at S to P;
 * the number of names it matched. */
static int pick_matching(const struct algo_table *t, const char *s, size_t len,
                         struct picks *p)
{
    char entry[128];
    int found = 0;
    int i;

    if (len >= sizeof(entry)) {
        return 0;
    }
    memcpy(entry, s, len);
    entry[len] = '\0';
    for (i = 0; t->names[i] != NULL; i++) {
        if (addrmatch_glob(entry, t->names[i]) == 1) {
            pick(p, i);
            found++;
        }
    }
    return found;
}

/* The comma-separated LIST as picks; 0, or -1 with ERR set naming the
 * entry at fault. */
static int parse_list(const struct algo_table *t, const char *list, struct picks *p,
                      char *err, size_t errlen)
{
    const char *s = list;

    p->n = 0;
    for (;;) {
        size_t len = strcspn(s, ",");
        if (len == 0) {
            snprintf(err, errlen, "empty algorithm name in \"%.64s\"", list);
            return -1;
        }
        if (pick_matching(t, s, len, p) == 0) {
            snprintf(err, errlen, "\"%.*s\" is not an algorithm fallbackd supports (%s)",
                     (int)(len > 64 ? 64 : len), s, algolist_supported((enum algo_kind)(t - tables)));
            return -1;
        }
        if (s[len] == '\0') {
            return 0;
        }
        s += len + 1;
    }
}

/* P joined with commas (malloc'd), or NULL when out of memory. */
static char *join(const struct algo_table *t, const struct picks *p)
{
    size_t size = 1;
    size_t i;
    char *out;

    for (i = 0; i < p->n; i++) {
        size += strlen(t->names[p->v[i]]) + 1;
    }
    out = malloc(size);
    if (out == NULL) {
        return NULL;
    }
    out[0] = '\0';
    for (i = 0; i < p->n; i++) {
        if (i > 0) {
            strcat(out, ",");
        }
        strcat(out, t->names[p->v[i]]);
    }
    return out;
}

char *algolist_resolve(enum algo_kind kind, const char *spec, char *err, size_t errlen)
{
    const struct algo_table *t = &tables[kind];
    char mode = spec[0] != '\0' && strchr("+-^", spec[0]) != NULL ? spec[0] : '=';
    struct picks dflt, named, out = { .n = 0 };
    size_t i;
    char *joined;

    if (parse_list(t, t->dflt, &dflt, err, errlen) < 0 ||
        parse_list(t, mode == '=' ? spec : spec + 1, &named, err, errlen) < 0) {
        return NULL;
    }
    for (i = 0; mode == '^' && i < named.n; i++) {
        pick(&out, named.v[i]);
    }
    for (i = 0; mode != '=' && i < dflt.n; i++) {
        if (mode != '-' || !picked(&named, dflt.v[i])) {
            pick(&out, dflt.v[i]);
        }
    }
    for (i = 0; (mode == '=' || mode == '+') && i < named.n; i++) {
        pick(&out, named.v[i]);
    }
    if (out.n == 0) {
        snprintf(err, errlen, "\"%.64s\" leaves no algorithm", spec);
        return NULL;
    }
    joined = join(t, &out);
    if (joined == NULL) {
        snprintf(err, errlen, "out of memory");
    }
    return joined;
}
