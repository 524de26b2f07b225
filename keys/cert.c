/* cert.c - parsing and checking OpenSSH user certificates (see cert.h).
 *
 * Certificate blob (PROTOCOL.certkeys), all fields in order:
 *
 *     string    certificate type name  ("ssh-ed25519-cert-v01@openssh.com", ...)
 *     string    nonce
 *     ...       the certified key's fields, as in its plain blob after the
 *               type name (ed25519: 1 string; ecdsa: curve, Q; rsa: e, n;
 *               sk-ed25519: key, application; sk-ecdsa: curve, Q, application)
 *     uint64    serial
 *     uint32    type                  (1 user, 2 host)
 *     string    key id
 *     string    valid principals      (a sequence of strings)
 *     uint64    valid after           (seconds since the epoch)
 *     uint64    valid before
 *     string    critical options      (a sequence of: string name, string data)
 *     string    extensions            (same layout)
 *     string    reserved
 *     string    signature key         (a plain public key blob, the CA)
 *     string    signature             (over every byte before this field)
 *
 * Option data (inside its string): force-command: string command;
 * source-address: string "CIDR[,CIDR...]"; verify-required and the flag
 * extensions: empty.
 */
#include "cert.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshbuf.h"

/* A certificate type: its name, the plain key's name, how many string
 * fields the key has, and sshd's label for it. */
struct ctype {
    const char *name;
    const char *plain;
    int nfields;
    const char *label;
};

static const struct ctype ctypes[] = {
    { "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", 1, "ED25519-CERT" },
    { "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256", 2, "ECDSA-CERT" },
    { "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384", 2, "ECDSA-CERT" },
    { "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521", 2, "ECDSA-CERT" },
    { "ssh-rsa-cert-v01@openssh.com", "ssh-rsa", 2, "RSA-CERT" },
    { "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com", 2,
      "ED25519-SK-CERT" },
    { "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", 3,
      "ECDSA-SK-CERT" },
};

#define NCTYPES (sizeof(ctypes) / sizeof(ctypes[0]))

/* User authentication algorithms for certificates and the signature
 * algorithm each signs with. */
static const struct {
    const char *alg;
    const char *sig;
} cert_algs[] = {
    { "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519" },
    { "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256" },
    { "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384" },
    { "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521" },
    { "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-512" },
    { "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-256" },
    { "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com" },
    { "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com" },
};

static const struct ctype *find_ctype(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < NCTYPES; i++) {
        if (strlen(ctypes[i].name) == len && memcmp(ctypes[i].name, name, len) == 0) {
            return &ctypes[i];
        }
    }
    return NULL;
}

int cert_is_cert_type(const char *name, size_t len)
{
    return name != NULL && find_ctype(name, len) != NULL;
}

int cert_blob_is_cert(const unsigned char *blob, size_t len)
{
    struct sshrd r;
    const unsigned char *name;
    size_t n = 0;

    sshrd_init(&r, blob, len);
    name = sshrd_string(&r, &n);
    return name != NULL && cert_is_cert_type((const char *)name, n);
}

const char *cert_sig_alg(const char *alg, char *buf, size_t buflen)
{
    size_t i;

    for (i = 0; i < sizeof(cert_algs) / sizeof(cert_algs[0]); i++) {
        if (strcmp(alg, cert_algs[i].alg) == 0) {
            snprintf(buf, buflen, "%s", cert_algs[i].sig);
            return buf;
        }
    }
    return alg;
}

/* ---- parsing --------------------------------------------------------- */

struct cparse {
    struct sshrd r;
    struct cert *c;
    char *why;
    size_t whylen;
    int failed;
};

__attribute__((format(printf, 2, 3)))
static int cfail(struct cparse *p, const char *fmt, ...)
{
    va_list ap;

    if (!p->failed && p->why != NULL && p->whylen > 0) {
        va_start(ap, fmt);
        vsnprintf(p->why, p->whylen, fmt, ap);
        va_end(ap);
    }
    p->failed = 1;
    return -1;
}

/* A string that must be a C string (no NUL inside), copied; NULL on error. */
static char *rd_cstring(struct sshrd *r)
{
    size_t n = 0;
    const unsigned char *s = sshrd_string(r, &n);
    char *out;

    if (s == NULL || memchr(s, '\0', n) != NULL) {
        r->err = 1;
        return NULL;
    }
    out = strndup((const char *)s, n);
    if (out == NULL) {
        r->err = 1;
    }
    return out;
}

/* The certified key: its fields, copied after the plain type name, must
 * make a valid plain key blob. */
static int parse_key(struct cparse *p, const struct ctype *ct)
{
    struct sshbuf plain = SSHBUF_INIT;
    size_t start = p->r.off;
    enum pubkey_fault f;
    size_t n;
    int i;

    for (i = 0; i < ct->nfields; i++) {
        sshrd_string(&p->r, &n);
    }
    if (!sshrd_ok(&p->r)) {
        return cfail(p, "certificate truncated in its key");
    }
    sshbuf_put_cstring(&plain, ct->plain);
    sshbuf_put(&plain, p->r.p + start, p->r.off - start);
    f = sshbuf_ok(&plain) ? pubkey_check(plain.data, plain.len, &p->c->key) : PUBKEY_NO_MEMORY;
    sshbuf_free(&plain);
    return f == PUBKEY_OK ? 0 : cfail(p, "certified %s key is invalid", ct->plain);
}

static int parse_principals(struct cparse *p)
{
    size_t n = 0;
    const unsigned char *s = sshrd_string(&p->r, &n);
    struct sshrd in;
    struct cert *c = p->c;

    if (s == NULL) {
        return cfail(p, "certificate truncated in its principals");
    }
    sshrd_init(&in, s, n);
    while (sshrd_ok(&in) && sshrd_left(&in) > 0) {
        char *name;
        char **v;

        if (c->nprincipals >= CERT_MAX_PRINCIPALS) {
            return cfail(p, "certificate has more than %d principals", CERT_MAX_PRINCIPALS);
        }
        name = rd_cstring(&in);
        v = name != NULL ? realloc(c->principals, (c->nprincipals + 1) * sizeof(*v)) : NULL;
        if (v == NULL) {
            free(name);
            return cfail(p, "certificate principals are malformed");
        }
        v[c->nprincipals++] = name;
        c->principals = v;
    }
    return sshrd_ok(&in) ? 0 : cfail(p, "certificate principals are malformed");
}

/* The data of an option whose value is one string: that string. */
static int option_string(struct cparse *p, const char *name, const unsigned char *d,
                         size_t n, char **dst)
{
    struct sshrd in;

    if (*dst != NULL) {
        return cfail(p, "certificate has duplicate %s", name);
    }
    sshrd_init(&in, d, n);
    *dst = rd_cstring(&in);
    if (*dst == NULL || sshrd_left(&in) != 0) {
        return cfail(p, "certificate option %s is corrupt", name);
    }
    return 0;
}

/* A flag option (no data); sets *flag. */
static int option_flag(struct cparse *p, const char *name, size_t n, int *flag)
{
    if (n != 0) {
        return cfail(p, "certificate option %s is corrupt (extra data)", name);
    }
    *flag = 1;
    return 0;
}

static int critical_option(struct cparse *p, const char *name, const unsigned char *d,
                           size_t n)
{
    struct cert *c = p->c;

    if (strcmp(name, "force-command") == 0) {
        return option_string(p, name, d, n, &c->force_command);
    }
    if (strcmp(name, "source-address") == 0) {
        return option_string(p, name, d, n, &c->source_address);
    }
    if (strcmp(name, "verify-required") == 0) {
        return option_flag(p, name, n, &c->verify_required);
    }
    if (c->unknown_critical == NULL && (c->unknown_critical = strdup(name)) == NULL) {
        return cfail(p, "out of memory");
    }
    return 0;
}

static int extension(struct cparse *p, const char *name, const unsigned char *d, size_t n)
{
    struct cert *c = p->c;

    if (strcmp(name, "permit-pty") == 0) {
        return option_flag(p, name, n, &c->permit_pty);
    }
    if (strcmp(name, "no-touch-required") == 0) {
        return option_flag(p, name, n, &c->no_touch_required);
    }
    if (strcmp(name, "permit-port-forwarding") == 0) {
        return option_flag(p, name, n, &c->permit_port_forwarding);
    }
    return 0;
}

typedef int (*option_fn)(struct cparse *p, const char *name, const unsigned char *d, size_t n);

/* A sequence of (string name, string data).  ssh-keygen does not write
 * them sorted (no-touch-required comes last), so order is not checked;
 * a repeated force-command or source-address is refused. */
static int parse_options(struct cparse *p, const char *what, option_fn fn)
{
    size_t n = 0;
    const unsigned char *s = sshrd_string(&p->r, &n);
    struct sshrd in;
    int rc = 0;

    if (s == NULL) {
        return cfail(p, "certificate truncated in its %s", what);
    }
    sshrd_init(&in, s, n);
    while (rc == 0 && sshrd_left(&in) > 0) {
        char *name = rd_cstring(&in);
        size_t dn = 0;
        const unsigned char *d = sshrd_string(&in, &dn);

        if (name == NULL || d == NULL) {
            rc = cfail(p, "certificate %s are malformed", what);
        } else {
            rc = fn(p, name, d, dn);
        }
        free(name);
    }
    return rc;
}

/* The CA key and the signature; the signed part is everything before the
 * signature string. */
static int parse_signature(struct cparse *p, const unsigned char *blob)
{
    size_t n = 0, an = 0, sn = 0;
    const unsigned char *ca = sshrd_string(&p->r, &n);
    size_t tbslen = p->r.off;
    const unsigned char *sig = sshrd_string(&p->r, &sn);
    struct sshrd in;
    const unsigned char *alg;

    if (ca == NULL || sig == NULL) {
        return cfail(p, "certificate truncated in its signature");
    }
    if (sshrd_left(&p->r) != 0) {
        return cfail(p, "certificate has trailing bytes");
    }
    if (pubkey_check(ca, n, &p->c->ca) != PUBKEY_OK) {
        return cfail(p, "certificate signature key is invalid or a certificate");
    }
    sshrd_init(&in, sig, sn);
    alg = sshrd_string(&in, &an);
    if (alg == NULL || an == 0 || an >= sizeof(p->c->sig_alg) || memchr(alg, '\0', an)) {
        return cfail(p, "certificate signature is malformed");
    }
    memcpy(p->c->sig_alg, alg, an);
    p->c->tbs = malloc(tbslen);
    p->c->sig = malloc(sn);
    if (p->c->tbs == NULL || p->c->sig == NULL) {
        return cfail(p, "out of memory");
    }
    memcpy(p->c->tbs, blob, tbslen);
    p->c->tbslen = tbslen;
    memcpy(p->c->sig, sig, sn);
    p->c->siglen = sn;
    return 0;
}

/* Serial, type, key id, principals, validity. */
static int parse_middle(struct cparse *p)
{
    struct cert *c = p->c;

    c->serial = sshrd_u64(&p->r);
    c->type = sshrd_u32(&p->r);
    c->key_id = rd_cstring(&p->r);
    if (!sshrd_ok(&p->r)) {
        return cfail(p, "certificate truncated or malformed in its key id");
    }
    if (c->type != CERT_TYPE_USER && c->type != CERT_TYPE_HOST) {
        return cfail(p, "certificate type %" PRIu32 " is neither user nor host", c->type);
    }
    if (parse_principals(p) != 0) {
        return -1;
    }
    c->valid_after = sshrd_u64(&p->r);
    c->valid_before = sshrd_u64(&p->r);
    if (!sshrd_ok(&p->r)) {
        return cfail(p, "certificate truncated in its validity");
    }
    return 0;
}

int cert_parse(const unsigned char *blob, size_t len, struct cert *out,
               char *why, size_t whylen)
{
    struct cparse p = { .c = out, .why = why, .whylen = whylen };
    const unsigned char *name;
    const struct ctype *ct;
    size_t n = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    sshrd_init(&p.r, blob, len);
    name = sshrd_string(&p.r, &n);
    ct = name != NULL ? find_ctype((const char *)name, n) : NULL;
    sshrd_string(&p.r, &n);     /* nonce */
    if (ct == NULL) {
        cfail(&p, "not a certificate type fallbackd understands");
    } else if (!sshrd_ok(&p.r)) {
        cfail(&p, "certificate truncated");
    } else if (parse_key(&p, ct) == 0 && parse_middle(&p) == 0 &&
               parse_options(&p, "critical options", critical_option) == 0 &&
               parse_options(&p, "extensions", extension) == 0) {
        sshrd_string(&p.r, &n);     /* reserved */
        rc = sshrd_ok(&p.r) ? parse_signature(&p, blob)
                            : cfail(&p, "certificate truncated in its reserved field");
    }
    if (rc != 0) {
        cert_free(out);
        return -1;
    }
    out->name = ct->name;
    out->label = ct->label;
    return 0;
}

/* ---- use ------------------------------------------------------------- */

int cert_check_use(const struct cert *c, time_t now, char *why, size_t whylen)
{
    uint64_t t = now < 0 ? 0 : (uint64_t)now;

    if (c->type != CERT_TYPE_USER) {
        snprintf(why, whylen, "certificate is not a user certificate");
    } else if (t < c->valid_after) {
        snprintf(why, whylen, "certificate is not yet valid");
    } else if (t >= c->valid_before) {
        snprintf(why, whylen, "certificate has expired");
    } else if (c->unknown_critical != NULL) {
        snprintf(why, whylen, "certificate critical option \"%.64s\" is not supported",
                 c->unknown_critical);
    } else {
        return 0;
    }
    for (char *s = why; *s != '\0'; s++) {
        *s = (*s < ' ' || *s >= 0x7f) ? '?' : *s;
    }
    return -1;
}

int cert_has_principal(const struct cert *c, const char *name)
{
    size_t i;

    for (i = 0; i < c->nprincipals; i++) {
        if (strcmp(c->principals[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

void cert_describe(const struct cert *c, char *out, size_t outlen)
{
    char fp[PUBKEY_FP_SIZE], cafp[PUBKEY_FP_SIZE];
    char id[128];
    size_t i;

    for (i = 0; c->key_id[i] != '\0' && i < sizeof(id) - 1; i++) {
        unsigned char ch = (unsigned char)c->key_id[i];
        id[i] = (ch >= ' ' && ch < 0x7f) ? (char)ch : '?';
    }
    id[i] = '\0';
    pubkey_fp_sha256(&c->key, fp);
    pubkey_fp_sha256(&c->ca, cafp);
    snprintf(out, outlen, "%s %s ID %s (serial %" PRIu64 ") CA %s %s", c->label, fp, id,
             c->serial, c->ca.label, cafp);
}

void cert_free(struct cert *c)
{
    size_t i;

    pubkey_free(&c->key);
    pubkey_free(&c->ca);
    for (i = 0; i < c->nprincipals; i++) {
        free(c->principals[i]);
    }
    free(c->principals);
    free(c->key_id);
    free(c->force_command);
    free(c->source_address);
    free(c->unknown_critical);
    free(c->tbs);
    free(c->sig);
    memset(c, 0, sizeof(*c));
}
