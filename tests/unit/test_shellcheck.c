/* test_shellcheck.c - Criterion tests for fallbackd/monitor/shellcheck.c (suite
 * "shellcheck").
 *
 * Real binaries of the machine (/bin/bash, /bin/busybox, nologin), then
 * copies in a fresh mkdtemp directory per test: a fake library tree with
 * bash's libraries (good, garbage, missing, 32-bit look-alikes) reached
 * through an injected ld.so.conf and default directory list; /bin/true
 * with its PT_INTERP patched to point into the test directory; programs
 * built with cc for DT_RUNPATH / DT_RPATH and $ORIGIN; and truncated or
 * bit-flipped copies of /bin/bash that must never crash the checker.
 */
#include <criterion/criterion.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shellcheck.h"

/* shell_check_in() with its reason copied into WHY (WHYLEN bytes; "" when
 * runnable), as these tests read it; checks that a verdict of 0 adds
 * exactly one line to the diag and 1 adds none. */
static int sc_in(const char *path, const struct shellcheck_env *e, char *why, size_t whylen)
{
    struct diag d = { 0 };
    int rc = shell_check_in(path, e, &d);

    cr_expect_eq(d.n, rc == 1 ? 0u : 1u, "verdict %d with %zu lines", rc, d.n);
    if (why != NULL && whylen > 0) {
        snprintf(why, whylen, "%s", d.n > 0 ? diag_last(&d) : "");
    }
    diag_free(&d);
    return rc;
}

/* The same with the system's library directories (shell_check()). */
static int sc(const char *path, char *why, size_t whylen)
{
    return sc_in(path, NULL, why, whylen);
}

static char tmpdir[64];
static char libdir[128];        /* tmpdir/lib: the fake library directory */
static char conf[128];          /* tmpdir/ld.so.conf */
static const char *dirs[3];
static struct shellcheck_env env;

/* A fresh directory for each test, and an env pointing into it. */
static void setup(void)
{
    strcpy(tmpdir, "/tmp/fbd-sc-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
    snprintf(libdir, sizeof(libdir), "%s/lib", tmpdir);
    snprintf(conf, sizeof(conf), "%s/ld.so.conf", tmpdir);
    cr_assert_eq(mkdir(libdir, 0755), 0);
    dirs[0] = libdir;
    dirs[1] = NULL;
    env.ld_so_conf = conf;
    env.default_dirs = dirs;
}

/* Remove the test's directory. */
static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(shellcheck, .init = setup, .fini = teardown);

/* ---- helpers -------------------------------------------------------- */

/* tmpdir/name, malloc'd (left to the test process's end). */
static const char *in_tmp(const char *name)
{
    char *p = NULL;

    cr_assert_geq(asprintf(&p, "%s/%s", tmpdir, name), 0);
    return p;
}

/* Write LEN bytes of DATA to PATH with MODE. */
static void put_bytes(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    cr_assert_eq(close(fd), 0);
    cr_assert_eq(chmod(path, mode), 0);
}

/* Write TEXT to tmpdir/NAME with MODE; returns the path. */
static const char *put_text(const char *name, const char *text, mode_t mode)
{
    const char *path = in_tmp(name);

    put_bytes(path, text, strlen(text), mode);
    return path;
}

/* The whole of file PATH, malloc'd; its size in *len. */
static unsigned char *slurp(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *buf;
    int fd = open(path, O_RDONLY);

    cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
    cr_assert_eq(fstat(fd, &st), 0);
    buf = malloc((size_t)st.st_size + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
    close(fd);
    *len = (size_t)st.st_size;
    return buf;
}

/* Copy SRC (following symlinks) to DST with MODE. */
static void copy(const char *src, const char *dst, mode_t mode)
{
    size_t len;
    unsigned char *buf = slurp(src, &len);

    put_bytes(dst, buf, len, mode);
    free(buf);
}

/* The system directory holding bash's libraries. */
static const char *sys_libdir(void)
{
    static const char *const cand[] = {
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
    };
    char p[256];

    for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
        snprintf(p, sizeof(p), "%s/libc.so.6", cand[i]);
        if (access(p, R_OK) == 0) {
            return cand[i];
        }
    }
    cr_assert_fail("no libc.so.6 found");
    return NULL;
}

/* Copy library NAME from the system into directory DIR. */
static void copy_lib(const char *name, const char *dir)
{
    char src[256], dst[256];

    snprintf(src, sizeof(src), "%s/%s", sys_libdir(), name);
    snprintf(dst, sizeof(dst), "%s/%s", dir, name);
    copy(src, dst, 0644);
}

/* A copy of /bin/bash in tmpdir, and its libraries in libdir; the path. */
static const char *fake_bash(void)
{
    const char *bash = in_tmp("bash");

    copy("/bin/bash", bash, 0755);
    copy_lib("libtinfo.so.6", libdir);
    copy_lib("libc.so.6", libdir);
    return bash;
}

/* Write a 4 KiB file at PATH that is 4 KiB of non-ELF bytes. */
static void put_garbage(const char *path, mode_t mode)
{
    char junk[4096];

    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = (char)("garbage\n"[i % 8]);
    }
    put_bytes(path, junk, sizeof(junk), mode);
}

/* Write a well-formed 32-bit i386 ELF shared-library header (padded to
 * 4 KiB) at PATH: ld.so passes such a file by. */
static void put_elf32(const char *path)
{
    unsigned char file[4096] = { 0 };
    Elf32_Ehdr *eh = (Elf32_Ehdr *)file;

    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS32;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_DYN;
    eh->e_machine = EM_386;
    eh->e_version = EV_CURRENT;
    eh->e_ehsize = sizeof(*eh);
    eh->e_phentsize = sizeof(Elf32_Phdr);
    put_bytes(path, file, sizeof(file), 0644);
}

/* The first program header of TYPE in 64-bit ELF image BUF, or NULL. */
static Elf64_Phdr *find_phdr(unsigned char *buf, size_t len, uint32_t type)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;

    cr_assert_geq(len, sizeof(*eh));
    cr_assert_leq(eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr), len);
    for (size_t i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr *p = (Elf64_Phdr *)(buf + eh->e_phoff) + i;

        if (p->p_type == type) {
            return p;
        }
    }
    return NULL;
}

/* A copy of /bin/true in tmpdir whose PT_INTERP names INTERP; the path. */
static const char *true_with_interp(const char *interp)
{
    size_t len;
    unsigned char *buf = slurp("/bin/true", &len);
    Elf64_Phdr *p = find_phdr(buf, len, PT_INTERP);
    const char *path = in_tmp("true");

    cr_assert_not_null(p, "/bin/true has no PT_INTERP");
    cr_assert_lt(strlen(interp), p->p_filesz, "%s: longer than the original", interp);
    memset(buf + p->p_offset, 0, p->p_filesz);
    memcpy(buf + p->p_offset, interp, strlen(interp));
    put_bytes(path, buf, len, 0755);
    free(buf);
    return path;
}

/* Run a shell command; 0 if it exited 0. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* Skip the test without a C compiler. */
static void need_cc(void)
{
    if (sh("cc --version >/dev/null 2>&1") != 0) {
        cr_skip_test("no cc");
    }
}

/* ---- the machine's own binaries ------------------------------------- */

Test(shellcheck, real_shells_are_runnable)
{
    char why[256];

    cr_expect_eq(sc("/bin/bash", why, sizeof(why)), 1, "%s", why);
    cr_expect_str_empty(why);
    cr_expect_eq(sc("/bin/busybox", why, sizeof(why)), 1, "%s", why);
    cr_expect_eq(sc("/usr/sbin/nologin", why, sizeof(why)), 1, "%s", why);
    cr_expect_eq(sc("/bin/sh", why, sizeof(why)), 1, "%s", why);
    cr_expect_eq(sc("/bin/true", NULL, 0), 1);
}

Test(shellcheck, not_found_not_executable_not_regular)
{
    char why[256];
    const char *plain = put_text("plain", "#!/bin/sh\n", 0644);

    cr_expect_eq(sc("/nonexistent/bash", why, sizeof(why)), 0);
    cr_expect_str_eq(why, "/nonexistent/bash: not found");
    cr_expect_eq(sc(plain, why, sizeof(why)), 0);
    cr_expect(strstr(why, ": not executable") != NULL, "%s", why);
    cr_expect_eq(sc(tmpdir, why, sizeof(why)), 0);
    cr_expect(strstr(why, ": not a regular file") != NULL, "%s", why);
    cr_expect_eq(sc("", why, sizeof(why)), 0);
    cr_expect_eq(sc(NULL, why, sizeof(why)), 0);
}

Test(shellcheck, garbage_and_empty_files)
{
    char why[256];
    const char *g = in_tmp("garbage");

    put_garbage(g, 0755);
    cr_expect_eq(sc(g, why, sizeof(why)), 0);
    cr_expect(strstr(why, "not an ELF file or script") != NULL, "%s", why);
    cr_expect_eq(sc(put_text("empty", "", 0755), why, sizeof(why)), 0);
    cr_expect_eq(sc(put_text("elfish", "\177ELF", 0755), why, sizeof(why)), 0);
    cr_expect(strstr(why, "truncated") != NULL, "%s", why);
}

Test(shellcheck, the_reason_is_added_to_the_callers_lines)
{
    struct diag d = { 0 };

    diag_add(&d, "an earlier line");
    cr_expect_eq(shell_check("/nonexistent/bash", &d), 0);
    cr_assert_eq(d.n, 2);
    cr_expect_str_eq(d.msgs[0], "an earlier line");
    cr_expect_str_eq(d.msgs[1], "/nonexistent/bash: not found");
    cr_expect_eq(shell_check("/bin/sh", &d), 1);
    cr_expect_eq(d.n, 2, "a runnable shell adds nothing");
    cr_expect_eq(shell_check("/nonexistent/bash", NULL), 0, "no diag: the same verdict");
    diag_free(&d);
}

/* ---- scripts -------------------------------------------------------- */

Test(shellcheck, scripts)
{
    char why[512];

    cr_expect_eq(sc(put_text("s1", "#!/bin/sh\necho hi\n", 0755), why, sizeof(why)), 1,
                 "%s", why);
    cr_expect_eq(sc(put_text("s2", "#! \t/bin/sh -e\n", 0755), why, sizeof(why)), 1,
                 "%s", why);
    cr_expect_eq(sc(put_text("s3", "#!/bin/sh", 0755), why, sizeof(why)), 1, "%s", why);
    cr_expect_eq(sc(put_text("s4", "#!/nonexistent\n", 0755), why, sizeof(why)), 0);
    cr_expect(strstr(why, "/nonexistent (interpreter of ") != NULL, "%s", why);
    cr_expect(strstr(why, "): not found") != NULL, "%s", why);
    cr_expect_eq(sc(put_text("s5", "#!sh\n", 0755), why, sizeof(why)), 0);
    cr_expect(strstr(why, "relative interpreter") != NULL, "%s", why);
    cr_expect_eq(sc(put_text("s6", "#!\n", 0755), why, sizeof(why)), 0);
    cr_expect(strstr(why, "no interpreter") != NULL, "%s", why);
    cr_expect_eq(sc(put_text("s7", "#!/etc/passwd\n", 0755), why, sizeof(why)), 0);
    cr_expect(strstr(why, "not executable") != NULL, "%s", why);
}

Test(shellcheck, script_line_too_long)
{
    char line[400];

    memset(line, 'a', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    memcpy(line, "#!/", 3);
    cr_expect_eq(sc(put_text("long", line, 0755), NULL, 0), 0);
}

Test(shellcheck, script_chains)
{
    char why[512], text[300];
    const char *garbage = in_tmp("garbage");

    put_garbage(garbage, 0755);
    snprintf(text, sizeof(text), "#!%s\n", put_text("b", "#!/bin/sh\n", 0755));
    cr_expect_eq(sc(put_text("a", text, 0755), why, sizeof(why)), 1, "%s", why);

    snprintf(text, sizeof(text), "#!%s\n", garbage);
    put_text("b", text, 0755);
    cr_expect_eq(sc(in_tmp("a"), why, sizeof(why)), 0, "garbage two levels down");
    cr_expect(strstr(why, "not an ELF file or script") != NULL, "%s", why);

    snprintf(text, sizeof(text), "#!%s\n", in_tmp("c"));
    put_text("b", text, 0755);
    snprintf(text, sizeof(text), "#!%s\n", garbage);
    put_text("c", text, 0755);
    cr_expect_eq(sc(in_tmp("a"), why, sizeof(why)), 1,
                 "beyond two interpreters nothing is judged: %s", why);
}

/* ---- libraries in a fake tree ---------------------------------------- */

Test(shellcheck, fake_tree_all_good)
{
    char why[512];
    const char *bash = fake_bash();

    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 1, "%s", why);
    cr_expect_str_empty(why);
}

Test(shellcheck, fake_tree_garbage_libc)
{
    char why[512];
    const char *bash = fake_bash();
    const char *libc = in_tmp("lib/libc.so.6");

    put_garbage(libc, 0644);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "libc.so.6 (needed by ") != NULL, "%s", why);
    cr_expect(strstr(why, "/lib/libc.so.6 is not an ELF file") != NULL, "%s", why);
}

Test(shellcheck, fake_tree_broken_libraries)
{
    char why[512];
    const char *bash = fake_bash();
    const char *lib = in_tmp("lib/libtinfo.so.6");
    size_t len;
    unsigned char *buf;

    buf = slurp(lib, &len);
    put_bytes(lib, buf, len / 2, 0644);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0, "truncated library");
    cr_expect(strstr(why, "libtinfo.so.6 is truncated") != NULL, "%s", why);

    put_bytes(lib, buf, 0, 0644);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0, "empty library");
    cr_expect(strstr(why, "libtinfo.so.6 (needed by ") != NULL, "%s", why);

    unlink(lib);
    cr_assert_eq(mkdir(lib, 0755), 0);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0, "a directory");
    cr_expect(strstr(why, "is not a regular file") != NULL, "%s", why);

    rmdir(lib);
    copy("/bin/busybox", lib, 0644);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0, "a static executable");
    free(buf);
}

Test(shellcheck, fake_tree_missing_library)
{
    char why[512];
    const char *bash = fake_bash();
    const char *lib = in_tmp("lib/libtinfo.so.6");

    cr_assert_eq(unlink(lib), 0);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "libtinfo.so.6 (needed by ") != NULL, "%s", why);
    cr_expect(strstr(why, "): not found") != NULL, "%s", why);
}

/* sc_in(PATH, &env) as an unprivileged user (nobody when we are
 * root, in a child process); its return value, or -1. */
static int check_unprivileged(const char *path)
{
    pid_t pid;
    int st;

    cr_assert_eq(chmod(tmpdir, 0755), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
                               setuid(65534) != 0)) {
            _exit(99);
        }
        _exit(sc_in(path, &env, NULL, 0));
    }
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(shellcheck, unreadable_candidate_is_passed_by)
{
    const char *bash = fake_bash();
    const char *dir = in_tmp("early"), *lib = in_tmp("early/libc.so.6");

    cr_assert_eq(mkdir(dir, 0755), 0);
    put_garbage(lib, 0);
    put_text("ld.so.conf", dir, 0644);
    cr_expect_eq(check_unprivileged(bash), 1, "ld.so passes an unreadable candidate by");
    cr_expect_eq(sc_in(bash, &env, NULL, 0), geteuid() == 0 ? 0 : 1,
                 "root reads it, and so would the loader");
}

Test(shellcheck, execute_only_shell_is_not_judged)
{
    const char *bash = fake_bash();

    cr_assert_eq(chmod(bash, 0711), 0);
    cr_expect_eq(check_unprivileged(bash), 1);
    cr_assert_eq(chmod(bash, 0700), 0);
    cr_expect_eq(check_unprivileged(bash), geteuid() == 0 ? 0 : 1, "not executable");
}

Test(shellcheck, other_class_is_passed_by)
{
    char why[512], text[256];
    const char *bash = fake_bash();
    const char *lib;

    /* ld.so.conf includes conf.d/ *.conf (relative to itself), naming lib32
     * first: its 32-bit libc.so.6 comes before libdir's and is passed by. */
    cr_assert_eq(mkdir(in_tmp("conf.d"), 0755), 0);
    cr_assert_eq(mkdir(in_tmp("lib32"), 0755), 0);
    put_text("ld.so.conf", "# test\n\ninclude conf.d/*.conf\nhwcap 0 nosegneg\n", 0644);
    snprintf(text, sizeof(text), "  %s/ # trailing comment\n", in_tmp("lib32"));
    put_text("conf.d/a.conf", text, 0644);
    lib = in_tmp("lib32/libc.so.6");
    put_elf32(lib);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 1, "%s", why);

    /* Only the 32-bit one left: not found. */
    lib = in_tmp("lib/libc.so.6");
    cr_assert_eq(unlink(lib), 0);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "libc.so.6 (needed by ") != NULL, "%s", why);

    /* Garbage behind the 32-bit one: broken. */
    put_garbage(lib, 0644);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "is not an ELF file") != NULL, "%s", why);
}

Test(shellcheck, ld_so_conf_order_decides)
{
    char why[512], text[256];
    const char *bash = fake_bash();
    const char *lib = in_tmp("early/libc.so.6");

    /* A garbage libc in a directory ld.so.conf names before the defaults. */
    cr_assert_eq(mkdir(in_tmp("early"), 0755), 0);
    snprintf(text, sizeof(text), "%s\n", in_tmp("early"));
    put_text("ld.so.conf", text, 0644);
    put_garbage(lib, 0644);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "/early/libc.so.6 is not an ELF file") != NULL, "%s", why);

    /* An absolute include, and a missing one, are fine too. */
    snprintf(text, sizeof(text), "include %s/nothing/*.conf %s/inc.conf\n", tmpdir, tmpdir);
    put_text("ld.so.conf", text, 0644);
    snprintf(text, sizeof(text), "%s\n", in_tmp("early"));
    put_text("inc.conf", text, 0644);
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "/early/libc.so.6 is not an ELF file") != NULL, "%s", why);
}

/* ---- the program interpreter ------------------------------------------ */

Test(shellcheck, interpreter)
{
    char why[512];
    const char *ld = in_tmp("ld"), *ldlinux = in_tmp("ld-linux");
    const char *t;

    t = true_with_interp(ld);
    cr_expect_eq(sc(t, why, sizeof(why)), 0, "missing interpreter");
    cr_expect(strstr(why, "/ld (interpreter of ") != NULL, "%s", why);
    cr_expect(strstr(why, "): not found") != NULL, "%s", why);

    put_garbage(ld, 0755);
    cr_expect_eq(sc(t, why, sizeof(why)), 0, "garbage interpreter");
    cr_expect(strstr(why, "): not an ELF file") != NULL, "%s", why);

    put_elf32(ld);
    cr_expect_eq(chmod(ld, 0755), 0);
    cr_expect_eq(sc(t, why, sizeof(why)), 0, "32-bit interpreter");
    cr_expect(strstr(why, "another ELF class") != NULL, "%s", why);

    copy("/lib64/ld-linux-x86-64.so.2", ld, 0644);
    cr_expect_eq(sc(t, why, sizeof(why)), 0, "interpreter without x bit");
    cr_expect(strstr(why, "not executable") != NULL, "%s", why);

    cr_expect_eq(chmod(ld, 0755), 0);
    cr_expect_eq(sc(t, why, sizeof(why)), 1, "%s", why);

    /* Named like glibc's loader: the libraries are checked as well. */
    t = true_with_interp(ldlinux);
    copy("/lib64/ld-linux-x86-64.so.2", ldlinux, 0755);
    cr_expect_eq(sc(t, why, sizeof(why)), 1, "%s", why);
    cr_expect_eq(sc_in(t, &env, why, sizeof(why)), 0, "no libc in the fake tree");
    cr_expect(strstr(why, "libc.so.6 (needed by ") != NULL, "%s", why);
}

/* ---- DT_RUNPATH, DT_RPATH, $ORIGIN (programs built with cc) ----------- */

/* Build in tmpdir: rp/libbar.so.1, rp/libfoo.so.1 (needing libbar, no
 * search path of its own) and prog (needing libfoo) with search path
 * $ORIGIN/rp as DT_RUNPATH (NEW_DTAGS) or DT_RPATH. */
static void build_prog(int new_dtags)
{
    cr_assert_eq(mkdir(in_tmp("rp"), 0755), 0);
    put_text("bar.c", "int bar(void) { return 0; }\n", 0644);
    put_text("foo.c", "int bar(void);\nint foo(void) { return bar(); }\n", 0644);
    put_text("prog.c", "int foo(void);\nint main(void) { return foo(); }\n", 0644);
    cr_assert_eq(sh("cd %s && cc -shared -fPIC -Wl,-soname,libbar.so.1 -o rp/libbar.so.1 bar.c"
                    " && cc -shared -fPIC -Wl,-soname,libfoo.so.1 -o rp/libfoo.so.1 foo.c"
                    " rp/libbar.so.1 && cc -o prog prog.c rp/libfoo.so.1 -Wl,-rpath-link,rp"
                    " -Wl,%s,-rpath,'$ORIGIN/rp'",
                    tmpdir, new_dtags ? "--enable-new-dtags" : "--disable-new-dtags"),
                 0);
}

Test(shellcheck, runpath_and_origin)
{
    char why[512];
    const char *prog;

    need_cc();
    build_prog(1);
    prog = in_tmp("prog");
    dirs[0] = libdir;
    dirs[1] = sys_libdir();
    dirs[2] = NULL;
    /* DT_RUNPATH is not inherited: libfoo cannot find libbar. */
    cr_expect_neq(sh("%s 2>/dev/null", prog), 0, "the loader agrees");
    cr_expect_eq(sc_in(prog, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "libbar.so.1 (needed by ") != NULL, "%s", why);
    cr_expect(strstr(why, "/rp/libfoo.so.1): not found") != NULL, "%s", why);

    /* With libbar in a default directory, all is well. */
    copy(in_tmp("rp/libbar.so.1"), in_tmp("lib/libbar.so.1"), 0644);
    cr_expect_eq(sc_in(prog, &env, why, sizeof(why)), 1, "%s", why);

    /* DT_RUNPATH comes before the default directories. */
    put_garbage(in_tmp("lib/libfoo.so.1"), 0644);
    cr_expect_eq(sc_in(prog, &env, why, sizeof(why)), 1, "%s", why);
    put_garbage(in_tmp("rp/libfoo.so.1"), 0644);
    cr_expect_eq(sc_in(prog, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "/rp/libfoo.so.1 is not an ELF file") != NULL, "%s", why);
}

Test(shellcheck, rpath_is_inherited)
{
    char why[512];
    const char *prog;

    need_cc();
    build_prog(0);
    prog = in_tmp("prog");
    dirs[0] = libdir;
    dirs[1] = sys_libdir();
    dirs[2] = NULL;
    /* The executable's DT_RPATH serves libfoo's needs too. */
    cr_expect_eq(sh("%s", prog), 0, "the loader agrees");
    cr_expect_eq(sc_in(prog, &env, why, sizeof(why)), 1, "%s", why);
    put_garbage(in_tmp("rp/libbar.so.1"), 0644);
    cr_expect_eq(sc_in(prog, &env, why, sizeof(why)), 0);
    cr_expect(strstr(why, "/rp/libbar.so.1 is not an ELF file") != NULL, "%s", why);
}

/* ---- robustness ----------------------------------------------------- */

Test(shellcheck, truncated_copies_never_crash)
{
    char why[512];
    const char *bash = fake_bash();
    struct stat st;
    int fd = open(bash, O_WRONLY);
    int rc, runnable = 0;

    /* Every length below 8 KiB, then every 997th byte: shorter each time. */
    cr_assert_geq(fd, 0);
    cr_assert_eq(fstat(fd, &st), 0);
    for (size_t at = (size_t)st.st_size; at-- > 0;) {
        at = at < 8192 ? at : at - at % 997;
        cr_assert_eq(ftruncate(fd, (off_t)at), 0);
        rc = sc_in(bash, &env, why, sizeof(why));
        cr_assert(rc == 0 || rc == 1, "length %zu: %d", at, rc);
        cr_assert(rc == 0 || at > 8192, "length %zu judged runnable", at);
        runnable += rc;
    }
    close(fd);
    cr_expect_lt(runnable, 10, "a truncated bash judged runnable %d times", runnable);
    cr_log_info("truncated bash: %d runnable (section headers cut only)", runnable);
}

/* Overwrite 1-4 random bytes of BUF[lo, hi) with extreme or random values. */
static void mutate(unsigned char *buf, size_t lo, size_t hi)
{
    static const unsigned char vals[] = { 0x00, 0xff, 0x7f, 0x80, 0x01 };
    int n = 1 + rand() % 4;

    for (int i = 0; i < n && hi > lo; i++) {
        size_t at = lo + (size_t)rand() % (hi - lo);
        int v = rand() % 8;

        buf[at] = v < 5 ? vals[v] : (unsigned char)rand();
    }
}

/* Write LEN bytes of BUF at OFF of open file FD. */
static void put_at(int fd, const unsigned char *buf, size_t len, size_t off)
{
    cr_assert_eq(pwrite(fd, buf + off, len, (off_t)off), (ssize_t)len);
}

Test(shellcheck, flipped_headers_never_crash)
{
    char why[512];
    const char *bash = fake_bash();
    size_t len;
    unsigned char *orig = slurp(bash, &len), *buf = slurp(bash, &len);
    Elf64_Phdr *dyn = find_phdr(orig, len, PT_DYNAMIC);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)orig;
    size_t region[3][2] = {
        { 0, sizeof(Elf64_Ehdr) },                                  /* ELF header */
        { eh->e_phoff, eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) },
        { 0, 0 },                                                   /* dynamic section */
    };
    int rc, counts[2] = { 0, 0 }, fd = open(bash, O_WRONLY);

    cr_assert_not_null(dyn);
    cr_assert_geq(fd, 0);
    region[2][0] = dyn->p_offset;
    region[2][1] = dyn->p_offset + dyn->p_filesz;
    srand(20240611);
    for (int iter = 0; iter < 6000; iter++) {
        size_t lo = region[iter % 3][0], hi = region[iter % 3][1];

        mutate(buf, lo, hi);
        put_at(fd, buf, hi - lo, lo);
        rc = sc_in(bash, &env, why, sizeof(why));

        cr_assert(rc == 0 || rc == 1, "iteration %d: %d", iter, rc);
        cr_assert(strlen(why) < sizeof(why));
        counts[rc]++;
        memcpy(buf + lo, orig + lo, hi - lo);
        put_at(fd, buf, hi - lo, lo);
    }
    cr_expect_eq(sc_in(bash, &env, why, sizeof(why)), 1, "restored: %s", why);
    cr_log_info("flipped bash: %d broken, %d runnable", counts[0], counts[1]);
    close(fd);
    free(buf);
    free(orig);
}
