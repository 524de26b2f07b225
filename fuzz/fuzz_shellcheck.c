/* fuzz_shellcheck.c - libFuzzer target for shell_check_in()
 * (fallbackd/monitor/shellcheck.h), the ELF / "#!" / library checker.
 *
 * The checker reads files, so each input is written to files in a private
 * scratch directory (under $FUZZ_SCRATCH, else /dev/shm; removed at exit):
 *
 *     SHELL [ SEP LIBRARY [ SEP LD_SO_CONF ] ]      SEP = "@@FILE@@"
 *
 *   SHELL       -> DIR/sh, mode 0755: the file checked
 *   LIBRARY     -> DIR/lib/libfz.so, mode 0755, in the only default
 *                  library directory (DIR/lib)
 *   LD_SO_CONF  -> DIR/ld.so.conf, the ld.so.conf used
 *
 * A part that is absent is removed, so nothing is left from an earlier
 * input.  Paths named inside the input (PT_INTERP, DT_NEEDED, "#!", rpath)
 * may point anywhere: the checker only reads.  An ld.so.conf "include"
 * line holding a '/' is rejected, so that glob(3) stays in DIR and never
 * walks the real file system (which could take minutes).
 *
 * Invariants: the result is 0 or 1; 1 adds no line to the diag, 0 adds
 * exactly one, non-empty; without a diag the verdict is the same; the same
 * files checked again give the same verdict and reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "shellcheck.h"

#define SEP "@@FILE@@"

static char dir[256];
static char shell_path[300], lib_dir[300], lib_path[320], conf_path[300];
static const char *default_dirs[2];
static struct shellcheck_env env;

/* nftw() callback: remove one entry. */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Remove the scratch directory (at exit). */
static void scratch_remove(void)
{
    if (dir[0] != '\0') {
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    }
}

/* Make the scratch directory and the paths in it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("FUZZ_SCRATCH");

    snprintf(dir, sizeof(dir), "%s/fbd-shellcheck-XXXXXX", base != NULL ? base : "/dev/shm");
    FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
    atexit(scratch_remove);
    snprintf(shell_path, sizeof(shell_path), "%s/sh", dir);
    snprintf(lib_dir, sizeof(lib_dir), "%s/lib", dir);
    snprintf(lib_path, sizeof(lib_path), "%s/libfz.so", lib_dir);
    snprintf(conf_path, sizeof(conf_path), "%s/ld.so.conf", dir);
    FUZZ_CHECK(mkdir(lib_dir, 0755) == 0, "mkdir %s: %s", lib_dir, strerror(errno));
    default_dirs[0] = lib_dir;
    default_dirs[1] = NULL;
    env.ld_so_conf = conf_path;
    env.default_dirs = default_dirs;
    return 0;
}

/* Write N bytes at P to PATH with MODE, or remove PATH if P is NULL. */
static void put_file(const char *path, const uint8_t *p, size_t n, mode_t mode)
{
    int fd;

    if (p == NULL) {
        FUZZ_CHECK(unlink(path) == 0 || errno == ENOENT, "unlink %s: %s", path, strerror(errno));
        return;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    FUZZ_CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
    FUZZ_CHECK(fchmod(fd, mode) == 0, "fchmod %s", path);
    FUZZ_CHECK(n == 0 || write(fd, p, n) == (ssize_t)n, "write %s: %s", path, strerror(errno));
    FUZZ_CHECK(close(fd) == 0, "close %s", path);
}

/* Split DATA at the separators into up to 3 parts (absent: NULL). */
static void split(const uint8_t *data, size_t size, const uint8_t *part[3], size_t len[3])
{
    size_t i, seplen = strlen(SEP);
    const uint8_t *p = data, *end = data + size, *s;

    for (i = 0; i < 3; i++) {
        part[i] = NULL;
        len[i] = 0;
    }
    for (i = 0; i < 3 && p != NULL; i++) {
        s = i < 2 ? memmem(p, (size_t)(end - p), SEP, seplen) : NULL;
        part[i] = p;
        len[i] = s != NULL ? (size_t)(s - p) : (size_t)(end - p);
        p = s != NULL ? s + seplen : NULL;
    }
}

/* Does ld.so.conf text P (N bytes) have an "include" line with a '/'? */
static int conf_escapes(const uint8_t *p, size_t n)
{
    const char *s = (const char *)p, *end = s + n, *nl;

    for (; s < end; s = nl + 1) {
        nl = memchr(s, '\n', (size_t)(end - s));
        nl = nl != NULL ? nl : end;
        while (s < nl && *s != '\0' && strchr(" \t\r\f\v", *s) != NULL) {
            s++;
        }
        if (nl - s >= 7 && memcmp(s, "include", 7) == 0 && memchr(s, '/', (size_t)(nl - s))) {
            return 1;
        }
    }
    return 0;
}

/* Check the shell, its reason (if any) going to WHY. */
static int check_once(struct diag *why)
{
    int rc = shell_check_in(shell_path, &env, why);

    FUZZ_CHECK(rc == 0 || rc == 1, "shell_check_in returned %d", rc);
    FUZZ_CHECK(why == NULL || why->lost == 0, "a reason was lost");
    FUZZ_CHECK(why == NULL || why->n == (rc == 1 ? 0u : 1u), "verdict %d with %zu reasons",
               rc, why != NULL ? why->n : 0);
    FUZZ_CHECK(why == NULL || rc == 1 || why->msgs[0][0] != '\0', "an empty reason");
    return rc;
}

/* The verdict must not depend on the diag nor on the call. */
static void check_verdicts(void)
{
    struct diag why = { 0 }, again = { 0 };
    int rc = check_once(&why);

    FUZZ_CHECK(check_once(&again) == rc && strcmp(diag_last(&why), diag_last(&again)) == 0,
               "a second check says \"%s\", the first \"%s\"", diag_last(&again),
               diag_last(&why));
    FUZZ_CHECK(check_once(NULL) == rc, "without a diag the verdict differs");
    diag_free(&again);
    diag_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[3];
    size_t len[3];

    split(data, size, part, len);
    if (part[2] != NULL && conf_escapes(part[2], len[2])) {
        return FUZZ_REJECT;
    }
    put_file(shell_path, part[0], len[0], 0755);
    put_file(lib_path, part[1], len[1], 0755);
    put_file(conf_path, part[2], len[2], 0644);
    check_verdicts();
    return 0;
}
