/* config.h - fallbackd's configuration: one sshd_config-style file.
 *
 * Keywords are sshd's wherever the meaning is the same; fallbackd adds its
 * own only where sshd has none.  A parse never prints and never exits: every
 * problem becomes one "FILE:LINE: reason" in a struct diag, and a config with
 * any problem is rejected whole (a reload then keeps the old one).
 */
#ifndef FBD_CONFIG_H
#define FBD_CONFIG_H

#include <stdio.h>

#include "algolist.h"
#include "diag.h"

#define CFG_MAX_PORTS 16
#define CFG_MAX_LISTEN 16
#define CFG_MAX_HOSTKEYS 8

/* The config file read when -f does not name another. */
#define CFG_DEFAULT_PATH "/etc/fallbackd/fallbackd.conf"

/* A growable list of owned strings. */
struct strlist {
    char **v;
    size_t n;
};

/* ListenAddress: addr is a numeric IPv4 or IPv6 address (no DNS);
 * port 0 means "on every Port". */
struct cfg_listen {
    char *addr;
    int port;
};

/* Subsystem NAME COMMAND */
struct cfg_subsystem {
    char *name;
    char *command;
};

enum permit_root {
    ROOT_NO = 0,                /* "no" */
    ROOT_FORCED_COMMANDS_ONLY,  /* "forced-commands-only" */
    ROOT_YES,                   /* "yes", "prohibit-password", "without-password":
                                   the same thing in a key-only server */
};

/* The settings.  Their defaults are set in config_defaults() (config.c)
 * and nowhere else. */
struct fbd_config {
    char *path;                         /* the file it came from */

    int ports[CFG_MAX_PORTS];           /* Port */
    size_t nports;
    struct cfg_listen listen[CFG_MAX_LISTEN];   /* ListenAddress; none = 0.0.0.0 and :: */
    size_t nlisten;
    char *host_keys[CFG_MAX_HOSTKEYS];  /* HostKey */
    size_t nhost_keys;

    char *authorized_keys_file;         /* AuthorizedKeysFile (%u, %h, %%), one file */
    struct strlist allow_users;         /* AllowUsers: USER or USER@ADDRPATTERN */
    struct strlist deny_users;          /* DenyUsers */
    struct strlist allow_groups;        /* AllowGroups */
    struct strlist deny_groups;         /* DenyGroups */
    int permit_root_login;              /* PermitRootLogin, enum permit_root */
    int permit_user_environment;        /* PermitUserEnvironment: honour environment= */
    int permit_tty;                     /* PermitTTY */
    struct strlist accept_env;          /* AcceptEnv patterns */
    struct cfg_subsystem *subsystems;   /* Subsystem */
    size_t nsubsystems;

    int login_grace_time;               /* LoginGraceTime, seconds, 0 = none */
    int max_auth_tries;                 /* MaxAuthTries */
    int max_sessions;                   /* MaxSessions (sessions and forwarded
                                           channels together, as sshd) */
    int allow_tcp_forwarding;           /* AllowTcpForwarding: 0 no, 1 local
                                           ("yes" means local: no remote
                                           forwarding here) */
    struct strlist permit_open;         /* PermitOpen: empty = any (permitopen.h) */
    int max_startups_begin;             /* MaxStartups begin:rate:full */
    int max_startups_rate;
    int max_startups_full;
    int client_alive_interval;          /* ClientAliveInterval, seconds, 0 = off */
    int client_alive_count_max;         /* ClientAliveCountMax */
    int tcp_keep_alive;                 /* TCPKeepAlive */

    int log_level;                      /* LogLevel (enum log_level) */
    int syslog_facility;                /* SyslogFacility */
    char *pid_file;                     /* PidFile, NULL = none */

    /* fallbackd's own keywords (sshd has none with this meaning) */
    int session_linger;                 /* SessionLinger: seconds a session stays open
                                           after its process exited while a background
                                           job still holds stdout/stderr */
    struct strlist allow_from;          /* AllowFrom: CIDR blocks a connection may come
                                           from, checked at accept; empty = any */
    int per_source_max_startups;        /* PerSourceMaxStartups: unauthenticated
                                           connections per source block, 0 = no
                                           limit */
    int per_source_bits4;               /* PerSourceNetBlockSize V4:V6: the source */
    int per_source_bits6;               /*   block size */
    char *rescue_shell;                 /* RescueShell: static shell used when the
                                           user's cannot start; NULL = none */
    int door_lifetime;                  /* DoorLifetime: seconds after start at which
                                           the door stops accepting; 0 = never */
    int sandbox;                        /* Sandbox: confine the network process
                                           (sandbox.h) */
    int sandbox_uid;                    /* SandboxUid, numeric */
    int sandbox_gid;                    /* SandboxGid, numeric */
    char *passwd_file;                  /* PasswdFile */
    char *group_file;                   /* GroupFile */
    int max_forwards;                   /* MaxForwardChannels: concurrent
                                           direct-tcpip channels per
                                           connection */

    char *algorithms[ALGO_KINDS];       /* KexAlgorithms, Ciphers, MACs,
                                           HostKeyAlgorithms,
                                           PubkeyAcceptedAlgorithms: the
                                           resolved list; NULL = the default
                                           (algolist.h) */
};

/* Fill c with every default (allocates).  c is overwritten, not freed:
 * pass an uninitialised or config_free()d struct. */
void config_defaults(struct fbd_config *c);

/* Parse a whole file over the defaults.  These call config_defaults(c)
 * themselves: pass an uninitialised (or config_free()d) struct; whatever c
 * held is overwritten, not freed.  Returns 0 when the file is valid;
 * otherwise -1 with every problem appended to errs as "FILE:LINE: reason"
 * (or "FILE: reason" for one that has no line, such as an unreadable file).
 * Either way *c must be config_free()d; on error it must not be used.
 * A keyword given twice keeps its first value, as in sshd, except those
 * that accumulate (Port, ListenAddress, HostKey, Allow/Deny lists,
 * AcceptEnv, Subsystem). */
int config_load(const char *path, struct fbd_config *c, struct diag *errs);

/* The same for len bytes of text already in memory (need not be
 * NUL-terminated; a NUL byte makes its line an error); name (not NULL) is
 * used in messages and becomes c->path. */
int config_parse(const char *name, const char *text, size_t len,
                 struct fbd_config *c, struct diag *errs);

/* Print the effective configuration, one "keyword value" per line, in
 * lower case like sshd -T. */
void config_dump(const struct fbd_config *c, FILE *out);

void config_free(struct fbd_config *c);

/* sshd's time format ("90", "90s", "2h", "1h30m") in seconds, or -1. */
long long config_parse_time(const char *s);

/* Is env variable name NAME accepted by the AcceptEnv patterns? */
int config_accepts_env(const struct fbd_config *c, const char *name);

/* The command line of subsystem NAME, or NULL. */
const char *config_subsystem(const struct fbd_config *c, const char *name);

#endif
