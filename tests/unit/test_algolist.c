/* test_algolist.c - default lists, sshd's "+", "-", "^" forms and their
 * errors (fallbackd/algolist.c), and that libssh knows every name. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "algolist.h"

/* algolist_resolve(KIND, SPEC), which must succeed; compared and freed. */
static void expect_list(enum algo_kind kind, const char *spec, const char *want)
{
    char err[512] = "";
    char *got = algolist_resolve(kind, spec, err, sizeof(err));

    cr_assert_not_null(got, "%s: %s", spec, err);
    cr_expect_str_eq(got, want, "%s", spec);
    free(got);
}

/* algolist_resolve(KIND, SPEC), which must fail with a reason holding WHY. */
static void expect_error(enum algo_kind kind, const char *spec, const char *why)
{
    char err[512] = "";
    char *got = algolist_resolve(kind, spec, err, sizeof(err));

    cr_expect_null(got, "%s resolved to %s", spec, got);
    cr_expect(strstr(err, why) != NULL, "%s: \"%s\" lacks \"%s\"", spec, err, why);
    free(got);
}

Test(algolist, defaults_in_order)
{
    cr_expect_str_eq(algolist_default(ALGO_KEX),
                     "mlkem768x25519-sha256,sntrup761x25519-sha512,"
                     "sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
                     "curve25519-sha256@libssh.org");
    cr_expect_str_eq(algolist_default(ALGO_CIPHERS),
                     "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
                     "aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr");
    cr_expect_str_eq(algolist_default(ALGO_MACS),
                     "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com");
    cr_expect(strncmp(algolist_default(ALGO_HOSTKEY),
                      "ssh-ed25519,rsa-sha2-512,rsa-sha2-256", 36) == 0);
    cr_expect_str_eq(algolist_effective(ALGO_MACS, NULL), algolist_default(ALGO_MACS));
    cr_expect_str_eq(algolist_effective(ALGO_MACS, "x"), "x");
}

Test(algolist, plain_list_replaces_in_given_order)
{
    expect_list(ALGO_KEX, "curve25519-sha256,mlkem768x25519-sha256",
                "curve25519-sha256,mlkem768x25519-sha256");
    expect_list(ALGO_CIPHERS, "aes128-ctr", "aes128-ctr");
    expect_list(ALGO_CIPHERS, "aes128-ctr,aes128-ctr", "aes128-ctr");
}

Test(algolist, plus_appends_what_is_missing)
{
    expect_list(ALGO_MACS, "+hmac-sha2-256", "hmac-sha2-256-etm@openssh.com,"
                "hmac-sha2-512-etm@openssh.com,hmac-sha2-256");
    expect_list(ALGO_MACS, "+hmac-sha2-512-etm@openssh.com",
                "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com");
}

Test(algolist, minus_removes)
{
    expect_list(ALGO_KEX, "-sntrup761*,curve25519-sha256@libssh.org",
                "mlkem768x25519-sha256,curve25519-sha256");
    expect_list(ALGO_CIPHERS, "-aes*-ctr", "chacha20-poly1305@openssh.com,"
                "aes256-gcm@openssh.com,aes128-gcm@openssh.com");
    /* Removing a supported algorithm that is not in the default is no error. */
    expect_list(ALGO_MACS, "-hmac-sha2-256", algolist_default(ALGO_MACS));
}

Test(algolist, caret_puts_first)
{
    expect_list(ALGO_KEX, "^curve25519-sha256",
                "curve25519-sha256,mlkem768x25519-sha256,sntrup761x25519-sha512,"
                "sntrup761x25519-sha512@openssh.com,curve25519-sha256@libssh.org");
    expect_list(ALGO_MACS, "^hmac-sha2-512", "hmac-sha2-512,hmac-sha2-256-etm@openssh.com,"
                "hmac-sha2-512-etm@openssh.com");
}

Test(algolist, wildcards_match_supported_names)
{
    expect_list(ALGO_KEX, "ecdh-sha2-*", "ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
                "ecdh-sha2-nistp521");
    expect_list(ALGO_HOSTKEY, "ssh-ed2551?", "ssh-ed25519");
}

Test(algolist, errors_name_the_entry)
{
    expect_error(ALGO_KEX, "diffie-hellman-group-exchange-sha256",
                 "\"diffie-hellman-group-exchange-sha256\" is not an algorithm");
    expect_error(ALGO_CIPHERS, "+aes256-cbc", "\"aes256-cbc\" is not an algorithm");
    expect_error(ALGO_MACS, "hmac-sha1", "\"hmac-sha1\"");
    expect_error(ALGO_HOSTKEY, "ssh-rsa", "\"ssh-rsa\"");
    expect_error(ALGO_PUBKEY, "ssh-dss", "\"ssh-dss\"");
    expect_error(ALGO_KEX, "nothing*", "\"nothing*\"");
    expect_error(ALGO_KEX, "", "empty algorithm name");
    expect_error(ALGO_KEX, "+", "empty algorithm name");
    expect_error(ALGO_KEX, "curve25519-sha256,", "empty algorithm name");
    expect_error(ALGO_KEX, ",curve25519-sha256", "empty algorithm name");
    expect_error(ALGO_CIPHERS, "-*", "leaves no algorithm");
    expect_error(ALGO_KEX, "!curve25519-sha256", "is not an algorithm");
}

Test(algolist, every_supported_name_is_known_to_libssh)
{
    static const enum ssh_bind_options_e opt[ALGO_KINDS] = {
        [ALGO_KEX] = SSH_BIND_OPTIONS_KEY_EXCHANGE,
        [ALGO_CIPHERS] = SSH_BIND_OPTIONS_CIPHERS_C_S,
        [ALGO_MACS] = SSH_BIND_OPTIONS_HMAC_C_S,
        [ALGO_HOSTKEY] = SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
        [ALGO_PUBKEY] = SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES,
    };

    cr_assert_eq(ssh_init(), SSH_OK);
    for (int kind = 0; kind < ALGO_KINDS; kind++) {
        char *names = strdup(algolist_supported((enum algo_kind)kind));
        char *save = NULL;
        ssh_bind probe = ssh_bind_new();

        /* The check can fail: libssh refuses a list of unknown names. */
        cr_assert_not_null(probe);
        cr_expect_neq(ssh_bind_options_set(probe, opt[kind], "no-such-algorithm"), SSH_OK);
        ssh_bind_free(probe);

        cr_assert_not_null(names);
        for (char *n = strtok_r(names, ",", &save); n != NULL; n = strtok_r(NULL, ",", &save)) {
            ssh_bind b = ssh_bind_new();
            cr_assert_not_null(b);
            cr_expect_eq(ssh_bind_options_set(b, opt[kind], n), SSH_OK,
                         "libssh does not know %s", n);
            ssh_bind_free(b);
        }
        free(names);
    }
}

Test(algolist, host_key_types_and_their_algorithms)
{
    cr_expect(algolist_has_hostkey("ssh-ed25519,rsa-sha2-256", "ssh-ed25519"));
    cr_expect(algolist_has_hostkey("ssh-ed25519,rsa-sha2-256", "ssh-rsa"));
    cr_expect(algolist_has_hostkey("rsa-sha2-512", "ssh-rsa"));
    cr_expect(!algolist_has_hostkey("ssh-ed25519", "ssh-rsa"));
    cr_expect(!algolist_has_hostkey("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384"));
    cr_expect(algolist_has_hostkey("ssh-ed25519,ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"));
    cr_expect(!algolist_has_hostkey("ssh-ed25519x", "ssh-ed25519"), "whole entries only");
}
