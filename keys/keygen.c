/* keygen.c - "fallbackd keygen": make a host key and write it as FILE
 * (OpenSSH private key format, mode 0600) and FILE.pub (0644).
 *
 *     fallbackd keygen -t ed25519|ecdsa|rsa [-b BITS] [-C COMMENT] [-F] -f FILE
 *
 * -b: ECDSA 256 (default), 384 or 521; RSA 2048..16384, even, default
 * 3072; ignored for ed25519.  -C: default "fallbackd@HOSTNAME".  -F: replace
 * an existing FILE; without it an existing FILE is an error and is never
 * touched.  FILE.pub ("type base64 comment\n") is always replaced, so that
 * it matches FILE.
 *
 * Both files are written to a new temporary file beside their final name
 * (created with O_EXCL), synced, and renamed into place: FILE only if it is
 * absent unless -F, and only after libssh has read the temporary file back
 * and found the same public key.  On success the key's fingerprint line
 * (as "fallbackd fingerprint FILE" prints it) goes to stdout.
 */
#include "keytool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>
#include <libssh/libssh.h>
#include <sodium.h>

#include "fingerprint.h"
#include "genkey.h"
#include "keyfile.h"
#include "pubkey.h"

#define SECMEM_CHUNK 65536u

#define USAGE "usage: fallbackd keygen -t ed25519|ecdsa|rsa [-b BITS] " \
              "[-C COMMENT] [-F] -f FILE\n"

struct kg_opts {
    enum genkey_type type;
    const char *type_name;
    unsigned bits;          /* 0: the type's default */
    const char *comment;    /* NULL: the default comment */
    const char *path;
    int force;
};

/* -t NAME -> o->type.  0 or -1. */
static int parse_type(const char *name, struct kg_opts *o)
{
    static const struct {
        const char *name;
        enum genkey_type type;
        unsigned bits;
    } types[] = {
        { "ed25519", GENKEY_ED25519, 256 },
        { "ecdsa", GENKEY_ECDSA, 256 },
        { "rsa", GENKEY_RSA, 3072 },
    };
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(name, types[i].name) == 0) {
            o->type = types[i].type;
            o->type_name = types[i].name;
            o->bits = o->bits ? o->bits : types[i].bits;
            return 0;
        }
    }
    fprintf(stderr, "keygen: unknown key type %s\n", name);
    return -1;
}

/* -b BITS: a decimal number.  0 or -1. */
static int parse_bits(const char *s, unsigned *bits)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);

    if (s[0] < '0' || s[0] > '9' || *end != '\0' || v == 0 || v > 65536) {
        fprintf(stderr, "keygen: bad key size %s\n", s);
        return -1;
    }
    *bits = (unsigned)v;
    return 0;
}

/* Read the options into o.  0 or -1 (message printed). */
static int parse_args(int argc, char **argv, struct kg_opts *o)
{
    const char *type = NULL;
    int c, rc = 0;

    memset(o, 0, sizeof(*o));
    optind = 0;
    while (rc == 0 && (c = getopt(argc, argv, "+t:b:C:Ff:")) != -1) {
        if (c == 't') {
            type = optarg;
        } else if (c == 'b') {
            rc = parse_bits(optarg, &o->bits);
        } else if (c == 'C') {
            o->comment = optarg;
        } else if (c == 'F') {
            o->force = 1;
        } else if (c == 'f') {
            o->path = optarg;
        } else {
            fputs(USAGE, stderr);
            rc = -1;
        }
    }
    if (rc == 0 && (type == NULL || o->path == NULL || optind != argc)) {
        fputs(USAGE, stderr);
        rc = -1;
    }
    return rc == 0 ? parse_type(type, o) : -1;
}

/* Are the options consistent?  0 or -1 (message printed). */
static int check_opts(const struct kg_opts *o)
{
    const char *why = NULL;

    if (!genkey_bits_ok(o->type, o->bits)) {
        why = o->type == GENKEY_ECDSA
                  ? "ECDSA keys have 256, 384 or 521 bits"
                  : "RSA keys have an even number of bits, 2048 to 16384";
    } else if (o->comment != NULL && strpbrk(o->comment, "\r\n") != NULL) {
        why = "the comment must be a single line";
    } else if (o->path[0] == '\0') {
        why = "empty file name";
    }
    if (why != NULL) {
        fprintf(stderr, "keygen: %s\n", why);
    }
    return why != NULL ? -1 : 0;
}

/* "fallbackd@HOSTNAME" (gethostname, no resolver), or "fallbackd". */
static void default_comment(char *buf, size_t len)
{
    char host[256];

    if (gethostname(host, sizeof(host)) != 0) {
        host[0] = '\0';
    }
    host[sizeof(host) - 1] = '\0';
    snprintf(buf, len, "fallbackd%s%s", host[0] != '\0' ? "@" : "", host);
}

/* Write all of data to fd.  0 or -1 (errno). */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno != EINTR) {
            return -1;
        }
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        }
    }
    return 0;
}

/* Write data with mode to a new file "path.XXXXXX" (O_CREAT|O_EXCL) and
 * sync it.  Returns the file's malloc'd name, or NULL (message printed,
 * nothing left behind). */
static char *write_temp(const char *path, const void *data, size_t len,
                        mode_t mode)
{
    char *tmp = NULL;
    int fd = -1, ok = 0;

    if (asprintf(&tmp, "%s.XXXXXX", path) >= 0) {
        fd = mkostemp(tmp, O_CLOEXEC);
    } else {
        tmp = NULL;
    }
    if (fd >= 0) {
        ok = fchmod(fd, mode) == 0 && write_all(fd, data, len) == 0 &&
             fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
    }
    if (!ok) {
        fprintf(stderr, "keygen: cannot write %s: %s\n",
                fd >= 0 ? tmp : path, strerror(errno));
        if (fd >= 0) {
            unlink(tmp);
        }
        free(tmp);
        tmp = NULL;
    }
    return tmp;
}

/* Does libssh read file path as a private key whose public key is b64? */
static int libssh_reads(const char *path, const char *b64)
{
    ssh_key key = NULL;
    char *got = NULL;
    int same = 0;

    if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) == SSH_OK &&
        ssh_pki_export_pubkey_base64(key, &got) == SSH_OK) {
        same = strcmp(got, b64) == 0;
    }
    ssh_string_free_char(got);
    ssh_key_free(key);
    return same;
}

/* Rename tmp to path; unless force, only if path does not exist (where
 * renameat2 cannot promise that, by link and unlink).  0 or -1 (errno). */
static int move_into_place(const char *tmp, const char *path, int force)
{
    int rc;

    if (force) {
        rc = rename(tmp, path);
    } else {
        rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            rc = link(tmp, path);
            if (rc == 0) {
                unlink(tmp);
            }
        }
    }
    return rc;
}

/* Write the private key file: temporary file, check with libssh, move.
 * 0 or -1 (message printed, nothing left behind). */
static int install_private(const struct kg_opts *o, const struct sshbuf *text,
                           const char *b64)
{
    char *tmp = write_temp(o->path, text->data, text->len, 0600);
    int rc = -1;

    if (tmp != NULL && !libssh_reads(tmp, b64)) {
        fprintf(stderr, "keygen: libssh cannot read the new key %s\n", tmp);
    } else if (tmp != NULL && move_into_place(tmp, o->path, o->force) != 0) {
        if (errno == EEXIST) {
            fprintf(stderr, "keygen: %s exists (use -F to overwrite)\n",
                    o->path);
        } else {
            fprintf(stderr, "keygen: %s: %s\n", o->path, strerror(errno));
        }
    } else if (tmp != NULL) {
        rc = 0;
    }
    if (tmp != NULL && rc != 0) {
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

/* Write FILE.pub: "type base64 comment\n".  0 or -1 (message printed). */
static int install_public(const char *path, const char *line)
{
    char *pubpath = NULL, *tmp = NULL;
    int rc = -1;

    if (asprintf(&pubpath, "%s.pub", path) < 0) {
        pubpath = NULL;
        fprintf(stderr, "keygen: out of memory\n");
    } else {
        tmp = write_temp(pubpath, line, strlen(line), 0644);
    }
    if (tmp != NULL && rename(tmp, pubpath) != 0) {
        fprintf(stderr, "keygen: %s: %s\n", pubpath, strerror(errno));
        unlink(tmp);
    } else if (tmp != NULL) {
        rc = 0;
    }
    free(tmp);
    free(pubpath);
    return rc;
}

/* The base64 of the public key blob, malloc'd (NULL on failure). */
static char *pub_base64(const struct genkey *k)
{
    size_t n = sodium_base64_ENCODED_LEN(k->pub.len,
                                         sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(n);

    if (b64 != NULL) {
        sodium_bin2base64(b64, n, k->pub.data, k->pub.len,
                          sodium_base64_VARIANT_ORIGINAL);
    }
    return b64;
}

/* Write FILE and FILE.pub for key k and print its fingerprint.  0 or -1
 * (message printed). */
static int write_key(const struct kg_opts *o, const struct genkey *k,
                     const char *comment)
{
    struct sshbuf text = SSHBUF_INIT;
    struct pubkey pk = { 0 };
    char *b64 = pub_base64(k), *line = NULL;
    int rc = -1;

    if (b64 != NULL &&
        asprintf(&line, "%s %s %s\n", k->name, b64, comment) < 0) {
        line = NULL;
    }
    if (line == NULL || pubkey_from_blob(k->pub.data, k->pub.len, &pk) != 0 ||
        keyfile_encode(k->name, k->pub.data, k->pub.len, k->priv.data,
                       k->priv.len, comment, &text) != 0) {
        fprintf(stderr, "keygen: cannot encode the key\n");
    } else if (install_private(o, &text, b64) == 0) {
        rc = install_public(o->path, line);
        if (rc != 0) {
            fprintf(stderr, "keygen: removed %s again\n", o->path);
            unlink(o->path);
        }
    }
    if (rc == 0) {
        fingerprint_print(stdout, &pk, comment);
    }
    pubkey_free(&pk);
    sshbuf_free(&text);
    free(line);
    free(b64);
    return rc;
}

/* libsodium, libssh and through it libgcrypt (libssh sets that up, maybe
 * already from its constructor, with a fixed 16 KiB secure memory pool: too
 * small to make RSA keys of 8192 bits, so let the pool grow, and spare the
 * user libgcrypt's warning when it cannot be locked in memory). */
static int crypto_init(void)
{
    int ok = sodium_init() >= 0 && ssh_init() == SSH_OK &&
             gcry_check_version(NULL) != NULL;

    if (ok) {
        gcry_control(GCRYCTL_AUTO_EXPAND_SECMEM, SECMEM_CHUNK);
        gcry_control(GCRYCTL_DISABLE_SECMEM_WARN);
    } else {
        fprintf(stderr, "keygen: cannot initialise crypto libraries\n");
    }
    return ok ? 0 : -1;
}

/* Generate the key o asks for and write its files.  0 or -1. */
static int make_and_write(const struct kg_opts *o)
{
    struct genkey k;
    char comment[300];
    int rc = -1;

    default_comment(comment, sizeof(comment));
    if (genkey_make(o->type, o->bits, &k) != 0) {
        fprintf(stderr, "keygen: cannot generate a %s key\n", o->type_name);
    } else {
        rc = write_key(o, &k, o->comment ? o->comment : comment);
        genkey_free(&k);
    }
    return rc;
}

/* fallbackd keygen ... (see the top of this file). */
int keygen_main(int argc, char **argv)
{
    struct kg_opts o;
    struct stat st;
    int rc = 1;

    if (parse_args(argc, argv, &o) != 0 || check_opts(&o) != 0) {
        rc = 1;
    } else if (!o.force && lstat(o.path, &st) == 0) {
        fprintf(stderr, "keygen: %s exists (use -F to overwrite)\n", o.path);
    } else if (crypto_init() == 0 && make_and_write(&o) == 0) {
        rc = 0;
    }
    return rc;
}
