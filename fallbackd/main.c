/* main.c - fallbackd's command line.
 *
 *   fallbackd [-D] [-e] [-f FILE] [--for TIME]
 *                                     run the door (daemon unless -D),
 *                                     closing it after TIME (e.g. 2h)
 *   fallbackd -t [-f FILE]            check config and host keys, exit
 *   fallbackd -T [-f FILE]            print the effective config, exit
 *   fallbackd keygen ...              write a host key (keys/keygen.c)
 *   fallbackd fingerprint FILE        print key fingerprints
 *   fallbackd diagnose [--json] [-f FILE]
 *                                     why is the main sshd down? (diagnose/)
 *   fallbackd import-sshd [-f FILE]   print a config with sshd's login policy
 *   fallbackd -V                      version
 *   fallbackd -h | --help             this summary on stdout, exit 0
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <sodium.h>

#include "diagnose/diagnose.h"
#include "confine_probe.h"
#include "import_sshd.h"
#include "keytool.h"
#include "listener.h"
#include "log.h"
#include "netexec.h"
#include "server.h"

struct options {
    const char *config;
    long long lifetime;  /* --for, seconds; -1 if not given */
    int foreground;     /* -D */
    int log_stderr;     /* -e */
    int test;           /* -t */
    int dump;           /* -T */
};

#define USAGE \
    "usage: fallbackd [-DeTtV] [-f config_file] [--for time]\n" \
    "       fallbackd keygen -t ed25519|ecdsa|rsa [-b bits] [-C comment] [-F] -f file\n" \
    "       fallbackd fingerprint file\n" \
    "       fallbackd diagnose [--json] [-f config_file]\n" \
    "       fallbackd import-sshd [-f sshd_config]\n"

/* A usage error: the summary on stderr, exit 2. */
static int usage(void)
{
    fputs(USAGE, stderr);
    return 2;
}

/* -h, --help: the summary and what each option does, on stdout, exit 0. */
static int help(void)
{
    fputs(USAGE
          "\n"
          "  -D              stay in the foreground (for systemd)\n"
          "  -e              log to stderr instead of syslog (/dev/log)\n"
          "  -f FILE         config file (default " CFG_DEFAULT_PATH ")\n"
          "  --for TIME      close the door after TIME (90m, 2h, 1d)\n"
          "  -t              check the config and host keys, print FILE:LINE: reason\n"
          "  -T              print the effective configuration\n"
          "  -V              print the version\n"
          "  -h, --help      print this help\n"
          "\n"
          "See fallbackd(8) and fallbackd.conf(5).\n", stdout);
    return 0;
}

/* Parse daemon options; returns -1 on a usage error, 1 for -V, 2 for -h. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "for", required_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int ch;

    o->config = CFG_DEFAULT_PATH;
    o->lifetime = -1;
    while ((ch = getopt_long(argc, argv, "DeTthVf:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'L':
            o->lifetime = config_parse_time(optarg);
            if (o->lifetime <= 0) {
                fprintf(stderr, "fallbackd: --for %s: not a time (e.g. 90m, 2h)\n", optarg);
                return -1;
            }
            break;
        case 'D': o->foreground = 1; break;
        case 'e': o->log_stderr = 1; break;
        case 'T': o->dump = 1; break;
        case 't': o->test = 1; break;
        case 'f': o->config = optarg; break;
        case 'V': return 1;
        case 'h': return 2;
        default: return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

/* Print every diagnostic to stderr. */
static void print_errors(const struct diag *d)
{
    for (size_t i = 0; i < d->n; i++) {
        fprintf(stderr, "%s\n", d->msgs[i]);
    }
    if (d->lost > 0) {
        fprintf(stderr, "(%zu more errors, out of memory)\n", d->lost);
    }
}

/* -t and -T: check (and print) the config without serving. */
static int check_config(const struct options *o)
{
    struct server srv;
    struct diag errs = { 0 };
    int rc;

    memset(&srv, 0, sizeof(srv));
    rc = o->dump ? config_load(o->config, &srv.cfg, &errs)
                 : server_load(&srv, o->config, NULL, &errs);
    if (rc == 0 && !o->dump) {
        /* the sandbox is part of what -t checks (confine_probe.h) */
        rc = confine_probe(&srv, &errs, &errs);
    }
    print_errors(&errs);
    if (rc == 0 && o->dump) {
        config_dump(&srv.cfg, stdout);
    }
    server_free(&srv);
    diag_free(&errs);
    return rc == 0 ? 0 : 1;
}

/* Detach from the terminal: fork, new session, stdio to /dev/null.  A
 * missing /dev/null is not fatal (the fds are then just closed). */
static int daemonize(void)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0) {
        return -1;
    }
    if (pid > 0) {
        _exit(0);
    }
    setsid();
    if (chdir("/") < 0) {
        return -1;
    }
    fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < 3; i++) {
        if (fd >= 0) {
            dup2(fd, i);
        } else {
            close(i);
        }
    }
    if (fd > 2) {
        close(fd);
    }
    return 0;
}

/* Write PidFile if configured; failure is logged, never fatal. */
static void write_pid_file(const struct fbd_config *cfg)
{
    FILE *f;

    if (cfg->pid_file == NULL) {
        return;
    }
    f = fopen(cfg->pid_file, "we");
    if (f == NULL) {
        log_error("PidFile %s: %s (continuing without it)", cfg->pid_file, strerror(errno));
        return;
    }
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
}

/* Load everything, detach, serve. */
static int run_daemon(const struct options *o, const char *argv0)
{
    char why[256];
    struct server srv;
    struct diag errs = { 0 };
    struct diag notes = { 0 };
    int rc;

    memset(&srv, 0, sizeof(srv));
    srv.log_stderr = o->log_stderr;
    srv.foreground = o->foreground;
    srv.lifetime_override = (int)o->lifetime;
    log_setup("fallbackd", 1, 4 << 3, LL_INFO);
    if (server_load(&srv, o->config, NULL, &errs) < 0) {
        print_errors(&errs);
        fprintf(stderr, "fallbackd: not started\n");
        diag_free(&errs);
        server_free(&srv);
        return 1;
    }
    diag_free(&errs);
    log_setup("fallbackd", o->log_stderr, srv.cfg.syslog_facility, srv.cfg.log_level);
    if (confine_probe(&srv, &notes, &errs) < 0) {
        for (size_t i = 0; i < errs.n; i++) {
            log_error("%s", errs.msgs[i]);
        }
        print_errors(&errs);
        fprintf(stderr, "fallbackd: not started\n");
        diag_free(&errs);
        server_free(&srv);
        return 1;
    }
    for (size_t i = 0; i < notes.n; i++) {
        log_error("%s", notes.msgs[i]);
    }
    diag_free(&notes);
    if (netexec_open_self(argv0, why, sizeof(why)) < 0) {
        log_error("%s: network processes will be forked, sharing the listener's address "
                  "space layout, instead of started as new images", why);
    }
    if (!o->foreground && daemonize() < 0) {
        log_error("cannot detach: %s", strerror(errno));
        return 1;
    }
    write_pid_file(&srv.cfg);
    rc = listener_run(&srv, o->config);
    server_free(&srv);
    return rc;
}

/* fallbackd diagnose [--json] [-f FILE]: the incident console on the box.
 * The config only adds HostKey fingerprints and DiagnoseFiles; a config
 * that does not load is reported, never fatal. */
static int diagnose_main(int argc, char **argv)
{
    const char *path = CFG_DEFAULT_PATH;
    struct fbd_config cfg;
    struct diag errs = { 0 };
    struct dg_opts o = { .version = FALLBACKD_VERSION, .home = getenv("HOME") };
    int json = 0, loaded, rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else {
            return usage();
        }
    }
    loaded = config_load(path, &cfg, &errs) == 0;
    if (loaded) {
        o.host_keys = (const char *const *)cfg.host_keys;
        o.nhost_keys = cfg.nhost_keys;
        o.files = (const char *const *)cfg.diagnose_files.v;
        o.nfiles = cfg.diagnose_files.n;
    } else if (!json) {
        fprintf(stderr, "fallbackd: %s not loaded (%s); diagnosing without it\n", path,
                errs.n > 0 ? errs.msgs[0] : "error");
    }
    fflush(stderr);
    rc = diagnose_run(&o, STDOUT_FILENO, json, "\n");
    config_free(&cfg);
    diag_free(&errs);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o;
    int rc;

    memset(&o, 0, sizeof(o));
    if (sodium_init() < 0 || ssh_init() != SSH_OK) {
        fprintf(stderr, "fallbackd: cannot initialise crypto\n");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (argc == 2 && strcmp(argv[1], NETEXEC_ARG) == 0) {
        return netexec_main();      /* a connection's network process (netexec.h) */
    }
    if (argc > 1 && strcmp(argv[1], "keygen") == 0) {
        return keygen_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "fingerprint") == 0) {
        return fingerprint_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "diagnose") == 0) {
        return diagnose_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "import-sshd") == 0) {
        return import_sshd_main(argc - 1, argv + 1);
    }
    rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        if (rc == 2) {
            return help();
        }
        if (rc > 0) {
            printf("fallbackd %s (libssh %s)\n", FALLBACKD_VERSION, ssh_version(0));
            return 0;
        }
        return usage();
    }
    if (o.test || o.dump) {
        return check_config(&o);
    }
    return run_daemon(&o, argv[0]);
}
