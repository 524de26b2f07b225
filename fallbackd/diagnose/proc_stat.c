/* proc_stat.c - /proc/PID/stat (dg_parse.h): a process's name, parent
 * and start time.
 *
 * Format (the kernel's do_task_stat), one line:
 *
 *   1234 (sshd) S 1 1234 1234 0 -1 4194560 ... 22nd field: starttime ...
 *
 * comm is in parentheses and may itself hold spaces and ')' (a process
 * can name itself anything), so the fields after it are found from the
 * LAST ')'.  After it: 3 state, 4 ppid, ..., 22 starttime (clock ticks
 * since boot), counting fields from 1 as proc(5) does.
 */
#include "dg_parse.h"

#include <string.h>

#define STARTTIME_AFTER_COMM 19     /* field 22 is the 20th word after ')' */

int dg_pstat_parse(const char *text, size_t len, struct dg_pstat *out)
{
    const char *open = memchr(text, '(', len), *close = NULL;
    struct dg_tok t[STARTTIME_AFTER_COMM + 1];
    unsigned long long ppid, start;
    size_t clen;

    memset(out, 0, sizeof(*out));
    for (const char *p = text; open != NULL && p < text + len; p++) {
        close = *p == ')' ? p : close;
    }
    if (open == NULL || close == NULL || close < open) {
        return -1;
    }
    clen = (size_t)(close - open - 1);
    clen = clen < sizeof(out->comm) ? clen : sizeof(out->comm) - 1;
    memcpy(out->comm, open + 1, clen);
    out->comm[clen] = '\0';
    if (dg_split(close + 1, (size_t)(text + len - close - 1), t, STARTTIME_AFTER_COMM + 1) <
        STARTTIME_AFTER_COMM + 1 || t[0].n != 1) {
        return -1;
    }
    if (dg_tok_num(&t[1], 10, 10, &ppid) < 0 ||
        dg_tok_num(&t[STARTTIME_AFTER_COMM], 10, 19, &start) < 0) {
        return -1;
    }
    out->state = t[0].p[0];
    out->ppid = (long)ppid;
    out->starttime = start;
    return 0;
}
