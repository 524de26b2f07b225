/* banner_cache.c - the at-login banner, kept a few seconds (banner_cache.h). */
#include "banner_cache.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/* FNV-1a over LEN bytes of P, continuing from H. */
static unsigned long long fnv(unsigned long long h, const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++) {
        h = (h ^ b[i]) * FNV_PRIME;
    }
    return h;
}

/* A string, with its terminator (so that "ab","c" differs from "a","bc"). */
static unsigned long long fnv_str(unsigned long long h, const char *s)
{
    return s != NULL ? fnv(h, s, strlen(s) + 1) : fnv(h, "", 1);
}

unsigned long long banner_cache_key(const struct dg_opts *o, const char *nl)
{
    unsigned long long h = fnv_str(FNV_OFFSET, nl);
    long long proven = 0, closes = 0;

    h = fnv_str(h, o->home);
    for (size_t i = 0; i < o->nfiles; i++) {
        h = fnv_str(h, o->files[i]);
    }
    if (o->door != NULL) {
        proven = __atomic_load_n(&o->door->proven_at, __ATOMIC_ACQUIRE);
        closes = o->door->closes;
    }
    h = fnv(h, &proven, sizeof(proven));
    return fnv(h, &closes, sizeof(closes));
}

long long banner_cache_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The checksum of every field of B but itself. */
static unsigned long long entry_sum(const struct door_banner *b)
{
    unsigned long long h = fnv(FNV_OFFSET, &b->at_ms, sizeof(b->at_ms));

    h = fnv(h, &b->uid, sizeof(b->uid));
    h = fnv(h, &b->key, sizeof(b->key));
    h = fnv(h, &b->len, sizeof(b->len));
    return fnv(h, b->text, b->len <= DOOR_BANNER_MAX ? b->len : 0);
}

int banner_cache_get(const struct door_state *s, uid_t uid, unsigned long long key,
                     long long now, char *out, size_t *len, long long *age_ms)
{
    struct door_banner b;

    if (s == NULL) {
        return 0;
    }
    memcpy(&b, (const void *)&s->banner, sizeof(b));
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (b.at_ms == 0 || b.len > DOOR_BANNER_MAX || b.sum != entry_sum(&b) || b.uid != uid ||
        b.key != key || now < b.at_ms || now - b.at_ms >= BANNER_CACHE_MS) {
        return 0;
    }
    memcpy(out, b.text, b.len);
    *len = b.len;
    *age_ms = now - b.at_ms;
    return 1;
}

void banner_cache_put(struct door_state *s, uid_t uid, unsigned long long key, long long now,
                      const char *text, size_t len)
{
    struct door_banner b;

    if (s == NULL || len > DOOR_BANNER_MAX) {
        return;
    }
    memset(&b, 0, sizeof(b));
    b.at_ms = now;
    b.uid = (unsigned)uid;
    b.key = key;
    b.len = (unsigned)len;
    memcpy(b.text, text, len);
    b.sum = entry_sum(&b);
    memcpy(&s->banner, &b, offsetof(struct door_banner, sum));
    __atomic_store_n(&s->banner.sum, b.sum, __ATOMIC_RELEASE);
}
