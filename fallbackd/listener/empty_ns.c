/* empty_ns.c - the network processes' empty root, made once (empty_ns.h). */
#include "empty_ns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static int kept = -1;
static int tried;

/* The child: build the namespace (the table in empty_ns.h), say so with
 * one byte on ready (or why it failed), then wait until the listener has
 * opened it. */
static void __attribute__((noreturn)) build(int ready, int hold)
{
    struct diag errs = { 0 };
    const char *step = NULL;
    char byte;

    if (sandbox_empty_tmpfs(&errs) < 0) {
        step = diag_last(&errs);
    } else if (syscall(SYS_pivot_root, ".", ".") < 0) {
        step = "pivot_root into the empty tmpfs failed";
    } else if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
        step = "detaching the old root failed";
    }
    if (step != NULL) {
        (void)!write(ready, step, strlen(step));
        _exit(1);
    }
    (void)!write(ready, "", 1);
    (void)!read(hold, &byte, 1);        /* until the listener closes it */
    _exit(0);
}

/* Test builds only: FBD_TEST_EMPTY_NS=fail makes the kept namespace
 * fail to be made, so that a test sees each network process make its own.
 * The production binary has no such switch. */
static int test_refuses(char *why, size_t whylen)
{
#ifdef FBD_TEST_HOOKS
    const char *t = getenv("FBD_TEST_EMPTY_NS");

    if (t != NULL && strcmp(t, "fail") == 0) {
        snprintf(why, whylen, "refused by FBD_TEST_EMPTY_NS");
        return 1;
    }
#endif
    (void)why;
    (void)whylen;
    return 0;
}

static int make(char *why, size_t whylen)
{
    int ready[2], hold[2];
    char msg[128] = "";
    char path[64];
    ssize_t n;
    pid_t pid;
    int fd = -1;

    if (test_refuses(why, whylen)) {
        return -1;
    }
    if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(hold, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
        snprintf(why, whylen, "cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(ready[0]);
        close(hold[1]);
        build(ready[1], hold[0]);
    }
    close(ready[1]);
    close(hold[0]);
    n = read(ready[0], msg, sizeof(msg) - 1);
    if (n == 1 && msg[0] == '\0') {
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
        }
    } else {
        msg[n > 0 ? n : 0] = '\0';
        snprintf(why, whylen, "%s", msg[0] != '\0' ? msg : "the helper process failed");
    }
    close(ready[0]);
    close(hold[1]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    return fd;
}

int empty_ns_get(struct diag *notes)
{
    char why[160];

    if (!tried) {
        tried = 1;
        kept = make(why, sizeof(why));
        if (kept < 0) {
            diag_add(notes, "the network processes' empty root is made per connection "
                     "(one kept for all could not be: %s)", why);
        }
    }
    return kept;
}
