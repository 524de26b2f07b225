/* conn.h - one client connection: the network process's view.
 *
 * The process the listener forked for a connection splits in two
 * (listener/split.c): it becomes the monitor, and a child - the network
 * process, conn_network() - speaks SSH with the client, confined
 * (sandbox.h), asking the monitor for everything privileged
 * (monitor_client.h).
 */
#ifndef FBD_CONN_H
#define FBD_CONN_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/types.h>

#include <libssh/libssh.h>

#include "endpoints.h"
#include "monitor_proto.h"
#include "server.h"

#define CONN_MAX_EXITS MON_MAX_SESSIONS

struct sess;
struct fwd;
struct fwd_open;

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
    uid_t sandbox_uid;              /* ours alone among live connections */
    unsigned char *monbuf;          /* MON_MAX_MSG bytes for replies */
    char peer[INET6_ADDRSTRLEN];
    int peer_port;
    char local[INET6_ADDRSTRLEN];
    int local_port;

    /* authentication (auth_relay.c; decided by the monitor) */
    int progress;                   /* conn_progress.h stage told the monitor */
    int authenticated;
    int too_many_failures;          /* the monitor says MaxAuthTries: disconnect */
    char user[64];                  /* last user name a client asked for */
    char user_name[64];             /* the authenticated user */
    uint32_t key_flags;             /* MON_FLAG_* of the accepted key */

    /* sessions (session_req.c, session_io.c) */
    struct sess *sessions;
    size_t nsessions;
    struct conn_exit exits[CONN_MAX_EXITS];
    size_t nexits;
    /* forwarded channels (channel_direct.c, channel_direct_io.c) */
    struct fwd *forwards;
    size_t nforwards;               /* counted in MaxSessions too */
    struct fwd_open *opens;         /* direct-tcpip opens pending: the
                                       monitor has not answered yet */
    size_t nopens;                  /* counted in both limits */
    int fatal;                      /* the SSH connection failed: leave */
    int alive_missed;               /* keepalives sent without an answer */
};

/* The channels MaxSessions counts, as in sshd: sessions, forwarded
 * channels, and forwarding opens pending (they become channels). */
static inline size_t conn_channels(const struct conn *c)
{
    return c->nsessions + c->nforwards + c->nopens;
}

/* The network process for the client on FD, asking the monitor (pid
 * MONITOR, its parent) on the socket MON: wipes the host key texts,
 * confines itself (as SANDBOX_UID) and serves the connection to its end.
 * Never returns. */
void conn_network(struct server *srv, int fd, int mon, pid_t monitor,
                  const struct endpoints *e, uid_t sandbox_uid) __attribute__((noreturn));

#endif
