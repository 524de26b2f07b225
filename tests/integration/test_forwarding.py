"""Local forwarding (direct-tcpip): ssh -L, -W and ProxyJump through the
door, with plink and asyncssh as other clients; the policy (AllowTcpForwarding,
PermitOpen, the key's permitopen=, restrict, port-forwarding, command=), the
reasons a client and the log get, a large transfer both ways byte-exact, and
an open whose target does not answer: pending while the connection's other
channels go on, counted in the limits, its child gone with the connection."""
import asyncio
import hashlib
import os
import shutil
import socket
import socketserver
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

import fbdbase
from fbdtest import ALICE, LOCALHOST, SSH_OPTS, reap_orphans, run, ssh_argv

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


# ---------------------------------------------------------------- pending opens

# A loopback address (all of 127/8 is local) that nothing else here uses:
# the silent_target fixture drops every SYN to it, so that a connect to it
# neither succeeds nor fails until the forwarding child gives up on it
# (its connect timeout: "Connection timed out").
SILENT_ADDR = "127.77.0.1"


@pytest.fixture
def silent_target():
    """(host, port) whose connect hangs: an nftables rule on the input hook
    drops the SYNs to SILENT_ADDR:port; the table is removed afterwards."""
    if shutil.which("nft") is None:
        pytest.skip("nft missing (Debian: nftables)")
    port = free_port()
    table = f"fbdt_silent_{os.getpid()}_{port}"
    rules = (f"table inet {table} {{\n  chain input {{\n"
             f"    type filter hook input priority 0;\n"
             f"    ip daddr {SILENT_ADDR} tcp dport {port} drop\n  }}\n}}\n")
    res = run(["nft", "-f", "-"], input=rules.encode())
    if res.returncode != 0:
        pytest.skip(f"cannot add an nftables rule: {res.stderr!r}")
    try:
        yield SILENT_ADDR, port
    finally:
        run(["nft", "delete", "table", "inet", table])


def forwarding_children(door):
    """The door's processes of the user ALICE that are fallbackd itself: the
    forked children connecting for a forward (a session's processes are
    the user's programs)."""
    import pwd
    uid = pwd.getpwnam(ALICE).pw_uid
    found = []
    for pid in fbdbase.descendants(door.pid):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid and \
                    Path(f"/proc/{pid}/exe").resolve() == door.binary:
                found.append(pid)
        except OSError:
            pass
    return found


async def _until(pred, timeout=10):
    """Wait (without blocking the event loop) until pred() is true."""
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def _http_through(conn, http):
    reader, writer = await conn.open_connection(LOCALHOST, http)
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    data = await asyncio.wait_for(reader.read(), 30)
    writer.close()
    return data


async def _others_flow_while_pending(door, key, silent, http):
    """On one connection: a `cat` session, then an open to the silent
    target; while that open is pending, the session echoes, a new exec
    runs, and a second forward opens and carries a page.  Returns the
    pending open's error and whether it was still pending after each."""
    async with asyncssh.connect(LOCALHOST, door.port, username=ALICE,
                                client_keys=[str(key.path)], known_hosts=None) as conn:
        cat = await conn.create_process("cat")
        pending = asyncio.ensure_future(conn.open_connection(*silent))
        await _until(lambda: forwarding_children(door))     # the monitor has it
        cat.stdin.write("ping\n")
        echoed = await asyncio.wait_for(cat.stdout.readline(), 60)
        after_echo = not pending.done()
        ran = await asyncio.wait_for(conn.run("echo ran", check=True), 60)
        after_exec = not pending.done()
        page = await _http_through(conn, http)
        after_forward = not pending.done()
        with pytest.raises(asyncssh.ChannelOpenError) as e:
            await asyncio.wait_for(pending, 60)
        cat.stdin.write_eof()
        await cat.wait_closed()
        return (echoed, ran.stdout, page, (after_echo, after_exec, after_forward), e.value)


@pytest.mark.skipif(asyncssh is None, reason="python3-asyncssh missing")
def test_pending_open_does_not_stall_the_connection(fwd_door, key, silent_target, http):
    """A forward whose target does not answer leaves the connection's other
    channels flowing (an existing session, a new exec, a second forward);
    its own failure comes afterwards, with the reason as before.  Until the
    open was asynchronous, the session waited for the connect to time out
    and the open had failed before anything else moved."""
    mark = fwd_door.log_mark()
    echoed, ran, page, still_pending, err = asyncio.run(
        _others_flow_while_pending(fwd_door, key, silent_target, http))
    assert echoed == "ping\n"
    assert ran == "ran\n"
    assert page.endswith(PAGE), page
    assert still_pending == (True, True, True)
    assert err.code == asyncssh.OPEN_CONNECT_FAILED, (err.code, err.reason)
    assert err.reason == "Connection timed out", err.reason
    host, port = silent_target
    fwd_door.wait_for_log(rf"channel \d+: open failed: connect failed: Connection timed out",
                          since=mark)
    fwd_door.wait_for_log(rf"connect_to {host} port {port}: connect failed: Connection "
                          rf"timed out", since=mark)


async def _close_while_pending(door, key, silent):
    conn = await asyncssh.connect(LOCALHOST, door.port, username=ALICE,
                                  client_keys=[str(key.path)], known_hosts=None)
    pending = asyncio.ensure_future(conn.open_connection(*silent))
    await _until(lambda: forwarding_children(door))
    children = forwarding_children(door)
    conn.abort()
    await conn.wait_closed()
    try:
        await asyncio.wait_for(pending, 10)
    except (asyncssh.Error, OSError, asyncio.TimeoutError):
        pass
    return children


@pytest.mark.skipif(asyncssh is None, reason="python3-asyncssh missing")
def test_close_with_an_open_pending_leaves_no_process(fwd_door, key, silent_target):
    """The client goes away while its open waits for the target: the
    forwarding child is killed and reaped with the connection (the monitor
    says so), and nothing of the connection is left below the listener."""
    mark = fwd_door.log_mark()
    children = asyncio.run(_close_while_pending(fwd_door, key, silent_target))
    assert children
    host, port = silent_target
    fwd_door.wait_for_log(rf"connect_to {host} port {port}: abandoned, the connection ended",
                          since=mark)
    deadline = time.monotonic() + 10
    while fbdbase.descendants(fwd_door.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fbdbase.descendants(fwd_door.pid) == []
    for pid in children:
        assert fbdbase.proc_state(pid) == "gone"


async def _limit_counts_pending(door, key, silent, http):
    async with asyncssh.connect(LOCALHOST, door.port, username=ALICE,
                                client_keys=[str(key.path)], known_hosts=None) as conn:
        pending = asyncio.ensure_future(conn.open_connection(*silent))
        await _until(lambda: forwarding_children(door))
        with pytest.raises(asyncssh.ChannelOpenError) as e:
            await conn.open_connection(LOCALHOST, http)
        pending.cancel()
        return e.value.reason


@pytest.mark.skipif(asyncssh is None, reason="python3-asyncssh missing")
def test_max_forward_channels_counts_pending_opens(make_door, key, silent_target, http):
    """MaxForwardChannels 1: an open still waiting for its target takes the
    one place; a second forward is refused meanwhile."""
    door = make_door(AllowTcpForwarding="local", MaxForwardChannels=1, authorize={ALICE: key})
    reason = asyncio.run(_limit_counts_pending(door, key, silent_target, http))
    assert "MaxForwardChannels" in reason


async def _two_pending(door, key, silent):
    async with asyncssh.connect(LOCALHOST, door.port, username=ALICE,
                                client_keys=[str(key.path)], known_hosts=None) as conn:
        opens = [asyncio.ensure_future(conn.open_connection(*silent)) for _ in range(2)]
        await _until(lambda: len(forwarding_children(door)) == 2)
        both_pending = not any(o.done() for o in opens)
        errors = []
        for o in opens:
            with pytest.raises(asyncssh.ChannelOpenError) as e:
                await asyncio.wait_for(o, 60)
            errors.append((e.value.code, e.value.reason))
        return both_pending, errors


@pytest.mark.skipif(asyncssh is None, reason="python3-asyncssh missing")
def test_opens_to_silent_targets_wait_side_by_side(fwd_door, key, silent_target):
    """Two opens to a target that does not answer: both their children are
    connecting at once (they used to take turns), and each open fails with
    its reason."""
    both_pending, errors = asyncio.run(_two_pending(fwd_door, key, silent_target))
    assert both_pending
    assert errors == [(asyncssh.OPEN_CONNECT_FAILED, "Connection timed out")] * 2


def test_openssh_controlmaster_shell_goes_on_while_a_jump_waits(fwd_door, key, silent_target,
                                                               tmp_path):
    """OpenSSH's own client, the way an admin works: one ControlMaster
    connection, a ProxyJump-style `ssh -W` to a host that does not answer
    waits on it, and a command sent through the same master meanwhile runs
    and returns; the -W then fails (through the master OpenSSH says only
    "refused"; the door logs the reason)."""
    mark = fwd_door.log_mark()
    ctl = [f"-oControlPath={tmp_path / 'cm'}"]
    run(ssh_argv(fwd_door, ALICE, key, opts=["-oControlMaster=yes", "-oControlPersist=30",
                                             "-N", "-f", *ctl]), timeout=20)
    host, port = silent_target
    jump = Background(fbdbase.ssh_command(fwd_door.port, ALICE, [key.path], None,
                                          [*ctl, "-W", f"{host}:{port}"], base=INFO_OPTS))
    try:
        deadline = time.monotonic() + 10
        while not forwarding_children(fwd_door):
            assert time.monotonic() < deadline, "the -W open never reached the monitor"
            time.sleep(0.05)
        res = run(ssh_argv(fwd_door, ALICE, key, "echo through-the-master", opts=ctl),
                  timeout=20)
        assert (res.returncode, res.stdout) == (0, b"through-the-master\n"), res
        assert jump.proc.poll() is None, "the -W open ended before the command ran"
        assert forwarding_children(fwd_door), "the connect was no longer pending"
        _, err = jump.proc.communicate(timeout=30)
        assert jump.proc.returncode != 0
        assert b"Stdio forwarding request failed" in err, err
        fwd_door.wait_for_log(r"channel \d+: open failed: connect failed: Connection timed out",
                              since=mark)
    finally:
        if jump.proc.poll() is None:
            jump.stop()
        run(["ssh", *SSH_OPTS, *ctl, "-O", "exit", f"{ALICE}@{LOCALHOST}"], timeout=10)
        reap_orphans()
