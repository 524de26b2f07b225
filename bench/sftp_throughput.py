#!/usr/bin/python3
"""SFTP throughput: fallbackd's internal-sftp against OpenSSH's sftp-server.

Starts two fallbackd doors side by side on 127.0.0.1 with the same config,
except that the second has `Subsystem sftp /usr/lib/openssh/sftp-server`
(the first has no Subsystem line: the built-in server), so the transport,
the network process and the relay are the same and only the SFTP server
differs.  Times `sftp put`, `sftp get`, `scp -s` up and down of one file
(256 MiB by default) with the OpenSSH clients, interleaved A B, B A, ... so
that drift hits both alike, and prints per door and copy the median MB/s
and the server's CPU seconds per GiB (user + system of the door's
processes, reaped children included), then the ratios internal / OpenSSH
(above 1: internal-sftp is faster).

A benchmark, not a test: run it by hand, as root (see bench/README.md):

    /usr/bin/python3 bench/sftp_throughput.py [--size-mib 256] [--rounds 3]

Logs in as root (a throwaway key); the file and everything else lives in a
temporary directory (--dir, default /tmp) removed at the end, and both
doors are stopped, also on errors or ^C.
"""
import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from login_latency import LOCALHOST, REPO, SSH_OPTS, Door, check_root_and_binary, make_keys

SFTP_SERVER = "/usr/lib/openssh/sftp-server"
CLK = os.sysconf("SC_CLK_TCK")
OPS = ("sftp-put", "sftp-get", "scp-put", "scp-get")


def tree_cpu(pid):
    """CPU seconds of pid and its reaped children (utime, stime, cutime,
    cstime of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / CLK


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def client_argv(op, door, key, src, dst):
    """The client command line of op (sftp-put, sftp-get, scp-put, scp-get)
    copying src to dst (remote paths are absolute), and its stdin."""
    remote = f"root@{LOCALHOST}"
    if op.startswith("sftp"):
        verb = op.split("-")[1]
        return (["sftp", *SSH_OPTS, "-i", str(key), "-P", str(door.port), "-b", "-", remote],
                f"{verb} {src} {dst}\n".encode())
    src, dst = (src, f"{remote}:{dst}") if op == "scp-put" else (f"{remote}:{src}", dst)
    return ["scp", "-s", *SSH_OPTS, "-i", str(key), "-P", str(door.port), src, dst], b""


def transfer(door, key, op, src, dst, timeout):
    """One copy; returns (wall seconds, server CPU seconds)."""
    argv, stdin = client_argv(op, door, key, src, dst)
    cpu0 = tree_cpu(door.proc.pid)
    start = time.perf_counter()
    res = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=timeout)
    wall = time.perf_counter() - start
    if res.returncode != 0:
        raise SystemExit(f"{door.name}: {op} failed: {res.stderr.decode(errors='replace')}\n"
                         f"{door.log.read_text(errors='replace')[-2000:]}")
    time.sleep(0.5)     # the connection's processes are reaped: their CPU is counted
    return wall, tree_cpu(door.proc.pid) - cpu0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mib", type=int, default=256, help="file size (256)")
    ap.add_argument("--rounds", type=int, default=3, help="get and put per door (3)")
    ap.add_argument("--dir", default="/tmp", help="where the files go (/tmp)")
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN")
                    or str(REPO / "build" / "fallbackd"), help="the daemon (build/fallbackd)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per transfer (600)")
    args = ap.parse_args()
    binary = check_root_and_binary(args.binary)
    if not os.access(SFTP_SERVER, os.X_OK):
        raise SystemExit(f"{SFTP_SERVER} missing (openssh-sftp-server): nothing to compare with")

    workdir = Path(tempfile.mkdtemp(prefix="fbd-bench-sftp-", dir=args.dir))
    os.chmod(workdir, 0o755)
    doors = []
    results = {}
    try:
        hostkey, clientkey = make_keys(workdir, "root")
        src = workdir / "src.bin"
        with open(src, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(1 << 20))
        digest = sha256(src)

        internal = Door("internal-sftp", workdir, binary, hostkey, "root", [])
        openssh = Door("sftp-server", workdir, binary, hostkey, "root",
                       [f"Subsystem sftp {SFTP_SERVER}"])
        doors = [internal, openssh]
        for door in doors:
            door.start()
        results = {(d.name, op): [] for d in doors for op in OPS}
        for i in range(args.rounds):
            for door in doors if i % 2 == 0 else doors[::-1]:
                up = workdir / f"{door.name}.bin"
                back = workdir / "back.bin"
                for tool in ("sftp", "scp"):
                    for op, a, b in ((f"{tool}-put", src, up), (f"{tool}-get", up, back)):
                        results[(door.name, op)].append(transfer(door, clientkey, op, a, b,
                                                                 args.timeout))
                    for path in (up, back):
                        if i == 0 and sha256(path) != digest:
                            raise SystemExit(f"{door.name}: {tool}: {path.name} differs")
                        path.unlink()
    except KeyboardInterrupt:
        raise SystemExit("interrupted")
    finally:
        for door in doors:
            door.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    gib = args.size_mib / 1024
    print(f"fallbackd {binary}; {args.size_mib} MiB, {args.rounds} rounds, interleaved; "
          f"OpenSSH sftp and scp -s; {os.cpu_count()} CPUs")
    print(f"{'server':<15}{'op':<10}{'median MB/s':>12}{'CPU s/GiB':>11}")
    speed = {}
    for (name, op), runs in sorted(results.items()):
        speed[(name, op)] = statistics.median(args.size_mib * 1.048576 / w for w, _ in runs)
        cpu = statistics.median(c / gib for _, c in runs)
        print(f"{name:<15}{op:<10}{speed[(name, op)]:>12.1f}{cpu:>11.2f}")
    for op in OPS:
        ratio = speed[("internal-sftp", op)] / speed[("sftp-server", op)]
        print(f"ratio internal-sftp / sftp-server, {op}: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
