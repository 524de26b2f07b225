/* serve.c - the I/O loop of internal-sftp (sftp_server_run, sftp.h).
 *
 * OpenSSH's client keeps up to 64 requests of up to 256 KiB in flight,
 * so requests are read in large chunks and every complete packet in the
 * buffer is answered before anything is written; replies collect in one
 * buffer (READ data lands there straight from pread) and go out in one
 * write when no complete request is left or FLUSH_AT bytes are queued.
 *
 *   step                                        | then
 *   --------------------------------------------+------------------------
 *   complete packets in the input buffer        | dispatch each, in order
 *   replies queued >= FLUSH_AT                  | write them all
 *   no complete packet left                     | write queued replies,
 *                                               |   read more (blocks)
 *   read: EOF                                   | end, status 0
 *   a packet's length out of bounds, a fatal    | log the reason, end,
 *     protocol error, out of memory, I/O error  |   status 1 or 2
 */
#include "sftp.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proto.h"
#include "sftp_server.h"

#define IN_CAP (2 * (size_t)SFTP_MAX_IN_PACKET)
#define FLUSH_AT ((size_t)1 << 20)

/* Wait until fd is ready for events (a non-blocking fd said EAGAIN). */
static void wait_fd(int fd, short events)
{
    struct pollfd p = { .fd = fd, .events = events };

    poll(&p, 1, -1);
}

/* Write every queued reply.  0, or -1 on an error (logged). */
static int flush_out(struct sftp_server *s, int fd)
{
    size_t done = 0;

    while (done < s->out.len) {
        ssize_t n = write(fd, s->out.data + done, s->out.len - done);

        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            wait_fd(fd, POLLOUT);
        } else if (n < 0 && errno != EINTR) {
            log_error("internal-sftp: write to the client: %s", strerror(errno));
            return -1;
        }
    }
    wire_consume(&s->out, done);
    return 0;
}

/* Answer every complete packet at buf[0..*len) and keep the rest at the
 * front.  0, 1 to end (s->fatal says why), 2 on an output error. */
static int serve_buffer(struct sftp_server *s, unsigned char *buf, size_t *len, int out_fd)
{
    size_t off = 0;
    const char *why = NULL;
    long whole;

    while ((whole = wire_frame(buf + off, *len - off, &why)) > 0) {
        sftp_dispatch(s, buf + off + 4, (size_t)whole - 4);
        off += (size_t)whole;
        if (s->out.err) {
            s->fatal = "out of memory";
        }
        if (s->fatal != NULL) {
            return 1;
        }
        if (s->out.len >= FLUSH_AT && flush_out(s, out_fd) < 0) {
            return 2;
        }
    }
    if (whole < 0) {
        s->fatal = why;
        return 1;
    }
    memmove(buf, buf + off, *len - off);
    *len -= off;
    return 0;
}

/* Read more requests into buf.  1 read something, 0 EOF, -1 error. */
static int read_more(int fd, unsigned char *buf, size_t *len)
{
    for (;;) {
        ssize_t n = read(fd, buf + *len, IN_CAP - *len);

        if (n > 0) {
            *len += (size_t)n;
            return 1;
        }
        if (n == 0) {
            return 0;
        }
        if (errno == EAGAIN) {
            wait_fd(fd, POLLIN);
        } else if (errno != EINTR) {
            log_error("internal-sftp: read from the client: %s", strerror(errno));
            return -1;
        }
    }
}

/* The loop; returns sftp_server_run's status. */
static int serve(struct sftp_server *s, int in_fd, int out_fd, unsigned char *buf)
{
    size_t len = 0;

    for (;;) {
        int rc = serve_buffer(s, buf, &len, out_fd);

        if (rc != 0) {
            flush_out(s, out_fd);
            return rc;
        }
        if (flush_out(s, out_fd) < 0) {
            return 2;
        }
        rc = read_more(in_fd, buf, &len);
        if (rc <= 0) {
            return rc == 0 ? 0 : 2;
        }
    }
}

/* Start directory and umask, as the options say. */
static void setup_process(const struct sftp_options *o)
{
    const char *dir = o->start_dir[0] != '\0' ? o->start_dir : o->home;

    if (o->umask >= 0) {
        umask((mode_t)o->umask);
    }
    if (dir != NULL && dir[0] != '\0' && chdir(dir) < 0) {
        log_error("internal-sftp: chdir to \"%s\" failed: %s", dir, strerror(errno));
    }
}

int sftp_server_run(int in_fd, int out_fd, const struct sftp_options *o)
{
    struct sftp_server *s = malloc(sizeof(*s));
    unsigned char *buf = malloc(IN_CAP);
    const char *user = o->user ? o->user : "?";
    const char *client = o->client ? o->client : "?";
    int rc = 2;

    setup_process(o);
    log_info("session opened for local user %s from [%s]", user, client);
    if (s != NULL && buf != NULL) {
        sftp_server_init(s, o);
        rc = serve(s, in_fd, out_fd, buf);
        if (rc == 1) {
            log_error("internal-sftp: closing the session of %s: %s", user, s->fatal);
        }
        sftp_server_free(s);
    } else {
        log_error("internal-sftp: out of memory");
    }
    log_info("session closed for local user %s from [%s]", user, client);
    free(s);
    free(buf);
    return rc;
}
