/* dg_json.h - the report as JSON, for machines ("diagnose --json").
 *
 *   {"verdict": "BROKEN: ...", "worst": "bad", "healthy": false,
 *    "findings": [{"section": "sshd", "level": "bad",
 *                  "title": "...", "evidence": "..."}, ...],
 *    "lost": 0}
 *
 * Findings in report order (dg_ordered).  Strings are escaped as RFC 8259
 * requires; bytes that are not valid UTF-8 (file names, log tails) become
 * U+FFFD, so the output is always valid JSON in valid UTF-8.
 */
#ifndef FBD_DG_JSON_H
#define FBD_DG_JSON_H

#include <stddef.h>

#include "dg_report.h"

/* Append S (LEN bytes) to O as a JSON string, quotes included. */
void dg_json_string(struct dg_out *o, const char *s, size_t len);

/* The whole report, one object and a newline. */
void dg_render_json(const struct dg_report *r, struct dg_out *o);

#endif
