"""Helpers for fallbackd's integration tests: a running door, its log, and
the clients (OpenSSH, PuTTY's plink, paramiko) that talk to it.

Every subprocess call here has a timeout, and a timeout fails the test that
hit it: a hung server must never hang the suite.  Every process started here
is ended here: the door's process tree by pid at teardown, and orphans (a
background job of a user's shell, a ControlMaster) because the test process
is made a child subreaper (see :func:`become_subreaper`), so they become our
children instead of init's and :func:`reap_orphans` can end them.
"""
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import paramiko
import pytest

import fbdbase
# Re-exported for the tests: fbdtest is the one module they import helpers from.
from fbdbase import (COUNT, LOCALHOST, SSH_OPTS, IdleConn, IdleFlood,  # noqa: F401
                     become_subreaper, counted, descendants, free_port, kill_pids,
                     pids_of_uid, ppid_of, proc_state)

REPO = Path(__file__).resolve().parents[2]
FALLBACKD = Path(os.environ.get("FALLBACKD_BIN") or REPO / "build" / "fallbackd").resolve()
# make asan-integration runs the suite against the ASan+UBSan build, which
# is linked dynamically.  Every connection's network process is a new image
# of the binary (listener/netexec.h), so that build cannot serve while
# libc.so.6 is garbage, nor from a bare chroot: those tests are for the
# static binary only.
SANITIZED = os.environ.get("FALLBACKD_SANITIZED") == "1"
NEEDS_STATIC = ("the ASan build is dynamically linked: its network processes cannot start "
                "while libc.so.6 is broken or in a bare chroot")
needs_static = pytest.mark.skipif(SANITIZED, reason=NEEDS_STATIC)
# The test build with the hooks of fallbackd/net/test_hooks.h (Door(binary=...)).
FALLBACKD_TESTHOOKS = Path(os.environ.get("FALLBACKD_TESTHOOKS_BIN")
                           or REPO / "build" / "fallbackd-testhooks").resolve()

# Test users: prefix fbdt-, created for the session by conftest.py.
ALICE, BOB, CAROL, LOCKED = "fbdt-alice", "fbdt-bob", "fbdt-carol", "fbdt-locked"
NOSUCH = "fbdt-nosuch"          # never created
DAEMON_CANARY = "FBDT_DAEMON_ENV"   # in the daemon's environment, never a user's
GROUP = "fbdt-ops"              # alice is a member


# ---------------------------------------------------------------- processes

def run(argv, *, timeout=30, input=None, env=None, cwd=None, check=False):
    """Run argv with captured stdout/stderr (bytes); fail the test if it
    takes longer than timeout seconds."""
    try:
        res = subprocess.run(argv, input=input, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=timeout, env=env, cwd=cwd,
                             stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"timed out after {timeout}s: {shlex.join(map(str, argv))}\n"
                    f"stdout: {e.stdout!r}\nstderr: {e.stderr!r}")
    if check and res.returncode != 0:
        pytest.fail(f"exit {res.returncode}: {shlex.join(map(str, argv))}\n"
                    f"stdout: {res.stdout!r}\nstderr: {res.stderr!r}")
    return res


def wait_state(pid, want, timeout=5):
    """Wait until pid's state (R, S, T, ...) is one of the letters of want."""
    if not fbdbase.wait_state(pid, want, timeout):
        pytest.fail(f"pid {pid} is in state {proc_state(pid)}, not {want}")


# Processes whose Popen objects we own and wait for ourselves.
_owned = set()


def reap_orphans():
    """Kill and reap our children that no Popen owns: orphans re-parented to
    us (background jobs, daemonized ssh masters, sessions of a stopped
    listener), with their own descendants."""
    me = os.getpid()
    for pid, ppid in fbdbase.ppid_table().items():
        if ppid == me and pid not in _owned:
            kill_pids(descendants(pid) + [pid])
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


# ---------------------------------------------------------------- keys

class ClientKey:
    """A client key pair made with ssh-keygen (OpenSSH format, no passphrase)."""

    def __init__(self, path, kind):
        self.path = Path(path)
        self.kind = kind                    # "ed25519", "ecdsa256", "rsa", ...
        self.pub = Path(f"{path}.pub").read_text().strip()
        self.keytype = self.pub.split()[0]  # "ssh-ed25519", "ecdsa-sha2-nistp256", ...
        fp = run(["ssh-keygen", "-l", "-E", "sha256", "-f", f"{path}.pub"], check=True)
        self.fingerprint = fp.stdout.decode().split()[1]   # SHA256:...
        self._ppk = None

    @classmethod
    def generate(cls, path, kind):
        """kind: one of fbdbase.KEYGEN_KINDS, optionally with a -suffix."""
        run(fbdbase.keygen_argv(path, kind.split("-")[0], f"fbdt-{kind}"), check=True)
        return cls(path, kind)

    def pkey(self):
        """The private key as a paramiko PKey."""
        return load_pkey(self.path)

    def ppk(self):
        """The private key converted for PuTTY (made on first use)."""
        if self._ppk is None:
            out = self.path.with_suffix(".ppk")
            run(["puttygen", str(self.path), "-O", "private", "-o", str(out)], check=True)
            self._ppk = out
        return self._ppk

    def line(self, options=None):
        """An authorized_keys line for this key."""
        return f"{options} {self.pub}" if options else self.pub


def load_pkey(path):
    """An OpenSSH private key file (without passphrase) as a paramiko PKey
    of its type (read from path.pub)."""
    keytype = Path(f"{path}.pub").read_text().split()[0]
    klass = {"ssh-ed25519": paramiko.Ed25519Key, "ssh-rsa": paramiko.RSAKey}.get(
        keytype, paramiko.ECDSAKey)
    return klass.from_private_key_file(str(path))


# ---------------------------------------------------------------- the door

class DoorFailed(Exception):
    pass


class Door:
    """One fallbackd in the foreground on a free 127.0.0.1 port.

    Its directory holds the host key, the config (written from a dict of
    overrides), the authorized keys (one root-owned 0644 file per user under
    authorized/) and the log (stderr and stdout of the daemon).
    """

    def __init__(self, root, binary=None, **overrides):
        self.binary = Path(binary).resolve() if binary else FALLBACKD
        self.dir = Path(root)
        self.dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.hostkey = self.dir / "ssh_host_ed25519_key"
        run(fbdbase.keygen_argv(self.hostkey, "ed25519", "fbdt-host"), check=True)
        self.host_fingerprint = run(
            ["ssh-keygen", "-l", "-E", "sha256", "-f", f"{self.hostkey}.pub"],
            check=True).stdout.decode().split()[1]
        self.authdir = self.dir / "authorized"
        self.authdir.mkdir(mode=0o755)
        os.chmod(self.authdir, 0o755)
        self.config = self.dir / "fallbackd.conf"
        self.logfile = self.dir / "fallbackd.log"
        self.port = None
        self.overrides = dict(overrides)
        self.proc = None
        self.pid = None                     # the listener (not strace)

    # -- config and keys

    def config_text(self, overrides=None):
        """Render the config: the door's defaults, then overrides (a value of
        None drops a keyword, a list repeats it)."""
        settings = {
            "Port": self.port,
            "ListenAddress": LOCALHOST,
            "HostKey": str(self.hostkey),
            "AuthorizedKeysFile": f"{self.authdir}/%u",
            # fallbackd lets no one in without AllowUsers/AllowGroups.
            "AllowUsers": "fbdt-* root",
            # The suite connects from here many times a second, often without
            # logging in or crashing on purpose; test_penalties.py drops this.
            "PerSourcePenaltyExemptList": LOCALHOST,
        }
        settings.update(self.overrides if overrides is None else overrides)
        lines = []
        for key, value in settings.items():
            for v in value if isinstance(value, (list, tuple)) else [value]:
                if v is not None:
                    lines.append(f"{key} {v}")
        return "\n".join(lines) + "\n"

    def write_config(self, text=None, **overrides):
        """Write the config file: literal text, or the defaults plus overrides
        (merged over the door's own)."""
        if text is None:
            merged = dict(self.overrides)
            merged.update(overrides)
            self.overrides = merged
            text = self.config_text()
        self.config.write_text(text)

    def add_host_key(self, kind):
        """Make one more host key (kind as in fbdbase.KEYGEN_KINDS) and list
        it after the others in HostKey (for the next start or reload);
        returns its path."""
        path = self.dir / f"ssh_host_{kind}_key"
        run(fbdbase.keygen_argv(path, kind, "fbdt-host"), check=True)
        keys = self.overrides.get("HostKey") or [str(self.hostkey)]
        self.overrides["HostKey"] = [*([keys] if isinstance(keys, str) else keys), str(path)]
        return path

    def keys_path(self, user):
        return self.authdir / user

    def authorize(self, user, *keys, options=None):
        """Append keys (ClientKey, with optional options) to user's file."""
        self.add_key_lines(user, [k.line(options) for k in keys])

    def add_key_lines(self, user, lines):
        path = self.keys_path(user)
        old = path.read_text() if path.exists() else ""
        self.set_key_lines(user, old.splitlines() + list(lines))

    def set_key_lines(self, user, lines):
        """Replace user's authorized keys file (root-owned, 0644)."""
        path = self.keys_path(user)
        path.write_text("".join(line + "\n" for line in lines))
        os.chown(path, 0, 0)
        os.chmod(path, 0o644)

    # -- process

    def start(self, wrapper=(), timeout=10):
        """Start fallbackd (optionally under a wrapper such as strace) on a
        free port and wait for "Server listening"; another port when the
        one chosen was taken meanwhile."""
        for _ in range(3):
            self.port = free_port()
            self.write_config()
            self.launch(wrapper, timeout)
            try:
                self.wait_for_log(fbdbase.listening_pattern(self.port), timeout=timeout,
                                  what="start")
                break
            except DoorFailed:
                text = self.output()
                self.stop()
                if "Address already in use" not in text:
                    raise
        else:
            raise DoorFailed(f"fallbackd could not bind a port:\n{self.log()}")
        if self.pid is None:
            self.pid = self._find_listener() if wrapper else self.proc.pid
        return self

    def launch(self, wrapper, timeout):
        """Start the process (self.proc), its output going to the log."""
        self.pid = None
        log = open(self.logfile, "ab")
        self.proc = subprocess.Popen(
            list(wrapper) + [str(self.binary), "-D", "-e", "-f", str(self.config)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            env=dict(os.environ, **{DAEMON_CANARY: "daemon-env"}))
        log.close()
        _owned.add(self.proc.pid)

    def output(self):
        """Everything the daemon wrote (to tell why it did not start)."""
        return self.log()

    def _find_listener(self):
        """The fallbackd process under a wrapper (the first one, which listens)."""
        for pid in sorted(descendants(self.proc.pid)):
            try:
                if Path(f"/proc/{pid}/exe").resolve() == self.binary:
                    return pid
            except OSError:
                pass
        raise DoorFailed("fallbackd process not found under the wrapper")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        os.kill(self.pid, sig)

    def reload(self, **overrides):
        """SIGHUP (after writing the config with overrides, if any); the
        reload must succeed."""
        if overrides:
            self.write_config(**overrides)
        mark = self.log_mark()
        self.signal(signal.SIGHUP)
        self.wait_for_log(r"configuration reloaded", since=mark)

    def stop(self):
        """SIGTERM the listener, then SIGKILL it and everything it started."""
        if self.proc is None:
            return
        fbdbase.end_tree(self.proc, self.pid)
        _owned.discard(self.proc.pid)
        self.proc = None
        reap_orphans()

    # -- log

    def log(self, since=0):
        """The log text from byte offset since."""
        with open(self.logfile, "rb") as f:
            f.seek(since)
            return f.read().decode(errors="replace")

    def log_mark(self):
        """An offset for log(since=...) / wait_for_log(since=...)."""
        return self.logfile.stat().st_size

    def wait_for_log(self, regex, timeout=5, since=0, what=None):
        """Wait until regex matches the log (after since); return the match.
        Fails (DoorFailed for start, else the test) on timeout or if the
        daemon died."""
        m = fbdbase.wait_for_match(lambda: self.log(since), regex, timeout, self.proc)
        if m:
            return m
        dead = self.proc is not None and self.proc.poll() is not None
        msg = (f"{'fallbackd exited' if dead else 'timeout'} waiting for log "
               f"/{regex}/; log:\n{self.log(since)}")
        if what == "start":
            raise DoorFailed(msg)
        pytest.fail(msg)


class DoorFactory:
    """Starts doors (door_class, by default Door) in a temporary directory
    and stops every one of them at close()."""

    def __init__(self, prefix="fbdt-door-", door_class=Door):
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        os.chmod(self.root, 0o755)
        self.door_class = door_class
        self.doors = []

    def __call__(self, *, start=True, wrapper=(), authorize=None, **overrides):
        """A new door; overrides go to door_class (the config's keywords,
        and binary=...).  Started unless start=False; then authorize
        ({user: key or [keys]}) is applied."""
        door = self.door_class(self.root / f"door{len(self.doors)}", **overrides)
        self.doors.append(door)
        if start:
            door.start(wrapper=wrapper)
        for user, keys in (authorize or {}).items():
            door.authorize(user, *(keys if isinstance(keys, (list, tuple)) else [keys]))
        return door

    def stop(self):
        for door in self.doors:
            door.stop()
        reap_orphans()

    def close(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------- clients

def ssh_argv(door, user, key, command=None, opts=()):
    keys = key if isinstance(key, (list, tuple)) else [key]
    return fbdbase.ssh_command(door.port, user, [k.path for k in keys], command, opts)


def ssh(door, user, key, command=None, *, opts=(), input=None, timeout=30, env=None):
    """Run the OpenSSH client; returns CompletedProcess (bytes stdout/stderr
    kept apart).  key may be a list (several -i)."""
    return run(ssh_argv(door, user, key, command, opts), input=input, timeout=timeout, env=env)


class BackgroundSsh(fbdbase.BackgroundClient):
    """An OpenSSH client running in the background; always ended (kill)."""

    def __init__(self, door, user, key, command):
        super().__init__(ssh_argv(door, user, key, command))

    def result(self, timeout=15):
        """(exit status, stdout, stderr); fails the test after timeout."""
        rc, out, err, timed_out = self.finish(timeout)
        if timed_out:
            pytest.fail(f"ssh still running after {timeout}s")
        return rc, out, err


def assert_connection_refused(door):
    """Nothing listens on the door's port any more."""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((LOCALHOST, door.port), timeout=5).close()


def ssh_ok(door, user, key, command, **kw):
    """ssh that must succeed (exit 0); returns stdout as text."""
    res = ssh(door, user, key, command, **kw)
    assert res.returncode == 0, (
        f"ssh {user} {command!r}: exit {res.returncode}\nstderr: {res.stderr.decode()}\n"
        f"log:\n{door.log()}")
    return res.stdout.decode()


def ssh_refused(door, user, key, command="true", **kw):
    """ssh that must be refused before running anything (exit 255)."""
    res = ssh(door, user, key, command, **kw)
    assert res.returncode == 255, (
        f"expected refusal of {user}, got exit {res.returncode}\nstdout: {res.stdout!r}\n"
        f"stderr: {res.stderr.decode()}")
    assert b"Permission denied" in res.stderr or b"Too many authentication" in res.stderr \
        or b"Connection closed" in res.stderr, res.stderr
    return res


def environ_of_shell(door, user, key, opts=(), env=None):
    """The environment fallbackd passed to the user's shell, as a dict.
    Read from /proc/$$/environ (the environment at exec), so that what the
    shell's startup files (~/.bashrc) change does not show.  "; exit" keeps
    bash from exec'ing cat in its own place."""
    out = ssh_ok(door, user, key, "cat /proc/$$/environ; exit 0", opts=opts, env=env)
    return dict(item.split("=", 1) for item in out.split("\0") if item)


def plink(door, user, key, command, *, timeout=30, input=None, hostkey=None):
    """PuTTY's plink, the host key pinned (by default to the door's)."""
    argv = ["plink", "-batch", "-ssh", "-P", str(door.port), "-i", str(key.ppk()),
            "-hostkey", hostkey or door.host_fingerprint, f"{user}@{LOCALHOST}", command]
    return run(argv, timeout=timeout, input=input)


HOST_KEY_ALGORITHMS = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                       "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]


def paramiko_client(door, user, key, timeout=10, hostkey=None):
    """A connected, authenticated paramiko SSHClient.  The server's host key
    must be the door's (RejectPolicy with the key pre-loaded); or, given
    hostkey (a key file), that one, and its algorithm is the only host key
    algorithm offered."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    if hostkey is None:
        hk = paramiko.Ed25519Key.from_private_key_file(str(door.hostkey))
        only = {}
    else:
        hk = load_pkey(hostkey)
        wanted = {"ssh-rsa": ["rsa-sha2-256"]}.get(hk.get_name(), [hk.get_name()])
        only = {"disabled_algorithms": {
            "keys": [a for a in HOST_KEY_ALGORITHMS if a not in wanted]}}
    client.get_host_keys().add(f"[{LOCALHOST}]:{door.port}", hk.get_name(), hk)
    client.connect(LOCALHOST, door.port, username=user, pkey=key.pkey(),
                   look_for_keys=False, allow_agent=False, timeout=timeout,
                   banner_timeout=timeout, auth_timeout=timeout, **only)
    return client


def paramiko_transport(door, timeout=10, **kw):
    """A paramiko Transport after key exchange, not authenticated; kw go
    to paramiko.Transport (e.g. disabled_algorithms)."""
    sock = socket.create_connection((LOCALHOST, door.port), timeout=timeout)
    t = paramiko.Transport(sock, **kw)
    t.banner_timeout = timeout
    t.start_client(timeout=timeout)
    return t


def read_all(chan, stderr=False, timeout=30):
    """Read one stream of a channel to EOF (fails the test on timeout)."""
    chan.settimeout(timeout)
    recv = chan.recv_stderr if stderr else chan.recv
    chunks = []
    try:
        while True:
            data = recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)
    except socket.timeout:
        pytest.fail(f"channel read timed out after {timeout}s; got {b''.join(chunks)[-200:]!r}")


def exit_status(chan, timeout=30):
    if not chan.status_event.wait(timeout):
        pytest.fail(f"no exit status within {timeout}s")
    return chan.recv_exit_status()


def paramiko_exec(client, command, *, timeout=30, pty=None, stdin=None):
    """Run command on a new channel; returns (stdout, stderr, exit status).
    stdout and stderr are read concurrently, so neither can block the other."""
    chan = client.get_transport().open_session(timeout=timeout)
    if pty:
        chan.get_pty(**pty)
    chan.exec_command(command)
    if stdin is not None:
        chan.sendall(stdin)
        chan.shutdown_write()
    err = {}
    t = threading.Thread(target=lambda: err.setdefault("v", read_all(chan, True, timeout)))
    t.start()
    out = read_all(chan, False, timeout)
    t.join(timeout)
    status = exit_status(chan, timeout)
    chan.close()
    return out, err.get("v", b""), status


def request_pty_no_reply(chan, term="vt100", width=80, height=24):
    """Send pty-req with want_reply false.  paramiko's get_pty() asks for a
    reply and closes the channel on a refusal; without a reply the channel
    stays open and the command shows whether it got a terminal."""
    m = paramiko.Message()
    m.add_byte(paramiko.common.cMSG_CHANNEL_REQUEST)
    m.add_int(chan.remote_chanid)
    m.add_string("pty-req")
    m.add_boolean(False)
    m.add_string(term)
    m.add_int(width)
    m.add_int(height)
    m.add_int(0)
    m.add_int(0)
    m.add_string(b"")
    chan.transport._send_user_message(m)


def pty_command(door, user, key, command="tty; echo ran"):
    """Run command after a pty-req sent without want_reply (see
    request_pty_no_reply); returns (stdout, exit status)."""
    client = paramiko_client(door, user, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        request_pty_no_reply(chan)
        chan.exec_command(command)
        return read_all(chan).replace(b"\r", b""), exit_status(chan)
    finally:
        client.close()


def assert_pty_refused_command_runs(door, user, key):
    """The pty-req is refused; the same channel still runs the command.

    OpenSSH's -tt makes a refused pty fatal on the client side (it prints
    "PTY allocation request failed" and closes the channel); paramiko's
    get_pty() closes the channel too.  So whether the command still runs is
    checked with a pty-req that asks for no reply."""
    res = ssh(door, user, key, "tty; echo ran", opts=["-tt"])
    assert b"PTY allocation request failed" in res.stderr
    assert res.returncode == 255
    assert pty_command(door, user, key) == (b"not a tty\nran\n", 0)


# What fallbackd means to offer (SECURITY.md): curve25519 key
# exchange with the strict-kex marker, AEAD ciphers, etm MACs.
KEX = ["mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
       "curve25519-sha256", "curve25519-sha256@libssh.org"]
STRICT_KEX = "kex-strict-s-v00@openssh.com"
CIPHERS = ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com",
           "aes256-ctr", "aes192-ctr", "aes128-ctr"]
MACS = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"]
# What Debian 12's OpenSSH 9.2 client can negotiate (it has no ML-KEM).
OPENSSH92_KEX = [k for k in KEX if not k.startswith("mlkem")]

KEXINIT_FIELDS = ("kex", "hostkey", "ciphers_c2s", "ciphers_s2c", "macs_c2s", "macs_s2c",
                  "compression_c2s", "compression_s2c", "languages_c2s", "languages_s2c")


def server_kexinit(door, timeout=10):
    """The server's identification string and its SSH_MSG_KEXINIT name-lists
    ({field: [names]}), read off a raw socket before any negotiation."""
    with socket.create_connection((LOCALHOST, door.port), timeout=timeout) as s:
        f = s.makefile("rwb")
        ident = f.readline().rstrip(b"\r\n").decode()
        f.write(b"SSH-2.0-fbdtest\r\n")
        f.flush()
        length, padding = struct.unpack(">IB", f.read(5))
        payload = f.read(length - 1)[:length - 1 - padding]
    assert payload[0] == 20, f"first packet is type {payload[0]}, not KEXINIT"
    pos, lists = 17, {}
    for field in KEXINIT_FIELDS:
        (n,) = struct.unpack(">I", payload[pos:pos + 4])
        names = payload[pos + 4:pos + 4 + n].decode()
        lists[field] = names.split(",") if names else []
        pos += 4 + n
    return ident, lists


def read_until(chan, marker, timeout=10):
    """Read a (pty) channel until marker appears; returns everything read."""
    chan.settimeout(timeout)
    buf = b""
    deadline = time.monotonic() + timeout
    while marker not in buf:
        if time.monotonic() > deadline:
            pytest.fail(f"{marker!r} not seen within {timeout}s; got {buf[-300:]!r}")
        try:
            data = chan.recv(4096)
        except socket.timeout:
            continue
        if not data:
            pytest.fail(f"EOF before {marker!r}; got {buf[-300:]!r}")
        buf += data
    return buf
