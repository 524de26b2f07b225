/* listener.h - the door's main process: sockets, accept, fork, reap, signals. */
#ifndef FBD_LISTENER_H
#define FBD_LISTENER_H

#include "server.h"

/* Serve until SIGTERM/SIGINT.  Opens every ListenAddress x Port, forks one
 * process per connection (never exec), reaps its children, reloads on
 * SIGHUP (config_path again; a bad new config keeps the old one).
 * Returns the process exit code. */
int listener_run(struct server *srv, const char *config_path);

#endif
