"""Fault injection for SSH servers: break the system under a running server,
one fault at a time, inside the server's own private mount namespace.

Nothing here knows fallbackd: the same fault matrix can be run against
OpenSSH's sshd, Dropbear or TinySSH.  The pieces:

* :class:`NsServer` starts a server as ``unshare -m --propagation private
  -- [busybox sh -c PREP] BIN ARGS`` and finds its pid and namespace.
* :class:`Ctx` says where the server's own files are (binary, config, log
  directory, /dev/log) and holds a scratch directory for the replacements.
* ``apply(name, pid, ctx)`` applies one fault of :data:`FAULTS` from
  outside, with ``nsenter -t PID -m /bin/busybox sh -ec SCRIPT`` (busybox
  is static: dynamically linked tools stop working inside the namespace
  once libc.so.6 is garbage), all mounts of one fault in one call, and then
  checks through ``/proc/PID/root`` that the fault is really in force.

Every fault is a mount inside that namespace (a file bind-mounted over a
file, a tmpfs over a directory); the host's files are never touched.  The
two exceptions work on files that belong to the test: fault 8 rewrites the
server's config file (``ctx.config``) and fault 9 fills a tmpfs the prep
script mounted in the namespace.  When the last process of the namespace
exits, the namespace and every mount in it are gone.

Faults (names as in FAULTS):

  1  binary-garbage, binary-other-exe   the server's binary (ctx.binary)
  2  sshd-replaced                      /usr/sbin/sshd, sshd-session, sshd-auth
  3  libcrypto-libssl-garbage           libcrypto.so.3, libssl.so.3
  4  libc-garbage                       libc.so.6: no dynamic program starts
  5  nss-pam-garbage                    libnss_*, libpam*, security/pam_*.so
  6  run-emptied                        an empty tmpfs over /run
  7  passwd-group-{unreadable,missing,emptied,garbage}
  8  config-half-written                + the reload signal (SIGHUP)
  9  log-fs-full, devlog-gone, devlog-stuck

Fault 2 on a machine without openssh-server: there is no sshd to replace,
so the directory is shadowed (a tmpfs over it, every original entry
bind-mounted back) with a garbage sshd added; the result is the same as on
a machine where the upgrade replaced it.

Faults that need help from the server's start (a prep script run in the
namespace just before the server is executed):

* log-fs-full: :func:`log_tmpfs_prep` mounts a small tmpfs on
  ``ctx.log_dir`` and sends the server's stdout/stderr to a file there.
* devlog-gone, devlog-stuck: :func:`devlog_prep` shadows /dev with a
  tmpfs holding every original entry plus ``log``, a bind of a datagram
  socket that a :class:`SyslogReceiver` in the test process reads.

:func:`log_mode_prep` picks the prep for a log mode ("stderr", "logfs",
"syslog").

Usage::

    ctx = Ctx(scratch=tmpdir, binary=bin_copy, config=conf)
    srv = NsServer([str(bin_copy), "-D", "-e", "-f", str(conf)], stdout=log, stderr=log)
    pid = srv.start(exe=bin_copy)
    apply("libc-garbage", pid, ctx)
    ...
    srv.stop()
    assert not ns_pids(srv.ns_id)
"""
import glob
import os
import shlex
import signal
import socket
import stat
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from fbdbase import descendants

BUSYBOX = "/bin/busybox"
GARBAGE_MAGIC = b"fbd-fault-garbage\n"      # what every garbage file starts with
TMPFS_SOURCE = "fbd-fault"                  # device name of our tmpfs mounts

LIB_DIRS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64",
            "/lib/*-linux-gnu*", "/usr/lib/*-linux-gnu*")
SSHD_PATHS = ("/usr/sbin/sshd", "/usr/lib/openssh/sshd-session",
              "/usr/lib/openssh/sshd-auth")


class FaultError(Exception):
    """A fault could not be applied, or is not in force after applying it."""


@dataclass
class Ctx:
    """Where a server's own files are, and a scratch directory.

    scratch must be a directory of the host that the namespace sees at the
    same path (anything not under a directory a fault shadows: /tmp is
    fine).  The other fields are needed only by the faults that use them.
    """
    scratch: Path
    binary: Path = None             # 1: the server's executable on disk
    config: Path = None             # 8: its config file
    config_half: str = None         # 8: the half-written config text
    reload_signal: int = signal.SIGHUP
    log_dir: Path = None            # 9: directory the prep put on a small tmpfs
    log_name: str = "server.log"    # 9: the log file in log_dir
    syslog: "SyslogReceiver" = None  # 9: the receiver behind /dev/log
    devlog: str = "/dev/log"
    sshd_paths: tuple = SSHD_PATHS
    passwd: str = "/etc/passwd"
    group: str = "/etc/group"
    applied: list = field(default_factory=list)     # names, in order

    def __post_init__(self):
        self.scratch = Path(self.scratch)
        self.scratch.mkdir(mode=0o755, parents=True, exist_ok=True)
        if self.log_dir is None:
            self.log_dir = self.scratch / "logfs"

    def path(self, name):
        return self.scratch / name

    def unique(self, stem):
        """A new path in scratch (stem-N)."""
        n = 0
        while (self.scratch / f"{stem}-{n}").exists():
            n += 1
        return self.scratch / f"{stem}-{n}"


# ---------------------------------------------------------------- helpers

def q(path):
    return shlex.quote(str(path))


def bb(*words):
    """A busybox command line (applet and arguments), quoted."""
    return " ".join([BUSYBOX] + [q(w) for w in words])


def in_ns(pid, path):
    """PATH as the process PID sees it (through /proc/PID/root).  Absolute
    symlinks on the way would resolve against our own root, so give real
    paths (see real_paths)."""
    return Path(f"/proc/{pid}/root") / str(path).lstrip("/")


def real_paths(patterns):
    """Existing regular files matching glob patterns, symlinks resolved,
    without duplicates, sorted."""
    found = set()
    for pattern in patterns:
        for p in glob.glob(pattern):
            real = os.path.realpath(p)
            if os.path.isfile(real):
                found.add(real)
    return sorted(found)


def lib_paths(*names):
    """Real paths of shared objects NAMES (glob patterns) in the usual
    library directories."""
    return real_paths(f"{d}/{n}" for d in LIB_DIRS for n in names)


def garbage(ctx, name, size=16384):
    """A file of random bytes (starting with GARBAGE_MAGIC) in scratch."""
    path = ctx.unique(name)
    path.write_bytes(GARBAGE_MAGIC + os.urandom(size - len(GARBAGE_MAGIC)))
    os.chmod(path, 0o755)
    return path


def empty_file(ctx, name):
    path = ctx.unique(name)
    path.write_bytes(b"")
    os.chmod(path, 0o644)
    return path


def ns_id(pid):
    """The mount namespace of pid ("mnt:[4026531841]")."""
    return os.readlink(f"/proc/{pid}/ns/mnt")


def ns_pids(nsid):
    """Every live process in mount namespace nsid."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/mnt") == nsid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def ns_sh(pid, script, timeout=30):
    """Run a busybox shell script (set -e) in the mount namespace of pid.
    Returns stdout; raises FaultError on failure."""
    argv = ["nsenter", "-t", str(pid), "-m", "--", BUSYBOX, "sh", "-ec", script]
    try:
        res = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise FaultError(f"timed out after {timeout}s in namespace of {pid}:\n{script}") from e
    if res.returncode != 0:
        raise FaultError(f"exit {res.returncode} in namespace of {pid}:\n{script}\n"
                         f"stderr: {res.stderr.decode(errors='replace')}")
    return res.stdout.decode(errors="replace")


def bind_script(pairs):
    """Script lines binding each source file over each target file."""
    return "\n".join(bb("mount", "-o", "bind", src, dst) for src, dst in pairs)


def same_file(a, b):
    sa, sb = os.stat(a), os.stat(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def check_bound(pid, pairs):
    """Raise FaultError unless every target, seen from pid, is its source."""
    for src, dst in pairs:
        try:
            ok = same_file(in_ns(pid, dst), src)
        except OSError as e:
            raise FaultError(f"{dst} in namespace of {pid}: {e}") from e
        if not ok:
            raise FaultError(f"{dst} in namespace of {pid} is not {src}")


def bind_over(pid, ctx, targets, source):
    """Bind source over every target (one nsenter call), then check."""
    if not targets:
        raise FaultError("nothing to replace")
    pairs = [(source, t) for t in targets]
    ns_sh(pid, bind_script(pairs))
    check_bound(pid, pairs)
    return pairs


def shadow_dir_script(ctx, directory, changes, root=""):
    """Script that mounts a tmpfs over DIRECTORY holding every entry it had
    (directories rbind-mounted back, other files bind-mounted back,
    symlinks recreated), except for CHANGES: name -> None (left out),
    "dir" (an empty directory), or a host file path (bind-mounted there).

    The entries are listed from ROOT + DIRECTORY (ROOT is "/proc/PID/root"
    for a running server, "" for a prep script run before the server).
    """
    directory = str(directory).rstrip("/") or "/"
    seen = Path(root + directory)
    orig = ctx.unique("shadow")
    orig.mkdir(mode=0o755)
    mode = stat.S_IMODE(os.stat(seen).st_mode)
    lines = [bb("mount", "-o", "rbind", directory, orig),
             bb("mount", "-t", "tmpfs", "-o", f"mode={mode:o},size=1m", TMPFS_SOURCE, directory)]
    names = sorted(set(os.listdir(seen)) | set(changes))
    for name in names:
        target = f"{directory}/{name}"
        if name in changes:
            spec = changes[name]
            if spec is None:
                continue
            if spec == "dir":
                lines.append(bb("mkdir", target))
            else:
                lines += [bb("touch", target), bb("mount", "-o", "bind", spec, target)]
            continue
        st = os.lstat(seen / name)
        if stat.S_ISLNK(st.st_mode):
            lines.append(bb("ln", "-s", os.readlink(seen / name), target))
        elif stat.S_ISDIR(st.st_mode):
            lines += [bb("mkdir", target), bb("mount", "-o", "rbind", f"{orig}/{name}", target)]
        else:
            lines += [bb("touch", target), bb("mount", "-o", "bind", f"{orig}/{name}", target)]
    return "\n".join(lines)


def shadow_dir(pid, ctx, directory, changes):
    """shadow_dir_script applied in the namespace of pid."""
    ns_sh(pid, shadow_dir_script(ctx, directory, changes, root=f"/proc/{pid}/root"), timeout=60)


# ---------------------------------------------------------------- the server

def ns_argv(argv, prep=None):
    """argv run in a new mount namespace with private propagation, after
    the busybox script prep (if any) ran in that namespace."""
    head = ["unshare", "-m", "--propagation", "private", "--"]
    if not prep:
        return head + list(map(str, argv))
    return head + [BUSYBOX, "sh", "-ec", prep + '\nexec "$@"', "fbd-ns-prep",
                   *map(str, argv)]


def log_tmpfs_prep(ctx, size="256k"):
    """Prep script: a tmpfs of SIZE on ctx.log_dir, and the server's stdout
    and stderr appended to ctx.log_name there (fault log-fs-full).  From
    the host, the file is ctx_log_path(ctx, pid)."""
    ctx.log_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    log = ctx.log_dir / ctx.log_name
    return "\n".join([bb("mount", "-t", "tmpfs", "-o", f"size={size},mode=755", TMPFS_SOURCE,
                         ctx.log_dir),
                      f"exec >>{q(log)} 2>&1"])


def ctx_log_path(ctx, pid):
    """The log file of log_tmpfs_prep, as the host can read it."""
    return in_ns(pid, ctx.log_dir / ctx.log_name)


def devlog_prep(ctx, sock):
    """Prep script: /dev shadowed by a tmpfs with every original entry and
    ctx.devlog bound to the datagram socket sock (faults devlog-*)."""
    dev, name = os.path.split(ctx.devlog)
    return shadow_dir_script(ctx, dev, {name: str(sock)})


class SyslogReceiver:
    """A datagram socket standing in for syslogd: every message is
    appended to sink (one line each).  pause() stops reading (the queue
    fills up, as with a hung syslogd), close() removes it."""

    def __init__(self, path, sink):
        self.path = Path(path)
        self.sink = Path(sink)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        os.chmod(self.path, 0o666)
        self.sock.settimeout(0.1)
        self.reading = threading.Event()
        self.reading.set()
        self.stopping = threading.Event()
        self.count = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        with open(self.sink, "ab") as out:
            while not self.stopping.is_set():
                if not self.reading.wait(0.1):
                    continue
                try:
                    data = self.sock.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                out.write(data.rstrip(b"\n") + b"\n")
                out.flush()
                self.count += 1

    def pause(self):
        self.reading.clear()

    def resume(self):
        self.reading.set()

    def fill_queue(self):
        """Send to the socket until its queue is full (EAGAIN); returns how
        many messages it took.  Call after pause()."""
        n = 0
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.setblocking(False)
            s.connect(str(self.path))
            while True:
                try:
                    s.send(b"<38>fbd-fault: queue filler")
                except BlockingIOError:
                    return n
                n += 1
                if n > 100000:
                    raise FaultError("the syslog queue never filled")

    def close(self):
        self.stopping.set()
        self.reading.set()
        self.thread.join(5)
        self.sock.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def log_mode_prep(ctx, mode, syslog_sink):
    """The prep script for a server that logs in mode: "stderr" (None: no
    prep), "logfs" (log_tmpfs_prep) or "syslog" (devlog_prep, with a new
    SyslogReceiver in ctx.syslog appending to syslog_sink; one left from an
    earlier start is closed)."""
    if mode == "logfs":
        return log_tmpfs_prep(ctx)
    if mode != "syslog":
        return None
    if ctx.syslog is not None:
        ctx.syslog.close()
    sock = ctx.unique("devlog.sock")
    ctx.syslog = SyslogReceiver(sock, syslog_sink)
    return devlog_prep(ctx, sock)


class NsServer:
    """A server process in its own private mount namespace.

    argv is the server (it must not fork away: -D or its equivalent);
    prep an optional busybox script run in the namespace first (see
    log_tmpfs_prep, devlog_prep).  stdout/stderr as for Popen.
    """

    def __init__(self, argv, *, prep=None, stdout=None, stderr=None, env=None):
        self.argv = list(map(str, argv))
        self.prep = prep
        self.stdout, self.stderr, self.env = stdout, stderr, env
        self.proc = None
        self.pid = None
        self.ns_id = None

    def start(self, exe=None, timeout=10):
        """Start it; returns the server's pid once the process is exe (by
        default argv[0]) in a mount namespace other than ours."""
        self.proc = subprocess.Popen(ns_argv(self.argv, self.prep), stdin=subprocess.DEVNULL,
                                     stdout=self.stdout, stderr=self.stderr, env=self.env)
        return self.wait_pid(exe or self.argv[0], timeout)

    def wait_pid(self, exe, timeout=10):
        """The pid of exe: the process unshare became, or a descendant."""
        exe = os.path.realpath(exe)
        mine = ns_id(os.getpid())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise FaultError(f"{self.argv[0]} exited with {self.proc.returncode}")
            for pid in [self.proc.pid] + descendants(self.proc.pid):
                try:
                    if os.readlink(f"/proc/{pid}/exe") == exe and ns_id(pid) != mine:
                        self.pid, self.ns_id = pid, ns_id(pid)
                        return pid
                except OSError:
                    pass
            time.sleep(0.01)
        raise FaultError(f"{exe} did not start in a new mount namespace within {timeout}s")

    def stop(self, timeout=5):
        """SIGTERM, then SIGKILL to every process left in its namespace.
        Returns the pids that had to be killed."""
        if self.proc is None:
            return []
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        killed = ns_pids(self.ns_id) if self.ns_id else []
        for pid in killed:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        return killed


# ---------------------------------------------------------------- the faults
# Each takes (pid, ctx), applies the fault in pid's mount namespace and
# checks that it is in force; it returns what it replaced.

def binary_garbage(pid, ctx):
    """1: the server's own binary on disk replaced by random bytes."""
    return bind_over(pid, ctx, [os.path.realpath(ctx.binary)], garbage(ctx, "binary-garbage"))


def binary_other_exe(pid, ctx):
    """1: the server's own binary replaced by a different executable."""
    other = ctx.unique("other-exe")
    other.write_bytes(Path(BUSYBOX).read_bytes())
    os.chmod(other, 0o755)
    return bind_over(pid, ctx, [os.path.realpath(ctx.binary)], other)


def sshd_replaced(pid, ctx):
    """2: sshd and its re-exec'd helpers replaced by garbage (added where
    they do not exist, by shadowing their directory)."""
    junk = garbage(ctx, "sshd-garbage")
    done = []
    present = [p for p in ctx.sshd_paths if os.path.isfile(in_ns(pid, p))]
    if present:
        done += bind_over(pid, ctx, [os.path.realpath(p) for p in present], junk)
    missing = [p for p in ctx.sshd_paths if p not in present]
    for directory in sorted({os.path.dirname(p) for p in missing}):
        if not os.path.isdir(in_ns(pid, directory)):
            continue
        names = {os.path.basename(p): str(junk) for p in missing
                 if os.path.dirname(p) == directory}
        shadow_dir(pid, ctx, directory, names)
        pairs = [(junk, f"{directory}/{n}") for n in names]
        check_bound(pid, pairs)
        done += pairs
    if not any(str(dst).endswith("/sshd") for _, dst in done):
        raise FaultError("no sshd replaced")
    return done


def crypto_garbage(pid, ctx):
    """3: libcrypto.so.3 and libssl.so.3 replaced by garbage."""
    targets = lib_paths("libcrypto.so.3", "libssl.so.3")
    if len({os.path.basename(t) for t in targets}) < 2:
        raise FaultError(f"libcrypto.so.3/libssl.so.3 not both found: {targets}")
    return bind_over(pid, ctx, targets, garbage(ctx, "libcrypto-garbage"))


def libc_garbage(pid, ctx):
    """4: libc.so.6 replaced by garbage: no dynamically linked program
    starts any more (the user's shell included)."""
    targets = lib_paths("libc.so.6")
    if not targets:
        raise FaultError("libc.so.6 not found")
    pairs = bind_over(pid, ctx, targets, garbage(ctx, "libc-garbage"))
    # The point of the fault: a dynamic program cannot start.
    res = subprocess.run(["nsenter", "-t", str(pid), "-m", "--", "/bin/true"],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    if res.returncode == 0:
        raise FaultError("/bin/true still runs with libc.so.6 replaced")
    return pairs


def nss_pam_garbage(pid, ctx):
    """5: every NSS module, libpam* and every PAM module replaced."""
    targets = lib_paths("libnss_*.so*", "libpam*.so*", "security/pam_*.so")
    if not any("/security/pam_" in t for t in targets) or not any("libnss_" in t for t in targets):
        raise FaultError(f"NSS or PAM modules not found: {targets}")
    return bind_over(pid, ctx, targets, garbage(ctx, "nss-pam-garbage"))


def run_emptied(pid, ctx):
    """6: /run emptied: an empty tmpfs over it."""
    ns_sh(pid, bb("mount", "-t", "tmpfs", "-o", "mode=755,size=1m", TMPFS_SOURCE, "/run"))
    left = os.listdir(in_ns(pid, "/run"))
    if left:
        raise FaultError(f"/run not empty: {left}")
    return [("tmpfs", "/run")]


def _passwd_group_shadow(pid, ctx, spec):
    """passwd and group changed by shadowing their directory."""
    directory = os.path.dirname(ctx.passwd)
    if os.path.dirname(ctx.group) != directory:
        raise FaultError("passwd and group in different directories")
    names = (os.path.basename(ctx.passwd), os.path.basename(ctx.group))
    shadow_dir(pid, ctx, directory, {n: spec for n in names})
    return [(spec, f"{directory}/{n}") for n in names]


def passwd_group_unreadable(pid, ctx):
    """7: /etc/passwd and /etc/group unreadable, even for root: they are
    directories now (open works, read fails with EISDIR); the rest of
    /etc is unchanged."""
    done = _passwd_group_shadow(pid, ctx, "dir")
    for _, path in done:
        if not os.path.isdir(in_ns(pid, path)):
            raise FaultError(f"{path} is not a directory")
    return done


def passwd_group_missing(pid, ctx):
    """7: /etc/passwd and /etc/group missing (ENOENT), the rest of /etc
    unchanged."""
    directory = os.path.dirname(ctx.passwd)
    before = set(os.listdir(in_ns(pid, directory)))
    done = _passwd_group_shadow(pid, ctx, None)
    for _, path in done:
        if os.path.lexists(in_ns(pid, path)):
            raise FaultError(f"{path} still exists")
    lost = before - set(os.listdir(in_ns(pid, directory))) - {os.path.basename(p) for _, p in done}
    if lost:
        raise FaultError(f"shadowing {directory} lost {sorted(lost)}")
    return done


def passwd_group_emptied(pid, ctx):
    """7: /etc/passwd and /etc/group emptied (0 bytes)."""
    return bind_over(pid, ctx, [ctx.passwd], empty_file(ctx, "passwd-empty")) + \
        bind_over(pid, ctx, [ctx.group], empty_file(ctx, "group-empty"))


def passwd_group_garbage(pid, ctx):
    """7: /etc/passwd and /etc/group replaced by random bytes."""
    return bind_over(pid, ctx, [ctx.passwd], garbage(ctx, "passwd-garbage")) + \
        bind_over(pid, ctx, [ctx.group], garbage(ctx, "group-garbage"))


def config_half_written(pid, ctx):
    """8: the config file replaced by a half-written one (ctx.config_half),
    then the reload signal."""
    if ctx.config is None or ctx.config_half is None:
        raise FaultError("ctx.config and ctx.config_half are needed")
    tmp = Path(f"{ctx.config}.fbd-fault")
    tmp.write_text(ctx.config_half)
    os.chmod(tmp, stat.S_IMODE(os.stat(ctx.config).st_mode))
    os.replace(tmp, ctx.config)
    os.kill(pid, ctx.reload_signal)
    return [("half-written", str(ctx.config))]


def log_fs_full(pid, ctx):
    """9: the filesystem of the log destination full (ENOSPC), the log
    file's own last block included.  Needs log_tmpfs_prep at start."""
    log = ctx.log_dir / ctx.log_name
    ns_sh(pid, "\n".join([
        f"{bb('dd', 'if=/dev/zero', f'of={ctx.log_dir}/fill', 'bs=4096')} 2>/dev/null || true",
        f"{bb('cat', '/dev/zero')} >>{q(log)} 2>/dev/null || true",
    ]), timeout=60)
    st = os.statvfs(in_ns(pid, ctx.log_dir))
    if st.f_bavail != 0:
        raise FaultError(f"{ctx.log_dir} not full: {st.f_bavail} blocks free")
    try:
        with open(in_ns(pid, log), "ab") as f:
            f.write(b"x")
            f.flush()
    except OSError:
        pass
    else:
        raise FaultError(f"{log} can still grow")
    return [("full", str(ctx.log_dir))]


def log_fs_free(pid, ctx):
    """Undo log_fs_full's filler file (the log keeps its zeros)."""
    ns_sh(pid, bb("rm", "-f", f"{ctx.log_dir}/fill"))


def devlog_gone(pid, ctx):
    """9: /dev/log gone (unmounted and removed; the syslog socket behind it
    closed, so a connected socket gets ECONNREFUSED).  Needs devlog_prep."""
    ns_sh(pid, "\n".join([bb("umount", ctx.devlog), bb("rm", "-f", ctx.devlog)]))
    if ctx.syslog is not None:
        ctx.syslog.close()
    if os.path.lexists(in_ns(pid, ctx.devlog)):
        raise FaultError(f"{ctx.devlog} still exists")
    return [("gone", ctx.devlog)]


def devlog_stuck(pid, ctx):
    """9: syslogd hung: /dev/log is there, but nobody reads it and its
    queue is full.  Needs devlog_prep and ctx.syslog."""
    if ctx.syslog is None:
        raise FaultError("ctx.syslog is needed")
    ctx.syslog.pause()
    ctx.syslog.fill_queue()
    return [("stuck", ctx.devlog)]


FAULTS = [
    ("binary-garbage", "1. its own binary on disk replaced by garbage", binary_garbage),
    ("binary-other-exe", "1. its own binary on disk replaced by a different executable",
     binary_other_exe),
    ("sshd-replaced", "2. /usr/sbin/sshd and sshd-session replaced by garbage", sshd_replaced),
    ("libcrypto-libssl-garbage", "3. libcrypto.so.3 and libssl.so.3 replaced by garbage",
     crypto_garbage),
    ("libc-garbage", "4. libc.so.6 replaced by garbage: no dynamic program starts",
     libc_garbage),
    ("nss-pam-garbage", "5. libnss_*, libpam* and the PAM modules replaced by garbage",
     nss_pam_garbage),
    ("run-emptied", "6. /run emptied", run_emptied),
    ("passwd-group-unreadable", "7. /etc/passwd and /etc/group unreadable (directories)",
     passwd_group_unreadable),
    ("passwd-group-missing", "7. /etc/passwd and /etc/group missing", passwd_group_missing),
    ("passwd-group-emptied", "7. /etc/passwd and /etc/group emptied", passwd_group_emptied),
    ("passwd-group-garbage", "7. /etc/passwd and /etc/group replaced by garbage",
     passwd_group_garbage),
    ("config-half-written", "8. config file half-written, then SIGHUP", config_half_written),
    ("log-fs-full", "9. the log destination's filesystem full (ENOSPC)", log_fs_full),
    ("devlog-gone", "9. /dev/log gone", devlog_gone),
    ("devlog-stuck", "9. /dev/log there but syslogd hung (queue full)", devlog_stuck),
]
BY_NAME = {name: fn for name, _, fn in FAULTS}

# Faults 3-7 at once (the bulk-transfer condition).
SYSTEM_BROKEN = ("libcrypto-libssl-garbage", "libc-garbage", "nss-pam-garbage",
                 "run-emptied", "passwd-group-garbage")


def apply(name, pid, ctx):
    """Apply fault NAME to the server pid (see FAULTS); returns what was
    replaced, as (source, target) pairs."""
    done = BY_NAME[name](pid, ctx)
    ctx.applied.append(name)
    return done


if __name__ == "__main__":
    for name, description, _ in FAULTS:
        print(f"{name:28} {description}")
