/* admission.h - who gets a pre-authentication slot when the port is flooded.
 *
 * Every accepted connection costs a process until it authenticates, so the
 * listener limits unauthenticated connections.  sshd's MaxStartups alone
 * drops everyone alike: with 200 idle connections holding the port, a real
 * administrator almost never gets in.  fallbackd admits by source block
 * (an IPv4 /32 and an IPv6 /64 by default, PerSourceNetBlockSize), and by
 * progress: a connection that has not completed its key exchange
 * KexGraceTime after it was accepted is "stalled" and gives its slot to a
 * newcomer; one that completed it is never closed for one that has not.
 * The policy, as a table, is in admission.c.
 */
#ifndef FBD_ADMISSION_H
#define FBD_ADMISSION_H

#include <stddef.h>
#include <sys/socket.h>

#include "config.h"

/* A source block: the address with its host bits cleared. */
struct source_block {
    int family;
    unsigned char addr[16];
};

/* One unauthenticated connection, as the admission decision sees it. */
struct pending {
    struct source_block block;
    long long since_ms;         /* when it was accepted */
    int stage;                  /* enum conn_progress its monitor reported */
};

enum admit_verdict {
    ADMIT = 0,
    ADMIT_EVICT,                /* admit, after closing pending[victim]: the
                                   oldest of the busiest source (MaxStartups
                                   full) */
    ADMIT_EVICT_STALLED,        /* admit, after closing pending[victim]: the
                                   oldest stalled connection */
    REFUSE_SOURCE_LIMIT,
    REFUSE_FULL,
    REFUSE_EARLY_DROP,
};

struct admit_decision {
    enum admit_verdict verdict;
    size_t victim;
};

/* The source block of a peer address, per PerSourceNetBlockSize. */
void admission_source_block(const struct sockaddr_storage *ss, const struct fbd_config *cfg,
                            struct source_block *out);

/* Decide for a newcomer from block SRC, given the N pending connections,
 * at NOW_MS (the clock of since_ms).  roll is a random number 0-99 (for
 * the early drop). */
struct admit_decision admission_decide(const struct fbd_config *cfg,
                                       const struct source_block *src,
                                       const struct pending *pending, size_t n,
                                       unsigned roll, long long now_ms);

/* BYTE came from the connection's monitor on its startup pipe
 * (conn_progress.h): the stage it names, if it is one and further than
 * what p has; anything else changes nothing. */
void admission_note_progress(struct pending *p, unsigned char byte);

/* Is numeric address ADDR inside one of the AllowFrom blocks (or is the
 * list empty)? */
int admission_allowed_from(const struct fbd_config *cfg, const char *addr);

/* Short reason for a verdict, for the log: why the newcomer was refused,
 * or why its victim was closed. */
const char *admission_reason(enum admit_verdict v);

#endif
