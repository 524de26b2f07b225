/* sshd_config_ports.c - the ports the main sshd is configured for, from
 * the text of an sshd_config (dg_parse.h), so that a listening socket
 * PID 1 holds (ssh.socket) can be told apart from other services'.
 *
 * Format (sshd_config(5)): one "Keyword arguments" per line; the keyword
 * is case-insensitive and ends at a blank or '='; an '=' (with blanks
 * around) may stand between keyword and arguments; '#' starts a comment
 * line; blank lines are ignored.  Of the keywords, only these matter:
 *
 *   line                          | what it adds
 *   ------------------------------+-------------------------------------
 *   Port 2222                     | port 2222 (each Port line adds one)
 *   ListenAddress 10.0.0.1:2222   | port 2222
 *   ListenAddress [::1]:2222      | port 2222
 *   ListenAddress ::1             | (no port: sshd uses the Port values)
 *   Include a.conf d/?*.conf      | patterns, to be read by the caller
 *                                 | (relative ones are under /etc/ssh)
 *
 * The parser accumulates: the caller runs it on the main file and on each
 * included file, then calls dg_sshd_conf_ports().  Without any Port line,
 * sshd listens on 22.  An argument that is not a port (0, 65536, "ssh")
 * is counted in bad.  Quotes around one argument are taken off; a '\r'
 * before the line's end is a blank, as for sshd.
 */
#include "dg_parse.h"

#include <string.h>
#include <strings.h>

/* Remember PORT once. */
static void add_port(struct dg_sshd_conf *c, unsigned port)
{
    for (size_t i = 0; i < c->nports; i++) {
        if (c->ports[i] == port) {
            return;
        }
    }
    if (c->nports < DG_SSHD_MAX_PORTS) {
        c->ports[c->nports++] = port;
    }
}

/* A decimal port 1..65535 in T. */
static int tok_port(const struct dg_tok *t, unsigned *port)
{
    unsigned long long v;

    if (dg_tok_num(t, 10, 5, &v) < 0 || v == 0 || v > 65535) {
        return -1;
    }
    *port = (unsigned)v;
    return 0;
}

/* T without one pair of surrounding double quotes. */
static struct dg_tok unquote(struct dg_tok t)
{
    if (t.n >= 2 && t.p[0] == '"' && t.p[t.n - 1] == '"') {
        t.p++;
        t.n -= 2;
    }
    return t;
}

/* The port of a ListenAddress argument, if it names one:
 * "[ADDR]:PORT", or "ADDR:PORT" with a single ':' (IPv4 or a name). */
static void listen_address(struct dg_sshd_conf *c, struct dg_tok a)
{
    const char *colon = NULL;
    struct dg_tok port;
    unsigned v;

    if (a.n > 0 && a.p[0] == '[') {
        const char *close = memchr(a.p, ']', a.n);

        if (close == NULL) {
            c->bad++;
            return;
        }
        if (close + 1 >= a.p + a.n || close[1] != ':') {
            c->bare_listen += close + 1 == a.p + a.n;
            return;
        }
        colon = close + 1;
    } else {
        colon = memchr(a.p, ':', a.n);
        if (colon == NULL || memchr(colon + 1, ':', (size_t)(a.p + a.n - colon - 1)) != NULL) {
            c->bare_listen++;
            return;
        }
    }
    port = (struct dg_tok){ .p = colon + 1, .n = (size_t)(a.p + a.n - colon - 1) };
    if (tok_port(&port, &v) < 0) {
        c->bad++;
        return;
    }
    add_port(c, v);
}

/* Remember an Include pattern; an empty or overlong one, or one past
 * DG_SSHD_MAX_INCLUDES, is counted in bad instead. */
static void add_include(struct dg_sshd_conf *c, struct dg_tok t)
{
    char *slot;

    if (c->ninclude >= DG_SSHD_MAX_INCLUDES || t.n == 0 || t.n >= sizeof(c->include[0]) ||
        memchr(t.p, '\0', t.n) != NULL) {
        c->bad++;
        return;
    }
    slot = c->include[c->ninclude++];
    memcpy(slot, t.p, t.n);
    slot[t.n] = '\0';
}

/* KW (N bytes) equals the keyword NAME, ignoring case? */
static int keyword_is(const char *kw, size_t n, const char *name)
{
    return n == strlen(name) && strncasecmp(kw, name, n) == 0;
}

/* One line: the keyword, then its arguments. */
static void one_line(struct dg_sshd_conf *c, const char *line, size_t len)
{
    struct dg_tok args[DG_SSHD_MAX_INCLUDES];
    const char *kw;
    size_t i = 0, kwlen, nargs, total;
    unsigned v;

    while (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    while (i < len && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    if (i == len || line[i] == '#') {
        return;
    }
    kw = line + i;
    while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '=') {
        i++;
    }
    kwlen = (size_t)(line + i - kw);
    while (i < len && (line[i] == ' ' || line[i] == '\t')) {
        i++;
    }
    i += i < len && line[i] == '=';
    total = dg_split(line + i, len - i, args, DG_SSHD_MAX_INCLUDES);
    nargs = total > DG_SSHD_MAX_INCLUDES ? DG_SSHD_MAX_INCLUDES : total;
    if (keyword_is(kw, kwlen, "Port")) {
        c->port_lines++;
        if (nargs != 1 || tok_port(&args[0], &v) < 0) {
            c->bad++;
            return;
        }
        add_port(c, v);
    } else if (keyword_is(kw, kwlen, "ListenAddress") && nargs >= 1) {
        listen_address(c, unquote(args[0]));
    } else if (keyword_is(kw, kwlen, "Include")) {
        for (size_t k = 0; k < nargs; k++) {
            add_include(c, unquote(args[k]));
        }
        c->bad += total - nargs;
    }
}

void dg_sshd_conf_parse(const char *text, size_t len, struct dg_sshd_conf *c)
{
    size_t pos = 0, n;
    const char *line;

    while ((line = dg_next_line(text, len, &pos, &n)) != NULL) {
        one_line(c, line, n);
    }
}

size_t dg_sshd_conf_ports(const struct dg_sshd_conf *c, unsigned *ports, size_t max)
{
    /* Port's default applies to every ListenAddress without a port. */
    int dflt = c->port_lines == 0 && (c->nports == 0 || c->bare_listen > 0);
    size_t n = 0;

    if (dflt && max > 0) {
        ports[n++] = 22;
    }
    for (size_t i = 0; i < c->nports && n < max; i++) {
        if (!(dflt && c->ports[i] == 22)) {
            ports[n++] = c->ports[i];
        }
    }
    return n;
}
