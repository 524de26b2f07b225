/* netexec.c - the network process as a new image (netexec.h). */
#include "netexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "monitor_client.h"
#include "sshbuf.h"

#define FD_CLIENT 3
#define FD_MONITOR 4
#define FD_BOOT 5
#define FD_EMPTY_NS 6   /* only with the kept empty root (empty_ns.h) */
#define BOOT_MAX (17u << 20)    /* a 16 MiB config (config.c's most) and keys */

static int self_fd = -1;

/* Is FD the same file as the running image (when /proc says so)? */
static int is_running_image(int fd)
{
    struct stat a, b;

    if (stat("/proc/self/exe", &b) < 0) {
        return 1;       /* no /proc: nothing to compare with */
    }
    return fstat(fd, &a) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int netexec_open_self(const char *argv0, char *why, size_t whylen)
{
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    const char *tries[3] = { "/proc/self/exe", execfn, argv0 };

    for (size_t i = 0; i < 3 && self_fd < 0; i++) {
        int fd;

        if (tries[i] == NULL || strchr(tries[i], '/') == NULL) {
            continue;
        }
        fd = open(tries[i], O_PATH | O_CLOEXEC);
        if (fd >= 0 && i > 0 && !is_running_image(fd)) {
            close(fd);
            fd = -1;
        }
        self_fd = fd;
    }
    if (self_fd < 0) {
        snprintf(why, whylen, "cannot open the running binary (no /proc/self/exe, and "
                 "\"%s\" is not it)", argv0 != NULL ? argv0 : "");
        return -1;
    }
    return 0;
}

/* The boot data (netexec.h) into b. */
static void boot_write(struct sshbuf *b, const struct server *srv, pid_t monitor,
                       const struct endpoints *e, uid_t sandbox_uid)
{
    sshbuf_put_u32(b, NETEXEC_MAGIC);
    sshbuf_put_cstring(b, srv->cfg.path != NULL ? srv->cfg.path : "");
    sshbuf_put_string(b, srv->cfg.text, srv->cfg.text_len);
    sshbuf_put_u32(b, (uint32_t)srv->keys.n);
    for (size_t i = 0; i < srv->keys.n; i++) {
        sshbuf_put_cstring(b, srv->keys.k[i].path);
        sshbuf_put_string(b, srv->keys.k[i].blob, srv->keys.k[i].bloblen);
    }
    sshbuf_put_cstring(b, e->peer);
    sshbuf_put_u32(b, (uint32_t)e->peer_port);
    sshbuf_put_cstring(b, e->local);
    sshbuf_put_u32(b, (uint32_t)e->local_port);
    sshbuf_put_u32(b, (uint32_t)monitor);
    sshbuf_put_u32(b, (uint32_t)sandbox_uid);
    sshbuf_put_u32(b, (uint32_t)srv->confine);
    sshbuf_put_u32(b, srv->empty_ns_fd >= 0 ? 1u : 0u);
}

/* A sealed memfd holding the boot data; -1 on error. */
static int boot_memfd(const struct server *srv, pid_t monitor, const struct endpoints *e,
                      uid_t sandbox_uid)
{
    struct sshbuf b = SSHBUF_INIT;
    int fd = memfd_create("fallbackd-boot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    size_t off = 0;

    boot_write(&b, srv, monitor, e, sandbox_uid);
    while (fd >= 0 && sshbuf_ok(&b) && off < b.len) {
        ssize_t w = write(fd, b.data + off, b.len - off);

        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    if (fd >= 0 && (!sshbuf_ok(&b) || off != b.len || lseek(fd, 0, SEEK_SET) != 0 ||
                    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
                          F_SEAL_SEAL) < 0)) {
        close(fd);
        fd = -1;
    }
    sshbuf_free(&b);
    return fd;
}

/* Put FROM[i] on fd TO[i] (without close-on-exec), whatever numbers
 * they had; every other fd above 2 closes at exec.  0 or -1. */
static int place_fds(const int *from, const int *to, size_t n)
{
    int high[4];

    for (size_t i = 0; i < n; i++) {
        high[i] = fcntl(from[i], F_DUPFD_CLOEXEC, 64);
        if (high[i] < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (dup2(high[i], to[i]) < 0) {
            return -1;
        }
    }
    return close_range((unsigned)to[n - 1] + 1, ~0U, CLOSE_RANGE_CLOEXEC);
}

/* The child of vfork(): it shares the monitor's memory until the exec,
 * so it makes system calls only (no malloc, no stdio, no log line) and
 * reports a failure through *err. */
static void __attribute__((noreturn)) exec_child(int fd, int mon, int boot, int ns, int self,
                                                 const sigset_t *mask, volatile int *err)
{
    static char *const argv[] = { "fallbackd", NETEXEC_ARG, NULL };
    static char *const envp[] = { NULL };
    const int from[4] = { fd, mon, boot, ns };
    const int to[4] = { FD_CLIENT, FD_MONITOR, FD_BOOT, FD_EMPTY_NS };

    if (place_fds(from, to, ns >= 0 ? 4 : 3) == 0) {
        sigprocmask(SIG_SETMASK, mask, NULL);
        syscall(SYS_execveat, self, "", argv, envp, AT_EMPTY_PATH);
    }
    *err = errno != 0 ? errno : ENOEXEC;
    _exit(127);
}

/* vfork() and exec in the child; in the parent, only the pid is used
 * after vfork() returns (nothing the child could have clobbered). */
static pid_t __attribute__((noinline)) vfork_exec(int fd, int mon, int boot, int ns, int self,
                                                  const sigset_t *mask, volatile int *err)
{
    pid_t pid = vfork();

    if (pid == 0) {
        exec_child(fd, mon, boot, ns, self, mask, err);
    }
    return pid;
}

/* The binary's fd to execute.  Test builds only: FBD_TEST_NETEXEC=
 * fail-exec gives an fd that is not open, so execveat fails (EBADF) and a
 * test sees the fork-only fallback.  The production binary has no such
 * switch. */
static int exec_fd(int self)
{
#ifdef FBD_TEST_HOOKS
    const char *t = getenv("FBD_TEST_NETEXEC");

    if (t != NULL && strcmp(t, "fail-exec") == 0) {
        return -1;
    }
#endif
    return self;
}

pid_t netexec_start(struct server *srv, int fd, int mon, pid_t monitor,
                    const struct endpoints *e, uid_t sandbox_uid)
{
    volatile int err = 0;
    sigset_t all, old;
    int boot, self = -1;
    pid_t pid = -1;

    if (self_fd < 0) {
        return -1;      /* said once at start (netexec_open_self) */
    }
    boot = boot_memfd(srv, monitor, e, sandbox_uid);
    /* the binary's fd may sit on 3-5: a copy out of the way of place_fds;
     * it stays open (close-on-exec) until the exec itself */
    if (boot >= 0) {
        self = fcntl(self_fd, F_DUPFD_CLOEXEC, 64);
    }
    if (self >= 0) {
        /* No handler may run in the child while it shares our memory: the
         * connection process has none yet (the monitor sets its own after
         * the split), and every signal stays blocked until the exec. */
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, &old);
        pid = vfork_exec(fd, mon, boot, srv->empty_ns_fd, exec_fd(self), &old, &err);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (pid < 0) {
            err = errno;
        } else if (err != 0) {
            waitpid(pid, NULL, 0);
            pid = -1;
        }
    } else {
        err = errno;
    }
    if (pid < 0) {
        log_error("cannot start the network process for %s port %d as a new image: %s; "
                  "serving it forked instead", e->peer, e->peer_port, strerror(err));
    }
    if (boot >= 0) {
        close(boot);
    }
    if (self >= 0) {
        close(self);
    }
    return pid;
}

/* Read all of fd FD_BOOT into *buf (malloc'd). */
static ssize_t boot_read(unsigned char **buf)
{
    struct stat st;
    ssize_t n = -1;

    *buf = NULL;
    if (fstat(FD_BOOT, &st) == 0 && st.st_size > 0 && st.st_size <= BOOT_MAX &&
        (*buf = malloc((size_t)st.st_size)) != NULL) {
        n = pread(FD_BOOT, *buf, (size_t)st.st_size, 0);
    }
    close(FD_BOOT);
    return n == st.st_size ? n : -1;
}

/* A string field as a malloc'd C string (NULL on error). */
static char *rd_cstring(struct sshrd *r)
{
    size_t n;
    const unsigned char *p = sshrd_string(r, &n);
    char *s = p != NULL ? malloc(n + 1) : NULL;

    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Copy a string field into out (outlen bytes, NUL-terminated). */
static void rd_fixed(struct sshrd *r, char *out, size_t outlen)
{
    size_t n;
    const unsigned char *p = sshrd_string(r, &n);

    if (p == NULL || n >= outlen) {
        r->err = 1;
        return;
    }
    memcpy(out, p, n);
    out[n] = '\0';
}

/* The host keys' names and public blobs. */
static void rd_keys(struct sshrd *r, struct hostkeys *keys)
{
    uint32_t n = sshrd_u32(r);

    if (n > CFG_MAX_HOSTKEYS) {
        r->err = 1;
        return;
    }
    for (uint32_t i = 0; i < n && sshrd_ok(r); i++) {
        struct hostkey *hk = &keys->k[i];
        size_t len;
        const unsigned char *p;

        hk->path = rd_cstring(r);
        p = sshrd_string(r, &len);
        hk->blob = p != NULL ? malloc(len) : NULL;
        if (hk->path == NULL || hk->blob == NULL) {
            r->err = 1;
            return;
        }
        memcpy(hk->blob, p, len);
        hk->bloblen = len;
        keys->n = i + 1;
    }
}

int netexec_main(void)
{
    static struct server srv;
    struct endpoints e;
    struct diag errs = { 0 };
    unsigned char *buf;
    ssize_t n = boot_read(&buf);
    struct sshrd r;
    char *name;
    const unsigned char *text;
    size_t tlen;
    pid_t monitor;
    uid_t uid;

    monclient_log_to(FD_MONITOR);
    if (n < 0) {
        log_error("network process: no boot data (fallbackd %s is started by fallbackd "
                  "only)", NETEXEC_ARG);
        return 2;
    }
    memset(&srv, 0, sizeof(srv));
    memset(&e, 0, sizeof(e));
    sshrd_init(&r, buf, (size_t)n);
    if (sshrd_u32(&r) != NETEXEC_MAGIC) {
        r.err = 1;
    }
    name = rd_cstring(&r);
    text = sshrd_string(&r, &tlen);
    rd_keys(&r, &srv.keys);
    rd_fixed(&r, e.peer, sizeof(e.peer));
    e.peer_port = (int)sshrd_u32(&r);
    rd_fixed(&r, e.local, sizeof(e.local));
    e.local_port = (int)sshrd_u32(&r);
    monitor = (pid_t)sshrd_u32(&r);
    uid = (uid_t)sshrd_u32(&r);
    srv.confine = (int)sshrd_u32(&r);
    srv.empty_ns_fd = sshrd_u32(&r) == 1 ? FD_EMPTY_NS : -1;
    if (!sshrd_ok(&r) || sshrd_left(&r) != 0 || name == NULL ||
        config_parse(name, (const char *)text, tlen, &srv.cfg, &errs) < 0 ||
        (srv.bind = hostkeys_public_bind(&srv.cfg, &srv.keys, &errs)) == NULL) {
        log_error("network process: bad boot data%s%s", errs.n ? ": " : "",
                  errs.n ? errs.msgs[0] : "");
        return 2;
    }
    free(name);
    free(buf);
    diag_free(&errs);
    /* the level filters what is sent to the monitor (the sink stays) */
    log_setup("fallbackd", 0, srv.cfg.syslog_facility, srv.cfg.log_level);
    conn_network(&srv, FD_CLIENT, FD_MONITOR, monitor, &e, uid);
}
