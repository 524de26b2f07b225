/* sshd_config_reader.c - read sshd_config as sshd reads it
 * (sshd_config_reader.h).
 *
 * The syntax, as OpenSSH's sshd (9.2, Debian 12) accepts it:
 *
 *   what is written                  | how it is read
 *   ---------------------------------+------------------------------------------
 *   a line                           | up to '\n'; trailing blanks (space, tab,
 *                                    |   '\r', '\f') dropped
 *   empty line, "#..." line          | skipped
 *   Keyword arguments...             | the keyword ends at a blank or '='; it
 *                                    |   ignores case (sshdconf_is)
 *   Keyword=arg, Keyword = arg,      | one '=' between keyword and arguments,
 *   Keyword= arg, Keyword =arg       |   blanks around it or not
 *   arguments                        | words split at spaces and tabs
 *   "a b", 'a b', x"y z"w            | quotes group blanks into a word and are
 *                                    |   dropped, also inside a word (xy zw)
 *   \" \' \\, and "\ " outside quotes| the escaped character; any other
 *                                    |   backslash stays as written
 *   a word starting with '#'         | starts a comment to the end of the line
 *                                    |   (a#b is one word)
 *   Include PATTERN...               | each pattern in turn: one not starting
 *                                    |   with '/' is under the base dir
 *                                    |   (/etc/ssh); its matches (glob, sorted)
 *                                    |   are read in place, each file's lines
 *                                    |   before the next line; no match is fine
 *   Match CRITERIA...                | starts a Match block, which ends with
 *                                    |   the file; the files an Include in a
 *                                    |   block reads are in it; a block begun
 *                                    |   in an included file ends with that file
 *
 * Problems, each a "FILE:LINE: reason" line in the reader's diag (the line
 * skipped, the rest read):
 *
 *   Keyword with no argument           | "no argument after keyword" (sshd refuses it)
 *   "==x": '=' where the keyword goes  | "no keyword before '='" (sshd skips the line)
 *   a quote left open                  | "invalid quotes" (sshd refuses it)
 *   a NUL byte in a line               | "NUL byte in the line"
 *   Include deeper than the depth bound| not read (sshd stops at 16 levels too)
 *   Include of a file being read       | not read: it would include itself forever
 *   more files than the files bound    | not read
 *   an included file unreadable, not a | "NAME: reason"
 *   regular file, or over the size bound|
 *
 * Unlike sshd, a quote inside the keyword is taken as written (no sshd
 * keyword has one).
 */
#include "sshd_config_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"

/* One run of the reader: its bounds and the files being read. */
struct walk {
    const struct sshdconf_reader *r;
    const struct sshdconf_source *src;
    const char *base;
    unsigned max_depth;
    size_t max_bytes, max_files;
    size_t files;                   /* files read so far */
    int too_many;                   /* the files bound was reported */
    const char **open;              /* names of the files being read, [0] the main one */
    size_t problems;                /* lines added to the diag */
};

/* Where one line is: for messages and for the callback. */
struct place {
    const char *file;
    unsigned lineno;
    unsigned depth;
};

__attribute__((format(printf, 3, 4)))
static void problem(struct walk *w, const struct place *at, const char *fmt, ...)
{
    char prefix[64 + 4096];
    va_list ap;

    snprintf(prefix, sizeof(prefix), "%s:%u: ", at->file, at->lineno);
    va_start(ap, fmt);
    diag_vadd(w->r->diag, prefix, fmt, ap);
    va_end(ap);
    w->problems++;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The first index from I of LINE (N bytes) that is not a blank or '\r'. */
static size_t skip_blanks(const char *line, size_t n, size_t i)
{
    while (i < n && (is_blank(line[i]) || line[i] == '\r')) {
        i++;
    }
    return i;
}

/* Is S[I] a backslash that escapes the character after it (QUOTE: the
 * quote open at I, or 0)? */
static int escapes(const char *s, size_t n, size_t i, char quote)
{
    char next;

    if (s[i] != '\\' || i + 1 >= n) {
        return 0;
    }
    next = s[i + 1];
    return next == '"' || next == '\'' || next == '\\' || (quote == 0 && next == ' ');
}

/* One word of S (N bytes) from *I, written to *OUT (NUL-terminated, if
 * OUT is not NULL); *I ends past it.  0, or -1 for a quote left open. */
static int one_word(const char *s, size_t n, size_t *i, char **out)
{
    char quote = 0;

    for (; *i < n; (*i)++) {
        char c = s[*i];

        if (escapes(s, n, *i, quote)) {
            c = s[++(*i)];
        } else if (quote == 0 && is_blank(c)) {
            break;
        } else if (quote == 0 && (c == '"' || c == '\'')) {
            quote = c;
            continue;
        } else if (quote != 0 && c == quote) {
            quote = 0;
            continue;
        }
        if (out != NULL) {
            *(*out)++ = c;
        }
    }
    if (out != NULL) {
        *(*out)++ = '\0';
    }
    return quote == 0 ? 0 : -1;
}

/* Split the arguments S (N bytes) into words, written to BUF (N + 1
 * bytes) and pointed to by ARGV; with ARGV NULL, only count them.  The
 * count, or -1 for a quote left open. */
static long split_words(const char *s, size_t n, char *buf, char **argv)
{
    long count = 0;
    size_t i = 0;

    while (i < n) {
        if (is_blank(s[i])) {
            i++;
            continue;
        }
        if (s[i] == '#') {
            break;
        }
        if (argv != NULL) {
            argv[count] = buf;
        }
        if (one_word(s, n, &i, argv != NULL ? &buf : NULL) < 0) {
            return -1;
        }
        count++;
    }
    return count;
}

/* The length of LINE (N bytes) without its trailing blanks. */
static size_t trimmed(const char *line, size_t n)
{
    while (n > 0 && (is_blank(line[n - 1]) || line[n - 1] == '\r' || line[n - 1] == '\f')) {
        n--;
    }
    return n;
}

/* The keyword of LINE (N bytes, trimmed) at [*KW, *KW + *KWLEN) and its
 * arguments from *ARGS; blanks, and one '=' (which sshd allows even before
 * the keyword), skipped.  0, or -1 for a line without a keyword. */
static int keyword_of(const char *line, size_t n, size_t *kw, size_t *kwlen, size_t *args)
{
    size_t i = skip_blanks(line, n, 0);

    i = skip_blanks(line, n, i + (i < n && line[i] == '='));
    if (i >= n || line[i] == '#') {
        return -1;
    }
    *kw = i;
    while (i < n && !is_blank(line[i]) && line[i] != '\r' && line[i] != '=') {
        i++;
    }
    *kwlen = i - *kw;
    i = skip_blanks(line, n, i);
    *args = skip_blanks(line, n, i + (i < n && line[i] == '='));
    return 0;
}

static void read_text(struct walk *w, const char *name, const char *text, size_t len,
                      unsigned depth, int in_match);

/* Read the file NAME (a match of an Include on the line AT), IN_MATCH if
 * that line is in a Match block. */
static void include_file(struct walk *w, const struct place *at, const char *name, int in_match)
{
    char *text = NULL;
    size_t len = 0;

    for (unsigned d = 0; d <= at->depth; d++) {
        if (strcmp(w->open[d], name) == 0) {
            problem(w, at, "Include of %s, which is being read: it would include itself "
                    "forever", name);
            return;
        }
    }
    if (w->files >= w->max_files) {
        if (!w->too_many) {
            problem(w, at, "more than %zu files to read: %s and those after it not read",
                    w->max_files, name);
        }
        w->too_many = 1;
        return;
    }
    w->files++;
    if (w->src->load(w->src->arg, name, w->max_bytes, &text, &len, w->r->diag) < 0) {
        w->problems++;
        return;
    }
    read_text(w, name, text, len, at->depth + 1, in_match);
    free(text);
}

/* One Include PATTERN on the line AT. */
static void include_pattern(struct walk *w, const struct place *at, const char *pattern,
                            int in_match)
{
    char *abs = NULL;
    char **names = NULL;
    size_t n = 0;

    if (asprintf(&abs, "%s%s%s", pattern[0] == '/' ? "" : w->base,
                 pattern[0] == '/' ? "" : "/", pattern) < 0) {
        problem(w, at, "Include %s: out of memory", pattern);
        return;
    }
    if (w->src->expand(w->src->arg, abs, &names, &n, w->r->diag) < 0) {
        w->problems++;
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        include_file(w, at, names[i], in_match);
        free(names[i]);
    }
    free(names);
    free(abs);
}

/* Include ARGV[1..ARGC-1] on the line AT. */
static void include(struct walk *w, const struct place *at, char *const *argv, size_t argc,
                    int in_match)
{
    if (at->depth + 1 > w->max_depth) {
        problem(w, at, "Include would read files %u levels deep, deeper than %u: not read",
                at->depth + 1, w->max_depth);
        return;
    }
    for (size_t i = 1; i < argc; i++) {
        include_pattern(w, at, argv[i], in_match);
    }
}

/* Split LINE (N bytes, trimmed, no NUL) and pass it on; *IN_MATCH: the
 * file is in a Match block. */
static void one_line(struct walk *w, const struct place *at, const char *line, size_t n,
                     int *in_match)
{
    size_t kw, kwlen, args;
    long nargs;
    char *buf, **argv;
    struct sshdconf_line l = { .file = at->file, .lineno = at->lineno, .depth = at->depth };

    if (keyword_of(line, n, &kw, &kwlen, &args) < 0) {
        return;
    }
    if (kwlen == 0) {
        problem(w, at, "no keyword before '='");
        return;
    }
    nargs = split_words(line + args, n - args, NULL, NULL);
    if (nargs < 0) {
        problem(w, at, "invalid quotes");
        return;
    }
    if (nargs == 0) {
        problem(w, at, "no argument after keyword \"%.*s\"", (int)kwlen, line + kw);
        return;
    }
    buf = malloc(2 * n + 3);
    argv = calloc((size_t)nargs + 2, sizeof(*argv));
    if (buf == NULL || argv == NULL) {
        problem(w, at, "out of memory");
        free(buf);
        free(argv);
        return;
    }
    memcpy(buf, line, n);
    buf[n] = '\0';
    argv[0] = memcpy(buf + n + 1, line + kw, kwlen);
    argv[0][kwlen] = '\0';
    split_words(line + args, n - args, argv[0] + kwlen + 1, argv + 1);
    l.text = buf;
    l.argv = argv;
    l.argc = (size_t)nargs + 1;
    if (sshdconf_is(&l, "Match")) {
        *in_match = 1;
    }
    l.in_match = *in_match;
    if (sshdconf_is(&l, "Include")) {
        include(w, at, argv, l.argc, *in_match);
    } else {
        w->r->fn(w->r->arg, &l);
    }
    free(argv);
    free(buf);
}

/* Every line of TEXT (LEN bytes), the file NAME at DEPTH. */
static void read_text(struct walk *w, const char *name, const char *text, size_t len,
                      unsigned depth, int in_match)
{
    struct place at = { .file = name, .depth = depth };
    size_t pos = 0;

    w->open[depth] = name;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;

        pos += n + (nl != NULL);
        at.lineno++;
        if (memchr(line, '\0', n) != NULL) {
            problem(w, &at, "NUL byte in the line");
            continue;
        }
        one_line(w, &at, line, trimmed(line, n), &in_match);
    }
}

/* Set up W for R. */
static int walk_start(struct walk *w, const struct sshdconf_reader *r)
{
    *w = (struct walk){
        .r = r,
        .src = r->source != NULL ? r->source : &sshdconf_files,
        .base = r->base_dir != NULL ? r->base_dir : SSHDCONF_DIR,
        .max_depth = r->max_depth != 0 ? r->max_depth : SSHDCONF_MAX_DEPTH,
        .max_bytes = r->max_bytes != 0 ? r->max_bytes : SSHDCONF_MAX_BYTES,
        .max_files = r->max_files != 0 ? r->max_files : SSHDCONF_MAX_FILES,
        .files = 1,
    };
    w->open = calloc((size_t)w->max_depth + 1, sizeof(*w->open));
    if (w->open == NULL) {
        diag_add(r->diag, "out of memory");
        return -1;
    }
    return 0;
}

enum sshdconf_result sshdconf_read_text(const struct sshdconf_reader *r, const char *name,
                                        const char *text, size_t len)
{
    struct walk w;

    if (walk_start(&w, r) < 0) {
        return SSHDCONF_UNREADABLE;
    }
    read_text(&w, name, text, len, 0, 0);
    free(w.open);
    return w.problems == 0 ? SSHDCONF_OK : SSHDCONF_PROBLEMS;
}

enum sshdconf_result sshdconf_read_file(const struct sshdconf_reader *r, const char *path)
{
    const struct sshdconf_source *src = r->source != NULL ? r->source : &sshdconf_files;
    size_t max = r->max_bytes != 0 ? r->max_bytes : SSHDCONF_MAX_BYTES;
    enum sshdconf_result res;
    char *text = NULL;
    size_t len = 0;

    if (src->load(src->arg, path, max, &text, &len, r->diag) < 0) {
        return SSHDCONF_UNREADABLE;
    }
    res = sshdconf_read_text(r, path, text, len);
    free(text);
    return res;
}

int sshdconf_is(const struct sshdconf_line *l, const char *keyword)
{
    return strcasecmp(l->argv[0], keyword) == 0;
}
