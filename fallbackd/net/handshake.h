/* handshake.h - the network process's key exchange: no delayed-ACK
 * stall, and progress reported to the monitor (conn_progress.h). */
#ifndef FBD_HANDSHAKE_H
#define FBD_HANDSHAKE_H

#include "conn.h"

/* Run the key exchange on c->ssh until it is done, fails, or DEADLINE
 * (clock_now_ms() time; 0 = none) passes.  Tells the monitor when the
 * client's version line arrived and when the exchange completed.
 * 0 when the keys are agreed; -1 otherwise (the reason is in libssh's
 * error, or the time is up). */
int handshake_run(struct conn *c, long long deadline);

/* Acknowledge what the client sent now, and leave the kernel's delayed-ACK
 * mode (TCP_QUICKACK; see handshake.c for why, and how often). */
void handshake_quickack(int fd);

#endif
