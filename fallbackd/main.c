/* main.c - fallbackd's command line.
 *
 *   fallbackd [-D] [-e] [-f FILE] [--for TIME]
 *                                     run the door (daemon unless -D),
 *                                     closing it after TIME (e.g. 2h)
 *   fallbackd -t [-f FILE]            check config and host keys, exit
 *   fallbackd -T [-f FILE]            print the effective config, exit
 *   fallbackd keygen ...              write a host key (keys/keygen.c)
 *   fallbackd fingerprint FILE        print key fingerprints
 *   fallbackd import-sshd [-f FILE]   print a config with sshd's login policy
 *   fallbackd -V                      version
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

#include "import_sshd.h"
#include "keytool.h"
#include "listener.h"
#include "log.h"
#include "server.h"

#define FALLBACKD_VERSION "0.1.0"

struct options {
    const char *config;
    long long lifetime;  /* --for, seconds; -1 if not given */
    int foreground;     /* -D */
    int log_stderr;     /* -e */
    int test;           /* -t */
    int dump;           /* -T */
};

static int usage(void)
{
    fprintf(stderr,
            "usage: fallbackd [-DeTtV] [-f config_file] [--for time]\n"
            "       fallbackd keygen -t ed25519|ecdsa|rsa [-b bits] [-C comment] [-F] -f file\n"
            "       fallbackd fingerprint file\n"
            "       fallbackd import-sshd [-f sshd_config]\n");
    return 2;
}

/* Parse daemon options; returns -1 on a usage error, 1 for -V. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "for", required_argument, NULL, 'L' },
        { NULL, 0, NULL, 0 },
    };
    int ch;

    o->config = CFG_DEFAULT_PATH;
    o->lifetime = -1;
    while ((ch = getopt_long(argc, argv, "DeTtVf:", longopts, NULL)) != -1) {
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
static int run_daemon(const struct options *o)
{
    struct server srv;
    struct diag errs = { 0 };
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
    if (!o->foreground && daemonize() < 0) {
        log_error("cannot detach: %s", strerror(errno));
        return 1;
    }
    write_pid_file(&srv.cfg);
    rc = listener_run(&srv, o->config);
    server_free(&srv);
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
    if (argc > 1 && strcmp(argv[1], "keygen") == 0) {
        return keygen_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "fingerprint") == 0) {
        return fingerprint_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "import-sshd") == 0) {
        return import_sshd_main(argc - 1, argv + 1);
    }
    rc = parse_options(argc, argv, &o);
    if (rc != 0) {
        if (rc > 0) {
            printf("fallbackd %s (libssh %s)\n", FALLBACKD_VERSION, ssh_version(0));
            return 0;
        }
        return usage();
    }
    if (o.test || o.dump) {
        return check_config(&o);
    }
    return run_daemon(&o);
}
