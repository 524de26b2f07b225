/* monitor_proto.h - the messages between a connection's monitor and its
 * network process.
 *
 * The monitor (privileged, one per connection) holds the host private keys,
 * the configuration and the user database, and decides every login.  The
 * network process (no privileges, no filesystem, seccomp) speaks SSH with
 * the client and can ask the monitor only for what the request table in
 * monitor/requests.c allows.
 *
 * Transport: a SOCK_SEQPACKET socketpair, one message per packet, at most
 * MON_MAX_MSG bytes; file descriptors travel with SCM_RIGHTS (MON_SPAWNED
 * and MON_FORWARDED only).  Wire format of a message (RFC 4251 encodings):
 *
 *     uint32  type
 *     ...     the fields of that type, in the order of its schema below:
 *             'u' = uint32, 's' = string (uint32 length + bytes)
 *
 * A message must hold exactly its schema: nothing missing, nothing after.
 * mon_parse() is the only parser, and is fuzzed (fuzz/fuzz_monitor_proto.c).
 */
#ifndef FBD_MONITOR_PROTO_H
#define FBD_MONITOR_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define MON_MAX_MSG (256 * 1024)
#define MON_MAX_FIELDS 10
#define MON_MAX_FDS 3

/* Live session processes per connection: the monitor starts no more
 * (session_spawn.c); the network process polls and queues the exits of
 * no more (conn_loop.c, monitor_client.c). */
#define MON_MAX_SESSIONS 64

/* Forwarded channels per connection: MaxForwardChannels can say no more
 * (config.c, 1-64); the network process polls no more (conn_loop.c), and
 * the monitor has no more connects in flight (forward_flight.c), whatever
 * the network process asks. */
#define MON_MAX_FORWARDS 64

/* Limits of a MON_SPAWN, checked on both sides of the wall: the network
 * process keeps no more (session_req.c), the monitor takes no more
 * (session_spawn.c), whatever the network process sends. */
#define MON_MAX_TTY_DIM 10000       /* terminal columns, rows, pixels: clamped */
#define MON_MAX_ENV 64              /* env requests per session */
#define MON_MAX_ENV_NAME 256        /* bytes of a variable's name */
#define MON_MAX_ENV_VALUE 8192      /* bytes of its value */

/* Bytes of a MON_CLIENT_VERSION line: RFC 4253 4.2 allows 255 with the
 * CR LF.  The network process sends no more; the monitor takes no more. */
#define MON_MAX_CLIENT_VERSION 253

/* A terminal dimension from the wire, clamped to 0..MON_MAX_TTY_DIM. */
static inline unsigned short mon_tty_dim(long long v)
{
    return (unsigned short)(v < 0 ? 0 : v > MON_MAX_TTY_DIM ? MON_MAX_TTY_DIM : v);
}

enum mon_type {
    /* network process -> monitor                    schema          */
    MON_LOG = 1,            /* level, text                          "us"     */
    MON_HOSTKEY_SIGN,       /* digest, hostkey blob, data            "uss"    */
    MON_AUTH_QUERY,         /* user, key blob                        "ss"     */
    MON_AUTH_SIGNED,        /* user, key blob, signed data, sig      "ssss"   */
    MON_AUTH_OTHER,         /* user, method name                     "ss"     */
    MON_SPAWN,              /* kind, command, pty, term, cols, rows,
                               xpixel, ypixel, env ("K=V\0K=V\0")     "ususuuuus" */
    MON_SIGNAL,             /* session id, signal name               "us"     */
    /* monitor -> network process */
    MON_SIGNATURE,          /* signature blob                        "s"      */
    MON_AUTH_RESULT,        /* verdict, flags, user                  "uus"    */
    MON_SPAWNED,            /* session id, tty name; fds attached    "us"     */
    MON_FAIL,               /* reason                                "s"      */
    MON_EXITED,             /* session id, wait status               "uu"     */
    /* local forwarding (added after the others: their numbers stay).
     * MON_FORWARD is not waited for: the monitor answers it later, unasked
     * (MON_FORWARDED or MON_FORWARD_FAILED, with the request id the
     * network process chose), while it answers other requests; several
     * may be in flight (at most MON_MAX_FORWARDS). */
    MON_FORWARD,            /* net -> monitor: request id, target
                               host, target port, originator address,
                               originator port                       "ususu"  */
    MON_FORWARDED,          /* monitor -> net: request id, the address
                               connected to; the connected socket
                               attached                              "us"     */
    MON_PROGRESS,           /* net -> monitor, unanswered: a stage of
                               conn_progress.h reached               "u"      */
    MON_CLIENT_VERSION,     /* net -> monitor, unanswered, once: the
                               client's SSH version line, without
                               CR LF (internal-sftp's SYMLINK order) "s"      */
    MON_FORWARD_FAILED,     /* monitor -> net: request id, reason
                               ("administratively prohibited[: WHY]"
                               or "connect failed: WHY")            "us"     */
    MON_TYPE_MAX
};

/* MON_AUTH_RESULT verdicts */
enum mon_verdict {
    MON_DENIED = 0,
    MON_KEY_OK,             /* a query's key would do (PK_OK) */
    MON_ACCEPTED,           /* authenticated */
    MON_TOO_MANY,           /* MaxAuthTries reached: disconnect */
};

/* MON_AUTH_RESULT flags: what the network process must know of the key */
#define MON_FLAG_NO_PTY 0x1
#define MON_FLAG_FORCED 0x2

/* MON_SPAWN kinds */
enum mon_spawn_kind {
    MON_SPAWN_SHELL = 0,
    MON_SPAWN_EXEC,
    MON_SPAWN_SUBSYSTEM,
};

/* A parsed message: fields in schema order; strings point into the
 * buffer that was parsed. */
struct mon_field {
    uint32_t u;
    const unsigned char *s;
    size_t len;
};

struct mon_msg {
    uint32_t type;
    size_t nfields;
    struct mon_field f[MON_MAX_FIELDS];
    int fds[MON_MAX_FDS];
    size_t nfds;
};

/* The schema of a type ("us", ...), or NULL for an unknown type. */
const char *mon_schema(uint32_t type);

/* Parse LEN bytes into *m (fds untouched).  0, or -1 if the message is
 * malformed (unknown type, short, long, a field out of bounds). */
int mon_parse(const unsigned char *buf, size_t len, struct mon_msg *m);

/* A string field as a C string in out.  0 ok; -1 if it holds a NUL byte
 * or is longer than outlen - 1 bytes (never truncated). */
int mon_cstr(const struct mon_field *f, char *out, size_t outlen);

/* Build and send one message of TYPE; fields given as uint32_t for 'u'
 * and (const void *, size_t) pairs for 's', in schema order.  fds (nfds
 * of them) go along with SCM_RIGHTS.  0 ok, -1 on error. */
int mon_send(int sock, const int *fds, size_t nfds, uint32_t type, ...);

/* Receive one message into buf (MON_MAX_MSG bytes) and parse it; fds
 * received are in m->fds.  Returns 1 for a message, 0 at EOF, -1 on a
 * malformed message (errno EBADMSG) or a socket error (its errno); any fds
 * received are closed. */
int mon_recv(int sock, unsigned char *buf, struct mon_msg *m);

#endif
