/* test_drain.c - the rule that ends a session without losing output
 * (fallbackd/net/drain.c), with pipes and ptys standing in for a
 * session's process. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <string.h>
#include <unistd.h>

#include "drain.h"

/* A non-blocking pipe; fds[0] is "the session's stdout". */
static void nb_pipe(int fds[2])
{
    cr_assert_eq(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
}

/* Read FD as a session does until DRAIN_WAIT or DRAIN_EOF; the bytes go to
 * out (NUL-terminated).  Returns the step that stopped it. */
static enum drain_read read_all(int fd, int draining, char *out, size_t cap)
{
    size_t have = 0;
    size_t got = 0;
    enum drain_read r;

    while ((r = drain_read(fd, out + have, cap - 1 - have, draining, &got)) == DRAIN_MORE) {
        have += got;
    }
    out[have] = '\0';
    return r;
}

Test(drain, exit_with_output_buffered_keeps_reading)
{
    int p[2];
    char buf[64];

    nb_pipe(p);
    cr_assert_eq(write(p[1], "last words\n", 11), 11);
    close(p[1]);                /* the process exited; its output is in the pipe */
    cr_expect_eq(drain_phase(1, 0, 1, 100, 2000), DRAIN_PUMP,
                 "exited with output open: not finished before the linger");
    cr_expect_eq(read_all(p[0], 0, buf, sizeof(buf)), DRAIN_EOF);
    cr_expect_str_eq(buf, "last words\n", "no byte lost before EOF");
    cr_expect_eq(drain_phase(1, 0, 0, 100, 2000), DRAIN_FINISH,
                 "all output at EOF and sent: exit status, EOF, CLOSE");
    close(p[0]);
}

Test(drain, running_process_never_finishes)
{
    cr_expect_eq(drain_phase(0, 0, 0, 5000, 0), DRAIN_PUMP);
    cr_expect_eq(drain_phase(0, 0, 1, 5000, 0), DRAIN_PUMP);
}

Test(drain, background_job_holding_the_pipe)
{
    int p[2];
    char buf[64];

    nb_pipe(p);
    cr_assert_eq(write(p[1], "hello\n", 6), 6);
    /* p[1] stays open: `sleep 30 &` inherited it. */
    cr_expect_eq(read_all(p[0], 0, buf, sizeof(buf)), DRAIN_WAIT,
                 "before the linger an empty pipe is waited on");
    cr_expect_str_eq(buf, "hello\n");
    cr_expect_eq(drain_phase(1, 0, 1, 1999, 2000), DRAIN_PUMP, "linger not over");
    cr_expect_eq(drain_phase(1, 0, 1, 2000, 2000), DRAIN_START, "linger over: drain");
    cr_expect_eq(drain_phase(1, 1, 1, 9000, 2000), DRAIN_PUMP, "draining starts once");
    cr_assert_eq(write(p[1], "more\n", 5), 5);
    cr_expect_eq(read_all(p[0], 1, buf, sizeof(buf)), DRAIN_EOF,
                 "draining: what is buffered, then EOF although the job holds the pipe");
    cr_expect_str_eq(buf, "more\n", "what was buffered is still delivered");
    close(p[0]);
    close(p[1]);
}

Test(drain, pty_eio_is_the_end)
{
    int ptm, pts;
    char buf[64];

    cr_assert_eq(openpty(&ptm, &pts, NULL, NULL, NULL), 0);
    cr_assert_eq(fcntl(ptm, F_SETFL, O_NONBLOCK), 0);
    cr_assert_eq(write(pts, "bye", 3), 3);
    close(pts);                 /* the last process on the terminal exited */
    cr_expect_eq(read_all(ptm, 0, buf, sizeof(buf)), DRAIN_EOF,
                 "EIO on the master is EOF, not an error to wait on");
    cr_expect_str_eq(buf, "bye", "output written before the hangup is kept");
    close(ptm);
}
