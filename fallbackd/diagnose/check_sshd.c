/* check_sshd.c - the main sshd, seen from /proc (dg_checks.h).
 *
 *   finding                                          | level
 *   -------------------------------------------------+------
 *   a listener running a deleted binary (dpkg        | BAD
 *     replaced /usr/sbin/sshd under it: #1109742)    |
 *   a listener with deleted libraries mapped         | WARN
 *   a listener started before its binary's mtime     | WARN
 *   no sshd listening, and PID 1 holds no socket on  | BAD
 *     sshd's port (sshd_config: Port, ListenAddress) |
 *     - but something listens there, and sshd's      | INFO
 *       sockets cannot be seen (not root)            |
 *   PID 1 holds sshd's port (ssh.socket: sshd is     | OK
 *     started per connection, so must start now)     |
 *   PID 1 holds other listening sockets              | INFO
 *   /usr/sbin/sshd or sshd-session cannot start now  | BAD
 *   /run/sshd missing (sshd refuses to start)        | BAD
 */
#include "dg_checks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "dg_parse.h"
#include "readfile.h"

#define SSHD_PATH "/usr/sbin/sshd"
#define SSHD_SESSION_PATH "/usr/lib/openssh/sshd-session"
#define PRIVSEP_DIR "/run/sshd"
#define MAPS_MAX (8u << 20)
#define MAX_PORTS 32

static const char *const sshd_names[] = { "sshd", "sshd-session", "sshd-auth" };

/* Does NAME (a comm or a basename) name an sshd program? */
static int sshd_name(const char *name)
{
    for (size_t i = 0; i < sizeof(sshd_names) / sizeof(sshd_names[0]); i++) {
        if (strcmp(name, sshd_names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_sshd(const struct dg_proc *p)
{
    const char *slash = strrchr(p->exe, '/');

    return sshd_name(p->comm) || (slash != NULL && sshd_name(slash + 1));
}

/* "0.0.0.0:22, [::]:22" for the listeners of a process, with the
 * evidence line for each. */
static void describe_ports(const struct dg_ctx *c, pid_t pid, const struct dg_listen **ls,
                           size_t n, char *ports, size_t plen, char *ev, size_t evlen)
{
    size_t po = 0, eo = 0;

    ports[0] = ev[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int v6 = strchr(ls[i]->addr, ':') != NULL;

        po += (size_t)snprintf(ports + po, po < plen ? plen - po : 0, "%s%s%s%s:%u",
                               i ? ", " : "", v6 ? "[" : "", ls[i]->addr, v6 ? "]" : "",
                               ls[i]->port);
        eo += (size_t)snprintf(ev + eo, eo < evlen ? evlen - eo : 0,
                               "%s/proc/%ld/fd -> socket:[%lu] = LISTEN %s port %u "
                               "(%s)", i ? "\n" : "", (long)pid, ls[i]->inode, ls[i]->addr,
                               ls[i]->port, dg_listen_from(c, ls[i]));
        po = po < plen ? po : plen;
        eo = eo < evlen ? eo : evlen;
    }
}

/* Deleted files mapped by PID other than its binary EXE (replaced
 * libraries), as evidence lines. */
static size_t deleted_maps(pid_t pid, const char *exe, char *ev, size_t evlen,
                           struct dg_report *r)
{
    struct readbuf b;
    struct diag why = { 0 };
    char path[64], last[512] = "";
    size_t pos = 0, len, n = 0, eo = 0;
    const char *line;

    ev[0] = '\0';
    snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
    if (readfile_head(path, MAPS_MAX, &b, &why) < 0) {
        dg_add(r, DG_INFO, DG_SEC_SSHD, diag_last(&why), "cannot read the mappings of sshd "
               "PID %ld", (long)pid);
    }
    diag_free(&why);
    while ((line = dg_next_line(b.p, b.len, &pos, &len)) != NULL) {
        struct dg_map m;

        if (dg_map_parse_line(line, len, &m) < 0 || !m.deleted || !dg_replaced_file(m.path) ||
            strcmp(m.path, last) == 0 || strcmp(m.path, exe) == 0) {
            continue;
        }
        snprintf(last, sizeof(last), "%s", m.path);
        n++;
        eo += (size_t)snprintf(ev + eo, eo < evlen ? evlen - eo : 0, "%s%s: %.*s",
                               eo ? "\n" : "", path, (int)len, line);
        eo = eo < evlen ? eo : evlen;
    }
    readbuf_free(&b);
    return n;
}

/* A listener's binary (the listener serves PORTS): deleted, or older
 * process than the file. */
static void check_binary(const struct dg_ctx *c, const struct dg_proc *p, const char *ports)
{
    char ev[1024], t1[40], t2[40];
    struct stat st;

    snprintf(ev, sizeof(ev), "/proc/%ld/exe -> %s%s", (long)p->pid, p->exe,
             p->exe_deleted ? " (deleted)" : "");
    if (p->exe_deleted) {
        dg_add(c->r, DG_BAD, DG_SEC_SSHD, ev,
               "the sshd listener (PID %ld, on %s) runs a deleted binary: %s was replaced "
               "on disk, new connections re-execute the new files and may fail until sshd "
               "is restarted (after dpkg has configured openssh-server)", (long)p->pid, ports,
               p->exe);
        return;
    }
    if (p->exe[0] != '\0' && stat(p->exe, &st) == 0 && p->started > 0 &&
        (long long)st.st_mtime > p->started) {
        dg_time(p->started, t1, sizeof(t1));
        dg_time((long long)st.st_mtime, t2, sizeof(t2));
        snprintf(ev + strlen(ev), sizeof(ev) - strlen(ev), "\nstarted %s; %s modified %s", t1,
                 p->exe, t2);
        dg_add(c->r, DG_WARN, DG_SEC_SSHD, ev,
               "the sshd listener (PID %ld) is older than %s on disk", (long)p->pid, p->exe);
    }
}

/* One sshd process that listens: binary, libraries, ports. */
static void check_listener(const struct dg_ctx *c, const struct dg_proc *p,
                           const struct dg_listen **ls, size_t n)
{
    char ports[512], ev[4096];
    size_t nd;

    describe_ports(c, p->pid, ls, n, ports, sizeof(ports), ev, sizeof(ev));
    dg_add(c->r, DG_OK, DG_SEC_SSHD, ev, "sshd listener PID %ld (%s) listens on %s",
           (long)p->pid, p->comm, ports);
    check_binary(c, p, ports);
    nd = deleted_maps(p->pid, p->exe, ev, sizeof(ev), c->r);
    if (nd > 0) {
        dg_add(c->r, DG_WARN, DG_SEC_SSHD, ev,
               "the sshd listener (PID %ld) has %zu deleted librar%s mapped: they were "
               "replaced on disk (an upgrade under a running sshd)", (long)p->pid, nd,
               nd == 1 ? "y" : "ies");
    }
}

/* Is PORT one of the N in PORTS? */
static int port_in(unsigned port, const unsigned *ports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ports[i] == port) {
            return 1;
        }
    }
    return 0;
}

/* "22, 2222" */
static void port_list(const unsigned *ports, size_t n, char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && o < len; i++) {
        o += (size_t)snprintf(buf + o, len - o, "%s%u", i ? ", " : "", ports[i]);
    }
}

/* Listening sockets held by PID 1 (socket activation: systemd holds
 * ssh.socket's port and starts sshd for the connections).  Those on one
 * of sshd's PORTS count as sshd listening; the others belong to other
 * services.  Returns how many are sshd's; *HIDDEN counts PID 1 if its fds
 * cannot be read. */
static size_t check_pid1(const struct dg_ctx *c, const unsigned *ports, size_t nports,
                         size_t *hidden)
{
    const struct dg_listen *all[MAX_PORTS], *mine[MAX_PORTS], *other[MAX_PORTS];
    char list[512], ev[4096], want[128];
    const struct dg_proc *p = dg_proc_find(c, 1);
    size_t n, nm = 0, no = 0;
    int unseen;

    if (p == NULL || is_sshd(p)) {
        return 0;           /* PID 1 is sshd itself (a container): seen as one */
    }
    n = dg_proc_listening(c, 1, all, MAX_PORTS, &unseen);
    *hidden += (size_t)unseen;
    if (n == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (port_in(all[i]->port, ports, nports)) {
            mine[nm++] = all[i];
        } else {
            other[no++] = all[i];
        }
    }
    port_list(ports, nports, want, sizeof(want));
    if (nm > 0) {
        describe_ports(c, 1, mine, nm, list, sizeof(list), ev, sizeof(ev));
        dg_add(c->r, DG_OK, DG_SEC_SSHD, ev, "PID 1 (%s) holds sshd's port %s (socket "
               "activation, ssh.socket): sshd is started for the connections, so it must be "
               "able to start now", p->comm, list);
    }
    if (no > 0) {
        describe_ports(c, 1, other, no, list, sizeof(list), ev, sizeof(ev));
        dg_add(c->r, DG_INFO, DG_SEC_SSHD, ev, "PID 1 (%s) holds listening sockets on %s "
               "(socket activation of other services: sshd's port%s %s)", p->comm, list,
               nports == 1 ? " is" : "s are", want);
    }
    return nm;
}

/* What the walk of the sshd processes found. */
struct sshd_seen {
    size_t found;           /* sshd processes */
    size_t listening;       /* of them, holding a listening socket */
    size_t hidden;          /* processes whose sockets cannot be seen (their
                               /proc/PID/fd is another user's) */
};

/* Every sshd process: listeners checked, the others counted. */
static void check_processes(const struct dg_ctx *c, struct sshd_seen *s)
{
    size_t sessions = 0, deleted = 0, hidden = 0;

    for (size_t i = 0; i < c->nprocs; i++) {
        const struct dg_listen *ls[MAX_PORTS];
        const struct dg_proc *p = &c->procs[i];
        size_t n;
        int unseen;

        if (!is_sshd(p)) {
            continue;
        }
        s->found++;
        n = dg_proc_listening(c, p->pid, ls, MAX_PORTS, &unseen);
        if (n > 0) {
            s->listening++;
            check_listener(c, p, ls, n);
        } else if (unseen) {
            hidden++;
        } else {
            sessions++;
            deleted += p->exe_deleted != 0;
        }
    }
    if (sessions > 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SSHD, NULL,
               "%zu other sshd process%s (sessions)%s", sessions, sessions == 1 ? "" : "es",
               deleted ? "; some run a deleted binary (they keep working)" : "");
    }
    if (hidden > 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SSHD, "/proc/PID/fd: Permission denied",
               "%zu sshd process%s whose sockets uid %ld cannot see (only root can)", hidden,
               hidden == 1 ? "" : "es", (long)geteuid());
    }
    s->hidden += hidden;
}

/* No sshd process and not PID 1 was seen listening on sshd's PORTS.  The
 * socket table says whether anything does: nothing is BAD; something,
 * with processes whose sockets cannot be seen (not root), is most likely
 * sshd, and said so; something that root sees is no sshd's is BAD too. */
static void check_nobody_listens(const struct dg_ctx *c, const unsigned *ports, size_t nports,
                                 size_t hidden)
{
    char want[128], from[128], ev[1024];
    size_t eo, held = 0;

    port_list(ports, nports, want, sizeof(want));
    dg_listen_sources(c, from, sizeof(from));
    eo = (size_t)snprintf(ev, sizeof(ev), "no sshd process holds a LISTEN socket (%s), and "
                          "PID 1 holds none on port %s (sshd_config)", from, want);
    for (size_t i = 0; i < c->nlis && eo < sizeof(ev); i++) {
        const struct dg_listen *l = &c->lis[i];

        if (port_in(l->port, ports, nports)) {
            held++;
            eo += (size_t)snprintf(ev + eo, sizeof(ev) - eo, "\nsocket:[%lu] = LISTEN %s port "
                                   "%u, uid %lu (%s)", l->inode, l->addr, l->port, l->uid,
                                   dg_listen_from(c, l));
        }
    }
    if (held > 0 && hidden > 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SSHD, ev, "something listens on sshd's port %s; as uid %ld "
               "the processes holding it cannot be seen (sshd, most likely; root sees which)",
               want, (long)geteuid());
        return;
    }
    dg_add(c->r, DG_BAD, DG_SEC_SSHD, ev, "no sshd is listening (port %s)%s", want,
           held > 0 ? ": another program holds it" : "");
}

/* Can the program at PATH start now?  Missing is reported as MISSING_LEVEL. */
static int check_startable(const struct dg_ctx *c, const char *path, enum dg_level missing_level)
{
    char why[512];
    struct stat st;

    if (stat(path, &st) < 0) {
        snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
        dg_add(c->r, missing_level, DG_SEC_SSHD, why, "%s is not there", path);
        return 0;
    }
    if (!dg_can_start(path, why, sizeof(why))) {
        dg_add(c->r, DG_BAD, DG_SEC_SSHD, why, "%s cannot start now", path);
        return 0;
    }
    dg_add(c->r, DG_OK, DG_SEC_SSHD, NULL, "%s can start (ELF, loader and libraries usable)",
           path);
    return 1;
}

/* /run/sshd: sshd refuses to start without it. */
static void check_privsep_dir(const struct dg_ctx *c)
{
    struct stat st;
    char ev[256];

    if (stat(PRIVSEP_DIR, &st) == 0 && S_ISDIR(st.st_mode)) {
        dg_add(c->r, DG_OK, DG_SEC_SSHD, NULL, "%s present", PRIVSEP_DIR);
        return;
    }
    snprintf(ev, sizeof(ev), "%s: %s", PRIVSEP_DIR, errno == 0 ? "not a directory"
                                                               : strerror(errno));
    dg_add(c->r, DG_BAD, DG_SEC_SSHD, ev,
           "Missing privilege separation directory %s: sshd refuses to start and new "
           "connections fail (mkdir -m 0755 %s)", PRIVSEP_DIR, PRIVSEP_DIR);
}

void dg_check_sshd(const struct dg_ctx *c)
{
    struct sshd_seen seen = { 0 };
    unsigned ports[DG_SSHD_MAX_PORTS];
    size_t pid1, nports;
    struct stat st;
    int installed;

    check_processes(c, &seen);
    nports = dg_sshd_ports(c->r, ports, DG_SSHD_MAX_PORTS);
    pid1 = check_pid1(c, ports, nports, &seen.hidden);
    installed = stat(SSHD_PATH, &st) == 0;
    if (!installed && seen.found == 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SSHD, SSHD_PATH ": No such file or directory",
               "openssh-server is not installed and no sshd runs");
        return;
    }
    if (seen.listening == 0 && pid1 == 0) {
        check_nobody_listens(c, ports, nports, seen.hidden);
    }
    check_startable(c, SSHD_PATH, DG_BAD);
    if (stat(SSHD_SESSION_PATH, &st) == 0) {
        check_startable(c, SSHD_SESSION_PATH, DG_BAD);
    }
    errno = 0;
    check_privsep_dir(c);
}
