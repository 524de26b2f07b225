/* confine_probe.c - try the network process's confinement once
 * (confine_probe.h). */
#include "confine_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "empty_ns.h"
#include "sandbox.h"

/* Confine a throwaway child as a network process would be; 0 if it
 * worked, else -1 with the child's reason in why. */
static int try_confine(const struct server *srv, int with_mount_ns, char *why, size_t whylen)
{
    int p[2];
    pid_t pid;
    int status = 0;
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
        snprintf(why, whylen, "cannot fork a test process: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        struct diag errs = { 0 };

        close(p[0]);
        if (sandbox_enter((uid_t)srv->cfg.sandbox_uid_lo, (gid_t)srv->cfg.sandbox_gid,
                          with_mount_ns, -1, &p[1], 1, &errs) < 0) {
            (void)!write(p[1], diag_last(&errs), strlen(diag_last(&errs)));
            _exit(1);
        }
        _exit(0);   /* under the filter: exit_group is allowed */
    }
    close(p[1]);
    n = read(p[0], why, whylen - 1);
    why[n > 0 ? n : 0] = '\0';
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return 0;
    }
    if (why[0] == '\0') {
        snprintf(why, whylen, "the test process ended with status 0x%x", (unsigned)status);
    }
    return -1;
}

/* What an administrator can do about a failed mount namespace. */
static const char *advice(const char *why)
{
    if (strstr(why, "make mounts private") != NULL) {
        return "the root directory is not a mount point (a plain chroot?): bind-mount the "
               "new root onto itself before chroot (mount --bind DIR DIR), or start "
               "fallbackd outside the chroot";
    }
    if (strstr(why, "unshare") != NULL || strstr(why, "mount empty tmpfs") != NULL) {
        return "mount namespaces or tmpfs mounts are not allowed here (a container without "
               "CAP_SYS_ADMIN, or no /proc directory?): allow them, or create /proc";
    }
    return "see the reason above";
}

int confine_probe(struct server *srv, struct diag *notes, struct diag *errs)
{
    char full[256];
    char part[256];
    int mode = srv->cfg.sandbox;

    srv->confine = CONFINE_NONE;
    srv->empty_ns_fd = -1;
    if (mode == SANDBOX_NO) {
        diag_add(notes, "Sandbox no: network processes run as root, unconfined");
        return 0;
    }
    if (try_confine(srv, 1, full, sizeof(full)) == 0) {
        srv->confine = CONFINE_FULL;
        srv->empty_ns_fd = empty_ns_get(notes);
        return 0;
    }
    if (mode == SANDBOX_STRICT) {
        diag_add(errs, "Sandbox strict: cannot confine network processes: %s; %s "
                 "(or set Sandbox auto to run without the mount namespace)", full, advice(full));
        return -1;
    }
    if (try_confine(srv, 0, part, sizeof(part)) < 0) {
        diag_add(errs, "Sandbox auto: cannot confine network processes at all: %s (and "
                 "with a mount namespace: %s); set Sandbox no to serve unconfined", part, full);
        return -1;
    }
    srv->confine = CONFINE_NO_MOUNT_NS;
    diag_add(notes, "Sandbox auto: network processes run with their own uid, no_new_privs, "
             "rlimits and the seccomp filter, but WITHOUT a private empty root: %s; to "
             "confine them fully: %s (Sandbox strict refuses to start instead)", full,
             advice(full));
    return 0;
}
