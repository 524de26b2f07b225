/* monitor.h - a connection's privileged half.
 *
 * One monitor per connection: the process the listener forked for it
 * forks the network process before a single byte from the client is read
 * and becomes the monitor (listener/split.c).  It then only answers that
 * process's requests (requests.c's table) until it exits.  The monitor
 * never reads the client's bytes: it holds the host private keys, decides
 * logins (checking the signed data of each itself), and starts the user's
 * processes.
 */
#ifndef FBD_MONITOR_H
#define FBD_MONITOR_H

#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include <libssh/libssh.h>

#include "authz.h"
#include "endpoints.h"
#include "monitor_proto.h"
#include "permitopen.h"
#include "server.h"
#include "sign_policy.h"

/* A forwarding child resolves and connects for this long at most (its
 * alarm); the monitor waits FWD_CHILD_SECONDS + 2 for its answer. */
#define FWD_CHILD_SECONDS 15

/* A forwarding child in flight (forward_flight.c): the user's forked
 * child resolving and connecting for a MON_FORWARD; its answer comes on
 * sock, by deadline_ms at the latest. */
struct mon_fwd {
    uint32_t id;            /* the network process's request id */
    pid_t pid;              /* the child; 0 once reaped */
    int sock;               /* our end of its socketpair */
    long long deadline_ms;
    int port;
    char host[PERMITOPEN_HOST_MAX + 1];
};

/* A process the monitor started for a session. */
struct mon_session {
    uint32_t id;
    pid_t pid;
    int forced;             /* a command= key: no signals from the client */
};

struct monitor {
    struct server *srv;
    int sock;                       /* to the network process */
    pid_t net_pid;
    int startup_fd;                 /* to the listener: progress bytes
                                       (conn_progress.h); closed once
                                       authenticated */
    int progress;                   /* the stage told the listener */
    int client_version_told;        /* MON_CLIENT_VERSION came (once) */
    char client_version[MON_MAX_CLIENT_VERSION + 1];   /* the client's version
                                       line if printable ASCII, else "" */
    char peer[INET6_ADDRSTRLEN];
    int peer_port;
    char local[INET6_ADDRSTRLEN];
    int local_port;
    long long started_ms;

    /* authentication (auth_decide.c) */
    int authenticated;
    int auth_failures;
    int nones;                      /* "none" requests so far */
    int attempts;                   /* login attempts (all but a first "none") */
    int net_crashed;                /* the network process died by a signal */
    int too_many;
    char user[64];                  /* user name of the last request */
    char logged_user[64];           /* whose refusal reason was logged */
    struct authz authz;             /* the authenticated user and key */
    char key_desc[160];
    gid_t tty_gid;
    unsigned char session_id[64];   /* the first exchange hash signed */
    size_t session_id_len;
    const struct hostkey *session_hostkey;  /* the host key it was signed with */
    struct sign_budget sign;        /* exchange hashes signed so far */
    ssh_session verifier;           /* only for libssh's signature checks */

    /* sessions (session_spawn.c) */
    struct mon_session sessions[MON_MAX_SESSIONS];
    size_t nsessions;
    uint32_t next_id;
    int child_pipe[2];              /* SIGCHLD self-pipe */

    /* forwarding children in flight (forward_flight.c) */
    struct mon_fwd fwds[MON_MAX_FORWARDS];
    size_t nfwds;
    unsigned long log_lines;        /* lines forwarded by the network process */
};

/* Be the monitor of the network process NET_PID (our child), answering it
 * on SOCK until it exits; returns the exit code for the monitor process:
 * how the connection ended (enum conn_end, conn_end.h).
 * The connection's progress goes to the listener on startup_fd, one byte
 * per stage (conn_progress.h); it is closed once the user authenticated,
 * which tells the listener this connection no longer counts as
 * unauthenticated. */
int monitor_serve(struct server *srv, int sock, pid_t net_pid, int startup_fd,
                  const struct endpoints *e);

/* requests.c: SENT is mon_send()'s result for what the monitor told the
 * network process unasked (WHAT, for the log: "that a session ended"); a
 * network process that does not take it (send timeout) or is gone is
 * ended, as for a reply. */
void monitor_told(struct monitor *m, int sent, const char *what);

/* auth_decide.c: the authentication requests. */
int monauth_query(struct monitor *m, const struct mon_msg *msg);
int monauth_signed(struct monitor *m, const struct mon_msg *msg);
int monauth_other(struct monitor *m, const struct mon_msg *msg);

/* session_spawn.c: start a session's process; signal it; its exit. */
int monspawn_spawn(struct monitor *m, const struct mon_msg *msg);
int monspawn_signal(struct monitor *m, const struct mon_msg *msg);
void monspawn_reaped(struct monitor *m, pid_t pid, int status);
/* The connection is over: the sessions still running have lost their
 * terminal and their client, so their logins are over; their logout is
 * recorded now (a program that ignores the hangup lives on unrecorded). */
void monspawn_connection_ended(struct monitor *m);

/* forward_connect.c: a direct-tcpip target, connected as the user: the
 * policy, then a forked child, tracked until it answers (below).  -1
 * ends the connection (a malformed or duplicate request). */
int monfwd_connect(struct monitor *m, const struct mon_msg *msg);

/* forward_flight.c: the forwarding children in flight.
 * Track a child just forked (the table has room: monfwd_full()). */
void monfwd_track(struct monitor *m, uint32_t id, pid_t pid, int sock, const char *host,
                  int port);
/* Is the table full?  Is ID in flight already? */
int monfwd_full(const struct monitor *m);
int monfwd_in_flight(const struct monitor *m, uint32_t id);
/* Their sockets, from p[n] on; the new count. */
size_t monfwd_pollfds(const struct monitor *m, struct pollfd *p, size_t n);
/* Milliseconds to the nearest deadline, or -1 for none. */
int monfwd_timeout(const struct monitor *m, long long now);
/* Relay the answers that came (P as filled by monfwd_pollfds, NPOLLED
 * entries), refuse those past their deadline; their children are killed
 * and reaped. */
void monfwd_service(struct monitor *m, const struct pollfd *p, size_t npolled, long long now);
/* A child reaped by the SIGCHLD loop: 1 if it was a forwarding child. */
int monfwd_reaped(struct monitor *m, pid_t pid);
/* The connection is over: every child in flight is killed and reaped. */
void monfwd_connection_ended(struct monitor *m);

#endif
