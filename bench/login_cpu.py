#!/usr/bin/python3
"""Server CPU per login, for one or more fallbackd binaries side by side.

Issue 14 asks for at most 5 ms of server CPU per login.  compare.py
measures it once per server; this script compares builds of fallbackd
(before and after a change) in one run, login by login, so that the load
of a shared machine hits every build alike:

    /usr/bin/python3 bench/login_cpu.py                       # build/fallbackd
    /usr/bin/python3 bench/login_cpu.py -n 100 --binary OLD/fallbackd \\
        --binary build/fallbackd --what true,sftp,dash

Each binary runs as compare.py runs fallbackd (bench/servers.py: a copy of
the binary, its own host key, a free 127.0.0.1 port, a cgroup v2 of its
own).  A login is Debian 12's OpenSSH client with curve25519-sha256 as the
throwaway user fbdlogincpu (ed25519 key, shell bash); the server's CPU is
the cgroup's usage_usec across the login, read once the connection's
processes are gone.  What a login runs (--what):

    true    `ssh user true`: the user's bash runs true
    dash    `ssh user true` with the user's shell /bin/sh (dash) instead
    sftp    `ssh -s user sftp` with stdin at EOF: the built-in SFTP server,
            forked from the monitor, no program executed

Prints, per binary and kind, the median, mean and p90 of the server CPU in
milliseconds; a failed login is left out of the numbers and printed with
the end of that door's log (exit status 1).  Numbers, no verdict: a
benchmark (bench/README.md).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import Client, Running, timed  # noqa: E402
from servers import (REPO, BenchBase, Fallbackd, cgroup2_root, client_said, emit, log,  # noqa: E402
                     run, run_bench)

KINDS = {
    "true": (["true"], ()),
    "dash": (["true"], ()),
    "sftp": (["sftp"], ("-s",)),
}
KEX_OPTS = ["-o", "KexAlgorithms=curve25519-sha256"]


class Build(Fallbackd):
    """fallbackd from one binary; the key names its column."""

    def __init__(self, bench, index, binary):
        self.key = f"fallbackd{index}"
        self.title = str(binary)
        self.source = binary
        super().__init__(bench)

    def prepare(self):
        real = self.bench.fallbackd
        self.bench.fallbackd = self.source
        try:
            super().prepare()
        finally:
            self.bench.fallbackd = real


class Bench(BenchBase):
    def __init__(self, args):
        super().__init__(args.binary[0], "fbd-bench-logincpu-", "fbdlogincpu", "login_cpu.py")
        self.args = args
        self.cgroot = cgroup2_root()
        self.running = {}
        self.failures = []

    def cleanup(self):
        for r in self.running.values():
            r.stop()
        return super().cleanup()

    def set_shell(self, shell):
        run(["usermod", "-s", shell, self.user])

    def one(self, r, kind):
        command, opts = KINDS[kind]
        client = Client(self, False)
        r.settle()
        c0 = r.cpu_usec()
        _, res = timed(client.argv(r.port, command[0], [*KEX_OPTS, *opts]), self.args.timeout)
        r.settle()
        if res.returncode != 0:
            self.failures.append(f"{r.server.title}, {kind}: exit {res.returncode}: "
                                 f"{client_said(res.stderr)}; the door's log ends: "
                                 f"{r.log_tail(800)}")
            return None
        return (r.cpu_usec() - c0) / 1000

    def measure(self, builds, kind):
        self.set_shell("/bin/sh" if kind == "dash" else "/bin/bash")
        cpu = {b.key: [] for b in builds}
        for i in range(self.args.warmup + self.args.logins):
            k = i % len(builds)
            for b in builds[k:] + builds[:k]:
                ms = self.one(self.running[b.key], kind)
                if ms is not None and i >= self.args.warmup:
                    cpu[b.key].append(ms)
        return cpu


def render(builds, results):
    lines = ["| binary | login runs | median ms | mean ms | p90 ms |", "|---|---|---|---|---|"]
    for kind, cpu in results:
        for b in builds:
            v = sorted(cpu[b.key])
            p90 = v[min(len(v) - 1, int(round(0.9 * (len(v) - 1))))]
            lines.append(f"| {b.title} | {kind} | {statistics.median(v):.2f} | "
                         f"{statistics.mean(v):.2f} | {p90:.2f} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", action="append",
                    help="a fallbackd to measure; repeat to compare (build/fallbackd)")
    ap.add_argument("-n", "--logins", type=int, default=60, help="logins per binary and kind (60)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed logins first (3)")
    ap.add_argument("--what", default="true,sftp", help=f"from {','.join(KINDS)} (true,sftp)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per login (30)")
    args = ap.parse_args()
    args.binary = [Path(b).resolve() for b in (args.binary or [REPO / "build" / "fallbackd"])]
    args.what = [w for w in args.what.split(",") if w]
    for w in args.what:
        if w not in KINDS:
            raise SystemExit(f"unknown --what {w!r}; known: {', '.join(KINDS)}")
    if os.geteuid() != 0:
        raise SystemExit("run as root: the doors need it, and a user is added")

    bench = Bench(args)
    builds, results = [], []

    def body():
        for i, binary in enumerate(args.binary):
            b = Build(bench, i, binary)
            b.prepare()
            r = Running(bench, b)
            bench.running[b.key] = r
            r.start()
            builds.append(b)
        for kind in args.what:
            results.append((kind, bench.measure(builds, kind)))
            log(f"{kind}: done")

    done = run_bench(bench, body)
    if done is None:
        return 130
    for f in bench.failures:
        log(f"failed login: {f}")
    emit(render(builds, results), done[1], None)
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
