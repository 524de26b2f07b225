/* sshd_config_ports.c - the ports the main sshd is configured for, from
 * the lines of its sshd_config (dg_parse.h), so that a listening socket
 * PID 1 holds (ssh.socket) can be told apart from other services'.
 *
 * The lines come from sshd_config_reader.h, which splits words, unquotes
 * them and follows Include.  Of the keywords, only these matter:
 *
 *   line                          | what it adds
 *   ------------------------------+-------------------------------------
 *   Port 2222                     | port 2222 (each Port line adds one)
 *   ListenAddress 10.0.0.1:2222   | port 2222
 *   ListenAddress [::1]:2222      | port 2222
 *   ListenAddress ::1             | (no port: sshd uses the Port values)
 *   either in a Match block       | nothing: sshd refuses it (counted in bad)
 *
 * The caller passes every line, then calls dg_sshd_conf_ports().  Without
 * any Port line, sshd listens on 22.  An argument that is not a port (0,
 * 65536, "ssh"), or a Port line with more than one, is counted in bad.
 */
#include "dg_parse.h"

#include <string.h>

#include "sshd_config_reader.h"

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

/* The whole of S as a dg_tok. */
static struct dg_tok tok_of(const char *s)
{
    return (struct dg_tok){ .p = s, .n = strlen(s) };
}

void dg_sshd_conf_line(struct dg_sshd_conf *c, const struct sshdconf_line *l)
{
    struct dg_tok arg = tok_of(l->argv[1]);
    unsigned v;

    if (!sshdconf_is(l, "Port") && !sshdconf_is(l, "ListenAddress")) {
        return;
    }
    if (l->in_match) {
        c->bad++;
        return;
    }
    if (sshdconf_is(l, "ListenAddress")) {
        listen_address(c, arg);
        return;
    }
    c->port_lines++;
    if (l->argc != 2 || tok_port(&arg, &v) < 0) {
        c->bad++;
        return;
    }
    add_port(c, v);
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
