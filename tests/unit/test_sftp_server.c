/* test_sftp_server.c - internal-sftp's I/O loop (fallbackd/sftp/serve.c)
 * over a socketpair: pipelined requests answered in order, bounds on the
 * packet length, the end of the session. */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sftp/proto.h"
#include "sftp/sftp.h"
#include "sshbuf.h"

#define FILE_SIZE (4u << 20)
#define CHUNK (32u * 1024u)

static char dir[64];
static int sock = -1;
static pid_t pid = -1;
static struct sftp_options opt;

/* A server child on one end of a socketpair; a test file of FILE_SIZE
 * bytes (byte i is i * 7 mod 251) in a new temporary directory. */
static void setup(void)
{
    int sv[2];
    int fd;
    unsigned char *data = malloc(FILE_SIZE);

    log_setup("fbd-test", 1, 4 << 3, LL_QUIET);
    strcpy(dir, "/tmp/fbd-sftp-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(chdir(dir), 0);
    cr_assert_not_null(data);
    for (size_t i = 0; i < FILE_SIZE; i++) {
        data[i] = (unsigned char)(i * 7 % 251);
    }
    fd = open("data", O_WRONLY | O_CREAT, 0644);
    cr_assert_eq(write(fd, data, FILE_SIZE), (ssize_t)FILE_SIZE);
    close(fd);
    free(data);
    memset(&opt, 0, sizeof(opt));
    opt.umask = -1;
    opt.home = dir;
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(sv[0]);
        _exit(sftp_server_run(sv[1], sv[1], &opt));
    }
    close(sv[1]);
    sock = sv[0];
}

static void teardown(void)
{
    char cmd[128];

    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    close(sock);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(sftp_server, .init = setup, .fini = teardown, .timeout = 20);

static void send_all(const void *p, size_t n)
{
    const unsigned char *c = p;

    while (n > 0) {
        ssize_t w = write(sock, c, n);

        cr_assert_gt(w, 0);
        c += w;
        n -= (size_t)w;
    }
}

static void recv_all(void *p, size_t n)
{
    unsigned char *c = p;

    while (n > 0) {
        ssize_t r = read(sock, c, n);

        cr_assert_gt(r, 0, "server closed early");
        c += r;
        n -= (size_t)r;
    }
}

/* Append a framed packet holding the bytes of body to out. */
static void frame(struct sshbuf *out, struct sshbuf *body)
{
    sshbuf_put_u32(out, (uint32_t)body->len);
    sshbuf_put(out, body->data, body->len);
    sshbuf_free(body);
}

/* Read one reply into buf (type and payload); returns its length. */
static size_t recv_packet(unsigned char *buf, size_t cap)
{
    unsigned char l[4];
    uint32_t len;

    recv_all(l, 4);
    len = (uint32_t)l[0] << 24 | (uint32_t)l[1] << 16 | (uint32_t)l[2] << 8 | l[3];
    cr_assert_leq(len, cap);
    recv_all(buf, len);
    return len;
}

static int server_status(void)
{
    int st;

    cr_assert_eq(waitpid(pid, &st, 0), pid);
    pid = -1;
    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void init(void)
{
    static unsigned char buf[4096];
    struct sshbuf out = SSHBUF_INIT;
    struct sshbuf b = SSHBUF_INIT;

    sshbuf_put_u8(&b, FXP_INIT);
    sshbuf_put_u32(&b, 3);
    frame(&out, &b);
    send_all(out.data, out.len);
    sshbuf_free(&out);
    recv_packet(buf, sizeof(buf));
    cr_assert_eq(buf[0], FXP_VERSION);
}

/* 128 READs of 32 KiB sent in one write, as a client with many requests
 * in flight: every reply arrives, in order, with the file's bytes. */
Test(sftp_server, pipelined_reads_in_order)
{
    static unsigned char buf[SFTP_MAX_MSG];
    struct sshbuf out = SSHBUF_INIT;
    struct sshbuf b = SSHBUF_INIT;
    unsigned char handle[8];
    uint32_t n = FILE_SIZE / CHUNK;

    init();
    sshbuf_put_u8(&b, FXP_OPEN);
    sshbuf_put_u32(&b, 1);
    sshbuf_put_cstring(&b, "data");
    sshbuf_put_u32(&b, FXF_READ);
    sshbuf_put_u32(&b, 0);
    frame(&out, &b);
    send_all(out.data, out.len);
    sshbuf_free(&out);
    cr_assert_eq(recv_packet(buf, sizeof(buf)), 1 + 4 + 4 + 8);
    cr_assert_eq(buf[0], FXP_HANDLE);
    memcpy(handle, buf + 9, 8);
    for (uint32_t i = 0; i < n; i++) {
        sshbuf_put_u8(&b, FXP_READ);
        sshbuf_put_u32(&b, 100 + i);
        sshbuf_put_string(&b, handle, 8);
        sshbuf_put_u32(&b, 0);
        sshbuf_put_u32(&b, i * CHUNK);
        sshbuf_put_u32(&b, CHUNK);
        frame(&out, &b);
    }
    send_all(out.data, out.len);
    sshbuf_free(&out);
    for (uint32_t i = 0; i < n; i++) {
        size_t len = recv_packet(buf, sizeof(buf));
        uint32_t id = (uint32_t)buf[1] << 24 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 8 |
                      buf[4];

        cr_assert_eq(buf[0], FXP_DATA);
        cr_assert_eq(id, 100 + i);
        cr_assert_eq(len, 1 + 4 + 4 + CHUNK);
        for (uint32_t k = 0; k < CHUNK; k += 4093) {
            cr_assert_eq(buf[9 + k], (unsigned char)((i * CHUNK + k) * 7 % 251));
        }
    }
    shutdown(sock, SHUT_WR);
    cr_expect_eq(server_status(), 0, "the client's EOF ends the session cleanly");
}

Test(sftp_server, overlong_packet_ends_the_session)
{
    static const unsigned char huge[] = { 0x00, 0x10, 0x00, 0x00, FXP_WRITE };
    unsigned char c;

    init();
    send_all(huge, sizeof(huge));
    cr_expect_eq(read(sock, &c, 1), 0, "closed without a reply");
    cr_expect_eq(server_status(), 1);
}

Test(sftp_server, request_before_init_ends_the_session)
{
    static const unsigned char stat[] = { 0, 0, 0, 10, FXP_STAT, 0, 0, 0, 1, 0, 0, 0, 1, '.' };
    unsigned char c;

    send_all(stat, sizeof(stat));
    cr_expect_eq(read(sock, &c, 1), 0);
    cr_expect_eq(server_status(), 1);
}

Test(sftp_server, packet_split_across_writes)
{
    static unsigned char buf[4096];
    static const unsigned char stat[] = { 0, 0, 0, 10, FXP_STAT, 0, 0, 0, 9, 0, 0, 0, 1, '.' };

    init();
    for (size_t i = 0; i < sizeof(stat); i++) {
        send_all(stat + i, 1);
        usleep(1000);
    }
    recv_packet(buf, sizeof(buf));
    cr_expect_eq(buf[0], FXP_ATTRS);
    cr_expect_eq(buf[4], 9);
    send_all(stat, 6);      /* half a packet, then EOF */
    shutdown(sock, SHUT_WR);
    cr_expect_eq(server_status(), 0);
}
