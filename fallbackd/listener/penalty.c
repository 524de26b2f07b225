/* penalty.c - per-source penalties (penalty.h). */
#include "penalty.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addrmatch.h"

/* Is ADDR in PerSourcePenaltyExemptList (comma-separated entries, the
 * entry "AllowFrom" standing for every AllowFrom block)? */
static int exempt(const struct fbd_config *cfg, const char *addr)
{
    for (size_t i = 0; i < cfg->penalty_exempt.n; i++) {
        const char *s = cfg->penalty_exempt.v[i];

        while (*s != '\0') {
            char part[INET6_ADDRSTRLEN + 8];
            size_t n = strcspn(s, ",");
            struct cidr c;

            if (n < sizeof(part)) {
                memcpy(part, s, n);
                part[n] = '\0';
                if (strcasecmp(part, "AllowFrom") == 0 ? cfg->allow_from.n > 0 &&
                    admission_allowed_from(cfg, addr) :
                    addrmatch_cidr_parse(part, &c) == 0 && addrmatch_cidr_contains(&c, addr)) {
                    return 1;
                }
            }
            s += n + (s[n] == ',' ? 1 : 0);
        }
    }
    return 0;
}

/* Seconds an event earns. */
static int event_seconds(const struct cfg_penalties *pc, enum conn_end how)
{
    switch (how) {
    case CONN_END_CRASH: return pc->crash;
    case CONN_END_AUTHFAIL: return pc->authfail;
    case CONN_END_GRACE: return pc->grace_exceeded;
    case CONN_END_NOAUTH: return pc->noauth;
    default: return 0;
    }
}

static int same_block(const struct source_block *a, const struct source_block *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Drop expired entries. */
static void expire(struct penalties *t, long long now)
{
    size_t kept = 0;

    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].until_ms > now) {
            t->v[kept++] = t->v[i];
        }
    }
    t->n = kept;
}

static struct penalty *find(struct penalties *t, const struct source_block *b)
{
    for (size_t i = 0; i < t->n; i++) {
        if (same_block(&t->v[i].block, b)) {
            return &t->v[i];
        }
    }
    return NULL;
}

/* Entries of FAMILY in the table. */
static size_t count_family(const struct penalties *t, int family)
{
    size_t n = 0;

    for (size_t i = 0; i < t->n; i++) {
        n += t->v[i].block.family == family;
    }
    return n;
}

static size_t family_max(const struct cfg_penalties *pc, int family)
{
    return (size_t)(family == AF_INET6 ? pc->max_sources6 : pc->max_sources4);
}

/* A new entry for B, or NULL if the table is full for its family (or
 * out of memory). */
static struct penalty *add(struct penalties *t, const struct cfg_penalties *pc,
                           const struct source_block *b)
{
    if (count_family(t, b->family) >= family_max(pc, b->family)) {
        return NULL;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct penalty *v = realloc(t->v, cap * sizeof(*v));

        if (v == NULL) {
            return NULL;
        }
        t->v = v;
        t->cap = cap;
    }
    memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
    t->v[t->n].block = *b;
    return &t->v[t->n++];
}

long long penalty_record(struct penalties *t, const struct fbd_config *cfg,
                         const struct source_block *block, const char *addr,
                         enum conn_end how, long long now_ms)
{
    const struct cfg_penalties *pc = &cfg->penalties;
    long long secs = event_seconds(pc, how);
    struct penalty *p;
    long long from;
    int was_active;

    if (!pc->enabled || secs <= 0 || exempt(cfg, addr)) {
        return 0;
    }
    expire(t, now_ms);
    p = find(t, block);
    if (p == NULL && (p = add(t, pc, block)) == NULL) {
        return 0;
    }
    was_active = p->active;
    from = p->until_ms > now_ms ? p->until_ms : now_ms;
    p->until_ms = from + secs * 1000;
    if (p->until_ms > now_ms + (long long)pc->max * 1000) {
        p->until_ms = now_ms + (long long)pc->max * 1000;
    }
    p->last = how;
    if (p->until_ms - now_ms >= (long long)pc->min * 1000) {
        p->active = 1;
    }
    return p->active && !was_active ? (p->until_ms - now_ms + 999) / 1000 : 0;
}

const char *penalty_event_name(enum conn_end how)
{
    switch (how) {
    case CONN_END_CRASH: return "its network process crashed (PerSourcePenalties crash)";
    case CONN_END_AUTHFAIL: return "MaxAuthTries exhausted (PerSourcePenalties authfail)";
    case CONN_END_GRACE: return "LoginGraceTime exceeded (PerSourcePenalties grace-exceeded)";
    case CONN_END_NOAUTH: return "left without logging in (PerSourcePenalties noauth)";
    default: return "penalised";
    }
}

int penalty_refused(struct penalties *t, const struct fbd_config *cfg,
                    const struct source_block *block, const char *addr, long long now_ms,
                    long long *left_ms, const char **why)
{
    const struct cfg_penalties *pc = &cfg->penalties;
    struct penalty *p;

    if (!pc->enabled || exempt(cfg, addr)) {
        return 0;
    }
    expire(t, now_ms);
    p = find(t, block);
    if (p != NULL && p->active) {
        *left_ms = p->until_ms - now_ms;
        *why = penalty_event_name(p->last);
        return 1;
    }
    if (p == NULL && count_family(t, block->family) >= family_max(pc, block->family) &&
        (block->family == AF_INET6 ? pc->overflow_deny6 : pc->overflow_deny4)) {
        *left_ms = 0;
        *why = "the penalty table is full (PerSourcePenalties overflow:deny-all)";
        return 1;
    }
    return 0;
}

void penalty_free(struct penalties *t)
{
    free(t->v);
    memset(t, 0, sizeof(*t));
}
