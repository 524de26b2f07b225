/* dg_parse.h - parsers for what the incident console reads.
 *
 * Each takes bytes already read (readfile.h) and never reads a file
 * itself, so that each can be unit-tested with real samples and fuzzed.
 * Inputs need not be NUL-terminated; a malformed line is skipped (and
 * counted where the caller reports it), never fatal.  The exact format
 * of each file is written beside its parser.
 */
#ifndef FBD_DG_PARSE_H
#define FBD_DG_PARSE_H

#include <stddef.h>

/* ---- /var/lib/dpkg/status (dpkg_status.c) ---- */

struct dg_pkg {
    char name[128];
    char version[128];
    char want[16];          /* "install", "hold", ... */
    char flag[16];          /* "ok", "reinstreq" */
    char state[32];         /* "installed", "half-configured", ... */
};

/* Is STATE one dpkg leaves a package in only when something went wrong
 * or is still going on (unpacked, half-configured, half-installed,
 * triggers-awaited, triggers-pending), or is FLAG reinstreq? */
int dg_pkg_unfinished(const struct dg_pkg *p);

/* Call FN for every stanza with a Package and a well-formed Status.
 * Returns the number of stanzas seen; *bad counts those without (may be
 * NULL).  FN returns non-zero to stop. */
size_t dg_dpkg_each(const char *text, size_t len, int (*fn)(void *arg, const struct dg_pkg *p),
                    void *arg, size_t *bad);

/* ---- /proc/net/tcp, /proc/net/tcp6 (proc_net_tcp.c) ---- */

#define DG_TCP_LISTEN 0x0a

struct dg_tcp {
    int v6;
    unsigned char addr[16];     /* local address, network order (4 or 16 bytes) */
    unsigned port;              /* local port */
    unsigned state;             /* DG_TCP_LISTEN, ... */
    unsigned long uid;
    unsigned long inode;
};

/* Parse one line (LEN bytes, no newline needed).  0, or -1 for the
 * header and anything malformed. */
int dg_tcp_parse_line(const char *line, size_t len, struct dg_tcp *out);

/* The local address of T as text ("127.0.0.1", "::"). */
void dg_tcp_addr_str(const struct dg_tcp *t, char *buf, size_t len);

/* ---- NETLINK_SOCK_DIAG dumps of TCP sockets (sock_diag_parse.c) ---- */

#define DG_NL_REQUEST_LEN 128

/* Where a dump's reply stands after a datagram. */
enum dg_nl_status {
    DG_NL_MORE,             /* the dump goes on in the next datagram */
    DG_NL_DONE,             /* NLMSG_DONE: complete */
    DG_NL_FAILED,           /* NLMSG_ERROR, or malformed: a line in the diag */
};

/* One dump: what was asked, and what was seen so far. */
struct dg_nl_dump {
    int family;             /* AF_INET or AF_INET6 */
    unsigned seq;           /* the request's sequence number */
    size_t sockets;         /* sockets passed on so far */
};

struct diag;

/* Called for each socket of the reply, with the same fields as
 * /proc/net/tcp gives (the state included). */
typedef void (*dg_nl_fn)(void *arg, const struct dg_tcp *t);

/* Write into BUF (DG_NL_REQUEST_LEN bytes) the request for the listening
 * TCP sockets of FAMILY; returns its length. */
size_t dg_nl_request(int family, unsigned seq, unsigned char *buf);

/* Parse one datagram of the reply (LEN bytes), calling FN for each
 * socket.  DG_NL_FAILED adds one line to D; sockets of the datagram
 * before the failure were passed on already (the caller drops them). */
enum dg_nl_status dg_nl_parse(struct dg_nl_dump *dump, const void *buf, size_t len, dg_nl_fn fn,
                              void *arg, struct diag *d);

/* ---- /proc/PID/maps (proc_maps.c) ---- */

struct dg_map {
    unsigned long inode;
    char path[512];         /* "" for anonymous mappings, without " (deleted)" */
    int deleted;            /* the file was unlinked or replaced on disk */
    int exec;               /* mapped executable ("r-xp") */
};

/* Parse one line.  0, or -1 if malformed. */
int dg_map_parse_line(const char *line, size_t len, struct dg_map *out);

/* ---- /proc/locks (proc_locks.c) ---- */

struct dg_lock {
    char type[8];           /* "POSIX", "FLOCK", "OFDLCK", "LEASE" */
    int write;              /* WRITE (exclusive) rather than READ */
    int waiting;            /* a "->" line: blocked, waiting for this lock */
    long pid;               /* -1 for OFD locks */
    unsigned major, minor;  /* the file's device */
    unsigned long inode;
};

/* Parse one line.  0, or -1 if malformed. */
int dg_lock_parse_line(const char *line, size_t len, struct dg_lock *out);

/* ---- /proc/meminfo (meminfo.c) ---- */

struct dg_meminfo {
    unsigned long long total_kb, avail_kb, swap_total_kb, swap_free_kb;
    int have_total, have_avail;
};

/* Parse the whole file.  0 if MemTotal and MemAvailable were found. */
int dg_meminfo_parse(const char *text, size_t len, struct dg_meminfo *out);

/* ---- /proc/PID/stat (proc_stat.c) ---- */

struct dg_pstat {
    char comm[64];
    char state;
    long ppid;
    unsigned long long starttime;   /* clock ticks after boot */
};

/* Parse the one line of /proc/PID/stat.  0, or -1 if malformed. */
int dg_pstat_parse(const char *text, size_t len, struct dg_pstat *out);

/* ---- sshd_config: the ports sshd listens on (sshd_config_ports.c) ---- */

#define DG_SSHD_MAX_PORTS 16

struct sshdconf_line;

struct dg_sshd_conf {
    unsigned ports[DG_SSHD_MAX_PORTS];  /* Port values and ListenAddress ports, once each */
    size_t nports;
    size_t port_lines;                  /* Port lines seen (good or bad) */
    size_t bare_listen;                 /* ListenAddress lines without a port */
    size_t bad;                         /* malformed ports, Port or ListenAddress in a Match block */
};

/* Add what one line of sshd_config (as sshd_config_reader.h passes it on)
 * says to C, which starts zeroed. */
void dg_sshd_conf_line(struct dg_sshd_conf *c, const struct sshdconf_line *l);

/* The ports sshd listens on by C: 22 without a Port line (unless every
 * ListenAddress names its port), then the others.  Fills PORTS (up to
 * MAX), returns the count. */
size_t dg_sshd_conf_ports(const struct dg_sshd_conf *c, unsigned *ports, size_t max);

/* ---- lines ---- */

/* Walk TEXT (LEN bytes) line by line: *POS is the offset of the next
 * line; returns its start and sets *LINELEN (no '\n'), or NULL at end. */
const char *dg_next_line(const char *text, size_t len, size_t *pos, size_t *linelen);

/* A blank-separated word of a line. */
struct dg_tok {
    const char *p;
    size_t n;
};

/* Split LINE at blanks (space, tab) into up to MAX words; returns how
 * many there were (may exceed MAX: only MAX stored). */
size_t dg_split(const char *line, size_t len, struct dg_tok *toks, size_t max);

/* The whole word T as a number in BASE (10 or 16), no sign, no overflow,
 * at most MAXDIGITS digits.  0, or -1. */
int dg_tok_num(const struct dg_tok *t, int base, size_t maxdigits, unsigned long long *out);

#endif
