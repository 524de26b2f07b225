/* handshake.c - the key exchange, without the delayed-ACK stall
 * (handshake.h).
 *
 * Why the stall: the OpenSSH client leaves Nagle's algorithm on until it
 * is logged in, and our kernel delays ACKs for a connection it thinks is
 * interactive (data sent soon after data received).  On loopback, with
 * the stock client (times from a server-side strace, issue 14):
 *
 *   #  | client                        | server (libssh)           | wire
 *   ---+-------------------------------+---------------------------+-----------------
 *   1  | version line                  | version line (at accept)  | both ways
 *   2  | KEXINIT (after our version)   | KEXINIT (after theirs)    | both ways
 *   3  | reads our KEXINIT; writes     | reads their KEXINIT; has  | ECDH_INIT waits:
 *      |   KEX_ECDH_INIT: held by      |   nothing to send, so its |   Nagle holds it
 *      |   Nagle while its KEXINIT is  |   kernel delays the ACK   |   until that ACK,
 *      |   unacknowledged              |   (40 ms delayed-ACK min) |   ~40 ms later
 *   4  | NEWKEYS, SERVICE_REQUEST...   | ECDH_REPLY + NEWKEYS ...  | each answered
 *
 * Every login paid ~40 ms for it: measured 2026-12-03 on a 2-core machine,
 * loopback, `ssh user@127.0.0.1 true`, median of 60, before -> after:
 * 65.0 -> 23.5 ms (OpenSSH 9.2, curve25519), 65.9 -> 25.1 ms (OpenSSH 10,
 * mlkem768x25519).
 *
 * The fix, on our side only: TCP_QUICKACK.  Setting it sends a pending
 * ACK at once and leaves the kernel's "interactive" (pingpong) mode, so
 * the next segment is acknowledged when it arrives or at the latest when
 * we read it.  The kernel re-enters that mode by itself whenever we send
 * soon after receiving, so it is set again every time the socket wakes
 * us, until the user is authenticated (conn_loop.c also sets it after
 * each round of the authentication loop).  After that each request of the
 * client is answered (the ACK rides on the answer), OpenSSH turns Nagle
 * off itself for interactive sessions, and bulk data is acknowledged every
 * second segment anyway.
 *
 * Reordering our writes instead (holding our KEXINIT back until theirs
 * arrived, so that the ACK rides on it) would need libssh's internals, and
 * would deadlock with a client that waits for our KEXINIT first (RFC 4253
 * lets either side go first).
 *
 * The key exchange runs non-blocking so that we see each wake-up: the
 * only extra syscall is setsockopt(IPPROTO_TCP, TCP_QUICKACK) on the
 * client socket, which the sandbox allows for that option alone
 * (sandbox.c).  The same loop notices the client's version line and the
 * end of the exchange, and tells the monitor (conn_progress.h); the
 * version line itself goes to the monitor too (MON_CLIENT_VERSION), for
 * internal-sftp, which reads SYMLINK in the order that client sends it.
 */
#include "handshake.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <libssh/server.h>

#include "clock.h"
#include "conn_progress.h"

void handshake_quickack(int fd)
{
    int on = 1;

    /* Best effort: on a socket that is not TCP it fails, and nothing is lost. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
}

/* Tell the monitor STAGE once (conn_progress.h). */
static void tell_progress(struct conn *c, enum conn_progress stage)
{
    if (c->progress < (int)stage) {
        c->progress = (int)stage;
        mon_send(c->mon, NULL, 0, MON_PROGRESS, (uint32_t)stage);
    }
}

/* Once the client's version line has come: its text (at most
 * MON_MAX_CLIENT_VERSION bytes), then the stage, to the monitor. */
static void tell_version(struct conn *c)
{
    const char *line = ssh_get_clientbanner(c->ssh);

    if (line == NULL || c->progress >= (int)PROGRESS_VERSION) {
        return;
    }
    mon_send(c->mon, NULL, 0, MON_CLIENT_VERSION, line, strnlen(line, MON_MAX_CLIENT_VERSION));
    tell_progress(c, PROGRESS_VERSION);
}

/* Wait until the client socket is readable (or writable, when libssh has
 * output queued), at most until DEADLINE (ms; 0 = none).  0, or -1 when
 * the time is up or poll fails. */
static int wait_socket(struct conn *c, long long deadline)
{
    short ev = POLLIN | ((ssh_get_poll_flags(c->ssh) & SSH_WRITE_PENDING) ? POLLOUT : 0);
    struct pollfd p = { .fd = ssh_get_fd(c->ssh), .events = ev };
    long long left = deadline > 0 ? deadline - clock_now_ms() : -1;

    if (deadline > 0 && left <= 0) {
        return -1;
    }
    if (poll(&p, 1, left < 0 ? -1 : left > 60000 ? 60000 : (int)left) < 0 && errno != EINTR) {
        return -1;
    }
    return 0;
}

int handshake_run(struct conn *c, long long deadline)
{
    int rc;

    ssh_set_blocking(c->ssh, 0);
    while ((rc = ssh_handle_key_exchange(c->ssh)) == SSH_AGAIN) {
        tell_version(c);
        if (wait_socket(c, deadline) < 0) {
            rc = SSH_ERROR;
            break;
        }
        handshake_quickack(c->fd);
    }
    ssh_set_blocking(c->ssh, 1);
    if (rc == SSH_OK) {
        tell_version(c);
        tell_progress(c, PROGRESS_KEYED);
    }
    return rc == SSH_OK ? 0 : -1;
}
