/* split.h - a connection process forks into its two halves. */
#ifndef FBD_SPLIT_H
#define FBD_SPLIT_H

#include <sys/types.h>

#include "server.h"

/* Serve one accepted connection (the client on FD) to its end: fork the
 * network process (net/conn.h) and become its monitor (monitor/monitor.h).
 * Returns the exit code for the connection process.  The monitor writes
 * the connection's progress on startup_fd (conn_progress.h) and closes it
 * once the user authenticated, which tells the listener this connection no
 * longer counts as unauthenticated; the network process never holds it.
 * The network process runs as sandbox_uid, which no other live
 * connection's has. */
int split_connection(struct server *srv, int fd, int startup_fd, uid_t sandbox_uid);

#endif
