/* listener.c - accept connections and fork one process for each.
 *
 * The listener never executes anything by path: every connection is a
 * fork() of this process, which already holds the config, the host keys
 * and the user cache in memory; only its network process becomes a new
 * image, of the very inode that was started, through a file descriptor
 * opened at start (netexec.h), with that state handed over.  Replacing the
 * binary, the libraries or the config on disk therefore cannot break the
 * next login (the failure that takes sshd down mid-upgrade, see
 * shared/background).
 *
 * Events (one poll loop, signals through a signalfd):
 *
 *   event                 | action
 *   ----------------------+----------------------------------------------
 *   listening fd readable | accept; AllowFrom; penalties (penalty.h);
 *                         |   admission (admission.h);
 *                         |   fork the connection process (it splits
 *                         |   in two, split.c)
 *   startup pipe readable | a byte: that connection's progress
 *                         |   (conn_progress.h), for admission; EOF: it
 *                         |   authenticated (or ended), it no longer
 *                         |   counts as unauthenticated
 *   SIGCHLD               | reap every exited child; penalise its source
 *                         |   by how its monitor says it ended
 *   SIGHUP                | reload config + host keys; keep old on error
 *   SIGTERM / SIGINT      | close the listeners and exit; open sessions
 *                         |   live on in their own processes
 *   DoorLifetime reached  | close the listeners; exit once the last
 *                         |   connection process has ended
 */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "admission.h"
#include "clock.h"
#include "diagnose/door_state.h"
#include "confine_probe.h"
#include "conn_progress.h"
#include "listen_sockets.h"
#include "log.h"
#include "penalty.h"
#include "split.h"

#define MAX_CHILDREN 4096
#define REFUSAL_LOGS_PER_WINDOW 10      /* refusal lines per 10 s, then a count */
#define REFUSAL_WINDOW_MS 10000
#define ACCEPT_BATCH 16                 /* accepts per round of the loop */

/* A connection process and, until it authenticates, its startup pipe. */
struct child {
    pid_t pid;
    int startup_fd;         /* read end; -1 once authenticated or gone */
    uid_t sandbox_uid;      /* its network process's uid (SandboxUidRange) */
    struct pending pend;    /* its source block and accept time */
    char addr[INET6_ADDRSTRLEN];
    int port;
};

/* Refusals are logged at a bounded rate, so a scan cannot fill the disk. */
struct ratelimit {
    long long window_start;
    int logged;
    unsigned long suppressed;
};

struct listener {
    struct server *srv;
    const char *config_path;
    struct listen_set socks;
    int sigfd;
    struct child *children;
    size_t nchildren;
    size_t startups;        /* children not yet authenticated */
    unsigned long conn_count;
    struct ratelimit refusals;
    struct penalties penalties; /* PerSourcePenalties (penalty.h) */
    long long started_ms;
    int closing;            /* DoorLifetime over: no more accepts */
    int quit;
};

/* Block the signals we handle and route them to a signalfd. */
static int signals_open(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Undo signals_open() in a freshly forked connection process. */
static void signals_reset(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);
}

/* Log a refused connection, at most REFUSAL_LOGS_PER_WINDOW lines per
 * window; the rest are counted and reported once. */
static void log_refusal(struct listener *l, const char *host, int port, const char *why)
{
    struct ratelimit *r = &l->refusals;
    long long now = clock_now_ms();

    if (now - r->window_start >= REFUSAL_WINDOW_MS) {
        if (r->suppressed > 0) {
            log_info("%lu more refused connections were not logged", r->suppressed);
        }
        r->window_start = now;
        r->logged = 0;
        r->suppressed = 0;
    }
    if (r->logged >= REFUSAL_LOGS_PER_WINDOW) {
        r->suppressed++;
        return;
    }
    r->logged++;
    log_info("refused connection from %s port %d: %s", host, port, why);
}

/* Forget a child's startup pipe: it authenticated or ended. */
static void child_started(struct listener *l, struct child *c)
{
    if (c->startup_fd >= 0) {
        close(c->startup_fd);
        c->startup_fd = -1;
        l->startups--;
    }
}

/* Its startup pipe woke the poll: progress bytes from its monitor, or EOF
 * (authenticated or gone). */
static void child_progress(struct listener *l, struct child *c)
{
    unsigned char buf[16];
    ssize_t n = read(c->startup_fd, buf, sizeof(buf));

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        child_started(l, c);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        admission_note_progress(&c->pend, buf[i]);
    }
}

/* A connection process ended with STATUS: penalise its source if its
 * monitor says so (conn_end.h). */
static void penalise(struct listener *l, const struct child *c, int status)
{
    enum conn_end how = WIFEXITED(status) ? (enum conn_end)WEXITSTATUS(status) : CONN_END_OK;
    long long secs = penalty_record(&l->penalties, &l->srv->cfg, &c->pend.block, c->addr, how,
                                    clock_now_ms());

    if (secs > 0) {
        log_info("penalty: refusing connections from %s for %llds: %s", c->addr, secs,
                 penalty_event_name(how));
    }
}

/* Reap every exited child and drop it from the table. */
static void reap_children(struct listener *l)
{
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < l->nchildren; i++) {
            if (l->children[i].pid == pid) {
                penalise(l, &l->children[i], status);
                child_started(l, &l->children[i]);
                l->children[i] = l->children[--l->nchildren];
                break;
            }
        }
    }
}

/* Does a live connection's network process hold UID? */
static int uid_taken(const struct listener *l, uid_t uid)
{
    for (size_t i = 0; i < l->nchildren; i++) {
        if (l->children[i].sandbox_uid == uid) {
            return 1;
        }
    }
    return 0;
}

/* A uid of SandboxUidRange that no live connection holds, so that no
 * network process can signal another; -1 if every one is taken.  The
 * search starts at a random place, so two doors sharing a range rarely
 * pick the same uid. */
static long long sandbox_uid_pick(const struct listener *l)
{
    const struct fbd_config *cfg = &l->srv->cfg;
    unsigned long long size = (unsigned long long)(cfg->sandbox_uid_hi - cfg->sandbox_uid_lo) + 1;
    unsigned long long off = randombytes_uniform(size > UINT32_MAX ? UINT32_MAX : (uint32_t)size);

    /* nchildren + 1 candidates always hold a free one, if the range does */
    for (unsigned long long i = 0; i < size && i <= l->nchildren; i++) {
        uid_t uid = (uid_t)(cfg->sandbox_uid_lo + (long long)((off + i) % size));

        if (!uid_taken(l, uid)) {
            return uid;
        }
    }
    return -1;
}

/* The child side of a fork: serve one connection, never return. */
static void run_connection(struct listener *l, int fd, int startup_wr, uid_t sandbox_uid)
{
    close(l->sigfd);
    listen_close(&l->socks);
    for (size_t i = 0; i < l->nchildren; i++) {
        if (l->children[i].startup_fd >= 0) {
            close(l->children[i].startup_fd);
        }
    }
    signals_reset();
    /* Its own process group (monitor and network process; user sessions
     * get sessions of their own), so that an eviction kills both. */
    setpgid(0, 0);
    _exit(split_connection(l->srv, fd, startup_wr, sandbox_uid));
}

/* Fork the process for an accepted connection and record it. */
static void spawn_connection(struct listener *l, int fd, const struct pending *pend,
                             const char *host, int port)
{
    struct child *c = &l->children[l->nchildren];
    long long uid = sandbox_uid_pick(l);
    int pipefd[2];
    pid_t pid;

    if (uid < 0) {
        log_refusal(l, host, port, "every uid of SandboxUidRange is in use by a live "
                    "connection; widen the range");
        close(fd);
        return;
    }
    if (l->nchildren == MAX_CHILDREN || pipe2(pipefd, O_CLOEXEC) < 0) {
        log_error("cannot take connection: %s",
                  l->nchildren == MAX_CHILDREN ? "too many children" : strerror(errno));
        close(fd);
        return;
    }
    pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        run_connection(l, fd, pipefd[1], (uid_t)uid);
    }
    if (pid > 0) {
        /* here too, so that the group exists before this returns: an
         * eviction right after (kill(-pid)) must not miss it */
        setpgid(pid, pid);
    }
    close(pipefd[1]);
    close(fd);
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    if (pid < 0) {
        log_error("fork: %s", strerror(errno));
        close(pipefd[0]);
        return;
    }
    c->pid = pid;
    c->startup_fd = pipefd[0];
    c->sandbox_uid = (uid_t)uid;
    c->pend = *pend;
    snprintf(c->addr, sizeof(c->addr), "%s", host);
    c->port = port;
    l->nchildren++;
    l->startups++;
}

/* The unauthenticated children, as admission_decide() sees them;
 * index[] maps back to l->children. */
static size_t pending_table(const struct listener *l, struct pending *p, size_t *index)
{
    size_t n = 0;

    for (size_t i = 0; i < l->nchildren; i++) {
        if (l->children[i].startup_fd >= 0) {
            index[n] = i;
            p[n++] = l->children[i].pend;
        }
    }
    return n;
}

/* Admission for one accepted connection: 1 to serve it, 0 to refuse. */
static int admit(struct listener *l, const struct sockaddr_storage *ss, const char *host,
                 int port, struct pending *pend)
{
    static struct pending table[MAX_CHILDREN];
    static size_t index[MAX_CHILDREN];
    size_t n = pending_table(l, table, index);
    struct admit_decision d;
    struct child *victim;
    char why[200];

    admission_source_block(ss, &l->srv->cfg, &pend->block);
    pend->since_ms = clock_now_ms();
    pend->stage = PROGRESS_NONE;
    d = admission_decide(&l->srv->cfg, &pend->block, table, n, randombytes_uniform(100),
                         pend->since_ms);
    if (d.verdict != ADMIT && d.verdict != ADMIT_EVICT && d.verdict != ADMIT_EVICT_STALLED) {
        log_refusal(l, host, port, admission_reason(d.verdict));
        return 0;
    }
    if (d.verdict != ADMIT) {
        victim = &l->children[index[d.victim]];
        snprintf(why, sizeof(why), "%s%s", admission_reason(d.verdict),
                 d.verdict != ADMIT_EVICT_STALLED ? "" :
                 victim->pend.stage == PROGRESS_NONE ? " (it sent no version line)" :
                 " (it sent its version line only)");
        /* not rate-limited as refusals are: each eviction closes a
         * connection that was admitted (and logged), so a flood of them
         * is no more lines than its "Connection from" lines */
        log_info("refused connection from %s port %d: %s", victim->addr, victim->port, why);
        kill(-victim->pid, SIGKILL);    /* its group: monitor and network process */
        child_started(l, victim);
    }
    return 1;
}

/* Is the source of a newcomer under a penalty (penalty.h)?  Logged. */
static int penalised(struct listener *l, const struct sockaddr_storage *ss, const char *host,
                     int port)
{
    struct source_block b;
    long long left_ms;
    const char *why;
    char text[160];

    admission_source_block(ss, &l->srv->cfg, &b);
    if (!penalty_refused(&l->penalties, &l->srv->cfg, &b, host, clock_now_ms(), &left_ms,
                         &why)) {
        return 0;
    }
    snprintf(text, sizeof(text), "penalty, %llds left: %s", (left_ms + 999) / 1000, why);
    log_refusal(l, host, port, text);
    return 1;
}

/* Accept the pending connections on one listening socket, at most
 * ACCEPT_BATCH: then the loop goes round again, so that a flood that never
 * stops connecting cannot hold back what the startup pipes and signals say
 * (admission must see a login that authenticated meanwhile). */
static void accept_some(struct listener *l, int lfd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[INET6_ADDRSTRLEN];
    struct pending pend;
    int port;
    int fd;

    for (int k = 0; k < ACCEPT_BATCH &&
                    (fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC)) >= 0; k++) {
        l->conn_count++;
        listen_format_addr(&ss, host, sizeof(host), &port);
        if (!admission_allowed_from(&l->srv->cfg, host)) {
            log_refusal(l, host, port, "not in AllowFrom");
            close(fd);
        } else if (penalised(l, &ss, host, port)) {
            close(fd);
        } else if (!admit(l, &ss, host, port, &pend)) {
            close(fd);
        } else {
            /* Refreshed here, in the listener, so that every connection
             * inherits the latest good copy of the user list. */
            userdb_refresh(l->srv->users);
            spawn_connection(l, fd, &pend, host, port);
        }
        len = sizeof(ss);
    }
}

static long long lifetime_s(const struct listener *l);

/* Tell the door's shared state when the door closes (the incident
 * console shows the time left). */
static void publish_lifetime(const struct listener *l)
{
    struct door_state *s = l->srv->state;

    if (s != NULL) {
        s->closes = lifetime_s(l) > 0 ? s->started + lifetime_s(l) : 0;
    }
}

/* SIGHUP: load a complete new state; swap only if all of it loaded. */
static void reload(struct listener *l)
{
    struct server next;
    struct diag errs = { 0 };
    struct diag notes = { 0 };

    memset(&next, 0, sizeof(next));
    log_info("Received SIGHUP; reloading %s.", l->config_path);
    if (server_load(&next, l->config_path, l->srv, &errs) < 0 ||
        confine_probe(&next, &notes, &errs) < 0) {
        for (size_t i = 0; i < errs.n; i++) {
            log_error("%s", errs.msgs[i]);
        }
        log_error("reload failed (%zu error%s); still serving with the previous configuration",
                  diag_count(&errs), diag_count(&errs) == 1 ? "" : "s");
        server_free(&next);
        diag_free(&errs);
        diag_free(&notes);
        return;
    }
    for (size_t i = 0; i < notes.n; i++) {
        log_error("%s", notes.msgs[i]);
    }
    diag_free(&notes);
    next.log_stderr = l->srv->log_stderr;
    next.foreground = l->srv->foreground;
    next.lifetime_override = l->srv->lifetime_override;
    server_replace(l->srv, &next);
    server_free(&next);
    publish_lifetime(l);
    diag_free(&errs);
    log_setup("fallbackd", l->srv->log_stderr, l->srv->cfg.syslog_facility,
              l->srv->cfg.log_level);
    log_info("configuration reloaded (listening sockets are kept; Port and "
             "ListenAddress changes take effect at the next start)");
}

/* Handle every pending signal. */
static void handle_signals(struct listener *l)
{
    struct signalfd_siginfo si;

    while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) {
            reap_children(l);
        } else if (si.ssi_signo == SIGHUP) {
            reload(l);
        } else {
            log_info("Received signal %u; terminating.", si.ssi_signo);
            l->quit = 1;
        }
    }
}

/* Seconds the door stays open: --for wins over DoorLifetime; 0 = ever. */
static long long lifetime_s(const struct listener *l)
{
    return l->srv->lifetime_override >= 0 ? l->srv->lifetime_override
                                          : l->srv->cfg.door_lifetime;
}

/* Milliseconds until the door closes, or -1 if it never does (or did). */
static int lifetime_timeout(const struct listener *l)
{
    long long left;

    if (l->closing || lifetime_s(l) == 0) {
        return -1;
    }
    left = l->started_ms + lifetime_s(l) * 1000 - clock_now_ms();
    return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* DoorLifetime over: stop accepting; leave once every session ended. */
static void check_lifetime(struct listener *l)
{
    if (!l->closing && lifetime_timeout(l) == 0) {
        l->closing = 1;
        listen_close(&l->socks);
        log_info("door lifetime of %llds is over: no longer accepting connections; "
                 "exiting when the %zu open connection%s end", lifetime_s(l),
                 l->nchildren, l->nchildren == 1 ? "" : "s");
    }
    if (l->closing && l->nchildren == 0) {
        log_info("door closed: the last connection ended");
        l->quit = 1;
    }
}

/* Index layout of the poll set: [0] signalfd, then listening sockets,
 * then the startup pipes of unauthenticated children. */
static size_t build_pollset(struct listener *l, struct pollfd *p, size_t *owner)
{
    size_t n = 0;

    p[n++] = (struct pollfd){ .fd = l->sigfd, .events = POLLIN };
    for (size_t i = 0; i < l->socks.n; i++) {
        p[n++] = (struct pollfd){ .fd = l->socks.fd[i], .events = POLLIN };
    }
    for (size_t i = 0; i < l->nchildren; i++) {
        if (l->children[i].startup_fd >= 0) {
            owner[n] = i;
            p[n++] = (struct pollfd){ .fd = l->children[i].startup_fd, .events = POLLIN };
        }
    }
    return n;
}

/* One round of the event table at the top of this file. */
static void listener_step(struct listener *l, struct pollfd *p, size_t *owner)
{
    size_t n = build_pollset(l, p, owner);
    size_t first_child = 1 + l->socks.n;

    if (poll(p, n, lifetime_timeout(l)) < 0) {
        return;     /* EINTR (SIGSTOP/SIGCONT): just go round again */
    }
    for (size_t i = first_child; i < n; i++) {
        if (p[i].revents) {
            child_progress(l, &l->children[owner[i]]);
        }
    }
    for (size_t i = 1; i < first_child; i++) {
        if (p[i].revents & POLLIN) {
            accept_some(l, p[i].fd);
        }
    }
    if (p[0].revents & POLLIN) {
        handle_signals(l);
    }
    check_lifetime(l);
}

int listener_run(struct server *srv, const char *config_path)
{
    struct listener l = { .srv = srv, .config_path = config_path };
    struct diag errs = { 0 };
    struct pollfd *p;
    size_t *owner;

    l.started_ms = clock_now_ms();
    if (srv->state == NULL) {
        srv->state = door_state_create();
    }
    publish_lifetime(&l);
    l.children = calloc(MAX_CHILDREN, sizeof(*l.children));
    p = calloc(MAX_CHILDREN + LISTEN_MAX + 1, sizeof(*p));
    owner = calloc(MAX_CHILDREN + LISTEN_MAX + 1, sizeof(*owner));
    l.sigfd = signals_open();
    if (l.children == NULL || p == NULL || owner == NULL || l.sigfd < 0 ||
        listen_open(&srv->cfg, &l.socks, &errs) < 0) {
        for (size_t i = 0; i < errs.n; i++) {
            log_error("%s", errs.msgs[i]);
        }
        log_error("Cannot start: %s", errs.n ? "no listening socket" : strerror(errno));
        return 1;
    }
    if (lifetime_s(&l) > 0) {
        log_info("door lifetime: %llds; no new connections after that", lifetime_s(&l));
    }
    while (!l.quit) {
        listener_step(&l, p, owner);
    }
    listen_close(&l.socks);
    diag_free(&errs);
    free(p);
    free(owner);
    free(l.children);
    penalty_free(&l.penalties);
    return 0;
}
