/* session.h - a "session" channel: one shell, command or subsystem.
 *
 * session_req.c takes the channel requests (RFC 4254 section 6) and starts the
 * process; session_io.c moves the bytes and closes the channel without
 * losing output.
 */
#ifndef FBD_SESSION_H
#define FBD_SESSION_H

#include <poll.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <sys/types.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "bytebuf.h"
#include "conn.h"
#include "userenv.h"

/* One direction of output, from the process to the client. */
struct stream {
    int fd;                 /* -1 once at EOF (or never opened) */
    int is_stderr;          /* extended data (stderr) rather than data */
    int ready;              /* poll said readable this round */
    struct bytebuf pending; /* read, but not yet taken by the channel */
};

struct sess {
    struct sess *next;
    struct conn *conn;
    ssh_channel ch;
    struct ssh_channel_callbacks_struct cb;
    int id;

    /* requests that come before the process */
    int want_pty;
    char term[64];
    struct winsize ws;
    struct userenv env;     /* accepted "env" requests */
    size_t nenv;

    /* the process */
    int started;
    uint32_t mon_id;        /* the monitor's id for the process */
    int exited;
    int status;             /* from waitpid */
    int ptm;                /* pty master, or -1 */
    struct stream out;
    struct stream err;
    int in_fd;              /* the process's stdin, -1 once closed */
    struct bytebuf in;      /* client data not yet written to in_fd */
    int in_backlog;         /* libssh holds data we did not take yet */
    int peer_eof;           /* the client sent EOF */
    long long linger_until; /* ms; after exit, how long to wait for EOF */
    int draining;           /* linger over: take what is buffered, then EOF */

    /* channel state */
    int exit_sent;          /* exit-status / exit-signal, EOF, CLOSE sent */
    int peer_closed;        /* the client sent CLOSE */
    int done;               /* nothing more to do: free it */
};

/* libssh's callback for "open a session channel". */
ssh_channel sess_open_cb(ssh_session session, void *userdata);

/* Free a finished session and its channel. */
void sess_free(struct sess *s);

/* session_io.c */

/* Add this session's fds to the poll set; owners[i] records the session
 * for each entry added.  Returns the new count. */
size_t sessio_pollfds(struct sess *s, struct pollfd *p, struct sess **owners, size_t n);

/* Note the poll results for this session's entries. */
void sessio_note(struct sess *s, const struct pollfd *p);

/* Move bytes both ways and advance the close sequence. */
void sessio_pump(struct sess *s, long long now);

/* Record a process's exit status (MON_EXITED); returns 1 if it belonged
 * to a session. */
int sessio_child_exited(struct conn *c, uint32_t mon_id, int status, long long now);

/* Milliseconds until this session needs attention without any fd event
 * (linger), or -1 for none. */
long long sessio_timeout(const struct sess *s, long long now);

/* Close every fd this session holds to its process (idempotent). */
void sessio_close_fds(struct sess *s);

/* Append client data for the process's stdin; returns bytes taken. */
size_t sessio_stdin_data(struct sess *s, const void *data, size_t len);

#endif
