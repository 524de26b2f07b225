/* longname.h - a READDIR entry's long name, as `ls -l` prints it. */
#ifndef FBD_SFTP_LONGNAME_H
#define FBD_SFTP_LONGNAME_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "sftp.h"

/* "drwxr-xr-x" for a mode (10 characters and a NUL in out). */
void longname_mode(mode_t mode, char out[11]);

/* The line for NAME with status ST, owner and group named by names (the
 * numbers when unknown), the date relative to NOW.  Truncated to cap. */
void longname_format(char *out, size_t cap, const char *name, const struct stat *st,
                     const struct sftp_names *names, time_t now);

#endif
