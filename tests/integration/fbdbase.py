"""The part of the integration tests' helpers that needs nothing but
Python's standard library, so that bench/ can import it too (it puts this
directory on sys.path): processes and process trees, free ports, the
OpenSSH client's and ssh-keygen's command lines, waiting for a log line,
idle connections for floods, and clients running in the background.

fbdtest.py builds the tests' helpers on these (failing the test where
these return or raise); bench/compare_faults.py and bench/login_latency.py
use them directly.  Nothing here imports pytest or paramiko.
"""
import ctypes
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

LOCALHOST = "127.0.0.1"


# ---------------------------------------------------------------- processes

def become_subreaper():
    """PR_SET_CHILD_SUBREAPER: orphaned descendants (background jobs of a
    user's shell, sessions of a listener that died, double-forked
    children) are re-parented to us instead of init, so that every process
    we caused stays in our own process tree and can be ended by tree."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def ppid_of(pid):
    """The parent of pid (OSError when pid is gone)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def ppid_table():
    """{pid: ppid} of every live process."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                out[int(entry)] = ppid_of(entry)
            except (OSError, ValueError, IndexError):
                pass
    return out


def descendants(pid):
    """Every live descendant of pid (not pid itself)."""
    ppids = ppid_table()
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = [p for p, pp in ppids.items() if pp == parent]
        found += kids
        todo += kids
    return found


def pids_of_uid(uid):
    """Every live process owned by uid."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def kill_pids(pids, sig=signal.SIGKILL):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def proc_state(pid):
    """The one-letter state of pid (R, S, T, Z, ...), or "gone"."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def wait_state(pid, want, timeout=5):
    """Wait until pid's state is one of the letters of want; False on
    timeout."""
    deadline = time.monotonic() + timeout
    while proc_state(pid) not in want:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def end_tree(proc, pid=None, grace=5):
    """End a server started as proc (a Popen): SIGTERM to pid (by default
    proc's own), `grace` seconds to exit, then SIGKILL to proc and every
    process below it, the ones it had before the SIGTERM included (those
    may have been re-parented away from it by then)."""
    tree = descendants(proc.pid)
    kill_pids([pid or proc.pid], signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    kill_pids(tree + descendants(proc.pid) + [proc.pid])
    proc.wait(timeout=10)


def free_port():
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- logs

def listening_pattern(port, address=LOCALHOST):
    """The regex of fallbackd's (and sshd's) line once it listens."""
    return rf"Server listening on {re.escape(address)} port {port}\b"


def wait_for_match(read, regex, timeout, proc=None):
    """Wait until regex (re.M) matches read()'s text; returns the match, or
    None once timeout seconds have passed or proc (a Popen) has exited."""
    pattern = re.compile(regex, re.M)
    deadline = time.monotonic() + timeout
    while True:
        m = pattern.search(read())
        if m:
            return m
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            return None
        time.sleep(0.02)


# ---------------------------------------------------------------- clients

SSH_OPTS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"]
# For a client that must never share a connection (the first value of an
# option wins, so these cannot be combined with a ControlMaster test's).
NO_MUX_OPTS = ["-o", "ControlMaster=no", "-o", "ControlPath=none"]


def ssh_command(port, user, identities, command=None, opts=(), base=SSH_OPTS):
    """The OpenSSH client's argv: user@127.0.0.1 on port, one -i per
    identity file, opts before the destination."""
    argv = ["ssh", *base]
    for path in identities:
        argv += ["-i", str(path)]
    argv += ["-p", str(port), *opts, f"{user}@{LOCALHOST}"]
    if command is not None:
        argv.append(command)
    return argv


# kind -> (ssh-keygen -t, -b)
KEYGEN_KINDS = {
    "ed25519": ("ed25519", None), "ecdsa256": ("ecdsa", 256),
    "ecdsa384": ("ecdsa", 384), "ecdsa521": ("ecdsa", 521),
    "rsa": ("rsa", 3072), "rsa1024": ("rsa", 1024),
}


def keygen_argv(path, kind, comment=None):
    """ssh-keygen's argv for a new key pair without passphrase at path;
    kind as in KEYGEN_KINDS."""
    ktype, bits = KEYGEN_KINDS[kind]
    argv = ["ssh-keygen", "-q", "-t", ktype]
    if bits:
        argv += ["-b", str(bits)]
    argv += ["-N", ""]
    if comment is not None:
        argv += ["-C", comment]
    return argv + ["-f", str(path)]


# A command that streams n numbered lines, 0.2 s apart, and what it prints.
COUNT = "for i in $(seq 1 {n}); do echo $i; sleep 0.2; done"


def counted(n):
    return "".join(f"{i}\n" for i in range(1, n + 1)).encode()


class IdleConn:
    """One connection from address src to port that never sends a byte.
    Its state tells the server's answer: "waiting", "served" (the server
    sent something: banner holds it) or "closed"."""

    def __init__(self, src, port, blocking=False):
        self.src = src
        self.state = "waiting"
        self.opened = time.monotonic()
        self.served_at = None
        self.banner = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.sock.bind((src, 0))
            if blocking:
                self.sock.settimeout(5)
                self.sock.connect((LOCALHOST, port))
                self.sock.setblocking(False)
            else:
                self.sock.setblocking(False)
                self.sock.connect_ex((LOCALHOST, port))
        except BaseException:
            self.sock.close()
            raise

    def poll(self):
        """Update state from what the server sent; returns the state."""
        while self.state != "closed":
            try:
                data = self.sock.recv(4096, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                if e.errno == 107:          # ENOTCONN: still in SYN_SENT
                    break
                data = b""                  # reset, refused
            if not data:
                self.close()
            elif self.state == "waiting":
                self.state = "served"
                self.served_at = time.monotonic()
                self.banner = data
        return self.state

    def close(self):
        self.state = "closed"
        self.sock.close()


class IdleFlood:
    """per_source idle connections (IdleConn, or what connect() makes) from
    each address in sources to port, all opened at once.  start() runs
    tick() every interval seconds in a thread until stop(): a subclass says
    there what it counts and which connections it re-opens (open())."""

    def __init__(self, port, sources, per_source):
        self.port = port
        self.sources = list(sources)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = None
        self.slots = []
        self.attempts = 0
        try:
            for _ in range(per_source):
                for src in self.sources:
                    self.slots.append(self.open(src))
        except BaseException:
            self.close()
            raise

    def connect(self, src):
        return IdleConn(src, self.port)

    def open(self, src):
        self.attempts += 1
        return self.connect(src)

    def counts(self):
        """{state: how many connections are in it}."""
        with self.lock:
            states = [c.state for c in self.slots]
        return {s: states.count(s) for s in ("waiting", "served", "closed")}

    def tick(self):
        raise NotImplementedError

    def _run(self, interval):
        while not self.stopping.wait(interval):
            self.tick()

    def start(self, interval=0.1):
        self.thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self.thread.start()

    def stop(self):
        """End the thread; False if it did not end within 10 s."""
        if self.thread is None:
            return True
        self.stopping.set()
        self.thread.join(10)
        ended = not self.thread.is_alive()
        self.thread = None
        return ended

    def close(self):
        self.stop()
        with self.lock:
            for c in self.slots:
                c.close()


class BackgroundClient:
    """A client (argv) running in the background with stdout and stderr
    piped; always ended (kill)."""

    def __init__(self, argv):
        self.argv = list(argv)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = b""              # stdout read so far by read_until

    def read_until(self, marker, timeout):
        """Read stdout until marker (bytes) is in it; True if it is."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while marker not in self.out:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([fd], [], [], min(left, 0.2))
            if ready:
                data = os.read(fd, 4096)
                if not data:
                    return marker in self.out
                self.out += data
        return True

    def finish(self, timeout):
        """Wait for the end: (exit status, stdout, stderr, timed out).  On
        timeout the client is killed; the status is then None, the output
        what it wrote until then."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
            return self.proc.returncode, self.out + out, err, False
        except subprocess.TimeoutExpired:
            out, err = self.kill()
            return None, self.out + out, err, True

    def kill(self):
        """Kill it if it still runs; returns what it wrote not yet read."""
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            out, err = self.proc.communicate(timeout=10)
        except (subprocess.TimeoutExpired, ValueError):
            return b"", b""
        return out or b"", err or b""
