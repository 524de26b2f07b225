"""Local forwarding (direct-tcpip): ssh -L, -W and ProxyJump through the
door, with plink and asyncssh as other clients; the policy (AllowTcpForwarding,
PermitOpen, the key's permitopen=, restrict, port-forwarding, command=), the
reasons a client and the log get, and a large transfer both ways byte-exact."""
import asyncio
import hashlib
import os
import socket
import socketserver
import subprocess
import threading
import time
import urllib.request

import pytest

import fbdbase
from fbdtest import ALICE, LOCALHOST, SSH_OPTS, run, ssh_argv

PAGE = b"<html>fallbackd forwarding test page</html>\n"
HOSTS_NAME = "fbdt-fwd-target"
BIG = 64 << 20


# ---------------------------------------------------------------- targets

class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def _serve(handler):
    srv = _Server((LOCALHOST, 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class _Http(socketserver.StreamRequestHandler):
    """A minimal HTTP/1.0 server: any request gets PAGE."""

    def handle(self):
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(PAGE) + PAGE)


class _Hash(socketserver.StreamRequestHandler):
    """Reads to EOF (the client's half-close), answers the sha256 of it."""

    def handle(self):
        h = hashlib.sha256()
        while True:
            data = self.request.recv(1 << 16)
            if not data:
                break
            h.update(data)
        self.request.sendall(h.hexdigest().encode() + b"\n")


def _blob_handler(path):
    class _Blob(socketserver.BaseRequestHandler):
        """Sends the first BIG bytes of path, then closes."""

        def handle(self):
            with open(path, "rb") as f:
                self.request.sendall(f.read(BIG))
    return _Blob


class _Hold(socketserver.BaseRequestHandler):
    """Keeps the connection until the client closes it."""

    def handle(self):
        while self.request.recv(4096):
            pass


@pytest.fixture(scope="module")
def http():
    srv = _serve(_Http)
    yield srv.server_address[1]
    srv.shutdown()


@pytest.fixture(scope="module")
def hasher():
    srv = _serve(_Hash)
    yield srv.server_address[1]
    srv.shutdown()


@pytest.fixture(scope="module")
def holder():
    srv = _serve(_Hold)
    yield srv.server_address[1]
    srv.shutdown()


def free_port():
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


def closed_port():
    """A port nothing listens on (bound, never listened)."""
    return free_port()


@pytest.fixture
def fwd_door(make_door, key):
    return make_door(AllowTcpForwarding="local", authorize={ALICE: key})


def wait_listening(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((LOCALHOST, port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def fetch(port):
    with urllib.request.urlopen(f"http://{LOCALHOST}:{port}/", timeout=10) as r:
        return r.read()


# The client's "channel N: open failed: ..." line is at INFO.
INFO_OPTS = [o if o != "LogLevel=ERROR" else "LogLevel=INFO" for o in SSH_OPTS]


def ssh_w(door, key, target, data=b"", opts=(), timeout=60):
    """ssh -W TARGET with DATA on stdin: the CompletedProcess."""
    argv = fbdbase.ssh_command(door.port, ALICE, [key.path], None, ["-W", target, *opts],
                               base=INFO_OPTS)
    return run(argv, input=data, timeout=timeout)


class Background:
    """A client in the background, killed at the end."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def stop(self):
        self.proc.kill()
        _, err = self.proc.communicate(timeout=10)
        return err


# ---------------------------------------------------------------- clients

def test_ssh_L_gets_the_page(fwd_door, key, http):
    """ssh -L to a local HTTP server: urllib through the tunnel gets the page,
    and the log says where the connection went, in sshd's words."""
    port = free_port()
    mark = fwd_door.log_mark()
    bg = Background(ssh_argv(fwd_door, ALICE, key, None,
                             ["-N", "-o", "ExitOnForwardFailure=yes",
                              "-L", f"{LOCALHOST}:{port}:{LOCALHOST}:{http}"]))
    try:
        assert wait_listening(port), bg.stop()
        assert fetch(port) == PAGE
        assert fetch(port) == PAGE      # a second channel on the same connection
    finally:
        bg.stop()
    fwd_door.wait_for_log(rf"Connection from {LOCALHOST} port \d+ forwarding to "
                          rf"{LOCALHOST} port {http} ", since=mark)


def test_ssh_W(fwd_door, key, http):
    res = ssh_w(fwd_door, key, f"{LOCALHOST}:{http}", b"GET / HTTP/1.0\r\n\r\n")
    assert res.returncode == 0, res.stderr
    assert res.stdout.endswith(PAGE), res.stdout


def test_ssh_J_to_a_second_door(make_door, fwd_door, key, workdir):
    """ProxyJump through the door to a second fallbackd on another port."""
    inner = make_door(authorize={ALICE: key})
    cfg = workdir / f"jump-{fwd_door.port}.conf"
    cfg.write_text(
        "Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
        f"  IdentitiesOnly yes\n  IdentityFile {key.path}\n  BatchMode yes\n"
        f"  LogLevel ERROR\n  User {ALICE}\n  ConnectTimeout 10\n"
        f"Host fbdt-jump\n  HostName {LOCALHOST}\n  Port {fwd_door.port}\n"
        f"Host fbdt-inner\n  HostName {LOCALHOST}\n  Port {inner.port}\n"
        "  ProxyJump fbdt-jump\n")
    res = run(["ssh", "-F", str(cfg), "fbdt-inner", "echo through-the-jump"], timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout == b"through-the-jump\n"
    fwd_door.wait_for_log(rf"forwarding to {LOCALHOST} port {inner.port} ")


def test_plink_L(fwd_door, key, http):
    port = free_port()
    bg = Background(["plink", "-batch", "-ssh", "-P", str(fwd_door.port), "-i",
                     str(key.ppk()), "-hostkey", fwd_door.host_fingerprint, "-N",
                     "-L", f"{LOCALHOST}:{port}:{LOCALHOST}:{http}", f"{ALICE}@{LOCALHOST}"])
    try:
        assert wait_listening(port), bg.stop()
        assert fetch(port) == PAGE
    finally:
        bg.stop()


try:
    import asyncssh                 # Debian: python3-asyncssh
except ImportError:                 # pragma: no cover
    asyncssh = None


async def _asyncssh_page(door, key, http):
    async with asyncssh.connect(LOCALHOST, door.port, username=ALICE,
                                client_keys=[str(key.path)], known_hosts=None) as conn:
        listener = await conn.forward_local_port(LOCALHOST, 0, LOCALHOST, http)
        reader, writer = await asyncio.open_connection(LOCALHOST, listener.get_port())
        writer.write(b"GET / HTTP/1.0\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        listener.close()
        return data


@pytest.mark.skipif(asyncssh is None, reason="python3-asyncssh missing")
def test_asyncssh_forward_local_port(fwd_door, key, http):
    data = asyncio.run(_asyncssh_page(fwd_door, key, http))
    assert data.endswith(PAGE), data


def test_name_from_etc_hosts(fwd_door, key, http):
    """A name only /etc/hosts knows: our own parser finds it (no NSS)."""
    with open("/etc/hosts") as f:
        saved = f.read()
    try:
        with open("/etc/hosts", "a") as f:
            f.write(f"\n127.0.0.1 {HOSTS_NAME} # fallbackd test, removed after\n")
        res = ssh_w(fwd_door, key, f"{HOSTS_NAME}:{http}", b"GET / HTTP/1.0\r\n\r\n")
        assert res.returncode == 0, res.stderr
        assert res.stdout.endswith(PAGE)
    finally:
        with open("/etc/hosts", "w") as f:
            f.write(saved)
    fwd_door.wait_for_log(rf"forwarding to {HOSTS_NAME} port {http} \(127\.0\.0\.1\)")


def test_localhost_resolves(fwd_door, key, http):
    res = ssh_w(fwd_door, key, f"localhost:{http}", b"GET / HTTP/1.0\r\n\r\n")
    assert res.returncode == 0, res.stderr
    assert res.stdout.endswith(PAGE)


def test_unknown_name_fails_with_reason(fwd_door, key):
    mark = fwd_door.log_mark()
    res = ssh_w(fwd_door, key, "fbdt-no-such-host.invalid:80")
    assert res.returncode != 0
    assert b"open failed: connect failed: unknown host fbdt-no-such-host.invalid" in res.stderr, \
        res.stderr
    fwd_door.wait_for_log(r"channel \d+: open failed: connect failed: unknown host "
                          r"fbdt-no-such-host\.invalid", since=mark)


def test_connect_refused_reason(fwd_door, key):
    port = closed_port()
    mark = fwd_door.log_mark()
    res = ssh_w(fwd_door, key, f"{LOCALHOST}:{port}")
    assert res.returncode != 0
    assert b"open failed: connect failed: Connection refused" in res.stderr, res.stderr
    fwd_door.wait_for_log(r"channel \d+: open failed: connect failed: Connection refused",
                          since=mark)


# ---------------------------------------------------------------- policy

def assert_prohibited(door, key, target, log_regex, mark):
    res = ssh_w(door, key, target)
    assert res.returncode != 0
    assert b"administratively prohibited" in res.stderr, res.stderr
    door.wait_for_log(log_regex, since=mark)


def test_refused_by_default(make_door, key, http):
    door = make_door(authorize={ALICE: key})
    assert_prohibited(door, key, f"{LOCALHOST}:{http}",
                      rf"refused local port forward: originator \S+ port \d+, target "
                      rf"{LOCALHOST} port {http}", 0)


def test_remote_forwarding_refused(fwd_door, key):
    """Only local forwarding: ssh -R is refused even with AllowTcpForwarding on."""
    argv = fbdbase.ssh_command(fwd_door.port, ALICE, [key.path], "echo ran",
                               ["-o", "ExitOnForwardFailure=yes", "-R", f"0:{LOCALHOST}:9"],
                               base=INFO_OPTS)
    res = run(argv, timeout=30)
    assert res.returncode == 255, (res.returncode, res.stderr)
    assert b"remote port forwarding failed" in res.stderr, res.stderr
    assert b"ran" not in res.stdout


def test_permitopen_key_option(fwd_door, key, http):
    fwd_door.set_key_lines(ALICE, [key.line(f'permitopen="{LOCALHOST}:1"')])
    mark = fwd_door.log_mark()
    assert_prohibited(fwd_door, key, f"{LOCALHOST}:{http}",
                      rf"Received request from \S+ port \d+ to connect to host {LOCALHOST} "
                      rf"port {http}, but the request was denied\.", mark)
    fwd_door.set_key_lines(ALICE, [key.line(f'permitopen="{LOCALHOST}:1",'
                                            f'permitopen="{LOCALHOST}:*"')])
    assert ssh_w(fwd_door, key, f"{LOCALHOST}:{http}", b"GET / HTTP/1.0\r\n\r\n") \
        .stdout.endswith(PAGE)


def test_permitopen_config(make_door, key, http):
    door = make_door(AllowTcpForwarding="yes", PermitOpen=f"localhost:{http}",
                     authorize={ALICE: key})
    # literal comparison, as sshd: localhost:PORT does not allow 127.0.0.1:PORT
    assert_prohibited(door, key, f"{LOCALHOST}:{http}", r"but the request was denied", 0)
    res = ssh_w(door, key, f"localhost:{http}", b"GET / HTTP/1.0\r\n\r\n")
    assert res.stdout.endswith(PAGE), res.stderr


def test_restrict_key_refused_unless_port_forwarding(fwd_door, key, http):
    fwd_door.set_key_lines(ALICE, [key.line("restrict")])
    mark = fwd_door.log_mark()
    assert_prohibited(fwd_door, key, f"{LOCALHOST}:{http}", r"refused local port forward",
                      mark)
    fwd_door.set_key_lines(ALICE, [key.line("no-port-forwarding")])
    assert_prohibited(fwd_door, key, f"{LOCALHOST}:{http}", r"refused local port forward",
                      mark)
    fwd_door.set_key_lines(ALICE, [key.line("restrict,port-forwarding")])
    res = ssh_w(fwd_door, key, f"{LOCALHOST}:{http}", b"GET / HTTP/1.0\r\n\r\n")
    assert res.stdout.endswith(PAGE), res.stderr


def test_forced_command_as_sshd(fwd_door, key, http):
    """sshd's semantics: command= alone does not disable forwarding (its man
    page: "the client may specify TCP ... forwarding unless explicitly
    prohibited"); with restrict it is refused."""
    fwd_door.set_key_lines(ALICE, [key.line('command="echo forced"')])
    res = ssh_w(fwd_door, key, f"{LOCALHOST}:{http}", b"GET / HTTP/1.0\r\n\r\n")
    assert res.stdout.endswith(PAGE), res.stderr
    fwd_door.set_key_lines(ALICE, [key.line('command="echo forced",restrict')])
    assert_prohibited(fwd_door, key, f"{LOCALHOST}:{http}", r"refused local port forward", 0)


async def _second_open_refused(door, key, target_port, then_session):
    """Hold one forwarded channel, try a second (and, if then_session, a
    session): the refusal reason of the second channel.  After the first is
    closed, a new one opens again."""
    async with asyncssh.connect(LOCALHOST, door.port, username=ALICE,
                                client_keys=[str(key.path)], known_hosts=None) as conn:
        _, first = await conn.open_connection(LOCALHOST, target_port)
        with pytest.raises(asyncssh.ChannelOpenError) as e:
            await conn.open_connection(LOCALHOST, target_port)
        if then_session:
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.run("true")
        first.close()
        await asyncio.sleep(0.5)
        _, again = await conn.open_connection(LOCALHOST, target_port)
        again.close()
        return e.value.reason


@pytest.mark.skipif(asyncssh is None, reason="python3-asyncssh missing")
def test_max_forward_channels(make_door, key, holder):
    door = make_door(AllowTcpForwarding="local", MaxForwardChannels=1, authorize={ALICE: key})
    assert "MaxForwardChannels" in asyncio.run(_second_open_refused(door, key, holder, False))


@pytest.mark.skipif(asyncssh is None, reason="python3-asyncssh missing")
def test_max_sessions_counts_forwarded_channels(make_door, key, holder):
    """MaxSessions 1: one forwarded channel leaves room for no other
    channel, forwarded or session."""
    door = make_door(AllowTcpForwarding="local", MaxSessions=1, authorize={ALICE: key})
    assert "MaxSessions" in asyncio.run(_second_open_refused(door, key, holder, True))


# ---------------------------------------------------------------- bulk

def test_64MiB_both_ways_byte_exact(fwd_door, key, hasher, bigfile):
    """64 MiB up (the target hashes what it got before the half-close) and
    64 MiB down (the target sends and closes), through ssh -W."""
    path, _ = bigfile
    with open(path, "rb") as f:
        data = f.read(BIG)
    want = hashlib.sha256(data).hexdigest().encode()
    res = ssh_w(fwd_door, key, f"{LOCALHOST}:{hasher}", data, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == want

    srv = _serve(_blob_handler(path))
    try:
        res = ssh_w(fwd_door, key, f"{LOCALHOST}:{srv.server_address[1]}", timeout=120)
    finally:
        srv.shutdown()
    assert res.returncode == 0, res.stderr
    assert len(res.stdout) == BIG
    assert hashlib.sha256(res.stdout).hexdigest().encode() == want


def _socket_uid(remote_port):
    """The owner uid of the established TCP socket to 127.0.0.1:REMOTE, from
    /proc/net/tcp (ports in hex; state 01 = ESTABLISHED), or None."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            rport = int(fields[2].split(":")[1], 16)
            if rport == remote_port and fields[3] == "01":
                return int(fields[7])
    return None


def test_target_connection_is_the_users(fwd_door, key, holder):
    """The outgoing socket belongs to the user (made by the forked child with
    the user's identity), not to root or the sandbox uid."""
    import pwd
    argv = fbdbase.ssh_command(fwd_door.port, ALICE, [key.path], None,
                               ["-W", f"{LOCALHOST}:{holder}"], base=INFO_OPTS)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        fwd_door.wait_for_log(rf"forwarding to {LOCALHOST} port {holder} ", timeout=10)
        uid = None
        deadline = time.monotonic() + 5
        while uid is None and time.monotonic() < deadline:
            uid = _socket_uid(holder)
            time.sleep(0.05)
        assert uid == pwd.getpwnam(ALICE).pw_uid
    finally:
        proc.kill()
        proc.communicate(timeout=10)
