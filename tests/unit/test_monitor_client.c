/* test_monitor_client.c - the monitor's unasked answers to forwarding
 * opens, as the network process takes them (fallbackd/net/monitor_client.c,
 * channel_direct.c): noted in the pending open whenever they come, also
 * while another reply is awaited; one that matches no pending open ends
 * the connection, and the socket it brought is closed. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward.h"
#include "monitor_client.h"

#define TIMED_OUT "connect failed: Connection timed out"

/* A connection with one open pending (request ID); the monitor's end of
 * the socket is *peer. */
struct rig {
    struct conn c;
    struct fwd_open o;
    int peer;
};

static void rig_init(struct rig *r, int id)
{
    int sp[2];

    memset(r, 0, sizeof(*r));
    cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
    r->c.mon = sp[0];
    r->peer = sp[1];
    r->c.monbuf = malloc(MON_MAX_MSG);
    cr_assert_not_null(r->c.monbuf);
    snprintf(r->c.peer, sizeof(r->c.peer), "192.0.2.9");
    r->o.id = id;
    r->o.fd = -1;
    r->c.opens = &r->o;
    r->c.nopens = 1;
}

static void rig_free(struct rig *r)
{
    close(r->c.mon);
    close(r->peer);
    free(r->c.monbuf);
    if (r->o.fd >= 0) {
        close(r->o.fd);
    }
}

/* A pipe; the monitor sends its write end as "the connected socket", so
 * that EOF on the read end shows every copy of it was closed. */
static void send_forwarded(struct rig *r, uint32_t id, int *rd)
{
    int p[2];

    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    cr_assert_eq(mon_send(r->peer, &p[1], 1, MON_FORWARDED, id, "127.0.0.1", (size_t)9), 0);
    close(p[1]);
    *rd = p[0];
}

Test(monitor_client, forward_answers_taken_while_another_reply_is_awaited)
{
    struct rig r;
    struct mon_msg m;

    rig_init(&r, 7);
    cr_assert_eq(mon_send(r.peer, NULL, 0, MON_FORWARD_FAILED, (uint32_t)7, TIMED_OUT,
                          strlen(TIMED_OUT)), 0);
    cr_assert_eq(mon_send(r.peer, NULL, 0, MON_EXITED, (uint32_t)3, (uint32_t)0), 0);
    cr_assert_eq(mon_send(r.peer, NULL, 0, MON_SPAWNED, (uint32_t)1, "", (size_t)0), 0);
    cr_assert_eq(monclient_reply(&r.c, MON_SPAWNED, &m), 0);
    cr_expect_eq(m.type, MON_SPAWNED);
    cr_expect_eq(r.o.answered, 1);
    cr_expect_eq(r.o.fd, -1);
    cr_expect_str_eq(r.o.why, TIMED_OUT);
    cr_expect_eq(r.c.nexits, 1);
    cr_expect_eq(r.c.fatal, 0);
    rig_free(&r);
}

Test(monitor_client, forwarded_socket_kept_in_the_pending_open)
{
    struct rig r;
    int rd;
    char byte;

    rig_init(&r, 4);
    send_forwarded(&r, 4, &rd);
    cr_assert_eq(monclient_unasked(&r.c), 0);
    cr_expect_eq(r.o.answered, 1);
    cr_assert_geq(r.o.fd, 0);
    cr_expect_eq(write(r.o.fd, "x", 1), 1);
    cr_expect_eq(read(rd, &byte, 1), 1);
    cr_expect_eq(byte, 'x');
    close(rd);
    rig_free(&r);
}

Test(monitor_client, answer_to_no_pending_open_ends_the_connection)
{
    struct rig r;
    int rd;
    char byte;

    rig_init(&r, 4);
    send_forwarded(&r, 5, &rd);
    cr_expect_eq(monclient_unasked(&r.c), -1);
    cr_expect_eq(r.c.fatal, 1);
    cr_expect_eq(r.o.answered, 0);
    cr_expect_eq(read(rd, &byte, 1), 0, "the socket that came was not closed");
    close(rd);
    rig_free(&r);
}

Test(monitor_client, second_answer_to_one_open_ends_the_connection)
{
    struct rig r;
    struct mon_msg m;

    rig_init(&r, 2);
    cr_assert_eq(mon_send(r.peer, NULL, 0, MON_FORWARD_FAILED, (uint32_t)2, "x", (size_t)1), 0);
    cr_assert_eq(mon_send(r.peer, NULL, 0, MON_FORWARD_FAILED, (uint32_t)2, "y", (size_t)1), 0);
    cr_expect_eq(monclient_reply(&r.c, MON_SPAWNED, &m), -1);
    cr_expect_eq(r.c.fatal, 1);
    cr_expect_str_eq(r.o.why, "x");
    rig_free(&r);
}
