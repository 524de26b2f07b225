/* admission.c - per-source, fair admission of unauthenticated connections
 * (the policy table is in admission.h). */
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

/* The oldest connection of the block holding the most connections (ties:
 * the oldest connection wins).  *most gets that block's count. */
static size_t heaviest_oldest(const struct pending *p, size_t n, size_t *most)
{
    size_t victim = 0;

    *most = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = count_block(p, n, &p[i].block);

        if (c > *most || (c == *most && p[i].since_ms < p[victim].since_ms)) {
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

struct admit_decision admission_decide(const struct fbd_config *cfg,
                                       const struct source_block *src,
                                       const struct pending *pending, size_t n,
                                       unsigned roll)
{
    struct admit_decision d = { ADMIT, 0 };
    size_t same = count_block(pending, n, src);
    size_t most;

    if (cfg->per_source_max_startups > 0 && same >= (size_t)cfg->per_source_max_startups) {
        d.verdict = REFUSE_SOURCE_LIMIT;
    } else if (n >= (size_t)cfg->max_startups_full) {
        d.victim = heaviest_oldest(pending, n, &most);
        d.verdict = most > same ? ADMIT_EVICT : REFUSE_FULL;
    } else if (same > 0 && early_drop(cfg, n, roll)) {
        d.verdict = REFUSE_EARLY_DROP;
    }
    return d;
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
    default:
        return "admitted";
    }
}
