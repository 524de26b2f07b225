/* door_state.c - the door's shared state page (door_state.h). */
#include "door_state.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Test builds only: FBD_TEST_OUTSIDE_ADDR names one loopback address that
 * counts as "outside", so that a test can prove the door from 127.0.0.2
 * without a second machine.  The production binary has no such switch. */
static void test_outside(struct door_state *s)
{
#ifdef FBD_TEST_HOOKS
    const char *a = getenv("FBD_TEST_OUTSIDE_ADDR");

    if (a != NULL && strlen(a) < sizeof(s->outside_loopback)) {
        strcpy(s->outside_loopback, a);
    }
#else
    (void)s;
#endif
}

struct door_state *door_state_create(void)
{
    struct door_state *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (s == MAP_FAILED) {
        return NULL;
    }
    memset(s, 0, sizeof(*s));
    s->started = (long long)time(NULL);
    s->listener_pid = (long)getpid();
    test_outside(s);
    return s;
}

int door_state_is_loopback(const struct door_state *s, const char *addr)
{
    unsigned char b[16];

    if (s != NULL && s->outside_loopback[0] != '\0' &&
        strncmp(addr, s->outside_loopback, sizeof(s->outside_loopback)) == 0) {
        return 0;
    }
    if (inet_pton(AF_INET, addr, b) == 1) {
        return b[0] == 127;
    }
    if (inet_pton(AF_INET6, addr, b) != 1) {
        return 0;
    }
    if (memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
        return b[12] == 127;
    }
    return memcmp(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
}

/* Copy S into a fixed field, always terminated. */
static void put(char *dst, size_t len, const char *s)
{
    strncpy(dst, s, len - 1);
    dst[len - 1] = '\0';
}

void door_state_login(struct door_state *s, const char *addr, const char *user)
{
    if (s == NULL) {
        return;
    }
    __atomic_add_fetch(&s->logins, 1, __ATOMIC_RELAXED);
    if (door_state_is_loopback(s, addr)) {
        return;
    }
    put(s->proven_from, sizeof(s->proven_from), addr);
    put(s->proven_user, sizeof(s->proven_user), user);
    __atomic_store_n(&s->proven_at, (long long)time(NULL), __ATOMIC_RELEASE);
}
