/* login_records.h - utmp, wtmp, lastlog and btmp records of door logins,
 * as sshd writes them, so that who, last, lastlog and lastb show them.
 *
 * Written by the monitor (root), directly into the files: no NSS, no
 * utmp helper, nothing executed.  A file that is missing is not created;
 * a record that cannot be written is logged once per call and skipped.
 * Nothing here can block or refuse a login.
 */
#ifndef FBD_LOGIN_RECORDS_H
#define FBD_LOGIN_RECORDS_H

#include <sys/types.h>

/* A pty session PID of USER (UID) from ADDR started on TTY ("/dev/pts/3"):
 * utmp and wtmp USER_PROCESS records, lastlog's entry for UID. */
void login_records_start(pid_t pid, const char *tty, const char *user, uid_t uid,
                         const char *addr);

/* The session PID ended: utmp's entry becomes DEAD_PROCESS, and wtmp gets
 * the logout record.  Nothing for a PID that login_records_start did not
 * record. */
void login_records_end(pid_t pid);

/* A login attempt for USER, who does not exist, from ADDR: a btmp record
 * ("ssh:notty"), as sshd writes for an invalid user. */
void login_records_refused(const char *user, const char *addr);

#endif
