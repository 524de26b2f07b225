/* channel_direct_io.c - move a forwarded channel's bytes, and end it
 * without losing any (forward.h).
 *
 * The rules of session_io.c, for one socket: read from the target only
 * while the client's window has room, and never more than the window;
 * what ssh_channel_write() does not take (during a rekey: nothing) waits
 * in to_chan and the socket is not polled for reading until it is sent.
 * Client data waits in to_sock up to TO_SOCK_CAP; beyond that libssh keeps
 * it (the client's window stops growing) and it is pulled back as to_sock
 * drains.  Nothing runs inside a libssh fd callback.
 *
 *   event                                  | action
 *   ---------------------------------------+--------------------------------------
 *   target: read() = 0 or an error         | send what is buffered, then channel EOF
 *   client: EOF                            | write what is buffered, then
 *                                          |   shutdown(SHUT_WR) (half-close, as sshd)
 *   target stops taking data (EPIPE, ...)  | discard further client data
 *   both directions ended                  | channel CLOSE, close the socket
 *   client: CLOSE (any time)               | close the socket, CLOSE back; done
 */
#include "forward.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TO_SOCK_CAP (1 << 20)
#define READ_CHUNK 65536
#define READS_PER_ROUND 8

size_t fwdio_channel_data(struct fwd *f, const void *data, size_t len)
{
    size_t room;
    size_t take;

    if (f->wr_dead || f->fd < 0) {
        return len;     /* nobody to write to: discard, as sshd */
    }
    room = f->to_sock.len < TO_SOCK_CAP ? TO_SOCK_CAP - f->to_sock.len : 0;
    take = len < room ? len : room;
    if (take > 0 && bytebuf_append(&f->to_sock, data, take) < 0) {
        take = 0;
    }
    if (take < len) {
        f->backlog = 1;
    }
    return take;
}

/* Hand bytes to the channel; keep what it did not take.  -1 if the
 * connection failed. */
static int chan_write(struct fwd *f, const unsigned char *p, size_t n)
{
    int w = ssh_channel_write(f->ch, p, (uint32_t)n);

    if (w == SSH_ERROR) {
        f->conn->fatal = 1;
        return -1;
    }
    if ((size_t)w < n && bytebuf_append(&f->to_chan, p + w, n - (size_t)w) < 0) {
        f->conn->fatal = 1;
        return -1;
    }
    return 0;
}

/* Retry what the channel did not take last time. */
static void flush_to_chan(struct fwd *f)
{
    struct bytebuf held = f->to_chan;

    if (held.len == 0) {
        return;
    }
    memset(&f->to_chan, 0, sizeof(f->to_chan));
    chan_write(f, bytebuf_head(&held), held.len);
    bytebuf_free(&held);
}

/* Read one chunk of at most the client's window.  1 to go on. */
static int read_chunk(struct fwd *f)
{
    unsigned char buf[READ_CHUNK];
    uint32_t win = ssh_channel_window_size(f->ch);
    ssize_t n;

    if (win == 0) {
        return 0;
    }
    n = read(f->fd, buf, win < sizeof(buf) ? win : sizeof(buf));
    if (n > 0) {
        return chan_write(f, buf, (size_t)n) == 0 && f->to_chan.len == 0;
    }
    if (n < 0 && errno == EINTR) {
        return 1;
    }
    if (n < 0 && errno == EAGAIN) {
        return 0;
    }
    f->sock_eof = 1;    /* EOF, or the connection failed (reset) */
    return 0;
}

/* Target -> client. */
static void pump_out(struct fwd *f)
{
    flush_to_chan(f);
    if (f->to_chan.len == 0 && f->ready && !f->sock_eof && f->fd >= 0) {
        for (int i = 0; i < READS_PER_ROUND && read_chunk(f); i++) {
        }
    }
    f->ready = 0;
    if (f->sock_eof && f->to_chan.len == 0 && !f->eof_sent && !f->conn->fatal) {
        ssh_channel_send_eof(f->ch);
        f->eof_sent = 1;
    }
}

/* Pull client data libssh held back while to_sock was full (at most one
 * chunk over the cap: bytes out of libssh must not be dropped). */
static void pull_backlog(struct fwd *f)
{
    unsigned char buf[READ_CHUNK];
    int n;

    if (!f->backlog || f->to_sock.len > TO_SOCK_CAP / 2) {
        return;
    }
    f->backlog = 0;
    n = ssh_channel_read_nonblocking(f->ch, buf, sizeof(buf), 0);
    if (n > 0 && (f->wr_dead || f->fd < 0)) {
        f->backlog = 1;     /* discard, and go on */
    } else if (n > 0 && bytebuf_append(&f->to_sock, buf, (size_t)n) < 0) {
        f->conn->fatal = 1;
    } else if (n > 0) {
        f->backlog = 1;     /* there may be more */
    }
}

/* Write buffered client data to the target. */
static void write_sock(struct fwd *f)
{
    while (f->fd >= 0 && !f->wr_dead && f->to_sock.len > 0) {
        ssize_t n = write(f->fd, bytebuf_head(&f->to_sock), f->to_sock.len);

        if (n > 0) {
            bytebuf_consume(&f->to_sock, (size_t)n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            break;
        } else {
            bytebuf_consume(&f->to_sock, f->to_sock.len);   /* EPIPE, reset */
            f->wr_dead = 1;
        }
    }
}

/* Client -> target, then the half-close after the client's EOF. */
static void pump_in(struct fwd *f)
{
    do {
        pull_backlog(f);
        write_sock(f);
    } while (f->backlog && f->to_sock.len == 0 && f->fd >= 0 && !f->wr_dead &&
             !f->conn->fatal);
    if (f->peer_eof && !f->backlog && f->to_sock.len == 0 && !f->wr_shut && f->fd >= 0) {
        shutdown(f->fd, SHUT_WR);
        f->wr_shut = 1;
    }
}

/* Close the socket and the channel; the channel is done. */
static void finish(struct fwd *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
    if (!f->close_sent && !f->conn->fatal) {
        ssh_channel_close(f->ch);
    }
    f->close_sent = 1;
    f->done = 1;
}

void fwdio_pump(struct fwd *f)
{
    if (f->done) {
        return;
    }
    if (f->peer_closed) {
        finish(f);
        return;
    }
    pump_in(f);
    pump_out(f);
    /* Both ways over: everything read was sent (EOF sent), and everything
     * the client sent was written (half-closed) or cannot be. */
    if (f->eof_sent && (f->wr_shut || f->wr_dead)) {
        finish(f);
    }
}

size_t fwdio_pollfds(struct fwd *f, struct pollfd *p, struct fwd **owners, size_t n)
{
    short ev = 0;

    if (f->done || f->fd < 0) {
        return n;
    }
    if (!f->sock_eof && f->to_chan.len == 0 && ssh_channel_window_size(f->ch) > 0) {
        ev |= POLLIN;
    }
    if (f->to_sock.len > 0 && !f->wr_dead) {
        ev |= POLLOUT;
    }
    if (ev == 0) {
        return n;
    }
    owners[n] = f;
    p[n++] = (struct pollfd){ .fd = f->fd, .events = ev };
    return n;
}

void fwdio_note(struct fwd *f, const struct pollfd *p)
{
    if (p->revents & (POLLIN | POLLHUP | POLLERR)) {
        f->ready = 1;
    }
}
