/* test_sshd_config_reader.c - fallbackd/sshd_config_reader.c, the one
 * reader of sshd_config.  Words: the cases below were each checked
 * against OpenSSH 9.2's `sshd -T` (what it printed for the same line).
 * Include: real files in a fresh mkdtemp directory, used as the base
 * directory of relative patterns; bounds, cycles and Match blocks across
 * files. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "sshd_config_reader.h"
#include "unit_files.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/fbd-sshdconf-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static void remove_tmpdir(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(sshdconf, .init = make_tmpdir, .fini = remove_tmpdir);

/* What the callback saw, one line per call:
 * "FILE:LINE[ M][ dN]: keyword|arg|arg" (FILE without tmpdir/). */
struct seen {
    char text[4096];
    size_t len;
};

static void record(void *arg, const struct sshdconf_line *l)
{
    struct seen *s = arg;
    const char *file = l->file;
    size_t tl = strlen(tmpdir);

    if (strncmp(file, tmpdir, tl) == 0 && file[tl] == '/') {
        file += tl + 1;
    }
    s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s:%u%s", file,
                               l->lineno, l->in_match ? " M" : "");
    if (l->depth > 0) {
        s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, " d%u",
                                   l->depth);
    }
    for (size_t i = 0; i < l->argc; i++) {
        s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s%s",
                                   i == 0 ? ": " : "|", l->argv[i]);
    }
    s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "\n");
    cr_assert_lt(s->len, sizeof(s->text));
    cr_assert_eq(l->argv[l->argc], NULL);
}

/* A reader into S and D, relative Includes under tmpdir. */
static struct sshdconf_reader reader(struct seen *s, struct diag *d)
{
    memset(s, 0, sizeof(*s));
    return (struct sshdconf_reader){ .fn = record, .arg = s, .diag = d, .base_dir = tmpdir };
}

/* Read TEXT as the main file "main"; the result. */
static enum sshdconf_result read_text(const char *text, struct seen *s, struct diag *d)
{
    struct sshdconf_reader r = reader(s, d);

    return sshdconf_read_text(&r, "main", text, strlen(text));
}

/* The words of the one line TEXT, as "keyword|arg|...". */
static void expect_words(const char *text, const char *words)
{
    struct seen s;
    struct diag d = { 0 };
    char want[512];

    cr_assert_eq(read_text(text, &s, &d), SSHDCONF_OK, "%s: %s", text, diag_last(&d));
    snprintf(want, sizeof(want), "main:1: %s\n", words);
    cr_expect_str_eq(s.text, want, "for %s", text);
    diag_free(&d);
}

/* Write TEXT to tmpdir/NAME. */
static void put(const char *name, const char *text)
{
    unit_write_file(tmpdir, name, text, 0644);
}

Test(sshdconf, keyword_and_equals_sign)
{
    expect_words("Port 2222", "Port|2222");
    expect_words("Port=2222", "Port|2222");
    expect_words("Port = 2223", "Port|2223");
    expect_words("Port= 2231", "Port|2231");
    expect_words("Port =2232", "Port|2232");
    expect_words("Port\t=\t2233", "Port|2233");
    expect_words("=Port 2224", "Port|2224");
    expect_words("  PORT 2235\r", "PORT|2235");
    expect_words("Port==2227", "Port|=2227");      /* one '=' only: sshd: bad port */
}

Test(sshdconf, quotes_escapes_and_comments)
{
    expect_words("Port \"2226\"", "Port|2226");
    expect_words("Port \"22\"34", "Port|2234");
    expect_words("AllowUsers \"a b\" c\\ d 'e f' g\"h i\"j", "AllowUsers|a b|c d|e f|gh ij");
    expect_words("AllowUsers a\\\"b c\\\\d e\\xf", "AllowUsers|a\"b|c\\d|e\\xf");
    expect_words("AllowUsers \"it's\" 'say \"x\"'", "AllowUsers|it's|say \"x\"");
    expect_words("AllowUsers a#b #c d", "AllowUsers|a#b");
    expect_words("Port 2225 # the door's", "Port|2225");
    expect_words("AllowUsers a\f", "AllowUsers|a");
    expect_words("AllowUsers \"\" b", "AllowUsers||b");
}

Test(sshdconf, comments_and_blank_lines_are_skipped)
{
    struct seen s;
    struct diag d = { 0 };

    cr_assert_eq(read_text("# a comment\n\n   \n\t# indented\r\nPort 22\n#Port 23", &s, &d),
                 SSHDCONF_OK);
    cr_expect_str_eq(s.text, "main:5: Port|22\n");
}

Test(sshdconf, bad_lines_are_named_and_skipped)
{
    struct seen s;
    struct diag d = { 0 };
    static const char text[] = "AllowUsers \"a\nPort\nAllowUsers=\nPort 1\0 2\n==1\n"
                               "Port 2222\n";
    struct sshdconf_reader r = reader(&s, &d);

    cr_assert_eq(sshdconf_read_text(&r, "main", text, sizeof(text) - 1), SSHDCONF_PROBLEMS);
    cr_assert_eq(d.n, 5);
    cr_expect_str_eq(d.msgs[0], "main:1: invalid quotes");
    cr_expect_str_eq(d.msgs[1], "main:2: no argument after keyword \"Port\"");
    cr_expect_str_eq(d.msgs[2], "main:3: no argument after keyword \"AllowUsers\"");
    cr_expect_str_eq(d.msgs[3], "main:4: NUL byte in the line");
    cr_expect_str_eq(d.msgs[4], "main:5: no keyword before '='");
    cr_expect_str_eq(s.text, "main:6: Port|2222\n");
    diag_free(&d);
}

Test(sshdconf, match_block_to_the_end_of_the_file)
{
    struct seen s;
    struct diag d = { 0 };

    cr_assert_eq(read_text("Port 22\nmatch User nobody\n  PermitTTY no\nMatch all\n"
                           "X11Forwarding no\n", &s, &d), SSHDCONF_OK);
    cr_expect_str_eq(s.text, "main:1: Port|22\nmain:2 M: match|User|nobody\n"
                     "main:3 M: PermitTTY|no\nmain:4 M: Match|all\n"
                     "main:5 M: X11Forwarding|no\n");
}

Test(sshdconf, include_in_place_sorted_relative_to_the_base)
{
    struct seen s;
    struct diag d = { 0 };
    char path[128];

    cr_assert_eq(mkdir(strcat(strcpy(path, tmpdir), "/d"), 0755), 0);
    put("d/20-b.conf", "PermitRootLogin no\n");
    put("d/10-a.conf", "Port 2222\n");
    put("d/x.other", "Port 1\n");
    put("one.conf", "AllowUsers alice\n");
    cr_assert_eq(read_text("Port 22\nInclude = d/*.conf one.conf none*.conf\nPort 23\n", &s,
                           &d), SSHDCONF_OK, "%s", diag_last(&d));
    cr_expect_str_eq(s.text, "main:1: Port|22\nd/10-a.conf:1 d1: Port|2222\n"
                     "d/20-b.conf:1 d1: PermitRootLogin|no\none.conf:1 d1: AllowUsers|alice\n"
                     "main:3: Port|23\n");
}

Test(sshdconf, match_across_includes)
{
    struct seen s;
    struct diag d = { 0 };
    char abs[256];

    put("m.conf", "Port 1\nMatch User x\nPermitTTY no\n");
    put("p.conf", "PermitTTY no\n");
    snprintf(abs, sizeof(abs), "Include %s/m.conf\nPort 2\nMatch User y\nInclude p.conf\n",
             tmpdir);
    cr_assert_eq(read_text(abs, &s, &d), SSHDCONF_OK, "%s", diag_last(&d));
    /* a block begun in an included file ends with it (sshd 9.2 does so);
     * what an Include in a block reads is in the block */
    cr_expect_str_eq(s.text, "m.conf:1 d1: Port|1\nm.conf:2 M d1: Match|User|x\n"
                     "m.conf:3 M d1: PermitTTY|no\nmain:2: Port|2\nmain:3 M: Match|User|y\n"
                     "p.conf:1 M d1: PermitTTY|no\n");
}

Test(sshdconf, include_cycle_is_refused)
{
    struct seen s;
    struct diag d = { 0 };
    struct sshdconf_reader r = reader(&s, &d);
    char main_path[128], want[512];

    put("sshd_config", "Port 1\nInclude a.conf\n");
    put("a.conf", "Port 2\nInclude sshd_config\n");
    snprintf(main_path, sizeof(main_path), "%s/sshd_config", tmpdir);
    cr_assert_eq(sshdconf_read_file(&r, main_path), SSHDCONF_PROBLEMS);
    cr_expect_str_eq(s.text, "sshd_config:1: Port|1\na.conf:1 d1: Port|2\n");
    cr_assert_eq(d.n, 1);
    snprintf(want, sizeof(want), "%s/a.conf:2: Include of %s, which is being read: it would "
             "include itself forever", tmpdir, main_path);
    cr_expect_str_eq(d.msgs[0], want);
    diag_free(&d);
}

Test(sshdconf, depth_files_and_size_are_bounded)
{
    struct seen s;
    struct diag d = { 0 };
    struct sshdconf_reader r = reader(&s, &d);

    put("1.conf", "Include 2.conf\nPort 1\n");
    put("2.conf", "Include 3.conf\nPort 2\n");
    put("3.conf", "Port 3\n");
    r.max_depth = 1;
    cr_assert_eq(sshdconf_read_text(&r, "main", "Include 1.conf\n", 15), SSHDCONF_PROBLEMS);
    cr_expect_str_eq(s.text, "1.conf:2 d1: Port|1\n", "2.conf would be level 2");
    cr_assert_eq(d.n, 1);
    cr_expect(strstr(d.msgs[0], "/1.conf:1: Include would read files 2 levels deep, deeper "
                     "than 1: not read") != NULL,
              "%s", d.msgs[0]);
    diag_free(&d);

    r = reader(&s, &d);
    r.max_files = 3;        /* main, 1.conf, 2.conf; not 3.conf */
    cr_assert_eq(sshdconf_read_text(&r, "main", "Include 1.conf\n", 15), SSHDCONF_PROBLEMS);
    cr_expect_str_eq(s.text, "2.conf:2 d2: Port|2\n1.conf:2 d1: Port|1\n");
    cr_expect(strstr(d.msgs[0], "more than 3 files to read") != NULL, "%s", d.msgs[0]);
    diag_free(&d);

    r = reader(&s, &d);
    r.max_bytes = 10;
    put("big.conf", "Port 12345\n");
    cr_assert_eq(sshdconf_read_text(&r, "main", "Include big.conf 3.conf\n", 23),
                 SSHDCONF_PROBLEMS);
    cr_expect_str_eq(s.text, "3.conf:1 d1: Port|3\n");
    cr_expect(strstr(diag_last(&d), "/big.conf: longer than 10 bytes") != NULL, "%s",
              diag_last(&d));
    diag_free(&d);
}

Test(sshdconf, unreadable_files)
{
    struct seen s;
    struct diag d = { 0 };
    struct sshdconf_reader r = reader(&s, &d);
    char path[128];

    snprintf(path, sizeof(path), "%s/missing", tmpdir);
    cr_assert_eq(sshdconf_read_file(&r, path), SSHDCONF_UNREADABLE);
    cr_expect(strstr(diag_last(&d), "missing: No such file or directory") != NULL, "%s",
              diag_last(&d));
    cr_expect_str_eq(s.text, "");
    diag_free(&d);

    /* sshd reads a directory as an empty file; the reader says so */
    cr_assert_eq(mkdir(strcat(strcpy(path, tmpdir), "/sshd_config.d"), 0755), 0);
    cr_assert_eq(read_text("Include sshd_config.d\nPort 5\n", &s, &d), SSHDCONF_PROBLEMS);
    cr_expect(strstr(diag_last(&d), "sshd_config.d: not a regular file") != NULL, "%s",
              diag_last(&d));
    cr_expect_str_eq(s.text, "main:2: Port|5\n");
    diag_free(&d);
}
