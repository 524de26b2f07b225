/* test_cert.c - Criterion tests for keys/cert.c and keys/cert_verify.c
 * (suite "cert").
 *
 * Certificates are made by ssh-keygen -s in a fresh directory per test:
 * a CA key, a user key, then "ssh-keygen -s ca -I ID -n PRINCIPALS ...".
 * The security-key certificate is made over an sk-ssh-ed25519 public key
 * written here from its wire format (no token needed: only the CA signs).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <sodium.h>

#include "cert.h"
#include "cert_verify.h"
#include "config.h"

static char dir[64];
static ssh_session verifier;

static void setup(void)
{
    strcpy(dir, "/tmp/fbd-cert-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    cr_assert_geq(sodium_init(), 0);
    cr_assert_eq(ssh_init(), SSH_OK);
    verifier = ssh_new();
    cr_assert_not_null(verifier);
}

static void teardown(void)
{
    char cmd[128];

    ssh_free(verifier);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(cert, .init = setup, .fini = teardown);

/* Run a shell command in the test directory; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    char full[2200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    snprintf(full, sizeof(full), "cd '%s' && { %s; } </dev/null >/dev/null 2>&1", dir, cmd);
    return system(full);
}

/* Make key NAME of TYPE in the test directory. */
static void make_key(const char *type, const char *name)
{
    cr_assert_eq(sh("ssh-keygen -q -t %s -N '' -C %s -f %s", type, name, name), 0,
                 "ssh-keygen -t %s", type);
}

/* The blob in the second field of the first line of file NAME. */
static unsigned char *read_blob(const char *name, size_t *len)
{
    char path[128], line[16384];
    unsigned char *bin;
    char *b64;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    cr_assert_not_null(fgets(line, sizeof(line), f));
    fclose(f);
    b64 = strchr(line, ' ') + 1;
    n = strcspn(b64, " \n");
    bin = malloc(n);
    cr_assert_eq(sodium_base642bin(bin, n, b64, n, NULL, len, NULL,
                                   sodium_base64_VARIANT_ORIGINAL), 0);
    return bin;
}

/* Certify user key USER with CA key CA (ssh-keygen -s, extra OPTS), then
 * parse the certificate into *c; returns the blob (length in *len). */
static unsigned char *certify(const char *ca, const char *user, const char *opts,
                              struct cert *c, size_t *len)
{
    char certname[128], why[256] = "";
    unsigned char *blob;

    cr_assert_eq(sh("ssh-keygen -q -s %s -I id-%s %s %s.pub", ca, user, opts, user), 0,
                 "ssh-keygen -s %s %s", opts, user);
    snprintf(certname, sizeof(certname), "%s-cert.pub", user);
    blob = read_blob(certname, len);
    cr_assert_eq(cert_parse(blob, *len, c, why, sizeof(why)), 0, "cert_parse: %s", why);
    return blob;
}

/* A user certificate of key type TYPE under a CA of type CATYPE: parsed
 * fields, CA signature valid, usable now; one flipped signed byte breaks
 * the signature. */
static void check_roundtrip(const char *type, const char *catype, const char *label)
{
    struct cert c, bad;
    char why[256] = "", desc[512];
    unsigned char *blob;
    size_t len;

    make_key(catype, "ca");
    make_key(type, "user");
    blob = certify("ca", "user", "-n alice,bob -z 42 -V always:forever", &c, &len);
    cr_expect_str_eq(c.label, label);
    cr_expect_eq(c.type, CERT_TYPE_USER);
    cr_expect_eq(c.serial, 42);
    cr_expect_str_eq(c.key_id, "id-user");
    cr_expect_eq(c.nprincipals, 2);
    cr_expect(cert_has_principal(&c, "alice") && cert_has_principal(&c, "bob"));
    cr_expect(!cert_has_principal(&c, "carol"));
    cr_expect(c.permit_pty, "ssh-keygen grants permit-pty by default");
    cr_expect_eq(cert_check_use(&c, time(NULL), why, sizeof(why)), 0, "%s", why);
    cr_expect_eq(cert_verify_ca(verifier, &c, CFG_DEFAULT_CA_SIG_ALGS, why, sizeof(why)), 0,
                 "%s", why);
    cert_describe(&c, desc, sizeof(desc));
    cr_expect(strstr(desc, " ID id-user (serial 42) CA ") != NULL, "%s", desc);
    cr_expect(strncmp(desc, label, strlen(label)) == 0, "%s", desc);

    blob[60] ^= 1;              /* inside the nonce, for every type name here */
    cr_assert_eq(cert_parse(blob, len, &bad, why, sizeof(why)), 0, "%s", why);
    cr_expect_neq(cert_verify_ca(verifier, &bad, CFG_DEFAULT_CA_SIG_ALGS, why, sizeof(why)),
                  0, "a changed certificate verified");
    cert_free(&bad);
    free(blob);
    cert_free(&c);
}

Test(cert, ed25519_under_ed25519_ca)
{
    check_roundtrip("ed25519", "ed25519", "ED25519-CERT");
}

Test(cert, ecdsa_under_ecdsa_ca)
{
    check_roundtrip("ecdsa", "ecdsa", "ECDSA-CERT");
}

Test(cert, rsa_under_rsa_ca)
{
    check_roundtrip("rsa", "rsa", "RSA-CERT");
}

Test(cert, ecdsa384_under_rsa_ca)
{
    make_key("ecdsa -b 384", "user");
    make_key("rsa", "ca");
    struct cert c;
    char why[256] = "";
    size_t len;
    unsigned char *blob = certify("ca", "user", "-n u", &c, &len);

    cr_expect_str_eq(c.key.name, "ecdsa-sha2-nistp384");
    cr_expect_str_eq(c.sig_alg, "rsa-sha2-512");
    cr_expect_eq(cert_verify_ca(verifier, &c, CFG_DEFAULT_CA_SIG_ALGS, why, sizeof(why)), 0,
                 "%s", why);
    /* CASignatureAlgorithms without the CA's algorithm refuses. */
    cr_expect_neq(cert_verify_ca(verifier, &c, "ssh-ed25519,rsa-sha2-256", why, sizeof(why)), 0);
    cr_expect(strstr(why, "CASignatureAlgorithms") != NULL, "%s", why);
    free(blob);
    cert_free(&c);
}

/* Write an sk-ssh-ed25519 public key (key bytes all 0x5a, application
 * "ssh:") as user.pub. */
static void write_sk_pub(void)
{
    unsigned char blob[128];
    char b64[256], path[128];
    size_t n = 0;
    const char *name = "sk-ssh-ed25519@openssh.com";
    FILE *f;

#define PUT32(v) do { uint32_t v_ = (v); blob[n++] = v_ >> 24; blob[n++] = v_ >> 16; \
                      blob[n++] = v_ >> 8; blob[n++] = v_; } while (0)
    PUT32(strlen(name));
    memcpy(blob + n, name, strlen(name));
    n += strlen(name);
    PUT32(32);
    memset(blob + n, 0x5a, 32);
    n += 32;
    PUT32(4);
    memcpy(blob + n, "ssh:", 4);
    n += 4;
#undef PUT32
    sodium_bin2base64(b64, sizeof(b64), blob, n, sodium_base64_VARIANT_ORIGINAL);
    snprintf(path, sizeof(path), "%s/user.pub", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s %s token\n", name, b64);
    fclose(f);
}

Test(cert, security_key_certificate)
{
    struct cert c;
    char why[256] = "";
    size_t len;
    unsigned char *blob;

    make_key("ed25519", "ca");
    write_sk_pub();
    blob = certify("ca", "user", "-n u -O no-touch-required -O verify-required", &c, &len);
    cr_expect_str_eq(c.name, "sk-ssh-ed25519-cert-v01@openssh.com");
    cr_expect_str_eq(c.key.name, "sk-ssh-ed25519@openssh.com");
    cr_expect_str_eq(c.label, "ED25519-SK-CERT");
    cr_expect(c.no_touch_required);
    cr_expect(c.verify_required);
    cr_expect_eq(cert_verify_ca(verifier, &c, CFG_DEFAULT_CA_SIG_ALGS, why, sizeof(why)), 0,
                 "%s", why);
    free(blob);
    cert_free(&c);
}

/* A fresh ed25519 CA and user key; the user's certificate made with OPTS,
 * parsed into *c (blob returned, length in *len). */
static unsigned char *fresh_cert(const char *opts, struct cert *c, size_t *len)
{
    make_key("ed25519", "ca");
    make_key("ed25519", "user");
    return certify("ca", "user", opts, c, len);
}

/* Parse a certificate made with OPTS and expect cert_check_use to refuse
 * it with a reason containing WANT. */
static void expect_unusable(const char *opts, const char *want)
{
    struct cert c;
    char why[256] = "";
    size_t len;
    unsigned char *blob = fresh_cert(opts, &c, &len);

    cr_expect_neq(cert_check_use(&c, time(NULL), why, sizeof(why)), 0, "%s usable", opts);
    cr_expect(strstr(why, want) != NULL, "reason \"%s\", wanted \"%s\"", why, want);
    free(blob);
    cert_free(&c);
}

Test(cert, host_certificate_refused)
{
    expect_unusable("-h -n host.example", "not a user certificate");
}

Test(cert, expired_refused)
{
    expect_unusable("-n u -V 20000101:20010101", "expired");
}

Test(cert, not_yet_valid_refused)
{
    expect_unusable("-n u -V +52w:+53w", "not yet valid");
}

Test(cert, unknown_critical_option_refused)
{
    expect_unusable("-n u -O critical:frobnicate@example.com=1", "frobnicate");
}

Test(cert, critical_options_and_extensions)
{
    struct cert c;
    char why[256] = "";
    size_t len;
    unsigned char *blob;

    blob = fresh_cert("-n u -O clear -O force-command='echo forced' "
                      "-O source-address=10.0.0.0/8,192.0.2.1 -O extension:custom@example.com",
                      &c, &len);
    cr_expect_str_eq(c.force_command, "echo forced");
    cr_expect_str_eq(c.source_address, "10.0.0.0/8,192.0.2.1");
    cr_expect(!c.permit_pty, "-O clear drops permit-pty");
    cr_expect(!c.verify_required);
    cr_expect_null(c.unknown_critical);
    cr_expect_eq(cert_check_use(&c, time(NULL), why, sizeof(why)), 0, "%s", why);
    free(blob);
    cert_free(&c);
}

Test(cert, every_truncation_refused)
{
    struct cert c;
    char why[256];
    size_t len, n;
    unsigned char *blob;

    make_key("ed25519", "ca");
    make_key("ecdsa", "user");
    blob = certify("ca", "user", "-n u", &c, &len);
    cert_free(&c);
    for (n = 0; n < len; n++) {
        why[0] = '\0';
        cr_expect_neq(cert_parse(blob, n, &c, why, sizeof(why)), 0, "%zu of %zu bytes", n, len);
        cr_expect_neq(why[0], '\0', "no reason at %zu bytes", n);
    }
    free(blob);
}

Test(cert, plain_key_is_not_a_certificate)
{
    struct cert c;
    char why[256] = "";
    size_t len;
    unsigned char *blob;

    make_key("ed25519", "user");
    blob = read_blob("user.pub", &len);
    cr_expect(!cert_blob_is_cert(blob, len));
    cr_expect_neq(cert_parse(blob, len, &c, why, sizeof(why)), 0);
    free(blob);
}

Test(cert, signature_algorithm_of_certificate_algorithms)
{
    char buf[64];

    cr_expect_str_eq(cert_sig_alg("rsa-sha2-512-cert-v01@openssh.com", buf, sizeof(buf)),
                     "rsa-sha2-512");
    cr_expect_str_eq(cert_sig_alg("sk-ssh-ed25519-cert-v01@openssh.com", buf, sizeof(buf)),
                     "sk-ssh-ed25519@openssh.com");
    cr_expect_str_eq(cert_sig_alg("ssh-ed25519", buf, sizeof(buf)), "ssh-ed25519");
}
