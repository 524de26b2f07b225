/* forward.h - a "direct-tcpip" channel (RFC 4254 section 7.2): ssh -L,
 * -W and ProxyJump, in the network process.
 *
 * channel_direct.c opens it: the client's request goes to the monitor
 * (MON_FORWARD), which decides and has the user's forked child connect;
 * the connected socket comes back with SCM_RIGHTS.  This process never
 * creates a socket itself (its seccomp filter has no socket()/connect()).
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

/* The message callback of an authenticated connection: opens direct-tcpip
 * channels; anything else gets libssh's default refusal (returns 1). */
int fwd_message_cb(ssh_session ssh, ssh_message msg, void *userdata);

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
