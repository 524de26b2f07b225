"""One static executable that never loads a shared object nor consults
NSS/PAM, checked on the binary and on a running door under strace."""
import re

import pytest

from fbdtest import ALICE, FALLBACKD, NOSUCH, run, ssh, ssh_ok

WRAPPED = ("getpwnam", "getpwuid", "getpwuid_r", "getpwnam_r", "getgrnam", "getgrgid",
           "getgrouplist", "initgroups", "getaddrinfo", "getnameinfo", "gethostbyname", "dlopen",
           "getservbyname", "getservbyname_r", "getservbyport", "getservbyport_r")
SHARED_OBJECT = re.compile(r"\.so(\.|$)")
NSS_PAM = re.compile(r"nsswitch\.conf|libnss|libpam|/etc/pam\.d|ld\.so\.cache")


def test_binary_is_static_pie_with_full_relro():
    """One static-pie executable (each network process is a new image of
    it, with a layout of its own: test_fresh_image.py), relocations made
    read-only at start (full RELRO)."""
    out = run(["file", "-L", str(FALLBACKD)], check=True).stdout.decode()
    assert "static-pie linked" in out, out
    dyn = run(["readelf", "-d", str(FALLBACKD)], check=True).stdout.decode()
    assert "NEEDED" not in dyn
    assert "TEXTREL" not in dyn
    assert re.search(r"FLAGS_1\)\s+Flags: NOW PIE", dyn), dyn
    headers = run(["readelf", "-l", str(FALLBACKD)], check=True).stdout.decode()
    assert "INTERP" not in headers
    assert "GNU_RELRO" in headers


def test_nss_entry_points_are_wrapped():
    """Every libc function that would reach NSS or dlopen is wrapped by a
    tripwire (-Wl,--wrap)."""
    symbols = set(run(["nm", str(FALLBACKD)], check=True).stdout.decode().split())
    missing = [f"__wrap_{name}" for name in WRAPPED if f"__wrap_{name}" not in symbols]
    assert not missing


class StraceLog:
    """strace -f output: which process opened what while still running
    fallbackd's code.  A process runs fallbackd's code from the start (the
    first execve) or when forked from one that does, until it executes
    something (the user's shell, whose loader does open libc.so)."""

    LINE = re.compile(r"^(\d+)\s+(.*)$")
    FORK = re.compile(r"^(?:<\.\.\. )?(?:clone3?|v?fork)\b.*= (\d+)$")
    EXEC = re.compile(r'^(?:execve\("([^"]*)"|<\.\.\. execve resumed>)')
    OPEN = re.compile(r'^(?:openat\((?:AT_FDCWD|\d+), |open\()"([^"]*)"')
    # mmap of a file (fd >= 0) with PROT_EXEC: loading code from that file
    EXEC_MAP = re.compile(r"^mmap\([^,]*, \d+, ([A-Z_|]*PROT_EXEC[A-Z_|]*), [A-Z_|]+, (\d+),")

    def __init__(self, text):
        self.lines = []
        for raw in text.splitlines():
            m = self.LINE.match(raw)
            if m:
                self.lines.append((int(m.group(1)), m.group(2)))
        self.root = self.lines[0][0]
        self.parent = {}        # pid -> (parent pid, index of the fork line)
        self.exec_at = {}       # pid -> index of its first successful execve
        for i, (pid, call) in enumerate(self.lines):
            fork = self.FORK.match(call)
            if fork and int(fork.group(1)) > 0:
                self.parent.setdefault(int(fork.group(1)), (pid, i))
            if self.EXEC.match(call) and call.endswith("= 0") and i > 0:
                self.exec_at.setdefault(pid, i)

    def runs_fallbackd(self, pid, i):
        if pid in self.exec_at and self.exec_at[pid] < i:
            return False
        if pid == self.root:
            return True
        if pid not in self.parent:      # unknown origin: count it, to be strict
            return True
        ppid, fork_at = self.parent[pid]
        return self.runs_fallbackd(ppid, fork_at)

    def server_calls(self, pattern):
        """(pid, first group) of every matching call made by fallbackd code."""
        out = []
        for i, (pid, call) in enumerate(self.lines):
            m = pattern.match(call)
            if m and self.runs_fallbackd(pid, i):
                out.append((pid, m.group(1)))
        return out


@pytest.fixture
def traced_door(make_door, keys, workdir):
    log = workdir / "strace.log"
    d = make_door(wrapper=["strace", "-f", "-qq", "-e",
                           "trace=openat,open,execve,clone,clone3,fork,vfork,mmap",
                           "-o", str(log)])
    d.authorize(ALICE, keys["ed25519"])
    yield d, log
    log.unlink(missing_ok=True)


def test_server_loads_no_shared_object_and_no_nss(traced_door, keys):
    """Under strace -f, through logins of every kind (command, pty, refused
    key, unknown user), for every process running fallbackd's code:

    * nothing is mapped executable from a file (no shared object loaded);
    * nsswitch.conf, libnss*, PAM and ld.so.cache are never opened;
    * the listener and connection processes open no shared object at all.
      (The session child, just before it executes the shell, may read the
      shell's libraries as data: shell_check() looks at their ELF headers.)
    * the only program executed is the user's shell.
    """
    d, log = traced_door
    key = keys["ed25519"]
    assert ssh_ok(d, ALICE, key, "echo hi") == "hi\n"
    assert ssh_ok(d, ALICE, key, "tty", opts=["-tt"]).startswith("/dev/pts/")
    assert ssh(d, ALICE, keys["stranger0"], "true").returncode == 255
    assert ssh(d, NOSUCH, key, "true").returncode == 255
    d.stop()
    trace = StraceLog(log.read_text())

    every_open = [m.group(1) for _, call in trace.lines if (m := StraceLog.OPEN.match(call))]
    assert any(SHARED_OBJECT.search(p) for p in every_open), \
        "control: the user's (dynamic) shell must show up opening libc.so"
    every_map = [call for _, call in trace.lines if StraceLog.EXEC_MAP.match(call)]
    assert every_map, "control: the shell's loader must show up mapping code"

    opened = trace.server_calls(StraceLog.OPEN)
    assert any(path.endswith(f"/{ALICE}") for _, path in opened), "keys file not seen: bad trace?"
    assert not sorted({p for _, p in opened if NSS_PAM.search(p)})
    never_exec = [(pid, p) for pid, p in opened if pid not in trace.exec_at]
    assert not sorted({p for _, p in never_exec if SHARED_OBJECT.search(p)}), \
        "the listener or a connection process opened a shared object"
    assert not trace.server_calls(StraceLog.EXEC_MAP), "fallbackd mapped a file executable"

    executed = {path for _, path in trace.server_calls(StraceLog.EXEC) if path}
    assert executed <= {str(FALLBACKD), "/bin/bash"}, executed
    assert "/bin/bash" in executed
