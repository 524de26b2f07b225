"""The Debian package, end to end (make package-test).

Builds fallbackd_0.1.0-1 and a rebuild with a higher version (mk/deb.sh),
checks them with lintian, installs the first with dpkg -i, starts the
unit's ExecStart line (systemctl when systemd runs the machine), logs in,
upgrades to the second while a pty session is open, and checks that the
session and the listener live on, a new login works, and last shows the
door login; then restarts the listener the way systemctl restart does
with KillMode=process and purges the package.

Runs only with FALLBACKD_PACKAGE_TESTS=1 (make package-test).  Skipped when
fallbackd is already installed as a package or /etc/fallbackd
exists (a real door on this machine is never touched).
"""
import hashlib
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

import fbdtest
import loginrec
from fbdtest import ALICE, LOCALHOST, REPO, free_port, paramiko_client, read_until, run

ETC = Path("/etc/fallbackd")
UNITS = Path("/lib/systemd/system")
BUILD = REPO / "build"
V1, V2 = "0.1.0-1", "0.1.0-2"

pytestmark = [
    pytest.mark.skipif(os.environ.get("FALLBACKD_PACKAGE_TESTS") != "1",
                       reason="make package-test runs this (slow: builds two packages)"),
    pytest.mark.skipif(
        subprocess.run(["dpkg-query", "-W", "fallbackd"], capture_output=True).returncode == 0
        or ETC.exists(), reason="fallbackd is installed here already; not touching it"),
]


def sh(cmd, timeout=300, check=True):
    r = subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True,
                       timeout=timeout)
    if check:
        assert r.returncode == 0, f"{cmd}: exit {r.returncode}\n{r.stdout[-3000:]}{r.stderr[-3000:]}"
    return r


def systemd_runs():
    r = subprocess.run(["systemctl", "is-system-running"], capture_output=True, text=True)
    return r.stdout.strip() in ("running", "degraded", "starting")


def etc_ssh_digest():
    """sshd's configuration, to prove the package never touches it."""
    h = hashlib.sha256()
    for p in sorted(Path("/etc/ssh").rglob("*")) if Path("/etc/ssh").exists() else []:
        if p.is_file():
            h.update(str(p).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    """The two packages: {version: path}.  The build time is printed."""
    out = tmp_path_factory.mktemp("debs")
    t0 = time.monotonic()
    paths = {}
    for version, sub in ((V1, "v1"), (V2, "v2")):
        args = ["sh", str(REPO / "mk" / "deb.sh"), str(BUILD), str(out / sub)]
        r = sh(args + ([version] if version != V1 else []), timeout=900)
        paths[version] = Path(r.stdout.split()[-1])
        assert paths[version].name == f"fallbackd_{version}_amd64.deb"
    print(f"\npackage builds: {time.monotonic() - t0:.1f} s")
    return paths


@pytest.fixture(scope="module")
def installed(debs, users):
    """The first package installed; purged (and the door's processes ended)
    at the end, also after failures."""
    before = etc_ssh_digest()
    r = sh(["dpkg", "-i", str(debs[V1])])
    try:
        yield r
    finally:
        fbdtest.kill_pids(fbdtest.descendants(os.getpid()))
        fbdtest.reap_orphans()
        sh(["dpkg", "--purge", "fallbackd"], check=False)
        for p in (ETC / "keys" / ALICE, ETC / "keys", ETC):
            if p.is_dir():
                p.rmdir() if not any(p.iterdir()) else None
            elif p.exists():
                p.unlink()
        assert etc_ssh_digest() == before, "the package changed /etc/ssh"


def test_lintian_no_errors(debs):
    """lintian: no error; the only warning kept is the one README.Debian
    names (no ITP bug to close)."""
    r = sh(["lintian", "--tag-display-limit", "0", str(debs[V1])], check=False, timeout=600)
    tags = [l for l in r.stdout.splitlines() if re.match(r"[EW]: ", l)]
    assert [t for t in tags if t.startswith("E:")] == []
    assert [t.split()[2] for t in tags] in ([], ["initial-upload-closes-no-bugs"])


def test_install_opens_no_door(installed):
    """dpkg -i: binary, conffile, keys dir, units, pages in place; a host key
    was made; no door is listening and the unit is not enabled."""
    assert run(["/usr/sbin/fallbackd", "-V"]).stdout.decode().startswith(f"fallbackd {V1} ")
    conffiles = sh(["dpkg-query", "-W", "-f=${Conffiles}", "fallbackd"]).stdout
    assert "/etc/fallbackd/fallbackd.conf" in conffiles
    key = ETC / "ssh_host_ed25519_key"
    assert key.stat().st_mode & 0o777 == 0o600 and (ETC / "keys").is_dir()
    assert sh(["/usr/sbin/fallbackd", "-t"]).returncode == 0
    conf = (ETC / "fallbackd.conf").read_text()
    assert not re.search(r"^\s*Allow(Users|Groups)\b", conf, re.M), "nobody may log in"
    assert not any(os.path.realpath(f"/proc/{p}/exe") == "/usr/sbin/fallbackd"
                   for p in os.listdir("/proc") if p.isdigit() and os.path.exists(f"/proc/{p}/exe"))
    assert not Path("/etc/systemd/system/multi-user.target.wants/fallbackd.service").exists()
    assert "nobody may log in yet" in installed.stdout


def test_installed_pages_and_units(installed, tmp_path):
    """man -l renders both installed pages; systemd-analyze verify passes on
    the installed units, man: links included."""
    for page in ("/usr/share/man/man8/fallbackd.8.gz", "/usr/share/man/man5/fallbackd.conf.5.gz"):
        r = sh(["man", "--warnings", "-l", page])
        assert r.stderr == "" and "SEE ALSO" in re.sub(".\b", "", r.stdout)
    for unit in ("fallbackd.service", "fallbackd-upgrade@2h.service"):
        r = sh(["systemd-analyze", "verify", str(UNITS / unit)], check=False)
        assert r.returncode == 0 and r.stderr == "", r.stderr
    for doc in ("firewall/fallbackd.nft", "firewall/fallbackd.ufw", "fail2ban/fallbackd.conf",
                "firewall/fallbackd.firewalld.xml"):
        assert (Path("/usr/share/doc/fallbackd") / doc).is_file()


class Listener:
    """The unit's ExecStart line, run the way the unit runs it."""

    def __init__(self, unit="fallbackd.service"):
        text = (UNITS / unit).read_text()
        self.argv = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))
        self.proc = None

    def start(self, port):
        if systemd_runs():
            sh(["systemctl", "start", "fallbackd.service"])
        else:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            fbdtest._owned.add(self.proc.pid)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((LOCALHOST, port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"{self.argv} did not listen on {port}")

    def pid(self):
        if self.proc is not None:
            return self.proc.pid
        return int(sh(["systemctl", "show", "-p", "MainPID", "--value", "fallbackd"]).stdout)

    def stop(self):
        """What systemctl stop/restart does with KillMode=process: SIGTERM to
        the main process only."""
        if self.proc is None:
            sh(["systemctl", "stop", "fallbackd.service"])
            return
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)


class FakeDoor:
    """What fbdtest's client helpers need of a door."""

    def __init__(self, port):
        self.port = port
        self.hostkey = ETC / "ssh_host_ed25519_key"


def login(door, key):
    client = paramiko_client(door, ALICE, key)
    try:
        _, out, _ = client.exec_command("echo door-ok", timeout=10)
        return out.read().decode()
    finally:
        client.close()


def test_upgrade_keeps_sessions_and_listener(installed, debs, keys):
    """A pty session open through the installed door survives dpkg -i of a
    higher version; the listener is the same process, serving from the
    binary it started with; a new login works; last shows the door login.
    A restart (SIGTERM to the listener only, as KillMode=process) keeps the
    session too, and the new listener is the new binary."""
    port = free_port()
    (ETC / "keys" / ALICE).write_text(keys["ed25519"].line() + "\n")
    os.chmod(ETC / "keys" / ALICE, 0o644)
    conf = ETC / "fallbackd.conf"
    conf.write_text(re.sub(r"^Port 1022$", f"Port {port}\nListenAddress {LOCALHOST}",
                           conf.read_text(), flags=re.M) + f"AllowUsers {ALICE}\n")
    door = FakeDoor(port)
    since = loginrec.size(loginrec.WTMP)
    listener = Listener().start(port)
    pid = listener.pid()
    client = paramiko_client(door, ALICE, keys["ed25519"])
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.get_pty()
        chan.exec_command("tty; echo READY; exec cat")
        tty = re.search(r"/dev/(pts/\d+)", read_until(chan, b"READY").decode()).group(1)

        sh(["dpkg", "-i", str(debs[V2])])
        assert sh(["dpkg-query", "-W", "-f=${Version}", "fallbackd"]).stdout == V2
        assert run(["/usr/sbin/fallbackd", "-V"]).stdout.decode().startswith(f"fallbackd {V2} ")
        assert listener.pid() == pid and os.readlink(f"/proc/{pid}/exe").endswith("(deleted)")
        chan.sendall(b"still-here\n")
        read_until(chan, b"still-here")
        assert login(door, keys["ed25519"]) == "door-ok\n"

        listener.stop()
        listener = Listener().start(port)
        assert os.readlink(f"/proc/{listener.pid()}/exe") == "/usr/sbin/fallbackd"
        chan.sendall(b"after-restart\n")
        read_until(chan, b"after-restart")
        assert login(door, keys["ed25519"]) == "door-ok\n"
        chan.close()
    finally:
        client.close()
        listener.stop()
    last = sh(["last", "-w", "-f", str(loginrec.WTMP), ALICE]).stdout
    assert re.search(rf"^{ALICE}\s+{re.escape(tty)}\s+{LOCALHOST}\s", last, re.M), last
    assert any(r["line"] == tty and r["user"] == ALICE
               for r in loginrec.records(loginrec.WTMP, since))


def test_purge_removes_it(installed):
    """dpkg --purge: binary, units, conffile and host key gone; the
    administrator's keys files stay."""
    sh(["dpkg", "--purge", "fallbackd"])
    for p in ("/usr/sbin/fallbackd", UNITS / "fallbackd.service", ETC / "fallbackd.conf",
              ETC / "ssh_host_ed25519_key", ETC / "ssh_host_ed25519_key.pub"):
        assert not Path(p).exists(), p
    assert (ETC / "keys" / ALICE).exists()
