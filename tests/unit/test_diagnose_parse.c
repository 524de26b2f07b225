/* test_diagnose_parse.c - Criterion tests for the incident console's
 * parsers (fallbackd/diagnose/dg_parse.h), suite "diagnose_parse".
 *
 * Samples are real: lines copied from /proc of Debian 12 machines (a
 * listener on 0.0.0.0:2024, a tcp6 listener on :::22, maps of an sshd
 * whose libcrypto was replaced, /proc/locks with a dpkg lock) and a dpkg
 * status with one package in every state dpkg writes.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "diagnose/dg_parse.h"
#include "sshd_config_reader.h"

#define S(x) x, strlen(x)

/* ---- dpkg status ---- */

static const char dpkg_sample[] =
    "Package: openssh-client\n"
    "Status: install ok installed\n"
    "Priority: standard\n"
    "Version: 1:9.2p1-2+deb12u10\n"
    "Conffiles:\n"
    " /etc/ssh/ssh_config 8a5bddc82befb71d8ef34cc903d3d077\n"
    "Description: secure shell (SSH) client, for secure access to remote machines\n"
    " This is the portable version of OpenSSH.\n"
    " .\n"
    " Status: install ok half-configured\n"
    "\n"
    "Package: openssh-server\n"
    "Status: install ok half-configured\n"
    "Version: 1:9.2p1-2+deb12u6\n"
    "\n"
    "Package: libssl3\n"
    "Status: install ok unpacked\n"
    "Version: 3.0.16-1~deb12u1\n"
    "\n"
    "Package: libc6\n"
    "Status: install reinstreq half-installed\n"
    "\n"
    "Package: man-db\n"
    "Status: install ok triggers-pending\n"
    "\n"
    "Package: libc-bin\n"
    "Status: install ok triggers-awaited\n"
    "\n"
    "Package: old-thing\n"
    "Status: deinstall ok config-files\n"
    "\n"
    "package: lowercase-fields\n"
    "STATUS: install ok installed\n"
    "\n"
    "Package: no-status\n"
    "Version: 1\n"
    "\n"
    "Package: bad-status\n"
    "Status: install ok\n"
    "\n"
    "Package: last-without-newline\n"
    "Status: purge ok not-installed";

struct collected {
    struct dg_pkg pkgs[16];
    size_t n;
    size_t stop_after;
};

static int collect(void *arg, const struct dg_pkg *p)
{
    struct collected *c = arg;

    if (c->n < 16) {
        c->pkgs[c->n++] = *p;
    }
    return c->stop_after != 0 && c->n == c->stop_after;
}

Test(diagnose_parse, dpkg_every_state)
{
    struct collected c = { .n = 0 };
    size_t bad = 99, seen = dg_dpkg_each(S(dpkg_sample), collect, &c, &bad);
    static const struct {
        const char *name, *state;
        int unfinished;
    } want[] = {
        { "openssh-client", "installed", 0 },  { "openssh-server", "half-configured", 1 },
        { "libssl3", "unpacked", 1 },          { "libc6", "half-installed", 1 },
        { "man-db", "triggers-pending", 1 },   { "libc-bin", "triggers-awaited", 1 },
        { "old-thing", "config-files", 0 },    { "lowercase-fields", "installed", 0 },
        { "last-without-newline", "not-installed", 0 },
    };

    cr_assert_eq(seen, 11);
    cr_assert_eq(bad, 2, "no-status and bad-status are malformed, got %zu", bad);
    cr_assert_eq(c.n, 9);
    for (size_t i = 0; i < 9; i++) {
        cr_assert_str_eq(c.pkgs[i].name, want[i].name);
        cr_assert_str_eq(c.pkgs[i].state, want[i].state, "%s", want[i].name);
        cr_assert_eq(dg_pkg_unfinished(&c.pkgs[i]), want[i].unfinished, "%s", want[i].name);
    }
    cr_assert_str_eq(c.pkgs[1].version, "1:9.2p1-2+deb12u6");
    cr_assert_str_eq(c.pkgs[3].flag, "reinstreq");
    cr_assert_str_eq(c.pkgs[6].want, "deinstall");
}

Test(diagnose_parse, dpkg_stop_and_empty)
{
    struct collected c = { .stop_after = 2 };
    size_t bad;

    dg_dpkg_each(S(dpkg_sample), collect, &c, &bad);
    cr_assert_eq(c.n, 2);
    c.n = 0;
    c.stop_after = 0;
    cr_assert_eq(dg_dpkg_each("", 0, collect, &c, &bad), 0);
    cr_assert_eq(dg_dpkg_each(S("\n\n\n"), collect, &c, &bad), 0);
    cr_assert_eq(c.n, 0);
}

Test(diagnose_parse, dpkg_overlong_values_are_malformed)
{
    char text[600];
    struct collected c = { .n = 0 };
    size_t bad;

    memset(text, 'a', sizeof(text));
    memcpy(text, "Package: ", 9);
    memcpy(text + 400, "\nStatus: install ok installed\n", 30);
    dg_dpkg_each(text, 430, collect, &c, &bad);
    cr_assert_eq(c.n, 0);
    cr_assert_eq(bad, 1);
}

/* ---- /proc/net/tcp ---- */

Test(diagnose_parse, tcp_listener_v4)
{
    struct dg_tcp t;
    char addr[64];

    cr_assert_eq(dg_tcp_parse_line(S("   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 "
                                     "00:00000000 00000000     0        0 1596 1 "
                                     "000000005d16a3d1 100 0 0 10 0"), &t), 0);
    cr_assert_eq(t.v6, 0);
    cr_assert_eq(t.port, 2024);
    cr_assert_eq(t.state, DG_TCP_LISTEN);
    cr_assert_eq(t.inode, 1596);
    cr_assert_eq(t.uid, 0);
    dg_tcp_addr_str(&t, addr, sizeof(addr));
    cr_assert_str_eq(addr, "0.0.0.0");
}

Test(diagnose_parse, tcp_established_loopback)
{
    struct dg_tcp t;
    char addr[64];

    cr_assert_eq(dg_tcp_parse_line(S("   1: 0300007F:B215 0100007F:91D3 06 00000000:00000000 "
                                     "03:00000064 00000000  1000        0 0 3 "
                                     "000000003deef592"), &t), 0);
    cr_assert_eq(t.state, 6);
    cr_assert_eq(t.port, 0xB215);
    cr_assert_eq(t.uid, 1000);
    dg_tcp_addr_str(&t, addr, sizeof(addr));
    cr_assert_str_eq(addr, "127.0.0.3");
}

Test(diagnose_parse, tcp6_listener)
{
    struct dg_tcp t;
    char addr[64];

    cr_assert_eq(dg_tcp_parse_line(S("   0: 00000000000000000000000000000000:0016 "
                                     "00000000000000000000000000000000:0000 0A "
                                     "00000000:00000000 00:00000000 00000000     0        0 "
                                     "31337 1 0000000000000000 100 0 0 10 0"), &t), 0);
    cr_assert_eq(t.v6, 1);
    cr_assert_eq(t.port, 22);
    cr_assert_eq(t.inode, 31337);
    dg_tcp_addr_str(&t, addr, sizeof(addr));
    cr_assert_str_eq(addr, "::");
    cr_assert_eq(dg_tcp_parse_line(S("   0: 00000000000000000000000001000000:0016 "
                                     "00000000000000000000000000000000:0000 0A "
                                     "00000000:00000000 00:00000000 00000000     0        0 "
                                     "7 1"), &t), 0);
    dg_tcp_addr_str(&t, addr, sizeof(addr));
    cr_assert_str_eq(addr, "::1");
}

Test(diagnose_parse, tcp_rejects_header_and_garbage)
{
    struct dg_tcp t;

    cr_assert_eq(dg_tcp_parse_line(S("  sl  local_address rem_address   st tx_queue rx_queue tr "
                                     "tm->when retrnsmt   uid  timeout inode"), &t), -1);
    cr_assert_eq(dg_tcp_parse_line(S(""), &t), -1);
    cr_assert_eq(dg_tcp_parse_line(S("   0: 0000000:07E8 00000000:0000 0A 0:0 0:0 0 0 0 1 1"),
                                   &t), -1, "7-digit address");
    cr_assert_eq(dg_tcp_parse_line(S("   0: 00000000:07E8 00000000000000000000000000000000:0000 "
                                     "0A 0:0 0:0 0 0 0 1 1"), &t), -1, "mixed families");
    cr_assert_eq(dg_tcp_parse_line(S("   0: 00000000:7E8 00000000:0000 0A 0:0 0:0 0 0 0 1 1"),
                                   &t), -1, "3-digit port");
    cr_assert_eq(dg_tcp_parse_line(S("   0: 00000000:07E8 00000000:0000 0A 0:0 0:0 0 0 0 "
                                     "99999999999999999999 1"), &t), -1, "inode overflow");
    cr_assert_eq(dg_tcp_parse_line(S("   0: 0000000G:07E8 00000000:0000 0A 0:0 0:0 0 0 0 1 1"),
                                   &t), -1, "not hex");
}

/* ---- /proc/PID/maps ---- */

Test(diagnose_parse, maps_deleted_library)
{
    struct dg_map m;

    cr_assert_eq(dg_map_parse_line(S("7f3a1c028000-7f3a1c1bd000 r-xp 00028000 08:01 1835027    "
                                     "              /usr/lib/x86_64-linux-gnu/libcrypto.so.3 "
                                     "(deleted)"), &m), 0);
    cr_assert_str_eq(m.path, "/usr/lib/x86_64-linux-gnu/libcrypto.so.3");
    cr_assert_eq(m.deleted, 1);
    cr_assert_eq(m.exec, 1);
    cr_assert_eq(m.inode, 1835027);
}

Test(diagnose_parse, maps_plain_anonymous_and_spaces)
{
    struct dg_map m;

    cr_assert_eq(dg_map_parse_line(S("55d0c2a00000-55d0c2a0c000 r--p 00000000 08:01 1310821    "
                                     "                /usr/sbin/sshd"), &m), 0);
    cr_assert_str_eq(m.path, "/usr/sbin/sshd");
    cr_assert_eq(m.deleted, 0);
    cr_assert_eq(m.exec, 0);
    cr_assert_eq(dg_map_parse_line(S("7ffd5c5d2000-7ffd5c5f3000 rw-p 00000000 00:00 0          "
                                     "                [stack]"), &m), 0);
    cr_assert_str_eq(m.path, "[stack]");
    cr_assert_eq(dg_map_parse_line(S("7f0000000000-7f0000001000 rw-p 00000000 00:00 0"), &m), 0);
    cr_assert_str_eq(m.path, "");
    cr_assert_eq(dg_map_parse_line(S("7f0000000000-7f0000001000 r-xp 00000000 08:01 12 "
                                     "/opt/my dir/lib x.so (deleted)"), &m), 0);
    cr_assert_str_eq(m.path, "/opt/my dir/lib x.so");
    cr_assert_eq(m.deleted, 1);
    cr_assert_eq(dg_map_parse_line(S("7f96ab434000-7f96ab507000 r-xp 0000a000 00:01 24 "
                                     "/memfd:sealed-91173221a7ea (deleted)"), &m), 0);
    cr_assert_str_eq(m.path, "/memfd:sealed-91173221a7ea");
}

Test(diagnose_parse, maps_rejects_garbage)
{
    struct dg_map m;

    cr_assert_eq(dg_map_parse_line(S("garbage"), &m), -1);
    cr_assert_eq(dg_map_parse_line(S("7f00-7f01 r-x 0 08:01 1 /x"), &m), -1, "3-letter perms");
    cr_assert_eq(dg_map_parse_line(S("7f00 r-xp 0 08:01 1 /x"), &m), -1, "no range");
    cr_assert_eq(dg_map_parse_line(S("7f00-7f01 r-xp 0 0801 1 /x"), &m), -1, "no dev colon");
    cr_assert_eq(dg_map_parse_line(S("7f00-7f01 r-xp 0 08:01 x1 /x"), &m), -1, "inode");
}

/* ---- /proc/locks ---- */

Test(diagnose_parse, locks_posix_flock_ofd_waiter)
{
    struct dg_lock l;

    cr_assert_eq(dg_lock_parse_line(S("1: POSIX  ADVISORY  WRITE 1234 08:01:1835100 0 EOF"), &l),
                 0);
    cr_assert_str_eq(l.type, "POSIX");
    cr_assert_eq(l.write, 1);
    cr_assert_eq(l.pid, 1234);
    cr_assert_eq(l.major, 8);
    cr_assert_eq(l.minor, 1);
    cr_assert_eq(l.inode, 1835100);
    cr_assert_eq(l.waiting, 0);
    cr_assert_eq(dg_lock_parse_line(S("2: FLOCK  ADVISORY  READ 987 00:1f:5241 0 EOF"), &l), 0);
    cr_assert_str_eq(l.type, "FLOCK");
    cr_assert_eq(l.write, 0);
    cr_assert_eq(l.minor, 0x1f);
    cr_assert_eq(dg_lock_parse_line(S("3: OFDLCK ADVISORY  WRITE -1 fd:00:77 0 EOF"), &l), 0);
    cr_assert_eq(l.pid, -1);
    cr_assert_eq(l.major, 0xfd);
    cr_assert_eq(dg_lock_parse_line(S("3: -> POSIX  ADVISORY  WRITE 4321 08:01:1835100 0 EOF"),
                                    &l), 0);
    cr_assert_eq(l.waiting, 1);
    cr_assert_eq(l.pid, 4321);
}

Test(diagnose_parse, locks_rejects_garbage)
{
    struct dg_lock l;

    cr_assert_eq(dg_lock_parse_line(S(""), &l), -1);
    cr_assert_eq(dg_lock_parse_line(S("1: POSIX ADVISORY WRITE 12 08:01 0 EOF"), &l), -1);
    cr_assert_eq(dg_lock_parse_line(S("1: POSIX ADVISORY WRITE x 08:01:1 0 EOF"), &l), -1);
    cr_assert_eq(dg_lock_parse_line(S("1 POSIX ADVISORY WRITE 1 08:01:1 0 EOF"), &l), -1);
    cr_assert_eq(dg_lock_parse_line(S("1: -> POSIX ADVISORY WRITE"), &l), -1);
}

/* ---- /proc/meminfo ---- */

Test(diagnose_parse, meminfo_real_sample)
{
    struct dg_meminfo m;
    static const char text[] =
        "MemTotal:       24683664 kB\n"
        "MemFree:        23662720 kB\n"
        "MemAvailable:   24249212 kB\n"
        "Buffers:           10728 kB\n"
        "SwapTotal:       1048572 kB\n"
        "SwapFree:         524286 kB\n"
        "HugePages_Total:       0\n";

    cr_assert_eq(dg_meminfo_parse(S(text), &m), 0);
    cr_assert_eq(m.total_kb, 24683664ULL);
    cr_assert_eq(m.avail_kb, 24249212ULL);
    cr_assert_eq(m.swap_total_kb, 1048572ULL);
    cr_assert_eq(m.swap_free_kb, 524286ULL);
    cr_assert_eq(dg_meminfo_parse(S("MemTotal: 5 kB\nMemFree: 1 kB\n"), &m), -1,
                 "no MemAvailable");
    cr_assert_eq(dg_meminfo_parse(S("MemTotal: 5 kB\nMemAvailable: x kB\n"), &m), -1);
}

/* ---- /proc/PID/stat ---- */

Test(diagnose_parse, pstat_real_and_hostile_comm)
{
    struct dg_pstat p;

    cr_assert_eq(dg_pstat_parse(S("5279 (cat) R 5268 5268 31883 0 -1 4194304 101 0 0 0 0 0 0 0 "
                                  "20 0 1 0 63406 3133440 388 18446744073709551615\n"), &p), 0);
    cr_assert_str_eq(p.comm, "cat");
    cr_assert_eq(p.state, 'R');
    cr_assert_eq(p.ppid, 5268);
    cr_assert_eq(p.starttime, 63406ULL);
    cr_assert_eq(dg_pstat_parse(S("77 (a) b) (c) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
                                  "999 0 0"), &p), 0);
    cr_assert_str_eq(p.comm, "a) b) (c");
    cr_assert_eq(p.starttime, 999ULL);
    cr_assert_eq(dg_pstat_parse(S("77 (a) S 1 2 3"), &p), -1, "too short");
    cr_assert_eq(dg_pstat_parse(S("77 a S 1"), &p), -1, "no comm");
}

Test(diagnose_parse, locks_type_with_nul_is_malformed)
{
    struct dg_lock l;
    static const char line[] = "1: \0POSIX ADVISORY WRITE 12 08:01:1 0 EOF";

    cr_assert_eq(dg_lock_parse_line(line, sizeof(line) - 1, &l), -1);
}

/* ---- sshd_config ports ---- */

/* Include patterns match nothing here: the machine's /etc/ssh is not read. */
static int no_files(void *arg, const char *pattern, char ***names, size_t *n, struct diag *d)
{
    *names = NULL;
    *n = 0;
    return 0;
}

static const struct sshdconf_source nothing_included = { .expand = no_files };

static void port_line(void *arg, const struct sshdconf_line *l)
{
    dg_sshd_conf_line(arg, l);
}

/* Add the lines of one sshd_config TEXT to C; the reader's result. */
static enum sshdconf_result add_text(const char *text, struct dg_sshd_conf *c)
{
    struct diag d = { 0 };
    struct sshdconf_reader r = {
        .fn = port_line, .arg = c, .diag = &d, .source = &nothing_included,
    };
    enum sshdconf_result res = sshdconf_read_text(&r, "sshd_config", S(text));

    diag_free(&d);
    return res;
}

/* The ports of one sshd_config TEXT, as "22,2222". */
static void ports_of(const char *text, char *out, size_t len, struct dg_sshd_conf *c)
{
    unsigned ports[DG_SSHD_MAX_PORTS];
    size_t n, o = 0;

    memset(c, 0, sizeof(*c));
    add_text(text, c);
    n = dg_sshd_conf_ports(c, ports, DG_SSHD_MAX_PORTS);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        o += (size_t)snprintf(out + o, len - o, "%s%u", i ? "," : "", ports[i]);
    }
}

/* Debian 12's shipped sshd_config (its first lines): no Port, an
 * Include of the drop-in directory. */
Test(diagnose_parse, sshd_config_debian_default)
{
    struct dg_sshd_conf c;
    char p[128];

    ports_of("\n# This is the sshd server system-wide configuration file.  See\n"
             "# sshd_config(5) for more information.\n\n"
             "Include /etc/ssh/sshd_config.d/*.conf\n\n"
             "#Port 22\n#AddressFamily any\n#ListenAddress 0.0.0.0\n#ListenAddress ::\n\n"
             "KbdInteractiveAuthentication no\nUsePAM yes\n"
             "Subsystem\tsftp\t/usr/lib/openssh/sftp-server\n", p, sizeof(p), &c);
    cr_assert_str_eq(p, "22");
    cr_assert_eq(c.bad, 0);
}

Test(diagnose_parse, sshd_config_ports_and_listen_addresses)
{
    struct dg_sshd_conf c;
    char p[128];

    ports_of("Port 2222\n  port=22\nPORT = 2200\nPort 2222\nPort 2201 # test\n", p, sizeof(p),
             &c);
    cr_assert_str_eq(p, "2222,22,2200,2201");
    ports_of("ListenAddress 10.0.0.1:2022\nListenAddress [::1]:2023\n", p, sizeof(p), &c);
    cr_assert_str_eq(p, "2022,2023", "every ListenAddress names its port: no 22");
    ports_of("ListenAddress 10.0.0.1:2022\nListenAddress ::1\n", p, sizeof(p), &c);
    cr_assert_str_eq(p, "22,2022", "a bare ListenAddress listens on Port's default");
    ports_of("ListenAddress [::1]\nListenAddress 0.0.0.0 rdomain vrf1\nPort 10022\n", p,
             sizeof(p), &c);
    cr_assert_str_eq(p, "10022");
    ports_of("ListenAddress \"127.0.0.1:22\"\nListenAddress 127.0.0.2:22\n", p, sizeof(p), &c);
    cr_assert_str_eq(p, "22");
}

Test(diagnose_parse, sshd_config_bad_values)
{
    struct dg_sshd_conf c;
    char p[128];

    ports_of("Port 0\nPort 65536\nPort ssh\nPort\nPort 1 2\nListenAddress 1.2.3.4:x\n"
             "ListenAddress [::1\nPort 65535\n", p, sizeof(p), &c);
    cr_assert_str_eq(p, "65535");
    cr_assert_eq(c.bad, 6, "Port without a value is the reader's problem, not counted");
    ports_of("Port 2222\nMatch User x\nPort 2223\nListenAddress 1.2.3.4:2224\n", p, sizeof(p),
             &c);
    cr_assert_str_eq(p, "2222", "sshd refuses Port and ListenAddress in a Match block");
    cr_assert_eq(c.bad, 2);
}

Test(diagnose_parse, sshd_config_accumulates_over_files)
{
    struct dg_sshd_conf c = { 0 };
    unsigned ports[DG_SSHD_MAX_PORTS];

    cr_assert_eq(add_text("# main\nInclude a.conf\n", &c), SSHDCONF_OK);
    cr_assert_eq(dg_sshd_conf_ports(&c, ports, DG_SSHD_MAX_PORTS), 1);
    cr_assert_eq(ports[0], 22);
    add_text("Port 2222\r\n", &c);      /* sshd takes \r as a blank */
    add_text("Port 2223", &c);
    cr_assert_eq(dg_sshd_conf_ports(&c, ports, DG_SSHD_MAX_PORTS), 2);
    cr_assert_eq(ports[0], 2222);
    cr_assert_eq(ports[1], 2223);
}
