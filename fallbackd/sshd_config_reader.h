/* sshd_config_reader.h - read OpenSSH's sshd_config as sshd reads it.
 *
 * The one reader of sshd_config in fallbackd: lines split into words as
 * sshd splits them (quotes, escapes, comments, "Keyword=value"), Include
 * followed in place (glob patterns, relative ones under /etc/ssh, bounded
 * in depth, size and number of files, cycles refused), and Match blocks
 * told apart from global lines.  Each line with a keyword reaches the
 * caller's callback with its file and line number; each problem becomes a
 * "FILE:LINE: reason" line in a struct diag (diag.h).  The accepted syntax
 * is the table at the top of sshd_config_reader.c.
 *
 * Its users: "fallbackd import-sshd" (import_sshd.c) and the incident
 * console's look at the ports sshd listens on (diagnose/sshd_ports.c).
 */
#ifndef FBD_SSHD_CONFIG_READER_H
#define FBD_SSHD_CONFIG_READER_H

#include <stddef.h>

struct diag;

#define SSHDCONF_DIR "/etc/ssh"             /* relative Include patterns are under it */
#define SSHDCONF_MAX_DEPTH 16               /* nested Include levels (sshd's own bound) */
#define SSHDCONF_MAX_BYTES (1u << 20)       /* bytes of one file */
#define SSHDCONF_MAX_FILES 256              /* files read in all, the main one too */

/* One line of sshd_config that names a keyword. */
struct sshdconf_line {
    const char *file;       /* the file it is in, as opened (a glob match for included ones) */
    unsigned lineno;        /* from 1 */
    const char *text;       /* the line as written, without trailing blanks */
    char *const *argv;      /* [0] the keyword as written, then the arguments, unquoted */
    size_t argc;            /* at least 2: sshd refuses a keyword without arguments */
    int in_match;           /* in a Match block (the Match line itself too) */
    unsigned depth;         /* 0 in the main file, N in a file included N levels down */
};

/* Called for every line with a keyword except Include (which the reader
 * follows itself), in the order sshd reads them. */
typedef void (*sshdconf_line_fn)(void *arg, const struct sshdconf_line *l);

/* Where the text of a file and the names a pattern matches come from:
 * the filesystem (glob(3), readfile_head()) unless a test or fuzz target
 * gives its own. */
struct sshdconf_source {
    /* The names matching PATTERN (an absolute glob pattern), sorted, as a
     * malloc'd array of malloc'd strings in *NAMES, their count in *N (0:
     * nothing matches, which is no error).  0, or -1 with a line in D. */
    int (*expand)(void *arg, const char *pattern, char ***names, size_t *n, struct diag *d);
    /* The text of NAME (malloc'd, NUL-terminated after *LEN bytes), refused
     * when longer than MAX bytes.  0, or -1 with "NAME: reason" in D. */
    int (*load)(void *arg, const char *name, size_t max, char **text, size_t *len, struct diag *d);
    void *arg;
};

/* The filesystem: glob(3) without tilde or brace expansion, and
 * readfile_head() (regular files only, never waiting on a FIFO). */
extern const struct sshdconf_source sshdconf_files;

struct sshdconf_reader {
    sshdconf_line_fn fn;
    void *arg;                              /* FN's */
    struct diag *diag;                      /* every problem, one line each */
    const char *base_dir;                   /* NULL: SSHDCONF_DIR */
    const struct sshdconf_source *source;   /* NULL: the filesystem */
    unsigned max_depth;                     /* 0: SSHDCONF_MAX_DEPTH */
    size_t max_bytes;                       /* 0: SSHDCONF_MAX_BYTES */
    size_t max_files;                       /* 0: SSHDCONF_MAX_FILES */
};

enum sshdconf_result {
    SSHDCONF_OK,            /* every file read, no problem */
    SSHDCONF_PROBLEMS,      /* read, but with problems (in diag): lines skipped,
                             * included files not read */
    SSHDCONF_UNREADABLE,    /* the main file itself could not be read; no line passed */
};

/* Read the sshd_config at PATH and the files it includes. */
enum sshdconf_result sshdconf_read_file(const struct sshdconf_reader *r, const char *path);

/* The same for a main file already in memory (LEN bytes of TEXT, not
 * necessarily NUL-terminated), called NAME in messages. */
enum sshdconf_result sshdconf_read_text(const struct sshdconf_reader *r, const char *name,
                                        const char *text, size_t len);

/* Is L's keyword KEYWORD?  (Keywords ignore case.) */
int sshdconf_is(const struct sshdconf_line *l, const char *keyword);

#endif
