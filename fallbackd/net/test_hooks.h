/* test_hooks.h - behaviour only the test build has.
 *
 * `make build/fallbackd-testhooks` compiles the daemon with
 * -DFBD_TEST_HOOKS: then a client that authenticates as one of the user
 * names below makes the network process misbehave on purpose, so that
 * tests can prove the sandbox and the monitor stop it.  The production
 * binary has none of this (the hook is an empty inline function).
 *
 *   user name                   | the network process...
 *   ----------------------------+-----------------------------------------
 *   fbd-test-forbidden-syscall  | calls a syscall outside its allowlist
 *   fbd-test-spawn-preauth      | asks the monitor to spawn before auth
 *   fbd-test-forge:USER         | claims a signed login as USER with the
 *                               |   offered key but a forged signature
 *   fbd-test-setown             | fcntl(F_SETOWN) on the client socket
 *   fbd-test-setsockopt:nodelay | setsockopt(TCP_NODELAY) on the client
 *                               |   socket (only TCP_QUICKACK is allowed)
 *   fbd-test-setsockopt:otherfd | setsockopt(TCP_QUICKACK) on the monitor
 *                               |   socket (only the client's is allowed)
 *   fbd-test-progress-again     | reports the end of the key exchange to
 *                               |   the monitor a second time
 *   fbd-test-version:again      | sends the client's version line a
 *                               |   second time
 *   fbd-test-version:long       | sends one of MON_MAX_CLIENT_VERSION + 2
 *                               |   bytes
 *   fbd-test-kill:PID           | kill(PID, SIGKILL), and logs the result
 *   fbd-test-monitor-stall      | sends requests and never reads a reply
 *   fbd-test-monitor-flood      | sends log lines without end
 *
 * So that fbd-test-kill can test the uid wall on its own, the test build's
 * seccomp filter also allows kill(2) (fallbackd/net/sandbox.c); the
 * production filter kills a process that calls it.
 */
#ifndef FBD_TEST_HOOKS_H
#define FBD_TEST_HOOKS_H

struct conn;

#include <stddef.h>

#ifdef FBD_TEST_HOOKS
void test_hook_auth_user(struct conn *c, const char *user, const unsigned char *blob,
                         size_t bloblen);
#else
static inline void test_hook_auth_user(struct conn *c, const char *user,
                                       const unsigned char *blob, size_t bloblen)
{
    (void)c;
    (void)user;
    (void)blob;
    (void)bloblen;
}
#endif

#endif
