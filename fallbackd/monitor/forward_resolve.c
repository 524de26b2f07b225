/* forward_resolve.c - numeric, /etc/hosts, then DNS (forward_resolve.h). */
#include "forward_resolve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <ares.h>

#include "readfile.h"
#include "resolve_hosts.h"

#define HOSTS_PATH "/etc/hosts"
#define HOSTS_FILE_MAX (4 << 20)
#define DNS_TIMEOUT_MS 2500
#define DNS_TRIES 2

/* Add one address (family, 4 or 16 bytes) with PORT. */
static void add_addr(struct forward_addrs *out, int family, const void *addr, int port)
{
    struct sockaddr_storage *ss = &out->a[out->n];

    if (out->n >= FORWARD_MAX_ADDRS) {
        return;
    }
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons((unsigned short)port);
        memcpy(&sin->sin_addr, addr, 4);
        out->len[out->n++] = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((unsigned short)port);
        memcpy(&sin6->sin6_addr, addr, 16);
        out->len[out->n++] = sizeof(*sin6);
    }
}

/* 1: a numeric address. */
static int from_numeric(const char *host, int port, struct forward_addrs *out)
{
    unsigned char a[16];

    if (inet_pton(AF_INET, host, a) == 1) {
        add_addr(out, AF_INET, a, port);
    } else if (inet_pton(AF_INET6, host, a) == 1) {
        add_addr(out, AF_INET6, a, port);
    }
    return out->n > 0;
}

/* 2: /etc/hosts (a missing or unreadable file counts as empty). */
static int from_hosts(const char *host, int port, struct forward_addrs *out)
{
    struct resolve_hosts_addr found[RESOLVE_HOSTS_MAX_ADDRS];
    char *text = NULL;
    size_t len = 0;
    size_t n;

    if (readfile_path(HOSTS_PATH, HOSTS_FILE_MAX, &text, &len) != 0) {
        return 0;
    }
    n = resolve_hosts_lookup(text, len, host, found, RESOLVE_HOSTS_MAX_ADDRS, NULL);
    free(text);
    for (size_t i = 0; i < n; i++) {
        add_addr(out, found[i].family, found[i].addr, port);
    }
    return out->n > 0;
}

struct dns_answer {
    int done;
    int status;
    struct ares_addrinfo *res;
};

static void dns_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct dns_answer *d = arg;

    d->done = 1;
    d->status = status;
    d->res = res;
}

/* Run the channel until the query is answered (c-ares bounds the time). */
static void dns_wait(ares_channel ch, const struct dns_answer *d)
{
    while (!d->done) {
        fd_set r, w;
        struct timeval tv;
        struct timeval *tvp;
        int nfds;

        FD_ZERO(&r);
        FD_ZERO(&w);
        nfds = ares_fds(ch, &r, &w);
        if (nfds == 0) {
            break;
        }
        tvp = ares_timeout(ch, NULL, &tv);
        select(nfds, &r, &w, NULL, tvp);
        ares_process(ch, &r, &w);
    }
}

/* Take the answer's addresses. */
static void dns_take(const struct ares_addrinfo *res, int port, struct forward_addrs *out)
{
    for (const struct ares_addrinfo_node *n = res->nodes; n != NULL; n = n->ai_next) {
        if (n->ai_family == AF_INET) {
            add_addr(out, AF_INET, &((const struct sockaddr_in *)n->ai_addr)->sin_addr, port);
        } else if (n->ai_family == AF_INET6) {
            add_addr(out, AF_INET6, &((const struct sockaddr_in6 *)n->ai_addr)->sin6_addr,
                     port);
        }
    }
}

/* 3: DNS. */
static int from_dns(const char *host, int port, struct forward_addrs *out, char *why,
                    size_t whylen)
{
    struct ares_options o;
    struct ares_addrinfo_hints hints;
    struct dns_answer d = { 0, ARES_ENOTFOUND, NULL };
    ares_channel ch;
    int rc;

    memset(&o, 0, sizeof(o));
    o.timeout = DNS_TIMEOUT_MS;
    o.tries = DNS_TRIES;
    o.lookups = (char *)"b";      /* DNS only: /etc/hosts was ours */
    if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS ||
        (rc = ares_init_options(&ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
                                         ARES_OPT_LOOKUPS)) != ARES_SUCCESS) {
        snprintf(why, whylen, "resolver: %s", ares_strerror(rc));
        return 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = ARES_AI_NOSORT;
    ares_getaddrinfo(ch, host, NULL, &hints, dns_done, &d);
    dns_wait(ch, &d);
    ares_destroy(ch);       /* an unanswered query ends here (its callback runs) */
    if (d.status == ARES_SUCCESS && d.res != NULL) {
        dns_take(d.res, port, out);
    } else {
        snprintf(why, whylen, "%s", ares_strerror(d.status));
    }
    if (d.res != NULL) {
        ares_freeaddrinfo(d.res);
    }
    return out->n > 0;
}

int forward_resolve(const char *host, int port, struct forward_addrs *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    snprintf(why, whylen, "no address");
    if (from_numeric(host, port, out) || from_hosts(host, port, out) ||
        from_dns(host, port, out, why, whylen)) {
        return 0;
    }
    return -1;
}
