/* test_krl.c - Criterion tests for keys/krl.c (suite "krl").
 *
 * KRLs come from ssh-keygen -k with a spec file, in a fresh directory per
 * test; certificates from ssh-keygen -s.  Looked up: serials (single,
 * range, and a sparse set ssh-keygen writes as a bitmap), key ids,
 * explicit keys, SHA1 and SHA256 key hashes; truncations refused.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <sodium.h>

#include "cert.h"
#include "krl.h"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/fbd-krl-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    cr_assert_geq(sodium_init(), 0);
    cr_assert_eq(ssh_init(), SSH_OK);
}

static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(krl, .init = setup, .fini = teardown);

/* A shell command in the test directory; must succeed. */
__attribute__((format(printf, 1, 2)))
static void run(const char *fmt, ...)
{
    char cmd[2048], full[2200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    snprintf(full, sizeof(full), "cd '%s' && { %s; } </dev/null >/dev/null 2>&1", dir, cmd);
    cr_assert_eq(system(full), 0, "%s", cmd);
}

/* The whole of file NAME (length in *len). */
static unsigned char *slurp(const char *name, size_t *len)
{
    char path[128];
    unsigned char *buf = malloc(1 << 20);
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* The key blob of the .pub-style file NAME ("type base64 ..."). */
static unsigned char *pub_blob(const char *name, size_t *len)
{
    size_t n;
    unsigned char *text = slurp(name, &n);
    char *b64 = strchr((char *)text, ' ') + 1;
    size_t bl = strcspn(b64, " \n");
    unsigned char *bin = malloc(bl);

    cr_assert_eq(sodium_base642bin(bin, bl, b64, bl, NULL, len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL), 0);
    free(text);
    return bin;
}

/* Parse certificate NAME-cert.pub. */
static void load_cert(const char *name, struct cert *c)
{
    char file[64], why[256] = "";
    size_t len;
    unsigned char *blob;

    snprintf(file, sizeof(file), "%s-cert.pub", name);
    blob = pub_blob(file, &len);
    cr_assert_eq(cert_parse(blob, len, c, why, sizeof(why)), 0, "%s", why);
    free(blob);
}

/* Parse KRL file NAME. */
static struct krl *load_krl(const char *name)
{
    char why[256] = "";
    size_t len;
    unsigned char *data = slurp(name, &len);
    struct krl *k = NULL;

    cr_assert_eq(krl_parse(data, len, &k, why, sizeof(why)), 0, "%s: %s", name, why);
    free(data);
    return k;
}

/* A CA, user keys u1..u3, and certificates of u1 with serials 1..SERIALS
 * named c<serial> (key id id<serial>). */
static void make_certs(int serials)
{
    run("ssh-keygen -q -t ed25519 -N '' -f ca && ssh-keygen -q -t ed25519 -N '' -f other");
    for (int i = 1; i <= 3; i++) {
        run("ssh-keygen -q -t ed25519 -N '' -f u%d", i);
    }
    for (int s = 1; s <= serials; s++) {
        run("cp u1.pub c%d.pub && ssh-keygen -q -s ca -I id%d -n x -z %d c%d.pub", s, s, s, s);
    }
}

static int cert_revoked(const struct krl *k, int serial)
{
    char name[16];
    struct cert c;
    int r;

    snprintf(name, sizeof(name), "c%d", serial);
    load_cert(name, &c);
    r = krl_cert_revoked(k, &c);
    cert_free(&c);
    return r;
}

Test(krl, serials_ranges_bitmaps_and_ids)
{
    struct krl *k;

    make_certs(40);
    /* 3, a range 10-12, a sparse set (bitmap), and an id */
    run("printf 'serial: 3\\nserial: 10-12\\nserial: 20\\nserial: 22\\nserial: 24\\n"
        "serial: 26\\nserial: 28\\nserial: 30\\nid: id37\\n' > spec && "
        "ssh-keygen -k -f krl -s ca.pub spec");
    k = load_krl("krl");
    for (int s = 1; s <= 40; s++) {
        int want = s == 3 || (s >= 10 && s <= 12) || (s >= 20 && s <= 30 && s % 2 == 0) ||
                   s == 37;
        cr_expect_eq(cert_revoked(k, s), want, "serial %d", s);
    }
    krl_free(k);
}

Test(krl, other_ca_not_affected)
{
    struct krl *k;
    struct cert c;

    make_certs(0);
    run("cp u1.pub o.pub && ssh-keygen -q -s other -I id5 -n x -z 5 o.pub");
    run("printf 'serial: 1-10\\nid: id5\\n' > spec && ssh-keygen -k -f krl -s ca.pub spec");
    k = load_krl("krl");
    load_cert("o", &c);
    cr_expect_eq(krl_cert_revoked(k, &c), 0);
    cert_free(&c);
    krl_free(k);
}

Test(krl, keys_explicit_sha1_sha256)
{
    size_t l1, l2, l3;
    unsigned char *b1, *b2, *b3;
    struct krl *k;

    make_certs(0);
    run("ssh-keygen -q -t ecdsa -N '' -f u4");
    run("{ cat u1.pub; printf 'sha1: '; cat u2.pub; printf 'sha256: '; cat u3.pub; } > spec && "
        "ssh-keygen -k -f krl spec");
    k = load_krl("krl");
    b1 = pub_blob("u1.pub", &l1);
    b2 = pub_blob("u2.pub", &l2);
    b3 = pub_blob("u3.pub", &l3);
    cr_expect(krl_key_revoked(k, b1, l1));
    cr_expect(krl_key_revoked(k, b2, l2));
    cr_expect(krl_key_revoked(k, b3, l3));
    free(b1);
    b1 = pub_blob("u4.pub", &l1);
    cr_expect(!krl_key_revoked(k, b1, l1));
    free(b1);
    free(b2);
    free(b3);
    krl_free(k);
}

Test(krl, plain_text_list)
{
    size_t l1, l2;
    unsigned char *b1, *b2;
    struct krl *k;

    make_certs(0);
    run("{ echo '# revoked'; echo; cat u1.pub; } > list");
    k = load_krl("list");
    b1 = pub_blob("u1.pub", &l1);
    b2 = pub_blob("u2.pub", &l2);
    cr_expect(krl_key_revoked(k, b1, l1));
    cr_expect(!krl_key_revoked(k, b2, l2));
    free(b1);
    free(b2);
    krl_free(k);
}

Test(krl, corrupt_lists_refused)
{
    size_t len;
    unsigned char *data;
    struct krl *k = NULL;
    char why[256];

    make_certs(0);
    run("printf 'serial: 1-5\\nid: x\\n' > spec && ssh-keygen -k -f krl -s ca.pub spec");
    data = slurp("krl", &len);
    /* every truncation inside a section, and the header, is refused */
    for (size_t n = 8; n < len; n++) {
        why[0] = '\0';
        if (krl_parse(data, n, &k, why, sizeof(why)) == 0) {
            krl_free(k);
            continue;       /* a cut exactly between sections is a valid KRL */
        }
        cr_expect_neq(why[0], '\0', "no reason at %zu", n);
    }
    free(data);
    run("echo 'not a key' > bad");
    data = slurp("bad", &len);
    cr_expect_neq(krl_parse(data, len, &k, why, sizeof(why)), 0);
    cr_expect(strstr(why, "line 1") != NULL, "%s", why);
    free(data);
}
