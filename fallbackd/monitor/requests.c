/* requests.c - the request table and the loop of a connection's monitor.
 *
 * What the network process may ask, and when (anything else, or anything
 * out of its phase, is treated as a compromised network process: logged,
 * and the connection is killed):
 *
 *   request           | before auth     | after auth | what the monitor does
 *   ------------------+-----------------+------------+---------------------------------
 *   MON_LOG           | yes             | yes        | logs the line (bounded count)
 *   MON_HOSTKEY_SIGN  | once            | once per   | signs an exchange hash with the
 *                     |                 |   rekey    |   host key (sign_policy.h: size,
 *                     |                 |            |   digest, how often); the first
 *                     |                 |            |   is the session identifier
 *   MON_PROGRESS      | each stage once | no         | tells the listener (one byte on
 *                     |   and in order; |            |   the startup pipe, conn_progress.h)
 *                     |   "keyed" after |            |
 *                     |   the signature |            |
 *   MON_CLIENT_VERSION| once            | no         | keeps the client's version line
 *                     |                 |            |   for internal-sftp (the order of
 *                     |                 |            |   SYMLINK's paths), logs it
 *   MON_AUTH_QUERY    | yes             | no         | would this key do? (policy only)
 *   MON_AUTH_SIGNED   | yes             | no         | checks the signed data, verifies
 *                     |                 |            |   the user's signature, decides
 *   MON_AUTH_OTHER    | yes             | no         | logs and counts a refused method
 *                     |                 |            |   ("none": the first is free)
 *   MON_SPAWN         | no              | yes        | pty/pipes + the user's process;
 *                     |                 |            |   fds back with SCM_RIGHTS
 *   MON_SIGNAL        | no              | yes        | kill() a session's process
 *   MON_FORWARD       | no              | yes        | policy, then a forked child (the
 *                     |                 |            |   user) connects; not waited for:
 *                     |                 |            |   the answer goes later, unasked
 *                     |                 |            |   (forward_connect.c,
 *                     |                 |            |   forward_flight.c)
 *
 * The monitor also sends, unasked, MON_EXITED when a session's process
 * exits, MON_FORWARDED (the socket with SCM_RIGHTS) or MON_FORWARD_FAILED
 * when a forwarding child answers or runs out of time, and enforces
 * LoginGraceTime on the network process.
 *
 * The loop polls the network process's socket, the SIGCHLD self-pipe and
 * the socketpair of each forwarding child in flight, with the nearest
 * forwarding deadline as its timeout.
 *
 * Liveness: a network process can stop reading, or flood the monitor with
 * requests, but neither stalls the monitor.  Its socket has a send
 * timeout (MON_SEND_TIMEOUT_S: a reply that cannot be sent ends the
 * connection), and LoginGraceTime is a real-time timer (setitimer) whose
 * SIGALRM handler kills the network process whatever the monitor is doing
 * at that moment; the poll loop only logs it.
 */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algolist.h"
#include "clock.h"
#include "conn_end.h"
#include "conn_progress.h"
#include "hostkeys.h"
#include "log.h"
#include "sign_policy.h"

#define PRE 0x1         /* allowed before authentication */
#define POST 0x2        /* allowed after authentication */

#define MAX_FORWARDED_LOG_LINES 100000
#define MON_SEND_TIMEOUT_S 5

static volatile sig_atomic_t grace_net_pid;    /* killed when the grace timer fires */
static volatile sig_atomic_t grace_expired;

static int sigchld_wfd = -1;

static int req_log(struct monitor *m, const struct mon_msg *msg);
static int req_sign(struct monitor *m, const struct mon_msg *msg);
static int req_progress(struct monitor *m, const struct mon_msg *msg);
static int req_client_version(struct monitor *m, const struct mon_msg *msg);

static const struct {
    uint32_t type;
    const char *name;
    unsigned phases;
    int (*fn)(struct monitor *m, const struct mon_msg *msg);
} requests[] = {
    { MON_LOG, "LOG", PRE | POST, req_log },
    { MON_HOSTKEY_SIGN, "HOSTKEY_SIGN", PRE | POST, req_sign },
    { MON_PROGRESS, "PROGRESS", PRE, req_progress },
    { MON_CLIENT_VERSION, "CLIENT_VERSION", PRE, req_client_version },
    { MON_AUTH_QUERY, "AUTH_QUERY", PRE, monauth_query },
    { MON_AUTH_SIGNED, "AUTH_SIGNED", PRE, monauth_signed },
    { MON_AUTH_OTHER, "AUTH_OTHER", PRE, monauth_other },
    { MON_SPAWN, "SPAWN", POST, monspawn_spawn },
    { MON_SIGNAL, "SIGNAL", POST, monspawn_signal },
    { MON_FORWARD, "FORWARD", POST, monfwd_connect },
};

/* A line from the network process, logged as ours (it has no other way
 * out).  A flood of lines is cut off, not fatal. */
static int req_log(struct monitor *m, const struct mon_msg *msg)
{
    char text[1024];
    int level = (int)msg->f[0].u;

    if (++m->log_lines > MAX_FORWARDED_LOG_LINES) {
        return 0;
    }
    if (mon_cstr(&msg->f[1], text, sizeof(text)) < 0) {
        return -1;
    }
    logmsg(level < LL_FATAL ? LL_FATAL : level > LL_DEBUG3 ? LL_DEBUG3 : level, "%s", text);
    return 0;
}

/* Why a sign request breaks sign_policy.h's rules, or NULL if it does not. */
static const char *sign_refusal(struct monitor *m, const struct mon_msg *msg)
{
    const struct mon_field *data = &msg->f[2];
    const char *kex = algolist_effective(ALGO_KEX, m->srv->cfg.algorithms[ALGO_KEX]);

    if (data->len > sizeof(m->session_id) || !sign_size_ok(kex, data->len)) {
        return "data that is not an exchange hash";
    }
    if (!sign_digest_ok(msg->f[1].s, msg->f[1].len, (int)msg->f[0].u)) {
        return "a digest that is not its host key type's";
    }
    if (!sign_budget_take(&m->sign, m->authenticated, clock_now_ms())) {
        return m->authenticated ? "more signatures than rekeys allow" :
                                  "a second signature before authentication";
    }
    return NULL;
}

/* Sign an exchange hash (sign_policy.h); the first one becomes the session
 * identifier the user's signature must cover. */
static int req_sign(struct monitor *m, const struct mon_msg *msg)
{
    const struct mon_field *data = &msg->f[2];
    const char *why = sign_refusal(m, msg);
    ssh_string sig;
    int rc;

    if (why != NULL) {
        log_error("monitor: the network process asked to sign %s (%zu bytes, digest %u): "
                  "closing the connection from %s port %d", why, data->len, msg->f[0].u,
                  m->peer, m->peer_port);
        return -1;
    }
    sig = hostkeys_sign(&m->srv->keys, msg->f[1].s, msg->f[1].len, (int)msg->f[0].u,
                        data->s, data->len);
    if (sig == NULL) {
        return mon_send(m->sock, NULL, 0, MON_FAIL, "cannot sign", (size_t)11);
    }
    if (m->session_id_len == 0) {
        memcpy(m->session_id, data->s, data->len);
        m->session_id_len = data->len;
        m->session_hostkey = hostkeys_find(&m->srv->keys, msg->f[1].s, msg->f[1].len);
    }
    rc = mon_send(m->sock, NULL, 0, MON_SIGNATURE, ssh_string_data(sig),
                  (size_t)ssh_string_len(sig));
    ssh_string_free(sig);
    return rc;
}

/* The network process reached a stage of conn_progress.h: pass it on to
 * the listener, which admits by it.  Each stage once and in order, and
 * "keyed" only once this monitor has signed the exchange hash; anything
 * else is a network process that does not follow its own code. */
static int req_progress(struct monitor *m, const struct mon_msg *msg)
{
    uint32_t stage = msg->f[0].u;
    unsigned char byte = (unsigned char)stage;

    if (stage <= (uint32_t)m->progress || stage > PROGRESS_KEYED ||
        (stage == PROGRESS_KEYED && m->session_id_len == 0)) {
        log_error("monitor: the network process reported progress %u after %d%s: closing "
                  "the connection from %s port %d", stage, m->progress,
                  m->session_id_len == 0 ? " (no exchange hash signed)" : "", m->peer,
                  m->peer_port);
        return -1;
    }
    m->progress = (int)stage;
    if (m->startup_fd >= 0) {
        (void)!write(m->startup_fd, &byte, 1);
    }
    return 0;
}

/* Is every byte of S printable ASCII? */
static int printable_ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s < 0x20 || *s > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* The client's SSH version line, as the network process read it in the
 * key exchange: kept for internal-sftp, which reads SYMLINK's two paths in
 * the order that client sends them (sftp_symlink_draft_order(), sftp.h),
 * and logged as sshd does.  It is the client's text relayed by an
 * untrusted process: more than MON_MAX_CLIENT_VERSION bytes, a NUL or a
 * second line is not what the network process's code sends, and ends the
 * connection; a line that is not printable ASCII (libssh takes any byte)
 * is kept as unknown, i.e. OpenSSH's order.
 * A lying network process gains nothing by it: the order only decides
 * which of the two names the user's own SFTP process, with the user's
 * rights, makes the link and which it points to, and that process already
 * gets every SFTP byte through the network process, which could swap the
 * two paths itself. */
static int req_client_version(struct monitor *m, const struct mon_msg *msg)
{
    char line[MON_MAX_CLIENT_VERSION + 1];
    int malformed = mon_cstr(&msg->f[0], line, sizeof(line)) < 0;

    if (malformed || m->client_version_told) {
        log_error("monitor: the network process sent %s client version line (%zu bytes): "
                  "closing the connection from %s port %d", malformed ? "a malformed" : "a second",
                  msg->f[0].len, m->peer, m->peer_port);
        return -1;
    }
    m->client_version_told = 1;
    if (!printable_ascii(line)) {
        log_info("client version line from %s port %d is not printable ASCII: ignored",
                 m->peer, m->peer_port);
        return 0;
    }
    memcpy(m->client_version, line, sizeof(line));
    log_debug("Client version \"%s\" from %s port %d", line, m->peer, m->peer_port);
    return 0;
}

/* Is this request allowed in the connection's phase? */
static int allowed(const struct monitor *m, unsigned phases)
{
    return (phases & (m->authenticated ? POST : PRE)) != 0;
}

/* Look the request up in the table, check its phase, run it. */
static int dispatch(struct monitor *m, const struct mon_msg *msg)
{
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        if (requests[i].type != msg->type) {
            continue;
        }
        if (!allowed(m, requests[i].phases)) {
            log_error("monitor: the network process asked for %s %s authentication: "
                      "closing the connection from %s port %d", requests[i].name,
                      m->authenticated ? "after" : "before", m->peer, m->peer_port);
            return -1;
        }
        return requests[i].fn(m, msg);
    }
    log_error("monitor: unexpected message type %u from the network process", msg->type);
    return -1;
}

/* LoginGraceTime is over: the network process goes, now. */
static void on_sigalrm(int sig)
{
    int saved = errno;

    (void)sig;
    grace_expired = 1;
    if (grace_net_pid > 0) {
        kill((pid_t)grace_net_pid, SIGKILL);
    }
    errno = saved;
}

/* Arm the grace timer: the network process gets LoginGraceTime, plus a
 * second to say so itself.  0 arms nothing. */
static int grace_timer_start(struct monitor *m)
{
    struct itimerval it = { { 0, 0 }, { m->srv->cfg.login_grace_time + 1, 0 } };
    struct sigaction sa;

    if (m->srv->cfg.login_grace_time <= 0) {
        return 0;
    }
    grace_net_pid = m->net_pid;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigalrm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) < 0) {
        return -1;
    }
    return setitimer(ITIMER_REAL, &it, NULL);
}

/* The user is in: no more grace timer. */
static void grace_timer_stop(void)
{
    struct itimerval off = { { 0, 0 }, { 0, 0 } };

    setitimer(ITIMER_REAL, &off, NULL);
    grace_net_pid = 0;
}

static void on_sigchld(int sig)
{
    int saved = errno;

    (void)sig;
    (void)!write(sigchld_wfd, "c", 1);
    errno = saved;
}

/* How the network process ended, if it did not simply exit: a signal
 * other than SIGKILL is a crash; a SIGKILL the monitor did not send
 * (KILLED_HERE; the grace timer's shows as grace_expired) came from
 * outside (the kernel's OOM killer, an administrator), and an exit status
 * other than 0 is a failure it may not have been able to tell.  Every
 * one closes the client's connection, so every one is logged. */
static void log_network_end(struct monitor *m, int status, int killed_here)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
        m->net_crashed = 1;
        log_error("network process for %s port %d killed by signal %d%s", m->peer,
                  m->peer_port, WTERMSIG(status),
                  WTERMSIG(status) == SIGSYS ? " (sandbox violation)" : "");
    } else if (WIFSIGNALED(status) && !killed_here && !grace_expired) {
        log_error("network process for %s port %d killed by SIGKILL, not sent by its "
                  "monitor (out of memory?): the connection is closed", m->peer, m->peer_port);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        log_error("network process for %s port %d exited with status %d: the connection "
                  "is closed", m->peer, m->peer_port, WEXITSTATUS(status));
    }
}

/* Reap children: the network process ending ends the loop (returns 1). */
static int reap(struct monitor *m)
{
    char drain[64];
    int status;
    int net_done = 0;
    pid_t pid;

    while (read(m->child_pipe[0], drain, sizeof(drain)) > 0) {
    }
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid != m->net_pid) {
            if (!monfwd_reaped(m, pid)) {
                monspawn_reaped(m, pid, status);
            }
            continue;
        }
        net_done = 1;
        m->net_pid = -1;
        log_network_end(m, status, 0);
    }
    return net_done;
}

/* The loop is over: make sure the network process is gone, and say how
 * it ended if it died on its own (a seccomp kill shows up here). */
static void finish_network(struct monitor *m)
{
    int status = 0;
    pid_t pid;

    if (m->net_pid <= 0) {
        return;
    }
    do {
        pid = waitpid(m->net_pid, &status, WNOHANG);
    } while (pid < 0 && errno == EINTR);
    if (pid == 0) {
        kill(m->net_pid, SIGKILL);
        while (waitpid(m->net_pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    log_network_end(m, status, pid == 0);
    m->net_pid = -1;
}

void monitor_told(struct monitor *m, int sent, const char *what)
{
    if (sent < 0 && m->net_pid > 0) {
        /* it does not read (send timeout) or is gone: end it */
        log_error("monitor: cannot tell the network process for %s port %d %s; closing the "
                  "connection", m->peer, m->peer_port, what);
        kill(m->net_pid, SIGKILL);
    }
}

/* One message from the network process.  -1 ends the connection. */
static int serve_message(struct monitor *m)
{
    static unsigned char buf[MON_MAX_MSG];
    struct mon_msg msg;
    int rc = mon_recv(m->sock, buf, &msg);

    if (rc <= 0) {
        if (rc < 0 && errno == EBADMSG) {
            log_error("monitor: malformed message from the network process");
        } else if (rc < 0 && errno != ECONNRESET) {
            log_error("monitor: reading from the network process: %s", strerror(errno));
        }
        return -1;     /* ECONNRESET: it ended with our reply unread */
    }
    for (size_t i = 0; i < msg.nfds; i++) {
        close(msg.fds[i]);      /* the network process never sends fds */
    }
    return dispatch(m, &msg);
}

/* The network process has exited: what it sent last is still queued on
 * the socket, and its last log lines are usually why it ended (a kex
 * error, the client closing).  The loop reaps on the same wake-up as it
 * reads, so without this those lines were lost whenever the monitor woke
 * late, as on a busy machine.  Its log lines are logged; anything else it
 * asked is moot now.  The queue is finite: its sender is gone. */
static void drain_last_words(struct monitor *m)
{
    static unsigned char buf[MON_MAX_MSG];
    struct pollfd p = { .fd = m->sock, .events = POLLIN };
    struct mon_msg msg;

    while (m->net_pid < 0 && poll(&p, 1, 0) > 0 && mon_recv(m->sock, buf, &msg) > 0) {
        for (size_t i = 0; i < msg.nfds; i++) {
            close(msg.fds[i]);
        }
        if (msg.type == MON_LOG && req_log(m, &msg) < 0) {
            break;
        }
    }
}

/* SIGCHLD through a self-pipe, so poll() wakes for it; the grace timer;
 * the socket's send timeout. */
static int setup_signals(struct monitor *m)
{
    struct timeval tv = { MON_SEND_TIMEOUT_S, 0 };
    struct sigaction sa;

    if (pipe2(m->child_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
        setsockopt(m->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
        grace_timer_start(m) < 0) {
        return -1;
    }
    sigchld_wfd = m->child_pipe[1];
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGCHLD, &sa, NULL);
}

/* How the connection ended, for the listener's penalties (conn_end.h). */
static enum conn_end conn_end_of(const struct monitor *m)
{
    if (m->net_crashed) {
        return CONN_END_CRASH;
    }
    if (m->too_many) {
        return CONN_END_AUTHFAIL;
    }
    if (m->authenticated) {
        return CONN_END_OK;
    }
    if (grace_expired) {
        return CONN_END_GRACE;
    }
    return m->attempts == 0 ? CONN_END_NOAUTH : CONN_END_OK;
}

/* Serve the network process until it exits. */
static int monitor_run(struct monitor *m)
{
    int done = setup_signals(m) < 0;

    if (done) {
        log_error("monitor: cannot set up its signals and timers for %s port %d: %s; closing "
                  "the connection", m->peer, m->peer_port, strerror(errno));
    }
    while (!done && !grace_expired) {
        struct pollfd p[2 + MON_MAX_FORWARDS] = { { .fd = m->sock, .events = POLLIN },
                                                  { .fd = m->child_pipe[0], .events = POLLIN } };
        size_t n = monfwd_pollfds(m, p, 2);

        if (poll(p, n, monfwd_timeout(m, clock_now_ms())) < 0 && errno != EINTR) {
            log_error("monitor: poll: %s; closing the connection from %s port %d",
                      strerror(errno), m->peer, m->peer_port);
            break;
        }
        if (p[1].revents && reap(m)) {
            break;
        }
        monfwd_service(m, p + 2, n - 2, clock_now_ms());
        if (p[0].revents && serve_message(m) < 0) {
            break;
        }
        if (m->authenticated && grace_net_pid != 0) {
            grace_timer_stop();
        }
    }
    drain_last_words(m);
    if (grace_expired && !m->authenticated) {
        log_info("Timeout before authentication for %s port %d", m->peer, m->peer_port);
    }
    grace_timer_stop();
    finish_network(m);
    reap(m);
    monfwd_connection_ended(m);
    monspawn_connection_ended(m);
    return (int)conn_end_of(m);
}

int monitor_serve(struct server *srv, int sock, pid_t net_pid, int startup_fd,
                  const struct endpoints *e)
{
    struct monitor m;
    int min_rsa = ALGO_RSA_MIN_BITS;
    int rc;

    memset(&m, 0, sizeof(m));
    m.srv = srv;
    m.sock = sock;
    m.net_pid = net_pid;
    m.startup_fd = startup_fd;
    m.started_ms = clock_now_ms();
    m.tty_gid = (gid_t)-1;
    memcpy(m.peer, e->peer, sizeof(m.peer));
    memcpy(m.local, e->local, sizeof(m.local));
    m.peer_port = e->peer_port;
    m.local_port = e->local_port;
    m.verifier = ssh_new();
    if (m.verifier == NULL) {
        log_error("monitor: out of memory; closing the connection from %s port %d", m.peer,
                  m.peer_port);
        kill(net_pid, SIGKILL);     /* it dies with us anyway (PR_SET_PDEATHSIG) */
        return 1;
    }
    ssh_options_set(m.verifier, SSH_OPTIONS_RSA_MIN_SIZE, &min_rsa);
    rc = monitor_run(&m);
    authz_clear(&m.authz);
    ssh_free(m.verifier);
    return rc;
}
