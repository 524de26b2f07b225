/* conn.h - one client connection, in its own forked process. */
#ifndef FBD_CONN_H
#define FBD_CONN_H

#include <netinet/in.h>

#include <libssh/libssh.h>

#include "authz.h"
#include "server.h"

struct sess;

struct conn {
    struct server *srv;
    ssh_session ssh;
    ssh_event ev;
    int fd;                         /* the TCP socket */
    int startup_fd;                 /* to the listener; closed once authenticated */
    char peer[INET6_ADDRSTRLEN];
    int peer_port;
    char local[INET6_ADDRSTRLEN];
    int local_port;

    /* authentication (auth_pubkey.c) */
    int authenticated;
    int auth_failures;
    int too_many_failures;          /* MaxAuthTries reached: disconnect */
    char user[64];                  /* last user name a client asked for */
    char logged_user[64];           /* user whose "Invalid user" / refusal was logged */
    struct authz authz;             /* the authenticated user, key and options */
    char key_desc[160];             /* "ED25519 SHA256:..." of the accepted key */
    gid_t tty_gid;                  /* group "tty", or (gid_t)-1 if unknown */

    /* sessions (session.c, session_io.c) */
    struct sess *sessions;
    size_t nsessions;
    int child_pipe[2];              /* SIGCHLD self-pipe */
    int fatal;                      /* the SSH connection failed: leave */
    int alive_missed;               /* keepalives sent without an answer */
};

/* Serve one accepted connection to the end; returns the exit code for the
 * connection process.  startup_fd is closed once the user authenticated,
 * which tells the listener this connection no longer counts against
 * MaxStartups. */
int conn_serve(struct server *srv, int fd, int startup_fd);

/* Monotonic milliseconds. */
long long conn_now_ms(void);

#endif
