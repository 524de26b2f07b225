/* sandbox.c - confine the network process (sandbox.h).
 *
 * The seccomp allowlist (default action: kill the process).  Each entry is
 * here because the network process needs it after confinement, and for no
 * other reason:
 *
 *   syscall            | why
 *   -------------------+-----------------------------------------------------
 *   read, write,       | the client socket, the monitor socket, the session
 *   readv, writev      |   fds (pty master, pipes), stderr logging
 *   recvfrom, sendto   | libssh's socket I/O
 *   recvmsg, sendmsg   | monitor messages, fds passed with SCM_RIGHTS
 *   poll, ppoll        | the event loop
 *   close              | fds of ended sessions
 *   fcntl (F_GETFL,    | O_NONBLOCK on fds received from the monitor, and
 *    F_SETFL, F_GETFD, |   libssh's own; only these four commands (F_SETOWN
 *    F_SETFD only)     |   with F_SETSIG would let it signal other processes)
 *   ioctl (TIOCSWINSZ) | window-change on the pty master (only that request)
 *   brk, mmap, munmap, | malloc (mmap without PROT_EXEC)
 *   mremap, madvise    |
 *   futex              | libc locks
 *   getpid, gettid,    | libgcrypt's random pool mixes these in at every
 *   getrusage,         |   draw; libssh's own randomness comes from
 *   clock_gettime,     |   libsodium (our patch 0012), but libgcrypt still
 *   gettimeofday       |   draws from its pool for the ephemeral keys of the
 *                      |   NIST-curve exchanges
 *   getrandom          | key exchange randomness, packet padding (libsodium)
 *   openat -> ENOENT   | libgcrypt reads /etc/gcrypt/random.conf whenever it
 *                      |   gathers "very strong" randomness; it fails, as it
 *                      |   would in the empty root, and libgcrypt keeps its
 *                      |   defaults.  No file can be opened.
 *   rt_sigreturn,      | signal delivery (SIGALRM is not used; SIGPIPE is
 *   rt_sigprocmask     |   ignored)
 *   exit, exit_group   | leaving
 *   restart_syscall    | the kernel resumes a poll or sleep with a timeout
 *                      |   through it after the process was stopped and
 *                      |   continued (kill -STOP/-CONT, a cgroup freeze and
 *                      |   thaw, suspend and resume, strace -p): without
 *                      |   it, every live session died then, and its
 *                      |   source was penalised for a "crash"
 *   clock_nanosleep,   | libssh's short waits
 *   nanosleep          |
 *   shutdown           | closing the client socket
 *   setsockopt (the    | TCP_QUICKACK until the user is in (handshake.c:
 *    client socket,    |   the delayed-ACK stall); that fd, level and option
 *    IPPROTO_TCP,      |   only (keep_fds[0])
 *    TCP_QUICKACK)     |
 *   fstat, newfstatat, | stdio on stderr (glibc checks the fd once)
 *   lseek              |
 *
 * Everything else - open, execve, socket, connect, kill, fork, ptrace,
 * mount... - kills the process at once.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <seccomp.h>

#define SANDBOX_MAX_FDS 64

/* "WHAT: the errno text" into errs; always returns -1. */
static int fail(struct diag *errs, const char *what)
{
    diag_add(errs, "%s: %s", what, strerror(errno));
    return -1;
}

/* Close every fd except those listed (at most 8, any order). */
static void close_others(const int *keep, size_t nkeep)
{
    int sorted[8];
    size_t n = nkeep < 8 ? nkeep : 8;
    unsigned int lo = 0;

    memcpy(sorted, keep, n * sizeof(int));
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            int t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (sorted[i] < 0 || (unsigned int)sorted[i] < lo) {
            continue;
        }
        if ((unsigned int)sorted[i] > lo) {
            close_range(lo, (unsigned int)sorted[i] - 1, 0);
        }
        lo = (unsigned int)sorted[i] + 1;
    }
    close_range(lo, ~0U, 0);
}

int sandbox_empty_tmpfs(struct diag *errs)
{
    if (unshare(CLONE_NEWNS) < 0) {
        return fail(errs, "unshare(CLONE_NEWNS)");
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        return fail(errs, "make mounts private");
    }
    if (mount("fallbackd-empty", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,nr_inodes=2,mode=0555") < 0) {
        return fail(errs, "mount empty tmpfs");
    }
    if (chdir("/proc") < 0) {
        return fail(errs, "chdir into the empty tmpfs");
    }
    return 0;
}

/* An empty, read-only root of this process's own: the empty tmpfs, then
 * chroot into it.  (A mount over "/" itself would not change what "/"
 * resolves to for this process.) */
static int empty_root(struct diag *errs)
{
    if (sandbox_empty_tmpfs(errs) < 0) {
        return -1;
    }
    if (chroot(".") < 0 || chdir("/") < 0) {
        return fail(errs, "chroot into the empty root");
    }
    return 0;
}

/* The empty root the listener keeps (listener/empty_ns.h): its root is
 * the empty tmpfs, and it holds no other mount.  1 if joined. */
static int join_empty_root(int ns_fd)
{
    int ok = ns_fd >= 0 && setns(ns_fd, CLONE_NEWNS) == 0 && chdir("/") == 0 &&
             chroot(".") == 0;

    if (ns_fd >= 0) {
        close(ns_fd);
    }
    return ok;
}

/* Drop to uid/gid for good, with no supplementary groups. */
static int drop_ids(uid_t uid, gid_t gid, struct diag *errs)
{
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
        return fail(errs, "drop privileges");
    }
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        errno = EPERM;
        return fail(errs, "root could be regained");
    }
    return 0;
}

/* No new processes, no file growth, no core dumps, few fds. */
static int limits(struct diag *errs)
{
    const struct {
        int resource;
        rlim_t value;
    } l[] = {
        { RLIMIT_NPROC, 0 },
        { RLIMIT_FSIZE, 0 },
        { RLIMIT_CORE, 0 },
        { RLIMIT_NOFILE, SANDBOX_MAX_FDS },
    };

    for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
        struct rlimit rl = { l[i].value, l[i].value };

        if (setrlimit(l[i].resource, &rl) < 0) {
            return fail(errs, "setrlimit");
        }
    }
    return 0;
}

/* The syscalls of the table above that need no argument filter. */
static const int allowed[] = {
    SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
    SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
    SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(close),
    SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
    SCMP_SYS(futex), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getrusage),
    SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(getrandom),
    SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit),
    SCMP_SYS(exit_group), SCMP_SYS(restart_syscall), SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(shutdown), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
};

/* The fcntl commands of the table above. */
static const int fcntl_cmds[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD };

/* Build and load the seccomp filter; TCP_FD is the client socket. */
static int seccomp_load_filter(int tcp_fd, struct diag *errs)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    int rc = ctx == NULL ? -ENOMEM : 0;

    for (size_t i = 0; rc == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
    }
    for (size_t i = 0; rc == 0 && i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                              SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i]));
    }
#ifdef FBD_TEST_HOOKS
    /* The test build only: kill(2), so that a test can show that the uid
     * wall alone stops one network process signalling another
     * (test_hooks.h, fbd-test-kill:PID). */
    if (rc == 0) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 0);
    }
#endif
#ifdef __SANITIZE_ADDRESS__
    /* The ASan+UBSan build only: its runtime's _exit() takes down the
     * alternate signal stack it set up (sigaltstack(2)). */
    if (rc == 0) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
    }
#endif
    if (rc == 0) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_EQ, TIOCSWINSZ));
    }
    if (rc == 0 && tcp_fd >= 0) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 3,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)tcp_fd),
                              SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP),
                              SCMP_A2(SCMP_CMP_EQ, TCP_QUICKACK));
    }
    if (rc == 0) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    }
    if (rc == 0) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOENT), SCMP_SYS(openat), 0);
    }
    if (rc == 0) {
        rc = seccomp_load(ctx);
    }
    if (ctx != NULL) {
        seccomp_release(ctx);
    }
    if (rc != 0) {
        errno = -rc;
        return fail(errs, "seccomp");
    }
    return 0;
}

int sandbox_enter(uid_t uid, gid_t gid, int with_mount_ns, int ns_fd, const int *keep_fds,
                  size_t nkeep, struct diag *errs)
{
    int joined = with_mount_ns && join_empty_root(ns_fd);

    close_others(keep_fds, nkeep);
    if ((with_mount_ns && !joined && empty_root(errs) < 0) || drop_ids(uid, gid, errs) < 0) {
        return -1;
    }
    /* Changing ids cleared the parent-death signal: set it again. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        return fail(errs, "prctl");
    }
    if (limits(errs) < 0 || seccomp_load_filter(nkeep > 0 ? keep_fds[0] : -1, errs) < 0) {
        return -1;
    }
    return 0;
}
