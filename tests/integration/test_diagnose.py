"""The incident console (fallbackd/diagnose/): `ssh -s diagnose` (and
`diagnose-json`) through a door, `fallbackd diagnose` on the box, and the
verdict a shell sees at login.

Each scenario is built in the door's own private mount namespace with the
fault suite's helpers (test_faults.NsDoor, faults.py): a file bound over a
file, a tmpfs over a directory, nothing of the host changed.  Each asserts
the finding the scenario must produce, with its level and its evidence,
and where the scenario breaks the main sshd, the verdict.

The report is read as JSON (diagnose-json) so that the assertions name a
section, a level and a title; one test reads the text form.  Logins are
root's: the console runs as the user who logged in, and only root can read
the /proc entries of other users' processes (sshd's exe, fds, maps).

The machine is shared: other engineers may be running apt while this runs,
so no test asserts that the whole machine is healthy; each asserts what
its scenario must add.
"""
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import faults
from fbdtest import (needs_static, ALICE, FALLBACKD, FALLBACKD_TESTHOOKS, LOCALHOST, SSH_OPTS, descendants, free_port,
                     run, ssh)
# The fault suite's door in a private mount namespace and its fixtures
# (ns_door; host_mounts_unchanged is autouse here too).
from test_faults import host_mounts_unchanged, ns_door  # noqa: F401

ROOT = "root"
SSHD = "/usr/sbin/sshd"


@pytest.fixture
def key(keys):
    return keys["ed25519"]


def root_door(ns_door, key, **overrides):
    """An NsDoor that lets root in with KEY."""
    door = ns_door(PermitRootLogin="yes", **overrides)
    door.authorize(ROOT, key)
    return door


def report(door, key, opts=(), user=ROOT):
    """The JSON report through the door; checks it is valid JSON and that
    the exit status says what the verdict says."""
    res = ssh(door, user, key, "diagnose-json", opts=("-s", *opts), timeout=60)
    where = f"exit {res.returncode}\nstderr: {res.stderr!r}\nlog:\n{door.log()[-2000:]}"
    assert res.returncode in (0, 1), where
    rep = json.loads(res.stdout.decode("utf-8"))
    assert rep["healthy"] == (res.returncode == 0), where
    assert rep["healthy"] == (rep["verdict"] == "healthy"), rep["verdict"]
    return rep


def find(rep, section, level, title_re):
    """The findings of SECTION and LEVEL whose title matches TITLE_RE."""
    return [f for f in rep["findings"] if f["section"] == section and f["level"] == level and
            re.search(title_re, f["title"])]


def one(rep, section, level, title_re):
    found = find(rep, section, level, title_re)
    assert len(found) == 1, (f"want one {level} {section} finding /{title_re}/, got "
                             f"{found}\nall:\n" + "\n".join(
                                 f"{f['level']} {f['section']}: {f['title']}"
                                 for f in rep["findings"]))
    return found[0]


# ---------------------------------------------------------------- sshd

SSHD_SESSION = "/usr/lib/openssh/sshd-session"     # OpenSSH 9.8 and later
NO_PRIVSEP_DIR = "Missing privilege separation directory: /run/sshd"


@pytest.fixture
def sshd():
    """The real sshd (openssh-server is a test dependency, mk/deps.sh)."""
    if not os.path.exists(SSHD):
        pytest.fail(f"{SSHD} missing: install the test dependencies (make test-deps)")
    return SSHD


def sshd_copy(scratch, port):
    """A copy of the installed sshd (and of sshd-session, where the version
    has one) in SCRATCH/sbin, with a minimal config: listening on
    127.0.0.1:PORT only, a host key of its own, its pid file in SCRATCH.
    Returns (argv running it in the foreground, the copy, the pid file)."""
    sbin = Path(scratch) / "sbin"
    sbin.mkdir(parents=True, exist_ok=True)
    copy = sbin / "sshd"
    shutil.copy2(SSHD, copy)
    hostkey = Path(scratch) / "ssh_host_ed25519_key"
    if not hostkey.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(hostkey)], check=True)
    cfg = [f"ListenAddress {LOCALHOST}", f"Port {port}", f"HostKey {hostkey}"]
    if os.path.exists(SSHD_SESSION):
        shutil.copy2(SSHD_SESSION, sbin / "sshd-session")
        cfg.append(f"SshdSessionPath {sbin / 'sshd-session'}")
    conf = Path(scratch) / "sshd_config"
    conf.write_text("\n".join(cfg) + "\n")
    pidfile = Path(scratch) / "sshd.pid"
    return [str(copy), "-D", "-e", "-f", str(conf), "-o", f"PidFile={pidfile}"], copy, pidfile


def start_sshd_copy(scratch, port, preload=None):
    """A copy of sshd (sshd_copy) listening on 127.0.0.1:PORT, in a mount
    namespace of its own whose /run has an sshd directory (sshd refuses
    to start without one; the machine may have none, as nothing runs
    sshd here).  PRELOAD: a library for LD_PRELOAD (mapped from its own
    path).  Returns (Popen, the copy, the listener's pid from its pid
    file)."""
    argv, copy, pidfile = sshd_copy(scratch, port)
    env = dict(os.environ, **({"LD_PRELOAD": str(preload)} if preload else {}))
    ctx = faults.Ctx(scratch=Path(scratch) / "sshd-ns")
    prep = faults.shadow_dir_script(ctx, "/run", {"sshd": "dir"})
    proc = subprocess.Popen(faults.ns_argv(argv, prep), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        wait_listening(port)
        return proc, copy, int(pidfile.read_text())
    except BaseException:
        stop(proc)
        raise AssertionError(f"sshd did not start: {proc.stderr.read().decode(errors='replace')}")


def wait_listening(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((LOCALHOST, port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {LOCALHOST}:{port}")


def stop(proc):
    for pid in descendants(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.kill()
    proc.wait(10)


def test_sshd_listener_running_a_deleted_binary(ns_door, key, tmp_path, sshd):
    """#1109742 / the cron-apt report: the listener runs /usr/sbin/sshd
    (deleted), with replaced libraries mapped.  A copy of the real sshd
    listens with a copy of libm preloaded; the copy is then made newer
    than the process, and then the copies are removed: the console names
    the listener, its port (socket inode matched in the kernel's list of
    listening sockets, netlink sock_diag), the
    binary newer than the process, the deleted binary and the deleted
    library, and the verdict is BROKEN, naming the binary and the port."""
    door = root_door(ns_door, key)
    port = free_port()
    lib = tmp_path / "lib" / "libm.so.6"
    lib.parent.mkdir()
    shutil.copy2(faults.lib_paths("libm.so.6")[0], lib)
    proc, copy, pid = start_sshd_copy(tmp_path, port, preload=lib)
    try:
        assert Path(f"/proc/{pid}/comm").read_text().strip() == "sshd"
        before = report(door, key)
        one(before, "sshd", "ok", rf"sshd listener PID {pid} \(sshd\) listens on "
                                  rf"{re.escape(LOCALHOST)}:{port}$")
        assert not find(before, "sshd", "bad", r"deleted binary")
        assert not find(before, "sshd", "warn", r"deleted librar")
        future = time.time() + 3600
        os.utime(copy, (future, future))
        newer = one(report(door, key), "sshd", "warn",
                    rf"listener \(PID {pid}\) is older than {re.escape(str(copy))} on disk")
        assert re.search(rf"\nstarted .* UTC; {re.escape(str(copy))} modified .* UTC$",
                         newer["evidence"])
        copy.unlink()
        lib.unlink()
        after = report(door, key)
        deleted = (rf"the sshd listener \(PID {pid}, on {re.escape(LOCALHOST)}:{port}\) runs a "
                   rf"deleted binary: {re.escape(str(copy))} was replaced on disk")
        bad = one(after, "sshd", "bad", "^" + deleted)
        assert f"/proc/{pid}/exe -> {copy} (deleted)" in bad["evidence"]
        assert re.match("^BROKEN: " + deleted, after["verdict"]), after["verdict"]
        listens = one(after, "sshd", "ok", rf"PID {pid} .* listens on .*:{port}$")
        assert re.search(rf"/proc/{pid}/fd -> socket:\[\d+\] = LISTEN {re.escape(LOCALHOST)} "
                         rf"port {port} \(netlink sock_diag\)", listens["evidence"])
        libs = one(after, "sshd", "warn", rf"listener \(PID {pid}\) has 1 deleted library mapped")
        assert re.search(rf"^/proc/{pid}/maps: .* {re.escape(str(lib))} \(deleted\)$",
                         libs["evidence"], re.M)
    finally:
        stop(proc)


def test_sshd_sockets_unseen_by_a_user(ns_door, key, tmp_path, sshd):
    """A user other than root cannot read sshd's /proc/PID/fd: the console
    must not call sshd down for that.  The namespace's sshd_config says
    Port PORT, where a copy of the real sshd (root's) listens: alice's
    report says something listens there that she cannot see; root's names
    the listener.  Once it is stopped, nothing listens on PORT, and that
    is BAD for alice too (the kernel lists listening sockets to everyone)."""
    door = root_door(ns_door, key)
    door.authorize(ALICE, key)
    port = free_port()
    conf = door.ctx.path("sshd_config")
    conf.write_text(f"Port {port}\n")
    faults.bind_over(door.pid, door.ctx, ["/etc/ssh/sshd_config"], conf)
    proc, _, pid = start_sshd_copy(tmp_path, port)
    try:
        theirs = report(door, key, user=ALICE)
        seen = one(theirs, "sshd", "info", rf"^something listens on sshd's port {port}; as uid "
                                           rf"\d+ the processes holding it cannot be seen")
        assert re.search(rf"^socket:\[\d+\] = LISTEN {re.escape(LOCALHOST)} port {port}, uid 0 "
                         r"\(netlink sock_diag\)$", seen["evidence"], re.M), seen
        one(theirs, "sshd", "info", r"^\d+ sshd process(es)? whose sockets uid \d+ cannot see")
        assert not find(theirs, "sshd", "bad", r"^no sshd is listening")
        roots = report(door, key)
        one(roots, "sshd", "ok", rf"^sshd listener PID {pid} \(sshd\) listens on "
                                 rf"{re.escape(LOCALHOST)}:{port}$")
        assert not find(roots, "sshd", "bad", r"^no sshd is listening")
    finally:
        stop(proc)
    wait_closed(port)
    gone = report(door, key, user=ALICE)
    one(gone, "sshd", "bad", rf"^no sshd is listening \(port {port}\)$")
    assert not find(gone, "sshd", "info", r"^something listens on sshd's port")


def wait_closed(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((LOCALHOST, port)) != 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"{LOCALHOST}:{port} still listens")


def sshd_in_ns(door, argv):
    """Start ARGV (an sshd in the foreground) in the door's mount
    namespace; returns the Popen."""
    return subprocess.Popen(["nsenter", "-t", str(door.pid), "-m", "--", *argv],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def test_run_sshd_missing(ns_door, key, tmp_path, sshd):
    """The Debian 12 report: /run/sshd gone, sshd dies.  In the door's
    mount namespace, a tmpfs over /run: with an sshd directory there, a
    copy of the real sshd starts and listens, and the console says
    present; without it, the same sshd refuses to start (its own message
    says why) and the console says BAD, with nothing listening."""
    door = root_door(ns_door, key)
    port = free_port()
    argv, _, pidfile = sshd_copy(tmp_path, port)
    faults.shadow_dir(door.pid, door.ctx, "/run", {"sshd": "dir"})
    proc = sshd_in_ns(door, argv)
    try:
        wait_listening(port)
        rep = report(door, key)
        one(rep, "sshd", "ok", r"^/run/sshd present$")
        one(rep, "sshd", "ok", rf"sshd listener PID {int(pidfile.read_text())} \(sshd\) "
                               rf"listens on {re.escape(LOCALHOST)}:{port}$")
    finally:
        stop(proc)

    # /run is the namespace's own tmpfs now, and sshd/ a plain directory on it
    faults.ns_sh(door.pid, faults.bb("rmdir", "/run/sshd"))
    assert not os.path.lexists(faults.in_ns(door.pid, "/run/sshd"))
    proc = sshd_in_ns(door, argv)
    try:
        _, err = proc.communicate(timeout=10)
    finally:
        stop(proc)
    assert proc.returncode == 255 and NO_PRIVSEP_DIR in err.decode(errors="replace"), err
    rep = report(door, key)
    bad = one(rep, "sshd", "bad", r"^Missing privilege separation directory /run/sshd")
    assert bad["evidence"] == "/run/sshd: No such file or directory"
    assert rep["verdict"].startswith("BROKEN: ")
    assert not find(rep, "sshd", "ok", rf"listens on {re.escape(LOCALHOST)}:{port}$")


# What PID 1 runs in test_pid1_holds_the_sshd_port: as systemd does for
# ssh.socket, it holds a listening socket (and runs no sshd); in its
# mount namespace, /etc/ssh is a directory holding only the scenario's
# sshd_config and /run a fresh tmpfs (with or without sshd/); then it runs
# `fallbackd diagnose --json` and prints what that printed.  A fifth
# argument "v6" makes it listen on [::1] on the same port too.
PID1_HOLDING_A_PORT = r"""
import json, os, socket, subprocess, sys
port, etc_ssh, privsep, fallbackd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
listener = socket.socket()
listener.bind(("127.0.0.1", port))
listener.listen()
if sys.argv[5:] == ["v6"]:
    listener6 = socket.socket(socket.AF_INET6)
    listener6.bind(("::1", port))
    listener6.listen()
subprocess.run(["mount", "--bind", etc_ssh, "/etc/ssh"], check=True)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "fbdt-run", "/run"], check=True)
if privsep == "yes":
    os.mkdir("/run/sshd", 0o755)
res = subprocess.run([fallbackd, "diagnose", "--json", "-f", "/dev/null"],
                     stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
print(json.dumps({"pid": os.getpid(), "rc": res.returncode,
                  "out": res.stdout.decode(), "err": res.stderr.decode(errors="replace")}))
"""


def pid1_report(tmp_path, port, sshd_port, privsep, fallbackd, *extra, env=None):
    """The JSON report of FALLBACKD run by a PID 1 listening on PORT
    (PID1_HOLDING_A_PORT; EXTRA its further arguments), with sshd_config
    saying Port SSHD_PORT and /run/sshd there if PRIVSEP is "yes".  Checks
    that the exit status says what the verdict says."""
    etc_ssh = tmp_path / "etc-ssh"
    etc_ssh.mkdir()
    (etc_ssh / "sshd_config").write_text(f"# the scenario's\nPort {sshd_port}\n")
    res = run(["unshare", "--pid", "--fork", "--mount-proc", "--", sys.executable, "-c",
               PID1_HOLDING_A_PORT, str(port), str(etc_ssh), privsep, str(fallbackd), *extra],
              timeout=90, env=env)
    assert res.returncode == 0, res.stderr
    inside = json.loads(res.stdout)
    assert inside["pid"] == 1
    assert inside["rc"] in (0, 1), inside
    rep = json.loads(inside["out"])
    assert rep["healthy"] == (inside["rc"] == 0)
    return rep


@pytest.mark.parametrize("held, privsep", [("sshd", "yes"), ("sshd", "no"), ("other", "yes")])
def test_pid1_holds_the_sshd_port(tmp_path, sshd, held, privsep):
    """Socket activation (ssh.socket): PID 1 holds sshd's port and no
    sshd runs.  In a new PID and mount namespace, PID 1 is a small process
    listening on 127.0.0.1:PORT; sshd_config says Port PORT ("sshd") or
    another port ("other").  Held on sshd's port, the console reports it
    as sshd's, socket activated, and does not call sshd down: the verdict
    then rests on whether sshd can start per connection (/run/sshd here).
    On another port, PID 1's socket is another service's and no sshd is
    listening: BROKEN, naming sshd's port."""
    port = free_port()
    sshd_port = port if held == "sshd" else free_port()
    rep = pid1_report(tmp_path, port, sshd_port, privsep, FALLBACKD)
    where = re.escape(f"{LOCALHOST}:{port}")
    socket_ev = (rf"^/proc/1/fd -> socket:\[\d+\] = LISTEN {re.escape(LOCALHOST)} port {port} "
                 r"\(netlink sock_diag\)$")
    if held == "sshd":
        f = one(rep, "sshd", "ok", rf"^PID 1 \(python3\) holds sshd's port {where} "
                                   r"\(socket activation, ssh\.socket\)")
        assert re.search(socket_ev, f["evidence"]), f
        assert not find(rep, "sshd", "bad", r"^no sshd is listening")
        assert not find(rep, "sshd", "info", r"^PID 1 .* other services")
    else:
        f = one(rep, "sshd", "info", rf"^PID 1 \(python3\) holds listening sockets on "
                                     rf"{where} \(socket activation of other services: "
                                     rf"sshd's port is {sshd_port}\)$")
        assert re.search(socket_ev, f["evidence"]), f
        assert not find(rep, "sshd", "ok", r"^PID 1 .* holds sshd's port")
    bad = [f["title"] for f in rep["findings"] if f["section"] == "sshd" and f["level"] == "bad"]
    if held == "sshd" and privsep == "yes":
        assert bad == [], bad
        assert not rep["verdict"].startswith("BROKEN: no sshd")
    elif held == "sshd":
        assert len(bad) == 1 and bad[0].startswith("Missing privilege separation directory"), bad
        assert rep["verdict"].startswith("BROKEN: Missing privilege separation directory")
    else:
        assert bad == [f"no sshd is listening (port {sshd_port})"], bad
        assert rep["verdict"].startswith(f"BROKEN: no sshd is listening (port {sshd_port})")


SOURCES = {"netlink": ("netlink sock_diag", "netlink sock_diag"),
           "proc": ("/proc/net/tcp", "/proc/net/tcp6")}


@pytest.mark.parametrize("source", ["netlink", "proc"])
def test_listening_sockets_source(tmp_path, sshd, source):
    """Where the listening sockets come from: the kernel over netlink
    (sock_diag), or /proc/net/tcp and tcp6 when it refuses (the test build
    asks, with FBD_TEST_SOCK_DIAG=bad-family, for a family the kernel has
    no table of: EINVAL).  PID 1 listens on sshd's port on 127.0.0.1 and
    [::1]: either way the console finds both sockets and names where it
    read each; only the fallback adds a finding saying why."""
    port = free_port()
    env = dict(os.environ)
    binary = FALLBACKD
    if source == "proc":
        env["FBD_TEST_SOCK_DIAG"] = "bad-family"
        binary = FALLBACKD_TESTHOOKS
    rep = pid1_report(tmp_path, port, port, "yes", binary, "v6", env=env)
    held = one(rep, "sshd", "ok", rf"^PID 1 \(python3\) holds sshd's port "
                                  rf"{re.escape(LOCALHOST)}:{port}, \[::1\]:{port} \(socket")
    v4, v6 = SOURCES[source]
    lines = held["evidence"].splitlines()
    assert len(lines) == 2, held
    assert re.fullmatch(rf"/proc/1/fd -> socket:\[\d+\] = LISTEN {re.escape(LOCALHOST)} "
                        rf"port {port} \({re.escape(v4)}\)", lines[0]), held
    assert re.fullmatch(rf"/proc/1/fd -> socket:\[\d+\] = LISTEN ::1 port {port} "
                        rf"\({re.escape(v6)}\)", lines[1]), held
    assert not find(rep, "sshd", "bad", r"^no sshd is listening")
    why = find(rep, "sshd", "info", r"^the kernel did not list the listening sockets")
    if source == "netlink":
        assert why == [], why
    else:
        assert [f["title"] for f in why] == [
            "the kernel did not list the listening sockets over netlink (sock_diag): read from "
            "/proc/net/tcp and /proc/net/tcp6 instead"], why
        assert why[0]["evidence"] == "sock_diag: Invalid argument", why


# ---------------------------------------------------------------- packages

DPKG_STATUS = """\
Package: openssh-client
Status: install ok installed
Version: 1:9.2p1-2+deb12u6

Package: openssh-server
Status: install ok half-configured
Priority: optional
Version: 1:9.2p1-2+deb12u6
Description: secure shell (SSH) server
 continuation line
 Status: install ok installed

Package: man-db
Status: install ok triggers-pending
Version: 2.11.2-2

Package: libfoo1
Status: install ok unpacked
Version: 1.0-1
"""


def test_dpkg_half_configured_and_lock_held(ns_door, key, tmp_path):
    """The cron-apt report: openssh-server half-configured while a dpkg
    lock is held.  A status file and a lock file are bound over dpkg's in
    the namespace; this test process holds the lock (fcntl, as dpkg
    does), so /proc/locks names this pid."""
    door = root_door(ns_door, key)
    status = door.ctx.path("status")
    status.write_text(DPKG_STATUS)
    lock = door.ctx.path("lock")
    lock.write_bytes(b"")
    faults.bind_over(door.pid, door.ctx, ["/var/lib/dpkg/status"], status)
    faults.bind_over(door.pid, door.ctx, ["/var/lib/dpkg/lock"], lock)
    free = report(door, key)
    assert not find(free, "packages", "warn", r"^/var/lib/dpkg/lock is locked")
    with open(lock, "r+b") as f:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rep = report(door, key)
    bad = one(rep, "packages", "bad", r"^openssh-server is half-configured \(dpkg --configure")
    assert "Status: install ok half-configured / Version: 1:9.2p1-2+deb12u6" in bad["evidence"]
    others = one(rep, "packages", "warn", r"^packages not fully installed")
    assert others["evidence"].splitlines() == ["man-db: install ok triggers-pending",
                                               "libfoo1: install ok unpacked"]
    one(rep, "packages", "info", r"^3 packages not fully installed$")
    held = one(rep, "packages", "warn",
               rf"^/var/lib/dpkg/lock is locked by PID {os.getpid()} \(")
    assert f"POSIX  ADVISORY  WRITE {os.getpid()} " in held["evidence"]
    assert rep["verdict"].startswith("BROKEN: ")


@pytest.mark.parametrize("code, level", [("0", "ok"), ("100", "bad")])
def test_upgrade_exit_code_file(ns_door, key, code, level):
    """DiagnoseFiles: the file an upgrade wrote its exit code to."""
    door = root_door(ns_door, key)
    rc_file = door.ctx.path("upgrade.rc")
    rc_file.write_text(code + "\n")
    door.write_config(DiagnoseFiles=f"{rc_file} ~/fbdt-no-such-file.rc")
    door.reload()
    rep = report(door, key)
    found = one(rep, "packages", level, rf"^{re.escape(str(rc_file))} says exit code {code}")
    assert found["evidence"] == code + "\n"
    one(rep, "packages", "info", r"^/root/fbdt-no-such-file.rc cannot be read")
    if code != "0":
        assert rep["verdict"].startswith("BROKEN: ")


# ---------------------------------------------------------------- system

def test_reboot_required_and_newer_kernel(ns_door, key):
    """/run/reboot-required (with its .pkgs) and a /boot whose newest
    vmlinuz is not the running kernel."""
    door = root_door(ns_door, key)
    flag = door.ctx.path("reboot-required")
    flag.write_text("*** System restart required ***\n")
    pkgs = door.ctx.path("reboot-required.pkgs")
    pkgs.write_text("linux-image-6.1.0-99-amd64\nlibssl3\n")
    faults.shadow_dir(door.pid, door.ctx, "/run", {"reboot-required": str(flag),
                                                   "reboot-required.pkgs": str(pkgs)})
    faults.ns_sh(door.pid, "\n".join([
        faults.bb("mount", "-t", "tmpfs", "-o", "size=1m", faults.TMPFS_SOURCE, "/boot"),
        faults.bb("touch", "/boot/vmlinuz-6.1.0-9-amd64", "/boot/vmlinuz-999.1.0-10-amd64",
                  "/boot/vmlinuz-999.1.0-9-amd64")]))
    rep = report(door, key)
    reboot = one(rep, "packages", "warn", r"^a reboot is required$")
    assert "System restart required" in reboot["evidence"]
    assert "linux-image-6.1.0-99-amd64" in reboot["evidence"]
    kernel = one(rep, "system", "info", rf"^running kernel {re.escape(os.uname().release)}, "
                                        r"newest installed 999\.1\.0-10-amd64: a reboot")
    assert kernel["evidence"] == (f"uname: {os.uname().release}; "
                                  "newest /boot/vmlinuz-999.1.0-10-amd64")


@needs_static
def test_libc_garbage_diagnose_still_answers(ns_door, key):
    """Fault 4 (libc.so.6 garbage): no dynamic program starts, not even
    the user's shell; -s diagnose runs inside fallbackd and says so."""
    door = root_door(ns_door, key)
    door.apply("libc-garbage")
    rep = report(door, key)
    bad = one(rep, "system", "bad", r"^dynamic programs cannot start; use -s rescue$")
    assert "libc.so.6" in bad["evidence"]
    assert rep["verdict"].startswith("BROKEN: ")


def test_full_filesystem(ns_door, key):
    """A full filesystem (a 1 MiB tmpfs over /boot, filled)."""
    door = root_door(ns_door, key)
    faults.ns_sh(door.pid, "\n".join([
        faults.bb("mount", "-t", "tmpfs", "-o", "size=1m", faults.TMPFS_SOURCE, "/boot"),
        f"{faults.bb('dd', 'if=/dev/zero', 'of=/boot/fill', 'bs=4096')} 2>/dev/null || true"]))
    assert os.statvfs(faults.in_ns(door.pid, "/boot")).f_bavail == 0
    rep = report(door, key)
    bad = one(rep, "system", "bad", r"^/boot: filesystem full")
    assert bad["evidence"].startswith("statvfs(/boot): 0 MiB of 1 MiB free (0%)")
    assert rep["verdict"].startswith("BROKEN: ")


# ---------------------------------------------------------------- the door

def ssh_from(door, key, source, command):
    """ssh as root from the local address SOURCE."""
    return ssh(door, ROOT, key, command, opts=("-o", f"BindAddress={source}"))


def test_door_never_proven_then_proven_from_127_0_0_2(make_door, key, monkeypatch):
    """A door entered only from loopback is flagged; a login from another
    address proves it.  127.0.0.2 counts as "outside" only in the test
    build with FBD_TEST_OUTSIDE_ADDR; the production binary, given the same
    environment, still calls it loopback."""
    monkeypatch.setenv("FBD_TEST_OUTSIDE_ADDR", "127.0.0.2")
    door = make_door(binary=FALLBACKD_TESTHOOKS, PermitRootLogin="yes")
    door.authorize(ROOT, key)
    never = report(door, key)
    warn = one(never, "door", "warn", r"^this door has never been entered from outside")
    assert warn["evidence"] == "1 login since start, all from loopback"
    assert ssh_from(door, key, "127.0.0.2", "true").returncode == 0
    proven = report(door, key)
    ok = one(proven, "door", "ok", r"^proven: entered from 127\.0\.0\.2 \d+s ago$")
    assert ok["evidence"].startswith("last login from outside: 127.0.0.2 as root at ")
    assert not find(proven, "door", "warn", r"never been entered")

    prod = make_door(binary=FALLBACKD, PermitRootLogin="yes")
    prod.authorize(ROOT, key)
    assert ssh_from(prod, key, "127.0.0.2", "true").returncode == 0
    one(report(prod, key), "door", "warn", r"^this door has never been entered from outside")


def test_door_section_and_text_report(make_door, key):
    """The text report: the verdict first, then the sections; the door
    section names the version, the host key's fingerprint, and the time
    left with DoorLifetime."""
    door = make_door(PermitRootLogin="yes", DoorLifetime="2h")
    door.authorize(ROOT, key)
    res = ssh(door, ROOT, key, "diagnose", opts=("-s",))
    text = res.stdout.decode()
    assert res.returncode in (0, 1), res.stderr
    lines = text.splitlines()
    assert lines[0].startswith("verdict: "), text
    assert [ln for ln in lines if ln.startswith("== ")] == \
        ["== sshd ==", "== packages ==", "== system ==", "== door =="], text
    assert re.search(r"\[info\] fallbackd \d+\.\d+\.\d+, up \d+s", text), text
    assert f"host key 256 {door.host_fingerprint} (ED25519)" in text, text
    assert re.search(r"\[info\] the door closes in (119m|2h00m)\n", text), text


# ---------------------------------------------------------------- at login

def shell_output(door, key):
    """An interactive login shell (ssh -tt, commands on stdin): all it
    printed, the banner included (stderr is the pty)."""
    res = run(["ssh", *SSH_OPTS, "-tt", "-i", str(key.path), "-p", str(door.port),
               f"{ROOT}@{LOCALHOST}"], input=b"echo shell-ran-$((6*7)); exit\n", timeout=60)
    return res.stdout.decode(errors="replace") + res.stderr.decode(errors="replace")


@pytest.mark.parametrize("mode", ["yes", "no", "always"])
def test_verdict_at_login(make_door, key, tmp_path, mode):
    """DiagnoseAtLogin: a BROKEN verdict (an upgrade exit-code file
    holding 1) is the first thing an interactive shell shows, unless
    "no"; exec requests see it only with "always"."""
    rc_file = tmp_path / "upgrade.rc"
    rc_file.write_text("1\n")
    door = make_door(PermitRootLogin="yes", DiagnoseFiles=str(rc_file), DiagnoseAtLogin=mode)
    door.authorize(ROOT, key)
    banner = "fallbackd: main sshd BROKEN: "
    out = shell_output(door, key)
    assert "shell-ran-42" in out, out
    if mode == "no":
        assert banner not in out, out
    else:
        assert out.index(banner) < out.index("shell-ran-42"), out
        assert f"fallbackd:   bad: {rc_file} says exit code 1" in out, out
    res = ssh(door, ROOT, key, "echo exec-ran")
    assert res.stdout == b"exec-ran\n"
    assert (banner.encode() in res.stderr) == (mode == "always"), res.stderr


KEPT = re.compile(rb"fallbackd: \(found \d+\.\d s ago, at an earlier login\)")


def test_banner_kept_per_user_and_config(make_door, key, tmp_path):
    """The at-login banner is kept a few seconds (banner_cache.h), but
    never shown to another user, never across a reload that changes
    DiagnoseFiles, and never stale without saying so.  The exit-code file
    is root's alone (0600): root's banner names it; alice, logging in
    right after, cannot read it and must not see root's banner."""
    rc_file = tmp_path / "upgrade.rc"
    rc_file.write_text("1\n")
    os.chmod(rc_file, 0o600)
    door = make_door(PermitRootLogin="yes", DiagnoseFiles=str(rc_file),
                     DiagnoseAtLogin="always")
    door.authorize(ROOT, key)
    door.authorize(ALICE, key)
    says = f"fallbackd:   bad: {rc_file} says exit code ".encode()
    first = ssh(door, ROOT, key, "true").stderr
    assert says + b"1" in first and not KEPT.search(first), first
    alice = ssh(door, ALICE, key, "true").stderr
    assert says not in alice, alice

    rc_file.write_text("0\n")
    again = ssh(door, ROOT, key, "true").stderr
    # Within the few seconds: the old banner, saying it is old; later, a
    # fresh one (healthy for this file).
    assert (says + b"1" in again) == bool(KEPT.search(again)), again
    assert says + b"0" not in again, again

    other = tmp_path / "other.rc"
    other.write_text("3\n")
    door.reload(DiagnoseFiles=str(other))
    reloaded = ssh(door, ROOT, key, "true").stderr
    assert f"fallbackd:   bad: {other} says exit code 3".encode() in reloaded, reloaded
    assert not KEPT.search(reloaded), reloaded


# ---------------------------------------------------------------- on the box

def test_command_line_json_names_the_running_door(make_door, key, tmp_path):
    """`fallbackd diagnose --json -f CONFIG` on the box: valid JSON, the
    door found in /proc, its host key's fingerprint from the .pub file
    beside the HostKey, and DiagnoseFiles from that config."""
    door = make_door()
    rc_file = tmp_path / "upgrade.rc"
    rc_file.write_text("2\n")
    conf = tmp_path / "diag.conf"
    conf.write_text(door.config_text() + f"DiagnoseFiles {rc_file}\n")
    res = run([str(FALLBACKD), "diagnose", "--json", "-f", str(conf)], timeout=60)
    assert res.returncode == 1, res.stderr
    rep = json.loads(res.stdout.decode("utf-8"))
    assert rep["verdict"].startswith("BROKEN: ")
    one(rep, "packages", "bad", rf"^{re.escape(str(rc_file))} says exit code 2")
    one(rep, "door", "info", rf"^a door runs: PID {door.pid}, up \d+s$")
    fp = one(rep, "door", "info", rf"^host key 256 {re.escape(door.host_fingerprint)} ")
    assert fp["evidence"] == f"{door.hostkey}.pub"


def test_command_line_bad_config_still_reports(tmp_path):
    """A config that does not load is said on stderr; the report comes
    anyway."""
    res = run([str(FALLBACKD), "diagnose", "-f", str(tmp_path / "missing.conf")], timeout=60)
    assert res.returncode in (0, 1), res.stderr
    assert b"missing.conf not loaded" in res.stderr
    assert res.stdout.startswith(b"verdict: ")
