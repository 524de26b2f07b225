/* test_hooks.c - misbehaviour on purpose, test build only (test_hooks.h). */
#include "test_hooks.h"

#ifdef FBD_TEST_HOOKS

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor_client.h"

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

void test_hook_auth_user(struct conn *c, const char *user, const unsigned char *blob,
                         size_t bloblen)
{
    if (strncmp(user, "fbd-test-forge:", 15) == 0) {
        forge_signed_login(c, user + 15, blob, bloblen);
        return;
    }
    if (strcmp(user, "fbd-test-forbidden-syscall") == 0) {
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
