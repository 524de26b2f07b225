/* dg_proc.c - processes and listening sockets from /proc (dg_proc.h). */
#include "dg_proc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "dg_parse.h"
#include "readfile.h"
#include "sock_diag.h"

#define NET_TCP_MAX (8u << 20)
#define SMALL_MAX 65536
#define DELETED_SUFFIX " (deleted)"

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

    return (x > y) - (x < y);
}

static int cmp_proc(const void *a, const void *b)
{
    return cmp_pid(&((const struct dg_proc *)a)->pid, &((const struct dg_proc *)b)->pid);
}

/* The boot time: "btime SECONDS" in /proc/stat. */
static long long boot_time(struct dg_report *r)
{
    struct readbuf b;
    struct diag why = { 0 };
    const char *p;
    long long bt = 0;

    if (readfile_head("/proc/stat", 1u << 20, &b, &why) < 0) {
        dg_add(r, DG_WARN, DG_SEC_SYSTEM, diag_last(&why), "cannot read the boot time");
        diag_free(&why);
        readbuf_free(&b);
        return 0;
    }
    p = strstr(b.p, "\nbtime ");
    if (p == NULL || sscanf(p + 7, "%lld", &bt) != 1) {
        dg_add(r, DG_WARN, DG_SEC_SYSTEM, "/proc/stat: no btime line", "cannot read the boot time");
    }
    readbuf_free(&b);
    return bt;
}

/* Keep T if it is a listening socket (and there is room). */
static void add_listener(struct dg_ctx *c, const struct dg_tcp *t)
{
    struct dg_listen *l;

    if (t->state != DG_TCP_LISTEN || c->nlis >= DG_MAX_LISTEN) {
        return;
    }
    l = &c->lis[c->nlis++];
    l->inode = t->inode;
    l->uid = t->uid;
    l->port = t->port;
    dg_tcp_addr_str(t, l->addr, sizeof(l->addr));
}

/* dg_nl_fn for add_listener. */
static void add_dumped(void *ctx, const struct dg_tcp *t)
{
    add_listener(ctx, t);
}

/* The LISTEN entries of one /proc/net/tcp* file. */
static void load_proc_file(struct dg_ctx *c, const char *path)
{
    struct readbuf b;
    size_t pos = 0, len;
    const char *line;
    struct diag why = { 0 };

    if (readfile_head(path, NET_TCP_MAX, &b, &why) < 0) {
        dg_add(c->r, DG_INFO, DG_SEC_SSHD, diag_last(&why), "cannot read the TCP socket table %s",
               path);
    }
    diag_free(&why);
    while ((line = dg_next_line(b.p, b.len, &pos, &len)) != NULL && c->nlis < DG_MAX_LISTEN) {
        struct dg_tcp t;

        if (dg_tcp_parse_line(line, len, &t) == 0) {
            add_listener(c, &t);
        }
    }
    readbuf_free(&b);
}

/* The listeners of family V6 (0 or 1): from the kernel over *FD, else
 * (no socket, or the dump failed: *FD is closed then, its leftovers
 * unread) from the /proc file; why netlink failed goes to WHY. */
static void load_family(struct dg_ctx *c, int *fd, int v6, struct diag *why)
{
    static const char *const paths[] = { "/proc/net/tcp", "/proc/net/tcp6" };
    size_t before = c->nlis;

    if (*fd >= 0 && dg_sockdiag_dump(*fd, v6 ? AF_INET6 : AF_INET, add_dumped, c, why) == 0) {
        c->lis_from[v6] = DG_FROM_NETLINK;
        return;
    }
    c->nlis = before;
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    c->lis_from[v6] = paths[v6];
    load_proc_file(c, paths[v6]);
}

/* Every listening TCP socket, IPv4 then IPv6. */
static void load_listeners(struct dg_ctx *c)
{
    struct diag why = { 0 };
    char from[128];
    int fd = dg_sockdiag_open(&why);

    load_family(c, &fd, 0, &why);
    load_family(c, &fd, 1, &why);
    if (fd >= 0) {
        close(fd);
    }
    if (diag_count(&why) > 0) {
        dg_listen_sources(c, from, sizeof(from));
        dg_add(c->r, DG_INFO, DG_SEC_SSHD, diag_last(&why), "the kernel did not list the "
               "listening sockets over netlink (sock_diag): read from %s instead", from);
    }
    diag_free(&why);
}

const char *dg_listen_from(const struct dg_ctx *c, const struct dg_listen *l)
{
    const char *from = c->lis_from[strchr(l->addr, ':') != NULL];

    return from != NULL ? from : "?";
}

void dg_listen_sources(const struct dg_ctx *c, char *buf, size_t len)
{
    const char *v4 = c->lis_from[0] != NULL ? c->lis_from[0] : "?";
    const char *v6 = c->lis_from[1] != NULL ? c->lis_from[1] : "?";

    if (strcmp(v4, v6) == 0) {
        snprintf(buf, len, "%s", v4);
    } else {
        snprintf(buf, len, "%s and %s", v4, v6);
    }
}

static void read_procs(struct dg_ctx *c);

void dg_ctx_init(struct dg_ctx *c, struct dg_report *r)
{
    memset(c, 0, sizeof(*c));
    c->r = r;
    c->now = (long long)time(NULL);
    c->tck = sysconf(_SC_CLK_TCK);
    c->tck = c->tck > 0 ? c->tck : 100;
    c->boot = boot_time(r);
    read_procs(c);
    c->lis = calloc(DG_MAX_LISTEN, sizeof(*c->lis));
    if (c->lis != NULL) {
        load_listeners(c);
    }
}

void dg_ctx_free(struct dg_ctx *c)
{
    free(c->procs);
    free(c->lis);
    memset(c, 0, sizeof(*c));
}

/* Basename of the NUL-terminated word at S into OUT. */
static void base_into(const char *s, char *out, size_t len)
{
    const char *slash = strrchr(s, '/');

    snprintf(out, len, "%s", slash != NULL ? slash + 1 : s);
}

/* argv[0] and argv[1] basenames from /proc/PID/cmdline. */
static void read_args(pid_t pid, struct dg_proc *p)
{
    struct readbuf b;
    char path[64];

    snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
    if (readfile_head(path, 4096, &b, NULL) == 0 && b.len > 0) {
        size_t n0 = strnlen(b.p, b.len);

        base_into(b.p, p->arg0, sizeof(p->arg0));
        if (n0 + 1 < b.len) {
            base_into(b.p + n0 + 1, p->arg1, sizeof(p->arg1));
        }
    }
    readbuf_free(&b);
}

/* readlink() into OUT (always terminated), or -1 with errno. */
static int read_link(const char *path, char *out, size_t outlen)
{
    ssize_t n = readlink(path, out, outlen - 1);

    if (n < 0) {
        out[0] = '\0';
        return -1;
    }
    out[n] = '\0';
    return 0;
}

/* exe link, with " (deleted)" taken off and remembered. */
static void read_exe(pid_t pid, struct dg_proc *p)
{
    char path[64];
    size_t n, slen = strlen(DELETED_SUFFIX);

    snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
    if (read_link(path, p->exe, sizeof(p->exe)) < 0) {
        return;
    }
    n = strlen(p->exe);
    if (n > slen && strcmp(p->exe + n - slen, DELETED_SUFFIX) == 0) {
        p->exe_deleted = 1;
        p->exe[n - slen] = '\0';
    }
}

/* Read what /proc says of PID.  0, or -1 if it is gone. */
static int proc_read(const struct dg_ctx *c, pid_t pid, struct dg_proc *p)
{
    struct dg_pstat st;
    struct readbuf b;
    char path[64];
    int rc;

    memset(p, 0, sizeof(*p));
    p->pid = pid;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    rc = readfile_head(path, SMALL_MAX, &b, NULL);
    rc = rc == 0 ? dg_pstat_parse(b.p, b.len, &st) : -1;
    readbuf_free(&b);
    if (rc < 0) {
        return -1;
    }
    snprintf(p->comm, sizeof(p->comm), "%s", st.comm);
    p->ppid = st.ppid;
    p->started = c->boot > 0 ? c->boot + (long long)(st.starttime / (unsigned long long)c->tck) : 0;
    read_exe(pid, p);
    read_args(pid, p);
    return 0;
}

/* Every numeric entry of /proc, ascending. */
static pid_t *list_pids(struct dg_ctx *c, size_t *n)
{
    pid_t *pids = calloc(DG_MAX_PIDS, sizeof(*pids));
    DIR *d = opendir("/proc");
    struct dirent *e;

    *n = 0;
    if (d == NULL || pids == NULL) {
        dg_add(c->r, DG_BAD, DG_SEC_SYSTEM, "/proc", "cannot list processes");
        if (d != NULL) {
            closedir(d);
        }
        return pids;
    }
    while ((e = readdir(d)) != NULL && *n < DG_MAX_PIDS) {
        char *end;
        long v = strtol(e->d_name, &end, 10);

        if (*end == '\0' && v > 0) {
            pids[(*n)++] = (pid_t)v;
        }
    }
    closedir(d);
    qsort(pids, *n, sizeof(*pids), cmp_pid);
    return pids;
}

/* The process table: every process of /proc still there when read. */
static void read_procs(struct dg_ctx *c)
{
    size_t n;
    pid_t *pids = list_pids(c, &n);

    c->procs = n > 0 ? calloc(n, sizeof(*c->procs)) : NULL;
    for (size_t i = 0; i < n && c->procs != NULL; i++) {
        if (proc_read(c, pids[i], &c->procs[c->nprocs]) == 0) {
            c->nprocs++;
        }
    }
    if (n > 0 && c->procs == NULL) {
        dg_add(c->r, DG_BAD, DG_SEC_SYSTEM, "out of memory", "cannot list processes");
    }
    free(pids);
}

const struct dg_proc *dg_proc_find(const struct dg_ctx *c, pid_t pid)
{
    struct dg_proc key = { .pid = pid };

    if (c->procs == NULL) {
        return NULL;
    }
    return bsearch(&key, c->procs, c->nprocs, sizeof(*c->procs), cmp_proc);
}

/* The listener with socket inode INODE, or NULL. */
static const struct dg_listen *listener_of(const struct dg_ctx *c, unsigned long inode)
{
    for (size_t i = 0; i < c->nlis; i++) {
        if (c->lis[i].inode == inode) {
            return &c->lis[i];
        }
    }
    return NULL;
}

size_t dg_proc_listening(const struct dg_ctx *c, pid_t pid, const struct dg_listen **out,
                         size_t max, int *hidden)
{
    char dir[64], path[128], link[128];
    struct dirent *e;
    size_t n = 0, seen = 0;
    DIR *d;

    snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
    d = opendir(dir);
    if (hidden != NULL) {
        *hidden = d == NULL && errno == EACCES;
    }
    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL && n < max && seen++ < 65536) {
        unsigned long inode;
        const struct dg_listen *l;

        snprintf(path, sizeof(path), "%s/%.32s", dir, e->d_name);
        if (e->d_name[0] == '.' || read_link(path, link, sizeof(link)) < 0 ||
            sscanf(link, "socket:[%lu]", &inode) != 1) {
            continue;
        }
        l = listener_of(c, inode);
        if (l != NULL) {
            out[n++] = l;
        }
    }
    closedir(d);
    return n;
}

void dg_duration(long long secs, char *buf, size_t len)
{
    if (secs < 0) {
        snprintf(buf, len, "?");
    } else if (secs < 120) {
        snprintf(buf, len, "%llds", secs);
    } else if (secs < 7200) {
        snprintf(buf, len, "%lldm", secs / 60);
    } else if (secs < 2 * 86400) {
        snprintf(buf, len, "%lldh%02lldm", secs / 3600, secs % 3600 / 60);
    } else {
        snprintf(buf, len, "%lldd%02lldh", secs / 86400, secs % 86400 / 3600);
    }
}

void dg_time(long long t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
        snprintf(buf, len, "@%lld", t);
    }
}
