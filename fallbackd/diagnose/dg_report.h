/* dg_report.h - the incident console's report: findings, verdict, text.
 *
 * Checks append findings; each says what was found (title) and what it was
 * read from (evidence: the /proc line, the file excerpt, the read error).
 * The verdict is one line derived from the worst findings:
 *
 *   worst level | verdict
 *   ------------+------------------------------------------------------
 *   DG_BAD      | "BROKEN: <first BAD title> (+N more problems)"
 *   DG_WARN     | "DEGRADED: <first WARN title> (+N more problems)"
 *   otherwise   | "healthy"
 *
 * The verdict is about the main sshd and the system: findings of the
 * door's own section (DG_SEC_DOOR) are shown but do not count.
 *
 * Rendering never allocates per byte and never fails: the report is built
 * in a dg_out (a growable string) and written once.
 */
#ifndef FBD_DG_REPORT_H
#define FBD_DG_REPORT_H

#include <stddef.h>

enum dg_level {
    DG_OK = 0,      /* checked, fine (shown so the reader knows it was looked at) */
    DG_INFO,        /* context: versions, tails of logs, what is running */
    DG_WARN,        /* may explain trouble, or will cause it soon */
    DG_BAD,         /* explains why the main sshd is (or will be) unusable */
};

/* Sections, in report order. */
#define DG_SEC_SSHD "sshd"
#define DG_SEC_PKG "packages"
#define DG_SEC_SYSTEM "system"
#define DG_SEC_DOOR "door"

struct dg_finding {
    enum dg_level level;
    const char *section;    /* one of DG_SEC_* (static) */
    char *title;
    char *evidence;         /* "" when there is none */
};

struct dg_report {
    struct dg_finding *v;
    size_t n, cap;
    size_t lost;            /* findings dropped for lack of memory */
};

/* A growable output string (always NUL-terminated once non-empty). */
struct dg_out {
    char *p;
    size_t len, cap;
    int failed;             /* out of memory: the output is cut */
};

/* Append a finding; TITLE is a printf format.  EVIDENCE may be NULL. */
void dg_add(struct dg_report *r, enum dg_level level, const char *section, const char *evidence,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The worst level that counts for the verdict (DG_OK if none). */
enum dg_level dg_worst(const struct dg_report *r);

/* The one-line verdict (table above) into BUF. */
const char *dg_verdict(const struct dg_report *r, char *buf, size_t len);

/* The findings of level >= MIN in report order: section by section, and
 * within one the worst first.  Fills IDX (up to MAX), returns the count. */
size_t dg_ordered(const struct dg_report *r, enum dg_level min, size_t *idx, size_t max);

/* The whole report as text: verdict, then each section with its findings
 * and their evidence.  NL is the line end ("\n", or "\r\n" for a tty in
 * raw mode).  Control characters of evidence are shown as '?'. */
void dg_render_text(const struct dg_report *r, struct dg_out *o, const char *nl);

/* The at-login summary: the verdict and up to MAX top findings (BAD and
 * WARN), each on one line, prefixed "fallbackd: ". */
void dg_render_banner(const struct dg_report *r, struct dg_out *o, size_t max, const char *nl);

const char *dg_level_name(enum dg_level level);

void dg_out_printf(struct dg_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dg_out_bytes(struct dg_out *o, const char *p, size_t n);

/* Write everything to FD (retrying short writes); -1 on error. */
int dg_out_write(const struct dg_out *o, int fd);

void dg_out_free(struct dg_out *o);
void dg_report_free(struct dg_report *r);

#endif
