/* test_userdb.c - passwd/group line parsers and the cache that keeps known
 * users while the files are missing or half-written (fallbackd/userdb*.c). */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "userdb.h"

#define ROOT_LINE "root:x:0:0:root:/root:/bin/bash\n"
#define ALICE_LINE "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
#define BOB_LINE "bob:x:1001:1001::/home/bob:/bin/sh\n"
#define GROUPS "root:x:0:\nalice:x:1000:\nbob:x:1001:\nsudo:x:27:alice\n"

/* ---- line parsers ---- */

/* The parsers' reason as these tests read it: a string in *WHY, set on a
 * refusal only.  Each checks that a refusal adds exactly one line to the
 * diag and success none, and keeps the parser's errno. */
static char reason[256];

static int took_reason(int rc, struct diag *d, const char **why)
{
    int err = errno;

    cr_expect_eq(d->n, rc == 0 ? 0u : 1u, "result %d with %zu reasons", rc, d->n);
    snprintf(reason, sizeof(reason), "%s", diag_last(d));
    if (rc != 0) {
        *why = reason;
    }
    diag_free(d);
    errno = err;
    return rc;
}

static int pw_line(const char *line, struct pw_entry *out, const char **why)
{
    struct diag d = { 0 };

    return took_reason(userdb_parse_passwd(line, out, &d), &d, why);
}

static int gr_line(const char *line, struct gr_entry *out, const char **why)
{
    struct diag d = { 0 };

    return took_reason(userdb_parse_group(line, out, &d), &d, why);
}

Test(userdb, passwd_good_line)
{
    struct pw_entry pw;
    const char *why = NULL;

    cr_assert_eq(pw_line("alice:x:1000:100:Alice A,,,:/home/alice:/bin/bash",
                                   &pw, &why), 0);
    cr_expect_str_eq(pw.name, "alice");
    cr_expect_str_eq(pw.passwd, "x");
    cr_expect_eq(pw.uid, 1000);
    cr_expect_eq(pw.gid, 100);
    cr_expect_str_eq(pw.gecos, "Alice A,,,");
    cr_expect_str_eq(pw.dir, "/home/alice");
    cr_expect_str_eq(pw.shell, "/bin/bash");
    userdb_pw_free(&pw);
    cr_expect_null(pw.name, "freed entries are zeroed");
}

Test(userdb, passwd_empty_fields_and_limits)
{
    struct pw_entry pw;
    const char *why = NULL;

    cr_assert_eq(pw_line("n:::4294967294::::", &pw, &why), -1,
                 "8 fields are too many");
    cr_assert_eq(pw_line("nobody::4294967294:0:::", &pw, &why), 0);
    cr_expect_eq(pw.uid, 4294967294u);
    cr_expect_str_eq(pw.passwd, "");
    cr_expect_str_eq(pw.dir, "", "an empty home stays empty (callers use /)");
    cr_expect_str_eq(pw.shell, "");
    userdb_pw_free(&pw);
    cr_assert_eq(pw_line("u\xc3\xa9:x:0007:0:G\tecos::/bin/sh", &pw, NULL), 0);
    cr_expect_eq(pw.uid, 7);
    cr_expect_str_eq(pw.name, "u\xc3\xa9");
    userdb_pw_free(&pw);
}

Test(userdb, passwd_bad_lines)
{
    const char *bad[] = {
        "", "alice", "alice:x:1000:1000:A:/home/alice",
        "alice:x:1000:1000:A:/home/alice:/bin/sh:extra",
        ":x:1000:1000:A:/home/alice:/bin/sh",
        "al ice:x:1000:1000:A:/home/alice:/bin/sh",
        "alice\t:x:1000:1000:A:/home/alice:/bin/sh",
        "al\x01ice:x:1000:1000:A:/home/alice:/bin/sh",
        "al\x7fice:x:1000:1000:A:/home/alice:/bin/sh",
        "-alice:x:1000:1000:A:/home/alice:/bin/sh",
        "+alice:x:1000:1000:A:/home/alice:/bin/sh",
        "alice:x::1000:A:/home/alice:/bin/sh",
        "alice:x:-1:1000:A:/home/alice:/bin/sh",
        "alice:x:+1:1000:A:/home/alice:/bin/sh",
        "alice:x: 1:1000:A:/home/alice:/bin/sh",
        "alice:x:1x:1000:A:/home/alice:/bin/sh",
        "alice:x:0x10:1000:A:/home/alice:/bin/sh",
        "alice:x:4294967295:1000:A:/home/alice:/bin/sh",
        "alice:x:99999999999999999999:1000:A:/home/alice:/bin/sh",
        "alice:x:1000::A:/home/alice:/bin/sh",
        "alice:x:1000:4294967295:A:/home/alice:/bin/sh",
        "alice:x:1000:g:A:/home/alice:/bin/sh",
        "alice:x:1000:1000:A:/home/al\nice:/bin/sh",
        "alice:x:1000:1000:A:/home/alice:/bin/sh\r",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pw_entry pw = { .name = (char *)"stale" };
        const char *why = NULL;

        errno = 0;
        cr_expect_eq(pw_line(bad[i], &pw, &why), -1, "line %zu", i);
        cr_expect_not_null(why, "line %zu has a reason", i);
        cr_expect_eq(errno, EINVAL, "line %zu", i);
        cr_expect_null(pw.name, "line %zu: out zeroed", i);
    }
}

Test(userdb, passwd_reasons_name_the_field)
{
    struct pw_entry pw;
    const char *why = NULL;

    pw_line("alice:x:1000:1000:A:/h", &pw, &why);
    cr_expect(strstr(why, "fields") != NULL, "%s", why);
    pw_line("-x:x:1000:1000:A:/h:/s", &pw, &why);
    cr_expect(strstr(why, "name") != NULL, "%s", why);
    pw_line("a:x:z:1000:A:/h:/s", &pw, &why);
    cr_expect(strstr(why, "UID") != NULL, "%s", why);
    pw_line("a:x:1:z:A:/h:/s", &pw, &why);
    cr_expect(strstr(why, "GID") != NULL, "%s", why);
    pw_line("a:x:1:1:A:/h\x1b:/s", &pw, &why);
    cr_expect(strstr(why, "directory") != NULL, "%s", why);
    pw_line("a:x:1:1:A:/h:/s\x1b", &pw, &why);
    cr_expect(strstr(why, "shell") != NULL, "%s", why);
    cr_expect_eq(pw_line(NULL, &pw, &why), -1);
    cr_expect_eq(pw_line("a:x:1:1:A:/h:/s", NULL, &why), -1);
}

Test(userdb, group_good_lines)
{
    struct gr_entry gr;
    const char *why = NULL;

    cr_assert_eq(gr_line("sudo:x:27:alice,bob", &gr, &why), 0);
    cr_expect_str_eq(gr.name, "sudo");
    cr_expect_eq(gr.gid, 27);
    cr_assert_eq(gr.nmembers, 2);
    cr_expect_str_eq(gr.members[0], "alice");
    cr_expect_str_eq(gr.members[1], "bob");
    userdb_gr_free(&gr);
    cr_expect_null(gr.members);

    cr_assert_eq(gr_line("users::100:", &gr, &why), 0);
    cr_expect_eq(gr.nmembers, 0);
    userdb_gr_free(&gr);

    cr_assert_eq(gr_line("adm:x:4:,syslog,,alice,", &gr, &why), 0);
    cr_assert_eq(gr.nmembers, 2, "empty items are skipped");
    cr_expect_str_eq(gr.members[0], "syslog");
    cr_expect_str_eq(gr.members[1], "alice");
    userdb_gr_free(&gr);
}

Test(userdb, group_bad_lines)
{
    const char *bad[] = {
        "", "sudo", "sudo:x:27", "sudo:x:27:alice:extra", ":x:27:alice",
        "su do:x:27:", "-sudo:x:27:", "sudo:x::alice", "sudo:x:-27:",
        "sudo:x:4294967295:", "sudo:x:27x:", "sudo:x:27:alice,b ob",
        "sudo:x:27:alice,-bob", "sudo:x:27:alice\r", "sudo:x:27: alice",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct gr_entry gr = { .name = (char *)"stale" };
        const char *why = NULL;

        errno = 0;
        cr_expect_eq(gr_line(bad[i], &gr, &why), -1, "line %zu: %s", i, bad[i]);
        cr_expect_not_null(why, "line %zu has a reason", i);
        cr_expect_eq(errno, EINVAL, "line %zu", i);
        cr_expect_null(gr.name, "line %zu: out zeroed", i);
    }
}

/* ---- the cache: helpers ---- */

static char tmpdir[64];
static char pw_path[128];
static char gr_path[128];

static void setup_dir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/fbd-userdb-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(pw_path, sizeof(pw_path), "%s/passwd", tmpdir);
    snprintf(gr_path, sizeof(gr_path), "%s/group", tmpdir);
}

static void teardown_dir(void)
{
    char p[160];

    unlink(pw_path);
    unlink(gr_path);
    snprintf(p, sizeof(p), "%s/new", tmpdir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/log", tmpdir);
    unlink(p);
    rmdir(tmpdir);
}

/* Write LEN bytes of DATA to a new file and rename it over PATH (a new
 * inode, as an editor or dpkg would do). */
static void put_len(const char *path, const char *data, size_t len)
{
    char tmp[160];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s/new", tmpdir);
    f = fopen(tmp, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(rename(tmp, path), 0);
}

static void put(const char *path, const char *data)
{
    put_len(path, data, strlen(data));
}

/* Rewrite PATH in place (same inode): truncate, then write DATA. */
static void put_in_place(const char *path, const char *data)
{
    int fd = open(path, O_WRONLY | O_TRUNC);

    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
    cr_assert_eq(close(fd), 0);
}

/* A cache over the temp files, refreshed once; expects RC. */
static struct userdb *open_db(int rc)
{
    struct userdb *db = userdb_new(pw_path, gr_path);

    cr_assert_not_null(db);
    cr_assert_eq(userdb_refresh(db), rc);
    return db;
}

/* Send log lines to a file in the temp dir; returns the saved stderr. */
static int capture_log(void)
{
    char p[160];
    int saved = dup(STDERR_FILENO);
    int fd;

    snprintf(p, sizeof(p), "%s/log", tmpdir);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_geq(saved, 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
    return saved;
}

/* Restore stderr and return what was logged (caller frees). */
static char *captured(int saved)
{
    char p[160];
    char *buf = calloc(1, 65536);
    FILE *f;

    dup2(saved, STDERR_FILENO);
    close(saved);
    snprintf(p, sizeof(p), "%s/log", tmpdir);
    f = fopen(p, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(buf);
    buf[fread(buf, 1, 65535, f)] = '\0';
    fclose(f);
    return buf;
}

/* How many times NEEDLE occurs in HAY. */
static int count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* ---- the cache ---- */

TestSuite(userdb, .init = setup_dir, .fini = teardown_dir);

Test(userdb, nothing_read_before_refresh)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = userdb_new(pw_path, gr_path);
    cr_assert_not_null(db);
    cr_expect_null(userdb_user(db, "alice"));
    cr_expect_eq(userdb_refresh(db), 0);
    cr_expect_not_null(userdb_user(db, "alice"));
    userdb_free(db);
    cr_expect_null(userdb_new(NULL, gr_path));
    userdb_free(NULL);
}

Test(userdb, initial_load)
{
    struct userdb *db;
    const struct pw_entry *pw;

    put(pw_path, "# comment\n\n" ROOT_LINE "   \n\t# indented comment\n" ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    pw = userdb_user(db, "alice");
    cr_assert_not_null(pw);
    cr_expect_eq(pw->uid, 1000);
    cr_expect_str_eq(pw->dir, "/home/alice");
    cr_expect_not_null(userdb_user(db, "root"));
    cr_expect_null(userdb_user(db, "bob"));
    cr_expect_null(userdb_user(db, "alic"));
    cr_expect_null(userdb_user(db, ""));
    cr_expect_null(userdb_user(db, NULL));
    cr_expect_null(userdb_user(NULL, "alice"));
    userdb_free(db);
}

Test(userdb, user_added)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    cr_expect_null(userdb_user(db, "bob"));
    put(pw_path, ROOT_LINE ALICE_LINE BOB_LINE);
    cr_expect_eq(userdb_refresh(db), 0);
    cr_expect_not_null(userdb_user(db, "bob"));
    cr_expect_not_null(userdb_user(db, "alice"));
    userdb_free(db);
}

Test(userdb, user_removed_by_good_file)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE BOB_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    cr_assert_not_null(userdb_user(db, "bob"));
    put(pw_path, ROOT_LINE ALICE_LINE);
    cr_expect_eq(userdb_refresh(db), 0);
    cr_expect_null(userdb_user(db, "bob"));
    cr_expect_not_null(userdb_user(db, "alice"));
    userdb_free(db);
}

Test(userdb, file_deleted_keeps_users)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    cr_assert_eq(unlink(pw_path), 0);
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_not_null(userdb_user(db, "alice"));
    cr_expect_not_null(userdb_user(db, "root"));
    cr_expect_eq(userdb_refresh(db), 1, "still missing: still kept");
    cr_expect_not_null(userdb_user(db, "alice"));
    put(pw_path, ROOT_LINE BOB_LINE);
    cr_expect_eq(userdb_refresh(db), 0, "back and complete");
    cr_expect_null(userdb_user(db, "alice"));
    cr_expect_not_null(userdb_user(db, "bob"));
    userdb_free(db);
}

Test(userdb, file_missing_from_the_start)
{
    struct userdb *db;

    db = open_db(1);
    cr_expect_null(userdb_user(db, "root"));
    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    cr_expect_eq(userdb_refresh(db), 0);
    cr_expect_not_null(userdb_user(db, "alice"));
    userdb_free(db);
}

Test(userdb, file_emptied_keeps_users)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    put_in_place(pw_path, "");
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_not_null(userdb_user(db, "alice"));
    put(pw_path, "# only a comment\n");
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_not_null(userdb_user(db, "alice"));
    userdb_free(db);
}

Test(userdb, garbage_keeps_users)
{
    struct userdb *db;
    static const char junk[] = "\x7f" "ELF\x01\x02\x00\x00garbage\n\xff\xfe:::::\n\x00\x00\x00\n";

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    put_len(pw_path, junk, sizeof(junk) - 1);
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_not_null(userdb_user(db, "alice"));
    cr_expect_not_null(userdb_user(db, "root"));
    put(gr_path, "lots of garbage\n");
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_eq(userdb_in_group(db, userdb_user(db, "alice"), "sudo"), 1);
    userdb_free(db);
}

Test(userdb, truncated_mid_line_overlays_good_lines)
{
    struct userdb *db;
    const struct pw_entry *pw;

    put(pw_path, ROOT_LINE ALICE_LINE "carol:x:1002:1002::/home/carol:/bin/sh\n");
    put(gr_path, GROUPS);
    db = open_db(0);
    /* dpkg half-way: root gone, alice moved, bob new, carol cut mid-line */
    put(pw_path, "alice:x:1000:1000:Alice:/srv/alice:/bin/zsh\n" BOB_LINE
                 "carol:x:1002:1002::/home/ca");
    cr_expect_eq(userdb_refresh(db), 1);
    pw = userdb_user(db, "alice");
    cr_assert_not_null(pw);
    cr_expect_str_eq(pw->dir, "/srv/alice", "well-formed lines update");
    cr_expect_not_null(userdb_user(db, "bob"), "well-formed new lines are visible");
    cr_expect_not_null(userdb_user(db, "root"), "known users are kept");
    pw = userdb_user(db, "carol");
    cr_assert_not_null(pw);
    cr_expect_str_eq(pw->dir, "/home/carol", "the cut line is ignored");
    userdb_free(db);
}

Test(userdb, malformed_line_replaces_with_good_lines)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    put(pw_path, ROOT_LINE "alice:x:oops:1000::/:/bin/sh\n" BOB_LINE);
    cr_expect_eq(userdb_refresh(db), 1, "not clean: a line was left out");
    cr_expect_not_null(userdb_user(db, "bob"));
    cr_expect_not_null(userdb_user(db, "root"));
    cr_expect_null(userdb_user(db, "alice"), "a complete file decides: its bad line is no user");
    userdb_free(db);
}

Test(userdb, deleted_user_goes_despite_a_malformed_line)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE BOB_LINE);
    put(gr_path, GROUPS "ops:x:2000:alice,bob\n");
    db = open_db(0);
    cr_assert_eq(userdb_in_group(db, userdb_user(db, "bob"), "ops"), 1);
    /* bob deleted; some unrelated line is malformed */
    put(pw_path, ROOT_LINE ALICE_LINE "junk line\n");
    put(gr_path, GROUPS "ops:x:2000:alice\nbroken\n");
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_null(userdb_user(db, "bob"), "a deleted user must not stay able to log in");
    cr_expect_not_null(userdb_user(db, "alice"));
    cr_expect_eq(userdb_in_group(db, userdb_user(db, "alice"), "ops"), 1);
    cr_expect_not_null(userdb_group(db, "ops"));
    userdb_free(db);
}

Test(userdb, empty_file_keeps_users)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    put(pw_path, "");
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_not_null(userdb_user(db, "alice"), "zero bytes: a file mid-write");
    userdb_free(db);
}

Test(userdb, no_root_line_keeps_users)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE BOB_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    put(pw_path, ALICE_LINE);
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_not_null(userdb_user(db, "bob"));
    cr_expect_not_null(userdb_user(db, "root"));
    userdb_free(db);
}

Test(userdb, in_place_rewrite_of_other_size)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    put_in_place(pw_path, ROOT_LINE ALICE_LINE BOB_LINE);
    cr_expect_eq(userdb_refresh(db), 0);
    cr_expect_not_null(userdb_user(db, "bob"));
    put_in_place(pw_path, ROOT_LINE BOB_LINE);
    cr_expect_eq(userdb_refresh(db), 0);
    cr_expect_null(userdb_user(db, "alice"));
    userdb_free(db);
}

Test(userdb, same_size_rewrite_by_rename)
{
    struct userdb *db;
    const struct pw_entry *pw;

    put(pw_path, ROOT_LINE "alice:x:1000:1000::/home/aaaaa:/bin/sh\n");
    put(gr_path, GROUPS);
    db = open_db(0);
    put(pw_path, ROOT_LINE "alice:x:1000:1000::/home/bbbbb:/bin/sh\n");
    cr_expect_eq(userdb_refresh(db), 0);
    pw = userdb_user(db, "alice");
    cr_assert_not_null(pw);
    cr_expect_str_eq(pw->dir, "/home/bbbbb");
    userdb_free(db);
}

/* Rewrite PATH in place with DATA (same size as before) until its ctime
 * moves, then pin its mtime back to 2000-01-01: only ctime tells. */
static void put_same_size_pinned(const char *path, const char *data)
{
    const struct timespec pin[2] = { { 946684800, 0 }, { 946684800, 0 } };
    struct stat before, after;

    cr_assert_eq(stat(path, &before), 0);
    for (int i = 0; i < 200; i++) {
        put_in_place(path, data);
        cr_assert_eq(utimensat(AT_FDCWD, path, pin, 0), 0);
        cr_assert_eq(stat(path, &after), 0);
        if (after.st_ctim.tv_sec != before.st_ctim.tv_sec ||
            after.st_ctim.tv_nsec != before.st_ctim.tv_nsec) {
            break;
        }
        usleep(5000);
    }
    cr_assert_eq(after.st_ino, before.st_ino);
    cr_assert_eq(after.st_size, before.st_size);
    cr_assert_eq(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
    cr_assert_eq(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

Test(userdb, same_size_same_mtime_in_place_seen_by_ctime)
{
    const struct timespec pin[2] = { { 946684800, 0 }, { 946684800, 0 } };
    struct userdb *db;
    const struct pw_entry *pw;

    put(pw_path, ROOT_LINE "alice:x:1000:1000::/home/aaaaa:/bin/sh\n");
    put(gr_path, GROUPS);
    cr_assert_eq(utimensat(AT_FDCWD, pw_path, pin, 0), 0);
    db = open_db(0);
    put_same_size_pinned(pw_path, ROOT_LINE "alice:x:1000:1000::/home/bbbbb:/bin/sh\n");
    cr_expect_eq(userdb_refresh(db), 0);
    pw = userdb_user(db, "alice");
    cr_assert_not_null(pw);
    cr_expect_str_eq(pw->dir, "/home/bbbbb");
    userdb_free(db);
}

Test(userdb, change_of_open_error_is_seen)
{
    struct userdb *db;
    char sub[128], path[160], p[256];
    char *log;
    int saved;

    snprintf(sub, sizeof(sub), "%s/etc", tmpdir);
    snprintf(path, sizeof(path), "%s/passwd", sub);
    cr_assert_eq(mkdir(sub, 0700), 0);
    put(path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = userdb_new(path, gr_path);
    cr_assert_not_null(db);
    cr_assert_eq(userdb_refresh(db), 0);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(rmdir(sub), 0);
    saved = capture_log();
    cr_expect_eq(userdb_refresh(db), 1);
    put(sub, "a file where a directory was\n");
    cr_expect_eq(userdb_refresh(db), 1);
    log = captured(saved);
    snprintf(p, sizeof(p), "%s: No such file or directory", path);
    cr_expect_eq(count(log, p), 1, "log: %s", log);
    snprintf(p, sizeof(p), "%s: Not a directory", path);
    cr_expect_eq(count(log, p), 1, "log: %s", log);
    cr_expect_not_null(userdb_user(db, "alice"));
    unlink(sub);
    free(log);
    userdb_free(db);
}

Test(userdb, unchanged_file_is_not_reread)
{
    struct userdb *db;
    const struct pw_entry *before;
    char *log;
    int saved;

    put(pw_path, ROOT_LINE ALICE_LINE "bad line\n");
    put(gr_path, GROUPS);
    db = open_db(1);
    before = userdb_user(db, "alice");
    saved = capture_log();
    cr_expect_eq(userdb_refresh(db), 1, "still the incomplete version");
    cr_expect_eq(userdb_refresh(db), 1);
    log = captured(saved);
    cr_expect_str_empty(log, "nothing re-read, nothing logged: %s", log);
    cr_expect_eq(userdb_user(db, "alice"), before, "same entry, not re-parsed");
    free(log);
    userdb_free(db);
}

Test(userdb, problems_logged_once_with_file_and_line)
{
    struct userdb *db;
    char expect[256];
    char *log;
    int saved;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    put(pw_path, ROOT_LINE "# fine\nalice:x:1000\n" BOB_LINE "cut:x:1");
    saved = capture_log();
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_eq(userdb_refresh(db), 1);
    cr_assert_eq(unlink(pw_path), 0);
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_eq(userdb_refresh(db), 1);
    log = captured(saved);
    snprintf(expect, sizeof(expect), "%s:3: not 7 ':'-separated fields", pw_path);
    cr_expect_eq(count(log, expect), 1, "log: %s", log);
    snprintf(expect, sizeof(expect), "%s:5: no newline", pw_path);
    cr_expect_eq(count(log, expect), 1, "log: %s", log);
    snprintf(expect, sizeof(expect), "%s: No such file or directory", pw_path);
    cr_expect_eq(count(log, expect), 1, "log: %s", log);
    cr_expect_not_null(userdb_user(db, "alice"));
    free(log);
    userdb_free(db);
}

Test(userdb, log_flood_is_capped)
{
    struct userdb *db;
    char *buf = malloc(1000 * 6 + 64);
    char *log;
    size_t len;
    int saved;

    cr_assert_not_null(buf);
    len = (size_t)sprintf(buf, "%s", ROOT_LINE);
    for (int i = 0; i < 1000; i++) {
        len += (size_t)sprintf(buf + len, "junk\n");
    }
    put(pw_path, buf);
    put(gr_path, GROUPS);
    saved = capture_log();
    db = open_db(1);
    log = captured(saved);
    cr_expect_lt(count(log, "\n"), 30, "log: %s", log);
    cr_expect_eq(count(log, "980 more problems"), 1, "log: %s", log);
    cr_expect_not_null(userdb_user(db, "root"));
    free(log);
    free(buf);
    userdb_free(db);
}

Test(userdb, duplicate_names_first_wins)
{
    struct userdb *db;
    const struct pw_entry *pw;

    put(pw_path, ROOT_LINE ALICE_LINE "alice:x:0:0::/:/bin/sh\n");
    put(gr_path, GROUPS "sudo:x:28:bob\n");
    db = open_db(0);
    pw = userdb_user(db, "alice");
    cr_assert_not_null(pw);
    cr_expect_eq(pw->uid, 1000);
    cr_expect_eq(userdb_in_group(db, pw, "sudo"), 1);
    cr_expect_eq(userdb_in_group(db, userdb_user(db, "root"), "sudo"), 0);
    userdb_free(db);
}

Test(userdb, group_membership)
{
    struct userdb *db;
    const struct pw_entry *alice, *bob;

    put(pw_path, ROOT_LINE ALICE_LINE BOB_LINE);
    put(gr_path, GROUPS "wheel:x:10:bob,root\nstaff:x:50:\n");
    db = open_db(0);
    alice = userdb_user(db, "alice");
    bob = userdb_user(db, "bob");
    cr_assert_not_null(alice);
    cr_assert_not_null(bob);
    cr_expect_eq(userdb_in_group(db, alice, "sudo"), 1, "supplementary");
    cr_expect_eq(userdb_in_group(db, alice, "alice"), 1, "primary");
    cr_expect_eq(userdb_in_group(db, alice, "wheel"), 0);
    cr_expect_eq(userdb_in_group(db, bob, "wheel"), 1);
    cr_expect_eq(userdb_in_group(db, bob, "sudo"), 0);
    cr_expect_eq(userdb_in_group(db, bob, "staff"), 0);
    cr_expect_eq(userdb_in_group(db, bob, "nosuchgroup"), 0);
    cr_expect_eq(userdb_in_group(db, bob, NULL), 0);
    cr_expect_eq(userdb_in_group(db, NULL, "wheel"), 0);
    userdb_free(db);
}

Test(userdb, groups_primary_first_no_duplicates)
{
    struct userdb *db;
    const struct pw_entry *alice;
    gid_t g[8];
    size_t n;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, "alice:x:1000:\nzeta:x:300:alice\nsudo:x:27:bob,alice\n"
                 "adm:x:4:alice\nsudo2:x:27:alice\nown:x:1000:alice\nother:x:5:bob\n");
    db = open_db(0);
    alice = userdb_user(db, "alice");
    cr_assert_not_null(alice);
    n = userdb_groups(db, alice, g, 8);
    cr_assert_eq(n, 4, "1000, then 4, 27, 300 once each");
    cr_expect_eq(g[0], 1000, "primary first");
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            cr_expect_neq(g[i], g[j], "no duplicate gid");
        }
    }
    cr_expect_eq(g[1], 4, "adm");
    cr_expect_eq(g[2], 27, "sudo");
    cr_expect_eq(g[3], 300, "zeta");
    g[1] = 9999;
    cr_expect_eq(userdb_groups(db, alice, g, 1), 4, "the full count");
    cr_expect_eq(g[1], 9999, "nothing beyond max written");
    cr_expect_eq(userdb_groups(db, alice, NULL, 0), 4);
    cr_expect_eq(userdb_groups(db, userdb_user(db, "root"), g, 8), 1);
    cr_expect_eq(g[0], 0);
    userdb_free(db);
}

Test(userdb, group_file_incomplete_keeps_memberships)
{
    struct userdb *db;
    const struct pw_entry *alice;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    put(gr_path, "root:x:0:\nops:x:40:alice\nsu");
    cr_expect_eq(userdb_refresh(db), 1);
    alice = userdb_user(db, "alice");
    cr_assert_not_null(alice);
    cr_expect_eq(userdb_in_group(db, alice, "sudo"), 1, "kept");
    cr_expect_eq(userdb_in_group(db, alice, "ops"), 1, "added");
    put(gr_path, "root:x:0:\nops:x:40:alice\n");
    cr_expect_eq(userdb_refresh(db), 0);
    alice = userdb_user(db, "alice");
    cr_expect_eq(userdb_in_group(db, alice, "sudo"), 0, "a complete file replaces");
    userdb_free(db);
}

Test(userdb, many_users)
{
    struct userdb *db;
    char *buf = malloc(5000 * 64 + 64);
    char name[32];
    size_t len;

    cr_assert_not_null(buf);
    len = (size_t)sprintf(buf, "%s", ROOT_LINE);
    for (int i = 4999; i >= 0; i--) {
        len += (size_t)sprintf(buf + len, "user%d:x:%d:100::/home/user%d:/bin/sh\n",
                               i, 10000 + i, i);
    }
    put(pw_path, buf);
    put(gr_path, GROUPS);
    db = open_db(0);
    for (int i = 0; i < 5000; i += 7) {
        const struct pw_entry *pw;

        snprintf(name, sizeof(name), "user%d", i);
        pw = userdb_user(db, name);
        cr_assert_not_null(pw, "%s", name);
        cr_assert_eq(pw->uid, (uid_t)(10000 + i));
    }
    cr_expect_null(userdb_user(db, "user5000"));
    free(buf);
    userdb_free(db);
}

Test(userdb, not_a_regular_file)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    cr_assert_eq(unlink(pw_path), 0);
    cr_assert_eq(mkdir(pw_path, 0700), 0);
    cr_expect_eq(userdb_refresh(db), 1);
    cr_expect_not_null(userdb_user(db, "alice"));
    cr_assert_eq(rmdir(pw_path), 0);
    userdb_free(db);
}

Test(userdb, lookup_by_id_for_display)
{
    struct userdb *db;

    put(pw_path, ROOT_LINE ALICE_LINE BOB_LINE);
    put(gr_path, GROUPS);
    db = open_db(0);
    cr_expect_str_eq(userdb_user_by_uid(db, 1001)->name, "bob");
    cr_expect_str_eq(userdb_user_by_uid(db, 0)->name, "root");
    cr_expect_null(userdb_user_by_uid(db, 4242));
    cr_expect_str_eq(userdb_group_by_gid(db, 27)->name, "sudo");
    cr_expect_null(userdb_group_by_gid(db, 4242));
    cr_expect_null(userdb_user_by_uid(NULL, 0));
    userdb_free(db);
}
