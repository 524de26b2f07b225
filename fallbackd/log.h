/* log.h - sshd-style log lines to stderr or to syslog over /dev/log.
 *
 * No libsystemd and no libc syslog(3): we write RFC 3164 datagrams to
 * /dev/log ourselves, so that logging needs no shared object, opens no file
 * under /run, and a missing /dev/log or a full disk behind it costs a
 * dropped line, never a blocked or crashed door.
 */
#ifndef FBD_LOG_H
#define FBD_LOG_H

/* Same names and order as sshd's LogLevel. */
enum log_level {
    LL_QUIET = 0,
    LL_FATAL,
    LL_ERROR,
    LL_INFO,
    LL_VERBOSE,
    LL_DEBUG1,
    LL_DEBUG2,
    LL_DEBUG3,
};

/* LogLevel name -> level, or -1.  "DEBUG" means DEBUG1, as in sshd. */
int log_level_parse(const char *name);
const char *log_level_name(int level);

/* SyslogFacility name (AUTH, AUTHPRIV, DAEMON, USER, LOCAL0..7) -> the
 * facility number as used in the syslog priority, or -1. */
int log_facility_parse(const char *name);
const char *log_facility_name(int facility);

/* Set where lines go: stderr when to_stderr, else syslog.  Safe to call
 * again (after fork, after a reload). */
void log_setup(const char *ident, int to_stderr, int facility, int level);

/* Send every line to SINK instead (the network process forwards its
 * lines to the monitor, as it can reach neither /dev/log nor a file).
 * NULL restores the normal destination. */
void log_set_sink(void (*sink)(int level, const char *msg));

/* Level currently in force. */
int log_get_level(void);

void logmsg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_fatal(...)   logmsg(LL_FATAL, __VA_ARGS__)
#define log_error(...)   logmsg(LL_ERROR, __VA_ARGS__)
#define log_info(...)    logmsg(LL_INFO, __VA_ARGS__)
#define log_verbose(...) logmsg(LL_VERBOSE, __VA_ARGS__)
#define log_debug(...)   logmsg(LL_DEBUG1, __VA_ARGS__)
#define log_debug2(...)  logmsg(LL_DEBUG2, __VA_ARGS__)
#define log_debug3(...)  logmsg(LL_DEBUG3, __VA_ARGS__)

#endif
