/* session_io.c - move a session's bytes, and end it without losing any.
 *
 * Output (process -> client) is read only while the client's window has
 * room, and never more than the window, so ssh_channel_write() normally
 * takes it all; what it does not take (during a rekey it takes nothing) is
 * kept in the stream's pending buffer and the fd is not polled until the
 * buffer is empty.  Input (client -> process) is written to the process at
 * once when nothing is buffered ahead of it, else buffered up to IN_CAP;
 * beyond that libssh keeps the data and stops growing the client's window,
 * and we pull it back (ssh_channel_read_nonblocking) as the buffer drains.
 * Nothing here is called from inside an fd callback of libssh's, so no
 * write can re-enter a read.
 *
 * Ending a session (the exit "drain" rule):
 *
 *   state                                       | action
 *   --------------------------------------------+-----------------------------------
 *   process running                             | pump both ways
 *   process exited, stdout/stderr still open    | keep reading until EOF (pipe) or
 *                                               |   EIO (pty): no byte is lost
 *   ... and SessionLinger has passed            | a background job holds the fds:
 *                                               |   read what is buffered now, then
 *                                               |   treat as EOF (no hang)
 *   process exited, outputs at EOF, sent all    | exit-status (or exit-signal), EOF,
 *                                               |   CLOSE, in that order
 *   client sent CLOSE (any time)                | close our fds (a pty hangs up),
 *                                               |   CLOSE back if not yet sent; done
 *
 * The decisions are drain.h's (unit-tested there with pipes and ptys).
 * `ssh host 'sleep 30 & echo hello'` therefore prints hello and returns
 * after SessionLinger, and `ssh host cat bigfile` delivers the last byte.
 */
#include "session.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libssh/server.h>

#include "drain.h"
#include "log.h"
#include "signames.h"

#define IN_CAP (1 << 20)        /* client data buffered for the process */
#define READ_CHUNK 65536
#define READS_PER_ROUND 8

/* Is a pty the process's stdio (one fd for both directions)? */
static int is_pty(const struct sess *s)
{
    return s->ptm >= 0;
}

/* A stream reached its end: stop reading it.  The pty master is shared
 * with stdin and closed only in sessio_close_fds(). */
static void stream_eof(struct sess *s, struct stream *st)
{
    if (st->fd >= 0 && st->fd != s->ptm) {
        close(st->fd);
    }
    st->fd = -1;
    st->ready = 0;
}

void sessio_close_fds(struct sess *s)
{
    stream_eof(s, &s->out);
    stream_eof(s, &s->err);
    if (s->in_fd >= 0 && s->in_fd != s->ptm) {
        close(s->in_fd);
    }
    s->in_fd = -1;
    if (s->ptm >= 0) {
        close(s->ptm);      /* the session's processes get SIGHUP */
        s->ptm = -1;
    }
}

/* Write client data to the process's stdin, as much as the pipe (or pty)
 * takes now.  Returns the bytes written; when the reader is gone (EPIPE or
 * another error) stdin is closed and everything counts as written: later
 * data is discarded, as sshd does. */
static size_t write_stdin(struct sess *s, const unsigned char *p, size_t n)
{
    size_t done = 0;

    while (s->in_fd >= 0 && done < n) {
        ssize_t w = write(s->in_fd, p + done, n - done);

        if (w > 0) {
            done += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            return done;
        } else {
            if (!is_pty(s)) {
                close(s->in_fd);
            }
            s->in_fd = -1;
            return n;
        }
    }
    return n;
}

/* Client data from libssh's data callback.  When nothing is buffered
 * ahead of it, it goes straight to the process (one copy less on a bulk
 * upload); what the process does not take now is buffered up to IN_CAP,
 * and the rest left to libssh (pull_backlog takes it back). */
size_t sessio_stdin_data(struct sess *s, const void *data, size_t len)
{
    size_t direct = 0;
    size_t room;
    size_t take;

    if (s->started && s->in_fd < 0) {
        return len;     /* the process closed its stdin: discard, as sshd */
    }
    if (s->started && s->in.len == 0) {
        direct = write_stdin(s, data, len);
        if (direct == len) {
            return len;
        }
    }
    room = s->in.len < IN_CAP ? IN_CAP - s->in.len : 0;
    take = len - direct < room ? len - direct : room;
    if (take > 0 && bytebuf_append(&s->in, (const unsigned char *)data + direct, take) < 0) {
        take = 0;
    }
    if (direct + take < len) {
        s->in_backlog = 1;
    }
    return direct + take;
}

/* Hand bytes to the channel; keep what it did not take.  -1 if the
 * connection failed. */
static int chan_write(struct sess *s, struct stream *st, const unsigned char *p, size_t n)
{
    int w = st->is_stderr ? ssh_channel_write_stderr(s->ch, p, (uint32_t)n)
                          : ssh_channel_write(s->ch, p, (uint32_t)n);

    if (w == SSH_ERROR) {
        s->conn->fatal = 1;
        return -1;
    }
    if ((size_t)w < n && bytebuf_append(&st->pending, p + w, n - (size_t)w) < 0) {
        s->conn->fatal = 1;
        return -1;
    }
    return 0;
}

/* Retry what the channel did not take last time. */
static void flush_pending(struct sess *s, struct stream *st)
{
    struct bytebuf held = st->pending;

    if (held.len == 0) {
        return;
    }
    memset(&st->pending, 0, sizeof(st->pending));
    chan_write(s, st, bytebuf_head(&held), held.len);
    bytebuf_free(&held);
}

/* Read one chunk, at most the client's window (drain.h).  Returns 1 to go
 * on reading, 0 to stop for this round. */
static int read_chunk(struct sess *s, struct stream *st)
{
    unsigned char buf[READ_CHUNK];
    uint32_t win = ssh_channel_window_size(s->ch);
    size_t n = 0;

    if (win == 0) {
        return 0;
    }
    switch (drain_read(st->fd, buf, win < sizeof(buf) ? win : sizeof(buf), s->draining, &n)) {
    case DRAIN_MORE:
        return n == 0 || (chan_write(s, st, buf, n) == 0 && st->pending.len == 0);
    case DRAIN_WAIT:
        return 0;
    default:
        stream_eof(s, st);
        return 0;
    }
}

/* Output: pending bytes first, then fresh reads while the window allows. */
static void pump_out(struct sess *s, struct stream *st)
{
    flush_pending(s, st);
    if (st->pending.len > 0 || st->fd < 0 || (!st->ready && !s->draining)) {
        return;
    }
    for (int i = 0; i < READS_PER_ROUND && st->fd >= 0; i++) {
        if (!read_chunk(s, st)) {
            break;
        }
    }
    st->ready = 0;
}

/* Pull client data libssh held back while our buffer was full.  The
 * bytes read are appended whatever the cap (libssh may have delivered
 * more through the data callback meanwhile): they are out of libssh's
 * buffer, and dropping them would lose input.  The overshoot is at most
 * one READ_CHUNK. */
static void pull_backlog(struct sess *s)
{
    unsigned char buf[READ_CHUNK];
    int n;

    if (!s->in_backlog || s->in.len > IN_CAP / 2) {
        return;
    }
    s->in_backlog = 0;
    n = ssh_channel_read_nonblocking(s->ch, buf, sizeof(buf), 0);
    if (n > 0 && s->started && s->in_fd < 0) {
        s->in_backlog = 1;      /* stdin closed: discard, as sshd, and go on */
    } else if (n > 0 && bytebuf_append(&s->in, buf, (size_t)n) < 0) {
        s->conn->fatal = 1;
    } else if (n > 0) {
        s->in_backlog = 1;      /* there may be more */
    }
}

/* Input: write buffered client data; close stdin after the client's EOF
 * (not on a pty, whose master is also the output). */
static void pump_in(struct sess *s)
{
    if (s->in_fd >= 0 && s->in.len > 0) {
        bytebuf_consume(&s->in, write_stdin(s, bytebuf_head(&s->in), s->in.len));
    }
    if (s->in_fd >= 0 && s->in.len == 0 && s->peer_eof && !s->in_backlog && !is_pty(s)) {
        close(s->in_fd);
        s->in_fd = -1;
    }
}

/* sshd's names for exit-signal; others are "SIG@openssh.com". */
static const char *signal_name(int sig)
{
    const char *name = signames_name(sig);

    return name != NULL ? name : "SIG@openssh.com";
}

/* Everything read and sent: exit-status/exit-signal, EOF, CLOSE. */
static void finish(struct sess *s)
{
    if (WIFSIGNALED(s->status)) {
        ssh_channel_request_send_exit_signal(s->ch, signal_name(WTERMSIG(s->status)),
                                             WCOREDUMP(s->status) ? 1 : 0, "", "");
    } else {
        ssh_channel_request_send_exit_status(s->ch, WEXITSTATUS(s->status));
    }
    ssh_channel_send_eof(s->ch);
    ssh_channel_close(s->ch);
    s->exit_sent = 1;
    sessio_close_fds(s);
}

/* Is output still open or waiting to be sent? */
static int output_open(const struct sess *s)
{
    return s->out.fd >= 0 || s->err.fd >= 0 || s->out.pending.len > 0 ||
           s->err.pending.len > 0;
}

/* The client closed the channel: hang up on the process, close back. */
static void peer_closed(struct sess *s)
{
    sessio_close_fds(s);
    if (!s->exit_sent) {
        ssh_channel_close(s->ch);
        s->exit_sent = 1;
    }
    s->done = 1;
}

void sessio_pump(struct sess *s, long long now)
{
    if (s->done) {
        return;
    }
    if (s->peer_closed) {
        peer_closed(s);
        return;
    }
    if (!s->started || s->exit_sent) {
        return;
    }
    /* Pull what libssh held back and write it, until the process stops
     * taking it (stdin is then polled) or libssh has no more: nothing else
     * would wake this session while libssh holds input and the client's
     * window stays shut.  Pulling first lets pump_in see the end of input. */
    do {
        pull_backlog(s);
        pump_in(s);
    } while (s->in_backlog && s->in.len == 0 && s->in_fd >= 0 && !s->conn->fatal);
    if (drain_phase(s->exited, s->draining, output_open(s), now,
                    s->linger_until) == DRAIN_START) {
        s->draining = 1;
        log_debug("session %d: process exited %d ms ago, output still open: draining",
                  s->id, s->conn->srv->cfg.session_linger * 1000);
    }
    pump_out(s, &s->out);
    pump_out(s, &s->err);
    if (drain_phase(s->exited, s->draining, output_open(s), now,
                    s->linger_until) == DRAIN_FINISH && !s->conn->fatal) {
        finish(s);
    }
}

size_t sessio_pollfds(struct sess *s, struct pollfd *p, struct sess **owners, size_t n)
{
    int win = s->started && !s->exit_sent && ssh_channel_window_size(s->ch) > 0;
    struct stream *st[2] = { &s->out, &s->err };

    for (int i = 0; i < 2; i++) {
        if (win && st[i]->fd >= 0 && st[i]->pending.len == 0) {
            owners[n] = s;
            p[n++] = (struct pollfd){ .fd = st[i]->fd, .events = POLLIN };
        }
    }
    if (s->in_fd >= 0 && s->in.len > 0) {
        owners[n] = s;
        p[n++] = (struct pollfd){ .fd = s->in_fd, .events = POLLOUT };
    }
    return n;
}

void sessio_note(struct sess *s, const struct pollfd *p)
{
    if (p->revents == 0 || (p->events & POLLOUT)) {
        return;     /* stdin: pump_in() writes whenever data waits */
    }
    if (p->fd == s->out.fd) {
        s->out.ready = 1;
    } else if (p->fd == s->err.fd) {
        s->err.ready = 1;
    }
}

int sessio_child_exited(struct conn *c, uint32_t mon_id, int status, long long now)
{
    for (struct sess *s = c->sessions; s != NULL; s = s->next) {
        if (s->started && s->mon_id == mon_id && !s->exited) {
            s->exited = 1;
            s->status = status;
            s->linger_until = now + (long long)c->srv->cfg.session_linger * 1000;
            return 1;
        }
    }
    return 0;
}

long long sessio_timeout(const struct sess *s, long long now)
{
    if (s->done || !s->exited || s->draining || s->exit_sent || !output_open(s)) {
        return -1;
    }
    return s->linger_until > now ? s->linger_until - now : 0;
}
