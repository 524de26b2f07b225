/* monitor_client.h - the network process's side of the monitor protocol.
 *
 * The network process asks (mon_send() with a request of monitor_proto.h)
 * and waits here for the answer.  The monitor may also speak unasked:
 * MON_EXITED when a session's process ends, queued in the conn (c->exits),
 * and MON_FORWARDED / MON_FORWARD_FAILED, the answer to a MON_FORWARD
 * (which nobody waits for), noted in its pending open (c->opens,
 * forward.h); the connection loop acts on both, whenever they arrive.
 */
#ifndef FBD_MONITOR_CLIENT_H
#define FBD_MONITOR_CLIENT_H

#include <stdint.h>

#include "conn.h"
#include "monitor_proto.h"

/* Wait for the monitor's reply (MON_FAIL or REPLY_TYPE), taking any
 * unasked message that comes first (above).  0 with *reply filled (its strings point
 * into c->monbuf, valid until the next call); -1 (and c->fatal set) if
 * the monitor is gone or answered something else. */
int monclient_reply(struct conn *c, uint32_t reply_type, struct mon_msg *reply);

/* The monitor socket polled readable with no question pending: read the
 * unasked message and take it (above).  -1 (and c->fatal set) if the
 * monitor is gone, sent anything else, the exit queue is full, or a
 * forwarding answer has no pending open. */
int monclient_unasked(struct conn *c);

/* From now on, this process's log lines go to the monitor over FD (the
 * network process has no other way out once confined). */
void monclient_log_to(int fd);

#endif
