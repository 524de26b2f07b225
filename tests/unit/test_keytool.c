/* test_keytool.c - Criterion tests for "fallbackd keygen" and "fallbackd
 * fingerprint" (keys/keygen.c, keys/fingerprint.c and the modules under
 * them: genkey, keyfile, pubkey, sshbuf), suite "keytool".
 *
 * OpenSSH's ssh-keygen is the reference: generated files must be readable
 * by ssh-keygen -y and by libssh, and fingerprint output must equal
 * ssh-keygen -lf's byte for byte.  Each test works in its own mkdtemp
 * directory.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gcrypt.h>
#include <libssh/libssh.h>
#include <sodium.h>

#include "fingerprint.h"
#include "keyfile.h"
#include "keytool.h"
#include "pubkey.h"
#include "sshbuf.h"

/* libssh 0.10 has no public signing call; these internals (pki_priv.h,
 * priv.h) link from the static libssh.a. */
enum kt_digest {
    KT_DIGEST_AUTO = 0,
    KT_DIGEST_SHA1,
    KT_DIGEST_SHA256,
    KT_DIGEST_SHA384,
    KT_DIGEST_SHA512,
};
struct ssh_signature_struct;
struct ssh_signature_struct *pki_do_sign(const ssh_key privkey,
                                         const unsigned char *input,
                                         size_t input_len,
                                         enum kt_digest hash_type);
int pki_verify_data_signature(struct ssh_signature_struct *sig,
                              const ssh_key pubkey,
                              const unsigned char *input, size_t input_len);
void ssh_signature_free(struct ssh_signature_struct *sig);

static char tmpdir[64];

/* A fresh directory and initialised crypto libraries for each test. */
static void setup(void)
{
    strcpy(tmpdir, "/tmp/fbd-keytool-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
    cr_assert_geq(sodium_init(), 0);
    cr_assert_eq(ssh_init(), SSH_OK);
    cr_assert_not_null(gcry_check_version(NULL));
}

/* Remove the test's directory. */
static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(keytool, .init = setup, .fini = teardown);

/* tmpdir/name, malloc'd. */
static char *path_in(const char *name)
{
    char *p = NULL;

    cr_assert_geq(asprintf(&p, "%s/%s", tmpdir, name), 0);
    return p;
}

/* The contents of a file, malloc'd and NUL-terminated (NULL if absent). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;
    FILE *m;

    if (f == NULL) {
        return NULL;
    }
    m = open_memstream(&buf, &len);
    cr_assert_not_null(m);
    for (int c = getc(f); c != EOF; c = getc(f)) {
        putc(c, m);
    }
    fclose(m);
    fclose(f);
    return buf;
}

/* Write text to tmpdir/name with mode; returns the path (malloc'd). */
static char *put_file(const char *name, const char *text, mode_t mode)
{
    char *path = path_in(name);
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(chmod(path, mode), 0);
    return path;
}

/* Run a shell command; its standard output, malloc'd; exit code in *rc. */
static char *run(int *rc, const char *fmt, ...)
{
    char *cmd = NULL, *buf = NULL;
    size_t len = 0;
    va_list ap;
    FILE *p, *m;
    int st;

    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&cmd, fmt, ap), 0);
    va_end(ap);
    p = popen(cmd, "r");
    cr_assert_not_null(p, "popen %s", cmd);
    m = open_memstream(&buf, &len);
    for (int c = getc(p); c != EOF; c = getc(p)) {
        putc(c, m);
    }
    fclose(m);
    st = pclose(p);
    *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    free(cmd);
    return buf;
}

struct fpres {
    char *out;
    char *err;
    int rc;
};

/* fingerprint_file(path) with its output and errors caught. */
static struct fpres fp_run(const char *path)
{
    struct fpres r = { NULL, NULL, 0 };
    size_t olen = 0, elen = 0;
    FILE *out = open_memstream(&r.out, &olen);
    FILE *err = open_memstream(&r.err, &elen);

    cr_assert(out != NULL && err != NULL);
    r.rc = fingerprint_file(path, out, err);
    fclose(out);
    fclose(err);
    return r;
}

/* fingerprint_file(path) must print what ssh-keygen -lf prints, with the
 * same exit code.  Returns the output (malloc'd). */
static char *same_as_ssh_keygen(const char *path)
{
    int rc = 0;
    char *want = run(&rc, "LC_ALL=C.UTF-8 ssh-keygen -lf '%s' 2>/dev/null",
                     path);
    struct fpres got = fp_run(path);

    cr_assert_str_eq(got.out, want, "%s: got [%s] ssh-keygen [%s]", path,
                     got.out, want);
    cr_assert_eq(got.rc, rc, "%s: exit %d, ssh-keygen %d", path, got.rc, rc);
    free(got.err);
    free(want);
    return got.out;
}

struct kgres {
    int rc;
    char *out;
    char *err;
};

/* keygen_main with these arguments (NULL-terminated), stdout and stderr
 * caught in files. */
static struct kgres keygen(const char *arg, ...)
{
    char *argv[16] = { "keygen" }, *ofile = path_in(".out");
    char *efile = path_in(".err");
    int argc = 1, so, se, fo, fe;
    struct kgres r;
    va_list ap;

    va_start(ap, arg);
    for (; arg != NULL && argc < 15; arg = va_arg(ap, const char *)) {
        argv[argc++] = (char *)arg;
    }
    va_end(ap);
    fflush(stdout);
    fflush(stderr);
    so = dup(1);
    se = dup(2);
    fo = open(ofile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    fe = open(efile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    r.rc = keygen_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    close(fo);
    close(fe);
    r.out = slurp(ofile);
    r.err = slurp(efile);
    unlink(ofile);
    unlink(efile);
    free(ofile);
    free(efile);
    return r;
}

/* path + ".pub", malloc'd. */
static char *pub_of(const char *path)
{
    char *p = NULL;

    cr_assert_geq(asprintf(&p, "%s.pub", path), 0);
    return p;
}

/* The first two fields ("type base64") of a key line, malloc'd. */
static char *type_b64(const char *line)
{
    const char *sp = strchr(line, ' ');
    size_t n = sp != NULL ? strcspn(sp + 1, " \n") + (size_t)(sp - line) + 1
                          : strlen(line);

    return strndup(line, n);
}

/* File mode bits, or -1. */
static int mode_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode)
               ? (int)(st.st_mode & 07777) : -1;
}

/* The digest libssh must sign with for a key of this type name. */
static enum kt_digest digest_for(const char *name)
{
    if (strcmp(name, "ssh-rsa") == 0 ||
        strcmp(name, "ecdsa-sha2-nistp256") == 0) {
        return KT_DIGEST_SHA256;
    }
    if (strcmp(name, "ecdsa-sha2-nistp384") == 0) {
        return KT_DIGEST_SHA384;
    }
    if (strcmp(name, "ecdsa-sha2-nistp521") == 0) {
        return KT_DIGEST_SHA512;
    }
    return KT_DIGEST_AUTO;
}

/* libssh imports the private key file, finds the public key of publine,
 * and a signature made with it verifies (and fails on other data). */
static void libssh_check(const char *path, const char *publine,
                         const char *name)
{
    static const unsigned char data[] = "fallbackd keytool test data";
    ssh_key key = NULL, pub = NULL;
    struct ssh_signature_struct *sig;
    char *b64 = NULL, *want = type_b64(publine);

    cr_assert_eq(ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key),
                 SSH_OK, "libssh cannot import %s", path);
    cr_assert_eq(ssh_pki_export_privkey_to_pubkey(key, &pub), SSH_OK);
    cr_assert_eq(ssh_pki_export_pubkey_base64(pub, &b64), SSH_OK);
    cr_assert_str_eq(strchr(want, ' ') + 1, b64);
    cr_assert_str_eq(ssh_key_type_to_char(ssh_key_type(key)),
                     strcmp(name, "ssh-ed25519") == 0 ? "ssh-ed25519"
                     : strncmp(name, "ecdsa", 5) == 0 ? name : "ssh-rsa");
    sig = pki_do_sign(key, data, sizeof(data), digest_for(name));
    cr_assert_not_null(sig, "libssh cannot sign with %s", path);
    cr_assert_eq(pki_verify_data_signature(sig, pub, data, sizeof(data)),
                 SSH_OK, "signature made with %s does not verify", path);
    cr_assert_neq(pki_verify_data_signature(sig, pub, data, 5), SSH_OK);
    ssh_signature_free(sig);
    ssh_string_free_char(b64);
    ssh_key_free(pub);
    ssh_key_free(key);
    free(want);
}

/* FILE.pub's line is "name base64 comment\n".  Returns "name base64". */
static char *check_publine(const char *publine, const char *name,
                           const char *comment)
{
    char *tb = type_b64(publine);

    cr_assert_eq(strncmp(tb, name, strlen(name)), 0, "%s", publine);
    cr_assert_eq(tb[strlen(name)], ' ', "%s", publine);
    cr_assert_eq(publine[strlen(tb)], ' ', "%s", publine);
    cr_assert_eq(strncmp(publine + strlen(tb) + 1, comment,
                         strlen(comment)), 0, "%s", publine);
    cr_assert_str_eq(publine + strlen(tb) + 1 + strlen(comment), "\n");
    return tb;
}

/* Fingerprints equal ssh-keygen's with FILE.pub, of FILE.pub, and without
 * it; the last one is what keygen printed. */
static void check_fingerprints(const char *path, const char *pubpath,
                               const char *printed)
{
    char *moved = NULL, *fp;

    free(same_as_ssh_keygen(path));
    free(same_as_ssh_keygen(pubpath));
    cr_assert_geq(asprintf(&moved, "%s.moved", pubpath), 0);
    cr_assert_eq(rename(pubpath, moved), 0);
    fp = same_as_ssh_keygen(path);
    cr_assert_str_eq(printed, fp, "keygen printed [%s]", printed);
    cr_assert_eq(rename(moved, pubpath), 0);
    free(fp);
    free(moved);
}

/* Everything a freshly generated key file must satisfy. */
static void check_generated(const char *path, const struct kgres *r,
                            const char *name, const char *comment)
{
    char *pubpath = pub_of(path), *publine, *derived, *tb;
    struct keyfile_info kf;
    int rc = 0;

    cr_assert_eq(r->rc, 0, "keygen failed: %s", r->err);
    cr_assert_str_eq(r->err, "");
    cr_assert_eq(mode_of(path), 0600);
    cr_assert_eq(mode_of(pubpath), 0644);
    publine = slurp(pubpath);
    cr_assert_not_null(publine);
    tb = check_publine(publine, name, comment);

    /* ssh-keygen reads the private key and derives the same public key */
    derived = run(&rc, "ssh-keygen -y -f '%s' 2>&1", path);
    cr_assert_eq(rc, 0, "ssh-keygen -y: %s", derived);
    cr_assert_str_eq(type_b64(derived), tb);

    /* the key and comment read back from the container */
    cr_assert_eq(keyfile_read(path, &kf), 0);
    cr_assert_str_eq(kf.comment, comment);
    keyfile_info_free(&kf);

    libssh_check(path, publine, name);
    check_fingerprints(path, pubpath, r->out);
    free(derived);
    free(tb);
    free(publine);
    free(pubpath);
}

Test(keytool, ed25519)
{
    char *path = path_in("host_ed25519_key");
    struct kgres r = keygen("-t", "ed25519", "-C", "ed comment", "-f", path,
                            NULL);

    check_generated(path, &r, "ssh-ed25519", "ed comment");
}

Test(keytool, ecdsa_all_curves)
{
    static const char *bits[] = { "256", "384", "521" };

    for (int i = 0; i < 3; i++) {
        char name[64], *path;
        struct kgres r;

        snprintf(name, sizeof(name), "host_ecdsa_%s", bits[i]);
        path = path_in(name);
        r = keygen("-t", "ecdsa", "-b", bits[i], "-C", name, "-f", path,
                   NULL);
        snprintf(name, sizeof(name), "ecdsa-sha2-nistp%s", bits[i]);
        check_generated(path, &r, name, strrchr(path, '/') + 1);
        free(path);
    }
}

Test(keytool, ecdsa_default_is_p256)
{
    char *path = path_in("k");
    struct kgres r = keygen("-t", "ecdsa", "-C", "c", "-f", path, NULL);

    check_generated(path, &r, "ecdsa-sha2-nistp256", "c");
    cr_assert_eq(strncmp(r.out, "256 SHA256:", 11), 0, "%s", r.out);
}

Test(keytool, rsa_default_3072)
{
    char *path = path_in("host_rsa_key");
    struct kgres r = keygen("-t", "rsa", "-C", "rsa key", "-f", path, NULL);

    check_generated(path, &r, "ssh-rsa", "rsa key");
    cr_assert_eq(strncmp(r.out, "3072 SHA256:", 12), 0, "%s", r.out);
}

Test(keytool, rsa_2048_empty_comment)
{
    char *path = path_in("r");
    struct kgres r = keygen("-t", "rsa", "-b", "2048", "-C", "", "-f", path,
                            NULL);

    check_generated(path, &r, "ssh-rsa", "");
    cr_assert_eq(strncmp(r.out, "2048 SHA256:", 12), 0, "%s", r.out);
}

Test(keytool, default_comment_is_fallbackd_at_host)
{
    char *path = path_in("k"), host[256] = "", want[300];
    struct kgres r = keygen("-t", "ed25519", "-f", path, NULL);

    cr_assert_eq(gethostname(host, sizeof(host)), 0);
    snprintf(want, sizeof(want), "fallbackd@%s", host);
    check_generated(path, &r, "ssh-ed25519", want);
}

Test(keytool, never_overwrites_without_F)
{
    char *path = path_in("k"), *before, *pub_before, *want = NULL;
    struct kgres r = keygen("-t", "ed25519", "-f", path, NULL);

    cr_assert_eq(r.rc, 0, "%s", r.err);
    before = slurp(path);
    pub_before = slurp(pub_of(path));
    r = keygen("-t", "ecdsa", "-f", path, NULL);
    cr_assert_eq(r.rc, 1);
    cr_assert_geq(asprintf(&want, "keygen: %s exists (use -F to overwrite)\n",
                           path), 0);
    cr_assert_str_eq(r.err, want);
    cr_assert_str_eq(slurp(path), before);
    cr_assert_str_eq(slurp(pub_of(path)), pub_before);
    cr_assert_eq(mode_of(path), 0600);
}

Test(keytool, existing_symlink_is_not_followed)
{
    char *path = path_in("k"), *target = put_file("target", "keep\n", 0644);
    struct kgres r;

    cr_assert_eq(symlink(target, path), 0);
    r = keygen("-t", "ed25519", "-f", path, NULL);
    cr_assert_eq(r.rc, 1);
    cr_assert_str_eq(slurp(target), "keep\n");
}

Test(keytool, F_replaces_key_and_pub)
{
    char *path = path_in("k"), *pubpath = path_in("k.pub");
    char *before, *pub_before;
    struct kgres r = keygen("-t", "ed25519", "-C", "one", "-f", path, NULL);

    cr_assert_eq(r.rc, 0, "%s", r.err);
    before = slurp(path);
    pub_before = slurp(pubpath);
    r = keygen("-t", "ecdsa", "-F", "-C", "two", "-f", path, NULL);
    check_generated(path, &r, "ecdsa-sha2-nistp256", "two");
    cr_assert_str_neq(slurp(path), before);
    cr_assert_str_neq(slurp(pubpath), pub_before);
}

Test(keytool, stale_pub_is_replaced_and_no_temp_files_left)
{
    char *path = path_in("k");
    char *pubpath = put_file("k.pub", "ssh-ed25519 stale stale\n", 0600);
    struct kgres r = keygen("-t", "ed25519", "-C", "new", "-f", path, NULL);
    int rc = 0;
    char *ls;

    check_generated(path, &r, "ssh-ed25519", "new");
    cr_assert_neq(strstr(slurp(pubpath), " new\n"), NULL);
    ls = run(&rc, "ls -A '%s'", tmpdir);
    cr_assert_str_eq(ls, "k\nk.pub\n");
}

Test(keytool, bad_arguments)
{
    static const char *cases[][8] = {
        { "-t", "dsa", "-f", "K", NULL },
        { "-t", "ecdsa", "-b", "300", "-f", "K", NULL },
        { "-t", "rsa", "-b", "1024", "-f", "K", NULL },
        { "-t", "rsa", "-b", "2049", "-f", "K", NULL },
        { "-t", "rsa", "-b", "20000", "-f", "K", NULL },
        { "-t", "rsa", "-b", "12x", "-f", "K", NULL },
        { "-t", "ed25519", NULL },
        { "-f", "K", NULL },
        { "-t", "ed25519", "-f", "K", "extra", NULL },
        { "-t", "ed25519", "-q", "-f", "K", NULL },
        { "-t", "ed25519", "-C", "two\nlines", "-f", "K", NULL },
    };
    char *path = path_in("K");
    int rc = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *a[8] = { NULL };
        struct kgres r;

        for (int j = 0; cases[i][j] != NULL; j++) {
            a[j] = strcmp(cases[i][j], "K") == 0 ? path : cases[i][j];
        }
        r = keygen(a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL);
        cr_assert_eq(r.rc, 1, "case %zu accepted", i);
        cr_assert_neq(r.err[0], '\0', "case %zu: no message", i);
    }
    cr_assert_str_eq(run(&rc, "ls -A '%s'", tmpdir), "");
}

/* ssh-keygen makes a key; fingerprint it with FILE.pub, without, and the
 * .pub itself. */
static void ssh_keygen_key(const char *name, const char *opts)
{
    char *path = path_in(name), *out, *pubpath = pub_of(path);
    int rc = 0;

    out = run(&rc, "ssh-keygen -q -N '' %s -f '%s' 2>&1", opts, path);
    cr_assert_eq(rc, 0, "ssh-keygen: %s", out);
    free(same_as_ssh_keygen(path));
    free(same_as_ssh_keygen(pubpath));
    cr_assert_eq(unlink(pubpath), 0);
    free(same_as_ssh_keygen(path));
    free(pubpath);
    free(path);
    free(out);
}

Test(keytool, ssh_keygen_made_keys)
{
    ssh_keygen_key("ed", "-t ed25519 -C 'my ed comment'");
    ssh_keygen_key("ec384", "-t ecdsa -b 384 -C ec384");
    ssh_keygen_key("ec_nocomment", "-t ecdsa -C ''");
    ssh_keygen_key("ec521", "-t ecdsa -b 521 -C 'x'");
    ssh_keygen_key("rsa", "-t rsa -C 'an rsa key'");
    ssh_keygen_key("rsa_nocomment", "-t rsa -b 2048 -C ''");
}

Test(keytool, private_key_output_details)
{
    char *path = path_in("ed"), *out, *fp;
    int rc = 0;
    struct fpres r;

    out = run(&rc, "ssh-keygen -q -N '' -t ed25519 -C '' -f '%s' 2>&1",
              path);
    cr_assert_eq(rc, 0, "%s", out);
    /* .pub with an empty comment: ssh-keygen shows the .pub's name */
    fp = same_as_ssh_keygen(path);
    cr_assert_neq(strstr(fp, "ed.pub (ED25519)\n"), NULL, "%s", fp);
    /* no .pub, empty comment inside: printed empty, not "no comment" */
    cr_assert_eq(unlink(pub_of(path)), 0);
    fp = same_as_ssh_keygen(path);
    cr_assert_neq(strstr(fp, "  (ED25519)\n"), NULL, "%s", fp);
    /* readable by others: ssh-keygen ignores the private part */
    cr_assert_eq(chmod(path, 0644), 0);
    fp = same_as_ssh_keygen(path);
    cr_assert_neq(strstr(fp, " no comment (ED25519)\n"), NULL, "%s", fp);
    r = fp_run(path);
    cr_assert_neq(strstr(r.err, "are too open"), NULL, "%s", r.err);
}

Test(keytool, encrypted_private_key)
{
    char *path = path_in("enc"), *out, *fp;
    int rc = 0;

    out = run(&rc, "ssh-keygen -q -N secret -t ed25519 -C hidden -f '%s' "
              "2>&1 && rm '%s.pub'", path, path);
    cr_assert_eq(rc, 0, "%s", out);
    fp = same_as_ssh_keygen(path);
    cr_assert_neq(strstr(fp, " no comment (ED25519)\n"), NULL, "%s", fp);
}

/* "type base64" of a new ssh-keygen key called name (malloc'd). */
static char *new_pub(const char *name, const char *opts)
{
    char *path = path_in(name), *line;
    int rc = 0;

    free(run(&rc, "ssh-keygen -q -N '' %s -f '%s'", opts, path));
    cr_assert_eq(rc, 0);
    line = slurp(pub_of(path));
    cr_assert_not_null(line);
    free(path);
    return type_b64(line);
}

Test(keytool, authorized_keys_and_known_hosts_lines)
{
    char *e = new_pub("e", "-t ed25519"), *r = new_pub("r", "-t rsa -b 2048");
    char *c = new_pub("c", "-t ecdsa -b 384"), *text = NULL, *path, *out;

    cr_assert_geq(asprintf(&text,
        "%s first key, no options\n"
        "# a comment line\n"
        "\n"
        "   %s   indented  two  blanks  \n"
        "from=\"10.0.0.1,192.168.0.0/16\",no-pty %s with options\n"
        "no-pty %s\n"
        "command=\"echo \\\"x y\\\"\",restrict %s quoted\n"
        "host1,host2 %s knownhost\n"
        "@cert-authority *.example.com %s ca line\n"
        "%s\ttab\tcomment\n"
        "no-pty  %s two blanks after the options\n"
        "1024 35 12345 ssh1 key\n"
        "ssh-ed25519 not-base64 bad\n"
        "%s caf\303\251 \001 \351\n"
        "0 %s zero prefix\n",
        e, r, c, e, e, r, e, c, e, r, e), 0);
    path = put_file("authorized_keys", text, 0644);
    out = same_as_ssh_keygen(path);
    cr_assert_neq(strstr(out, " with options (ECDSA)\n"), NULL, "%s", out);
    cr_assert_neq(strstr(out, " no-pty (ED25519)\n"), NULL, "%s", out);
    cr_assert_neq(strstr(out, " caf\303\251 \\001 \\351 (RSA)\n"), NULL,
                  "%s", out);
}

/* Base64 of a buffer's contents, malloc'd. */
static char *b64_of(const struct sshbuf *b)
{
    size_t n = sodium_base64_ENCODED_LEN(b->len,
                                         sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(n);

    cr_assert_not_null(out);
    sodium_bin2base64(out, n, b->data, b->len,
                      sodium_base64_VARIANT_ORIGINAL);
    return out;
}

/* Hand-made blob number i: see blobs_as_openssh_checks_them. */
static void make_blob(int i, struct sshbuf *b, const unsigned char *pk)
{
    unsigned char n[256] = { 0x80 };

    n[255] = 0x03;
    if (i <= 1 || i >= 7) {
        sshbuf_put_cstring(b, "sk-ssh-ed25519@openssh.com");
        sshbuf_put_string(b, pk, 32);
        if (i == 0) {
            sshbuf_put_cstring(b, "ssh:");
        } else if (i >= 7) {
            sshbuf_put_string(b, i == 7 ? "ssh:\0" : "ssh\0x", 5);
        }
    } else if (i == 2) {
        sshbuf_put_cstring(b, "ssh-ed25519");
        sshbuf_put_string(b, pk, 32);
        sshbuf_put_u8(b, 0);
    } else {
        sshbuf_put_cstring(b, "ssh-rsa");
        sshbuf_put_string(b, "\0\0\1\0\1", i == 3 ? 5 : 3);
        sshbuf_put_mpint(b, n, i == 4 ? 96 : i == 5 ? 128 : 256);
    }
}

/* 0: sk-ed25519; 1: the same without its application (bad); 2: ed25519
 * with a trailing byte (bad); 3: RSA whose e has needless leading zeros
 * (OpenSSH hashes the re-encoded blob); 4: RSA 768 bits (too small);
 * 5: RSA 1024 bits; 6: RSA with e = 1; 7: sk-ed25519 whose application
 * ends in a NUL (a C string: OpenSSH drops the NUL, so as blob 0); 8: the
 * same with a NUL inside the application (bad). */
Test(keytool, blobs_as_openssh_checks_them)
{
    static const char *names[] = {
        "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519@openssh.com",
        "ssh-ed25519", "ssh-rsa", "ssh-rsa", "ssh-rsa", "ssh-rsa",
        "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519@openssh.com",
    };
    unsigned char pk[32], sk[64];
    char *text = strdup(""), *line = NULL, *b64, *out, *b7;

    crypto_sign_keypair(pk, sk);
    for (int i = 0; i < 9; i++) {
        struct sshbuf b = SSHBUF_INIT;

        make_blob(i, &b, pk);
        b64 = b64_of(&b);
        cr_assert_geq(asprintf(&line, "%s%s %s blob%d\n", text, names[i],
                               b64, i), 0);
        free(text);
        text = line;
        free(b64);
        sshbuf_free(&b);
    }
    out = same_as_ssh_keygen(put_file("blobs", text, 0644));
    cr_assert_neq(strstr(out, " blob0 (ED25519-SK)\n"), NULL, "%s", out);
    cr_assert_neq(strstr(out, "1024 SHA256:"), NULL, "%s", out);
    cr_assert_eq(strstr(out, "blob4"), NULL, "%s", out);
    b7 = strstr(out, " blob7 (ED25519-SK)\n");
    cr_assert_neq(b7, NULL, "%s", out);
    cr_assert_eq(memcmp(b7 - 43, strstr(out, " blob0 ") - 43, 43), 0, "%s", out);
    cr_assert_eq(strstr(out, "blob8"), NULL, "%s", out);
}

Test(keytool, ecdsa_point_off_curve_rejected)
{
    char *c = new_pub("c", "-t ecdsa"), *b64 = strchr(c, ' ') + 1;
    unsigned char bin[256];
    size_t len = 0;
    struct pubkey k;

    cr_assert_eq(sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL,
                                   &len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL), 0);
    cr_assert_eq(pubkey_from_blob(bin, len, &k), 0);
    cr_assert_eq(k.bits, 256);
    cr_assert_str_eq(k.label, "ECDSA");
    pubkey_free(&k);
    bin[len - 1] ^= 1;
    cr_assert_eq(pubkey_from_blob(bin, len, &k), -1);
    bin[len - 1] ^= 1;
    bin[len - 65] = 0x02;
    cr_assert_eq(pubkey_from_blob(bin, len, &k), -1);
}

Test(keytool, not_key_files)
{
    static const char *texts[] = {
        "garbage\n",
        "",
        "# only a comment\n\n",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----\n",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64 at all!\n"
        "-----END OPENSSH PRIVATE KEY-----\n",
    };
    char name[16], *path, *want = NULL;
    struct fpres r;

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        snprintf(name, sizeof(name), "bad%zu", i);
        path = put_file(name, texts[i], 0600);
        free(same_as_ssh_keygen(path));
        r = fp_run(path);
        cr_assert_eq(r.rc, 255);
        cr_assert_geq(asprintf(&want, "%s is not a %skey file.\n", path,
                               i < 3 ? "public " : ""), 0);
        cr_assert_str_eq(r.err, want);
        cr_assert_str_eq(r.out, "");
    }
    r = fp_run("/nonexistent/key");
    cr_assert_eq(r.rc, 255);
    cr_assert_str_eq(r.err, "fingerprint: /nonexistent/key: "
                     "No such file or directory\n");
}

Test(keytool, fingerprint_main_arguments)
{
    char *argv1[] = { "fingerprint", NULL };
    char *argv3[] = { "fingerprint", "a", "b", NULL };

    cr_assert_eq(fingerprint_main(1, argv1), 1);
    cr_assert_eq(fingerprint_main(3, argv3), 1);
}

Test(keytool, sshbuf_mpint_rfc4251_examples)
{
    static const unsigned char v1[] = {
        0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7 };
    static const unsigned char w1[] = {
        0, 0, 0, 8, 0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7 };
    static const unsigned char v2[] = { 0x00, 0x80 };
    static const unsigned char w2[] = { 0, 0, 0, 2, 0x00, 0x80 };
    static const unsigned char w0[] = { 0, 0, 0, 0 };
    struct sshbuf b = SSHBUF_INIT;
    const unsigned char *p;
    struct sshrd r;
    size_t n;

    sshbuf_put_mpint(&b, v1, sizeof(v1));
    cr_assert(b.len == sizeof(w1) && memcmp(b.data, w1, b.len) == 0);
    sshbuf_free(&b);
    sshbuf_put_mpint(&b, v2 + 1, 1);
    cr_assert(b.len == sizeof(w2) && memcmp(b.data, w2, b.len) == 0);
    sshbuf_free(&b);
    sshbuf_put_mpint(&b, v2, 1);
    cr_assert(b.len == sizeof(w0) && memcmp(b.data, w0, b.len) == 0);
    sshrd_init(&r, w2, sizeof(w2));
    p = sshrd_mpint(&r, &n);
    cr_assert(sshrd_ok(&r) && n == 1 && p[0] == 0x80);
    sshrd_init(&r, w2 + 1, sizeof(w2) - 1);
    (void)sshrd_mpint(&r, &n);
    cr_assert(!sshrd_ok(&r));
    sshbuf_free(&b);
}

Test(keytool, keyfile_tampering)
{
    unsigned char pk[32], sk[64];
    struct sshbuf pub = SSHBUF_INIT, priv = SSHBUF_INIT, text = SSHBUF_INIT;
    struct keyfile_info kf;
    char *copy;

    crypto_sign_keypair(pk, sk);
    sshbuf_put_cstring(&pub, "ssh-ed25519");
    sshbuf_put_string(&pub, pk, 32);
    sshbuf_put_string(&priv, pk, 32);
    sshbuf_put_string(&priv, sk, 64);
    cr_assert_eq(keyfile_encode("ssh-ed25519", pub.data, pub.len, priv.data,
                                priv.len, "c m", &text), 0);
    cr_assert_eq(keyfile_parse((char *)text.data, text.len, &kf), 0);
    cr_assert(kf.bloblen == pub.len &&
              memcmp(kf.blob, pub.data, pub.len) == 0);
    cr_assert_str_eq(kf.comment, "c m");
    keyfile_info_free(&kf);
    /* a different public key in the header: the private part is refused */
    sk[63] ^= 1;
    sshbuf_free(&priv);
    sshbuf_put_string(&priv, sk + 32, 32);
    sshbuf_put_string(&priv, sk, 64);
    sshbuf_free(&text);
    cr_assert_eq(keyfile_encode("ssh-ed25519", pub.data, pub.len, priv.data,
                                priv.len, "c m", &text), 0);
    cr_assert_eq(keyfile_parse((char *)text.data, text.len, &kf), 0);
    cr_assert_null(kf.comment);
    keyfile_info_free(&kf);
    /* no END line */
    copy = strndup((char *)text.data, text.len - 10);
    cr_assert_eq(keyfile_parse(copy, strlen(copy), &kf), -1);
    sshbuf_free(&pub);
    sshbuf_free(&priv);
    sshbuf_free(&text);
}
