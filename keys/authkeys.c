/* authkeys.c - fallbackd's authorized-keys files (see authkeys.h): the
 * parser for one line (options, key type, key data, comment), and the
 * lookup of a key in a root-managed file.  Key blobs are checked by
 * pubkey.c, so sodium_init() and ssh_init() must have been called.
 * Nothing here prints or exits; problems come back as reasons.
 */
#include "authkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "addrmatch.h"
#include "permitopen.h"
#include "pubkey.h"
#include "readfile.h"
#include "safeopen.h"

#define AK_LINE_MAX (16 * 1024)     /* longest line, newline excluded */
#define AK_FILE_MAX (1024 * 1024)   /* largest file authkeys_find reads */
#define AK_ENV_MAX 64               /* environment= entries kept per line */
#define AK_PERMITOPEN_MAX 64        /* permitopen= entries kept per line */
#define AK_SHOW_MAX 40              /* longest name quoted in a reason */

static const char blanks[] = " \t";

/* One line being parsed. */
struct parse {
    const char *p;          /* next unread character */
    struct ak_key *k;       /* what the line has given so far */
    int allow_env;          /* PermitUserEnvironment */
    struct diag reasons;    /* the last one is reported */
};

static int fail(struct parse *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Note why the line is refused (the last note is the one reported).
 * Always returns -1, for "return fail(...)". */
static int fail(struct parse *ps, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_vadd(&ps->reasons, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

/* Copy LEN bytes of NAME into BUF (AK_SHOW_MAX + 4 bytes) for quoting in a
 * reason: cut after AK_SHOW_MAX characters, anything but printable ASCII
 * (and the quote itself) shown as '?', so a line cannot forge log text. */
static const char *show(char *buf, const char *name, size_t len)
{
    size_t i;
    size_t n = len > AK_SHOW_MAX ? AK_SHOW_MAX : len;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        buf[i] = (c > ' ' && c < 0x7f && c != '"') ? (char)c : '?';
    }
    strcpy(buf + n, n < len ? "..." : "");
    return buf;
}

/* Add REASON to WHY with every non-printable byte shown as '?'. */
static void add_clean_reason(struct diag *why, const char *reason)
{
    char *clean = strdup(reason);

    for (size_t i = 0; clean != NULL && clean[i] != '\0'; i++) {
        if ((unsigned char)clean[i] < ' ' || (unsigned char)clean[i] >= 0x7f) {
            clean[i] = '?';
        }
    }
    diag_add(why, "%s", clean != NULL ? clean : "out of memory");
    free(clean);
}

/* ---- Key blobs ------------------------------------------------------------
 *
 * The key data is the base64 of a public key blob, whose wire format and
 * checks (done as OpenSSH does them) are pubkey.c's; among them, RSA
 * moduli of 1024 to 16384 bits, as sshd allows.  The blob must hold a key
 * of the line's type.  What is kept is the canonical blob pubkey_check
 * makes: the key as libssh's ssh_pki_export_pubkey_blob writes it, which
 * authkeys_find compares byte for byte; for any key ssh-keygen writes it
 * is the decoded data itself.
 */

/* Key types fallbackd accepts: pubkey.c's but ssh-dss (which OpenSSH no
 * longer accepts by default), and no certificates. */
static const char *const ak_types[] = {
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    NULL,
};

/* The accepted key type spelled by the LEN bytes at NAME (case matters),
 * or NULL. */
static const char *find_type(const char *name, size_t len)
{
    const char *const *t = ak_types;

    while (*t != NULL && (strlen(*t) != len || memcmp(*t, name, len) != 0)) {
        t++;
    }
    return *t;
}

int authkeys_type_supported(const char *type)
{
    return type != NULL && find_type(type, strlen(type)) != NULL;
}

/* Decode the LEN base64 characters at B64 (all of them, nothing skipped)
 * into a new buffer of *binlen bytes; NULL on failure. */
static unsigned char *decode_base64(struct parse *ps, const char *b64,
                                    size_t len, size_t *binlen)
{
    size_t max = len / 4 * 3 + 3;
    unsigned char *bin = malloc(max);
    const char *end = NULL;

    if (bin == NULL) {
        fail(ps, "out of memory");
    } else if (sodium_base642bin(bin, max, b64, len, NULL, binlen, &end,
                                 sodium_base64_VARIANT_ORIGINAL) != 0 ||
               end != b64 + len) {
        fail(ps, "key data is not valid base64");
        free(bin);
        bin = NULL;
    }
    return bin;
}

/* What a blob's fault means, said after "TYPE key data ". */
static const char *fault_text(enum pubkey_fault f)
{
    switch (f) {
    case PUBKEY_MALFORMED:
        return "is malformed";
    case PUBKEY_TRAILING:
        return "has trailing bytes";
    case PUBKEY_NO_MEMORY:
        return "cannot be checked: out of memory";
    default:
        return "does not hold a key of that type";
    }
}

/* Check the decoded key data BIN (LEN bytes), which must hold a key of
 * TYPE, and keep its canonical blob in ps->k. */
static int check_blob(struct parse *ps, const char *type,
                      const unsigned char *bin, size_t len)
{
    struct pubkey pk;
    enum pubkey_fault f = pubkey_check(bin, len, &pk);

    if (f == PUBKEY_OK && strcmp(pk.name, type) != 0) {
        pubkey_free(&pk);
        f = PUBKEY_UNKNOWN_TYPE;
    }
    if (f != PUBKEY_OK) {
        return fail(ps, "%s key data %s", type, fault_text(f));
    }
    ps->k->blob = pk.blob;
    ps->k->bloblen = pk.bloblen;
    return 0;
}

/* The key data: the LEN base64 characters at B64, a key of TYPE. */
static int read_key_data(struct parse *ps, const char *type, const char *b64,
                         size_t len)
{
    size_t binlen = 0;
    unsigned char *bin = decode_base64(ps, b64, len, &binlen);
    int rc = bin != NULL ? check_blob(ps, type, bin, binlen) : -1;

    free(bin);
    return rc;
}

/* ---- Options --------------------------------------------------------------
 *
 * The options field, when present, is everything before the first blank
 * that is not inside double quotes:
 *
 *   options = option *( "," option )
 *   option  = name [ "=" DQUOTE value DQUOTE ]
 *   name    = 1*( any character but "=", ",", SP, HTAB )  ; case-insensitive
 *   value   = *( "\" DQUOTE / any character but DQUOTE )  ; \" stands for "
 *
 * Inside a value a backslash is only special before a quote, as in sshd.
 * Options are applied left to right, so "restrict,pty" allows a pty and
 * "pty,restrict" does not.
 */

typedef int (*opt_handler)(struct parse *ps, const char *value);

struct ak_option {
    const char *name;
    int takes_value;        /* name="value" rather than a bare flag */
    opt_handler handler;
};

/* Store a copy of V in *dst. */
static int store(struct parse *ps, char **dst, const char *v)
{
    *dst = strdup(v);
    return *dst != NULL ? 0 : fail(ps, "out of memory");
}

/* command="CMD": the forced command; at most one per line. */
static int opt_command(struct parse *ps, const char *v)
{
    if (ps->k->opts.command != NULL) {
        return fail(ps, "more than one command= option");
    }
    return store(ps, &ps->k->opts.command, v);
}

/* from="PATTERNS": kept as written once addrmatch_list_valid accepts it. */
static int opt_from(struct parse *ps, const char *v)
{
    struct diag why = { 0 };
    int rc = -1;

    if (ps->k->opts.from != NULL) {
        fail(ps, "more than one from= option");
    } else if (addrmatch_list_valid(v, &why) != 0) {
        fail(ps, "invalid from= list: %s", diag_last(&why));
    } else {
        rc = store(ps, &ps->k->opts.from, v);
    }
    diag_free(&why);
    return rc;
}

/* Length of the environment variable name at the start of S
 * ([A-Za-z_][A-Za-z0-9_]*), 0 if there is none. */
static size_t env_name_len(const char *s)
{
    size_t n = 0;

    while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
           s[n] == '_' || (n > 0 && s[n] >= '0' && s[n] <= '9')) {
        n++;
    }
    return n;
}

/* Does O already set the variable named by the first LEN bytes of V? */
static int env_has(const struct ak_opts *o, const char *v, size_t len)
{
    size_t i;

    for (i = 0; i < o->nenv; i++) {
        if (strncmp(o->env[i], v, len) == 0 && o->env[i][len] == '=') {
            return 1;
        }
    }
    return 0;
}

/* Append a copy of "NAME=VALUE" V to the key's environment. */
static int env_add(struct parse *ps, const char *v)
{
    struct ak_opts *o = &ps->k->opts;
    char *copy = strdup(v);
    char **env = copy != NULL ? realloc(o->env, (o->nenv + 1) * sizeof(*env))
                              : NULL;

    if (env == NULL) {
        free(copy);
        return fail(ps, "out of memory");
    }
    env[o->nenv++] = copy;
    o->env = env;
    return 0;
}

/* environment="NAME=VALUE": always checked, but kept only with allow_env;
 * without it sshd silently ignores the option, and so do we.  When a
 * name is set twice the first setting wins, as in sshd. */
static int opt_environment(struct parse *ps, const char *v)
{
    size_t len = env_name_len(v);
    int rc = -1;

    if (len == 0 || v[len] != '=') {
        fail(ps, "environment= value is not NAME=VALUE");
    } else if (!ps->allow_env || env_has(&ps->k->opts, v, len)) {
        rc = 0;
    } else if (ps->k->opts.nenv >= AK_ENV_MAX) {
        fail(ps, "more than %d environment= options", AK_ENV_MAX);
    } else {
        rc = env_add(ps, v);
    }
    return rc;
}

/* The decimal number in the N digits at S (already known to be digits). */
static int digits(const char *s, int n)
{
    int v = 0;

    while (n-- > 0) {
        v = v * 10 + (*s++ - '0');
    }
    return v;
}

/* Days in month MON (0-11) of YEAR, Gregorian calendar. */
static int month_days(int year, int mon)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return days[mon] + (mon == 1 && leap);
}

/* Fill TM from the ND digits at S (YYYYMMDD[HHMM[SS]]); -1 unless every
 * field is a real calendar value (no month 13, February 30 or 24:00). */
static int fill_tm(struct tm *tm, const char *s, size_t nd)
{
    int year = digits(s, 4);

    memset(tm, 0, sizeof(*tm));
    tm->tm_year = year - 1900;
    tm->tm_mon = digits(s + 4, 2) - 1;
    tm->tm_mday = digits(s + 6, 2);
    tm->tm_hour = nd >= 12 ? digits(s + 8, 2) : 0;
    tm->tm_min = nd >= 12 ? digits(s + 10, 2) : 0;
    tm->tm_sec = nd >= 14 ? digits(s + 12, 2) : 0;
    tm->tm_isdst = -1;
    return tm->tm_mon >= 0 && tm->tm_mon < 12 && tm->tm_mday >= 1 &&
           tm->tm_mday <= month_days(year, tm->tm_mon) && tm->tm_hour < 24 &&
           tm->tm_min < 60 && tm->tm_sec < 60 ? 0 : -1;
}

/* Parse an expiry-time value: YYYYMMDD[HHMM[SS]], then 'Z' (or 'z', as
 * sshd allows) for UTC; without it the time is local (mktime).  The result
 * is never 0, which means "no expiry": a time at or before the epoch, or
 * one mktime cannot represent, becomes 1, i.e. long expired. */
static int parse_expiry(const char *s, time_t *out)
{
    size_t nd = strspn(s, "0123456789");
    int utc = (s[nd] == 'Z' || s[nd] == 'z') && s[nd + 1] == '\0';
    struct tm tm;
    time_t t;

    if ((nd != 8 && nd != 12 && nd != 14) || (s[nd] != '\0' && !utc) ||
        fill_tm(&tm, s, nd) != 0) {
        return -1;
    }
    t = utc ? timegm(&tm) : mktime(&tm);
    *out = t > 0 ? t : 1;
    return 0;
}

/* expiry-time="TIME": if given more than once the earliest wins (sshd). */
static int opt_expiry(struct parse *ps, const char *v)
{
    char shown[AK_SHOW_MAX + 4];
    time_t t = 0;

    if (parse_expiry(v, &t) != 0) {
        return fail(ps, "invalid expiry-time \"%s\"", show(shown, v, strlen(v)));
    }
    if (ps->k->opts.expiry == 0 || t < ps->k->opts.expiry) {
        ps->k->opts.expiry = t;
    }
    return 0;
}

/* no-pty. */
static int opt_no_pty(struct parse *ps, const char *v)
{
    ps->k->opts.no_pty = 1;
    return 0;
}

/* restrict: no pty, no port forwarding (agent and X11 forwarding and
 * user-rc fallbackd never has). */
static int opt_restrict(struct parse *ps, const char *v)
{
    ps->k->opts.no_pty = 1;
    ps->k->opts.no_port_forwarding = 1;
    return 0;
}

/* no-port-forwarding / port-forwarding (the latter undoes restrict). */
static int opt_no_port_forwarding(struct parse *ps, const char *v)
{
    ps->k->opts.no_port_forwarding = 1;
    return 0;
}

static int opt_port_forwarding(struct parse *ps, const char *v)
{
    ps->k->opts.no_port_forwarding = 0;
    return 0;
}

/* permitopen="HOST:PORT": one more place local forwarding may reach. */
static int opt_permitopen(struct parse *ps, const char *v)
{
    struct ak_opts *o = &ps->k->opts;
    const char *why = NULL;
    char **list;
    char *copy;

    if (permitopen_word_ok(v, &why) < 0 || strcasecmp(v, "any") == 0 ||
        strcasecmp(v, "none") == 0) {
        return fail(ps, "bad permitopen=\"%.64s\": %s", v, why != NULL ? why : "not host:port");
    }
    if (o->npermitopen >= AK_PERMITOPEN_MAX) {
        return fail(ps, "more than %d permitopen= options", AK_PERMITOPEN_MAX);
    }
    copy = strdup(v);
    list = copy != NULL ? realloc(o->permitopen, (o->npermitopen + 1) * sizeof(*list)) : NULL;
    if (list == NULL) {
        free(copy);
        return fail(ps, "out of memory");
    }
    list[o->npermitopen++] = copy;
    o->permitopen = list;
    return 0;
}

/* pty: allow a pty again after restrict (or no-pty). */
static int opt_pty(struct parse *ps, const char *v)
{
    ps->k->opts.no_pty = 0;
    return 0;
}

/* no-touch-required: a security key may sign without a touch. */
static int opt_no_touch(struct parse *ps, const char *v)
{
    ps->k->opts.no_touch_required = 1;
    return 0;
}

/* verify-required: a security key must attest user verification. */
static int opt_verify(struct parse *ps, const char *v)
{
    ps->k->opts.verify_required = 1;
    return 0;
}

/* cert-authority: the line's key signs user certificates; it does not
 * log in by itself (monitor/auth_cert.c). */
static int opt_cert_authority(struct parse *ps, const char *v)
{
    ps->k->opts.cert_authority = 1;
    return 0;
}

/* principals="NAME[,NAME...]": with cert-authority, the certificate
 * principals accepted instead of the user's name; at most one per line. */
static int opt_principals(struct parse *ps, const char *v)
{
    if (ps->k->opts.principals != NULL) {
        return fail(ps, "more than one principals= option");
    }
    return store(ps, &ps->k->opts.principals, v);
}

/* Restrictions on features fallbackd does not have. */
static int opt_noop(struct parse *ps, const char *v)
{
    return 0;
}

static const struct ak_option options[] = {
    { "command", 1, opt_command },
    { "from", 1, opt_from },
    { "environment", 1, opt_environment },
    { "expiry-time", 1, opt_expiry },
    { "no-pty", 0, opt_no_pty },
    { "restrict", 0, opt_restrict },
    { "pty", 0, opt_pty },
    { "no-touch-required", 0, opt_no_touch },
    { "verify-required", 0, opt_verify },
    { "cert-authority", 0, opt_cert_authority },
    { "principals", 1, opt_principals },
    { "no-port-forwarding", 0, opt_no_port_forwarding },
    { "port-forwarding", 0, opt_port_forwarding },
    { "permitopen", 1, opt_permitopen },
    { "no-agent-forwarding", 0, opt_noop },
    { "no-X11-forwarding", 0, opt_noop },
    { "no-user-rc", 0, opt_noop },
};

/* The option named by the LEN bytes at NAME (any case), or NULL. */
static const struct ak_option *find_option(const char *name, size_t len)
{
    const struct ak_option *o = options;
    const struct ak_option *end = o + sizeof(options) / sizeof(*o);

    while (o < end && (strlen(o->name) != len ||
                       strncasecmp(o->name, name, len) != 0)) {
        o++;
    }
    return o < end ? o : NULL;
}

/* The quote closing a value whose text starts at S, or NULL if none. */
static const char *closing_quote(const char *s)
{
    while (*s != '\0' && *s != '"') {
        s += (s[0] == '\\' && s[1] == '"') ? 2 : 1;
    }
    return *s == '"' ? s : NULL;
}

/* Read ="VALUE" at ps->p (option NAME) into a new string, \" turned into ". */
static char *dequote(struct parse *ps, const char *name)
{
    int quoted = ps->p[1] == '"';
    const char *s = ps->p + 1 + quoted;
    const char *end = quoted ? closing_quote(s) : NULL;
    char *out = end != NULL ? malloc((size_t)(end - s) + 1) : NULL;
    size_t n = 0;

    if (out == NULL) {
        fail(ps, "option \"%s\": %s", name,
             !quoted ? "value must be in double quotes"
                     : end == NULL ? "unterminated quote" : "out of memory");
        return NULL;
    }
    while (s < end) {
        s += (s[0] == '\\' && s[1] == '"');
        out[n++] = *s++;
    }
    out[n] = '\0';
    ps->p = end + 1;
    return out;
}

/* One option at ps->p, dispatched through the table. */
static int parse_option(struct parse *ps)
{
    const char *name = ps->p;
    size_t len = strcspn(name, "=, \t");
    const struct ak_option *o = find_option(name, len);
    char shown[AK_SHOW_MAX + 4];
    char *value = NULL;
    int rc = -1;

    ps->p += len;
    if (o == NULL) {
        fail(ps, "unknown or unsupported option \"%s\"", show(shown, name, len));
    } else if (o->takes_value != (*ps->p == '=')) {
        fail(ps, "option \"%s\" %s", o->name,
             o->takes_value ? "needs a quoted value" : "takes no value");
    } else if (!o->takes_value || (value = dequote(ps, o->name)) != NULL) {
        rc = o->handler(ps, value);
    }
    free(value);
    return rc;
}

/* The options field at ps->p; leaves ps->p on the blank that ends it. */
static int parse_options(struct parse *ps)
{
    int rc = parse_option(ps);

    while (rc == 0 && *ps->p == ',') {
        ps->p++;
        rc = parse_option(ps);
    }
    if (rc == 0 && *ps->p != ' ' && *ps->p != '\t') {
        rc = fail(ps, "%s", *ps->p == '\0' ? "no key after the options"
                                           : "junk after an option value");
    }
    return rc;
}

/* ---- Lines ----------------------------------------------------------------
 *
 *   line = [ options blanks ] keytype blanks base64 [ blanks comment ]
 *
 * blanks are spaces and tabs; the comment is the rest of the line.  Leading
 * and trailing blanks (and the CR of a CRLF file) are ignored; a line that
 * is then empty or starts with '#' is a comment.
 */

/* Does line S start with an options field?  sshd tries the first field as
 * a key and falls back to options.  Here the first field is the key type
 * if fallbackd supports it, or if it has no option syntax ('=', ',', '"')
 * and the next field looks like key data: every blob starts with a 32-bit
 * length below 2^24, so its base64 starts "AAAA".  Thus "ssh-dss AAAA..."
 * is an unsupported key type, "cert-authority ssh-rsa ..." an option. */
static int has_options(const char *s)
{
    size_t len = strcspn(s, blanks);
    const char *next = s + len + strspn(s + len, blanks);

    if (find_type(s, len) != NULL) {
        return 0;
    }
    return strcspn(s, "=,\"") < len || strncmp(next, "AAAA", 4) != 0;
}

/* Keep the rest of the line, after blanks, as the comment (if any). */
static int set_comment(struct parse *ps, const char *rest)
{
    rest += strspn(rest, blanks);
    return *rest == '\0' ? 0 : store(ps, &ps->k->comment, rest);
}

/* keytype blanks base64 [blanks comment], at ps->p (after any options). */
static int parse_key(struct parse *ps)
{
    const char *type = ps->p + strspn(ps->p, blanks);
    size_t tlen = strcspn(type, blanks);
    const char *b64 = type + tlen + strspn(type + tlen, blanks);
    size_t blen = strcspn(b64, blanks);
    const char *name = find_type(type, tlen);
    char shown[AK_SHOW_MAX + 4];
    int rc = -1;

    if (name == NULL) {
        fail(ps, "unsupported key type \"%s\"", show(shown, type, tlen));
    } else if (blen == 0) {
        fail(ps, "no key data after the key type");
    } else if (store(ps, &ps->k->type, name) == 0 &&
               read_key_data(ps, name, b64, blen) == 0) {
        rc = set_comment(ps, b64 + blen);
    }
    return rc;
}

/* The fields of a trimmed, non-comment line S: [options] key [comment]. */
static int parse_fields(struct parse *ps, const char *s)
{
    ps->p = s;
    if (has_options(s) && parse_options(ps) != 0) {
        return -1;
    }
    return parse_key(ps);
}

/* A copy of LINE without its leading and trailing blanks and CRs. */
static char *trimmed_copy(const char *line)
{
    const char *s = line + strspn(line, blanks);
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
        n--;
    }
    return strndup(s, n);
}

enum ak_result authkeys_parse_line(const char *line, int allow_env,
                                   struct ak_key *out, struct diag *why)
{
    struct parse ps = { NULL, out, allow_env, { 0 } };
    enum ak_result res = AK_BAD;
    char *copy = NULL;

    memset(out, 0, sizeof(*out));
    if (line == NULL || strnlen(line, AK_LINE_MAX + 1) > AK_LINE_MAX) {
        fail(&ps, "line longer than %d bytes", AK_LINE_MAX);
    } else if ((copy = trimmed_copy(line)) == NULL) {
        fail(&ps, "out of memory");
    } else if (copy[0] == '\0' || copy[0] == '#') {
        res = AK_EMPTY;
    } else if (parse_fields(&ps, copy) == 0) {
        res = AK_KEY;
    }
    free(copy);
    if (res != AK_KEY) {
        authkeys_key_free(out);
    }
    if (res == AK_BAD && why != NULL) {
        add_clean_reason(why, diag_last(&ps.reasons));
    }
    diag_free(&ps.reasons);
    return res;
}

void authkeys_key_free(struct ak_key *k)
{
    size_t i;

    if (k == NULL) {
        return;
    }
    for (i = 0; i < k->opts.nenv; i++) {
        free(k->opts.env[i]);
    }
    free(k->opts.env);
    for (i = 0; i < k->opts.npermitopen; i++) {
        free(k->opts.permitopen[i]);
    }
    free(k->opts.permitopen);
    free(k->opts.command);
    free(k->opts.from);
    free(k->opts.principals);
    free(k->type);
    free(k->blob);
    free(k->comment);
    memset(k, 0, sizeof(*k));
}

/* Expired from the expiry second on: a key with expiry-time T is accepted
 * while NOW < T.  (sshd still accepts it during second T itself.) */
int authkeys_expired(const struct ak_opts *o, time_t now)
{
    return o->expiry != 0 && now >= o->expiry;
}

/* ---- Files --------------------------------------------------------------- */

/* What authkeys_find is looking for, and where. */
struct search {
    const char *path;
    const unsigned char *blob;
    size_t bloblen;
    int allow_env;
    struct diag *warn;
    int want_ca;            /* match cert-authority lines only (else never) */
};

/* May this file be trusted?  A regular file owned by root and writable by
 * nobody else.  These files are fallbackd's, managed by root. */
static int safe_file(const struct stat *st)
{
    return S_ISREG(st->st_mode) && st->st_uid == 0 &&
           (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* Add "PATH: reason" for a file that cannot be used: BAD if set, else
 * "cannot read" and the error ERR. */
static void file_warning(const struct search *s, const char *bad, int err)
{
    if (s->warn == NULL) {
        return;
    }
    if (bad != NULL) {
        diag_add(s->warn, "%s: %s", s->path, bad);
    } else {
        diag_add(s->warn, "%s: cannot read: %s", s->path, strerror(err));
    }
}

/* Open, vet and read the file of S into a new buffer *BUF (NUL-terminated
 * after *lenp bytes).  0, or -1 with a warning on any problem. */
static int read_keys_file(const struct search *s, char **buf, size_t *lenp)
{
    /* Every directory on the way root's, no symbolic link, the file
     * opened O_NONBLOCK (a FIFO must not hang): safeopen.h. */
    struct diag walk = { 0 };
    int fd = safeopen_root_file(s->path, &walk);
    int err = errno;
    const char *bad = NULL;
    struct stat st;

    *buf = NULL;
    if (fd < 0) {
        bad = walk.n > 0 ? diag_last(&walk) : NULL;     /* err is safeopen's */
    } else if (fstat(fd, &st) != 0) {
        err = errno;
    } else if (!safe_file(&st)) {
        bad = "bad ownership or modes";
    } else {
        err = readfile_fd(fd, AK_FILE_MAX, (size_t)st.st_size, buf, lenp);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (*buf == NULL) {
        file_warning(s, bad, err);
    }
    diag_free(&walk);
    return *buf == NULL ? -1 : 0;
}

/* Parse line LINENO (LEN bytes at LINE); 1 if it holds the key sought, and
 * then *out has it.  A bad line is reported as "PATH:LINE: reason". */
static int check_line(const struct search *s, int lineno, const char *line,
                      size_t len, struct ak_key *out)
{
    struct diag why = { 0 };
    struct ak_key k;
    enum ak_result res = AK_BAD;

    memset(&k, 0, sizeof(k));
    if (memchr(line, '\0', len) != NULL) {
        diag_add(&why, "NUL byte in line");
    } else {
        res = authkeys_parse_line(line, s->allow_env, &k, &why);
    }
    if (res == AK_BAD && s->warn != NULL) {
        diag_add(s->warn, "%s:%d: %s", s->path, lineno, diag_last(&why));
    }
    diag_free(&why);
    if (res == AK_KEY && k.bloblen == s->bloblen && !k.opts.cert_authority == !s->want_ca &&
        memcmp(k.blob, s->blob, k.bloblen) == 0) {
        *out = k;
        out->line = lineno;
        return 1;
    }
    authkeys_key_free(&k);
    return 0;
}

/* Go through the LEN bytes of BUF line by line, stopping at the first
 * line holding the key (lines after it are not read or reported). */
static int scan_lines(const struct search *s, char *buf, size_t len,
                      struct ak_key *out)
{
    size_t pos = 0;
    int lineno = 0;
    int found = 0;

    while (!found && pos < len) {
        char *line = buf + pos;
        char *nl = memchr(line, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;

        line[n] = '\0';
        pos += n + 1;
        found = check_line(s, ++lineno, line, n, out);
    }
    return found;
}

int authkeys_find(const char *path, const unsigned char *blob, size_t bloblen,
                  int allow_env, struct ak_key *out, struct diag *warn)
{
    struct search s = { path, blob, bloblen, allow_env, warn, 0 };
    size_t len = 0;
    char *buf;
    int found;

    memset(out, 0, sizeof(*out));
    if (read_keys_file(&s, &buf, &len) < 0) {
        return -1;
    }
    found = scan_lines(&s, buf, len, out);
    free(buf);
    return found;
}

int authkeys_find_text(const char *name, char *text, size_t len, const unsigned char *blob,
                       size_t bloblen, int want_ca, int allow_env, struct ak_key *out,
                       struct diag *warn)
{
    struct search s = { name, blob, bloblen, allow_env, warn, want_ca };

    memset(out, 0, sizeof(*out));
    return scan_lines(&s, text, len, out);
}
