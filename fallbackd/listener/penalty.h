/* penalty.h - refuse, for a growing time, sources whose connections
 * crash or fail (sshd's PerSourcePenalties).
 *
 * The monitor says how a connection ended in its process's exit code
 * (enum conn_end, conn_end.h); the listener, which reaps it, adds that
 * event's seconds to the source block's penalty:
 *
 *   event (exit code)       | seconds (PerSourcePenalties)
 *   ------------------------+-----------------------------------------
 *   CONN_END_CRASH          | crash: the network process died by a signal
 *   CONN_END_AUTHFAIL       | authfail: MaxAuthTries exhausted
 *   CONN_END_GRACE          | grace-exceeded: LoginGraceTime ran out
 *   CONN_END_NOAUTH         | noauth: left without a login attempt
 *
 * A penalty runs from now (or from its current end, if it has not
 * expired: so repeated events make it grow), at most max seconds ahead.
 * The source is refused while at least min seconds are left, and
 * forgotten when it expires.  Sources in PerSourcePenaltyExemptList are
 * never penalised.  The table holds at most max-sources4/6 blocks; when
 * one is full, overflow:permissive penalises no new block of that family,
 * overflow:deny-all refuses every new connection of that family until
 * entries expire.
 */
#ifndef FBD_PENALTY_H
#define FBD_PENALTY_H

#include "admission.h"
#include "config.h"
#include "conn_end.h"

struct penalty {
    struct source_block block;
    long long until_ms;
    int active;                 /* refused (reached min once) */
    enum conn_end last;         /* the last event, for the log */
};

struct penalties {
    struct penalty *v;
    size_t n;
    size_t cap;
};

/* Record how a connection from ADDR (block BLOCK) ended.  Returns the
 * seconds left on that source's penalty if this event made it refused,
 * else 0. */
long long penalty_record(struct penalties *t, const struct fbd_config *cfg,
                         const struct source_block *block, const char *addr,
                         enum conn_end how, long long now_ms);

/* Is a newcomer from ADDR (block BLOCK) refused?  Then *left_ms is how
 * long still and *why the reason for the log (a static string). */
int penalty_refused(struct penalties *t, const struct fbd_config *cfg,
                    const struct source_block *block, const char *addr, long long now_ms,
                    long long *left_ms, const char **why);

/* The log's words for an event (a static string). */
const char *penalty_event_name(enum conn_end how);

void penalty_free(struct penalties *t);

#endif
