/* log.c - sshd-style log lines to stderr or /dev/log (see log.h). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {
    "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3",
};

static const struct {
    const char *name;
    int facility;
} facilities[] = {
    { "USER", 1 << 3 },    { "DAEMON", 3 << 3 },  { "AUTH", 4 << 3 },
    { "AUTHPRIV", 10 << 3 }, { "LOCAL0", 16 << 3 }, { "LOCAL1", 17 << 3 },
    { "LOCAL2", 18 << 3 }, { "LOCAL3", 19 << 3 }, { "LOCAL4", 20 << 3 },
    { "LOCAL5", 21 << 3 }, { "LOCAL6", 22 << 3 }, { "LOCAL7", 23 << 3 },
};

static struct {
    char ident[32];
    int to_stderr;
    int facility;
    int level;
    int fd;             /* datagram socket to /dev/log, -1 if not open */
    void (*sink)(int level, const char *msg);
} logger = { "fallbackd", 1, 4 << 3, LL_INFO, -1, NULL };

int log_level_parse(const char *name)
{
    size_t i;

    if (strcasecmp(name, "DEBUG") == 0) {
        return LL_DEBUG1;
    }
    for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *log_level_name(int level)
{
    if (level < LL_QUIET || level > LL_DEBUG3) {
        return "?";
    }
    return level_names[level];
}

int log_facility_parse(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
        if (strcasecmp(name, facilities[i].name) == 0) {
            return facilities[i].facility;
        }
    }
    return -1;
}

const char *log_facility_name(int facility)
{
    size_t i;

    for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
        if (facilities[i].facility == facility) {
            return facilities[i].name;
        }
    }
    return "?";
}

void log_setup(const char *ident, int to_stderr, int facility, int level)
{
    snprintf(logger.ident, sizeof(logger.ident), "%s", ident);
    logger.to_stderr = to_stderr;
    logger.facility = facility;
    logger.level = level;
    if (logger.fd >= 0) {
        close(logger.fd);
        logger.fd = -1;
    }
}

void log_set_sink(void (*sink)(int level, const char *msg))
{
    logger.sink = sink;
}

int log_get_level(void)
{
    return logger.level;
}

/* Open (or reopen) the /dev/log socket.  Failure is not an error: the line
 * is dropped, and the next line tries again (syslogd may come back). */
static int syslog_connect(void)
{
    struct sockaddr_un sun;
    int fd;

    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", "/dev/log");
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Syslog priority for a level: sshd maps FATAL/ERROR to err, INFO and
 * VERBOSE to info, DEBUG* to debug. */
static int syslog_severity(int level)
{
    if (level <= LL_ERROR) {
        return 3;
    }
    if (level <= LL_VERBOSE) {
        return 6;
    }
    return 7;
}

/* Wire format (RFC 3164): "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE".
 * Timestamps are UTC: reading /etc/localtime could fail mid-upgrade. */
static void syslog_send(int level, const char *msg)
{
    char line[2048];
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    int n;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
    n = snprintf(line, sizeof(line), "<%d>%s %s[%ld]: %s",
                 logger.facility | syslog_severity(level), stamp, logger.ident,
                 (long)getpid(), msg);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (logger.fd < 0) {
            logger.fd = syslog_connect();
        }
        if (logger.fd < 0) {
            return;
        }
        if (send(logger.fd, line, (size_t)n, MSG_NOSIGNAL) >= 0 || errno == EAGAIN) {
            return;
        }
        close(logger.fd);
        logger.fd = -1;
    }
}

/* Stderr lines carry no timestamp or ident, exactly like sshd -e. */
static void stderr_send(const char *msg)
{
    char line[2048];
    int n = snprintf(line, sizeof(line), "%s\n", msg);

    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    /* One write per line keeps lines whole across processes; a failure
     * (ENOSPC, EPIPE) only loses this line. */
    (void)!write(STDERR_FILENO, line, (size_t)n);
}

void logmsg(int level, const char *fmt, ...)
{
    char msg[1800];
    int saved = errno;
    va_list ap;

    if (level > logger.level) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Neutralise control characters that a client may have put into a
     * user name or version string, so a log line stays one line. */
    for (char *p = msg; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }
    if (logger.sink != NULL) {
        logger.sink(level, msg);
    } else if (logger.to_stderr) {
        stderr_send(msg);
    } else {
        syslog_send(level, msg);
    }
    errno = saved;
}
