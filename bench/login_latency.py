#!/usr/bin/python3
"""Login latency with and without the network process's sandbox.

Starts two fallbackd doors side by side on 127.0.0.1, with the same config
except `Sandbox no` on one, checks that the one is confined and the other
is not, warms both up, then times N logins on each with the OpenSSH client
running `true`, interleaved A B B A ... so that drift (CPU frequency,
other load) hits both alike.  Prints median, p90 and mean per door, the
ratio sandbox / no sandbox of the medians, and PASS or FAIL against the
threshold (default 1.10: the sandbox may cost at most 10%).

A benchmark, not a test: run it by hand, as root (see bench/README.md):

    /usr/bin/python3 bench/login_latency.py [-n 50] [--warmup 5]

Logs in as root (PermitRootLogin prohibit-password, a throwaway key in a
temporary AuthorizedKeysFile); nothing outside a temporary directory is
touched, and both doors are stopped at the end, also on errors or ^C.
"""
import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
# The integration tests' helpers that need only the standard library.
from fbdbase import (LOCALHOST, NO_MUX_OPTS, SSH_OPTS, descendants, end_tree,  # noqa: E402
                     free_port, keygen_argv, listening_pattern, ppid_of, ssh_command,
                     wait_for_match)


def run(argv, timeout=30):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, check=True)


class Door:
    def __init__(self, name, workdir, binary, hostkey, user, extra):
        self.name = name
        self.dir = workdir / name
        self.dir.mkdir()
        self.binary = binary
        self.port = None
        self.proc = None
        self.log = self.dir / "fallbackd.log"
        self.config = self.dir / "fallbackd.conf"
        self.settings = [f"HostKey {hostkey}", f"AuthorizedKeysFile {workdir}/authorized/%u",
                         f"AllowUsers {user}", "PermitRootLogin prohibit-password", *extra]

    def start(self, timeout=10):
        self.port = free_port()
        self.config.write_text(f"Port {self.port}\nListenAddress {LOCALHOST}\n"
                               + "".join(s + "\n" for s in self.settings))
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(self.binary), "-D", "-e", "-f", str(self.config)],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        if not wait_for_match(lambda: self.log.read_text(errors="replace"),
                              listening_pattern(self.port), timeout, self.proc):
            raise SystemExit(f"{self.name}: fallbackd did not start:\n"
                             f"{self.log.read_text(errors='replace')}")

    def stop(self):
        if self.proc is None:
            return
        end_tree(self.proc)
        self.proc = None

    def ssh_argv(self, key, user, command):
        return ssh_command(self.port, user, [key], command, base=SSH_OPTS + NO_MUX_OPTS)

    def login(self, key, user, command, timeout, argv=None, check=None):
        """One login (with argv: that client command line); returns its wall
        time in seconds.  It must exit 0, and check(stderr) must be true."""
        start = time.perf_counter()
        res = subprocess.run(argv or self.ssh_argv(key, user, command), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        elapsed = time.perf_counter() - start
        if res.returncode != 0 or (check is not None and not check(res.stderr)):
            raise SystemExit(f"{self.name}: login failed (exit {res.returncode}): "
                             f"{res.stderr.decode(errors='replace')[-2000:]}\n"
                             f"{self.log.read_text(errors='replace')[-2000:]}")
        return elapsed

    def network_seccomp(self, key, user, timeout=15):
        """The Seccomp: field of this door's network process, seen during a
        login that runs `sleep 2`."""
        client = subprocess.Popen(self.ssh_argv(key, user, "sleep 2"), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and client.poll() is None:
                for pid in descendants(self.proc.pid):
                    try:
                        exe = os.readlink(f"/proc/{pid}/exe")
                        status = Path(f"/proc/{pid}/status").read_text()
                    except OSError:
                        continue
                    # the network process: a fallbackd whose parent is a monitor
                    if exe == str(self.binary) and self._depth(pid) == 2:
                        return int(re.search(r"^Seccomp:\s*(\d+)", status, re.M).group(1))
                time.sleep(0.02)
            raise SystemExit(f"{self.name}: network process not found")
        finally:
            client.wait(timeout=timeout)

    def _depth(self, pid):
        depth = 0
        while pid != self.proc.pid and pid > 1 and depth < 5:
            pid = ppid_of(pid)
            depth += 1
        return depth


def check_root_and_binary(path):
    """The daemon to run, as an absolute path; exits unless we are root
    and it is there."""
    if os.geteuid() != 0:
        raise SystemExit("run as root: fallbackd must be able to fork the monitor and sandbox")
    binary = Path(path).resolve()
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"{binary} not found: run `make`")
    return binary


def make_keys(workdir, user):
    """A throwaway host key and client key in workdir, the client key
    authorized for user in workdir/authorized/USER (the doors'
    AuthorizedKeysFile).  Returns (host key, client key)."""
    hostkey = workdir / "ssh_host_ed25519_key"
    clientkey = workdir / "client_ed25519"
    run(keygen_argv(hostkey, "ed25519"))
    run(keygen_argv(clientkey, "ed25519"))
    authdir = workdir / "authorized"
    authdir.mkdir(mode=0o755)
    os.chmod(authdir, 0o755)
    keyfile = authdir / user
    keyfile.write_text(Path(f"{clientkey}.pub").read_text())
    os.chmod(keyfile, 0o644)
    return hostkey, clientkey


def stats(times):
    ms = sorted(t * 1000 for t in times)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return statistics.median(ms), p90, statistics.fmean(ms), ms[0], ms[-1]


def add_login_args(ap):
    """The options of a benchmark that times logins on two doors."""
    ap.add_argument("-n", "--logins", type=int, default=50, help="timed logins per door (50)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed logins per door first (5)")
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN")
                    or str(REPO / "build" / "fallbackd"), help="the daemon (build/fallbackd)")
    ap.add_argument("--user", default="root", help="the account to log in as (root)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per login (30)")


@contextlib.contextmanager
def bench_dir():
    """A temporary directory and a list for the doors started in it; the
    doors are stopped and the directory removed at the end, also after an
    error or ^C."""
    workdir = Path(tempfile.mkdtemp(prefix="fbd-bench-"))
    os.chmod(workdir, 0o755)
    doors = []
    try:
        yield workdir, doors
    except KeyboardInterrupt:
        raise SystemExit("interrupted")
    finally:
        for door in doors:
            door.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def interleaved(doors, login, args):
    """args.warmup untimed logins per door, then args.logins timed ones,
    interleaved A B, B A, ... so that drift hits both alike.  LOGIN(door)
    returns one login's seconds.  Returns {door name: [seconds]}."""
    for _ in range(args.warmup):
        for door in doors:
            login(door)
    times = {door.name: [] for door in doors}
    for i in range(args.logins):
        for door in (doors if i % 2 == 0 else doors[::-1]):
            times[door.name].append(login(door))
    return times


def print_header(binary, args, command):
    print(f"fallbackd {binary}; {args.logins} logins per door after {args.warmup} warm-up, "
          f"interleaved; `ssh {args.user}@{LOCALHOST} {command}`; {os.cpu_count()} CPUs")


def verdict(value, limit, text):
    """Print PASS or FAIL for VALUE against LIMIT (TEXT formats both);
    the exit status."""
    ok = value <= limit
    print(f"{'PASS' if ok else 'FAIL'}: {text.format(value)} {'<=' if ok else '>'} "
          f"{text.format(limit)}")
    return 0 if ok else 1


def print_times(title, times):
    """The statistics table of TIMES (ms); returns the medians by name."""
    print(f"{title:<16}{'median':>10}{'p90':>10}{'mean':>10}{'min':>10}{'max':>10}   (ms)")
    med = {}
    for name, t in times.items():
        m, p90, mean, lo, hi = stats(t)
        med[name] = m
        print(f"{name:<16}{m:>10.1f}{p90:>10.1f}{mean:>10.1f}{lo:>10.1f}{hi:>10.1f}")
    return med


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_login_args(ap)
    ap.add_argument("--command", default="true", help="the remote command (true)")
    ap.add_argument("--threshold", type=float, default=1.10,
                    help="largest acceptable ratio of the medians (1.10)")
    args = ap.parse_args()
    binary = check_root_and_binary(args.binary)

    with bench_dir() as (workdir, doors):
        hostkey, clientkey = make_keys(workdir, args.user)
        doors += [Door("sandbox", workdir, binary, hostkey, args.user, []),
                  Door("nosandbox", workdir, binary, hostkey, args.user, ["Sandbox no"])]
        for door in doors:
            door.start()
        seccomp = {door.name: door.network_seccomp(clientkey, args.user) for door in doors}
        if seccomp != {"sandbox": 2, "nosandbox": 0}:
            raise SystemExit(f"the doors are not what they claim (Seccomp: {seccomp})")
        times = interleaved(doors, lambda door: door.login(clientkey, args.user, args.command,
                                                           args.timeout), args)

    print_header(binary, args, args.command)
    med = print_times("door", times)
    ratio = med["sandbox"] / med["nosandbox"]
    print(f"ratio sandbox/nosandbox (medians): {ratio:.3f}")
    return verdict(ratio, args.threshold, "{:.3f}")


if __name__ == "__main__":
    sys.exit(main())
