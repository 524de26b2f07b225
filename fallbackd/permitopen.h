/* permitopen.h - where a local forwarding (direct-tcpip) may connect.
 *
 * One matcher for both lists that limit it, with sshd's meaning:
 *
 *   PermitOpen (config)      any | none | ENTRY...   ("any" by default)
 *   permitopen="ENTRY" (key) ENTRY, repeatable        (none given: any)
 *
 *   ENTRY = HOST ":" PORT | "[" IPV6 "]" ":" PORT
 *   HOST  = a name or address, compared literally (case-insensitive), or "*"
 *   PORT  = 1..65535, or "*"
 *
 * No pattern matching and no name lookup, as in sshd: "localhost:80" does
 * not allow "127.0.0.1:80".  A connection must be allowed by both lists.
 */
#ifndef FBD_PERMITOPEN_H
#define FBD_PERMITOPEN_H

#include <stddef.h>

#define PERMITOPEN_HOST_MAX 255

struct permitopen {
    char host[PERMITOPEN_HOST_MAX + 1];     /* "*" matches every host */
    int port;                               /* -1 matches every port */
};

/* Parse one ENTRY.  0 ok; -1 with a short reason in *why. */
int permitopen_parse(const char *entry, struct permitopen *out, const char **why);

/* Does ENTRY allow HOST port PORT?  An unparsable entry, or a port
 * outside 1..65535, allows nothing. */
int permitopen_entry_allows(const char *entry, const char *host, int port);

/* Does the list (n entries, possibly the single word "any" or "none")
 * allow HOST port PORT?  An empty list allows every valid target. */
int permitopen_list_allows(char *const *list, size_t n, const char *host, int port);

/* Is WORD a valid list word ("any", "none" or an ENTRY)?  0, or -1 with
 * the reason in *why. */
int permitopen_word_ok(const char *word, const char **why);

#endif
