/* login_records.c - utmp, wtmp, lastlog and btmp records (see
 * login_records.h).
 *
 * The files and what is written (struct utmpx of <utmpx.h>, the same
 * layout as glibc's struct utmp; struct lastlog of <lastlog.h>):
 *
 *   file                 when                   how
 *   /var/run/utmp        pty session start      overwrite the record with the same
 *                        (USER_PROCESS)         ut_id, else append; under a write lock
 *                        session end            the record becomes DEAD_PROCESS,
 *                        (DEAD_PROCESS)         user and host cleared
 *   /var/log/wtmp        start, end             append (start: as utmp; end: line,
 *                                               id, pid, no user, no host)
 *   /var/log/lastlog     start                  record number uid: time, line, host
 *   /var/log/btmp        invalid user           append LOGIN_PROCESS, line "ssh:notty";
 *                                               only into a root-owned file others
 *                                               cannot read (it holds what people
 *                                               typed as user names)
 *
 * ut_line is the tty without "/dev/", ut_id its last four characters
 * ("pts/3" -> "ts/3"), ut_host the numeric address (names are never
 * resolved), ut_addr_v6 the address.  Locks are taken with F_SETLK, a few
 * tries, never waited for: a login never waits on a record.
 */
#include "login_records.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lastlog.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

#include "log.h"

#define UTMP_PATH "/var/run/utmp"
#define WTMP_PATH "/var/log/wtmp"
#define LASTLOG_PATH "/var/log/lastlog"
#define BTMP_PATH "/var/log/btmp"
#define MAX_RECORDED 64         /* pty sessions of one connection */
#define LOCK_TRIES 5

/* The pty sessions recorded, so that their end can be. */
static struct {
    pid_t pid;
    char line[sizeof(((struct utmpx *)0)->ut_line)];
} recorded[MAX_RECORDED];

/* Copy S into a fixed-size record field (not necessarily NUL-terminated). */
static void field(char *dst, size_t size, const char *s)
{
    size_t n = strlen(s);

    memset(dst, 0, size);
    memcpy(dst, s, n < size ? n : size);
}

/* The record for LINE, its id, the time and PID; user and host empty. */
static void record_base(struct utmpx *u, short type, pid_t pid, const char *line)
{
    size_t n = strlen(line);
    struct timeval tv;

    memset(u, 0, sizeof(*u));
    u->ut_type = type;
    u->ut_pid = pid;
    field(u->ut_line, sizeof(u->ut_line), line);
    field(u->ut_id, sizeof(u->ut_id), n > sizeof(u->ut_id) ? line + n - sizeof(u->ut_id) : line);
    gettimeofday(&tv, NULL);
    u->ut_tv.tv_sec = (int32_t)tv.tv_sec;
    u->ut_tv.tv_usec = (int32_t)tv.tv_usec;
}

/* User, host and address of a login. */
static void record_who(struct utmpx *u, const char *user, const char *addr)
{
    field(u->ut_user, sizeof(u->ut_user), user);
    field(u->ut_host, sizeof(u->ut_host), addr);
    if (inet_pton(AF_INET, addr, u->ut_addr_v6) != 1) {
        inet_pton(AF_INET6, addr, u->ut_addr_v6);
    }
}

/* Open PATH, which is never created; -1 if it is missing or cannot be opened. */
static int open_record_file(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);

    if (fd < 0 && errno != ENOENT) {
        log_info("login record: %s: %s (not recorded)", path, strerror(errno));
    }
    return fd;
}

/* Take a write lock on FD without waiting for it. */
static int lock_record_file(int fd, const char *path)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    struct timespec pause = { 0, 2000000 };

    for (int i = 0; i < LOCK_TRIES; i++) {
        if (fcntl(fd, F_SETLK, &fl) == 0) {
            return 0;
        }
        nanosleep(&pause, NULL);
    }
    log_info("login record: %s: locked by another process (not recorded)", path);
    return -1;
}

/* Append one record to PATH; a partial write is cut off again. */
static void append_record(const char *path, const struct utmpx *u)
{
    int fd = open_record_file(path, O_WRONLY);
    struct stat st;

    if (fd < 0) {
        return;
    }
    if (lock_record_file(fd, path) == 0 && fstat(fd, &st) == 0) {
        off_t at = st.st_size - st.st_size % (off_t)sizeof(*u);

        if (pwrite(fd, u, sizeof(*u), at) != (ssize_t)sizeof(*u)) {
            log_info("login record: %s: %s (not recorded)", path, strerror(errno));
            (void)!ftruncate(fd, at);
        }
    }
    close(fd);
}

/* Does utmp record OLD belong to the same terminal as NEW? */
static int same_slot(const struct utmpx *old, const struct utmpx *new)
{
    if (old->ut_type == USER_PROCESS || old->ut_type == DEAD_PROCESS ||
        old->ut_type == LOGIN_PROCESS || old->ut_type == INIT_PROCESS) {
        return memcmp(old->ut_id, new->ut_id, sizeof(old->ut_id)) == 0;
    }
    return 0;
}

/* Write U over utmp's record for its terminal, else at the end. */
static void put_utmp(const struct utmpx *u)
{
    int fd = open_record_file(UTMP_PATH, O_RDWR);
    struct utmpx old;
    off_t at = 0;

    if (fd < 0) {
        return;
    }
    if (lock_record_file(fd, UTMP_PATH) < 0) {
        close(fd);
        return;
    }
    while (pread(fd, &old, sizeof(old), at) == (ssize_t)sizeof(old) && !same_slot(&old, u)) {
        at += (off_t)sizeof(old);
    }
    if (pwrite(fd, u, sizeof(*u), at) != (ssize_t)sizeof(*u)) {
        log_info("login record: %s: %s (not recorded)", UTMP_PATH, strerror(errno));
    }
    close(fd);
}

/* lastlog's record number UID: the time, line and host of this login. */
static void put_lastlog(uid_t uid, const char *line, const char *addr)
{
    int fd = open_record_file(LASTLOG_PATH, O_WRONLY);
    struct lastlog ll;

    if (fd < 0) {
        return;
    }
    memset(&ll, 0, sizeof(ll));
    ll.ll_time = (int32_t)time(NULL);
    field(ll.ll_line, sizeof(ll.ll_line), line);
    field(ll.ll_host, sizeof(ll.ll_host), addr);
    if (pwrite(fd, &ll, sizeof(ll), (off_t)uid * (off_t)sizeof(ll)) != (ssize_t)sizeof(ll)) {
        log_info("login record: %s: %s (not recorded)", LASTLOG_PATH, strerror(errno));
    }
    close(fd);
}

void login_records_start(pid_t pid, const char *tty, const char *user, uid_t uid,
                         const char *addr)
{
    const char *line = strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
    struct utmpx u;
    size_t i;

    record_base(&u, USER_PROCESS, pid, line);
    record_who(&u, user, addr);
    put_utmp(&u);
    append_record(WTMP_PATH, &u);
    put_lastlog(uid, line, addr);
    for (i = 0; i < MAX_RECORDED; i++) {
        if (recorded[i].pid == 0) {
            recorded[i].pid = pid;
            field(recorded[i].line, sizeof(recorded[i].line) - 1, line);
            return;
        }
    }
}

void login_records_end(pid_t pid)
{
    struct utmpx u;

    for (size_t i = 0; i < MAX_RECORDED; i++) {
        if (recorded[i].pid != pid || pid == 0) {
            continue;
        }
        record_base(&u, DEAD_PROCESS, pid, recorded[i].line);
        put_utmp(&u);
        append_record(WTMP_PATH, &u);
        recorded[i].pid = 0;
        return;
    }
}

void login_records_refused(const char *user, const char *addr)
{
    int fd = open_record_file(BTMP_PATH, O_RDONLY);
    struct stat st;
    struct utmpx u;

    if (fd < 0) {
        return;
    }
    if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & S_IRWXO) != 0) {
        log_info("login record: %s: readable by others or not owned by root (not recorded)",
                 BTMP_PATH);
        close(fd);
        return;
    }
    close(fd);
    record_base(&u, LOGIN_PROCESS, getpid(), "ssh:notty");
    record_who(&u, user, addr);
    append_record(BTMP_PATH, &u);
}
