/* test_hooks.c - misbehaviour on purpose, test build only (test_hooks.h). */
#include "test_hooks.h"

#ifdef FBD_TEST_HOOKS

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conn.h"

void test_hook_auth_user(struct conn *c, const char *user)
{
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
