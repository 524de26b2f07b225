/* banner_cache.h - the at-login banner, kept a few seconds.
 *
 * DiagnoseAtLogin runs the whole incident console before a shell: tens of
 * milliseconds of /proc reads on a busy machine, for every login.  The
 * banner a login collected is kept in the door's shared page (door_state.h)
 * and shown again, with its age, to the logins of the next
 * BANNER_CACHE_MS that would collect the same one:
 *
 *   the same | because
 *   ---------+----------------------------------------------------------
 *   uid      | the console sees what the user may read (other users'
 *            | /proc entries, root-only files): never shown to another uid
 *   key      | home and DiagnoseFiles (~/ is the user's), the door's proven
 *            | time and lifetime (the door's lines of the banner), and the
 *            | line end (a pty's "\r\n" or "\n")
 *
 * A healthy verdict is kept too (an empty banner).  "ssh -s diagnose"
 * always collects afresh.  Writers do not lock: each writes the entry and
 * then its checksum; a reader copies the entry out and uses it only if
 * the checksum matches, so a torn or interleaved write is a miss.
 */
#ifndef FBD_BANNER_CACHE_H
#define FBD_BANNER_CACHE_H

#include <sys/types.h>

#include "diagnose.h"

#define BANNER_CACHE_MS 5000

/* Of what a banner for O with line ends NL depends on, besides the uid. */
unsigned long long banner_cache_key(const struct dg_opts *o, const char *nl);

/* Milliseconds of CLOCK_MONOTONIC. */
long long banner_cache_now(void);

/* The banner kept in S for UID and KEY, if collected less than
 * BANNER_CACHE_MS before NOW: copied into OUT (LEN bytes, at most
 * DOOR_BANNER_MAX) with its age in *AGE_MS; 1.  0 when there is none. */
int banner_cache_get(const struct door_state *s, uid_t uid, unsigned long long key,
                     long long now, char *out, size_t *len, long long *age_ms);

/* Keep TEXT (LEN bytes; not kept if longer than DOOR_BANNER_MAX) in S. */
void banner_cache_put(struct door_state *s, uid_t uid, unsigned long long key, long long now,
                      const char *text, size_t len);

#endif
