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
/* sshd's default CASignatureAlgorithms (and every one fallbackd verifies). */
#define CFG_DEFAULT_CA_SIG_ALGS "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384," \
    "ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com," \
    "rsa-sha2-512,rsa-sha2-256"

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

/* PubkeyAuthOptions (security keys): touch-required makes user presence
 * required even for a key line with no-touch-required; verify-required
 * requires user verification (a PIN) for every security key. */
#define CFG_PK_TOUCH_REQUIRED 1
#define CFG_PK_VERIFY_REQUIRED 2

/* DiagnoseAtLogin no|yes|always */
enum diag_login {
    DIAG_LOGIN_NO = 0,          /* never */
    DIAG_LOGIN_YES,             /* before shells and subsystems, not exec requests */
    DIAG_LOGIN_ALWAYS,          /* before exec requests too */
};

enum permit_root {
    ROOT_NO = 0,                /* "no" */
    ROOT_FORCED_COMMANDS_ONLY,  /* "forced-commands-only" */
    ROOT_YES,                   /* "yes", "prohibit-password", "without-password":
                                   the same thing in a key-only server */
};

/* PerSourcePenalties (sshd_config(5)'s syntax): seconds a source block
 * earns per event, and when it is refused. */
struct cfg_penalties {
    int enabled;                /* "no" turns them off; default yes */
    int crash;                  /* crash:90 - its network process died by a signal */
    int authfail;               /* authfail:5 - it exhausted MaxAuthTries */
    int noauth;                 /* noauth:1 - it left without trying to log in */
    int grace_exceeded;         /* grace-exceeded:10 - LoginGraceTime ran out */
    int refuseconnection;       /* refuseconnection:10 - accepted, unused: fallbackd
                                   has no RefuseConnection */
    int max;                    /* max:600 - the most a source can accumulate */
    int min;                    /* min:15 - refused while it has at least this much */
    int max_sources4;           /* max-sources4:65536 - penalised blocks kept */
    int max_sources6;           /* max-sources6:65536 */
    int overflow_deny4;         /* overflow:permissive|deny-all - table full */
    int overflow_deny6;         /* overflow6:permissive|deny-all */
};

/* Sandbox: how hard the network process must be confined (sandbox.h). */
enum sandbox_mode {
    SANDBOX_NO = 0,             /* "no": not at all (the monitor split stays) */
    SANDBOX_AUTO,               /* "auto": fully if this system allows it, else
                                   everything but the mount namespace (logged) */
    SANDBOX_STRICT,             /* "strict" (or "yes"): fully, or refuse to start */
};

/* The settings.  Their defaults are set in config_defaults() (config.c)
 * and nowhere else. */
struct fbd_config {
    char *path;                         /* the file it came from */
    char *text;                         /* its text as parsed (NUL-terminated), so */
    size_t text_len;                    /*   that a re-executed network process gets
                                           exactly this config, never the file again */

    int ports[CFG_MAX_PORTS];           /* Port */
    size_t nports;
    struct cfg_listen listen[CFG_MAX_LISTEN];   /* ListenAddress; none = 0.0.0.0 and :: */
    size_t nlisten;
    char *host_keys[CFG_MAX_HOSTKEYS];  /* HostKey */
    size_t nhost_keys;

    char *authorized_keys_file;         /* AuthorizedKeysFile (%u, %h, %%): the first
                                           file, "none" for none */
    struct strlist authorized_keys_more;  /* AuthorizedKeysFile's further files */
    int strict_modes;                   /* StrictModes, default yes */
    char *trusted_user_ca_keys;         /* TrustedUserCAKeys, NULL = none */
    char *authorized_principals_file;   /* AuthorizedPrincipalsFile (%u, %h), NULL = none */
    char *revoked_keys;                 /* RevokedKeys: key list or KRL, NULL = none */
    char *ca_signature_algorithms;      /* CASignatureAlgorithms, NULL = sshd's default */
    struct strlist allow_users;         /* AllowUsers: USER or USER@ADDRPATTERN */
    struct strlist deny_users;          /* DenyUsers */
    struct strlist allow_groups;        /* AllowGroups */
    struct strlist deny_groups;         /* DenyGroups */
    int permit_root_login;              /* PermitRootLogin, enum permit_root */
    int permit_user_environment;        /* PermitUserEnvironment: honour environment= */
    int permit_tty;                     /* PermitTTY */
    int pubkey_auth_options;            /* PubkeyAuthOptions: CFG_PK_* bits */
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
    int kex_grace_time;                 /* KexGraceTime: seconds after which a
                                           connection without a completed key
                                           exchange may be closed to admit another
                                           (listener/admission.c); 0 = never */
    int per_source_bits4;               /* PerSourceNetBlockSize V4:V6: the source */
    int per_source_bits6;               /*   block size */
    struct cfg_penalties penalties;     /* PerSourcePenalties (above) */
    struct strlist penalty_exempt;      /* PerSourcePenaltyExemptList: addresses or
                                           CIDR blocks never penalised; the entry
                                           "AllowFrom" stands for every AllowFrom
                                           block */
    char *rescue_shell;                 /* RescueShell: static shell used when the
                                           user's cannot start; NULL = none */
    struct strlist rescue_users;        /* RescueShellUsers, RescueShellGroups: who */
    struct strlist rescue_groups;       /*   may have it (user/group name patterns);
                                           both empty: every user whose own shell
                                           is a real login shell (rescue_policy.h) */
    int door_lifetime;                  /* DoorLifetime: seconds after start at which
                                           the door stops accepting; 0 = never */
    int sandbox;                        /* Sandbox: enum sandbox_mode */
    int sandbox_uid_lo;                 /* SandboxUidRange LO-HI: each live connection's */
    int sandbox_uid_hi;                 /*   network process gets a uid of its own from
                                           this range (no passwd user may own one) */
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
    int diagnose_at_login;              /* DiagnoseAtLogin: show the incident console's
                                           verdict before a shell when the main sshd
                                           is not healthy; enum diag_login */
    struct strlist diagnose_files;      /* DiagnoseFiles: files the incident console
                                           shows (absolute, or ~/ for the user's home),
                                           e.g. an upgrade's exit-code file */
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
 * AcceptEnv, Subsystem, DiagnoseFiles). */
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
