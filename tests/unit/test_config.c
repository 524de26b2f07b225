/* test_config.c - the configuration file parser, defaults, dump and look-ups
 * (fallbackd/config.c). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define F "/etc/f.conf"

static struct fbd_config cfg;
static struct diag errs;

static void teardown(void)
{
    config_free(&cfg);
    diag_free(&errs);
}

TestSuite(config, .fini = teardown);

/* Parse TEXT as file F into cfg (freeing what cfg held), errors into errs. */
static int parse(const char *text)
{
    config_free(&cfg);
    diag_free(&errs);
    return config_parse(F, text, strlen(text), &cfg, &errs);
}

/* Parse TEXT, expecting exactly one error, and return it. */
static const char *one_error(const char *text)
{
    int rc = parse(text);

    cr_assert_eq(rc, -1, "expected an error for: %s", text);
    cr_assert_eq(errs.n, 1, "expected 1 error for: %s, got %zu (first: %s)", text,
                 errs.n, errs.n > 0 ? errs.msgs[0] : "-");
    return errs.msgs[0];
}

/* Parse TEXT, expecting no error. */
static void ok(const char *text)
{
    int rc = parse(text);

    cr_assert_eq(rc, 0, "unexpected error for: %s: %s", text,
                 errs.n > 0 ? errs.msgs[0] : "(none stored)");
    cr_assert_eq(diag_count(&errs), 0);
}

/* config_dump of C as a malloc'd string. */
static char *dump(const struct fbd_config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    cr_assert_not_null(f);
    config_dump(c, f);
    fclose(f);
    return buf;
}

/* Does the dump of cfg contain LINE as a whole line? */
static int dump_has(const char *line)
{
    char *d = dump(&cfg);
    size_t n = strlen(line);
    int found = 0;

    for (const char *s = d; s != NULL && *s != '\0' && !found; s = strchr(s, '\n')) {
        s += *s == '\n' ? 1 : 0;
        found = strncmp(s, line, n) == 0 && (s[n] == '\n' || s[n] == '\0');
    }
    free(d);
    return found;
}

static const char default_dump[] =
    "port 1022\n"
    "listenaddress 0.0.0.0:1022\n"
    "listenaddress [::]:1022\n"
    "hostkey /etc/fallbackd/ssh_host_ed25519_key\n"
    "authorizedkeysfile /etc/fallbackd/keys/%u\n"
    "strictmodes yes\n"
    "trustedusercakeys none\n"
    "authorizedprincipalsfile none\n"
    "revokedkeys none\n"
    "casignaturealgorithms " CFG_DEFAULT_CA_SIG_ALGS "\n"
    "permitrootlogin no\n"
    "permituserenvironment no\n"
    "permittty yes\n"
    "pubkeyauthoptions none\n"
    "logingracetime 30\n"
    "maxauthtries 6\n"
    "maxsessions 10\n"
    "allowtcpforwarding no\n"
    "permitopen any\n"
    "maxforwardchannels 8\n"
    "maxstartups 10:30:100\n"
    "clientaliveinterval 0\n"
    "clientalivecountmax 3\n"
    "tcpkeepalive yes\n"
    "loglevel INFO\n"
    "syslogfacility AUTH\n"
    "pidfile none\n"
    "sessionlinger 2\n"
    "persourcemaxstartups 10\n"
    "kexgracetime 3\n"
    "persourcenetblocksize 32:64\n"
    "persourcepenalties crash:90 authfail:5 noauth:1 grace-exceeded:10 refuseconnection:10 "
    "max:600 min:15 max-sources4:65536 max-sources6:65536 overflow:permissive "
    "overflow6:permissive\n"
    "rescueshell \"/bin/busybox sh\"\n"
    "doorlifetime 0\n"
    "sandbox auto\n"
    "sandboxuidrange 2000000000-2000065535\n"
    "sandboxgid 65534\n"
    "passwdfile /etc/passwd\n"
    "groupfile /etc/group\n"
    "kexalgorithms mlkem768x25519-sha256,sntrup761x25519-sha512,"
    "sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org\n"
    "ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,"
    "aes256-ctr,aes192-ctr,aes128-ctr\n"
    "macs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com\n"
    "hostkeyalgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,"
    "ecdsa-sha2-nistp384,ecdsa-sha2-nistp521\n"
    "pubkeyacceptedalgorithms ssh-ed25519,sk-ssh-ed25519@openssh.com,ecdsa-sha2-nistp256,"
    "ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com,"
    "rsa-sha2-512,rsa-sha2-256,ssh-ed25519-cert-v01@openssh.com,"
    "sk-ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
    "ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,"
    "rsa-sha2-256-cert-v01@openssh.com\n"
    "diagnoseatlogin yes\n"
    "pubkeyauthentication yes\n"
    "passwordauthentication no\n"
    "kbdinteractiveauthentication no\n"
    "challengeresponseauthentication no\n"
    "permitemptypasswords no\n"
    "usepam no\n"
    "allowstreamlocalforwarding no\n"
    "x11forwarding no\n"
    "allowagentforwarding no\n"
    "permittunnel no\n"
    "gatewayports no\n"
    "usedns no\n"
    "compression no\n";

/* ---- defaults ---------------------------------------------------------- */

Test(config, defaults)
{
    config_defaults(&cfg);
    cr_expect_eq(cfg.nports, 1);
    cr_expect_eq(cfg.ports[0], 1022);
    cr_expect_eq(cfg.nlisten, 0);
    cr_assert_eq(cfg.nhost_keys, 1);
    cr_expect_str_eq(cfg.host_keys[0], "/etc/fallbackd/ssh_host_ed25519_key");
    cr_expect_str_eq(cfg.authorized_keys_file, "/etc/fallbackd/keys/%u");
    cr_expect_eq(cfg.permit_root_login, ROOT_NO);
    cr_expect_eq(cfg.permit_user_environment, 0);
    cr_expect_eq(cfg.permit_tty, 1);
    cr_expect_eq(cfg.login_grace_time, 30);
    cr_expect_eq(cfg.max_auth_tries, 6);
    cr_expect_eq(cfg.max_sessions, 10);
    cr_expect_eq(cfg.max_startups_begin, 10);
    cr_expect_eq(cfg.max_startups_rate, 30);
    cr_expect_eq(cfg.max_startups_full, 100);
    cr_expect_eq(cfg.client_alive_interval, 0);
    cr_expect_eq(cfg.client_alive_count_max, 3);
    cr_expect_eq(cfg.tcp_keep_alive, 1);
    cr_expect_eq(cfg.log_level, LL_INFO);
    cr_expect_str_eq(log_facility_name(cfg.syslog_facility), "AUTH");
    cr_expect_null(cfg.pid_file);
    cr_expect_eq(cfg.session_linger, 2);
    cr_expect_str_eq(cfg.passwd_file, "/etc/passwd");
    cr_expect_str_eq(cfg.group_file, "/etc/group");
    cr_expect_eq(cfg.accept_env.n, 0);
    cr_expect_eq(cfg.nsubsystems, 0);
    cr_expect_eq(cfg.allow_users.n + cfg.deny_users.n + cfg.allow_groups.n
                 + cfg.deny_groups.n, 0);
}

Test(config, empty_file_is_the_defaults)
{
    char *d;

    ok("");
    cr_expect_str_eq(cfg.path, F);
    d = dump(&cfg);
    cr_expect_str_eq(d, default_dump);
    free(d);
}

Test(config, parse_does_not_need_an_initialised_struct)
{
    struct fbd_config c;
    struct diag d = { 0 };

    memset(&c, 0xa5, sizeof(c));
    cr_assert_eq(config_parse("x", "Port 22\n", 8, &c, &d), 0);
    cr_expect_eq(c.nports, 1);
    cr_expect_eq(c.ports[0], 22);
    cr_expect_eq(c.max_sessions, 10);
    config_free(&c);
    config_free(&c);    /* freeing twice is harmless: config_free zeroes */
    diag_free(&d);
}

/* ---- syntax ------------------------------------------------------------ */

Test(config, keywords_ignore_case_and_take_equals)
{
    ok("port 22\nPORT=23\nPort = 24\nPort= 25\nPort =26\n  \tPort\t27  \n");
    cr_assert_eq(cfg.nports, 6);
    for (int i = 0; i < 6; i++) {
        cr_expect_eq(cfg.ports[i], 22 + i);
    }
}

Test(config, comments_blank_lines_crlf_and_no_final_newline)
{
    ok("# a comment\n\n   \n\t# indented comment\r\n"
       "Port 22 # trailing comment\r\n"
       "MaxSessions 4\r\n"
       "LoginGraceTime 5");
    cr_expect_eq(cfg.ports[0], 22);
    cr_expect_eq(cfg.max_sessions, 4);
    cr_expect_eq(cfg.login_grace_time, 5);
}

Test(config, double_quotes)
{
    ok("PidFile \"/run/my pid#1\"\n"
       "AcceptEnv \"A B\" pre\"fix mid\"dle \"q\\\"uote\" \"back\\\\slash\" \"\\n\"\n");
    cr_expect_str_eq(cfg.pid_file, "/run/my pid#1");
    cr_assert_eq(cfg.accept_env.n, 5);
    cr_expect_str_eq(cfg.accept_env.v[0], "A B");
    cr_expect_str_eq(cfg.accept_env.v[1], "prefix middle");
    cr_expect_str_eq(cfg.accept_env.v[2], "q\"uote");
    cr_expect_str_eq(cfg.accept_env.v[3], "back\\slash");
    cr_expect_str_eq(cfg.accept_env.v[4], "\\n", "other backslashes are literal");
}

Test(config, unterminated_quote)
{
    cr_expect_str_eq(one_error("\nPidFile \"/run/x\n"),
                     F ":2: PidFile: unterminated double quote");
}

Test(config, unknown_keyword)
{
    cr_expect_str_eq(one_error("Port 22\n\n\n\n\n\nFoo bar\n"),
                     F ":7: unknown keyword \"Foo\"");
    cr_expect_str_eq(one_error("Ciphers2 aes128-ctr\n"),
                     F ":1: unknown keyword \"Ciphers2\"");
    cr_expect_str_eq(one_error("\"Port\" 22\n"),
                     F ":1: unknown keyword \"\\\"Port\\\"\"", "a keyword is never quoted");
}

Test(config, missing_and_extra_arguments)
{
    cr_expect_str_eq(one_error("Port\n"), F ":1: Port: missing argument");
    cr_expect_str_eq(one_error("Port=\n"), F ":1: Port: missing argument");
    cr_expect_str_eq(one_error("Port # 22\n"), F ":1: Port: missing argument");
    cr_expect_str_eq(one_error("AllowUsers\n"), F ":1: AllowUsers: missing argument");
    cr_expect_str_eq(one_error("Subsystem sftp\n"),
                     F ":1: Subsystem: missing argument (needs 2)");
    cr_expect_str_eq(one_error("Port 22 23\n"), F ":1: Port: extra argument \"23\"");
    cr_expect_str_eq(one_error("PermitTTY yes no\n"),
                     F ":1: PermitTTY: extra argument \"no\"");
    cr_expect_str_eq(one_error("ListenAddress 0.0.0.0 rdomain x\n"),
                     F ":1: ListenAddress: extra argument \"rdomain\"");
}

Test(config, every_error_is_collected_in_order)
{
    const char *text =
        "Port 99999\n"                  /* 1 */
        "Port 22\n"                     /* 2 */
        "Bogus 1\n"                     /* 3 */
        "# fine\n"                      /* 4 */
        "PermitRootLogin maybe\n"       /* 5 */
        "MaxAuthTries 0\n"              /* 6 */
        "LogLevel LOUD\n"               /* 7 */
        "AllowUsers ok @nobody\n"       /* 8 */
        "PasswordAuthentication yes\n"; /* 9 */

    cr_assert_eq(parse(text), -1);
    cr_assert_eq(errs.n, 7);
    cr_expect_str_eq(errs.msgs[0], F ":1: Port: \"99999\" is not a port number (1-65535)");
    cr_expect_str_eq(errs.msgs[1], F ":3: unknown keyword \"Bogus\"");
    cr_expect_str_eq(errs.msgs[2], F ":5: PermitRootLogin: bad value \"maybe\" "
                                   "(yes, prohibit-password, forced-commands-only, no)");
    cr_expect_str_eq(errs.msgs[3], F ":6: MaxAuthTries: \"0\" is not a number >= 1");
    cr_expect_str_eq(errs.msgs[4], F ":7: LogLevel: bad value \"LOUD\" (QUIET, FATAL, ERROR, "
                                   "INFO, VERBOSE, DEBUG, DEBUG1, DEBUG2, DEBUG3)");
    cr_expect_str_eq(errs.msgs[5], F ":8: AllowUsers: \"@nobody\" has no user name");
    cr_expect_str_eq(errs.msgs[6], F ":9: PasswordAuthentication yes: "
                                   "fallbackd accepts public keys only");
}

Test(config, nul_byte_spoils_only_its_line)
{
    static const char text[] = "Port 22\nPort 2\0003\nMaxSessions 3\n";

    cr_assert_eq(config_parse(F, text, sizeof(text) - 1, &cfg, &errs), -1);
    cr_assert_eq(errs.n, 1);
    cr_expect_str_eq(errs.msgs[0], F ":2: line contains a NUL byte");
    cr_expect_eq(cfg.max_sessions, 3, "the lines after it are still parsed");
    cr_expect_eq(cfg.nports, 1);
}

Test(config, long_lines_are_parsed_and_quoted_briefly)
{
    size_t n = 1 << 20;
    char *text = malloc(n + 32);
    const char *e;

    cr_assert_not_null(text);
    strcpy(text, "AcceptEnv ");
    memset(text + 10, 'A', n);
    strcpy(text + 10 + n, " B\n");
    ok(text);
    cr_assert_eq(cfg.accept_env.n, 2);
    cr_expect_eq(strlen(cfg.accept_env.v[0]), n);

    memset(text, 'K', n);
    strcpy(text + n, " v\n");
    e = one_error(text);
    cr_expect(strncmp(e, F ":1: unknown keyword \"KKKK", strlen(F) + 25) == 0, "%s", e);
    cr_expect(strlen(e) < 200, "a message quotes a bounded part of the value: %zu",
              strlen(e));
    cr_expect(strstr(e, "...\"") != NULL, "%s", e);
    free(text);
}

Test(config, control_characters_are_escaped_in_messages)
{
    cr_expect_str_eq(one_error("Port \"2\t\x01\xff\"\n"),
                     F ":1: Port: \"2\\x09\\x01\\xff\" is not a port number (1-65535)");
}

/* ---- keywords ---------------------------------------------------------- */

Test(config, port)
{
    ok("Port 22\nPort 65535\nPort 1\n");
    cr_assert_eq(cfg.nports, 3, "the first Port replaces the default 1022");
    cr_expect_eq(cfg.ports[0], 22);
    cr_expect_eq(cfg.ports[1], 65535);
    cr_expect_eq(cfg.ports[2], 1);

    cr_expect_str_eq(one_error("Port 0\n"),
                     F ":1: Port: \"0\" is not a port number (1-65535)");
    cr_expect_str_eq(one_error("Port 65536\n"),
                     F ":1: Port: \"65536\" is not a port number (1-65535)");
    cr_expect_str_eq(one_error("Port -1\n"),
                     F ":1: Port: \"-1\" is not a port number (1-65535)");
    cr_expect_str_eq(one_error("Port 22x\n"),
                     F ":1: Port: \"22x\" is not a port number (1-65535)");
    cr_expect_str_eq(one_error("Port \"\"\n"),
                     F ":1: Port: \"\" is not a port number (1-65535)");
    cr_expect_str_eq(one_error("Port 99999999999999999999999\n"),
                     F ":1: Port: \"99999999999999999999999\" is not a port number (1-65535)");
    cr_expect_str_eq(one_error("Port 22\nPort 22\n"), F ":2: Port: \"22\" is given twice");
}

Test(config, port_limit)
{
    char text[512] = "";

    for (int i = 0; i < CFG_MAX_PORTS; i++) {
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "Port %d\n", 100 + i);
    }
    ok(text);
    cr_expect_eq(cfg.nports, CFG_MAX_PORTS);
    strcat(text, "Port 7\n");
    cr_expect_str_eq(one_error(text),
                     F ":17: Port: \"7\" is one port too many (at most 16)");
}

Test(config, listen_address_forms)
{
    ok("ListenAddress 192.0.2.1\n"
       "ListenAddress 192.0.2.2:2222\n"
       "ListenAddress [2001:DB8::0001]:22\n"
       "ListenAddress ::1\n"
       "ListenAddress [::2]\n"
       "ListenAddress [10.1.1.1]:23\n");
    cr_assert_eq(cfg.nlisten, 6);
    cr_expect_str_eq(cfg.listen[0].addr, "192.0.2.1");
    cr_expect_eq(cfg.listen[0].port, 0);
    cr_expect_str_eq(cfg.listen[1].addr, "192.0.2.2");
    cr_expect_eq(cfg.listen[1].port, 2222);
    cr_expect_str_eq(cfg.listen[2].addr, "2001:db8::1", "addresses are normalised");
    cr_expect_eq(cfg.listen[2].port, 22);
    cr_expect_str_eq(cfg.listen[3].addr, "::1");
    cr_expect_eq(cfg.listen[3].port, 0);
    cr_expect_str_eq(cfg.listen[4].addr, "::2");
    cr_expect_eq(cfg.listen[4].port, 0);
    cr_expect_str_eq(cfg.listen[5].addr, "10.1.1.1");
    cr_expect_eq(cfg.listen[5].port, 23);
}

Test(config, listen_address_dump_expands_ports)
{
    ok("Port 22\nPort 2022\nListenAddress 192.0.2.1\nListenAddress [::1]:99\n");
    cr_expect(dump_has("listenaddress 192.0.2.1:22"));
    cr_expect(dump_has("listenaddress 192.0.2.1:2022"));
    cr_expect(dump_has("listenaddress [::1]:99"));
    cr_expect(!dump_has("listenaddress [::1]:22"));
    cr_expect(!dump_has("listenaddress 0.0.0.0:22"), "explicit addresses replace 0.0.0.0");

    ok("Port 22\nPort 2022\n");
    cr_expect(dump_has("listenaddress 0.0.0.0:22"));
    cr_expect(dump_has("listenaddress [::]:22"));
    cr_expect(dump_has("listenaddress 0.0.0.0:2022"));
    cr_expect(dump_has("listenaddress [::]:2022"));
}

Test(config, listen_address_errors)
{
    const char *e = one_error("ListenAddress localhost\n");

    cr_expect_str_eq(e, F ":1: ListenAddress: \"localhost\" is not a numeric IPv4 or IPv6 "
                        "address (fallbackd never resolves names)");
    e = one_error("ListenAddress example.org:22\n");
    cr_expect(strstr(e, F ":1: ListenAddress: \"example.org:22\"") == e, "%s", e);
    cr_expect(strstr(e, "never resolves names") != NULL, "%s", e);
    cr_expect_str_eq(one_error("ListenAddress 192.0.2.1:0\n"),
                     F ":1: ListenAddress: \"192.0.2.1:0\" has a bad port number (1-65535)");
    cr_expect_str_eq(one_error("ListenAddress [::1]:70000\n"),
                     F ":1: ListenAddress: \"[::1]:70000\" has a bad port number (1-65535)");
    cr_expect_str_eq(one_error("ListenAddress 192.0.2.1:\n"),
                     F ":1: ListenAddress: \"192.0.2.1:\" has a bad port number (1-65535)");
    cr_expect_str_eq(one_error("ListenAddress [::1\n"),
                     F ":1: ListenAddress: \"[::1\" is not ADDR, ADDR:PORT, [ADDR] or "
                     "[ADDR]:PORT");
    cr_expect_str_eq(one_error("ListenAddress [::1]x\n"),
                     F ":1: ListenAddress: \"[::1]x\" is not ADDR, ADDR:PORT, [ADDR] or "
                     "[ADDR]:PORT");
    e = one_error("ListenAddress 256.1.1.1\n");
    cr_expect(strstr(e, "is not a numeric IPv4 or IPv6 address") != NULL, "%s", e);
    e = one_error("ListenAddress fe80::1%eth0\n");
    cr_expect(strstr(e, "is not a numeric IPv4 or IPv6 address") != NULL, "%s", e);
}

Test(config, listen_address_limit)
{
    char text[1024] = "";

    for (int i = 0; i < CFG_MAX_LISTEN; i++) {
        snprintf(text + strlen(text), sizeof(text) - strlen(text),
                 "ListenAddress 10.0.0.%d\n", i);
    }
    ok(text);
    strcat(text, "ListenAddress 10.0.1.1\n");
    cr_expect_str_eq(one_error(text), F ":17: ListenAddress: \"10.0.1.1\" is one address "
                                      "too many (at most 16)");
}

Test(config, host_key)
{
    ok("HostKey /k/a\nHostKey /k/b\n");
    cr_assert_eq(cfg.nhost_keys, 2, "the first HostKey replaces the default");
    cr_expect_str_eq(cfg.host_keys[0], "/k/a");
    cr_expect_str_eq(cfg.host_keys[1], "/k/b");
    cr_expect_str_eq(one_error("HostKey ssh_host_key\n"),
                     F ":1: HostKey: \"ssh_host_key\" is not an absolute path");
    cr_expect_str_eq(one_error("HostKey /a\nHostKey /a\n"),
                     F ":2: HostKey: \"/a\" is given twice");
    cr_expect_str_eq(one_error("HostKey /1\nHostKey /2\nHostKey /3\nHostKey /4\n"
                               "HostKey /5\nHostKey /6\nHostKey /7\nHostKey /8\n"
                               "HostKey /9\n"),
                     F ":9: HostKey: \"/9\" is one key too many (at most 8)");
}

Test(config, authorized_keys_file)
{
    ok("AuthorizedKeysFile %h/.ssh/authorized_keys\n");
    cr_expect_str_eq(cfg.authorized_keys_file, "%h/.ssh/authorized_keys");
    ok("AuthorizedKeysFile /etc/keys/%u.100%%\n");
    cr_expect_str_eq(cfg.authorized_keys_file, "/etc/keys/%u.100%%");

    cr_expect_str_eq(one_error("AuthorizedKeysFile /etc/keys/%d\n"),
                     F ":1: AuthorizedKeysFile: \"/etc/keys/%d\" has unknown token \"%d\" "
                     "(only %u, %h, %%)");
    cr_expect_str_eq(one_error("AuthorizedKeysFile /etc/keys/%\n"),
                     F ":1: AuthorizedKeysFile: \"/etc/keys/%\" has unknown token \"%\" "
                     "(only %u, %h, %%)");
    config_free(&cfg);
    /* As sshd: several files, relative to the home directory. */
    ok("AuthorizedKeysFile .ssh/authorized_keys /etc/keys/%u %h/.ssh/keys2\n");
    cr_expect_str_eq(cfg.authorized_keys_file, ".ssh/authorized_keys");
    cr_assert_eq(cfg.authorized_keys_more.n, 2);
    cr_expect_str_eq(cfg.authorized_keys_more.v[0], "/etc/keys/%u");
    cr_expect_str_eq(cfg.authorized_keys_more.v[1], "%h/.ssh/keys2");
}

Test(config, user_and_group_lists)
{
    ok("AllowUsers alice bob@192.0.2.0/24\n"
       "AllowUsers carol@10.0.0.1,!10.0.0.2\n"
       "DenyUsers mallory\n"
       "AllowGroups wheel adm*\n"
       "DenyGroups nogo\n");
    cr_assert_eq(cfg.allow_users.n, 3, "repeats append");
    cr_expect_str_eq(cfg.allow_users.v[0], "alice");
    cr_expect_str_eq(cfg.allow_users.v[1], "bob@192.0.2.0/24");
    cr_expect_str_eq(cfg.allow_users.v[2], "carol@10.0.0.1,!10.0.0.2");
    cr_assert_eq(cfg.deny_users.n, 1);
    cr_expect_str_eq(cfg.deny_users.v[0], "mallory");
    cr_assert_eq(cfg.allow_groups.n, 2);
    cr_expect_str_eq(cfg.allow_groups.v[1], "adm*");
    cr_assert_eq(cfg.deny_groups.n, 1);
    cr_expect(dump_has("allowusers alice bob@192.0.2.0/24 carol@10.0.0.1,!10.0.0.2"));
    cr_expect(dump_has("denygroups nogo"));
}

Test(config, user_list_errors)
{
    const char *e;

    cr_expect_str_eq(one_error("DenyUsers @10.0.0.1\n"),
                     F ":1: DenyUsers: \"@10.0.0.1\" has no user name");
    e = one_error("AllowUsers bob@10.0.0.1/8\n");
    cr_expect(strstr(e, F ":1: AllowUsers: \"bob@10.0.0.1/8\" has a bad address pattern: ")
              == e, "%s", e);
    e = one_error("AllowUsers bob@\n");
    cr_expect(strstr(e, F ":1: AllowUsers: \"bob@\" has a bad address pattern") == e,
              "%s", e);
    cr_expect_str_eq(one_error("AllowGroups \"\"\n"),
                     F ":1: AllowGroups: \"\" is not a group name");
    cr_assert_eq(parse("AllowUsers @a ok @b\n"), -1);
    cr_expect_eq(errs.n, 2, "each bad entry is reported");
}

Test(config, permit_root_login)
{
    static const struct {
        const char *text;
        int value;
    } cases[] = {
        { "PermitRootLogin yes\n", ROOT_YES },
        { "PermitRootLogin prohibit-password\n", ROOT_YES },
        { "PermitRootLogin without-password\n", ROOT_YES },
        { "PermitRootLogin forced-commands-only\n", ROOT_FORCED_COMMANDS_ONLY },
        { "PermitRootLogin no\n", ROOT_NO },
        { "PermitRootLogin NO\n", ROOT_NO },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(cases[i].text);
        cr_expect_eq(cfg.permit_root_login, cases[i].value, "%s", cases[i].text);
    }
    ok("PermitRootLogin prohibit-password\n");
    cr_expect(dump_has("permitrootlogin yes"));
    ok("PermitRootLogin forced-commands-only\n");
    cr_expect(dump_has("permitrootlogin forced-commands-only"));
    cr_expect_str_eq(one_error("PermitRootLogin maybe\n"),
                     F ":1: PermitRootLogin: bad value \"maybe\" "
                     "(yes, prohibit-password, forced-commands-only, no)");
}

Test(config, yes_no_keywords)
{
    ok("PermitUserEnvironment yes\nPermitTTY no\nTCPKeepAlive NO\n");
    cr_expect_eq(cfg.permit_user_environment, 1);
    cr_expect_eq(cfg.permit_tty, 0);
    cr_expect_eq(cfg.tcp_keep_alive, 0);
    cr_expect(dump_has("permituserenvironment yes"));
    cr_expect(dump_has("permittty no"));
    cr_expect_str_eq(one_error("TCPKeepAlive on\n"),
                     F ":1: TCPKeepAlive: bad value \"on\" (yes, no)");
    cr_expect_str_eq(one_error("PermitTTY 1\n"), F ":1: PermitTTY: bad value \"1\" (yes, no)");
}

Test(config, first_value_wins)
{
    ok("LoginGraceTime 10\nLoginGraceTime 20\n"
       "PermitRootLogin no\nPermitRootLogin yes\n"
       "PidFile /run/a\nPidFile /run/b\n"
       "MaxStartups 1:2:3\nMaxStartups 4:5:6\n"
       "AuthorizedKeysFile /k/%u\nAuthorizedKeysFile /j/%u\n");
    cr_expect_eq(cfg.login_grace_time, 10);
    cr_expect_eq(cfg.permit_root_login, ROOT_NO);
    cr_expect_str_eq(cfg.pid_file, "/run/a");
    cr_expect_eq(cfg.max_startups_begin, 1);
    cr_expect_str_eq(cfg.authorized_keys_file, "/k/%u");
    /* a later value is still checked */
    cr_expect_str_eq(one_error("LoginGraceTime 10\nLoginGraceTime x\n"),
                     F ":2: LoginGraceTime: \"x\" is not a time (seconds, or e.g. 90s, 2m, "
                     "1h30m)");
}

Test(config, accept_env)
{
    ok("AcceptEnv LANG LC_*\nAcceptEnv TZ X?Y\n");
    cr_assert_eq(cfg.accept_env.n, 4);
    cr_expect(dump_has("acceptenv LANG LC_* TZ X?Y"));
    cr_expect_eq(config_accepts_env(&cfg, "LANG"), 1);
    cr_expect_eq(config_accepts_env(&cfg, "LC_ALL"), 1);
    cr_expect_eq(config_accepts_env(&cfg, "LC_"), 1);
    cr_expect_eq(config_accepts_env(&cfg, "TZ"), 1);
    cr_expect_eq(config_accepts_env(&cfg, "XAY"), 1);
    cr_expect_eq(config_accepts_env(&cfg, "XY"), 0);
    cr_expect_eq(config_accepts_env(&cfg, "LANGUAGE"), 0);
    cr_expect_eq(config_accepts_env(&cfg, "lang"), 0);
    cr_expect_eq(config_accepts_env(&cfg, "PATH"), 0);
    cr_expect_eq(config_accepts_env(&cfg, ""), 0);

    ok("");
    cr_expect_eq(config_accepts_env(&cfg, "LANG"), 0, "no AcceptEnv accepts nothing");
    cr_expect_str_eq(one_error("AcceptEnv LANG=C\n"),
                     F ":1: AcceptEnv: \"LANG=C\" is not an environment variable name "
                     "pattern");
}

Test(config, subsystem)
{
    ok("Subsystem sftp /usr/lib/openssh/sftp-server -l   INFO\n"
       "Subsystem other \"/opt/x y\" --flag # comment\n");
    cr_assert_eq(cfg.nsubsystems, 2);
    cr_expect_str_eq(config_subsystem(&cfg, "sftp"), "/usr/lib/openssh/sftp-server -l INFO");
    cr_expect_str_eq(config_subsystem(&cfg, "other"), "/opt/x y --flag");
    cr_expect_null(config_subsystem(&cfg, "SFTP"));
    cr_expect_null(config_subsystem(&cfg, "nope"));
    cr_expect(dump_has("subsystem sftp /usr/lib/openssh/sftp-server -l INFO"));

    cr_expect_str_eq(one_error("Subsystem sftp /a\nSubsystem sftp /b\n"),
                     F ":2: Subsystem: \"sftp\" is defined twice");
    cr_expect_str_eq(one_error("Subsystem sftp \"\"\n"),
                     F ":1: Subsystem: \"sftp\" has an empty command");
    cr_expect_str_eq(one_error("Subsystem \"\" /bin/x\n"),
                     F ":1: Subsystem: \"\" is not a subsystem name");
}

Test(config, subsystem_internal_sftp_options_checked_at_load)
{
    ok("Subsystem sftp internal-sftp -R -u 027 -l VERBOSE -d /srv/%u\n");
    cr_expect_str_eq(config_subsystem(&cfg, "sftp"), "internal-sftp -R -u 027 -l VERBOSE -d /srv/%u");
    cr_expect_str_eq(one_error("Subsystem sftp internal-sftp -u 0999\n"),
                     F ":1: Subsystem: \"sftp\" -u 0999: not an octal umask");
    cr_expect_str_eq(one_error("Subsystem sftp internal-sftp -X\n"),
                     F ":1: Subsystem: \"sftp\" unknown option -X");
}

Test(config, time_format)
{
    static const struct {
        const char *s;
        int v;
    } good[] = {
        { "0", 0 }, { "30", 30 }, { "10s", 10 }, { "10S", 10 }, { "2m", 120 },
        { "1h30m", 5400 }, { "1H", 3600 }, { "1d", 86400 }, { "1w", 604800 },
        { "1h30", 3630 }, { "1m1m", 120 }, { "007", 7 }, { "2147483647", 2147483647 },
    };
    static const char *const bad[] = {
        "abc", "10x", "m", "1.5m", "-1", "+1", "\"1 m\"", "2147483648", "3551w",
        "99999999999999999999999999", "1mm", "\"\"",
    };
    static const char prefix[] = F ":1: ClientAliveInterval: \"";
    char text[128];
    const char *e;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(text, sizeof(text), "LoginGraceTime %s\n", good[i].s);
        ok(text);
        cr_expect_eq(cfg.login_grace_time, good[i].v, "%s", good[i].s);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "ClientAliveInterval %s\n", bad[i]);
        cr_expect_eq(parse(text), -1, "%s", bad[i]);
        cr_expect_eq(errs.n, 1, "%s", bad[i]);
        e = errs.n > 0 ? errs.msgs[0] : "";
        cr_expect(strncmp(e, prefix, strlen(prefix)) == 0, "%s", e);
    }
    cr_expect_str_eq(one_error("ClientAliveInterval 1h 2\n"),
                     F ":1: ClientAliveInterval: extra argument \"2\"");
    cr_expect_str_eq(one_error("ClientAliveInterval 5q\n"),
                     F ":1: ClientAliveInterval: \"5q\" is not a time (seconds, or e.g. 90s, "
                     "2m, 1h30m)");
    ok("ClientAliveInterval 1h30m\n");
    cr_expect_eq(cfg.client_alive_interval, 5400);
    cr_expect(dump_has("clientaliveinterval 5400"));
}

Test(config, session_linger)
{
    ok("SessionLinger 1h\n");
    cr_expect_eq(cfg.session_linger, 3600);
    ok("SessionLinger 0\n");
    cr_expect_eq(cfg.session_linger, 0);
    cr_expect(dump_has("sessionlinger 0"));
    cr_expect_str_eq(one_error("SessionLinger 1h1s\n"),
                     F ":1: SessionLinger: \"1h1s\" is more than 3600 seconds");
}

Test(config, numbers)
{
    ok("MaxAuthTries 1\nMaxSessions 64\nClientAliveCountMax 0\n");
    cr_expect_eq(cfg.max_auth_tries, 1);
    cr_expect_eq(cfg.max_sessions, 64);
    cr_expect_eq(cfg.client_alive_count_max, 0);
    cr_expect(dump_has("maxsessions 64"));
    cr_expect_str_eq(one_error("MaxSessions 0\n"),
                     F ":1: MaxSessions: \"0\" is not a number >= 1");
    cr_expect_str_eq(one_error("ClientAliveCountMax -1\n"),
                     F ":1: ClientAliveCountMax: \"-1\" is not a number >= 0");
    cr_expect_str_eq(one_error("MaxAuthTries 3x\n"),
                     F ":1: MaxAuthTries: \"3x\" is not a number >= 1");
    cr_expect_str_eq(one_error("MaxAuthTries 2147483648\n"),
                     F ":1: MaxAuthTries: \"2147483648\" is not a number >= 1");
}

Test(config, max_startups)
{
    ok("MaxStartups 5:50:20\n");
    cr_expect_eq(cfg.max_startups_begin, 5);
    cr_expect_eq(cfg.max_startups_rate, 50);
    cr_expect_eq(cfg.max_startups_full, 20);
    cr_expect(dump_has("maxstartups 5:50:20"));
    ok("MaxStartups 7\n");
    cr_expect_eq(cfg.max_startups_begin, 7);
    cr_expect_eq(cfg.max_startups_full, 7);
    cr_expect(dump_has("maxstartups 7:30:7"));
    ok("MaxStartups 1:100:1\n");

    cr_expect_str_eq(one_error("MaxStartups 20:30:10\n"),
                     F ":1: MaxStartups: \"20:30:10\" needs 1 <= BEGIN <= FULL");
    cr_expect_str_eq(one_error("MaxStartups 0\n"),
                     F ":1: MaxStartups: \"0\" needs 1 <= BEGIN <= FULL");
    cr_expect_str_eq(one_error("MaxStartups 10:0:100\n"),
                     F ":1: MaxStartups: \"10:0:100\" needs a RATE of 1-100");
    cr_expect_str_eq(one_error("MaxStartups 10:101:100\n"),
                     F ":1: MaxStartups: \"10:101:100\" needs a RATE of 1-100");
    static const char *const bad[] = { "10:30", "10:30:100:1", "a", ":", "10::100",
                                       "10:30:", " 10", "-1:30:100", "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[64], want[128];
        snprintf(text, sizeof(text), "MaxStartups \"%s\"\n", bad[i]);
        snprintf(want, sizeof(want), F ":1: MaxStartups: \"%s\" is not N or BEGIN:RATE:FULL",
                 bad[i]);
        cr_expect_str_eq(one_error(text), want);
    }
}

Test(config, log_level_and_facility)
{
    ok("LogLevel debug\nSyslogFacility local3\n");
    cr_expect_eq(cfg.log_level, LL_DEBUG1);
    cr_expect_str_eq(log_facility_name(cfg.syslog_facility), "LOCAL3");
    cr_expect(dump_has("loglevel DEBUG1"));
    cr_expect(dump_has("syslogfacility LOCAL3"));
    ok("LogLevel VERBOSE\n");
    cr_expect_eq(cfg.log_level, LL_VERBOSE);
    cr_expect_str_eq(one_error("SyslogFacility KERN\n"),
                     F ":1: SyslogFacility: bad value \"KERN\" "
                     "(DAEMON, USER, AUTH, AUTHPRIV, LOCAL0-LOCAL7)");
}

Test(config, paths)
{
    ok("PidFile /run/fallbackd.pid\nPasswdFile /srv/passwd\nGroupFile /srv/group\n");
    cr_expect_str_eq(cfg.pid_file, "/run/fallbackd.pid");
    cr_expect_str_eq(cfg.passwd_file, "/srv/passwd");
    cr_expect_str_eq(cfg.group_file, "/srv/group");
    cr_expect(dump_has("pidfile /run/fallbackd.pid"));
    cr_expect(dump_has("passwdfile /srv/passwd"));
    ok("PidFile none\n");
    cr_expect_null(cfg.pid_file);
    cr_expect_str_eq(one_error("PidFile run/x.pid\n"),
                     F ":1: PidFile: \"run/x.pid\" is not an absolute path or none");
    cr_expect_str_eq(one_error("PasswdFile passwd\n"),
                     F ":1: PasswdFile: \"passwd\" is not an absolute path");
    cr_expect_str_eq(one_error("GroupFile \"\"\n"),
                     F ":1: GroupFile: \"\" is not an absolute path");
}

Test(config, safe_value_only_keywords)
{
    static const struct {
        const char *kw, *safe, *unsafe;
    } cases[] = {
        { "PasswordAuthentication", "no", "yes" },
        { "KbdInteractiveAuthentication", "no", "yes" },
        { "ChallengeResponseAuthentication", "no", "yes" },
        { "PermitEmptyPasswords", "no", "yes" },
        { "UsePAM", "no", "yes" },
        { "PubkeyAuthentication", "yes", "no" },
        { "AllowStreamLocalForwarding", "no", "all" },
        { "X11Forwarding", "no", "yes" },
        { "AllowAgentForwarding", "no", "yes" },
        { "PermitTunnel", "no", "point-to-point" },
        { "GatewayPorts", "no", "clientspecified" },
        { "UseDNS", "no", "yes" },
        { "Compression", "no", "delayed" },
    };
    char text[128], want[128];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "%s %s\n", cases[i].kw, cases[i].safe);
        ok(text);
        snprintf(text, sizeof(text), "\n\n%s %s\n", cases[i].kw, cases[i].unsafe);
        snprintf(want, sizeof(want), F ":3: %s %s: fallbackd ", cases[i].kw, cases[i].unsafe);
        const char *e = one_error(text);
        cr_expect(strncmp(e, want, strlen(want)) == 0, "%s", e);
    }
    cr_expect_str_eq(one_error("\n\nPasswordAuthentication yes\n"),
                     F ":3: PasswordAuthentication yes: fallbackd accepts public keys only");
    ok("passwordauthentication NO\n");
}

Test(config, tcp_forwarding_keywords)
{
    ok("AllowTcpForwarding yes\n");
    cr_expect_eq(cfg.allow_tcp_forwarding, 1);
    cr_expect(dump_has("allowtcpforwarding local"));
    ok("AllowTcpForwarding local\nAllowTcpForwarding no\n");
    cr_expect_eq(cfg.allow_tcp_forwarding, 1, "the first value wins");
    cr_expect_str_eq(one_error("AllowTcpForwarding remote\n"),
                     F ":1: AllowTcpForwarding: \"remote\" fallbackd forwards local ports "
                     "only (no, local, yes)");
    cr_expect_str_eq(one_error("AllowTcpForwarding maybe\n"),
                     F ":1: AllowTcpForwarding: bad value \"maybe\" (no, local, yes)");
    ok("PermitOpen 127.0.0.1:80 [::1]:* db:5432\nPermitOpen none\n");
    cr_assert_eq(cfg.permit_open.n, 3);
    cr_expect(dump_has("permitopen 127.0.0.1:80 [::1]:* db:5432"));
    ok("PermitOpen none\n");
    cr_expect(dump_has("permitopen none"));
    cr_expect_str_eq(one_error("PermitOpen any h:1\n"),
                     F ":1: PermitOpen: \"any\" must stand alone");
    cr_expect_str_eq(one_error("PermitOpen h:0\n"),
                     F ":1: PermitOpen: \"h:0\" port is not in 1-65535");
    ok("MaxForwardChannels 2\n");
    cr_expect_eq(cfg.max_forwards, 2);
    cr_expect_str_eq(one_error("MaxForwardChannels 0\n"),
                     F ":1: MaxForwardChannels: \"0\" is not a number 1-64");
}

Test(config, match_and_include_are_refused)
{
    cr_expect_str_eq(one_error("Match User bob\n"),
                     F ":1: Match: not supported by fallbackd");
    cr_expect_str_eq(one_error("Include /etc/fallbackd/conf.d/*\n"),
                     F ":1: Include: not supported by fallbackd");
    cr_expect_str_eq(one_error("match\n"), F ":1: Match: not supported by fallbackd");
}

/* ---- dump round trip --------------------------------------------------- */

/* Parse TEXT, dump, parse the dump, dump again: the two dumps are equal. */
static void round_trip(const char *text)
{
    struct fbd_config again;
    struct diag d = { 0 };
    char *first;
    char *second;

    ok(text);
    first = dump(&cfg);
    cr_assert_eq(config_parse("dump", first, strlen(first), &again, &d), 0,
                 "the dump does not parse: %s\n%s", d.n > 0 ? d.msgs[0] : "", first);
    second = dump(&again);
    cr_expect_str_eq(second, first);
    config_free(&again);
    diag_free(&d);
    free(first);
    free(second);
}

Test(config, dump_round_trip)
{
    round_trip("");
    round_trip("Port 22\nPort 2222\nListenAddress 192.0.2.7\nListenAddress [::1]:23\n"
               "HostKey /etc/k1\nHostKey \"/etc/key two\"\n"
               "AuthorizedKeysFile %h/.ssh/authorized_keys\n"
               "AllowUsers alice bob@192.0.2.0/24\nDenyUsers \"#x\"\n"
               "AllowGroups wheel\nDenyGroups \"=eq\"\n"
               "PermitRootLogin forced-commands-only\nPermitUserEnvironment yes\n"
               "PermitTTY no\nAcceptEnv LANG LC_* \"W S\"\n"
               "Subsystem sftp /usr/lib/openssh/sftp-server -l INFO\n"
               "Subsystem odd \" lead\" \"in  side\" \"q\\\"b\\\\\" \"\" end\n"
               "LoginGraceTime 1m\nMaxAuthTries 3\nMaxSessions 2\nMaxStartups 3:40:9\n"
               "ClientAliveInterval 15\nClientAliveCountMax 0\nTCPKeepAlive no\n"
               "LogLevel DEBUG3\nSyslogFacility LOCAL7\nPidFile /run/f.pid\n"
               "SessionLinger 0\nPasswdFile /p\nGroupFile /g\n"
               "PasswordAuthentication no\nUseDNS no\n");
}

Test(config, dump_lines)
{
    ok("Subsystem sftp /usr/lib/openssh/sftp-server\nAcceptEnv LANG LC_*\n"
       "HostKey \"/k/with space\"\n");
    cr_expect(dump_has("subsystem sftp /usr/lib/openssh/sftp-server"));
    cr_expect(dump_has("acceptenv LANG LC_*"));
    cr_expect(dump_has("hostkey \"/k/with space\""));
    cr_expect(dump_has("port 1022"));
    cr_expect(!dump_has("allowusers"), "empty lists are not printed");
}

Test(config, algorithm_keywords)
{
    ok("KexAlgorithms -sntrup761*\nCiphers ^aes128-ctr\nMACs +hmac-sha2-512\n"
       "HostKeyAlgorithms ssh-ed25519\nPubkeyAcceptedAlgorithms ssh-ed25519,rsa-sha2-512\n"
       "KexAlgorithms curve25519-sha256\n");
    cr_expect(dump_has("kexalgorithms mlkem768x25519-sha256,curve25519-sha256,"
                       "curve25519-sha256@libssh.org"), "first value wins");
    cr_expect(dump_has("ciphers aes128-ctr,chacha20-poly1305@openssh.com,"
                       "aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr"));
    cr_expect(dump_has("macs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
                       "hmac-sha2-512"));
    cr_expect(dump_has("hostkeyalgorithms ssh-ed25519"));
    cr_expect(dump_has("pubkeyacceptedalgorithms ssh-ed25519,rsa-sha2-512"));
    cr_expect_str_eq(cfg.algorithms[ALGO_HOSTKEY], "ssh-ed25519");
}

Test(config, algorithm_keyword_errors)
{
    cr_expect_str_eq(one_error("Port 22\nCiphers aes128-ctr,3des-cbc\n"),
                     F ":2: Ciphers: \"3des-cbc\" is not an algorithm fallbackd supports "
                     "(chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
                     "aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr)");
    cr_expect_str_eq(one_error("MACs -hmac-sha2-*-etm@openssh.com\n"),
                     F ":1: MACs: \"-hmac-sha2-*-etm@openssh.com\" leaves no algorithm");
    cr_expect_str_eq(one_error("KexAlgorithms a b\n"),
                     F ":1: KexAlgorithms: extra argument \"b\"");
}

/* ---- config_load ------------------------------------------------------- */

/* Write TEXT to a fresh temporary file; its name in PATH (>= 32 bytes). */
static void temp_file(char *path, const char *text)
{
    int fd;

    strcpy(path, "/tmp/test_config.XXXXXX");
    fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

Test(config, load_file)
{
    char path[64];
    char want[128];

    temp_file(path, "Port 2022\nSubsystem sftp /usr/lib/openssh/sftp-server\n");
    cr_assert_eq(config_load(path, &cfg, &errs), 0);
    cr_expect_eq(cfg.ports[0], 2022);
    cr_expect_str_eq(cfg.path, path);
    cr_expect_str_eq(config_subsystem(&cfg, "sftp"), "/usr/lib/openssh/sftp-server");
    config_free(&cfg);

    temp_file(path, "Port 22\n\nPort nope\n");
    cr_assert_eq(config_load(path, &cfg, &errs), -1);
    cr_assert_eq(errs.n, 1);
    snprintf(want, sizeof(want), "%s:3: Port: \"nope\" is not a port number (1-65535)", path);
    cr_expect_str_eq(errs.msgs[0], want);
    unlink(path);
}

Test(config, load_unreadable)
{
    cr_assert_eq(config_load("/nonexistent/fallbackd.conf", &cfg, &errs), -1);
    cr_assert_eq(errs.n, 1);
    cr_expect_str_eq(errs.msgs[0],
                     "/nonexistent/fallbackd.conf: cannot read: No such file or directory");
    config_free(&cfg);
    diag_free(&errs);
    cr_assert_eq(config_load("/tmp", &cfg, &errs), -1);
    cr_assert_eq(errs.n, 1);
    cr_expect_str_eq(errs.msgs[0], "/tmp: cannot read: Is a directory");
}

/* ---- the keywords of a door that must survive faults ------------------- */

Test(config, allow_from_takes_addresses_and_cidr_blocks)
{
    ok("AllowFrom 192.0.2.0/24 2001:db8::/32\nAllowFrom 127.0.0.1\n");
    cr_assert_eq(cfg.allow_from.n, 3);
    cr_expect_str_eq(cfg.allow_from.v[2], "127.0.0.1");
    cr_expect(dump_has("allowfrom 192.0.2.0/24 2001:db8::/32 127.0.0.1"));
}

Test(config, allow_from_refuses_names_wildcards_and_host_bits)
{
    cr_expect(strstr(one_error("AllowFrom gateway.example\n"), F ":1: AllowFrom") != NULL);
    cr_expect(strstr(one_error("AllowFrom 10.*\n"), "not an address or CIDR block") != NULL);
    cr_expect(strstr(one_error("\nAllowFrom 10.0.0.1/8\n"), F ":2: ") != NULL);
}

Test(config, per_source_limits)
{
    ok("PerSourceMaxStartups 3\nPerSourceNetBlockSize 24:48\n");
    cr_expect_eq(cfg.per_source_max_startups, 3);
    cr_expect_eq(cfg.per_source_bits4, 24);
    cr_expect_eq(cfg.per_source_bits6, 48);
    ok("PerSourceMaxStartups none\n");
    cr_expect_eq(cfg.per_source_max_startups, 0);
    cr_expect(dump_has("persourcemaxstartups none"));
    cr_expect(strstr(one_error("PerSourceMaxStartups 0\n"), ">= 1 or none") != NULL);
    cr_expect(strstr(one_error("PerSourceNetBlockSize 33:64\n"), "prefix lengths") != NULL);
    cr_expect(strstr(one_error("PerSourceNetBlockSize 24:0\n"), "prefix lengths") != NULL);
}

Test(config, rescue_shell_is_an_absolute_command_or_none)
{
    ok("RescueShell /usr/local/bin/sash -i\n");
    cr_expect_str_eq(cfg.rescue_shell, "/usr/local/bin/sash -i");
    ok("RescueShell none\n");
    cr_expect_null(cfg.rescue_shell);
    cr_expect(dump_has("rescueshell none"));
    cr_expect(strstr(one_error("RescueShell busybox sh\n"), "absolute path") != NULL);
}

Test(config, door_lifetime_is_a_time)
{
    ok("DoorLifetime 2h\n");
    cr_expect_eq(cfg.door_lifetime, 7200);
    ok("DoorLifetime 1h30m\n");
    cr_expect_eq(cfg.door_lifetime, 5400);
    cr_expect(strstr(one_error("DoorLifetime soon\n"), "is not a time") != NULL);
}

Test(config, sandbox_ids_are_numeric_and_never_root)
{
    ok("Sandbox no\nSandboxUidRange 70000-70009\nSandboxGid 998\n");
    cr_expect_eq(cfg.sandbox, 0);
    cr_expect_eq(cfg.sandbox_uid_lo, 70000);
    cr_expect_eq(cfg.sandbox_uid_hi, 70009);
    cr_expect_eq(cfg.sandbox_gid, 998);
    cr_expect(dump_has("sandboxuidrange 70000-70009"));
    cr_expect(strstr(one_error("SandboxUidRange 0-10\n"), "1 <= LO <= HI") != NULL);
    cr_expect(strstr(one_error("SandboxUidRange 20-10\n"), "1 <= LO <= HI") != NULL);
    cr_expect(strstr(one_error("SandboxUidRange 65534\n"), "is not LO-HI") != NULL);
    cr_expect(strstr(one_error("SandboxUidRange 1-2147483647\n"), "LO-HI") != NULL);
    cr_expect(strstr(one_error("SandboxGid nobody\n"), "is not a number") != NULL);
}

Test(config, sandbox_uid_alone_is_refused_with_its_replacement)
{
    cr_expect(strstr(one_error("SandboxUid 65534\n"), "replaced by SandboxUidRange") != NULL);
}

Test(config, sandbox_modes)
{
    ok("Sandbox strict\n");
    cr_expect_eq(cfg.sandbox, SANDBOX_STRICT);
    cr_expect(dump_has("sandbox strict"));
    ok("Sandbox yes\n");
    cr_expect_eq(cfg.sandbox, SANDBOX_STRICT);
    ok("Sandbox AUTO\n");
    cr_expect_eq(cfg.sandbox, SANDBOX_AUTO);
    ok("");
    cr_expect_eq(cfg.sandbox, SANDBOX_AUTO);
    cr_expect(strstr(one_error("Sandbox maybe\n"), "auto, strict, yes (= strict), no") != NULL);
}

Test(config, per_source_penalties)
{
    ok("");
    cr_expect(dump_has("persourcepenalties crash:90 authfail:5 noauth:1 grace-exceeded:10 "
                       "refuseconnection:10 max:600 min:15 max-sources4:65536 "
                       "max-sources6:65536 overflow:permissive overflow6:permissive"));
    ok("PerSourcePenalties crash:1h overflow6:deny-all\n");
    cr_expect_eq(cfg.penalties.crash, 3600);
    cr_expect_eq(cfg.penalties.overflow_deny6, 1);
    ok("PerSourcePenalties no\n");
    cr_expect(dump_has("persourcepenalties no"));
    cr_expect(strstr(one_error("PerSourcePenalties crash:soon\n"), "needs a time") != NULL);
    cr_expect(strstr(one_error("PerSourcePenalties bogus:1\n"), "is not yes, no") != NULL);
    cr_expect(strstr(one_error("PerSourcePenalties no crash:1\n"), "stands alone") != NULL);
    cr_expect(strstr(one_error("PerSourcePenalties overflow:maybe\n"), "deny-all") != NULL);
    ok("PerSourcePenaltyExemptList 10.0.0.0/8,192.0.2.1 AllowFrom\n");
    cr_expect_eq(cfg.penalty_exempt.n, 2);
    cr_expect(strstr(one_error("PerSourcePenaltyExemptList 10.0.0.0/8,\n"), "comma") != NULL);
    cr_expect(strstr(one_error("PerSourcePenaltyExemptList host.example\n"),
                     "not an address") != NULL);
}

/* ---- the incident console ---------------------------------------------- */

Test(config, diagnose_keywords)
{
    char *d;

    ok("DiagnoseAtLogin always\nDiagnoseFiles /root/upgrade.rc ~/up.rc\n"
       "DiagnoseFiles /var/tmp/x\n");
    cr_expect_eq(cfg.diagnose_at_login, DIAG_LOGIN_ALWAYS);
    cr_assert_eq(cfg.diagnose_files.n, 3);
    cr_expect_str_eq(cfg.diagnose_files.v[1], "~/up.rc");
    d = dump(&cfg);
    cr_expect(strstr(d, "diagnoseatlogin always\n") != NULL, "%s", d);
    cr_expect(strstr(d, "diagnosefiles /root/upgrade.rc ~/up.rc /var/tmp/x\n") != NULL, "%s", d);
    free(d);
    ok("DiagnoseAtLogin no\n");
    cr_expect_eq(cfg.diagnose_at_login, DIAG_LOGIN_NO);
}

Test(config, diagnose_keywords_refuse_bad_values)
{
    cr_expect(strstr(one_error("DiagnoseAtLogin sometimes\n"), "yes, no, always") != NULL);
    cr_expect(strstr(one_error("DiagnoseFiles relative/path\n"), "relative/path") != NULL);
    cr_expect(strstr(one_error("DiagnoseFiles ~/\n"), "not an absolute path") != NULL);
}
