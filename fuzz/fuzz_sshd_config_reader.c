/* fuzz_sshd_config_reader.c - libFuzzer target for the sshd_config reader
 * (fallbackd/sshd_config_reader.h) and what the incident console makes of
 * its lines, sshd's ports (dg_sshd_conf_line, dg_sshd_conf_ports in
 * fallbackd/diagnose/dg_parse.h).
 *
 * Every file lives in memory; nothing on disk is read (not /etc/ssh):
 *
 *     MAIN [ SEP NAME "\n" TEXT ]...           SEP = "\n@@FILE@@"
 *
 *   MAIN        the main file, /etc/ssh/sshd_config
 *   NAME, TEXT  a file /etc/ssh/NAME that Include patterns can match
 *               (fnmatch as glob(3) does; matches sorted by name; the
 *               first file of a name wins, the main file too)
 *
 * Bounds are made small (depth 4, 32 files, 2048 bytes a file) so that the
 * fuzzer reaches them.
 *
 * Invariants: each line passed on has a keyword other than Include and at
 * least one argument, argv NULL-terminated, its file one of the input's,
 * its line number within that file, its depth within the bound, and a
 * Match line is in a Match block; the result is SSHDCONF_OK exactly when
 * no problem was reported, and every problem is a non-empty line; the
 * same input read again gives the same lines.  Ports: each is 1..65535
 * and appears once, at most DG_SSHD_MAX_PORTS; without a Port line and
 * without a ListenAddress naming a port, exactly port 22; reading the
 * input twice into one struct gives the ports of once.
 */
#include <fnmatch.h>

#include "fuzz.h"

#include "diag.h"
#include "diagnose/dg_parse.h"
#include "sshd_config_reader.h"

#define SEP "\n@@FILE@@"
#define MAX_PARTS 16
#define DIR "/etc/ssh"

struct mem_file {
    char name[256];         /* DIR/NAME */
    const char *text;
    size_t len;
    size_t lines;
};

struct mem_fs {
    struct mem_file f[MAX_PARTS];
    size_t n;
};

/* Lines of TEXT (LEN bytes) as the reader counts them. */
static size_t count_lines(const char *text, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        n += text[i] == '\n';
    }
    return n + (len > 0 && text[len - 1] != '\n');
}

/* Add the part TEXT (LEN bytes; the first is MAIN, the others NAME\nTEXT). */
static void add_part(struct mem_fs *fs, const char *text, size_t len)
{
    struct mem_file *f = &fs->f[fs->n];
    const char *nl = fs->n == 0 ? NULL : memchr(text, '\n', len);
    size_t nlen = nl != NULL ? (size_t)(nl - text) : 0;

    if (fs->n == MAX_PARTS || (fs->n > 0 && (nl == NULL || nlen == 0 || nlen > 200 ||
                                             memchr(text, '\0', nlen) != NULL))) {
        return;
    }
    if (fs->n == 0) {
        snprintf(f->name, sizeof(f->name), DIR "/sshd_config");
    } else {
        snprintf(f->name, sizeof(f->name), DIR "/%.*s", (int)nlen, text);
        text += nlen + 1;
        len -= nlen + 1;
    }
    f->text = text;
    f->len = len;
    f->lines = count_lines(text, len);
    fs->n++;
}

static void split_parts(struct mem_fs *fs, const char *data, size_t size)
{
    const char *end = data + size;

    while (fs->n < MAX_PARTS) {
        const char *sep = memmem(data, (size_t)(end - data), SEP, strlen(SEP));

        add_part(fs, data, sep != NULL ? (size_t)(sep - data) : (size_t)(end - data));
        if (sep == NULL) {
            return;
        }
        data = sep + strlen(SEP);
    }
}

static const struct mem_file *find(const struct mem_fs *fs, const char *name)
{
    for (size_t i = 0; i < fs->n; i++) {
        if (strcmp(fs->f[i].name, name) == 0) {
            return &fs->f[i];
        }
    }
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int mem_expand(void *arg, const char *pattern, char ***names, size_t *n, struct diag *d)
{
    const struct mem_fs *fs = arg;
    char **v = calloc(MAX_PARTS + 1, sizeof(*v));

    FUZZ_CHECK(v != NULL, "out of memory");
    FUZZ_CHECK(pattern[0] == '/', "pattern %s not absolute", pattern);
    *n = 0;
    for (size_t i = 0; i < fs->n; i++) {
        if (fnmatch(pattern, fs->f[i].name, FNM_PATHNAME | FNM_PERIOD) == 0 &&
            find(fs, fs->f[i].name) == &fs->f[i]) {
            v[(*n)++] = strdup(fs->f[i].name);
        }
    }
    qsort(v, *n, sizeof(*v), by_name);
    *names = v;
    return 0;
}

static int mem_load(void *arg, const char *name, size_t max, char **text, size_t *len,
                    struct diag *d)
{
    const struct mem_file *f = find(arg, name);

    FUZZ_CHECK(f != NULL, "load of %s, which no pattern matched", name);
    if (f->len > max) {
        diag_add(d, "%s: longer than %zu bytes", name, max);
        return -1;
    }
    *text = malloc(f->len + 1);
    FUZZ_CHECK(*text != NULL, "out of memory");
    memcpy(*text, f->text, f->len);
    (*text)[f->len] = '\0';
    *len = f->len;
    return 0;
}

/* What one reading saw: the lines' transcript and the ports. */
struct run {
    const struct mem_fs *fs;
    unsigned max_depth;
    struct dg_sshd_conf ports;
    char *log;
    size_t log_len;
    FILE *logf;
};

static void check_line(const struct run *r, const struct sshdconf_line *l)
{
    const struct mem_file *f = find(r->fs, l->file);

    FUZZ_CHECK(f != NULL, "line of unknown file %s", l->file);
    FUZZ_CHECK(l->lineno >= 1 && l->lineno <= f->lines, "%s:%u of %zu lines", l->file,
               l->lineno, f->lines);
    FUZZ_CHECK(l->depth <= r->max_depth, "depth %u", l->depth);
    FUZZ_CHECK(l->argc >= 2 && l->argv[l->argc] == NULL, "argc %zu", l->argc);
    FUZZ_CHECK(l->argv[0][0] != '\0', "empty keyword at %s:%u", l->file, l->lineno);
    FUZZ_CHECK(!sshdconf_is(l, "Include"), "Include passed on at %s:%u", l->file, l->lineno);
    FUZZ_CHECK(!sshdconf_is(l, "Match") || l->in_match, "Match line not in a block");
    FUZZ_CHECK(strchr(l->text, '\n') == NULL, "newline in a line");
}

static void on_line(void *arg, const struct sshdconf_line *l)
{
    struct run *r = arg;

    check_line(r, l);
    dg_sshd_conf_line(&r->ports, l);
    fprintf(r->logf, "%s:%u:%d:%u", l->file, l->lineno, l->in_match, l->depth);
    for (size_t i = 0; i < l->argc; i++) {
        fprintf(r->logf, "|%s", l->argv[i]);
    }
    fputc('\n', r->logf);
}

/* Read the input's files once into R. */
static void read_once(struct run *r, struct mem_fs *fs)
{
    struct diag d = { 0 };
    const struct sshdconf_source src = { .expand = mem_expand, .load = mem_load, .arg = fs };
    struct sshdconf_reader rd = {
        .fn = on_line, .arg = r, .diag = &d, .source = &src, .max_depth = r->max_depth,
        .max_files = 32, .max_bytes = 2048,
    };
    enum sshdconf_result res;

    r->logf = open_memstream(&r->log, &r->log_len);
    FUZZ_CHECK(r->logf != NULL, "out of memory");
    res = sshdconf_read_text(&rd, fs->f[0].name, fs->f[0].text, fs->f[0].len);
    fclose(r->logf);
    FUZZ_CHECK(res != SSHDCONF_UNREADABLE, "text in memory unreadable");
    FUZZ_CHECK((res == SSHDCONF_OK) == (diag_count(&d) == 0), "result %d, %zu problems",
               (int)res, diag_count(&d));
    for (size_t i = 0; i < d.n; i++) {
        FUZZ_CHECK(d.msgs[i][0] != '\0', "empty problem");
    }
    diag_free(&d);
}

static size_t ports_of(const struct dg_sshd_conf *c, unsigned *ports)
{
    size_t n = dg_sshd_conf_ports(c, ports, DG_SSHD_MAX_PORTS);

    FUZZ_CHECK(n <= DG_SSHD_MAX_PORTS, "%zu ports", n);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(ports[i] >= 1 && ports[i] <= 65535, "port %u", ports[i]);
        for (size_t k = 0; k < i; k++) {
            FUZZ_CHECK(ports[k] != ports[i], "port %u twice", ports[i]);
        }
    }
    return n;
}

static void check_ports(const struct dg_sshd_conf *once, struct run *again)
{
    unsigned a[DG_SSHD_MAX_PORTS], b[DG_SSHD_MAX_PORTS];
    size_t na = ports_of(once, a), nb;

    if (once->port_lines == 0 && once->nports == 0) {
        FUZZ_CHECK(na == 1 && a[0] == 22, "default is not 22");
    }
    nb = ports_of(&again->ports, b);
    FUZZ_CHECK(na == nb && memcmp(a, b, na * sizeof(*a)) == 0, "twice differs from once");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem_fs fs = { .n = 0 };
    struct run once = { .fs = &fs, .max_depth = 4 }, twice = { .fs = &fs, .max_depth = 4 };

    split_parts(&fs, (const char *)data, size);
    read_once(&once, &fs);
    read_once(&twice, &fs);
    FUZZ_CHECK(once.log_len == twice.log_len && memcmp(once.log, twice.log, once.log_len) == 0,
               "a second reading saw other lines");
    free(twice.log);
    twice.log = NULL;
    read_once(&twice, &fs);     /* the ports of twice accumulate over two readings */
    check_ports(&once.ports, &twice);
    free(once.log);
    free(twice.log);
    return 0;
}
