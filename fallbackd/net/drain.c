/* drain.c - when a session may end, and what one output read means
 * (drain.h). */
#include "drain.h"

#include <errno.h>
#include <unistd.h>

enum drain_phase drain_phase(int exited, int draining, int output_open, long long now,
                             long long linger_until)
{
    if (!exited) {
        return DRAIN_PUMP;
    }
    if (!output_open) {
        return DRAIN_FINISH;
    }
    return !draining && now >= linger_until ? DRAIN_START : DRAIN_PUMP;
}

enum drain_read drain_read(int fd, void *buf, size_t cap, int draining, size_t *got)
{
    ssize_t n = read(fd, buf, cap);

    *got = 0;
    if (n > 0) {
        *got = (size_t)n;
        return DRAIN_MORE;
    }
    if (n < 0 && errno == EINTR) {
        return DRAIN_MORE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !draining) {
        return DRAIN_WAIT;
    }
    return DRAIN_EOF;   /* EOF, EIO (pty closed), or drained after linger */
}
