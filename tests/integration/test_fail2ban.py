"""Debian's fail2ban `sshd` filter finds fallbackd's refused logins.

The door runs in syslog mode (no -e) with /dev/log, in its own mount
namespace, bound to a socket of the test (test_faults.NsDoor).  Its
datagrams ("<PRI>Mmm dd hh:mm:ss fallbackd[PID]: MESSAGE") are written as
rsyslog writes them to auth.log (priority dropped, the host name added),
and fail2ban-regex runs Debian's /etc/fail2ban/filter.d/sshd.conf over
that file with _daemon=fallbackd, as packaging/fail2ban/fallbackd.conf
configures the jail.
"""
import re
import shutil
import socket
import subprocess

import pytest

from fbdtest import ALICE, BOB, CAROL, NOSUCH, REPO, ssh_ok, ssh_refused
from test_faults import ns_door  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(shutil.which("fail2ban-regex") is None,
                                reason="fail2ban not installed (make test-deps)")
FILTER = "sshd[_daemon=fallbackd]"


def auth_log(door, path):
    """The door's syslog datagrams as rsyslog writes them."""
    host = socket.gethostname()
    lines = []
    for line in door.log().splitlines():
        m = re.match(r"<\d+>(\w{3} [ \d]\d \d\d:\d\d:\d\d) (fallbackd\[\d+\]: .*)$", line)
        assert m, f"not a syslog line of the door: {line!r}"
        lines.append(f"{m.group(1)} {host} {m.group(2)}\n")
    path.write_text("".join(lines))
    return path


def failures(log, token="user"):
    """fail2ban-regex's failures, one `token` per failure counted."""
    r = subprocess.run(["fail2ban-regex", "--out", token, str(log), FILTER],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_refused_logins_are_failures_accepted_ones_are_not(ns_door, keys, tmp_path):
    """Every kind of refusal is counted against the source by Debian's
    filter (invalid user, user not allowed, root refused, MaxAuthTries);
    an accepted login is not."""
    door = ns_door(mode="syslog", AllowUsers=f"{ALICE} {CAROL} root", PermitRootLogin="no",
                   MaxAuthTries=3)
    door.authorize(CAROL, keys["ed25519"])
    ssh_refused(door, NOSUCH, keys["ed25519"])
    ssh_refused(door, BOB, keys["ed25519"])
    ssh_refused(door, "root", keys["ed25519"])
    ssh_refused(door, ALICE, [keys[f"stranger{i}"] for i in range(4)])
    assert ssh_ok(door, CAROL, keys["ed25519"], "echo in") == "in\n"
    door.wait_for_log(r"Accepted publickey for " + CAROL)
    door.wait_for_log(r"maximum authentication attempts exceeded for " + ALICE)
    log = auth_log(door, tmp_path / "auth.log")
    users = failures(log)
    for who in (NOSUCH, BOB, "root", ALICE):
        assert who in users, f"no failure counted for {who}: {users}\n{log.read_text()}"
    assert CAROL not in users
    assert set(failures(log, "ip")) == {"127.0.0.1"}
    # The same lines under sshd's own name are what the filter was written
    # for: it counts them the same way.
    as_sshd = tmp_path / "as-sshd.log"
    as_sshd.write_text(re.sub(r" fallbackd\[", " sshd[", log.read_text()))
    r = subprocess.run(["fail2ban-regex", "--out", "user", str(as_sshd), "sshd"],
                       capture_output=True, text=True, timeout=120)
    assert sorted(r.stdout.split()) == sorted(users)


def test_jail_snippet_uses_the_filter_tested_here():
    """packaging/fail2ban/fallbackd.conf configures what this test runs."""
    text = (REPO / "packaging" / "fail2ban" / "fallbackd.conf").read_text()
    assert re.search(rf"^filter = {re.escape(FILTER)}$", text, re.M)
    assert re.search(r"^journalmatch = SYSLOG_IDENTIFIER=fallbackd$", text, re.M)


def test_jail_snippet_loads(tmp_path):
    """fail2ban reads the jail with Debian's configuration: the jail is
    added on the journal backend with Debian's sshd filter under our name."""
    conf = tmp_path / "fail2ban"
    shutil.copytree("/etc/fail2ban", conf)
    shutil.copy(REPO / "packaging" / "fail2ban" / "fallbackd.conf", conf / "jail.d")
    r = subprocess.run(["fail2ban-client", "-c", str(conf), "-d"], capture_output=True,
                       text=True, timeout=120)
    assert "['add', 'fallbackd', 'systemd']" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    assert re.search(r"\['set', 'fallbackd', 'prefregex', '[^']*fallbackd", r.stdout)
    assert "LOGIN REFUSED FROM <HOST>" in r.stdout
