/* forward.h - a "direct-tcpip" channel (RFC 4254 section 7.2): ssh -L,
 * -W and ProxyJump, in the network process.
 *
 * channel_direct.c opens it: the client's request goes to the monitor
 * (MON_FORWARD), which decides and has the user's forked child connect;
 * the connected socket comes back with SCM_RIGHTS, later and unasked:
 * meanwhile the open is pending (struct fwd_open) and the connection's
 * other channels go on.  This process never creates a socket itself (its
 * seccomp filter has no socket()/connect()).
 * channel_direct_io.c moves the bytes both ways and closes the channel
 * without losing any.
 */
#ifndef FBD_FORWARD_H
#define FBD_FORWARD_H

#include <poll.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "bytebuf.h"
#include "conn.h"

struct fwd {
    struct fwd *next;
    struct conn *conn;
    ssh_channel ch;
    struct ssh_channel_callbacks_struct cb;
    int id;
    int fd;                 /* the connected socket, -1 once closed */

    /* client -> target */
    struct bytebuf to_sock; /* channel data not yet written to fd */
    int backlog;            /* libssh holds data we did not take yet */
    int peer_eof;           /* the client sent EOF */
    int wr_shut;            /* shutdown(SHUT_WR) done (after peer_eof) */
    int wr_dead;            /* the target stopped taking data: discard */

    /* target -> client */
    int ready;              /* poll said readable this round */
    struct bytebuf to_chan; /* read, not yet taken by the channel */
    int sock_eof;           /* read() returned 0 or failed */
    int eof_sent;           /* channel EOF sent */

    int peer_closed;        /* the client sent CLOSE */
    int close_sent;
    int done;               /* free it */
};

/* A direct-tcpip open the monitor has not answered yet, or whose answer
 * the connection loop has not acted on yet. */
struct fwd_open {
    struct fwd_open *next;
    ssh_message msg;        /* kept from libssh (SSH_MESSAGE_KEPT): replied
                               to and freed here */
    int id;                 /* the request id of MON_FORWARD, and the
                               channel's number in the log */
    int answered;           /* the answer came: fd, or why */
    int fd;                 /* the connected socket, or -1 */
    char why[512];          /* the monitor's reason for a refusal */
};

/* The message callback of an authenticated connection: opens direct-tcpip
 * channels (returns SSH_MESSAGE_KEPT while the open is pending, 0 when it
 * was refused at once); anything else gets libssh's default refusal
 * (returns 1). */
int fwd_message_cb(ssh_session ssh, ssh_message msg, void *userdata);

/* The monitor's answer M (MON_FORWARDED or MON_FORWARD_FAILED) to a
 * pending open: noted in it (a socket is taken over), acted on by
 * fwd_open_complete().  -1 if no open with its id waits for an answer
 * (M's fds are then still the caller's). */
int fwd_open_answer(struct conn *c, const struct mon_msg *m);

/* Accept or refuse every answered open, and free it (the connection loop,
 * once per round: never from inside a libssh callback). */
void fwd_open_complete(struct conn *c);

/* The connection is over: free every pending open unanswered (their
 * messages, sockets received).  Before the ssh session is freed. */
void fwd_open_free_all(struct conn *c);

/* Free a finished forwarded channel. */
void fwd_free(struct fwd *f);

/* channel_direct_io.c */

/* Add f's socket to the poll set (owners[i] = f); returns the new count. */
size_t fwdio_pollfds(struct fwd *f, struct pollfd *p, struct fwd **owners, size_t n);

/* Note the poll result for f's entry. */
void fwdio_note(struct fwd *f, const struct pollfd *p);

/* Move bytes both ways; EOF and CLOSE when each side is done. */
void fwdio_pump(struct fwd *f);

/* Client data for the target; returns bytes taken (the rest stays in
 * libssh and is pulled back later). */
size_t fwdio_channel_data(struct fwd *f, const void *data, size_t len);

#endif
