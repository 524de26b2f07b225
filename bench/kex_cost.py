#!/usr/bin/python3
"""Login latency and CPU per login for each key exchange: the default
post-quantum hybrids against curve25519.

Starts one fallbackd door (default algorithms) on 127.0.0.1 and times N
logins (`ssh root@127.0.0.1 true`) per case, the cases interleaved round by
round so that drift hits all alike:

  OpenSSH 10 (Debian 13 root, build/trixie-root)  mlkem768x25519-sha256 (its default)
  OpenSSH 10                                      curve25519-sha256 (forced)
  OpenSSH 9.2 (this system)                       sntrup761x25519-sha512 (its default)
  OpenSSH 9.2                                     curve25519-sha256 (forced)

The OpenSSH 10 cases need mk/trixie-root.sh (run by the integration tests);
without the root they are left out.  Per case: wall-time median, p90 and
mean; the server's CPU per login (user+system of the door and every process
it forked, from /proc/PID/stat of the listener, which reaps them all: the
listener, monitor, sandboxed network process and the `true` the session
runs); the client's CPU per login.

A benchmark, not a test: run it by hand, as root (see bench/README.md):

    /usr/bin/python3 bench/kex_cost.py [-n 50] [--warmup 5]
"""
import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from login_latency import (LOCALHOST, REPO, SSH_OPTS, Door, descendants, run,  # noqa: E402
                           stats)

CLK_TCK = os.sysconf("SC_CLK_TCK")


def server_cpu(pid):
    """utime + stime + cutime + cstime of pid, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / CLK_TCK


def client_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


class Case:
    def __init__(self, label, prefix, key, kex, forced):
        self.label = label
        self.forced = forced        # -o KexAlgorithms=kex, else the client's default
        self.prefix = prefix        # ["ssh"] or ["chroot", ROOT, "ssh"]
        self.key = key              # as the client sees it
        self.kex = kex
        self.wall, self.server, self.client = [], 0.0, 0.0

    def argv(self, door, user, command):
        forced = ["-o", f"KexAlgorithms={self.kex}"] if self.forced else []
        return [*self.prefix, *SSH_OPTS, "-v", *forced, "-i", self.key, "-p", str(door.port),
                f"{user}@{LOCALHOST}", command]

    def login(self, door, user, command, timeout):
        """One login: wall time; the kex it negotiated must be self.kex."""
        want = f"kex: algorithm: {self.kex}".encode()
        return door.login(None, user, command, timeout, argv=self.argv(door, user, command),
                          check=lambda stderr: want in stderr)


def settle(door, timeout=5):
    """Wait until the door has reaped every connection (only the listener left)."""
    deadline = time.monotonic() + timeout
    while descendants(door.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--logins", type=int, default=50, help="timed logins per case (50)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed logins per case first (5)")
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN")
                    or str(REPO / "build" / "fallbackd"), help="the daemon (build/fallbackd)")
    ap.add_argument("--root", default=str(REPO / "build" / "trixie-root"),
                    help="Debian 13 root with OpenSSH 10 (build/trixie-root)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per login (30)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root")
    binary = Path(args.binary).resolve()
    root = Path(args.root)
    user, command = "root", "true"

    workdir = Path(tempfile.mkdtemp(prefix="fbd-bench-kex-"))
    os.chmod(workdir, 0o755)
    door = None
    inroot = None
    try:
        hostkey, clientkey = workdir / "ssh_host_ed25519_key", workdir / "client_ed25519"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(hostkey)])
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(clientkey)])
        authdir = workdir / "authorized"
        authdir.mkdir(mode=0o755)
        (authdir / user).write_text(Path(f"{clientkey}.pub").read_text())
        os.chmod(authdir / user, 0o644)

        cases = []
        if (root / "usr" / "bin" / "ssh").exists():
            inroot = root / "tmp" / "fbd-bench-client-key"
            shutil.copyfile(clientkey, inroot)
            inroot.chmod(0o600)
            chroot = ["chroot", str(root), "ssh"]
            key = "/tmp/fbd-bench-client-key"
            cases += [Case("OpenSSH 10, default", chroot, key, "mlkem768x25519-sha256", False),
                      Case("OpenSSH 10, forced", chroot, key, "curve25519-sha256", True)]
        else:
            print(f"no {root}: OpenSSH 10 cases left out (run mk/trixie-root.sh build)")
        cases += [Case("OpenSSH 9.2, default", ["ssh"], str(clientkey), "sntrup761x25519-sha512",
                       False),
                  Case("OpenSSH 9.2, forced", ["ssh"], str(clientkey), "curve25519-sha256", True)]

        door = Door("door", workdir, binary, hostkey, user, [])
        door.start()
        for _ in range(args.warmup):
            for case in cases:
                case.login(door, user, command, args.timeout)
        for i in range(args.logins):
            for case in cases if i % 2 == 0 else cases[::-1]:
                settle(door)
                s0, c0 = server_cpu(door.proc.pid), client_cpu()
                case.wall.append(case.login(door, user, command, args.timeout))
                settle(door)
                case.server += server_cpu(door.proc.pid) - s0
                case.client += client_cpu() - c0
    except KeyboardInterrupt:
        raise SystemExit("interrupted")
    finally:
        if door is not None:
            door.stop()
        if inroot is not None:
            inroot.unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)

    n = args.logins
    print(f"fallbackd {binary}; {n} logins per case after {args.warmup} warm-up, interleaved; "
          f"`ssh {user}@{LOCALHOST} {command}`; {os.cpu_count()} CPUs; CPU in ms per login "
          f"(clock tick {1000 / CLK_TCK:.0f} ms, so per-login CPU is an average over {n})")
    print(f"{'client, kex':<48}{'median':>8}{'p90':>8}{'mean':>8}{'srv CPU':>9}{'cli CPU':>9}"
          "   (ms)")
    for case in cases:
        m, p90, mean, _, _ = stats(case.wall)
        print(f"{case.label + ', ' + case.kex:<48}{m:>8.1f}{p90:>8.1f}{mean:>8.1f}"
              f"{case.server / n * 1000:>9.1f}{case.client / n * 1000:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
