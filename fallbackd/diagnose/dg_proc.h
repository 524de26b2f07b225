/* dg_proc.h - processes and sockets, as /proc shows them (checks only). */
#ifndef FBD_DG_PROC_H
#define FBD_DG_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "dg_report.h"

#define DG_MAX_PIDS 65536
#define DG_MAX_LISTEN 4096

/* One process, from /proc/PID/{stat,exe,cmdline}. */
struct dg_proc {
    pid_t pid;
    long ppid;
    char comm[64];
    char exe[512];          /* readlink of /proc/PID/exe, "" if unreadable */
    int exe_deleted;        /* exe ends in " (deleted)" (removed from exe[]) */
    char arg0[64];          /* basename of argv[0] */
    char arg1[64];          /* basename of argv[1] (interpreted scripts) */
    long long started;      /* unix seconds, 0 unknown */
};

/* A listening TCP socket. */
struct dg_listen {
    unsigned long inode;
    unsigned long uid;      /* its owner, as the kernel says */
    unsigned port;
    char addr[46];
};

/* What every check shares: the clock, the process table, the listeners.
 * Each process is read from /proc once, when the context is made, and
 * every check walks the same table (one snapshot, and a third of the
 * reads of a walk of /proc per check). */
struct dg_ctx {
    struct dg_report *r;
    long long now;          /* unix seconds */
    long long boot;         /* unix seconds the system booted, 0 unknown */
    long tck;               /* clock ticks per second */
    struct dg_proc *procs;  /* by pid, ascending */
    size_t nprocs;
    struct dg_listen *lis;
    size_t nlis;
    const char *lis_from[2];    /* where the IPv4 [0] and IPv6 [1] listeners were
                                   read from: DG_FROM_NETLINK or the /proc file */
};

#define DG_FROM_NETLINK "netlink sock_diag"


/* Fill C (clock, process table, listening sockets); problems become
 * findings.  The listening sockets are asked of the kernel over netlink
 * (sock_diag.h); for a family it does not answer, they are read from
 * /proc/net/tcp or tcp6, and a finding says why. */
void dg_ctx_init(struct dg_ctx *c, struct dg_report *r);
void dg_ctx_free(struct dg_ctx *c);

/* The process PID of the table, or NULL (gone, or never there). */
const struct dg_proc *dg_proc_find(const struct dg_ctx *c, pid_t pid);

/* The listening sockets PID holds (matched by socket inode through
 * /proc/PID/fd).  Fills OUT (up to MAX) and returns the count.  *HIDDEN
 * (may be NULL) is 1 when /proc/PID/fd cannot be read (another user's
 * process, seen by a user other than root), else 0. */
size_t dg_proc_listening(const struct dg_ctx *c, pid_t pid, const struct dg_listen **out,
                         size_t max, int *hidden);

/* Where L was read from, for evidence: DG_FROM_NETLINK or the /proc file. */
const char *dg_listen_from(const struct dg_ctx *c, const struct dg_listen *l);

/* Where all the listeners were read from: "netlink sock_diag", or
 * "/proc/net/tcp and /proc/net/tcp6", ... */
void dg_listen_sources(const struct dg_ctx *c, char *buf, size_t len);

/* "3h12m", "45s": a duration for the report. */
void dg_duration(long long secs, char *buf, size_t len);

/* "2026-12-03 09:41:07 UTC" */
void dg_time(long long t, char *buf, size_t len);

#endif
