/* conn.h - one client connection: the network process's view.
 *
 * conn_serve() runs in the process the listener forked for a connection.
 * It splits it in two: that process becomes the monitor (monitor.h), and
 * a child - the network process - speaks SSH with the client, confined
 * (sandbox.h), asking the monitor for everything privileged.
 */
#ifndef FBD_CONN_H
#define FBD_CONN_H

#include <netinet/in.h>
#include <stdint.h>

#include <libssh/libssh.h>

#include "monitor_proto.h"
#include "server.h"

#define CONN_MAX_EXITS 64

struct sess;

/* A MON_EXITED that arrived while waiting for another reply. */
struct conn_exit {
    uint32_t id;
    int status;
};

struct conn {
    struct server *srv;
    ssh_session ssh;
    ssh_event ev;
    int fd;                         /* the TCP socket */
    int mon;                        /* the monitor socket */
    unsigned char *monbuf;          /* MON_MAX_MSG bytes for replies */
    char peer[INET6_ADDRSTRLEN];
    int peer_port;
    char local[INET6_ADDRSTRLEN];
    int local_port;

    /* authentication (auth_pubkey.c; decided by the monitor) */
    int authenticated;
    int too_many_failures;          /* the monitor says MaxAuthTries: disconnect */
    char user[64];                  /* last user name a client asked for */
    char user_name[64];             /* the authenticated user */
    uint32_t key_flags;             /* MON_FLAG_* of the accepted key */

    /* sessions (session.c, session_io.c) */
    struct sess *sessions;
    size_t nsessions;
    struct conn_exit exits[CONN_MAX_EXITS];
    size_t nexits;
    int fatal;                      /* the SSH connection failed: leave */
    int alive_missed;               /* keepalives sent without an answer */
};

/* Serve one accepted connection to the end, as monitor + network
 * process; returns the exit code for the connection process.  startup_fd
 * is closed once the user authenticated, which tells the listener this
 * connection no longer counts as unauthenticated. */
int conn_serve(struct server *srv, int fd, int startup_fd);

/* Ask the monitor: wait for its reply (MON_FAIL or REPLY_TYPE), keeping
 * any MON_EXITED that comes first.  0 with *reply filled (its strings
 * point into c->monbuf, valid until the next call), -1 if the monitor is
 * gone or answered something else. */
int conn_monitor_reply(struct conn *c, uint32_t reply_type, struct mon_msg *reply);

/* Monotonic milliseconds. */
long long conn_now_ms(void);

#endif
