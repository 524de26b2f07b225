/* longname.c - READDIR long names (longname.h).
 *
 * The layout OpenSSH's server and `ls -l` use, which clients show as is:
 *
 *     -rw-r--r--    1 alice    alice        1234 Dec  3 09:24 notes.txt
 *     drwxr-xr-x    2 alice    alice        4096 Mar  1  2025 old
 *
 * mode (10), " ", links (%4u), " ", owner (%-8s), " ", group (%-8s), " ",
 * size (%8llu), " ", date, " ", name.  The date shows the time of day if
 * it is within six months of now, else the year.
 */
#include "longname.h"

#include <stdio.h>
#include <string.h>

#define HALF_YEAR (365L * 24 * 60 * 60 / 2)

/* The file type letter of ls -l. */
static char type_char(mode_t mode)
{
    static const struct {
        mode_t type;
        char c;
    } types[] = {
        { S_IFREG, '-' }, { S_IFDIR, 'd' }, { S_IFLNK, 'l' }, { S_IFCHR, 'c' },
        { S_IFBLK, 'b' }, { S_IFIFO, 'p' }, { S_IFSOCK, 's' },
    };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if ((mode & S_IFMT) == types[i].type) {
            return types[i].c;
        }
    }
    return '?';
}

/* One rwx triple; SPECIAL (setuid, setgid or sticky) replaces the x with
 * on ('s', 't') or, without x, off ('S', 'T'). */
static void triple(char *o, mode_t mode, mode_t r, mode_t w, mode_t x, mode_t special,
                   char on, char off)
{
    o[0] = (mode & r) ? 'r' : '-';
    o[1] = (mode & w) ? 'w' : '-';
    o[2] = (mode & x) ? 'x' : '-';
    if (mode & special) {
        o[2] = (mode & x) ? on : off;
    }
}

void longname_mode(mode_t mode, char out[11])
{
    out[0] = type_char(mode);
    triple(out + 1, mode, S_IRUSR, S_IWUSR, S_IXUSR, S_ISUID, 's', 'S');
    triple(out + 4, mode, S_IRGRP, S_IWGRP, S_IXGRP, S_ISGID, 's', 'S');
    triple(out + 7, mode, S_IROTH, S_IWOTH, S_IXOTH, S_ISVTX, 't', 'T');
    out[10] = '\0';
}

/* A user or group name, or the number. */
static const char *id_name(const char *name, unsigned long id, char *buf, size_t cap)
{
    if (name != NULL) {
        return name;
    }
    snprintf(buf, cap, "%lu", id);
    return buf;
}

void longname_format(char *out, size_t cap, const char *name, const struct stat *st,
                     const struct sftp_names *names, time_t now)
{
    char mode[11];
    char ubuf[24];
    char gbuf[24];
    char date[32];
    const char *user = names->user ? names->user(st->st_uid, names->ctx) : NULL;
    const char *group = names->group ? names->group(st->st_gid, names->ctx) : NULL;
    time_t t = st->st_mtime;
    struct tm tm;

    longname_mode(st->st_mode, mode);
    date[0] = '\0';
    if (localtime_r(&t, &tm) != NULL) {
        strftime(date, sizeof(date), t > now - HALF_YEAR && t < now + HALF_YEAR
                 ? "%b %e %H:%M" : "%b %e  %Y", &tm);
    }
    snprintf(out, cap, "%s %4lu %-8s %-8s %8llu %s %s", mode, (unsigned long)st->st_nlink,
             id_name(user, st->st_uid, ubuf, sizeof(ubuf)),
             id_name(group, st->st_gid, gbuf, sizeof(gbuf)),
             (unsigned long long)st->st_size, date, name);
}
