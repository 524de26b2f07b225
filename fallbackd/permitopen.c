/* permitopen.c - the PermitOpen / permitopen= matcher (permitopen.h). */
#include "permitopen.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "*" or a decimal port 1..65535 (no sign, no leading junk). */
static int parse_port(const char *s, int *port, const char **why)
{
    long v = 0;

    if (strcmp(s, "*") == 0) {
        *port = -1;
        return 0;
    }
    if (s[0] == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5) {
        *why = "port is not a number or *";
        return -1;
    }
    v = strtol(s, NULL, 10);
    if (v < 1 || v > 65535) {
        *why = "port is not in 1-65535";
        return -1;
    }
    *port = (int)v;
    return 0;
}

/* Split ENTRY into host and port text: "[v6]:port" or "host:port" (the
 * last colon).  Returns the port text, host copied into out->host. */
static const char *split_entry(const char *entry, struct permitopen *out, const char **why)
{
    const char *colon;
    size_t hlen;
    const char *h = entry;

    if (entry[0] == '[') {
        const char *close = strchr(entry, ']');

        if (close == NULL || close[1] != ':') {
            *why = "[IPv6 address] is not followed by :port";
            return NULL;
        }
        h = entry + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(entry, ':');
        if (colon == NULL) {
            *why = "is not host:port";
            return NULL;
        }
        hlen = (size_t)(colon - entry);
        if (memchr(entry, ':', hlen) != NULL) {
            *why = "an IPv6 address must be written [address]:port";
            return NULL;
        }
    }
    if (hlen == 0 || hlen > PERMITOPEN_HOST_MAX) {
        *why = hlen == 0 ? "has no host" : "host is too long";
        return NULL;
    }
    memcpy(out->host, h, hlen);
    out->host[hlen] = '\0';
    if (strpbrk(out->host, " \t[]") != NULL) {
        *why = "host has a blank or bracket";
        return NULL;
    }
    return colon + 1;
}

int permitopen_parse(const char *entry, struct permitopen *out, const char **why)
{
    const char *port = split_entry(entry, out, why);

    if (port == NULL) {
        return -1;
    }
    return parse_port(port, &out->port, why);
}

int permitopen_entry_allows(const char *entry, const char *host, int port)
{
    struct permitopen p;
    const char *why;

    if (port < 1 || port > 65535 || permitopen_parse(entry, &p, &why) < 0) {
        return 0;
    }
    if (p.port != -1 && p.port != port) {
        return 0;
    }
    return strcmp(p.host, "*") == 0 || strcasecmp(p.host, host) == 0;
}

int permitopen_list_allows(char *const *list, size_t n, const char *host, int port)
{
    if (port < 1 || port > 65535) {
        return 0;
    }
    if (n == 0 || (n == 1 && strcasecmp(list[0], "any") == 0)) {
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (permitopen_entry_allows(list[i], host, port)) {
            return 1;
        }
    }
    return 0;   /* also "none" */
}

int permitopen_word_ok(const char *word, const char **why)
{
    struct permitopen p;

    if (strcasecmp(word, "any") == 0 || strcasecmp(word, "none") == 0) {
        return 0;
    }
    return permitopen_parse(word, &p, why);
}
