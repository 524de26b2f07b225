/* test_spawn_builtin.c - a built-in subsystem in the spawned child
 * (fallbackd/monitor/spawn.c, spawn_req.run): it runs as the user, with
 * the client's data on fds 0 and 1, and its return value is the exit
 * status; nothing is executed. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "spawn.h"

#define NOBODY 65534

/* Echo one read back, then report whether we are nobody in "/" with
 * umask 022: 42 if so. */
static int echo_builtin(void *arg)
{
    char buf[64];
    char cwd[16];
    ssize_t n = read(0, buf, sizeof(buf));
    mode_t mask = umask(0);

    if (n > 0 && write(1, buf, (size_t)n) != n) {
        return 2;
    }
    if (getuid() != NOBODY || geteuid() != NOBODY || getgid() != NOBODY || mask != 022 ||
        getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0) {
        return 3;
    }
    return *(int *)arg;
}

static ssize_t read_waiting(int fd, void *buf, size_t n)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };

    cr_assert_eq(poll(&p, 1, 10000), 1, "nothing to read within 10 s");
    return read(fd, buf, n);
}

Test(spawn, builtin_runs_as_the_user_without_exec, .timeout = 20)
{
    struct spawn_req req;
    struct spawn_res res;
    struct diag why = { 0 };
    char buf[16];
    int answer = 42;
    int status;

    if (geteuid() != 0) {
        cr_skip_test("needs root to change identity");
    }
    memset(&req, 0, sizeof(req));
    req.uid = NOBODY;
    req.gid = NOBODY;
    req.groups[0] = NOBODY;
    req.ngroups = 1;
    req.tty_gid = (gid_t)-1;
    req.home = "/";
    req.shell = "/nonexistent/shell";
    req.run = echo_builtin;
    req.run_arg = &answer;
    cr_assert_eq(spawn_start(&req, &res, &why), 0, "%s", diag_last(&why));
    diag_free(&why);
    cr_expect_geq(fcntl(res.in, F_GETPIPE_SZ), 1 << 20, "a file server's stdin holds 1 MiB");
    cr_expect_geq(fcntl(res.out, F_GETPIPE_SZ), 1 << 20, "and its stdout");
    cr_assert_eq(write(res.in, "ping", 4), 4);
    cr_expect_eq(read_waiting(res.out, buf, sizeof(buf)), 4);
    cr_expect_eq(memcmp(buf, "ping", 4), 0);
    cr_expect_eq(read_waiting(res.err, buf, sizeof(buf)), 0, "stderr pipe: nothing, then EOF");
    cr_assert_eq(waitpid(res.pid, &status, 0), res.pid);
    cr_expect(WIFEXITED(status));
    cr_expect_eq(WEXITSTATUS(status), 42, "the built-in's return value (3: wrong identity)");
    close(res.in);
    close(res.out);
    close(res.err);
}
