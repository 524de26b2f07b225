"""Fault injection: fallbackd runs in a private mount namespace (`unshare
-m`), one fault is applied after it has started (faults.py: bind mounts
and tmpfs mounts inside that namespace only), and then a NEW login from
outside the namespace must run a command and return its output.

Every test starts its own door, logs in once before the fault (so that
fallbackd has read the users), applies the fault, checks that it is in
force, and logs in again.  The login runs PROBE, whose output shows that a
shell ran (arithmetic), as the right uid with the right groups, and which
shell it was (bash, or the static rescue shell when libc.so.6 is garbage).

At the end of every test, no mount of ours is left in the test's own
namespace and no process is left in any namespace we made.
"""
import grp
import hashlib
import os
import pwd
import re
import shutil
import signal
import time
from pathlib import Path

import pytest

import faults
import fbdtest
from fbdtest import NEEDS_STATIC, SANITIZED, needs_static
from fbdtest import (ALICE, BOB, DAEMON_CANARY, FALLBACKD, GROUP, Door, DoorFactory, DoorFailed,
                     paramiko_client, read_until, ssh, ssh_refused)

MiB = 1 << 20
LINGER = 2
RESCUE_NOTE = b"starting the rescue shell"
PROBE = 'echo ok-$((6*7)); id -u; id -G; echo "shell=${BASH_VERSION:+bash}"'


# ---------------------------------------------------------------- the door

class NsDoor(Door):
    """A Door (fbdtest.Door) whose fallbackd runs in its own mount namespace,
    from a copy of the binary in the door's directory (so that fault 1 can
    replace "its own binary on disk").

    mode: "stderr" (-e, log file on the host), "logfs" (-e, log on a 256k
    tmpfs inside the namespace, for ENOSPC), "syslog" (no -e; /dev/log in
    the namespace is a socket whose messages land in the log file).
    """

    def __init__(self, root, mode="stderr", prep=None, **overrides):
        super().__init__(root, **overrides)
        self.extra_prep = prep
        bindir = self.dir / "bin"
        bindir.mkdir(mode=0o755)
        self.binary = bindir / "fallbackd"
        shutil.copy2(FALLBACKD, self.binary)
        os.chmod(self.binary, 0o755)
        st = os.stat(self.binary)
        self.binary_id = (st.st_dev, st.st_ino)
        self.mode = mode
        self.ctx = faults.Ctx(scratch=self.dir / "scratch", binary=self.binary,
                              config=self.config, log_name="fallbackd.log")
        self.stderr_file = self.dir / "fallbackd.stderr"
        self.host_logfile = self.logfile
        self.server = None

    def launch(self, wrapper, timeout):
        """fallbackd in a new mount namespace (faults.NsServer); Door.start
        calls this, and never with a wrapper."""
        self.logfile = self.host_logfile
        argv = [self.binary, "-D", "-e", "-f", self.config]
        if self.mode == "syslog":
            argv.remove("-e")
        prep = faults.log_mode_prep(self.ctx, self.mode, self.logfile)
        out_path = self.logfile if self.mode == "stderr" else self.stderr_file
        if self.extra_prep:
            prep = self.extra_prep + ("\n" + prep if prep else "")
        self.logfile.touch()
        out = open(out_path, "ab")
        self.server = faults.NsServer(argv, prep=prep, stdout=out, stderr=out,
                                      env=dict(os.environ, **{DAEMON_CANARY: "daemon-env"}))
        try:
            self.server.start(exe=self.binary, timeout=timeout)
        except faults.FaultError as e:
            raise DoorFailed(f"{e}\n{self.stderr_text()}{self.log()}") from e
        finally:
            out.close()
            self.proc = self.server.proc
            if self.proc is not None:
                fbdtest._owned.add(self.proc.pid)
        self.pid = self.server.pid
        if self.mode == "logfs":
            self.logfile = faults.ctx_log_path(self.ctx, self.pid)

    def output(self):
        return self.log() + self.stderr_text()

    def leftovers(self):
        """Live processes in the door's namespace or running its binary
        (fallbackd's sandboxed network processes have namespaces of their
        own)."""
        pids = set(faults.ns_pids(self.server.ns_id)) if self.server and self.server.ns_id \
            else set()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    st = os.stat(f"/proc/{entry}/exe")
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) == self.binary_id:
                    pids.add(int(entry))
        return sorted(pids)

    def stderr_text(self):
        """What fallbackd wrote to stdout/stderr when that is not the log."""
        if not self.stderr_file.exists():
            return ""
        return self.stderr_file.read_text(errors="replace")

    def apply(self, name):
        return faults.apply(name, self.pid, self.ctx)

    def log(self, since=0):
        try:
            return super().log(since)
        except OSError as e:        # logfs mode, namespace gone
            return f"(log not readable: {e})"

    def log_mark(self):
        try:
            return super().log_mark()
        except OSError:
            return 0

    def stop(self):
        if self.server is not None and self.proc is not None:
            super().stop()
            self.server.stop()      # whatever is left in the namespace
        if self.ctx.syslog is not None:
            self.ctx.syslog.close()
            self.ctx.syslog = None


@pytest.fixture
def ns_door(users, key):
    """ns_door(mode="stderr", prep=None, **config) -> a started NsDoor with
    fbdt-alice authorized (ed25519).  At teardown: stopped, and no process
    left in its namespace."""
    factory = DoorFactory(prefix="fbdt-fault-", door_class=NsDoor)

    def make(mode="stderr", prep=None, **overrides):
        return factory(mode=mode, prep=prep, authorize={ALICE: key}, **overrides)

    yield make
    factory.stop()
    deadline = time.monotonic() + 5
    left = {}
    while time.monotonic() < deadline:
        left = {str(d.dir): d.leftovers() for d in factory.doors}
        if not any(left.values()):
            break
        time.sleep(0.05)
    factory.close()
    assert not any(left.values()), f"processes left behind: {left}"


@pytest.fixture(autouse=True)
def host_mounts_unchanged():
    """No mount made for a fault leaks into the test's own namespace."""
    before = Path("/proc/self/mountinfo").read_text()
    yield
    after = Path("/proc/self/mountinfo").read_text()
    assert faults.TMPFS_SOURCE not in after and "fbdt-fault-" not in after, after
    assert after == before, f"host mounts changed:\nbefore:\n{before}\nafter:\n{after}"


# ---------------------------------------------------------------- checks

def alice_ids():
    pw = pwd.getpwnam(ALICE)
    return pw.pw_uid, set(os.getgrouplist(ALICE, pw.pw_gid))


def probe(door, key, rescue=False, timeout=30):
    """A new login runs PROBE: the arithmetic is right, uid and groups are
    alice's, and the shell is bash (or the rescue shell, which says so on
    stderr).  Returns the CompletedProcess."""
    res = ssh(door, ALICE, key, PROBE, timeout=timeout)
    where = (f"exit {res.returncode}\nstdout: {res.stdout!r}\nstderr: {res.stderr!r}\n"
             f"log:\n{door.log()[-3000:]}")
    assert res.returncode == 0, where
    lines = res.stdout.decode(errors="replace").splitlines()
    uid, groups = alice_ids()
    assert len(lines) == 4, where
    assert lines[0] == "ok-42", where
    assert lines[1] == str(uid), where
    assert set(map(int, lines[2].split())) == groups, where
    assert lines[3] == ("shell=" if rescue else "shell=bash"), where
    assert (RESCUE_NOTE in res.stderr) == rescue, where
    if rescue:
        assert b"libc.so.6" in res.stderr, where    # and why
    return res


def pty_probe(door, key, rescue=False, timeout=30):
    """A new login with a pty (`ssh -tt`): the command runs, on a pty slave
    that belongs to the user and group tty, mode 0620 (ids from fallbackd's
    cache: the names may not resolve inside the namespace)."""
    res = ssh(door, ALICE, key, 'echo ok-$((6*7)); stat -c "%u %g %a" "$(tty)"',
              opts=["-tt"], timeout=timeout)
    out = res.stdout.replace(b"\r\n", b"\n").decode(errors="replace")
    where = f"exit {res.returncode}\noutput: {out!r}\nlog:\n{door.log()[-3000:]}"
    assert res.returncode == 0, where
    lines = out.splitlines()
    if rescue:
        assert RESCUE_NOTE.decode() in lines.pop(0), where
    uid, _ = alice_ids()
    assert lines == ["ok-42", f"{uid} {grp.getgrnam('tty').gr_gid} 620"], where


def baseline(door, key, rescue=False):
    """The login before the fault; with an -e log it must be logged."""
    probe(door, key, rescue)
    door.wait_for_log(rf"Accepted publickey for {ALICE} from")


# ---------------------------------------------------------------- faults 1-7

PLAIN_FAULTS = ["binary-garbage", "binary-other-exe", "sshd-replaced",
                "libcrypto-libssl-garbage", "nss-pam-garbage", "run-emptied",
                "passwd-group-unreadable", "passwd-group-missing", "passwd-group-emptied",
                "passwd-group-garbage"]


@pytest.mark.parametrize("fault", PLAIN_FAULTS)
def test_fault_then_new_login(ns_door, key, fault):
    """Faults 1, 2, 3, 5, 6, 7: after the fault, a new login runs the user's
    bash as the user, with the user's groups; and again after a SIGHUP
    reload (sshd re-executes its binary on SIGHUP).  With passwd/group
    broken, the door lets in by AllowGroups, so the groups it kept decide."""
    passwd = fault.startswith("passwd-group-")
    door = ns_door(**({"AllowUsers": None, "AllowGroups": GROUP} if passwd else {}))
    baseline(door, key)
    mark = door.log_mark()
    replaced = door.apply(fault)
    assert replaced
    probe(door, key)
    pty_probe(door, key)
    if passwd:
        # fallbackd did look at the broken files (and kept its users).
        door.wait_for_log(r"/etc/passwd\b", since=mark)
        door.wait_for_log(r"/etc/group\b", since=mark)
    door.reload()
    probe(door, key)
    assert door.alive()


def test_run_emptied_with_pidfile_in_run_then_sighup(ns_door, key):
    """Fault 6 where fallbackd had its own directory under /run: PidFile
    /run/fallbackd/fallbackd.pid was written at start, then /run is emptied
    (no /run/fallbackd, nothing); logins and a reload still work."""
    prep = "\n".join([faults.bb("mount", "-t", "tmpfs", "-o", "mode=755,size=1m",
                                faults.TMPFS_SOURCE, "/run"),
                      faults.bb("mkdir", "/run/fallbackd")])
    door = ns_door(prep=prep, PidFile="/run/fallbackd/fallbackd.pid")
    pidfile = faults.in_ns(door.pid, "/run/fallbackd/fallbackd.pid")
    assert pidfile.read_text().strip() == str(door.pid)
    baseline(door, key)
    door.apply("run-emptied")
    assert not os.path.exists(pidfile)
    probe(door, key)
    pty_probe(door, key)
    door.reload()
    probe(door, key)
    assert door.alive()


@needs_static
def test_libc_garbage_rescue_shell_runs_command(ns_door, key):
    """Fault 4: with libc.so.6 garbage the user's /bin/bash cannot start; the
    login still runs the command, in the rescue shell, and says why."""
    door = ns_door()
    baseline(door, key)
    door.apply("libc-garbage")
    probe(door, key, rescue=True)
    res = ssh(door, ALICE, key, "exit 7")
    assert res.returncode == 7, res.stderr
    pty_probe(door, key, rescue=True)
    door.reload()
    probe(door, key, rescue=True)


@needs_static
def test_libc_garbage_rescue_shell_interactive_pty(ns_door, key):
    """Fault 4, interactively: a shell request with a pty gets the rescue
    shell, which runs what is typed."""
    door = ns_door()
    baseline(door, key)
    door.apply("libc-garbage")
    client = paramiko_client(door, ALICE, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.get_pty(term="vt100", width=80, height=24)
        chan.invoke_shell()
        read_until(chan, RESCUE_NOTE)
        chan.send(b"echo $((20+3))x; tty; echo done-$((2*4))\n")
        out = read_until(chan, b"done-8")
        assert b"23x\r\n" in out, out
        assert re.search(rb"\n/dev/pts/\d+\r\n", out), out
        chan.send(b"exit 4\n")
        assert fbdtest.exit_status(chan) == 4
    finally:
        client.close()


@needs_static
def test_libc_garbage_rescue_shell_commands_on_stdin(ns_door, key):
    """Fault 4, a shell request without a pty (`ssh -T host < script`)."""
    door = ns_door()
    baseline(door, key)
    door.apply("libc-garbage")
    res = ssh(door, ALICE, key, opts=["-T"], input=b"echo $((6*7))\nid -u\n")
    assert res.returncode == 0, res.stderr
    assert res.stdout.decode().splitlines() == ["42", str(alice_ids()[0])]
    assert RESCUE_NOTE in res.stderr


# ---------------------------------------------------------------- fault 8

def test_config_half_written_then_sighup_keeps_old_config(ns_door, key):
    """Fault 8: the config replaced by a half-written one (which would let
    only fbdt-bob in, and is cut mid-keyword), then SIGHUP: the error is
    logged with file and line, the old config stays in force, alice still
    gets in.  Control: the same config written out whole is applied and
    does lock alice out."""
    door = ns_door()
    baseline(door, key)
    whole = door.config_text({"AllowUsers": BOB})
    half = whole + "PermitRo"
    line = whole.count("\n") + 1
    door.ctx.config_half = half
    mark = door.log_mark()
    door.apply("config-half-written")
    door.wait_for_log(rf"{re.escape(str(door.config))}:{line}: ", since=mark)
    door.wait_for_log(r"still serving", since=mark)
    assert "configuration reloaded" not in door.log(mark)
    probe(door, key)
    assert door.alive()
    # Control: the complete file is taken, and it refuses alice.
    mark = door.log_mark()
    door.config.write_text(whole)
    door.signal(signal.SIGHUP)
    door.wait_for_log(r"configuration reloaded", since=mark)
    ssh_refused(door, ALICE, key)


# ---------------------------------------------------------------- fault 9

def test_log_fs_full_login_works(ns_door, key):
    """Fault 9: the filesystem of the -e log is full (ENOSPC): logins go on;
    once there is space again, log lines are written again."""
    door = ns_door(mode="logfs")
    baseline(door, key)
    door.apply("log-fs-full")
    probe(door, key)
    probe(door, key)
    assert door.alive()
    faults.log_fs_free(door.pid, door.ctx)
    mark = door.log_mark()
    probe(door, key)
    door.wait_for_log(rf"Accepted publickey for {ALICE} from", since=mark)


def test_devlog_gone_login_works(ns_door, key):
    """Fault 9: syslog mode, /dev/log removed (and its syslogd gone) after
    start: logins go on.  When a syslogd is back on /dev/log, the next
    lines reach it."""
    door = ns_door(mode="syslog")
    baseline(door, key)
    door.apply("devlog-gone")
    probe(door, key)
    probe(door, key)
    assert door.alive()
    # syslogd comes back
    sock = door.ctx.unique("devlog2.sock")
    back = faults.SyslogReceiver(sock, door.logfile)
    try:
        faults.ns_sh(door.pid, "\n".join([faults.bb("touch", "/dev/log"),
                                          faults.bb("mount", "-o", "bind", sock, "/dev/log")]))
        mark = door.log_mark()
        probe(door, key)
        door.wait_for_log(rf"Accepted publickey for {ALICE} from", since=mark)
    finally:
        back.close()


def test_devlog_stuck_login_works(ns_door, key):
    """Fault 9 variant: /dev/log is there but syslogd hangs (queue full):
    logging must not block logins; lines flow again when it reads again."""
    door = ns_door(mode="syslog")
    baseline(door, key)
    door.apply("devlog-stuck")
    start = time.monotonic()
    probe(door, key)
    probe(door, key)
    elapsed = time.monotonic() - start
    assert elapsed < 10, f"two logins took {elapsed:.1f}s with syslog stuck"
    door.ctx.syslog.resume()
    time.sleep(0.5)                 # let the receiver drain the queue
    mark = door.log_mark()
    probe(door, key)
    door.wait_for_log(rf"Accepted publickey for {ALICE} from", since=mark)


# ---------------------------------------------------------------- bulk data, faults 3-7

TRANSFERS = 20
PAYLOAD_MIB = 64


@pytest.fixture(scope="module")
def payload(workdir):
    """64 MiB of random bytes, readable by the test users: (path, sha256)."""
    path = workdir / "fault-payload.bin"
    data = os.urandom(PAYLOAD_MIB * MiB)
    path.write_bytes(data)
    os.chmod(path, 0o644)
    yield path, hashlib.sha256(data).hexdigest()
    path.unlink()


@needs_static
def test_transfers_while_faults_3_to_7_in_force(ns_door, key, payload, users):
    """Faults 3-7 at once (libcrypto/libssl, libc, NSS/PAM garbage, /run
    empty, passwd/group garbage): 20 downloads (`cat`) and 20 uploads
    (`cat >` then `sha256sum`) of 64 MiB, all through the rescue shell's
    applets, every one sha256-exact."""
    path, digest = payload
    data = path.read_bytes()
    upload = users[ALICE] / "fault-upload.bin"
    door = ns_door()
    baseline(door, key)
    for fault in faults.SYSTEM_BROKEN:
        door.apply(fault)
    probe(door, key, rescue=True)
    start = time.monotonic()
    try:
        for i in range(TRANSFERS):
            res = ssh(door, ALICE, key, f"cat {path}", timeout=60)
            assert res.returncode == 0, (i, res.stderr)
            assert len(res.stdout) == len(data), (i, len(res.stdout))
            assert hashlib.sha256(res.stdout).hexdigest() == digest, i
        downloads = time.monotonic() - start
        for i in range(TRANSFERS):
            res = ssh(door, ALICE, key, f"cat > {upload} && sha256sum {upload}",
                      input=data, timeout=60)
            assert res.returncode == 0, (i, res.stderr)
            assert RESCUE_NOTE in res.stderr
            assert res.stdout.split()[0].decode() == digest, (i, res.stdout)
    finally:
        upload.unlink(missing_ok=True)
    total = time.monotonic() - start
    print(f"\n{TRANSFERS}+{TRANSFERS} transfers of {PAYLOAD_MIB} MiB under faults 3-7: "
          f"downloads {downloads:.1f}s, uploads {total - downloads:.1f}s, total {total:.1f}s")
    assert door.alive()


# ---------------------------------------------------------------- the seed cases

@pytest.mark.parametrize("shell", ["user-shell", "rescue-shell"])
def test_regression_bg_sleep_without_output_returns(ns_door, key, shell):
    """Regression (hang), the reported command exactly: `ssh host 'sleep 30
    &'` prints nothing and must return 0 after SessionLinger, in bash and in
    the rescue shell (libc.so.6 garbage)."""
    rescue = shell == "rescue-shell"
    if rescue and SANITIZED:
        pytest.skip(NEEDS_STATIC)
    door = ns_door(SessionLinger=LINGER)
    baseline(door, key)
    if rescue:
        door.apply("libc-garbage")
    start = time.monotonic()
    res = ssh(door, ALICE, key, "sleep 30 &", timeout=40)
    elapsed = time.monotonic() - start
    assert res.returncode == 0, res.stderr
    assert res.stdout == b""
    assert (RESCUE_NOTE in res.stderr) == rescue
    assert elapsed < LINGER + 6, f"took {elapsed:.1f}s"


# Reads nothing for a second, with its stdin pipe enlarged to 1 MiB, then
# everything: the client's data and EOF arrive while fallbackd's 1 MiB input
# buffer is full and libssh holds the rest, then the buffer drains in one go.
# NOTE is written to stderr first (or not), which shifts fallbackd's rounds.
SLOW_THEN_FAST_READER = (
    "/usr/bin/python3 -c 'import fcntl, os, sys, time\n"
    "fcntl.fcntl(0, 1031, 1 << 20)  # F_SETPIPE_SZ\n"
    "sys.stderr.write(\"NOTE\")\n"
    "sys.stderr.flush()\n"
    "time.sleep(1)\n"
    "n = 0\n"
    "while True:\n"
    "    b = os.read(0, 1 << 20)\n"
    "    if not b:\n"
    "        break\n"
    "    n += len(b)\n"
    "print(n)'")


def test_regression_upload_eof_reaches_command_after_backlog(ns_door, key):
    """Regression (upload hang), found by the 20 uploads above: when the
    last client data came from libssh's backlog (fallbackd's input buffer
    had been full), the client's EOF, or the rest of the backlog, was not
    passed on until something else woke the session: stdin of the command
    stayed open, `cat > file` did not return.  A reader that pauses and
    then drains its (1 MiB) pipe at once triggers it nearly every time
    (the early stderr line, or none, decides which of two rounds stalls)."""
    door = ns_door()
    size = 2_000_000
    for note in ("", "note\\n"):
        reader = SLOW_THEN_FAST_READER.replace("NOTE", note)
        for _ in range(3):
            res = ssh(door, ALICE, key, reader, input=os.urandom(size), timeout=10)
            assert res.returncode == 0, res.stderr
            assert res.stdout == b"%d\n" % size
            assert res.stderr == note.replace("\\n", "\n").encode()


TAIL_LINES = MiB // 32


@pytest.fixture(scope="module")
def tailfile(workdir):
    """16 MiB of random bytes, then 1 MiB of numbered 32-byte lines:
    (path, content)."""
    path = workdir / "fault-tail.bin"
    tail = b"".join(b"fallbackd tail %016d\n" % i for i in range(TAIL_LINES))
    assert len(tail) == MiB
    data = os.urandom(16 * MiB) + tail
    path.write_bytes(data)
    os.chmod(path, 0o644)
    yield path, data
    path.unlink()


@pytest.mark.parametrize("shell,tty", [("rescue-shell", "pipe"), ("rescue-shell", "pty"),
                                       ("user-shell", "pty")])
def test_regression_cat_large_file_last_bytes_arrive(ns_door, key, tailfile, shell, tty):
    """Regression (output loss at exit): the last bytes of `cat` of a large
    file arrive, also from the rescue shell's cat (libc.so.6 garbage) and
    through a pty, where the line discipline turns \\n into \\r\\n.  (Bash
    through pipes: test_transfer.test_cat_large_file_last_bytes_arrive.)"""
    if shell == "rescue-shell" and SANITIZED:
        pytest.skip(NEEDS_STATIC)
    path, data = tailfile
    door = ns_door()
    rescue = shell == "rescue-shell"
    baseline(door, key)
    if rescue:
        door.apply("libc-garbage")
    opts = ["-tt"] if tty == "pty" else []
    res = ssh(door, ALICE, key, f"cat {path}", opts=opts, timeout=60)
    assert res.returncode == 0, res.stderr[-500:]
    expected = data.replace(b"\n", b"\r\n") if tty == "pty" else data
    out = res.stdout
    if tty == "pty":
        # the rescue note comes first, on the terminal
        note_end = out.find(b"\r\n") + 2 if rescue else 0
        if rescue:
            assert RESCUE_NOTE in out[:note_end], out[:200]
        out = out[note_end:]
    else:
        assert (RESCUE_NOTE in res.stderr) == rescue
    last = b"fallbackd tail %016d\n" % (TAIL_LINES - 1)
    if tty == "pty":
        last = last.replace(b"\n", b"\r\n")
    assert out[-len(last):] == last, f"tail: {out[-200:]!r}"
    assert len(out) == len(expected), f"{len(out)} bytes, expected {len(expected)}"
    assert hashlib.sha256(out).hexdigest() == hashlib.sha256(expected).hexdigest()


# ---------------------------------------------------------------- the host

def test_fault_table_and_host_untouched():
    """Every fault has a name, a description and a function; and after all
    of them the host itself is as it was: libc works, /run and /etc/passwd
    are there, no tmpfs of ours is mounted."""
    names = [name for name, _, _ in faults.FAULTS]
    assert len(names) == len(set(names))
    assert all(desc and callable(fn) for _, desc, fn in faults.FAULTS)
    assert set(PLAIN_FAULTS) | {"libc-garbage", "config-half-written", "log-fs-full",
                                "devlog-gone", "devlog-stuck"} == set(names)
    assert fbdtest.run(["/bin/true"]).returncode == 0
    assert ALICE in Path("/etc/passwd").read_text()
    assert GROUP in Path("/etc/group").read_text()
    assert os.listdir("/run")
    assert faults.TMPFS_SOURCE not in Path("/proc/self/mountinfo").read_text()
