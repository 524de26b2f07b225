/* config.c - fallbackd's configuration file: parser, defaults, dump and
 * look-ups (see config.h).
 *
 * The parser is driven by one keyword table (keywords[] below): each entry
 * names its handler, how many words it takes, the field it fills and how
 * config_dump prints it.  The parser never prints, never exits and never
 * stops at the first problem: every problem is one "FILE:LINE: reason" in
 * the caller's struct diag.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addrmatch.h"
#include "permitopen.h"
#include "log.h"
#include "readfile.h"
#include "sftp/sftp.h"

#define XSTR(x) STR(x)
#define STR(x) #x

#define CFG_MAX_FILE (16u << 20)    /* config_load refuses a bigger file */
#define SHOW_MAX 64                 /* bytes of a value quoted in a message */
#define MAX_KEYWORDS 96
#define WS " \t\r"
#define TOO_BIG ((long long)INT_MAX + 1)

struct pctx;
struct keyword;

typedef int (*handler_fn)(struct pctx *p, const struct keyword *k);
typedef int (*check_fn)(struct pctx *p, const struct keyword *k, const char *entry);
typedef void (*dump_fn)(const struct fbd_config *c, const struct keyword *k, FILE *out);

/* One keyword: how to parse it and how to print it back. */
struct keyword {
    const char *name;       /* as sshd_config(5) spells it; matched ignoring case */
    handler_fn fn;
    int min, max;           /* words after the keyword; max -1 = any number */
    size_t off;             /* the field of struct fbd_config (generic handlers) */
    long long lo, hi;       /* range for numbers and times */
    check_fn check;         /* entry check for lists */
    const char *safe;       /* the only value accepted (h_safe) */
    const char *why;        /* why no other value is */
    dump_fn dump;           /* NULL: not printed */
};

/* Parser state for one file. */
struct pctx {
    struct fbd_config *c;
    struct diag *errs;
    const char *name;       /* file name for messages */
    size_t line;
    char **argv;            /* the words after the keyword */
    size_t argc;
    size_t cap;
    int first;              /* the keyword has not been seen before */
    unsigned char seen[MAX_KEYWORDS];
    char shown[2][SHOW_MAX * 4 + 8];
    char why[320];
};

/* ---- messages ---------------------------------------------------------- */

/* Append "NAME:LINE: message" to the diagnostics; always returns -1. */
__attribute__((format(printf, 2, 3)))
static int perr(struct pctx *p, const char *fmt, ...)
{
    va_list ap;
    char *where = NULL;

    if (asprintf(&where, "%s:%zu: ", p->name, p->line) < 0) {
        where = NULL;
    }
    va_start(ap, fmt);
    diag_vadd(p->errs, where, fmt, ap);
    va_end(ap);
    free(where);
    return -1;
}

/* S made printable for a message (quotes, backslashes and non-ASCII
 * escaped, cut after SHOW_MAX bytes); lives in p->shown[slot]. */
static const char *show(struct pctx *p, int slot, const char *s)
{
    char *buf = p->shown[slot];
    size_t size = sizeof(p->shown[slot]);
    size_t o = 0;
    size_t i;

    for (i = 0; s[i] != '\0' && i < SHOW_MAX; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            o += (size_t)snprintf(buf + o, size - o, "\\%c", ch);
        } else if (ch < 0x20 || ch >= 0x7f) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
        } else {
            buf[o++] = (char)ch;
        }
    }
    snprintf(buf + o, size - o, "%s", s[i] != '\0' ? "..." : "");
    return buf;
}

/* Report "KEYWORD: "VALUE" WHY", or "KEYWORD: WHY" when VALUE is NULL;
 * returns -1. */
static int bad(struct pctx *p, const struct keyword *k, const char *value, const char *why)
{
    if (value == NULL) {
        return perr(p, "%s: %s", k->name, why);
    }
    return perr(p, "%s: \"%s\" %s", k->name, show(p, 0, value), why);
}

/* Report "KEYWORD: bad value "VALUE" (CHOICES)"; returns -1. */
static int bad_choice(struct pctx *p, const struct keyword *k, const char *value,
                      const char *choices)
{
    return perr(p, "%s: bad value \"%s\" (%s)", k->name, show(p, 0, value), choices);
}

/* ---- small parsers (pure, no messages) --------------------------------- */

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* LEN decimal digits at S (no sign, no space) as a number saturated at
 * TOO_BIG; -1 if empty or not all digits. */
static long long parse_num(const char *s, size_t len)
{
    long long v = 0;
    size_t i;

    for (i = 0; i < len && is_digit(s[i]); i++) {
        v = v >= TOO_BIG ? TOO_BIG : v * 10 + (s[i] - '0');
    }
    return (len == 0 || i < len) ? -1 : (v > TOO_BIG ? TOO_BIG : v);
}

/* A port number 1-65535 written in decimal, or -1. */
static int parse_port(const char *s)
{
    long long v = parse_num(s, strlen(s));

    return (v >= 1 && v <= 65535) ? (int)v : -1;
}

/* Seconds per time unit letter; 1 for the end of the string; 0 if none. */
static long long time_unit(char ch)
{
    static const char units[] = "sSmMhHdDwW";
    static const long long secs[] = { 1, 1, 60, 60, 3600, 3600, 86400, 86400,
                                       604800, 604800 };
    const char *u = ch != '\0' ? strchr(units, ch) : NULL;

    if (ch == '\0') {
        return 1;
    }
    return u != NULL ? secs[u - units] : 0;
}

/* sshd's time format (sshd_config(5) TIME FORMATS):
 *     time = 1*( 1*DIGIT [ unit ] )      unit = s | m | h | d | w (any case)
 * a number without a unit is seconds, "1h30m" is 5400.  Returns seconds,
 * saturated at TOO_BIG, or -1 when S is not a time. */
static long long parse_time(const char *s)
{
    long long total = 0;
    size_t i = 0;
    int ok = s[0] != '\0';

    while (ok && s[i] != '\0') {
        size_t start = i;
        long long n = 0;
        long long mult;
        for (; is_digit(s[i]); i++) {
            n = n > INT_MAX ? n : n * 10 + (s[i] - '0');
        }
        mult = time_unit(s[i]);
        ok = i > start && mult > 0;
        i += (ok && s[i] != '\0') ? 1 : 0;
        total += ok ? n * mult : 0;
        total = total > TOO_BIG ? TOO_BIG : total;
    }
    return ok ? total : -1;
}

/* 1 for yes, 0 for no (any case), -1 for anything else. */
static int parse_yesno(const char *s)
{
    if (strcasecmp(s, "yes") == 0) {
        return 1;
    }
    return strcasecmp(s, "no") == 0 ? 0 : -1;
}

/* ---- storing ----------------------------------------------------------- */

/* The field of C that keyword K fills. */
static void *field(struct fbd_config *c, const struct keyword *k)
{
    return (char *)c + k->off;
}

static const void *cfield(const struct fbd_config *c, const struct keyword *k)
{
    return (const char *)c + k->off;
}

/* Store V in K's int field, unless an earlier line set it: for a keyword
 * that does not accumulate, the first value wins, as in sshd. */
static void set_int(struct pctx *p, const struct keyword *k, int v)
{
    if (p->first) {
        *(int *)field(p->c, k) = v;
    }
}

/* Store a copy of VALUE (NULL allowed) in *SLOT, first value winning as in
 * set_int.  0, or -1 (reported) when out of memory. */
static int set_str(struct pctx *p, char **slot, const char *value)
{
    char *copy = NULL;

    if (p->first && value != NULL && (copy = strdup(value)) == NULL) {
        return perr(p, "out of memory");
    }
    if (p->first) {
        free(*slot);
        *slot = copy;
    }
    return 0;
}

/* Room for one more element in an array of N elements of SIZE bytes whose
 * capacity is the next power of two (so no capacity field is needed). */
static int grow_pow2(void **v, size_t n, size_t size)
{
    void *nv;

    if (n != 0 && (n & (n - 1)) != 0) {
        return 0;
    }
    nv = n <= SIZE_MAX / 2 / size ? realloc(*v, (n ? n * 2 : 1) * size) : NULL;
    if (nv == NULL) {
        return -1;
    }
    *v = nv;
    return 0;
}

/* Append a copy of S to L; 0, or -1 when out of memory (L unchanged). */
static int strlist_add(struct strlist *l, const char *s)
{
    char *copy = strdup(s);
    void *v = l->v;

    if (copy == NULL || grow_pow2(&v, l->n, sizeof(*l->v)) < 0) {
        free(copy);
        return -1;
    }
    l->v = v;
    l->v[l->n++] = copy;
    return 0;
}

static void strlist_free(struct strlist *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* ---- keyword handlers: each validates p->argv and stores into p->c ------ */

/* Why PATH is not an absolute path (NULL if it is). */
static const char *abs_problem(const char *path)
{
    return path[0] == '/' ? NULL : "is not an absolute path";
}

/* Port N: 1-65535; repeats add ports; the first one replaces the default. */
static int h_port(struct pctx *p, const struct keyword *k)
{
    struct fbd_config *c = p->c;
    const char *why = NULL;
    int port = parse_port(p->argv[0]);
    size_t i;

    if (p->first) {
        c->nports = 0;
    }
    for (i = 0; i < c->nports && port >= 0; i++) {
        why = c->ports[i] == port ? "is given twice" : why;
    }
    if (port < 0) {
        why = "is not a port number (1-65535)";
    } else if (why == NULL && c->nports == CFG_MAX_PORTS) {
        why = "is one port too many (at most " XSTR(CFG_MAX_PORTS) ")";
    }
    if (why != NULL) {
        return bad(p, k, p->argv[0], why);
    }
    c->ports[c->nports++] = port;
    return 0;
}

/* Where the address and the port are in a ListenAddress value. */
struct hostport {
    const char *host;
    size_t hostlen;
    const char *port;       /* NULL: no port given */
};

/* Split "ADDR", "ADDR:PORT", "[ADDR]", "[ADDR]:PORT", or a bare IPv6
 * address (two colons or more: all address).  0, or -1 on bad brackets. */
static int split_hostport(const char *s, struct hostport *hp)
{
    const char *colon = strchr(s, ':');
    const char *close = s[0] == '[' ? strchr(s, ']') : NULL;
    int ok = s[0] != '[' || (close != NULL && (close[1] == '\0' || close[1] == ':'));

    hp->host = s;
    hp->hostlen = strlen(s);
    hp->port = NULL;
    if (ok && close != NULL) {
        hp->host = s + 1;
        hp->hostlen = (size_t)(close - s - 1);
        hp->port = close[1] == ':' ? close + 2 : NULL;
    } else if (ok && colon != NULL && strchr(colon + 1, ':') == NULL) {
        hp->hostlen = (size_t)(colon - s);
        hp->port = colon + 1;
    }
    return ok ? 0 : -1;
}

/* The numeric IPv4 or IPv6 address of LEN bytes at S, normalised into OUT
 * (INET6_ADDRSTRLEN bytes).  0, or -1 if it is not one (never DNS). */
static int numeric_addr(const char *s, size_t len, char *out)
{
    char buf[INET6_ADDRSTRLEN];
    unsigned char bin[16];
    int family = -1;

    if (len < sizeof(buf)) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (inet_pton(AF_INET, buf, bin) == 1) {
            family = AF_INET;
        } else if (inet_pton(AF_INET6, buf, bin) == 1) {
            family = AF_INET6;
        }
    }
    if (family < 0 || inet_ntop(family, bin, out, INET6_ADDRSTRLEN) == NULL) {
        return -1;
    }
    return 0;
}

/* ListenAddress ADDR[:PORT]: numeric only; port 0 = on every Port. */
static int h_listen(struct pctx *p, const struct keyword *k)
{
    struct fbd_config *c = p->c;
    const char *a = p->argv[0];
    const char *why = NULL;
    struct hostport hp;
    char addr[INET6_ADDRSTRLEN];
    int port = 0;

    if (split_hostport(a, &hp) < 0) {
        why = "is not ADDR, ADDR:PORT, [ADDR] or [ADDR]:PORT";
    } else if (numeric_addr(hp.host, hp.hostlen, addr) < 0) {
        why = "is not a numeric IPv4 or IPv6 address (fallbackd never resolves names)";
    } else if (hp.port != NULL && (port = parse_port(hp.port)) < 0) {
        why = "has a bad port number (1-65535)";
    } else if (c->nlisten == CFG_MAX_LISTEN) {
        why = "is one address too many (at most " XSTR(CFG_MAX_LISTEN) ")";
    } else if ((c->listen[c->nlisten].addr = strdup(addr)) == NULL) {
        why = "cannot be stored: out of memory";
    }
    if (why != NULL) {
        return bad(p, k, a, why);
    }
    c->listen[c->nlisten++].port = port;
    return 0;
}

/* HostKey PATH: absolute; repeats add keys; the first replaces the default. */
static int h_hostkey(struct pctx *p, const struct keyword *k)
{
    struct fbd_config *c = p->c;
    const char *a = p->argv[0];
    const char *why = abs_problem(a);
    size_t i;

    while (p->first && c->nhost_keys > 0) {
        free(c->host_keys[--c->nhost_keys]);
    }
    for (i = 0; i < c->nhost_keys && why == NULL; i++) {
        why = strcmp(c->host_keys[i], a) == 0 ? "is given twice" : NULL;
    }
    if (why == NULL && c->nhost_keys == CFG_MAX_HOSTKEYS) {
        why = "is one key too many (at most " XSTR(CFG_MAX_HOSTKEYS) ")";
    } else if (why == NULL && (c->host_keys[c->nhost_keys] = strdup(a)) == NULL) {
        why = "cannot be stored: out of memory";
    }
    if (why != NULL) {
        return bad(p, k, a, why);
    }
    c->nhost_keys++;
    return 0;
}

/* Why S is no good as AuthorizedKeysFile (NULL if fine): the only tokens
 * are %u, %h and %%; a relative path is relative to the home directory. */
static const char *authkeys_problem(struct pctx *p, const char *s)
{
    const char *q;

    for (q = strchr(s, '%'); q != NULL; q = strchr(q + 2, '%')) {
        if (q[1] != 'u' && q[1] != 'h' && q[1] != '%') {
            char tok[3] = { '%', q[1], '\0' };
            snprintf(p->why, sizeof(p->why), "has unknown token \"%s\" (only %%u, %%h, %%%%)",
                     show(p, 1, tok));
            return p->why;
        }
    }
    return NULL;
}

/* AuthorizedKeysFile PATH...: as sshd, several files, each absolute,
 * %h/..., or relative to the home directory; "none" for none.  The first
 * is authorized_keys_file, the others authorized_keys_more. */
static int h_authkeys(struct pctx *p, const struct keyword *k)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < p->argc; i++) {
        const char *why = authkeys_problem(p, p->argv[i]);
        if (why != NULL) {
            rc = bad(p, k, p->argv[i], why);
        }
    }
    if (rc != 0 || !p->first) {
        return rc;
    }
    strlist_free(&p->c->authorized_keys_more);
    for (i = 1; i < p->argc && rc == 0; i++) {
        if (strlist_add(&p->c->authorized_keys_more, p->argv[i]) < 0) {
            rc = perr(p, "out of memory");
        }
    }
    return rc == 0 ? set_str(p, &p->c->authorized_keys_file, p->argv[0]) : rc;
}

/* TrustedUserCAKeys, RevokedKeys: an absolute path, or "none". */
static int h_path_none(struct pctx *p, const struct keyword *k)
{
    const char *why = strcmp(p->argv[0], "none") == 0 ? NULL : abs_problem(p->argv[0]);

    if (why != NULL) {
        return bad(p, k, p->argv[0], why);
    }
    return set_str(p, field(p->c, k), strcmp(p->argv[0], "none") == 0 ? NULL : p->argv[0]);
}

/* AuthorizedPrincipalsFile: as AuthorizedKeysFile (one file), or "none". */
static int h_principals(struct pctx *p, const struct keyword *k)
{
    const char *why = strcmp(p->argv[0], "none") == 0 ? NULL : authkeys_problem(p, p->argv[0]);

    if (why != NULL) {
        return bad(p, k, p->argv[0], why);
    }
    return set_str(p, field(p->c, k), strcmp(p->argv[0], "none") == 0 ? NULL : p->argv[0]);
}

/* CASignatureAlgorithms: a comma-separated list of signature algorithms
 * fallbackd can verify. */
static int h_ca_algs(struct pctx *p, const struct keyword *k)
{
    static const char known[] = "," CFG_DEFAULT_CA_SIG_ALGS ",";
    const char *s = p->argv[0];

    while (*s != '\0') {
        size_t n = strcspn(s, ",");
        char one[80];
        snprintf(one, sizeof(one), ",%.*s,", (int)(n < 70 ? n : 70), s);
        if (n == 0 || n >= 70 || strstr(known, one) == NULL) {
            return bad(p, k, p->argv[0], "names an algorithm fallbackd cannot verify");
        }
        s += n + (s[n] == ',');
    }
    return set_str(p, field(p->c, k), p->argv[0]);
}

/* List keywords (AllowUsers, ..., AcceptEnv): every word is an entry,
 * checked by k->check; repeats append. */
static int h_list(struct pctx *p, const struct keyword *k)
{
    struct strlist *l = field(p->c, k);
    size_t i;
    int rc = 0;

    for (i = 0; i < p->argc; i++) {
        if (k->check(p, k, p->argv[i]) < 0) {
            rc = -1;
        } else if (strlist_add(l, p->argv[i]) < 0) {
            rc = perr(p, "out of memory");
        }
    }
    return rc;
}

/* AllowUsers/DenyUsers entry: USER or USER@ADDRPATTERNLIST. */
static int chk_user(struct pctx *p, const struct keyword *k, const char *e)
{
    const char *at = strchr(e, '@');
    const char *why = NULL;
    struct diag reason = { 0 };

    if (e[0] == '\0' || at == e) {
        why = "has no user name";
    } else if (at != NULL && addrmatch_list_valid(at + 1, &reason) < 0) {
        snprintf(p->why, sizeof(p->why), "has a bad address pattern: %s", diag_last(&reason));
        why = p->why;
    }
    diag_free(&reason);
    return why == NULL ? 0 : bad(p, k, e, why);
}

/* AllowGroups/DenyGroups entry: a group name pattern (RescueShellUsers and
 * RescueShellGroups use it too: an empty word is the only bad one). */
static int chk_group(struct pctx *p, const struct keyword *k, const char *e)
{
    return e[0] != '\0' ? 0 : bad(p, k, e, "is not a group name");
}

/* AcceptEnv entry: a variable name pattern, without '='. */
static int chk_env(struct pctx *p, const struct keyword *k, const char *e)
{
    if (e[0] == '\0' || strchr(e, '=') != NULL) {
        return bad(p, k, e, "is not an environment variable name pattern");
    }
    return 0;
}

static const struct {
    const char *name;
    int value;
} root_values[] = {
    { "yes", ROOT_YES },
    { "prohibit-password", ROOT_YES },
    { "without-password", ROOT_YES },
    { "forced-commands-only", ROOT_FORCED_COMMANDS_ONLY },
    { "no", ROOT_NO },
};

/* PermitRootLogin yes|prohibit-password|without-password|forced-commands-only|no */
static int h_root(struct pctx *p, const struct keyword *k)
{
    size_t i;

    for (i = 0; i < sizeof(root_values) / sizeof(root_values[0]); i++) {
        if (strcasecmp(p->argv[0], root_values[i].name) == 0) {
            set_int(p, k, root_values[i].value);
            return 0;
        }
    }
    return bad_choice(p, k, p->argv[0], "yes, prohibit-password, forced-commands-only, no");
}

static const struct {
    const char *name;
    int bit;
} pk_options[] = {
    { "none", 0 },
    { "touch-required", CFG_PK_TOUCH_REQUIRED },
    { "verify-required", CFG_PK_VERIFY_REQUIRED },
};

/* PubkeyAuthOptions none | touch-required [verify-required] ... */
static int h_pkopts(struct pctx *p, const struct keyword *k)
{
    int bits = 0;

    for (size_t w = 0; w < p->argc; w++) {
        size_t i = 0;

        while (i < sizeof(pk_options) / sizeof(pk_options[0]) &&
               strcmp(p->argv[w], pk_options[i].name) != 0) {
            i++;
        }
        if (i == sizeof(pk_options) / sizeof(pk_options[0])) {
            return bad_choice(p, k, p->argv[w], "none, touch-required, verify-required");
        }
        bits |= pk_options[i].bit;
    }
    set_int(p, k, bits);
    return 0;
}

/* yes|no keywords. */
static int h_flag(struct pctx *p, const struct keyword *k)
{
    int v = parse_yesno(p->argv[0]);

    if (v < 0) {
        return bad_choice(p, k, p->argv[0], "yes, no");
    }
    set_int(p, k, v);
    return 0;
}

/* DiagnoseAtLogin no|yes|always */
static int h_diag_login(struct pctx *p, const struct keyword *k)
{
    int v = strcmp(p->argv[0], "always") == 0 ? DIAG_LOGIN_ALWAYS : parse_yesno(p->argv[0]);

    if (v < 0) {
        return bad_choice(p, k, p->argv[0], "yes, no, always");
    }
    set_int(p, k, v);
    return 0;
}

/* DiagnoseFiles entry: an absolute path, or ~/ and a path in the home. */
static int chk_diag_file(struct pctx *p, const struct keyword *k, const char *e)
{
    if (e[0] == '/' || (strncmp(e, "~/", 2) == 0 && e[2] != '\0')) {
        return 0;
    }
    return bad(p, k, e, "is not an absolute path or ~/PATH");
}

/* Sandbox auto|strict|yes|no ("yes" is "strict"). */
static const char *const sandbox_modes[] = {
    [SANDBOX_NO] = "no", [SANDBOX_AUTO] = "auto", [SANDBOX_STRICT] = "strict",
};

static int h_sandbox(struct pctx *p, const struct keyword *k)
{
    const char *a = p->argv[0];

    for (int i = 0; i < (int)(sizeof(sandbox_modes) / sizeof(sandbox_modes[0])); i++) {
        if (strcasecmp(a, sandbox_modes[i]) == 0) {
            set_int(p, k, i);
            return 0;
        }
    }
    if (strcasecmp(a, "yes") == 0) {
        set_int(p, k, SANDBOX_STRICT);
        return 0;
    }
    return bad_choice(p, k, a, "auto, strict, yes (= strict), no");
}

/* The N words at W joined by single spaces (malloc'd), or NULL. */
static char *join_words(char **w, size_t n)
{
    size_t i;
    size_t len = 1;
    char *s;
    char *o;

    for (i = 0; i < n; i++) {
        len += strlen(w[i]) + 1;
    }
    s = malloc(len);
    for (o = s, i = 0; s != NULL && i < n; i++) {
        size_t l = strlen(w[i]);
        memcpy(o, w[i], l);
        o += l;
        *o++ = i + 1 < n ? ' ' : '\0';
    }
    return s;
}

/* Subsystem NAME COMMAND...: the command is the remaining words joined by
 * single spaces (as sshd does); a name may be defined only once.  The
 * options of internal-sftp are checked here, so that a typo is reported
 * with the file and line rather than at the first login. */
static int h_subsystem(struct pctx *p, const struct keyword *k)
{
    struct fbd_config *c = p->c;
    const char *why = NULL;
    void *v = c->subsystems;
    char *name = NULL;
    char *cmd = NULL;
    struct sftp_options sftp;
    struct diag sftp_errs = { 0 };
    int rc;

    if (p->argv[0][0] == '\0') {
        why = "is not a subsystem name";
    } else if (config_subsystem(c, p->argv[0]) != NULL) {
        why = "is defined twice";
    } else if ((cmd = join_words(p->argv + 1, p->argc - 1)) == NULL) {
        why = "cannot be stored: out of memory";
    } else if (cmd[strspn(cmd, WS)] == '\0') {
        why = "has an empty command";
    } else if (sftp_is_internal(cmd) &&
               sftp_options_parse(cmd, "user", "/", &sftp, &sftp_errs) < 0) {
        why = sftp_errs.n > 0 ? sftp_errs.msgs[sftp_errs.n - 1] : "has bad internal-sftp options";
    } else if ((name = strdup(p->argv[0])) == NULL
               || grow_pow2(&v, c->nsubsystems, sizeof(*c->subsystems)) < 0) {
        why = "cannot be stored: out of memory";
    }
    c->subsystems = v;      /* grown or not, v is the live array */
    if (why != NULL) {
        free(name);
        free(cmd);
        rc = bad(p, k, p->argv[0], why);
        diag_free(&sftp_errs);
        return rc;
    }
    c->subsystems = v;
    c->subsystems[c->nsubsystems].name = name;
    c->subsystems[c->nsubsystems++].command = cmd;
    return 0;
}

/* Time keywords: sshd time format, 0..k->hi seconds. */
static int h_time(struct pctx *p, const struct keyword *k)
{
    long long v = parse_time(p->argv[0]);
    const char *why = NULL;

    if (v < 0) {
        why = "is not a time (seconds, or e.g. 90s, 2m, 1h30m)";
    } else if (v > k->hi) {
        snprintf(p->why, sizeof(p->why), "is more than %lld seconds", k->hi);
        why = p->why;
    }
    if (why != NULL) {
        return bad(p, k, p->argv[0], why);
    }
    set_int(p, k, (int)v);
    return 0;
}

/* Integer keywords: decimal, k->lo..k->hi. */
static int h_int(struct pctx *p, const struct keyword *k)
{
    long long v = parse_num(p->argv[0], strlen(p->argv[0]));

    if (v < k->lo || v > k->hi) {
        if (k->hi >= INT_MAX) {
            snprintf(p->why, sizeof(p->why), "is not a number >= %lld", k->lo);
        } else {
            snprintf(p->why, sizeof(p->why), "is not a number %lld-%lld", k->lo, k->hi);
        }
        return bad(p, k, p->argv[0], p->why);
    }
    set_int(p, k, (int)v);
    return 0;
}

/* MaxStartups N or BEGIN:RATE:FULL, 1 <= BEGIN <= FULL, RATE 1-100.
 * N alone is N:30:N, as in sshd. */
static int h_maxstartups(struct pctx *p, const struct keyword *k)
{
    const char *s = p->argv[0];
    long long v[3] = { -1, 30, -1 };
    size_t n = 0;
    const char *why = NULL;

    while (n < 3) {
        size_t len = strcspn(s, ":");
        v[n++] = parse_num(s, len);
        s += len;
        if (*s == '\0' || n == 3) {
            break;
        }
        s++;
    }
    v[2] = n == 1 ? v[0] : v[2];
    if ((n != 1 && n != 3) || *s != '\0' || v[0] < 0 || v[1] < 0 || v[2] < 0) {
        why = "is not N or BEGIN:RATE:FULL";
    } else if (v[0] < 1 || v[0] > v[2] || v[2] > INT_MAX) {
        why = "needs 1 <= BEGIN <= FULL";
    } else if (v[1] < 1 || v[1] > 100) {
        why = "needs a RATE of 1-100";
    }
    if (why != NULL) {
        return bad(p, k, p->argv[0], why);
    }
    if (p->first) {
        p->c->max_startups_begin = (int)v[0];
        p->c->max_startups_rate = (int)v[1];
        p->c->max_startups_full = (int)v[2];
    }
    return 0;
}

/* AllowFrom entry: an address or CIDR block (no names, no wildcards). */
static int chk_cidr(struct pctx *p, const struct keyword *k, const char *e)
{
    struct cidr block;

    if (addrmatch_cidr_parse(e, &block) < 0) {
        return bad(p, k, e, "is not an address or CIDR block (e.g. 192.0.2.0/24, 2001:db8::/32)");
    }
    return 0;
}

/* PerSourceMaxStartups N|none */
static int h_persource(struct pctx *p, const struct keyword *k)
{
    const char *a = p->argv[0];
    long long v = strcasecmp(a, "none") == 0 ? 0 : parse_num(a, strlen(a));

    if (v < 1 && strcasecmp(a, "none") != 0) {
        return bad(p, k, a, "is not a number >= 1 or none");
    }
    if (v > INT_MAX) {
        v = INT_MAX;
    }
    set_int(p, k, (int)v);
    return 0;
}

/* The PerSourcePenalties words: NAME:SECONDS (sshd time format), NAME:N,
 * NAME:permissive|deny-all. */
static const struct {
    const char *name;
    size_t off;                 /* in struct cfg_penalties */
    char kind;                  /* 't' time, 'n' number, 'o' overflow policy */
} penalty_words[] = {
    { "crash", offsetof(struct cfg_penalties, crash), 't' },
    { "authfail", offsetof(struct cfg_penalties, authfail), 't' },
    { "noauth", offsetof(struct cfg_penalties, noauth), 't' },
    { "grace-exceeded", offsetof(struct cfg_penalties, grace_exceeded), 't' },
    { "refuseconnection", offsetof(struct cfg_penalties, refuseconnection), 't' },
    { "max", offsetof(struct cfg_penalties, max), 't' },
    { "min", offsetof(struct cfg_penalties, min), 't' },
    { "max-sources4", offsetof(struct cfg_penalties, max_sources4), 'n' },
    { "max-sources6", offsetof(struct cfg_penalties, max_sources6), 'n' },
    { "overflow", offsetof(struct cfg_penalties, overflow_deny4), 'o' },
    { "overflow6", offsetof(struct cfg_penalties, overflow_deny6), 'o' },
};

/* One NAME:VALUE word of PerSourcePenalties into *pc; NULL or why not. */
static const char *penalty_word(struct cfg_penalties *pc, const char *w)
{
    const char *colon = strchr(w, ':');
    size_t n = colon != NULL ? (size_t)(colon - w) : 0;

    for (size_t i = 0; colon != NULL && i < sizeof(penalty_words) / sizeof(penalty_words[0]);
         i++) {
        int *slot = (int *)((char *)pc + penalty_words[i].off);
        long long v;

        if (strlen(penalty_words[i].name) != n || strncmp(penalty_words[i].name, w, n) != 0) {
            continue;
        }
        if (penalty_words[i].kind == 'o') {
            v = strcmp(colon + 1, "deny-all") == 0 ? 1 :
                strcmp(colon + 1, "permissive") == 0 ? 0 : -1;
        } else if (penalty_words[i].kind == 'n') {
            v = parse_num(colon + 1, strlen(colon + 1));
        } else {
            v = parse_time(colon + 1);
        }
        if (v < 0 || v > INT_MAX) {
            return penalty_words[i].kind == 'o' ? "needs permissive or deny-all" :
                   penalty_words[i].kind == 'n' ? "needs a number" : "needs a time";
        }
        *slot = (int)v;
        return NULL;
    }
    return "is not yes, no or one of crash:, authfail:, noauth:, grace-exceeded:, "
           "refuseconnection:, max:, min:, max-sources4:, max-sources6:, overflow:, overflow6:";
}

/* PerSourcePenalties yes | no | NAME:VALUE ... */
static int h_penalties(struct pctx *p, const struct keyword *k)
{
    struct cfg_penalties pc = p->c->penalties;
    const char *why = NULL;
    size_t i;

    pc.enabled = 1;
    for (i = 0; i < p->argc && why == NULL; i++) {
        const char *w = p->argv[i];

        if (strcasecmp(w, "yes") == 0 || strcasecmp(w, "no") == 0) {
            why = p->argc == 1 ? NULL : "stands alone";
            pc.enabled = strcasecmp(w, "yes") == 0;
        } else {
            why = penalty_word(&pc, w);
        }
    }
    if (why != NULL) {
        return bad(p, k, p->argv[i - 1], why);
    }
    if (p->first) {
        p->c->penalties = pc;
    }
    return 0;
}

/* PerSourcePenaltyExemptList entry: comma-separated addresses, CIDR
 * blocks or "AllowFrom". */
static int chk_exempt(struct pctx *p, const struct keyword *k, const char *e)
{
    char part[INET6_ADDRSTRLEN + 8];
    struct cidr block;

    for (const char *s = e; *s != '\0' || s == e;) {
        size_t n = strcspn(s, ",");

        if (n >= sizeof(part)) {
            return bad(p, k, e, "has an entry that is not an address, a CIDR block or AllowFrom");
        }
        memcpy(part, s, n);
        part[n] = '\0';
        if (strcasecmp(part, "AllowFrom") != 0 && addrmatch_cidr_parse(part, &block) < 0) {
            return bad(p, k, e, "has an entry that is not an address, a CIDR block or AllowFrom");
        }
        s += n + (s[n] == ',' ? 1 : 0);
        if (s[-1] == ',' && *s == '\0') {
            return bad(p, k, e, "ends in a comma");
        }
    }
    return 0;
}

/* PerSourceNetBlockSize V4[:V6]: prefix lengths 1-32 and 1-128. */
static int h_netblock(struct pctx *p, const struct keyword *k)
{
    const char *s = p->argv[0];
    size_t len = strcspn(s, ":");
    long long v4 = parse_num(s, len);
    long long v6 = s[len] == ':' ? parse_num(s + len + 1, strlen(s + len + 1)) : 128;

    if (v4 < 1 || v4 > 32 || v6 < 1 || v6 > 128) {
        return bad(p, k, s, "is not V4:V6 prefix lengths (1-32:1-128)");
    }
    if (p->first) {
        p->c->per_source_bits4 = (int)v4;
        p->c->per_source_bits6 = (int)v6;
    }
    return 0;
}

/* SandboxUidRange LO-HI: uids 1..2147483646, LO <= HI. */
static int h_uidrange(struct pctx *p, const struct keyword *k)
{
    const char *s = p->argv[0];
    size_t len = strcspn(s, "-");
    long long lo = parse_num(s, len);
    long long hi = s[len] == '-' ? parse_num(s + len + 1, strlen(s + len + 1)) : -1;

    if (lo < 1 || hi < lo || hi > 2147483646) {
        return bad(p, k, s, "is not LO-HI, numeric uids with 1 <= LO <= HI <= 2147483646");
    }
    if (p->first) {
        p->c->sandbox_uid_lo = (int)lo;
        p->c->sandbox_uid_hi = (int)hi;
    }
    return 0;
}

/* SandboxUid: one uid shared by every connection let one compromised
 * network process signal the others; it is gone. */
static int h_sandboxuid(struct pctx *p, const struct keyword *k)
{
    return perr(p, "%s: replaced by SandboxUidRange LO-HI (a uid per connection, so "
                "that no network process can signal another)", k->name);
}

/* RescueShell none | /ABSOLUTE/PATH [ARGS...] */
static int h_rescue(struct pctx *p, const struct keyword *k)
{
    char *cmd;
    int rc;

    if (p->argc == 1 && strcasecmp(p->argv[0], "none") == 0) {
        return set_str(p, &p->c->rescue_shell, NULL);
    }
    if (abs_problem(p->argv[0]) != NULL) {
        return bad(p, k, p->argv[0], "is not an absolute path or none");
    }
    cmd = join_words(p->argv, p->argc);
    if (cmd == NULL) {
        return perr(p, "out of memory");
    }
    rc = set_str(p, &p->c->rescue_shell, cmd);
    free(cmd);
    return rc;
}

/* LogLevel NAME (log_level_parse). */
static int h_loglevel(struct pctx *p, const struct keyword *k)
{
    int v = log_level_parse(p->argv[0]);

    if (v < 0) {
        return bad_choice(p, k, p->argv[0],
                          "QUIET, FATAL, ERROR, INFO, VERBOSE, DEBUG, DEBUG1, DEBUG2, DEBUG3");
    }
    set_int(p, k, v);
    return 0;
}

/* SyslogFacility NAME (log_facility_parse). */
static int h_facility(struct pctx *p, const struct keyword *k)
{
    int v = log_facility_parse(p->argv[0]);

    if (v < 0) {
        return bad_choice(p, k, p->argv[0], "DAEMON, USER, AUTH, AUTHPRIV, LOCAL0-LOCAL7");
    }
    set_int(p, k, v);
    return 0;
}

/* PidFile PATH|none */
static int h_pidfile(struct pctx *p, const struct keyword *k)
{
    const char *a = p->argv[0];
    int none = strcasecmp(a, "none") == 0;

    if (!none && abs_problem(a) != NULL) {
        return bad(p, k, a, "is not an absolute path or none");
    }
    return set_str(p, &p->c->pid_file, none ? NULL : a);
}

/* Absolute path keywords (PasswdFile, GroupFile). */
static int h_path(struct pctx *p, const struct keyword *k)
{
    const char *why = abs_problem(p->argv[0]);

    if (why != NULL) {
        return bad(p, k, p->argv[0], why);
    }
    return set_str(p, field(p->c, k), p->argv[0]);
}

/* KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms, PubkeyAcceptedAlgorithms
 * (k->lo is the enum algo_kind): sshd's list syntax, see algolist.h. */
static int h_algos(struct pctx *p, const struct keyword *k)
{
    char **slot = &p->c->algorithms[k->lo];
    char why[768];
    char *list = algolist_resolve((enum algo_kind)k->lo, p->argv[0], why, sizeof(why));

    if (list == NULL) {
        return bad(p, k, NULL, why);
    }
    if (p->first) {
        free(*slot);
        *slot = list;
    } else {
        free(list);
    }
    return 0;
}

/* sshd keywords for things fallbackd never does: only k->safe is accepted. */
static int h_safe(struct pctx *p, const struct keyword *k)
{
    if (strcasecmp(p->argv[0], k->safe) != 0) {
        return perr(p, "%s %s: %s", k->name, show(p, 0, p->argv[0]), k->why);
    }
    return 0;
}

/* Match, Include: never. */
static int h_unsupported(struct pctx *p, const struct keyword *k)
{
    return perr(p, "%s: not supported by fallbackd", k->name);
}

/* ---- dump -------------------------------------------------------------- */

/* Print LEN bytes at S as one word the parser reads back unchanged:
 * double-quoted (with \" and \\) when it is empty or holds white space, a
 * quote, or starts with '#' or '='. */
static void put_word(FILE *out, const char *s, size_t len)
{
    size_t i;
    int quote = len == 0 || s[0] == '#' || s[0] == '=';

    for (i = 0; i < len && !quote; i++) {
        quote = s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '"';
    }
    if (!quote) {
        fwrite(s, 1, len, out);
        return;
    }
    fputc('"', out);
    for (i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            fputc('\\', out);
        }
        fputc(s[i], out);
    }
    fputc('"', out);
}

/* Print K's name in lower case, as sshd -T does. */
static void put_kw(FILE *out, const struct keyword *k)
{
    const char *s;

    for (s = k->name; *s != '\0'; s++) {
        fputc(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s, out);
    }
}

/* "keyword WORD\n" */
static void put_line(FILE *out, const struct keyword *k, const char *word)
{
    put_kw(out, k);
    fputc(' ', out);
    put_word(out, word, strlen(word));
    fputc('\n', out);
}

static void d_int(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_kw(out, k);
    fprintf(out, " %d\n", *(const int *)cfield(c, k));
}

static void d_flag(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_line(out, k, *(const int *)cfield(c, k) ? "yes" : "no");
}

static void d_diag_login(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    static const char *const names[] = { "no", "yes", "always" };

    put_line(out, k, names[*(const int *)cfield(c, k)]);
}

/* A string field; NULL prints as "none". */
static void d_str(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    const char *s = *(char *const *)cfield(c, k);

    put_line(out, k, s != NULL ? s : "none");
}

/* A list on one line; an empty list is not printed. */
static void d_list(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    const struct strlist *l = cfield(c, k);
    size_t i;

    if (l->n == 0) {
        return;
    }
    put_kw(out, k);
    for (i = 0; i < l->n; i++) {
        fputc(' ', out);
        put_word(out, l->v[i], strlen(l->v[i]));
    }
    fputc('\n', out);
}

static void d_algos(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_line(out, k, algolist_effective((enum algo_kind)k->lo, c->algorithms[k->lo]));
}

static void d_authkeys(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    size_t i;

    put_kw(out, k);
    fputc(' ', out);
    put_word(out, c->authorized_keys_file, strlen(c->authorized_keys_file));
    for (i = 0; i < c->authorized_keys_more.n; i++) {
        fputc(' ', out);
        put_word(out, c->authorized_keys_more.v[i], strlen(c->authorized_keys_more.v[i]));
    }
    fputc('\n', out);
}

static void d_ca_algs(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_line(out, k, c->ca_signature_algorithms != NULL ? c->ca_signature_algorithms
                                                        : CFG_DEFAULT_CA_SIG_ALGS);
}

static void d_safe(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_line(out, k, k->safe);
}

static void d_port(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    size_t i;

    for (i = 0; i < c->nports; i++) {
        put_kw(out, k);
        fprintf(out, " %d\n", c->ports[i]);
    }
}

/* "listenaddress ADDR:PORT" (IPv6 in brackets), on every Port if PORT is 0. */
static void put_listen(FILE *out, const struct fbd_config *c, const struct keyword *k,
                       const char *addr, int port)
{
    int v6 = strchr(addr, ':') != NULL;
    size_t i;

    for (i = 0; i < (port != 0 ? 1 : c->nports); i++) {
        put_kw(out, k);
        fprintf(out, v6 ? " [%s]:%d\n" : " %s:%d\n", addr, port != 0 ? port : c->ports[i]);
    }
}

/* Every address listened on: the ListenAddress lines, or 0.0.0.0 and :: . */
static void d_listen(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    size_t i;

    if (c->nlisten == 0) {
        put_listen(out, c, k, "0.0.0.0", 0);
        put_listen(out, c, k, "::", 0);
    }
    for (i = 0; i < c->nlisten; i++) {
        put_listen(out, c, k, c->listen[i].addr, c->listen[i].port);
    }
}

static void d_hostkey(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    size_t i;

    for (i = 0; i < c->nhost_keys; i++) {
        put_line(out, k, c->host_keys[i]);
    }
}

static void d_root(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    const char *name = "no";

    if (c->permit_root_login == ROOT_YES) {
        name = "yes";
    } else if (c->permit_root_login == ROOT_FORCED_COMMANDS_ONLY) {
        name = "forced-commands-only";
    }
    put_line(out, k, name);
}

static void d_pkopts(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    int bits = c->pubkey_auth_options;

    put_kw(out, k);
    fputs(bits == 0 ? " none" : "", out);
    fputs(bits & CFG_PK_TOUCH_REQUIRED ? " touch-required" : "", out);
    fputs(bits & CFG_PK_VERIFY_REQUIRED ? " verify-required" : "", out);
    fputc('\n', out);
}

/* "subsystem NAME COMMAND", each word of the command quoted if needed. */
static void d_subsystem(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    size_t i;

    for (i = 0; i < c->nsubsystems; i++) {
        const char *s = c->subsystems[i].command;
        put_kw(out, k);
        fputc(' ', out);
        put_word(out, c->subsystems[i].name, strlen(c->subsystems[i].name));
        for (;;) {
            size_t len = strcspn(s, " ");
            fputc(' ', out);
            put_word(out, s, len);
            if (s[len] == '\0') {
                break;
            }
            s += len + 1;
        }
        fputc('\n', out);
    }
}

static void d_maxstartups(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_kw(out, k);
    fprintf(out, " %d:%d:%d\n", c->max_startups_begin, c->max_startups_rate,
            c->max_startups_full);
}

static void d_persource(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    if (c->per_source_max_startups == 0) {
        put_line(out, k, "none");
        return;
    }
    d_int(c, k, out);
}

static void d_netblock(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_kw(out, k);
    fprintf(out, " %d:%d\n", c->per_source_bits4, c->per_source_bits6);
}

static void d_sandbox(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_line(out, k, sandbox_modes[c->sandbox]);
}

static void d_penalties(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    const struct cfg_penalties *pc = &c->penalties;

    put_kw(out, k);
    if (!pc->enabled) {
        fputs(" no\n", out);
        return;
    }
    for (size_t i = 0; i < sizeof(penalty_words) / sizeof(penalty_words[0]); i++) {
        int v = *(const int *)((const char *)pc + penalty_words[i].off);

        if (penalty_words[i].kind == 'o') {
            fprintf(out, " %s:%s", penalty_words[i].name, v ? "deny-all" : "permissive");
        } else {
            fprintf(out, " %s:%d", penalty_words[i].name, v);
        }
    }
    fputc('\n', out);
}

static void d_uidrange(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_kw(out, k);
    fprintf(out, " %d-%d\n", c->sandbox_uid_lo, c->sandbox_uid_hi);
}

static void d_loglevel(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_line(out, k, log_level_name(c->log_level));
}

static void d_facility(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_line(out, k, log_facility_name(c->syslog_facility));
}

/* AllowTcpForwarding no|local|yes (yes = local: fallbackd has no remote
 * forwarding; "remote" and "all" are refused so nobody thinks it does). */
static int h_tcpfwd(struct pctx *p, const struct keyword *k)
{
    const char *v = p->argv[0];

    if (strcasecmp(v, "no") == 0) {
        set_int(p, k, 0);
    } else if (strcasecmp(v, "local") == 0 || strcasecmp(v, "yes") == 0) {
        set_int(p, k, 1);
    } else if (strcasecmp(v, "remote") == 0 || strcasecmp(v, "all") == 0) {
        return bad(p, k, v, "fallbackd forwards local ports only (no, local, yes)");
    } else {
        return bad_choice(p, k, v, "no, local, yes");
    }
    return 0;
}

static void d_tcpfwd(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    put_line(out, k, c->allow_tcp_forwarding ? "local" : "no");
}

/* PermitOpen any | none | HOST:PORT...; the first line wins, as in sshd. */
static int h_permitopen(struct pctx *p, const struct keyword *k)
{
    struct strlist *l = field(p->c, k);
    const char *why = NULL;
    int rc = 0;

    for (size_t i = 0; i < p->argc; i++) {
        const char *w = p->argv[i];
        int word = strcasecmp(w, "any") == 0 || strcasecmp(w, "none") == 0;

        if (permitopen_word_ok(w, &why) < 0) {
            rc = bad(p, k, w, why);
        } else if (word && p->argc > 1) {
            rc = bad(p, k, w, "must stand alone");
        }
    }
    for (size_t i = 0; rc == 0 && p->first && i < p->argc; i++) {
        if (strlist_add(l, p->argv[i]) < 0) {
            rc = perr(p, "out of memory");
        }
    }
    return rc;
}

static void d_permitopen(const struct fbd_config *c, const struct keyword *k, FILE *out)
{
    if (c->permit_open.n == 0) {
        put_line(out, k, "any");
        return;
    }
    d_list(c, k, out);
}

/* ---- the keyword table ------------------------------------------------- */

#define OFF(f) offsetof(struct fbd_config, f)
#define K_OWN(n, h, mn, mx, d) \
    { .name = n, .fn = h, .min = mn, .max = mx, .dump = d }
#define K_FIELD(n, h, f, d) \
    { .name = n, .fn = h, .min = 1, .max = 1, .off = OFF(f), .dump = d }
#define K_INT(n, f, l, h) \
    { .name = n, .fn = h_int, .min = 1, .max = 1, .off = OFF(f), .lo = l, .hi = h, \
      .dump = d_int }
#define K_TIME(n, f, h) \
    { .name = n, .fn = h_time, .min = 1, .max = 1, .off = OFF(f), .hi = h, .dump = d_int }
#define K_LIST(n, f, chk) \
    { .name = n, .fn = h_list, .min = 1, .max = -1, .off = OFF(f), .check = chk, \
      .dump = d_list }
#define K_SAFE(n, s, w) \
    { .name = n, .fn = h_safe, .min = 1, .max = 1, .safe = s, .why = w, .dump = d_safe }
#define K_ALGOS(n, kind) \
    { .name = n, .fn = h_algos, .min = 1, .max = 1, .lo = kind, .dump = d_algos }
#define K_NEVER(n) \
    { .name = n, .fn = h_unsupported, .min = 0, .max = -1 }

static const struct keyword keywords[] = {
    K_OWN("Port", h_port, 1, 1, d_port),
    K_OWN("ListenAddress", h_listen, 1, 1, d_listen),
    K_OWN("HostKey", h_hostkey, 1, 1, d_hostkey),
    { .name = "AuthorizedKeysFile", .fn = h_authkeys, .min = 1, .max = -1,
      .off = OFF(authorized_keys_file), .dump = d_authkeys },
    K_FIELD("StrictModes", h_flag, strict_modes, d_flag),
    K_FIELD("TrustedUserCAKeys", h_path_none, trusted_user_ca_keys, d_str),
    K_FIELD("AuthorizedPrincipalsFile", h_principals, authorized_principals_file, d_str),
    K_FIELD("RevokedKeys", h_path_none, revoked_keys, d_str),
    K_FIELD("CASignatureAlgorithms", h_ca_algs, ca_signature_algorithms, d_ca_algs),
    K_LIST("AllowUsers", allow_users, chk_user),
    K_LIST("DenyUsers", deny_users, chk_user),
    K_LIST("AllowGroups", allow_groups, chk_group),
    K_LIST("DenyGroups", deny_groups, chk_group),
    K_FIELD("PermitRootLogin", h_root, permit_root_login, d_root),
    K_FIELD("PermitUserEnvironment", h_flag, permit_user_environment, d_flag),
    K_FIELD("PermitTTY", h_flag, permit_tty, d_flag),
    { .name = "PubkeyAuthOptions", .fn = h_pkopts, .min = 1, .max = -1,
      .off = OFF(pubkey_auth_options), .dump = d_pkopts },
    K_LIST("AcceptEnv", accept_env, chk_env),
    K_OWN("Subsystem", h_subsystem, 2, -1, d_subsystem),
    K_TIME("LoginGraceTime", login_grace_time, INT_MAX),
    K_INT("MaxAuthTries", max_auth_tries, 1, INT_MAX),
    K_INT("MaxSessions", max_sessions, 1, INT_MAX),
    K_FIELD("AllowTcpForwarding", h_tcpfwd, allow_tcp_forwarding, d_tcpfwd),
    { .name = "PermitOpen", .fn = h_permitopen, .min = 1, .max = -1,
      .off = OFF(permit_open), .dump = d_permitopen },
    K_INT("MaxForwardChannels", max_forwards, 1, 64),
    K_OWN("MaxStartups", h_maxstartups, 1, 1, d_maxstartups),
    K_TIME("ClientAliveInterval", client_alive_interval, INT_MAX),
    K_INT("ClientAliveCountMax", client_alive_count_max, 0, INT_MAX),
    K_FIELD("TCPKeepAlive", h_flag, tcp_keep_alive, d_flag),
    K_FIELD("LogLevel", h_loglevel, log_level, d_loglevel),
    K_FIELD("SyslogFacility", h_facility, syslog_facility, d_facility),
    K_FIELD("PidFile", h_pidfile, pid_file, d_str),
    K_TIME("SessionLinger", session_linger, 3600),
    K_LIST("AllowFrom", allow_from, chk_cidr),
    K_FIELD("PerSourceMaxStartups", h_persource, per_source_max_startups, d_persource),
    K_TIME("KexGraceTime", kex_grace_time, 3600),
    K_OWN("PerSourceNetBlockSize", h_netblock, 1, 1, d_netblock),
    K_OWN("PerSourcePenalties", h_penalties, 1, -1, d_penalties),
    K_LIST("PerSourcePenaltyExemptList", penalty_exempt, chk_exempt),
    { .name = "RescueShell", .fn = h_rescue, .min = 1, .max = -1,
      .off = OFF(rescue_shell), .dump = d_str },
    K_LIST("RescueShellUsers", rescue_users, chk_group),
    K_LIST("RescueShellGroups", rescue_groups, chk_group),
    K_TIME("DoorLifetime", door_lifetime, INT_MAX),
    K_FIELD("Sandbox", h_sandbox, sandbox, d_sandbox),
    K_OWN("SandboxUidRange", h_uidrange, 1, 1, d_uidrange),
    K_OWN("SandboxUid", h_sandboxuid, 0, -1, NULL),
    K_INT("SandboxGid", sandbox_gid, 1, 2147483646),
    K_FIELD("PasswdFile", h_path, passwd_file, d_str),
    K_FIELD("GroupFile", h_path, group_file, d_str),
    K_ALGOS("KexAlgorithms", ALGO_KEX),
    K_ALGOS("Ciphers", ALGO_CIPHERS),
    K_ALGOS("MACs", ALGO_MACS),
    K_ALGOS("HostKeyAlgorithms", ALGO_HOSTKEY),
    K_ALGOS("PubkeyAcceptedAlgorithms", ALGO_PUBKEY),
    K_FIELD("DiagnoseAtLogin", h_diag_login, diagnose_at_login, d_diag_login),
    K_LIST("DiagnoseFiles", diagnose_files, chk_diag_file),
    K_SAFE("PubkeyAuthentication", "yes", "fallbackd accepts public keys only"),
    K_SAFE("PasswordAuthentication", "no", "fallbackd accepts public keys only"),
    K_SAFE("KbdInteractiveAuthentication", "no", "fallbackd accepts public keys only"),
    K_SAFE("ChallengeResponseAuthentication", "no", "fallbackd accepts public keys only"),
    K_SAFE("PermitEmptyPasswords", "no", "fallbackd never uses passwords"),
    K_SAFE("UsePAM", "no", "fallbackd never uses PAM"),
    K_SAFE("AllowStreamLocalForwarding", "no", "fallbackd never forwards Unix sockets"),
    K_SAFE("X11Forwarding", "no", "fallbackd never forwards X11"),
    K_SAFE("AllowAgentForwarding", "no", "fallbackd never forwards the agent"),
    K_SAFE("PermitTunnel", "no", "fallbackd never opens tunnels"),
    K_SAFE("GatewayPorts", "no", "fallbackd never forwards ports"),
    K_SAFE("UseDNS", "no", "fallbackd never resolves names"),
    K_SAFE("Compression", "no", "fallbackd never compresses"),
    K_NEVER("Match"),
    K_NEVER("Include"),
};

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))
_Static_assert(NKEYWORDS <= MAX_KEYWORDS, "raise MAX_KEYWORDS");

/* The table entry for keyword NAME (any case), or NULL. */
static const struct keyword *find_keyword(const char *name)
{
    size_t i;

    for (i = 0; i < NKEYWORDS; i++) {
        if (strcasecmp(name, keywords[i].name) == 0) {
            return &keywords[i];
        }
    }
    return NULL;
}

/* ---- lines ------------------------------------------------------------- */

/* The file format (a subset of sshd_config(5)):
 *
 *   file    = *( line LF ) [ line ]
 *   line    = [ws] [ keyword [ws] ["="] [ws] *( word [ws] ) ] [ comment ]
 *   keyword = 1*( any byte but ws, "=" )          matched ignoring case
 *   word    = 1*( plain / quoted )                never starts with a plain "#"
 *   plain   = any byte but ws, DQUOTE
 *   quoted  = DQUOTE *( any byte but DQUOTE / "\" DQUOTE / "\\" ) DQUOTE
 *   comment = "#" *( any byte )                   at a line's or a word's start
 *   ws      = 1*( SP / HTAB / CR )
 *
 * Quotes are removed; inside them white space and "#" are ordinary, \" is
 * a quote, \\ a backslash, and any other backslash is itself.  A NUL byte
 * anywhere in a line makes that line an error.  A keyword that is given
 * more than once keeps its first value, as in sshd, except those that
 * accumulate: Port, ListenAddress, HostKey, AllowUsers, DenyUsers,
 * AllowGroups, DenyGroups, AcceptEnv, Subsystem, DiagnoseFiles.
 */

/* Append word W to p->argv; 0, or -1 when out of memory. */
static int push_word(struct pctx *p, char *w)
{
    char **v;

    if (p->argc == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        v = cap < SIZE_MAX / sizeof(*v) ? realloc(p->argv, cap * sizeof(*v)) : NULL;
        if (v == NULL) {
            return -1;
        }
        p->argv = v;
        p->cap = cap;
    }
    p->argv[p->argc++] = w;
    return 0;
}

/* Cut the rest of a line S into words in place (quotes removed) into
 * p->argv, stopping at a comment.  0, or -1 with a reason in *why. */
static int split_words(struct pctx *p, char *s, const char **why)
{
    char *r = s;

    *why = NULL;
    p->argc = 0;
    for (r += strspn(r, WS); *why == NULL && *r != '\0' && *r != '#'; r += strspn(r, WS)) {
        char *start = r;
        char *o = r;
        int inq = 0;
        while (*r != '\0' && (inq || strchr(WS, *r) == NULL)) {
            if (*r == '"') {
                inq = !inq;
                r++;
                continue;
            }
            r += (inq && *r == '\\' && (r[1] == '"' || r[1] == '\\')) ? 1 : 0;
            *o++ = *r++;
        }
        r += *r != '\0' ? 1 : 0;
        *o = '\0';
        if (inq) {
            *why = "unterminated double quote";
        } else if (push_word(p, start) < 0) {
            *why = "out of memory";
        }
    }
    return *why == NULL ? 0 : -1;
}

/* Check the number of words for K and run its handler. */
static void dispatch(struct pctx *p, const struct keyword *k)
{
    size_t idx = (size_t)(k - keywords);

    if (p->argc == 0 && k->min > 0) {
        perr(p, "%s: missing argument", k->name);
    } else if (p->argc < (size_t)k->min) {
        perr(p, "%s: missing argument (needs %d)", k->name, k->min);
    } else if (k->max >= 0 && p->argc > (size_t)k->max) {
        perr(p, "%s: extra argument \"%s\"", k->name, show(p, 0, p->argv[k->max]));
    } else {
        p->first = !p->seen[idx];
        p->seen[idx] = 1;
        k->fn(p, k);
    }
}

/* Parse one NUL-terminated line (modified in place). */
static void parse_line(struct pctx *p, char *s)
{
    char *kw = s + strspn(s, WS);
    char *end = kw + strcspn(kw, WS "=");
    char *rest = *end != '\0' ? end + 1 : end;
    const struct keyword *k;
    const char *why = NULL;

    if (*kw == '\0' || *kw == '#') {
        return;
    }
    if (*end != '=') {
        rest += strspn(rest, WS);
        rest += *rest == '=' ? 1 : 0;
    }
    *end = '\0';
    k = find_keyword(kw);
    if (k == NULL) {
        perr(p, "unknown keyword \"%s\"", show(p, 0, kw));
    } else if (split_words(p, rest, &why) < 0) {
        perr(p, "%s: %s", k->name, why);
    } else {
        dispatch(p, k);
    }
}

/* Parse every line of the LEN bytes at TEXT. */
static void parse_text(struct pctx *p, const char *text, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
        char *line = NULL;
        p->line++;
        if (memchr(text + pos, '\0', n) != NULL) {
            perr(p, "line contains a NUL byte");
        } else if ((line = malloc(n + 1)) == NULL) {
            perr(p, "out of memory");
        } else {
            memcpy(line, text + pos, n);
            line[n] = '\0';
            parse_line(p, line);
        }
        free(line);
        pos += n + 1;
    }
}

/* ---- public ------------------------------------------------------------ */

/* Every default, and the only place one is set (README's keyword table
 * documents them for administrators). */
void config_defaults(struct fbd_config *c)
{
    memset(c, 0, sizeof(*c));
    c->ports[0] = 1022;
    c->nports = 1;
    c->host_keys[0] = strdup("/etc/fallbackd/ssh_host_ed25519_key");
    c->nhost_keys = c->host_keys[0] != NULL ? 1 : 0;
    c->authorized_keys_file = strdup("/etc/fallbackd/keys/%u");
    c->permit_root_login = ROOT_NO;
    c->permit_user_environment = 0;
    c->strict_modes = 1;
    c->permit_tty = 1;
    c->pubkey_auth_options = 0;
    c->login_grace_time = 30;
    c->max_auth_tries = 6;
    c->max_sessions = 10;
    c->allow_tcp_forwarding = 0;
    c->max_forwards = 8;
    c->max_startups_begin = 10;
    c->max_startups_rate = 30;
    c->max_startups_full = 100;
    c->client_alive_interval = 0;
    c->client_alive_count_max = 3;
    c->tcp_keep_alive = 1;
    c->log_level = LL_INFO;
    c->syslog_facility = log_facility_parse("AUTH");
    c->pid_file = NULL;
    c->session_linger = 2;
    c->per_source_max_startups = 10;
    c->kex_grace_time = 3;
    c->per_source_bits4 = 32;
    c->per_source_bits6 = 64;
    c->penalties = (struct cfg_penalties){
        .enabled = 1, .crash = 90, .authfail = 5, .noauth = 1, .grace_exceeded = 10,
        .refuseconnection = 10, .max = 600, .min = 15, .max_sources4 = 65536,
        .max_sources6 = 65536,
    };
    c->rescue_shell = strdup("/bin/busybox sh");
    c->door_lifetime = 0;
    c->sandbox = SANDBOX_AUTO;
    /* far above any uid useradd hands out, below 2^31 */
    c->sandbox_uid_lo = 2000000000;
    c->sandbox_uid_hi = 2000065535;
    c->sandbox_gid = 65534;
    c->passwd_file = strdup("/etc/passwd");
    c->group_file = strdup("/etc/group");
    c->diagnose_at_login = DIAG_LOGIN_YES;
}

/* Did config_defaults get all its memory? */
static int defaults_complete(const struct fbd_config *c)
{
    return c->nhost_keys == 1 && c->authorized_keys_file != NULL
           && c->passwd_file != NULL && c->group_file != NULL && c->path != NULL
           && c->rescue_shell != NULL;
}

int config_parse(const char *name, const char *text, size_t len,
                 struct fbd_config *c, struct diag *errs)
{
    struct pctx p;
    size_t before = diag_count(errs);

    memset(&p, 0, sizeof(p));
    p.c = c;
    p.errs = errs;
    p.name = name;
    config_defaults(c);
    c->path = strdup(name);
    c->text = malloc(len + 1);
    if (c->text != NULL) {
        memcpy(c->text, text, len);
        c->text[len] = '\0';
        c->text_len = len;
    }
    if (defaults_complete(c) && c->text != NULL) {
        parse_text(&p, text, len);
    } else {
        diag_add(errs, "%s: out of memory", name);
    }
    free(p.argv);
    return diag_count(errs) == before ? 0 : -1;
}

/* The number of the last line of the LEN bytes at TEXT. */
static size_t count_lines(const char *text, size_t len)
{
    size_t n = 1;

    for (size_t i = 0; i + 1 < len; i++) {
        n += text[i] == '\n';
    }
    return n;
}

int config_load(const char *path, struct fbd_config *c, struct diag *errs)
{
    char *text = NULL;
    size_t len = 0;
    int err = readfile_path(path, CFG_MAX_FILE, &text, &len);
    int rc = -1;

    if (err == 0 && len > 0 && text[len - 1] != '\n') {
        /* A file being written is never half-loaded: the last line of a
         * config always ends in a newline. */
        config_defaults(c);
        c->path = strdup(path);
        diag_add(errs, "%s:%zu: no newline at end of file (half-written?); not loaded", path,
                 count_lines(text, len));
    } else if (err == 0) {
        rc = config_parse(path, text, len, c, errs);
    } else {
        config_defaults(c);
        c->path = strdup(path);
        diag_add(errs, "%s: cannot read: %s", path, strerror(err));
    }
    free(text);
    return rc;
}

void config_dump(const struct fbd_config *c, FILE *out)
{
    size_t i;

    for (i = 0; i < NKEYWORDS; i++) {
        if (keywords[i].dump != NULL) {
            keywords[i].dump(c, &keywords[i], out);
        }
    }
}

long long config_parse_time(const char *s)
{
    long long v = parse_time(s);

    return v > INT_MAX ? -1 : v;
}

void config_free(struct fbd_config *c)
{
    size_t i;

    for (i = 0; i < c->nlisten; i++) {
        free(c->listen[i].addr);
    }
    for (i = 0; i < c->nhost_keys; i++) {
        free(c->host_keys[i]);
    }
    for (i = 0; i < c->nsubsystems; i++) {
        free(c->subsystems[i].name);
        free(c->subsystems[i].command);
    }
    strlist_free(&c->allow_users);
    strlist_free(&c->deny_users);
    strlist_free(&c->allow_groups);
    strlist_free(&c->deny_groups);
    strlist_free(&c->accept_env);
    strlist_free(&c->allow_from);
    strlist_free(&c->rescue_users);
    strlist_free(&c->rescue_groups);
    strlist_free(&c->permit_open);
    for (i = 0; i < ALGO_KINDS; i++) {
        free(c->algorithms[i]);
    }
    strlist_free(&c->diagnose_files);
    strlist_free(&c->penalty_exempt);
    free(c->rescue_shell);
    free(c->subsystems);
    free(c->path);
    free(c->text);
    free(c->authorized_keys_file);
    strlist_free(&c->authorized_keys_more);
    free(c->trusted_user_ca_keys);
    free(c->authorized_principals_file);
    free(c->revoked_keys);
    free(c->ca_signature_algorithms);
    free(c->pid_file);
    free(c->passwd_file);
    free(c->group_file);
    memset(c, 0, sizeof(*c));
}

int config_accepts_env(const struct fbd_config *c, const char *name)
{
    size_t i;

    for (i = 0; i < c->accept_env.n; i++) {
        if (addrmatch_glob(c->accept_env.v[i], name) == 1) {
            return 1;
        }
    }
    return 0;
}

const char *config_subsystem(const struct fbd_config *c, const char *name)
{
    size_t i;

    for (i = 0; i < c->nsubsystems; i++) {
        if (strcmp(c->subsystems[i].name, name) == 0) {
            return c->subsystems[i].command;
        }
    }
    return NULL;
}
