#!/usr/bin/python3
"""SFTP throughput: fallbackd's internal-sftp against OpenSSH's sftp-server
behind Debian's sshd.

Starts, side by side on 127.0.0.1, each in its own mount namespace, the
servers of bench/compare_faults.py: fallbackd with its fault-matrix config
(no Subsystem line: the sftp subsystem is internal-sftp) and sshd with
Debian's defaults and `Subsystem sftp /usr/lib/openssh/sftp-server`; with
--servers also fallbackd executing that same sftp-server (the same relay
as internal-sftp, OpenSSH's file server: which of the two costs what),
and with --binary-b another build of fallbackd (a change against the
same sshd in the same run).
Logs in as a throwaway user (fbdsftpbench) and times `sftp put`, `sftp
get`, `scp -s` up and down of one file (1 GiB by default) with the OpenSSH
clients, servers interleaved A B, B A, ... so that drift hits all alike.
Prints per server and copy the median and best MB/s and the server's CPU
seconds per GiB (user + system of everything the server ran, from a
cgroup v2 of its own), then per copy the ratios fallbackd / each other
server of the speeds (above 1: fallbackd is faster) and of the CPU.

A benchmark, not a test: run it by hand, as root, after `sh bench/deps.sh`
(see bench/README.md):

    /usr/bin/python3 bench/sftp_throughput.py [--size-mib 1024] [--rounds 3]
        [--servers fallbackd,sshd,fallbackd-sftp-server] [--dir /var/tmp]

The files live in a temporary directory under --dir; it, the user, the
servers and everything they started are removed at the end, also on
errors or ^C.
"""
import argparse
import hashlib
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_faults import SSH_BENCH_OPTS, Bench, Case  # noqa: E402
from servers import REPO, Fallbackd, OpenSSH, cgroup2_root, cgroup_cpu_usec  # noqa: E402
from fbdbase import become_subreaper  # noqa: E402

# A throwaway user of its own, so that this bench and the fault matrix,
# which removes its user by name at the end, can run at the same time.
USER = "fbdsftpbench"

SFTP_SERVER = "/usr/lib/openssh/sftp-server"
OPS = ("sftp-put", "sftp-get", "scp-put", "scp-get")


class FallbackdSftpServer(Fallbackd):
    """fallbackd executing OpenSSH's sftp-server as the user."""
    key, title = "fallbackd-sftp-server", "fallbackd + sftp-server"

    def config_text(self, case):
        return super().config_text(case) + f"Subsystem sftp {SFTP_SERVER}\n"


class FallbackdB(Fallbackd):
    """Another build of fallbackd (--binary-b), internal-sftp: a change
    measured against the same sshd in the same run."""
    key, title = "fallbackd-b", "fallbackd (--binary-b)"

    def __init__(self, bench):
        super().__init__(bench)
        self.build = Path(bench.args.binary_b or "/nonexistent").resolve()

    def needs(self):
        return [self.build]

    def prepare(self):
        super().prepare()
        shutil.copy2(self.build, self.exe)

    def version(self):
        return f"{self.build}: " + subprocess.run([self.exe, "-V"], capture_output=True,
                                                  text=True).stdout.strip()


SERVERS = {cls.key: cls for cls in (Fallbackd, OpenSSH, FallbackdSftpServer, FallbackdB)}
NAMES = {"fallbackd": "fallbackd internal-sftp", "sshd": "sshd + sftp-server",
         "fallbackd-sftp-server": "fallbackd + sftp-server",
         "fallbackd-b": "fallbackd-b internal-sftp"}


class CpuGroup:
    """A cgroup v2 that a started server's listener is moved into: every
    process it starts afterwards is counted, also those whose parent does
    not wait for them (the cutime of /proc/PID/stat misses those: sshd's
    per-connection processes)."""

    def __init__(self, name):
        self.path = cgroup2_root() / f"fbd-bench-sftp-{os.getpid()}-{name}"
        self.path.mkdir()

    def enter(self, pid):
        (self.path / "cgroup.procs").write_text(f"{pid}\n")

    def procs(self):
        return (self.path / "cgroup.procs").read_text().split()

    def seconds(self):
        """CPU seconds (user + system) of everything in it so far."""
        return cgroup_cpu_usec(self.path) / 1e6

    def settle(self, count, timeout=10):
        """Wait until only count processes are left (the connection's
        have ended: their CPU is all counted)."""
        deadline = time.monotonic() + timeout
        while len(self.procs()) > count and time.monotonic() < deadline:
            time.sleep(0.05)

    def remove(self):
        try:
            self.path.rmdir()
        except OSError as e:
            print(f"cleanup: {self.path}: {e}", file=sys.stderr)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def client_argv(op, port, key, src, dst):
    """The client command line of op (sftp-put, sftp-get, scp-put, scp-get)
    copying src to dst (remote paths are absolute), and its stdin."""
    remote = f"{USER}@127.0.0.1"
    base = [*SSH_BENCH_OPTS, "-i", str(key)]
    if op.startswith("sftp"):
        verb = op.split("-")[1]
        return (["sftp", *base, "-P", str(port), "-b", "-", remote],
                f"{verb} {src} {dst}\n".encode())
    src, dst = (src, f"{remote}:{dst}") if op == "scp-put" else (f"{remote}:{src}", dst)
    return ["scp", "-s", *base, "-P", str(port), str(src), str(dst)], b""


def transfer(case, key, op, src, dst, timeout):
    """One copy; returns (wall seconds, server CPU seconds)."""
    argv, stdin = client_argv(op, case.port, key, src, dst)
    idle = len(case.cpu.procs())
    cpu0 = case.cpu.seconds()
    start = time.perf_counter()
    res = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=timeout)
    wall = time.perf_counter() - start
    if res.returncode != 0:
        raise SystemExit(f"{case.server.key}: {op} failed: "
                         f"{res.stderr.decode(errors='replace')}\n{case.log_text()[-2000:]}")
    case.cpu.settle(idle)
    return wall, case.cpu.seconds() - cpu0


def start_servers(bench, keys, cases):
    """Start a Case per server key, in that order, appended to cases."""
    for key in keys:
        server = SERVERS[key](bench)
        why = server.available()
        if why:
            raise SystemExit(f"{server.title}: {why}")
        server.prepare()
        case = Case(bench, server, "sftp")
        cases.append(case)
        case.start()
        case.cpu = CpuGroup(key)
        case.cpu.enter(case.pid)


def measure(bench, cases, args):
    """{(server key, op): [(wall, cpu), ...]}; the copies of the first round
    are checked byte for byte."""
    data = Path(tempfile.mkdtemp(prefix="fbd-bench-sftp-", dir=args.dir))
    try:
        os.chmod(data, 0o755)
        remote = data / "remote"
        remote.mkdir(mode=0o755)
        pw = pwd.getpwnam(USER)
        os.chown(remote, pw.pw_uid, pw.pw_gid)
        src = data / "src.bin"
        with open(src, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(1 << 20))
        digest = sha256(src)
        results = {(c.server.key, op): [] for c in cases for op in OPS}
        for i in range(args.rounds):
            for case in cases if i % 2 == 0 else cases[::-1]:
                up, back = remote / "up.bin", data / "back.bin"
                for tool in ("sftp", "scp"):
                    for op, a, b in ((f"{tool}-put", src, up), (f"{tool}-get", up, back)):
                        results[(case.server.key, op)].append(
                            transfer(case, bench.client_key, op, a, b, args.timeout))
                    for path in (up, back):
                        if i == 0 and sha256(path) != digest:
                            raise SystemExit(f"{case.server.key}: {tool}: {path.name} differs")
                        path.unlink()
        return results
    finally:
        shutil.rmtree(data, ignore_errors=True)


def report(results, cases, args):
    gib = args.size_mib / 1024
    print(f"{args.size_mib} MiB, {args.rounds} rounds, interleaved; OpenSSH sftp and "
          f"scp -s; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the end")
    for case in cases:
        print(f"  {NAMES[case.server.key]}: {case.server.version()}")
    print(f"{'server':<26}{'op':<10}{'median MB/s':>12}{'best MB/s':>10}{'CPU s/GiB':>11}")
    speed, best, cpu = {}, {}, {}
    for case in cases:
        for op in OPS:
            k = (case.server.key, op)
            rates = [args.size_mib * 1.048576 / w for w, _ in results[k]]
            speed[k], best[k] = statistics.median(rates), max(rates)
            cpu[k] = statistics.median(c / gib for _, c in results[k])
            print(f"{NAMES[k[0]]:<26}{op:<10}{speed[k]:>12.1f}{best[k]:>10.1f}{cpu[k]:>11.2f}")
    keys = [c.server.key for c in cases]
    pairs = [(x, y) for x in ("fallbackd", "fallbackd-b") if x in keys
             for y in keys if y != x and (x, y) != ("fallbackd-b", "fallbackd")]
    for x, y in pairs:
        for op in OPS:
            a, b = (x, op), (y, op)
            print(f"{x} / {y}, {op}: speed {speed[a] / speed[b]:.2f}x "
                  f"(best {best[a] / best[b]:.2f}x), server CPU {cpu[a] / max(cpu[b], 1e-9):.2f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mib", type=int, default=1024, help="file size (1024)")
    ap.add_argument("--rounds", type=int, default=3, help="copies of each kind per server (3)")
    ap.add_argument("--servers", default="fallbackd,sshd",
                    help=f"comma-separated, from {','.join(SERVERS)} (fallbackd,sshd)")
    ap.add_argument("--dir", default="/var/tmp", help="where the files go (/var/tmp)")
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN")
                    or str(REPO / "build" / "fallbackd"), help="fallbackd (build/fallbackd)")
    ap.add_argument("--binary-b", help="another fallbackd, server fallbackd-b "
                    "(added to --servers when given)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per copy (600)")
    args = ap.parse_args()
    args.verbose = False
    keys = [k for k in args.servers.split(",") if k]
    if args.binary_b and "fallbackd-b" not in keys:
        keys.append("fallbackd-b")
    unknown = [k for k in keys if k not in SERVERS]
    if unknown or not keys:
        raise SystemExit(f"unknown servers {unknown}; known: {', '.join(SERVERS)}")
    if os.geteuid() != 0:
        raise SystemExit("run as root: the servers run in mount namespaces, and a user is added")
    if not os.access(SFTP_SERVER, os.X_OK):
        raise SystemExit(f"{SFTP_SERVER} missing (openssh-sftp-server): run bench/deps.sh")

    become_subreaper()
    bench = Bench(args, USER, "sftp_throughput.py")
    cases = []
    try:
        bench.setup()
        start_servers(bench, keys, cases)
        results = measure(bench, cases, args)
        report(results, cases, args)
    except KeyboardInterrupt:
        raise SystemExit("interrupted")
    finally:
        for case in cases:
            case.stop()
        for problem in bench.cleanup():
            print(f"cleanup: {problem}", file=sys.stderr)
        for case in cases:
            if getattr(case, "cpu", None):
                case.cpu.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
