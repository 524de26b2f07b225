/* sftp_harness.h - what the SFTP unit tests share: a server in a fresh
 * temporary directory, requests built with keys/sshbuf.h, and the replies
 * taken back out of the server's output buffer. */
#ifndef FBD_TEST_SFTP_HARNESS_H
#define FBD_TEST_SFTP_HARNESS_H

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sftp/proto.h"
#include "sftp/sftp_server.h"
#include "sshbuf.h"

struct harness {
    char dir[64];
    struct sftp_options opt;
    struct sftp_server s;
    unsigned char reply[SFTP_MAX_MSG + 64];   /* last reply: type, id, payload */
    size_t reply_len;
    struct sshrd r;                           /* reading it, after type and id */
    uint8_t type;
    uint32_t id;
};

static inline const char *h_user(uid_t uid, void *ctx)
{
    return uid == getuid() ? "tester" : NULL;
}

static inline const char *h_group(gid_t gid, void *ctx)
{
    return gid == getgid() ? "testers" : NULL;
}

static inline const char *h_home(const char *user, void *ctx)
{
    return strcmp(user, "tester") == 0 ? "/home/tester" : NULL;
}

/* A server in a new temporary directory (the cwd), INIT done. */
static inline void harness_start(struct harness *h, int read_only)
{
    static const unsigned char init[] = { FXP_INIT, 0, 0, 0, 3 };

    memset(h, 0, sizeof(*h));
    log_setup("fbd-test", 1, 4 << 3, LL_QUIET);
    strcpy(h->dir, "/tmp/fbd-sftp-XXXXXX");
    cr_assert_not_null(mkdtemp(h->dir));
    cr_assert_eq(chdir(h->dir), 0);
    h->opt.read_only = read_only;
    h->opt.umask = -1;
    h->opt.log_level = 0;
    h->opt.user = "tester";
    h->opt.home = h->dir;
    h->opt.names = (struct sftp_names){ h_user, h_group, h_home, NULL };
    sftp_server_init(&h->s, &h->opt);
    sftp_dispatch(&h->s, init, sizeof(init));
    cr_assert_null(h->s.fatal);
}

static inline void harness_stop(struct harness *h)
{
    char cmd[128];

    sftp_server_free(&h->s);
    cr_assert_eq(chdir("/"), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", h->dir);
    cr_assert_eq(system(cmd), 0);
}

/* Take the next queued reply; its type and id are read. */
static inline void harness_take(struct harness *h)
{
    const char *why = NULL;
    long whole = wire_frame(h->s.out.data, h->s.out.len, &why);

    cr_assert_gt(whole, 0, "no complete reply queued (%zu bytes)", h->s.out.len);
    h->reply_len = (size_t)whole - 4;
    memcpy(h->reply, h->s.out.data + 4, h->reply_len);
    wire_consume(&h->s.out, (size_t)whole);
    sshrd_init(&h->r, h->reply, h->reply_len);
    h->type = sshrd_u8(&h->r);
    h->id = h->type == FXP_VERSION ? 0 : sshrd_u32(&h->r);
}

/* Send a request (type, id 7, then the bytes of b) and take its reply.
 * b is freed. */
static inline void harness_req(struct harness *h, uint8_t type, struct sshbuf *b)
{
    struct sshbuf p = SSHBUF_INIT;

    sshbuf_put_u8(&p, type);
    sshbuf_put_u32(&p, 7);
    sshbuf_put(&p, b->data, b->len);
    cr_assert(sshbuf_ok(&p));
    sftp_dispatch(&h->s, p.data, p.len);
    sshbuf_free(&p);
    sshbuf_free(b);
    cr_assert_null(h->s.fatal, "session ended: %s", h->s.fatal);
    harness_take(h);
    cr_assert_eq(h->id, 7);
    cr_assert_eq(h->s.out.len, 0, "more than one reply");
}

/* The code of a STATUS reply (fails the test on another reply). */
static inline uint32_t harness_status(struct harness *h)
{
    cr_assert_eq(h->type, FXP_STATUS, "reply type %u, not STATUS", h->type);
    return sshrd_u32(&h->r);
}

static inline void put_u64(struct sshbuf *b, uint64_t v)
{
    sshbuf_put_u32(b, (uint32_t)(v >> 32));
    sshbuf_put_u32(b, (uint32_t)v);
}

/* Request with a single path: STAT, LSTAT, REMOVE, RMDIR, OPENDIR, ... */
static inline void harness_path_req(struct harness *h, uint8_t type, const char *path)
{
    struct sshbuf b = SSHBUF_INIT;

    sshbuf_put_cstring(&b, path);
    harness_req(h, type, &b);
}

/* OPEN path with pflags (and permissions if perm >= 0); returns the handle
 * (8 bytes into handle) or fails the test. */
static inline void harness_open(struct harness *h, const char *path, uint32_t pflags, int perm,
                                unsigned char handle[8])
{
    struct sshbuf b = SSHBUF_INIT;
    size_t n = 0;
    const unsigned char *p;

    sshbuf_put_cstring(&b, path);
    sshbuf_put_u32(&b, pflags);
    sshbuf_put_u32(&b, perm >= 0 ? ATTR_PERMISSIONS : 0);
    if (perm >= 0) {
        sshbuf_put_u32(&b, (uint32_t)perm);
    }
    harness_req(h, FXP_OPEN, &b);
    cr_assert_eq(h->type, FXP_HANDLE, "open %s: reply %u", path, h->type);
    p = sshrd_string(&h->r, &n);
    cr_assert_eq(n, 8);
    memcpy(handle, p, 8);
}

/* A request whose payload is a handle and maybe more (READDIR, CLOSE). */
static inline void harness_handle_req(struct harness *h, uint8_t type, const unsigned char *hd)
{
    struct sshbuf b = SSHBUF_INIT;

    sshbuf_put_string(&b, hd, 8);
    harness_req(h, type, &b);
}

/* Write a file in the test directory. */
static inline void harness_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

#endif
