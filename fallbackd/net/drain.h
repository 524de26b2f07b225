/* drain.h - the rule that ends a session without losing output.
 *
 * The decisions of session_io.c's "drain" table as pure functions over
 * plain values and an fd, so that each row is unit-tested with pipes and
 * ptys standing in for a session (tests/unit/test_drain.c):
 *
 *   process | output fds      | linger   | next
 *   --------+-----------------+----------+------------------------------------
 *   running | any             | -        | DRAIN_PUMP: move bytes
 *   exited  | open or pending | not over | DRAIN_PUMP: read to EOF/EIO, lose nothing
 *   exited  | open or pending | over     | DRAIN_START: a background job holds
 *           |                 |          |   them; take what is buffered, then EOF
 *   exited  | all at EOF, sent| -        | DRAIN_FINISH: exit status, EOF, CLOSE
 *
 * And one read of an output fd:
 *
 *   read gives               | next
 *   -------------------------+---------------------------------------------
 *   bytes                    | DRAIN_MORE (send them, read again)
 *   EINTR                    | DRAIN_MORE (nothing read)
 *   EAGAIN, not draining     | DRAIN_WAIT (poll again)
 *   EAGAIN, draining         | DRAIN_EOF  (the holder is a background job)
 *   0 (EOF), EIO (pty gone)  | DRAIN_EOF
 *   any other error          | DRAIN_EOF
 */
#ifndef FBD_DRAIN_H
#define FBD_DRAIN_H

#include <stddef.h>

enum drain_phase {
    DRAIN_PUMP = 0,
    DRAIN_START,
    DRAIN_FINISH,
};

enum drain_read {
    DRAIN_MORE = 0,
    DRAIN_WAIT,
    DRAIN_EOF,
};

/* The session's next step (first table).  output_open: an output fd is
 * still open or read bytes wait to be sent. */
enum drain_phase drain_phase(int exited, int draining, int output_open, long long now,
                             long long linger_until);

/* Read at most cap bytes of output from fd into buf (second table);
 * *got is the number read (0 unless DRAIN_MORE). */
enum drain_read drain_read(int fd, void *buf, size_t cap, int draining, size_t *got);

#endif
