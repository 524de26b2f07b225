/* test_authz.c - the login policy (fallbackd/monitor/authz.c): who may log
 * in with which key from where.  Each test writes a passwd, a group and a
 * keys file in a fresh directory and asks authz_key() as the monitor does.
 * Keys files must be root-owned, so these tests need root (skipped
 * otherwise). */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <sodium.h>

#include "authz.h"
#include "log.h"
#include "sshbuf.h"
#include "unit_files.h"

#define PASSWD "root:x:0:0:root:/root:/bin/bash\n" \
               "toor:x:0:0:second root:/root:/bin/bash\n" \
               "alice:x:1000:1000::/home/alice:/bin/bash\n" \
               "bob:x:1001:1001::/home/bob:/bin/bash\n"
#define GROUP  "root:x:0:\nalice:x:1000:\nbob:x:1001:\nops:x:2000:alice\n"

static char tmpdir[64];
static struct server srv;
static struct authz az;
static char reason[768];        /* the last reason of the last ask() */

/* A fresh ed25519 public key: its wire blob (out) and text form (line). */
static void new_key(struct sshbuf *out, char *line, size_t linelen)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    char b64[128];

    crypto_sign_keypair(pk, sk);
    sshbuf_put_cstring(out, "ssh-ed25519");
    sshbuf_put_string(out, pk, sizeof(pk));
    sodium_bin2base64(b64, sizeof(b64), out->data, out->len, sodium_base64_VARIANT_ORIGINAL);
    snprintf(line, linelen, "ssh-ed25519 %s test", b64);
}

static void write_file(const char *name, const char *text)
{
    unit_write_file(tmpdir, name, text, 0644);
}

/* Keys file of USER: KEYLINE with OPTIONS ("" for none). */
static void authorize(const char *user, const char *options, const char *keyline)
{
    char name[64], text[1024];

    snprintf(name, sizeof(name), "keys-%s", user);
    snprintf(text, sizeof(text), "%s%s%s\n", options, options[0] ? " " : "", keyline);
    write_file(name, text);
}

/* A fresh key K, listed alone (with OPTIONS) in USER's keys file. */
static void give_key(const char *user, const char *options, struct sshbuf *k)
{
    char line[256];

    new_key(k, line, sizeof(line));
    authorize(user, options, line);
}

/* Load a config of the given policy lines over the test's files. */
static void load(const char *policy)
{
    char text[2048];
    struct diag errs = { 0 };
    int rc;

    snprintf(text, sizeof(text), "AuthorizedKeysFile %s/keys-%%u\nPasswdFile %s/passwd\n"
             "GroupFile %s/group\n%s", tmpdir, tmpdir, tmpdir, policy);
    rc = config_parse("test.conf", text, strlen(text), &srv.cfg, &errs);
    cr_assert_eq(rc, 0, "config: %s", errs.n ? errs.msgs[0] : "?");
    diag_free(&errs);
    srv.users = userdb_new(srv.cfg.passwd_file, srv.cfg.group_file);
    cr_assert_not_null(srv.users);
    cr_assert_eq(userdb_refresh(srv.users), 0);
}

/* Drop the loaded config and user cache, and load POLICY instead. */
static void reload(const char *policy)
{
    authz_clear(&az);
    userdb_free(srv.users);
    srv.users = NULL;
    config_free(&srv.cfg);
    load(policy);
}

static enum authz_verdict ask(const char *user, const struct sshbuf *key, const char *addr)
{
    struct diag why = { 0 };
    enum authz_verdict v;

    authz_clear(&az);
    v = authz_key(&srv, user, key->data, key->len, addr, &az, &why);
    snprintf(reason, sizeof(reason), "%s", diag_last(&why));
    diag_free(&why);
    return v;
}

static void setup(void)
{
    if (geteuid() != 0) {
        cr_skip_test("keys files must be root-owned: run as root");
    }
    cr_assert_geq(sodium_init(), 0);
    cr_assert_eq(ssh_init(), SSH_OK);
    log_setup("test", 1, log_facility_parse("AUTH"), LL_QUIET);
    strcpy(tmpdir, "/tmp/fbd-authz-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    write_file("passwd", PASSWD);
    write_file("group", GROUP);
    memset(&srv, 0, sizeof(srv));
    memset(&az, 0, sizeof(az));
}

static void teardown(void)
{
    char cmd[128];

    authz_clear(&az);
    if (srv.users != NULL) {
        userdb_free(srv.users);
    }
    config_free(&srv.cfg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(authz, .init = setup, .fini = teardown);

Test(authz, allow_users_lets_in_only_those_listed)
{
    struct sshbuf ka = SSHBUF_INIT, kb = SSHBUF_INIT;

    give_key("alice", "", &ka);
    give_key("bob", "", &kb);
    load("AllowUsers alice\n");
    cr_expect_eq(ask("alice", &ka, "192.0.2.1"), AUTHZ_OK);
    cr_expect_eq(ask("bob", &kb, "192.0.2.1"), AUTHZ_USER_REFUSED);
    cr_expect(strstr(reason, "not listed in AllowUsers") != NULL, "%s", reason);
    cr_expect_eq(ask("alice", &kb, "192.0.2.1"), AUTHZ_KEY_REFUSED, "bob's key is not alice's");
    cr_expect_eq(ask("nobody-here", &ka, "192.0.2.1"), AUTHZ_INVALID_USER);
    sshbuf_free(&ka);
    sshbuf_free(&kb);
}

Test(authz, nobody_without_allow_lists)
{
    struct sshbuf ka = SSHBUF_INIT;

    give_key("alice", "", &ka);
    load("");
    cr_expect_eq(ask("alice", &ka, "192.0.2.1"), AUTHZ_USER_REFUSED);
    sshbuf_free(&ka);
}

Test(authz, deny_users_wins_and_user_at_address)
{
    struct sshbuf ka = SSHBUF_INIT;

    give_key("alice", "", &ka);
    load("AllowUsers *\nDenyUsers alice@10.0.0.0/8\n");
    cr_expect_eq(ask("alice", &ka, "192.0.2.1"), AUTHZ_OK);
    cr_expect_eq(ask("alice", &ka, "10.1.2.3"), AUTHZ_USER_REFUSED);
    cr_expect(strstr(reason, "DenyUsers") != NULL, "%s", reason);
    sshbuf_free(&ka);
}

Test(authz, allow_and_deny_groups)
{
    struct sshbuf ka = SSHBUF_INIT, kb = SSHBUF_INIT;

    give_key("alice", "", &ka);
    give_key("bob", "", &kb);
    load("AllowGroups ops\n");
    cr_expect_eq(ask("alice", &ka, "192.0.2.1"), AUTHZ_OK, "alice is a member of ops");
    cr_expect_eq(ask("bob", &kb, "192.0.2.1"), AUTHZ_USER_REFUSED);
    cr_expect(strstr(reason, "AllowGroups") != NULL, "%s", reason);
    reload("AllowUsers *\nDenyGroups ops\n");
    cr_expect_eq(ask("alice", &ka, "192.0.2.1"), AUTHZ_USER_REFUSED);
    cr_expect(strstr(reason, "DenyGroups") != NULL, "%s", reason);
    cr_expect_eq(ask("bob", &kb, "192.0.2.1"), AUTHZ_OK);
    sshbuf_free(&ka);
    sshbuf_free(&kb);
}

Test(authz, root_is_recognised_by_uid_not_name)
{
    struct sshbuf k = SSHBUF_INIT;

    give_key("toor", "", &k);
    load("AllowUsers *\n");
    cr_expect_neq(ask("toor", &k, "192.0.2.1"), AUTHZ_OK, "uid 0 under PermitRootLogin no");
    cr_expect(strstr(reason, "ROOT LOGIN REFUSED") != NULL, "%s", reason);
    reload("AllowUsers *\nPermitRootLogin yes\n");
    cr_expect_eq(ask("toor", &k, "192.0.2.1"), AUTHZ_OK);
    sshbuf_free(&k);
}

Test(authz, from_option_limits_the_source)
{
    struct sshbuf k = SSHBUF_INIT;

    give_key("alice", "from=\"10.0.0.0/8,!10.9.0.0/16\"", &k);
    load("AllowUsers alice\n");
    cr_expect_eq(ask("alice", &k, "10.1.2.3"), AUTHZ_OK);
    cr_expect_eq(ask("alice", &k, "192.0.2.1"), AUTHZ_KEY_REFUSED);
    cr_expect(strstr(reason, "not from a permitted host") != NULL, "%s", reason);
    cr_expect_eq(ask("alice", &k, "10.9.1.1"), AUTHZ_KEY_REFUSED, "negated block");
    sshbuf_free(&k);
}

Test(authz, expired_key_refused)
{
    struct sshbuf k = SSHBUF_INIT, k2 = SSHBUF_INIT;
    char l[256], l2[256], both[600];

    new_key(&k, l, sizeof(l));
    new_key(&k2, l2, sizeof(l2));
    snprintf(both, sizeof(both), "expiry-time=\"20000101\" %s\nexpiry-time=\"29991231\" %s", l, l2);
    authorize("alice", "", both);
    load("AllowUsers alice\n");
    cr_expect_eq(ask("alice", &k, "192.0.2.1"), AUTHZ_KEY_REFUSED);
    cr_expect(strstr(reason, "expired") != NULL, "%s", reason);
    cr_expect_eq(ask("alice", &k2, "192.0.2.1"), AUTHZ_OK, "not yet expired");
    sshbuf_free(&k);
    sshbuf_free(&k2);
}

Test(authz, forced_command_for_root)
{
    struct sshbuf k = SSHBUF_INIT, k2 = SSHBUF_INIT;
    char l[256], l2[256], both[600];

    new_key(&k, l, sizeof(l));
    new_key(&k2, l2, sizeof(l2));
    snprintf(both, sizeof(both), "command=\"/usr/sbin/repair\" %s\n%s", l, l2);
    authorize("root", "", both);
    load("AllowUsers root\nPermitRootLogin forced-commands-only\n");
    cr_expect_eq(ask("root", &k, "192.0.2.1"), AUTHZ_OK);
    cr_assert_not_null(az.key.opts.command);
    cr_expect_str_eq(az.key.opts.command, "/usr/sbin/repair", "the command is handed on");
    cr_expect_eq(ask("root", &k2, "192.0.2.1"), AUTHZ_KEY_REFUSED, "root key without command=");
    cr_expect(strstr(reason, "forced-commands-only") != NULL, "%s", reason);
    sshbuf_free(&k);
    sshbuf_free(&k2);
}

Test(authz, too_many_groups_refused_not_cut)
{
    struct sshbuf k = SSHBUF_INIT;
    char *groups = malloc(80 * (SPAWN_MAX_GROUPS + 2));
    size_t off = 0;

    cr_assert_not_null(groups);
    off += (size_t)sprintf(groups, "%s", GROUP);
    for (int i = 0; i < SPAWN_MAX_GROUPS; i++) {
        off += (size_t)sprintf(groups + off, "g%d:x:%d:bob\n", i, 3000 + i);
    }
    write_file("group", groups);
    free(groups);
    give_key("bob", "", &k);
    load("AllowUsers bob\n");
    cr_expect_eq(ask("bob", &k, "192.0.2.1"), AUTHZ_USER_REFUSED,
                 "the primary group and %d more are too many", SPAWN_MAX_GROUPS);
    cr_expect(strstr(reason, "groups") != NULL, "%s", reason);
    sshbuf_free(&k);
}
