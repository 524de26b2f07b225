/* nss_tripwire.c - NSS-free by construction.
 *
 * The static link wraps every libc function that would consult NSS or load
 * a shared object (-Wl,--wrap=getpwnam,... in the Makefile): a call to
 * getpwnam() lands in __wrap_getpwnam() here.  Code paths in libssh and
 * libgpg-error reference some of them (client-side and tilde expansion) but
 * fallbackd's server path never calls them; if it ever did, mid-upgrade the
 * call would dlopen libnss_*.so of the *new* libc.  Instead the process
 * aborts at once, loudly, in one connection, and a test proves the wrappers
 * are linked in (tests/integration/test_static.py).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write one line to stderr (async-signal-safe) and abort. */
static void tripwire(const char *fn) __attribute__((noreturn));
static void tripwire(const char *fn)
{
    static const char pre[] = "fallbackd: NSS tripwire: ";
    static const char post[] = "() called; fallbackd must never use NSS or dlopen\n";

    (void)!write(STDERR_FILENO, pre, sizeof(pre) - 1);
    (void)!write(STDERR_FILENO, fn, strlen(fn));
    (void)!write(STDERR_FILENO, post, sizeof(post) - 1);
    abort();
}

/* Prototypes are generic: the wrappers never return, so arguments are
 * never looked at and the real types do not matter to the linker. */
#define TRIPWIRE(name) \
    void *__wrap_##name(void); \
    void *__wrap_##name(void) { tripwire(#name); }

TRIPWIRE(getpwnam)
TRIPWIRE(getpwuid)
TRIPWIRE(getpwuid_r)
TRIPWIRE(getpwnam_r)
TRIPWIRE(getgrnam)
TRIPWIRE(getgrgid)
TRIPWIRE(getgrouplist)
TRIPWIRE(initgroups)
TRIPWIRE(getaddrinfo)
TRIPWIRE(getnameinfo)
TRIPWIRE(gethostbyname)
TRIPWIRE(dlopen)
TRIPWIRE(getservbyname)
TRIPWIRE(getservbyname_r)
TRIPWIRE(getservbyport)
TRIPWIRE(getservbyport_r)

/* Marker a test looks for with nm: proves this file is in the binary. */
const char fbd_nss_tripwire_marker[] = "fallbackd-nss-tripwire";
