/* fuzz_sftp.c - libFuzzer target for internal-sftp's packet framing and
 * request dispatcher (fallbackd/sftp/): a client's byte stream, answered
 * in a scratch directory.
 *
 * Input: the bytes a client sends after INIT (which the target sends
 * first): framed packets (uint32 length, type, request id, payload), cut
 * where the framing says, exactly as the server's I/O loop does.
 *
 * Safety: every '/' byte of the input becomes '_', so no path can leave
 * the working directory (only its parent, "..", is nameable, and that is
 * a scratch directory too); RLIMIT_FSIZE keeps files at 1 MiB, so a WRITE
 * or truncate at a huge offset costs nothing and copy-data ends quickly.
 * The directory is reset before each input: a file "a", a directory "d",
 * a symlink "l" -> "a".  The target works in it only while it handles an
 * input (run.sh gives an absolute artifact prefix for the crash file).
 *
 * Invariants:
 *   - every request dispatched before the session ends gets exactly one
 *     reply, and a session that ends (fatal) gets none for that packet;
 *   - every reply is a well-formed frame of at most 256 KiB, the limit
 *     OpenSSH's client enforces, with the request's id;
 *   - the open handles never exceed the advertised maximum.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"
#include "sftp/proto.h"
#include "sftp/sftp_server.h"

static char work[512];
static struct sftp_options opt;
static int top = -1;    /* libFuzzer's working directory (corpus paths are relative) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("FUZZ_SCRATCH");
    char tmpl[] = "/tmp/fbd-fuzz-sftp-XXXXXX";
    struct rlimit rl = { 1 << 20, 1 << 20 };
    char up[600];

    if (base == NULL) {
        base = mkdtemp(tmpl);
        FUZZ_CHECK(base != NULL, "mkdtemp");
    }
    snprintf(up, sizeof(up), "%s/sftp", base);
    snprintf(work, sizeof(work), "%s/sftp/work", base);
    mkdir(up, 0755);
    mkdir(work, 0755);
    top = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FUZZ_CHECK(top >= 0, "open .");
    FUZZ_CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0, "RLIMIT_FSIZE");
    log_setup("fuzz", 1, 4 << 3, LL_QUIET);
    opt.umask = -1;
    opt.user = "fuzz";
    opt.home = work;
    return 0;
}

/* Empty the working directory and put the seed entries back. */
static void reset_dir(void)
{
    DIR *d;
    struct dirent *e;
    int fd;

    chmod("..", 0755);
    FUZZ_CHECK(chdir(work) == 0 && chmod(".", 0755) == 0, "cannot enter %s", work);
    d = opendir(".");
    FUZZ_CHECK(d != NULL, "opendir");
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            unlinkat(dirfd(d), e->d_name, 0) < 0) {
            fchmodat(dirfd(d), e->d_name, 0755, 0);
            unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
        }
    }
    closedir(d);
    fd = open("a", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    FUZZ_CHECK(fd >= 0 && write(fd, "0123456789abcdef", 16) == 16, "seed file");
    close(fd);
    mkdir("d", 0755);
    FUZZ_CHECK(symlink("a", "l") == 0, "seed link");
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Check the replies queued for one request with id ID; consume them. */
static void check_replies(struct sftp_server *s, uint32_t id)
{
    const char *why = NULL;
    long whole = wire_frame(s->out.data, s->out.len, &why);

    FUZZ_CHECK(s->out.err || whole > 0, "no reply to request %u", id);
    if (s->out.err) {
        return;
    }
    FUZZ_CHECK((size_t)whole == s->out.len, "%zu bytes queued, one reply is %ld",
               s->out.len, whole);
    FUZZ_CHECK((size_t)whole - 4 <= SFTP_MAX_MSG, "reply of %ld bytes", whole);
    FUZZ_CHECK(whole >= 9 && be32(s->out.data + 5) == id, "reply id differs from %u", id);
    wire_consume(&s->out, s->out.len);
}

/* Dispatch each framed packet of buf; stop where the session would. */
static void feed(struct sftp_server *s, const unsigned char *buf, size_t len)
{
    const char *why = NULL;
    size_t off = 0;
    long whole;

    while ((whole = wire_frame(buf + off, len - off, &why)) > 0) {
        const unsigned char *pkt = buf + off + 4;
        int is_request = pkt[0] != FXP_INIT && whole >= 9;

        sftp_dispatch(s, pkt, (size_t)whole - 4);
        off += (size_t)whole;
        if (s->fatal != NULL) {
            FUZZ_CHECK(s->out.len == 0, "a reply to a packet that ended the session");
            return;
        }
        FUZZ_CHECK(is_request, "a packet without id was answered");
        check_replies(s, be32(pkt + 1));
        FUZZ_CHECK(handles_used(&s->handles) <= SFTP_MAX_HANDLES, "handles");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char init[] = { FXP_INIT, 0, 0, 0, 3 };
    struct sftp_server s;
    unsigned char *buf = malloc(size ? size : 1);

    FUZZ_CHECK(buf != NULL, "out of memory");
    /* Past RLIMIT_FSIZE a write fails with EFBIG; libFuzzer's own SIGXFSZ
     * handler (installed after LLVMFuzzerInitialize) would stop the run. */
    signal(SIGXFSZ, SIG_IGN);
    for (size_t i = 0; i < size; i++) {
        buf[i] = data[i] == '/' ? '_' : data[i];
    }
    reset_dir();
    sftp_server_init(&s, &opt);
    sftp_dispatch(&s, init, sizeof(init));
    FUZZ_CHECK(s.fatal == NULL && s.out.len > 0, "INIT not answered");
    wire_consume(&s.out, s.out.len);
    feed(&s, buf, size);
    sftp_server_free(&s);
    free(buf);
    FUZZ_CHECK(fchdir(top) == 0, "back to the top directory");
    return 0;
}
