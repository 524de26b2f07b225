/* shellcheck.c - will the kernel and the dynamic loader start this shell?
 * (see shellcheck.h)
 *
 * The checks follow what execve(2) and glibc's ld.so do, in their order:
 *
 *   the file      exists, is a regular file, access(X_OK) as the user
 *   "#!" script   its interpreter (the first word of the line, within the
 *                 first 256 bytes, as binfmt_script reads it) is checked the
 *                 same way, two interpreters deep at most
 *   ELF           header for this machine, segments inside the file
 *   PT_INTERP     the loader: executable regular file, ELF for this machine
 *   DT_NEEDED     each library, searched as ld.so searches (DT_RPATH,
 *                 DT_RUNPATH, ld.so.conf's directories, the built-in ones):
 *                 the first candidate that is not for another ELF class or
 *                 machine decides; then, one level down, what they need
 *
 * Whatever cannot be judged (a file we may execute but not read, a shell
 * built for another machine that compat or binfmt_misc may run, a search
 * path with $LIB, a relative directory, limits reached) counts as runnable:
 * a false alarm would replace a working shell by the rescue shell.
 * Libraries are only looked for when PT_INTERP is glibc's loader (musl's
 * searches elsewhere and is libc itself).  Not modelled, so at worst a
 * broken shell goes unnoticed: /etc/ld.so.cache (its directories are
 * ld.so.conf's), LD_LIBRARY_PATH and LD_PRELOAD, glibc-hwcaps
 * subdirectories, DF_1_NODEFLIB, binfmt_misc.  ld.so.conf includes are
 * expanded with glob(3) (no GLOB_TILDE, so no NSS), which allocates.
 *
 * What is read from an ELF file, always with pread(2), every count and
 * offset checked against the file's size before use (native layout,
 * Elf64_* on a 64-bit build):
 *
 *   ELF header, Ehdr at offset 0
 *     e_ident   "\177ELF", EI_CLASS, EI_DATA, EI_VERSION
 *     e_type    ET_EXEC or ET_DYN (libraries: ET_DYN)
 *     e_machine e_version
 *     e_phoff   file offset of the program headers
 *     e_phentsize == sizeof(Phdr), e_phnum: at most 64 KiB of them
 *   program headers, Phdr[e_phnum] at e_phoff
 *     p_type    PT_LOAD: file bytes p_offset..+p_filesz appear at
 *               p_vaddr..+p_filesz (maps DT_STRTAB to a file offset)
 *               PT_INTERP: the loader's path at p_offset, p_filesz bytes
 *               (2..PATH_MAX, the last one NUL, as the kernel wants)
 *               PT_DYNAMIC: the dynamic section at p_offset, p_filesz bytes
 *   dynamic section, Dyn[] (d_tag, d_un) up to DT_NULL, 4096 entries at most
 *     DT_NEEDED d_val: offset of a needed library's name in the strings
 *     DT_STRTAB d_ptr: virtual address of the string table
 *     DT_STRSZ  d_val: its size
 *     DT_RPATH, DT_RUNPATH d_val: offset of a ':'-separated directory list
 */
#include "shellcheck.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The ELF flavour of the build, which is what the loader accepts. */
#if defined(__LP64__)
#define SC_CLASS ELFCLASS64
#define SC_W(type) Elf64_##type
#else
#define SC_CLASS ELFCLASS32
#define SC_W(type) Elf32_##type
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SC_DATA ELFDATA2LSB
#else
#define SC_DATA ELFDATA2MSB
#endif

#if defined(__x86_64__) && defined(__ILP32__)
#define SC_MACHINE EM_X86_64
#define SC_TRIPLET "x86_64-linux-gnux32"
#elif defined(__x86_64__)
#define SC_MACHINE EM_X86_64
#define SC_TRIPLET "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define SC_MACHINE EM_AARCH64
#define SC_TRIPLET "aarch64-linux-gnu"
#elif defined(__i386__)
#define SC_MACHINE EM_386
#define SC_TRIPLET "i386-linux-gnu"
#elif defined(__arm__)
#define SC_MACHINE EM_ARM
#define SC_TRIPLET "arm-linux-gnueabihf"
#elif defined(__riscv) && defined(__LP64__)
#define SC_MACHINE EM_RISCV
#define SC_TRIPLET "riscv64-linux-gnu"
#else
#error "shellcheck.c: add this architecture's ELF machine and multiarch triplet"
#endif

#define SC_PHDR_MAX (65536 / sizeof(SC_W(Phdr)))    /* 64 KiB of program headers */
#define SC_DYN_MAX 4096         /* dynamic entries read */
#define SC_DYN_CHUNK 64         /* dynamic entries per pread */
#define SC_NEEDED_MAX 64        /* DT_NEEDED kept per object */
#define SC_LIBS_MAX 64          /* libraries checked per call */
#define SC_DIRS_MAX 64          /* library directories */
#define SC_POOL 8192            /* bytes of strings per pool */
#define SC_CONF_MAX 16384       /* bytes read of each ld.so.conf file */
#define SC_INCLUDES_MAX 64      /* files read per "include" pattern */
#define SC_SCRIPT_DEPTH 2       /* "#!" interpreters followed */
#define SC_HASHBANG 256         /* bytes of a "#!" line the kernel reads */
#define NONE SIZE_MAX           /* no string in a pool */

/* For the functions with a struct elf (64 KiB) on their stack: kept out of
 * their callers so that only one is live at a time. */
#define ELF_FRAME __attribute__((noinline))

/* The loader's built-in directories, after ld.so.conf's. */
static const char *const sys_dirs[] = {
    "/lib/" SC_TRIPLET, "/usr/lib/" SC_TRIPLET, "/lib64", "/usr/lib64", "/lib", "/usr/lib",
    NULL,
};

/* NUL-terminated strings packed in one buffer, named by offset. */
struct pool {
    char buf[SC_POOL];
    size_t used;
};

/* An open ELF file: its size, header and program headers. */
struct elf {
    int fd;
    uint64_t size;
    SC_W(Ehdr) eh;
    size_t phnum;
    SC_W(Phdr) ph[SC_PHDR_MAX];
};

/* What the dynamic section names, as string-table offsets. */
struct dyn {
    uint64_t strtab, strsz;             /* DT_STRTAB (a vaddr), DT_STRSZ */
    uint64_t runpath, rpath;            /* valid when have_* is set */
    int have_strtab, have_strsz, have_runpath, have_rpath;
    uint64_t needed[SC_NEEDED_MAX];
    size_t nneeded;
};

/* One object's dependencies, with what is needed to search for them. */
struct deps {
    const char *path;                   /* the object, for reasons and $ORIGIN */
    int is_main;                        /* the executable ($ORIGIN: its real path) */
    int partial;                        /* a search list did not fit: don't judge */
    size_t name[SC_NEEDED_MAX];         /* DT_NEEDED, offsets in pool */
    size_t nname;
    size_t runpath, rpath;              /* offsets in pool, or NONE */
    struct pool pool;
};

/* The state of one shell_check_in() call. */
struct ctx {
    const struct shellcheck_env *env;
    struct diag why;                    /* the last line is the reason */
    int dirs_loaded;                    /* ld.so.conf read (on first need) */
    int dirs_partial;                   /* some directory may be missing */
    size_t dir[SC_DIRS_MAX];            /* offsets in dirs */
    size_t ndirs;
    struct pool dirs;
    size_t nseen;                       /* libraries already taken care of */
    struct pool seen;
};

/* What a reason is about: NAME, or "NAME (ROLE OWNER)". */
struct who {
    const char *name;
    const char *role;                   /* NULL: just NAME */
    const char *owner;
};

/* The first verdict on an ELF header. */
enum eh_verdict {
    EH_OK,
    EH_NOT_ELF,
    EH_FOREIGN,                         /* well-formed, other class or machine */
    EH_BAD,
};

/* The outcome of looking for a library. */
enum find {
    FIND_NONE,                          /* nowhere (so far) */
    FIND_GOOD,                          /* found, usable */
    FIND_BAD,                           /* the loader would stop and fail here */
    FIND_UNSURE,                        /* cannot tell: count as fine */
};

/* Verdicts of the checks; V_MORE: fine so far, more to check. */
enum { V_BROKEN = 0, V_OK = 1, V_MORE = 2 };

static int check_file(struct ctx *c, const struct who *w, int depth);
static int fail(struct ctx *c, const struct who *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Note "WHO: reason" (the last one noted is the verdict's).  Returns
 * V_BROKEN. */
static int fail(struct ctx *c, const struct who *w, const char *fmt, ...)
{
    va_list ap;
    char *who = NULL;
    int n;

    if (w->role != NULL) {
        n = asprintf(&who, "%s (%s %s): ", w->name, w->role, w->owner);
    } else {
        n = asprintf(&who, "%s: ", w->name);
    }
    va_start(ap, fmt);
    diag_vadd(&c->why, n < 0 ? NULL : who, fmt, ap);
    va_end(ap);
    free(n < 0 ? NULL : who);
    return V_BROKEN;
}

/* Copy LEN bytes of S into P as a string.  Its offset, or NONE if full. */
static size_t pool_add(struct pool *p, const char *s, size_t len)
{
    size_t off = NONE;

    if (len < sizeof(p->buf) - p->used) {
        off = p->used;
        memcpy(p->buf + off, s, len);
        p->buf[off + len] = '\0';
        p->used += len + 1;
    }
    return off;
}

/* Read up to LEN bytes at OFF (fewer only at the end of the file).
 * The count read, or -1 on error. */
static ssize_t read_upto(int fd, void *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    ssize_t n = 1;
    int err = 0;

    while (done < len && n != 0 && !err) {
        n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno != EINTR) {
            err = 1;
        }
    }
    return err ? -1 : (ssize_t)done;
}

/* Read exactly LEN bytes at OFF.  0 ok, -1 on error or short file. */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
    return read_upto(fd, buf, len, off) == (ssize_t)len ? 0 : -1;
}

/* Open PATH for inspection without blocking (a FIFO) into EF.  0: a
 * regular file, EF->fd open; 1: something else (closed); -1: cannot open. */
static int elf_open(struct elf *ef, const char *path)
{
    struct stat st;
    int rc = -1;

    ef->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (ef->fd >= 0) {
        rc = fstat(ef->fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : 1;
        ef->size = rc == 0 ? (uint64_t)st.st_size : 0;
    }
    if (rc == 1) {
        close(ef->fd);
        ef->fd = -1;
    }
    return rc;
}

/* Judge ELF header EH, of which GOT bytes were read, in ld.so's order
 * (the kernel checks a subset).  The reason is set unless EH_OK. */
static enum eh_verdict ehdr_judge(const SC_W(Ehdr) *eh, size_t got, const char **reason)
{
    const unsigned char *id = eh->e_ident;
    enum eh_verdict v = EH_BAD;

    *reason = "built for another ELF class or machine";
    if (got < SELFMAG || memcmp(id, ELFMAG, SELFMAG) != 0) {
        v = EH_NOT_ELF;
        *reason = "not an ELF file";
    } else if (got < sizeof(*eh)) {
        *reason = "truncated";
    } else if (id[EI_CLASS] != SC_CLASS) {
        v = EH_FOREIGN;
    } else if (id[EI_DATA] != SC_DATA) {
        *reason = "in the wrong byte order";
    } else if (id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT) {
        *reason = "of an unknown ELF version";
    } else if (eh->e_machine != SC_MACHINE) {
        v = EH_FOREIGN;
    } else if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        *reason = "not an executable or shared library";
    } else if (eh->e_phentsize != sizeof(SC_W(Phdr))) {
        *reason = "malformed (program header size)";
    } else {
        v = EH_OK;
    }
    return v;
}

/* Are LEN bytes at OFF inside EF? */
static int in_file(const struct elf *ef, uint64_t off, uint64_t len)
{
    return off <= ef->size && len <= ef->size - off;
}

/* Read EF's program headers and check that the segments the kernel or the
 * loader reads (PT_LOAD, PT_INTERP, PT_DYNAMIC) lie inside the file: a
 * truncated file maps, then dies of SIGBUS.  NULL ok, else the reason. */
static const char *phdrs_read(struct elf *ef)
{
    const char *reason = NULL;
    size_t len = (size_t)ef->eh.e_phnum * sizeof(ef->ph[0]);

    ef->phnum = ef->eh.e_phnum;
    if (ef->phnum == 0 || ef->phnum > SC_PHDR_MAX) {
        reason = "malformed (program header count)";
    } else if (!in_file(ef, ef->eh.e_phoff, len) ||
               read_at(ef->fd, ef->ph, len, ef->eh.e_phoff) != 0) {
        reason = "truncated";
    }
    for (size_t i = 0; i < ef->phnum && reason == NULL; i++) {
        const SC_W(Phdr) *p = &ef->ph[i];

        if ((p->p_type == PT_LOAD || p->p_type == PT_INTERP || p->p_type == PT_DYNAMIC) &&
            p->p_filesz > 0 && !in_file(ef, p->p_offset, p->p_filesz)) {
            reason = "truncated";
        }
    }
    return reason;
}

/* Read and judge the header and program headers of the open file EF. */
static enum eh_verdict elf_read(struct elf *ef, const char **reason)
{
    ssize_t got = read_upto(ef->fd, &ef->eh, sizeof(ef->eh), 0);
    enum eh_verdict v = ehdr_judge(&ef->eh, got > 0 ? (size_t)got : 0, reason);

    ef->phnum = 0;
    if (v == EH_OK) {
        *reason = phdrs_read(ef);
        v = *reason == NULL ? EH_OK : EH_BAD;
    }
    return v;
}

/* EF's first program header of type TYPE, or NULL. */
static const SC_W(Phdr) *phdr_find(const struct elf *ef, uint32_t type)
{
    const SC_W(Phdr) *found = NULL;

    for (size_t i = 0; i < ef->phnum && found == NULL; i++) {
        if (ef->ph[i].p_type == type) {
            found = &ef->ph[i];
        }
    }
    return found;
}

/* The file offset of virtual address VA through EF's PT_LOAD segments, and
 * in *room the file bytes from there to the segment's end.  0, or -1 if no
 * segment maps VA from the file. */
static int va_to_off(const struct elf *ef, uint64_t va, uint64_t *off, uint64_t *room)
{
    int rc = -1;

    for (size_t i = 0; i < ef->phnum && rc != 0; i++) {
        const SC_W(Phdr) *p = &ef->ph[i];

        if (p->p_type == PT_LOAD && va >= p->p_vaddr && va - p->p_vaddr < p->p_filesz) {
            *off = p->p_offset + (va - p->p_vaddr);
            *room = p->p_filesz - (va - p->p_vaddr);
            rc = 0;
        }
    }
    return rc;
}

/* The PT_INTERP path of EF into BUF (PATH_MAX bytes), read as the kernel
 * does.  1 if there is one, 0 if none (a static executable), -1 if bad. */
static int interp_read(const struct elf *ef, char *buf)
{
    const SC_W(Phdr) *p = phdr_find(ef, PT_INTERP);
    int rc = 0;

    if (p != NULL) {
        rc = -1;
        if (p->p_filesz >= 2 && p->p_filesz <= PATH_MAX &&
            read_at(ef->fd, buf, p->p_filesz, p->p_offset) == 0 && buf[p->p_filesz - 1] == '\0') {
            rc = 1;
        }
    }
    return rc;
}

/* Note one dynamic entry E in D. */
static void dyn_note(struct dyn *d, const SC_W(Dyn) *e)
{
    if (e->d_tag == DT_NEEDED && d->nneeded < SC_NEEDED_MAX) {
        d->needed[d->nneeded++] = e->d_un.d_val;
    } else if (e->d_tag == DT_STRTAB) {
        d->strtab = e->d_un.d_ptr;
        d->have_strtab = 1;
    } else if (e->d_tag == DT_STRSZ) {
        d->strsz = e->d_un.d_val;
        d->have_strsz = 1;
    } else if (e->d_tag == DT_RUNPATH) {
        d->runpath = e->d_un.d_val;
        d->have_runpath = 1;
    } else if (e->d_tag == DT_RPATH) {
        d->rpath = e->d_un.d_val;
        d->have_rpath = 1;
    }
}

/* Read EF's dynamic section (PT_DYNAMIC, up to DT_NULL or SC_DYN_MAX
 * entries) into D.  0 ok, also when there is none; -1 if unreadable. */
static int dyn_read(const struct elf *ef, struct dyn *d)
{
    const SC_W(Phdr) *p = phdr_find(ef, PT_DYNAMIC);
    SC_W(Dyn) chunk[SC_DYN_CHUNK];
    uint64_t n = p != NULL ? p->p_filesz / sizeof(chunk[0]) : 0;
    int rc = 0, done = 0;

    memset(d, 0, sizeof(*d));
    n = n < SC_DYN_MAX ? n : SC_DYN_MAX;
    for (uint64_t i = 0; i < n && !done && rc == 0; i += SC_DYN_CHUNK) {
        size_t k = n - i < SC_DYN_CHUNK ? (size_t)(n - i) : SC_DYN_CHUNK;

        rc = read_at(ef->fd, chunk, k * sizeof(chunk[0]), p->p_offset + i * sizeof(chunk[0]));
        for (size_t j = 0; j < k && rc == 0 && !done; j++) {
            done = chunk[j].d_tag == DT_NULL;
            dyn_note(d, &chunk[j]);
        }
    }
    return rc;
}

/* Where string STR of D's table lies in EF: file offset and the bytes it
 * may span (to the end of the table and of its segment).  0, or -1. */
static int str_locate(const struct elf *ef, const struct dyn *d, uint64_t str, uint64_t *off,
                      uint64_t *room)
{
    int rc = -1;

    if (d->have_strtab && (!d->have_strsz || str < d->strsz) && str <= UINT64_MAX - d->strtab &&
        va_to_off(ef, d->strtab + str, off, room) == 0) {
        if (d->have_strsz && d->strsz - str < *room) {
            *room = d->strsz - str;
        }
        rc = 0;
    }
    return rc;
}

/* Read string STR of D's table in EF into BUF (PATH_MAX bytes).  0 ok,
 * -1 if it lies outside the table or does not end within PATH_MAX. */
static int dyn_string(const struct elf *ef, const struct dyn *d, uint64_t str, char *buf)
{
    uint64_t off = 0, room = 0;
    ssize_t got = -1;

    if (str_locate(ef, d, str, &off, &room) == 0) {
        got = read_upto(ef->fd, buf, room < PATH_MAX ? (size_t)room : PATH_MAX, off);
    }
    return got > 0 && memchr(buf, '\0', (size_t)got) != NULL ? 0 : -1;
}

/* Read string STR of D in EF into DP's pool; its offset in *SLOT (NONE and
 * DP->partial set if the pool is full).  0 ok, -1 if the string is bad. */
static int deps_string(const struct elf *ef, const struct dyn *d, uint64_t str, struct deps *dp,
                       size_t *slot)
{
    char s[PATH_MAX];
    int rc = dyn_string(ef, d, str, s);

    *slot = rc == 0 ? pool_add(&dp->pool, s, strlen(s)) : NONE;
    if (rc == 0 && *slot == NONE) {
        dp->partial = 1;
    }
    return rc;
}

/* Start DP for the object at PATH (IS_MAIN: the executable). */
static void deps_init(struct deps *dp, const char *path, int is_main)
{
    dp->path = path;
    dp->is_main = is_main;
    dp->partial = 0;
    dp->nname = 0;
    dp->runpath = NONE;
    dp->rpath = NONE;
    dp->pool.used = 0;
}

/* Fill DP from EF's dynamic section.  NULL ok, else the reason. */
static const char *deps_read(const struct elf *ef, struct deps *dp)
{
    struct dyn d;
    int bad = dyn_read(ef, &d);
    size_t slot;

    for (size_t i = 0; i < d.nneeded && bad == 0; i++) {
        bad = deps_string(ef, &d, d.needed[i], dp, &slot);
        if (slot != NONE) {
            dp->name[dp->nname++] = slot;
        }
    }
    if (bad == 0 && d.have_runpath) {
        bad = deps_string(ef, &d, d.runpath, dp, &dp->runpath);
    }
    if (bad == 0 && d.have_rpath) {
        bad = deps_string(ef, &d, d.rpath, dp, &dp->rpath);
    }
    return bad == 0 ? NULL : "malformed (dynamic section)";
}

/* Why execve() would fail on PATH before reading it: NULL if it exists, is
 * a regular file and we (already the user) may execute it. */
static const char *exec_problem(const char *path)
{
    struct stat st;
    const char *reason = NULL;

    if (stat(path, &st) != 0) {
        reason = errno == ENOENT || errno == ENOTDIR ? "not found" : strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
        reason = "not a regular file";
    } else if (access(path, X_OK) != 0) {
        reason = "not executable";
    }
    return reason;
}

/* Is INTERP glibc's dynamic loader (ld-linux*, ld64.so.*)?  Only then are
 * libraries searched the glibc way: another loader (musl's) has its own
 * rules, and provides libc itself. */
static int glibc_loader(const char *interp)
{
    const char *base = strrchr(interp, '/');

    base = base != NULL ? base + 1 : interp;
    return strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "ld64.so.", 8) == 0;
}

/* Has library NAME been taken care of (loaded, or the loader itself)?  If
 * not, remember it.  Also 1 once SC_LIBS_MAX were seen: stop there. */
static int seen_before(struct ctx *c, const char *name)
{
    int seen = c->nseen >= SC_LIBS_MAX;

    for (size_t off = 0; off < c->seen.used && !seen; off += strlen(c->seen.buf + off) + 1) {
        seen = strcmp(c->seen.buf + off, name) == 0;
    }
    if (!seen && pool_add(&c->seen, name, strlen(name)) == NONE) {
        seen = 1;
    }
    c->nseen += seen ? 0 : 1;
    return seen;
}

/* Add directory DIR (LEN bytes) to the library search list. */
static void dirs_add(struct ctx *c, const char *dir, size_t len)
{
    size_t off = c->ndirs < SC_DIRS_MAX ? pool_add(&c->dirs, dir, len) : NONE;

    if (off == NONE) {
        c->dirs_partial = 1;
    } else {
        c->dir[c->ndirs++] = off;
    }
}

static void conf_load(struct ctx *c, const char *path, int depth);

/* Read the ld.so.conf files matching PATTERN (relative: to the directory
 * of CONF, as ldconfig does), in glob(3)'s sorted order. */
static void conf_glob(struct ctx *c, const char *pattern, const char *conf, int depth)
{
    const char *slash = strrchr(conf, '/');
    int dirlen = pattern[0] != '/' && slash != NULL ? (int)(slash - conf) + 1 : 0;
    char pat[PATH_MAX];
    glob_t g;
    int n = snprintf(pat, sizeof(pat), "%.*s%s", dirlen, conf, pattern);
    int rc = n >= 0 && (size_t)n < sizeof(pat) ? 0 : GLOB_ABORTED;

    memset(&g, 0, sizeof(g));
    rc = rc == 0 ? glob(pat, 0, NULL, &g) : rc;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc && i < SC_INCLUDES_MAX; i++) {
        conf_load(c, g.gl_pathv[i], depth + 1);
    }
    if ((rc != 0 && rc != GLOB_NOMATCH) || (rc == 0 && g.gl_pathc > SC_INCLUDES_MAX)) {
        c->dirs_partial = 1;
    }
    globfree(&g);
}

/* "include PATTERN..." of CONF: followed from the top file only. */
static void conf_include(struct ctx *c, char *patterns, const char *conf, int depth)
{
    char *save = NULL;

    for (char *p = strtok_r(patterns, " \t", &save); p != NULL; p = strtok_r(NULL, " \t", &save)) {
        if (depth == 0) {
            conf_glob(c, p, conf, depth);
        } else {
            c->dirs_partial = 1;
        }
    }
}

/* One ld.so.conf line: "include PATTERN...", "hwcap ..." (ignored), or an
 * absolute directory (trailing '/' dropped); '#' starts a comment. */
static void conf_line(struct ctx *c, char *line, const char *conf, int depth)
{
    static const char blank[] = " \t\r\f\v";
    size_t len;

    line[strcspn(line, "#")] = '\0';
    line += strspn(line, blank);
    len = strlen(line);
    while (len > 0 && strchr(blank, line[len - 1]) != NULL) {
        line[--len] = '\0';
    }
    while (len > 1 && line[len - 1] == '/') {
        line[--len] = '\0';
    }
    if (strncmp(line, "include", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
        conf_include(c, line + 8, conf, depth);
    } else if (line[0] == '/') {
        dirs_add(c, line, len);
    }
}

/* Read ld.so.conf-style file PATH into BUF (SC_CONF_MAX + 2 bytes) as one
 * string: the whole lines of its first SC_CONF_MAX bytes (*partial set if
 * there was more).  A missing or unreadable file reads as empty. */
static void conf_read(const char *path, char *buf, int *partial)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    ssize_t n = 0;
    const char *nl;

    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        n = read_upto(fd, buf, SC_CONF_MAX + 1, 0);
    }
    if (n > SC_CONF_MAX) {
        *partial = 1;
        nl = memrchr(buf, '\n', SC_CONF_MAX);
        n = nl != NULL ? nl - buf : 0;
    }
    buf[n > 0 ? n : 0] = '\0';
    if (fd >= 0) {
        close(fd);
    }
}

/* Add the directories listed in ld.so.conf-style file PATH; DEPTH 0 for
 * the top file, 1 for an included one. */
static void conf_load(struct ctx *c, const char *path, int depth)
{
    char buf[SC_CONF_MAX + 2];

    conf_read(path, buf, &c->dirs_partial);
    for (char *line = buf, *nl; line != NULL; line = nl) {
        nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl++ = '\0';
        }
        conf_line(c, line, path, depth);
    }
}

/* The library directories, read on first need: ld.so.conf's, then the
 * built-in ones (the loader's cache is built from the same list). */
static void dirs_load(struct ctx *c)
{
    const struct shellcheck_env *env = c->env;
    const char *conf = "/etc/ld.so.conf";
    const char *const *def = sys_dirs;

    if (env != NULL && env->ld_so_conf != NULL) {
        conf = env->ld_so_conf;
    }
    if (env != NULL && env->default_dirs != NULL) {
        def = env->default_dirs;
    }

    if (!c->dirs_loaded) {
        c->dirs_loaded = 1;
        conf_load(c, conf, 0);
        for (size_t i = 0; def[i] != NULL; i++) {
            dirs_add(c, def[i], strlen(def[i]));
        }
    }
}

/* The directory $ORIGIN stands for in DP's search lists, into OUT
 * (PATH_MAX bytes): the object's directory; for the executable that of its
 * real path, as ld.so takes it from /proc/self/exe.  0, or -1 if unknown. */
static int origin_dir(const struct deps *dp, char *out)
{
    char real[PATH_MAX];
    const char *src = dp->is_main ? realpath(dp->path, real) : dp->path;
    const char *slash = src != NULL ? strrchr(src, '/') : NULL;
    size_t len = slash != NULL ? (size_t)(slash - src) : 0;

    if (slash != NULL) {
        len = len > 0 ? len : 1;
        memcpy(out, src, len);
        out[len] = '\0';
    }
    return slash != NULL ? 0 : -1;
}

/* The length of the "$ORIGIN" or "${ORIGIN}" token S (N bytes) starts
 * with, or 0 if it starts with none. */
static size_t origin_token(const char *s, size_t n)
{
    size_t len = 0;

    if (n >= 9 && memcmp(s, "${ORIGIN}", 9) == 0) {
        len = 9;
    } else if (n >= 7 && memcmp(s, "$ORIGIN", 7) == 0 &&
               (n == 7 || !(s[7] == '_' || (s[7] >= '0' && s[7] <= '9') ||
                            ((s[7] | 0x20) >= 'a' && (s[7] | 0x20) <= 'z')))) {
        len = 7;
    }
    return len;
}

/* Copy search-list entry ENT (LEN bytes) of DP into OUT (PATH_MAX bytes),
 * expanding $ORIGIN.  0 ok; -1 for another token ($LIB, $PLATFORM: not
 * searchable here) or if too long. */
static int dir_expand(const struct deps *dp, const char *ent, size_t len, char *out)
{
    char origin[PATH_MAX];
    size_t i = 0, o = 0, tok, add;
    int rc = 0;

    while (i < len && rc == 0) {
        tok = ent[i] == '$' ? origin_token(ent + i, len - i) : 0;
        rc = ent[i] == '$' && (tok == 0 || origin_dir(dp, origin) != 0) ? -1 : 0;
        add = rc != 0 ? PATH_MAX : tok > 0 ? strlen(origin) : 1;
        if (add < PATH_MAX - o) {
            memcpy(out + o, tok > 0 ? origin : ent + i, add);
            o += add;
            i += tok > 0 ? tok : 1;
        } else {
            rc = -1;
        }
    }
    out[o] = '\0';
    return rc;
}

/* Judge library candidate PATH as ld.so's open_verify() does.  FIND_NONE:
 * cannot be opened, or an ELF for another class or machine (passed by);
 * FIND_GOOD: a shared library for us; FIND_BAD: fatal, *reason set. */
ELF_FRAME static enum find lib_judge(const char *path, const char **reason)
{
    struct elf ef;
    int opened = elf_open(&ef, path);
    enum eh_verdict v = EH_FOREIGN;

    if (opened == 0) {
        v = elf_read(&ef, reason);
        close(ef.fd);
    } else if (opened == 1) {
        v = EH_BAD;
        *reason = "not a regular file";
    }
    if (v == EH_OK && ef.eh.e_type != ET_DYN) {
        v = EH_BAD;
        *reason = "not a shared library";
    }
    return v == EH_OK ? FIND_GOOD : v == EH_FOREIGN ? FIND_NONE : FIND_BAD;
}

/* lib_judge() of candidate PATH for W, the reason going to the caller. */
static enum find try_lib(struct ctx *c, const char *path, const struct who *w)
{
    const char *reason = NULL;
    enum find f = lib_judge(path, &reason);

    if (f == FIND_BAD) {
        fail(c, w, "%s is %s", path, reason);
    }
    return f;
}

/* Try DIR (LEN bytes)/NAME, the candidate's path going to FOUND. */
static enum find try_in_dir(struct ctx *c, const char *dir, size_t len, const char *name,
                            char *found, const struct who *w)
{
    int n = snprintf(found, PATH_MAX, "%.*s/%s", (int)len, dir, name);

    return n >= 0 && n < PATH_MAX ? try_lib(c, found, w) : FIND_UNSURE;
}

/* Search DT_RPATH or DT_RUNPATH list OFF of DP (NONE or "": no list).  An
 * entry that cannot be expanded, or is relative or empty (the working
 * directory at exec, unknown here), makes the outcome FIND_UNSURE. */
static enum find search_list(struct ctx *c, const struct deps *dp, size_t off, const char *name,
                             char *found, const struct who *w)
{
    const char *p = off != NONE && dp->pool.buf[off] != '\0' ? dp->pool.buf + off : NULL;
    char dir[PATH_MAX];
    enum find f = FIND_NONE;
    size_t len;

    while (p != NULL && f == FIND_NONE) {
        len = strcspn(p, ":");
        if (dir_expand(dp, p, len, dir) != 0 || dir[0] != '/') {
            f = FIND_UNSURE;
        } else {
            f = try_in_dir(c, dir, strlen(dir), name, found, w);
        }
        p = p[len] == ':' ? p + len + 1 : NULL;
    }
    return f;
}

/* Search the ld.so.conf and built-in directories. */
static enum find search_dirs(struct ctx *c, const char *name, char *found, const struct who *w)
{
    enum find f = FIND_NONE;

    dirs_load(c);
    for (size_t i = 0; i < c->ndirs && f == FIND_NONE; i++) {
        const char *dir = c->dirs.buf + c->dir[i];

        f = try_in_dir(c, dir, strlen(dir), name, found, w);
    }
    return f == FIND_NONE && c->dirs_partial ? FIND_UNSURE : f;
}

/* Find library NAME needed by DP as ld.so does: a name with '/' is a path;
 * else DP's DT_RPATH and the executable's (unless DP, resp. EXE, has a
 * DT_RUNPATH), DP's DT_RUNPATH, then the directories.  The candidate that
 * decided is left in FOUND (PATH_MAX bytes). */
static enum find lib_find(struct ctx *c, const char *name, const struct deps *dp,
                          const struct deps *exe, char *found, const struct who *w)
{
    int rpaths = dp->runpath == NONE;
    enum find f = FIND_NONE;

    if (strchr(name, '/') != NULL) {
        f = name[0] == '/' ? try_in_dir(c, "", 0, name + 1, found, w) : FIND_UNSURE;
    } else if (dp->partial || exe->partial) {
        f = FIND_UNSURE;
    } else {
        f = rpaths ? search_list(c, dp, dp->rpath, name, found, w) : FIND_NONE;
        if (f == FIND_NONE && rpaths && dp != exe && exe->runpath == NONE) {
            f = search_list(c, exe, exe->rpath, name, found, w);
        }
        f = f == FIND_NONE ? search_list(c, dp, dp->runpath, name, found, w) : f;
        f = f == FIND_NONE ? search_dirs(c, name, found, w) : f;
    }
    return f;
}

/* Read the dependencies of the library at PATH into DP.  0, or -1. */
ELF_FRAME static int lib_deps(const char *path, struct deps *dp)
{
    struct elf ef;
    const char *reason = NULL;
    int rc = -1;

    deps_init(dp, path, 0);
    if (elf_open(&ef, path) == 0) {
        if (elf_read(&ef, &reason) == EH_OK && deps_read(&ef, dp) == NULL) {
            rc = 0;
        }
        close(ef.fd);
    }
    return rc;
}

/* Find and judge each library DP needs that is not loaded yet. */
static int names_check(struct ctx *c, const struct deps *dp, const struct deps *exe)
{
    char found[PATH_MAX];
    int rc = V_OK;
    enum find f;

    for (size_t i = 0; i < dp->nname && rc == V_OK; i++) {
        const char *name = dp->pool.buf + dp->name[i];
        struct who w = { name, "needed by", dp->path };

        /* "" names the main program, which ld.so has loaded first. */
        f = name[0] == '\0' || seen_before(c, name) ? FIND_GOOD
                                                     : lib_find(c, name, dp, exe, found, &w);
        if (f == FIND_NONE) {
            rc = fail(c, &w, "not found");
        } else if (f == FIND_BAD) {
            rc = V_BROKEN;
        }
    }
    return rc;
}

/* Judge what library NAME, needed by EXE, needs in turn. */
static int sublibs_check(struct ctx *c, const char *name, const struct deps *exe)
{
    char found[PATH_MAX];
    struct deps sub;
    struct who w = { name, "needed by", exe->path };
    int rc = V_OK;

    if (lib_find(c, name, exe, exe, found, &w) == FIND_GOOD && lib_deps(found, &sub) == 0) {
        rc = names_check(c, &sub, exe);
    }
    return rc;
}

/* Check the libraries executable EXE needs, breadth first as ld.so maps
 * them: its own DT_NEEDED, then theirs (one level down). */
static int exe_libs_check(struct ctx *c, const struct deps *exe)
{
    int rc = names_check(c, exe, exe);

    for (size_t i = 0; i < exe->nname && rc == V_OK; i++) {
        rc = sublibs_check(c, exe->pool.buf + exe->name[i], exe);
    }
    return rc;
}

/* Why the kernel would refuse loader INTERP: NULL if it looks fine, or if
 * we may execute it but not read it (the kernel can). */
ELF_FRAME static const char *interp_problem(const char *interp)
{
    struct elf ef;
    const char *reason = exec_problem(interp);

    if (reason == NULL && elf_open(&ef, interp) == 0) {
        if (elf_read(&ef, &reason) == EH_OK) {
            reason = NULL;
        }
        close(ef.fd);
    }
    return reason;
}

/* Check the program interpreter INTERP of OWNER; a relative one is
 * resolved against the working directory at exec: not judged. */
static int check_interp(struct ctx *c, const char *interp, const char *owner)
{
    struct who w = { interp, "interpreter of", owner };
    const char *reason = interp[0] == '/' ? interp_problem(interp) : NULL;

    return reason != NULL ? fail(c, &w, "%s", reason) : V_OK;
}

/* Read executable FD (W): header and segments, its PT_INTERP into INTERP
 * (PATH_MAX bytes), its dependencies into DP.  V_MORE: dynamic, those need
 * checking; V_OK: static, or for another class or machine (compat or
 * binfmt_misc may run it: not ours to judge); V_BROKEN with the reason. */
ELF_FRAME static int exe_read(struct ctx *c, const struct who *w, int fd, char *interp,
                              struct deps *dp)
{
    struct elf ef;
    const char *reason = NULL;
    struct stat st;
    enum eh_verdict v;
    int rc = V_OK, has;

    ef.fd = fd;
    ef.size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    v = elf_read(&ef, &reason);
    has = v == EH_OK ? interp_read(&ef, interp) : 0;
    if (v == EH_FOREIGN) {
        reason = NULL;
    } else if (has < 0) {
        reason = "malformed (PT_INTERP)";
    } else if (has > 0) {
        deps_init(dp, w->name, 1);
        reason = deps_read(&ef, dp);
        rc = V_MORE;
    }
    return reason != NULL ? fail(c, w, "%s", reason) : rc;
}

/* Check the ELF executable open on FD (W): itself, its loader, and, for
 * glibc's loader, its libraries. */
static int check_elf(struct ctx *c, const struct who *w, int fd)
{
    char interp[PATH_MAX];
    struct deps dp;
    const char *base;
    int rc = exe_read(c, w, fd, interp, &dp);

    if (rc == V_MORE) {
        rc = check_interp(c, interp, w->name) == V_OK ? V_MORE : V_BROKEN;
    }
    if (rc == V_MORE && glibc_loader(interp)) {
        base = strrchr(interp, '/');
        seen_before(c, base != NULL ? base + 1 : interp);
        rc = exe_libs_check(c, &dp);
    }
    return rc == V_MORE ? V_OK : rc;
}

/* The interpreter of a "#!" line, read as binfmt_script does: blanks
 * skipped, then up to a blank, newline or NUL, all within HEAD (N bytes,
 * the kernel's buffer; a shorter file ends in NULs).  NULL ok, the path in
 * OUT (SC_HASHBANG bytes); else the reason. */
static const char *hashbang_parse(const char *head, size_t n, char *out)
{
    size_t i = 2, j;
    const char *reason = NULL;

    while (i < n && (head[i] == ' ' || head[i] == '\t')) {
        i++;
    }
    for (j = i; j < n && head[j] != ' ' && head[j] != '\t' && head[j] != '\n' && head[j] != '\0';) {
        j++;
    }
    if (j == n && n == SC_HASHBANG) {
        reason = "#! line too long";
    } else if (j == i) {
        reason = "no interpreter on the #! line";
    } else if (head[i] != '/') {
        reason = "relative interpreter on the #! line";
    } else {
        memcpy(out, head + i, j - i);
        out[j - i] = '\0';
    }
    return reason;
}

/* Check the interpreter of script W, whose first N bytes are HEAD. */
static int check_script(struct ctx *c, const struct who *w, const char *head, size_t n, int depth)
{
    char interp[SC_HASHBANG];
    const char *reason = hashbang_parse(head, n, interp);
    struct who iw = { interp, "interpreter of", w->name };
    int rc = V_OK;

    if (reason != NULL) {
        rc = fail(c, w, "%s", reason);
    } else if (depth < SC_SCRIPT_DEPTH) {
        rc = check_file(c, &iw, depth + 1);
    }
    return rc;
}

/* Check W's file as execve() starts it: an executable regular file, then a
 * "#!" script or an ELF executable.  DEPTH: "#!" interpreters followed so
 * far.  Unreadable (execute-only) files are not judged. */
static int check_file(struct ctx *c, const struct who *w, int depth)
{
    char head[SC_HASHBANG];
    const char *reason = exec_problem(w->name);
    int fd = reason == NULL ? open(w->name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) : -1;
    ssize_t n = fd >= 0 ? read_upto(fd, head, sizeof(head), 0) : -1;
    int rc = V_OK;

    if (reason != NULL) {
        rc = fail(c, w, "%s", reason);
    } else if (n >= 2 && head[0] == '#' && head[1] == '!') {
        rc = check_script(c, w, head, (size_t)n, depth);
    } else if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0) {
        rc = check_elf(c, w, fd);
    } else if (n >= 0) {
        rc = fail(c, w, "not an ELF file or script");
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

/* See shellcheck.h: check PATH with ENV's directories. */
int shell_check_in(const char *path, const struct shellcheck_env *env, struct diag *why)
{
    struct ctx c;
    struct who w = { path != NULL ? path : "", NULL, NULL };
    int rc;

    memset(&c, 0, sizeof(c));
    c.env = env;
    rc = check_file(&c, &w, 0);
    if (rc != V_OK && why != NULL) {
        diag_add(why, "%s", diag_last(&c.why));
    }
    diag_free(&c.why);
    return rc;
}

/* See shellcheck.h: check PATH with the system's directories. */
int shell_check(const char *path, struct diag *why)
{
    return shell_check_in(path, NULL, why);
}
