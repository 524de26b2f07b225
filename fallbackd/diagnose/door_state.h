/* door_state.h - what the door knows about itself, shared by its processes.
 *
 * One small shared anonymous mapping, made by the listener before it forks
 * anything, so every connection's monitor and every session child sees
 * the same page:
 *
 *   writer       | fields
 *   -------------+-----------------------------------------------------
 *   listener     | started, closes, connections (at start, reload, fork,
 *                | reap)
 *   monitor      | logins, proven_* (after a successful login)
 *   session      | banner (the at-login banner it collected); the
 *                | "diagnose" subsystem only reads
 *
 * Nothing here is a secret, and nothing is trusted: a torn read (two
 * monitors writing at once) only garbles the report, and every string is
 * read with its length bound.
 */
#ifndef FBD_DOOR_STATE_H
#define FBD_DOOR_STATE_H

#define DOOR_BANNER_MAX 2048

/* The last at-login banner (banner_cache.h), written by the session
 * process that collected it, checked by its checksum when read. */
struct door_banner {
    long long at_ms;            /* CLOCK_MONOTONIC ms it was collected, 0 never */
    unsigned uid;               /* as whom */
    unsigned long long key;     /* of what it depends on (banner_cache_key) */
    unsigned len;               /* 0: healthy, nothing to show */
    char text[DOOR_BANNER_MAX];
    unsigned long long sum;     /* of all the above, written last */
};

struct door_state {
    long long started;          /* unix seconds the door started */
    long listener_pid;          /* its connections are the listener's children */
    long long closes;           /* unix seconds DoorLifetime / --for ends, 0 never */
    unsigned connections;       /* connection processes alive */
    unsigned long logins;       /* successful logins since start */
    long long proven_at;        /* unix seconds of the last login from outside, 0 never */
    char proven_from[46];       /* its address */
    char proven_user[64];       /* and user */
    char outside_loopback[46];  /* a loopback address counted as outside (tests only) */
    struct door_banner banner;  /* the last at-login banner, kept a few seconds */
};

/* A zeroed shared mapping, or NULL (the door then runs without one). */
struct door_state *door_state_create(void);

/* Is ADDR (numeric, v4 or v6) a loopback address not configured as
 * "outside" in S? */
int door_state_is_loopback(const struct door_state *s, const char *addr);

/* A successful login of USER from ADDR: counted, and recorded as proof
 * that the door works from outside when ADDR is not loopback. */
void door_state_login(struct door_state *s, const char *addr, const char *user);

#endif
