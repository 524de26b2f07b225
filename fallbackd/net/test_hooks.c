/* test_hooks.c - misbehaviour on purpose, test build only (test_hooks.h). */
#include "test_hooks.h"

#ifdef FBD_TEST_HOOKS

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conn_progress.h"
#include "log.h"
#include "monitor_client.h"

/* kill(PID, SIGKILL) from this network process; the result is logged
 * (through the monitor) for the test to read. */
static void kill_other(const char *pid_text)
{
    long pid = strtol(pid_text, NULL, 10);
    int rc = pid > 1 ? kill((pid_t)pid, SIGKILL) : -1;

    log_info("test hook: kill(%ld, SIGKILL) = %d (%s)", pid, rc, rc == 0 ? "done" :
             strerror(errno));
}

/* A signed request for USER with the offered key, whose signed data and
 * signature are made up: a compromised network process claiming a login.
 * The monitor must refuse it (and logs its verdict either way). */
static void forge_signed_login(struct conn *c, const char *user, const unsigned char *blob,
                               size_t bloblen)
{
    static const unsigned char junk[64] = { 1, 2, 3 };
    struct mon_msg r;

    if (mon_send(c->mon, NULL, 0, MON_AUTH_SIGNED, user, strlen(user), blob, bloblen,
                 junk, sizeof(junk), junk, sizeof(junk)) == 0) {
        monclient_reply(c, MON_AUTH_RESULT, &r);
    }
}

/* Ask the monitor without ever reading an answer, until sending blocks
 * (the monitor's replies fill the socket), then wait there for ever. */
static void stall_monitor(struct conn *c)
{
    for (;;) {
        mon_send(c->mon, NULL, 0, MON_AUTH_OTHER, "x", (size_t)1, "none", (size_t)4);
    }
}

/* Log lines (below any LogLevel) to the monitor as fast as it takes them,
 * for ever. */
static void flood_monitor(struct conn *c)
{
    for (;;) {
        mon_send(c->mon, NULL, 0, MON_LOG, (uint32_t)LL_DEBUG3, "flood", (size_t)5);
    }
}

/* setsockopt beside the one the filter allows (TCP_QUICKACK on the client
 * socket, handshake.c): another option, or the same on another fd.  The
 * filter must kill us before the log line. */
static void setsockopt_beside(struct conn *c, const char *which)
{
    int on = 1;
    int rc = strcmp(which, "nodelay") == 0 ?
             setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) :
             setsockopt(c->mon, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));

    log_info("test hook: setsockopt %s was allowed (%d)", which, rc);
}

/* A client version line once more (it was told in the key exchange):
 * "again" a plausible one, "long" one beyond MON_MAX_CLIENT_VERSION. */
static void version_again(struct conn *c, const char *how)
{
    static const char again[] = "SSH-2.0-AsyncSSH_2.10.1";
    char big[MON_MAX_CLIENT_VERSION + 2];

    memset(big, 'A', sizeof(big));
    if (strcmp(how, "long") == 0) {
        mon_send(c->mon, NULL, 0, MON_CLIENT_VERSION, big, sizeof(big));
    } else {
        mon_send(c->mon, NULL, 0, MON_CLIENT_VERSION, again, strlen(again));
    }
}

void test_hook_auth_user(struct conn *c, const char *user, const unsigned char *blob,
                         size_t bloblen)
{
    if (strncmp(user, "fbd-test-forge:", 15) == 0) {
        forge_signed_login(c, user + 15, blob, bloblen);
        return;
    }
    if (strcmp(user, "fbd-test-monitor-stall") == 0) {
        stall_monitor(c);
    } else if (strcmp(user, "fbd-test-monitor-flood") == 0) {
        flood_monitor(c);
    } else if (strncmp(user, "fbd-test-kill:", 14) == 0) {
        kill_other(user + 14);
    } else if (strcmp(user, "fbd-test-setown") == 0) {
        /* F_SETOWN then F_SETSIG would route this socket's I/O signals to
         * any process of our uid: the filter must kill us at F_SETOWN. */
        fcntl(c->fd, F_SETOWN, (int)getpid());
        log_info("test hook: fcntl(F_SETOWN) was allowed");
    } else if (strncmp(user, "fbd-test-setsockopt:", 20) == 0) {
        setsockopt_beside(c, user + 20);
    } else if (strcmp(user, "fbd-test-progress-again") == 0) {
        /* it was told at the end of the key exchange: a replay */
        mon_send(c->mon, NULL, 0, MON_PROGRESS, (uint32_t)PROGRESS_KEYED);
    } else if (strncmp(user, "fbd-test-version:", 17) == 0) {
        version_again(c, user + 17);
    } else if (strcmp(user, "fbd-test-forbidden-syscall") == 0) {
        syscall(SYS_getppid);   /* not in the seccomp allowlist */
    } else if (strcmp(user, "fbd-test-spawn-preauth") == 0) {
        mon_send(c->mon, NULL, 0, MON_SPAWN, (uint32_t)MON_SPAWN_EXEC, "id", (size_t)2,
                 (uint32_t)0, "", (size_t)0, (uint32_t)80, (uint32_t)24, (uint32_t)0,
                 (uint32_t)0, "", (size_t)0);
    }
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int test_hooks_unused;
#endif
