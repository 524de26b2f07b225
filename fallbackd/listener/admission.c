/* admission.c - per-source, fair admission of unauthenticated connections,
 * by progress (admission.h).
 *
 * A newcomer from source block S, when n connections are unauthenticated,
 * "same" of them from S.  A pending connection is "stalled" when it has not
 * completed its key exchange (conn_progress.h: no version line, or a
 * version line only) KexGraceTime or longer after it was accepted; it is
 * "keyed" once it completed it.  The first row that matches decides:
 *
 *   situation                                 | verdict
 *   ------------------------------------------+------------------------------------
 *   same >= PerSourceMaxStartups, and S has a | admit; close S's oldest stalled
 *     stalled connection                      |   connection
 *   same >= PerSourceMaxStartups              | refuse (per-source limit)
 *   n >= MaxStartups full, some connection is | admit; close the oldest stalled
 *     stalled                                 |   connection (any source)
 *   n >= MaxStartups full, a block holds more | admit; close the oldest connection
 *     than S, counting blocks with a          |   of the busiest such block that
 *     connection that is not keyed            |   is not keyed
 *   n >= MaxStartups full                     | refuse (full)
 *   same > 0, n >= MaxStartups begin, the     | admit; close the oldest stalled
 *     random early drop hits, some connection |   connection (any source)
 *     is stalled                              |
 *   same > 0, n >= MaxStartups begin, the     | refuse (random early drop:
 *     random early drop hits                  |   rate..100%)
 *   otherwise                                 | admit
 *
 * So: a keyed connection is never closed for a newcomer (which has not
 * keyed yet); a source with no connection waiting is never refused by the
 * global limits; an idle flood from the administrator's own address holds
 * only stalled connections, which the administrator's login replaces
 * (oldest first); and a flood that does complete key exchanges pays their
 * CPU and is still capped by PerSourceMaxStartups and MaxStartups.
 * KexGraceTime 0 turns the stalled rows off.
 */
#include "admission.h"

#include <netinet/in.h>
#include <string.h>

#include "addrmatch.h"
#include "conn_progress.h"

/* Clear every bit of addr past the first BITS. */
static void mask_bits(unsigned char *addr, size_t len, int bits)
{
    for (size_t i = 0; i < len; i++) {
        int keep = bits - (int)(i * 8);

        if (keep <= 0) {
            addr[i] = 0;
        } else if (keep < 8) {
            addr[i] &= (unsigned char)(0xff << (8 - keep));
        }
    }
}

void admission_source_block(const struct sockaddr_storage *ss, const struct fbd_config *cfg,
                            struct source_block *out)
{
    const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

    memset(out, 0, sizeof(*out));
    if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
        out->family = AF_INET;
        memcpy(out->addr, &sin6->sin6_addr.s6_addr[12], 4);
    } else if (ss->ss_family == AF_INET6) {
        out->family = AF_INET6;
        memcpy(out->addr, &sin6->sin6_addr, 16);
    } else {
        out->family = AF_INET;
        memcpy(out->addr, &sin->sin_addr, 4);
    }
    if (out->family == AF_INET) {
        mask_bits(out->addr, 4, cfg->per_source_bits4);
    } else {
        mask_bits(out->addr, 16, cfg->per_source_bits6);
    }
}

static int same_block(const struct source_block *a, const struct source_block *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* How many pending connections come from block B. */
static size_t count_block(const struct pending *p, size_t n, const struct source_block *b)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++) {
        c += same_block(&p[i].block, b);
    }
    return c;
}

/* Has P completed its key exchange? */
static int keyed(const struct pending *p)
{
    return p->stage >= PROGRESS_KEYED;
}

/* Is P stalled at NOW (the table above)? */
static int stalled(const struct fbd_config *cfg, const struct pending *p, long long now)
{
    return cfg->kex_grace_time > 0 && !keyed(p) &&
           now - p->since_ms >= (long long)cfg->kex_grace_time * 1000;
}

/* The oldest stalled connection, from block B only unless B is NULL; n if
 * there is none. */
static size_t oldest_stalled(const struct fbd_config *cfg, const struct pending *p, size_t n,
                             const struct source_block *b, long long now)
{
    size_t victim = n;

    for (size_t i = 0; i < n; i++) {
        if (stalled(cfg, &p[i], now) && (b == NULL || same_block(&p[i].block, b)) &&
            (victim == n || p[i].since_ms < p[victim].since_ms)) {
            victim = i;
        }
    }
    return victim;
}

/* The oldest connection that is not keyed, of the block holding the most
 * connections among those that have one (ties: the oldest connection
 * wins).  *most gets that block's count, 0 if every connection is keyed. */
static size_t heaviest_oldest(const struct pending *p, size_t n, size_t *most)
{
    size_t victim = 0;

    *most = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = keyed(&p[i]) ? 0 : count_block(p, n, &p[i].block);

        if (c > *most || (c > 0 && c == *most && p[i].since_ms < p[victim].since_ms)) {
            *most = c;
            victim = i;
        }
    }
    return victim;
}

/* sshd's random early drop: past begin, refuse with a probability rising
 * linearly from rate% to 100% at full. */
static int early_drop(const struct fbd_config *cfg, size_t n, unsigned roll)
{
    long begin = cfg->max_startups_begin;
    long full = cfg->max_startups_full;
    long p;

    if ((long)n < begin) {
        return 0;
    }
    if (full <= begin) {
        return 1;
    }
    p = cfg->max_startups_rate + (100 - cfg->max_startups_rate) * ((long)n - begin) / (full - begin);
    return (long)roll < p;
}

/* Admit in place of VICTIM (of n) with verdict V if there is one; else
 * the verdict OTHERWISE. */
static struct admit_decision evict_or(size_t victim, size_t n, enum admit_verdict v,
                                      enum admit_verdict otherwise)
{
    struct admit_decision d = { otherwise, 0 };

    if (victim < n) {
        d.verdict = v;
        d.victim = victim;
    }
    return d;
}

struct admit_decision admission_decide(const struct fbd_config *cfg,
                                       const struct source_block *src,
                                       const struct pending *pending, size_t n,
                                       unsigned roll, long long now_ms)
{
    size_t same = count_block(pending, n, src);
    size_t stalled_any = oldest_stalled(cfg, pending, n, NULL, now_ms);
    size_t most;
    size_t busiest;

    if (cfg->per_source_max_startups > 0 && same >= (size_t)cfg->per_source_max_startups) {
        return evict_or(oldest_stalled(cfg, pending, n, src, now_ms), n, ADMIT_EVICT_STALLED,
                        REFUSE_SOURCE_LIMIT);
    }
    if (n >= (size_t)cfg->max_startups_full) {
        if (stalled_any < n) {
            return evict_or(stalled_any, n, ADMIT_EVICT_STALLED, REFUSE_FULL);
        }
        busiest = heaviest_oldest(pending, n, &most);
        return evict_or(most > same ? busiest : n, n, ADMIT_EVICT, REFUSE_FULL);
    }
    if (same > 0 && early_drop(cfg, n, roll)) {
        return evict_or(stalled_any, n, ADMIT_EVICT_STALLED, REFUSE_EARLY_DROP);
    }
    return evict_or(n, n, ADMIT_EVICT, ADMIT);
}

void admission_note_progress(struct pending *p, unsigned char byte)
{
    if (byte <= PROGRESS_KEYED && byte > p->stage) {
        p->stage = byte;
    }
}

int admission_allowed_from(const struct fbd_config *cfg, const char *addr)
{
    struct cidr block;

    if (cfg->allow_from.n == 0) {
        return 1;
    }
    for (size_t i = 0; i < cfg->allow_from.n; i++) {
        if (addrmatch_cidr_parse(cfg->allow_from.v[i], &block) == 0 &&
            addrmatch_cidr_contains(&block, addr)) {
            return 1;
        }
    }
    return 0;
}

const char *admission_reason(enum admit_verdict v)
{
    switch (v) {
    case REFUSE_SOURCE_LIMIT:
        return "too many unauthenticated connections from this source (PerSourceMaxStartups)";
    case REFUSE_FULL:
        return "too many unauthenticated connections (MaxStartups)";
    case REFUSE_EARLY_DROP:
        return "past MaxStartups begin, random early drop";
    case ADMIT_EVICT:
        return "oldest unauthenticated connection of the busiest source closed to admit a "
               "new source (MaxStartups full)";
    case ADMIT_EVICT_STALLED:
        return "no key exchange within KexGraceTime: closed to admit a new connection";
    default:
        return "admitted";
    }
}
