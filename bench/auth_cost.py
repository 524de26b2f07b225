#!/usr/bin/python3
"""What unauthenticated publickey attempts cost the door (issue 9.1).

    sudo /usr/bin/python3 bench/auth_cost.py [-n 60] [--bits 16384] [--ebits 16384]
                                             [--binary PATH]

Starts a door (127.0.0.1, default config, PermitRootLogin yes, root has one
ed25519 key listed), then makes n signed publickey attempts for root with an
unlisted RSA key of --bits bits, a random odd public exponent of --ebits bits
(the dear case: verifying costs one modular squaring per exponent bit; 17
for e = 65537) and random signature bytes, as many per
connection as the door allows (MaxAuthTries), new connections as needed.
The server's CPU is read from /proc/LISTENER/stat: user + system time of
the listener and of every monitor and network process it forked and reaped
(they are waited for before the second reading).  Prints the total and per
attempt, and PASS/FAIL against --limit seconds (0.1).  Exit status 0 PASS,
1 FAIL.  Run it on an otherwise idle machine: other load does not change
the door's CPU time, but a slow machine does.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
import fbdtest  # noqa: E402
from rawauth import FakeKey, random_rsa_signer, rsa_blob, try_key  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime + cutime + cstime of pid, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICK


def wait_reaped(pid, timeout=30):
    deadline = time.monotonic() + timeout
    while fbdtest.descendants(pid):
        if time.monotonic() > deadline:
            raise SystemExit("the door's connection processes did not end")
        time.sleep(0.05)


def attack(door, attempts, bits, ebits):
    """attempts signed requests; returns (attempts made, connections)."""
    e = 65537 if ebits <= 17 else int.from_bytes(os.urandom(ebits // 8), "big") | (1 << (ebits - 1)) | 1
    key = FakeKey("ssh-rsa", rsa_blob(bits, e), random_rsa_signer(bits // 8))
    made = conns = 0
    while made < attempts:
        t = fbdtest.paramiko_transport(door)
        conns += 1
        try:
            while made < attempts and t.is_active():
                if try_key(t, "root", key):
                    raise SystemExit("the unlisted key was accepted")
                made += 1
        except Exception as e:     # the door disconnected at MaxAuthTries
            if "accepted" in str(e):
                raise
        finally:
            t.close()
    return made, conns


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=60, help="attempts (60)")
    ap.add_argument("--bits", type=int, default=16384, help="RSA modulus bits (16384)")
    ap.add_argument("--ebits", type=int, default=16384, help="public exponent bits (16384)")
    ap.add_argument("--limit", type=float, default=0.1, help="CPU seconds allowed (0.1)")
    ap.add_argument("--binary", default=None, help="fallbackd to measure")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root (the door runs as root)")
    with tempfile.TemporaryDirectory(prefix="fbd-bench-") as tmp:
        os.chmod(tmp, 0o755)
        door = fbdtest.Door(Path(tmp) / "door", binary=args.binary, PermitRootLogin="yes")
        client = fbdtest.ClientKey.generate(Path(tmp) / "listed", "ed25519")
        door.authorize("root", client)
        door.start()
        try:
            before = cpu_seconds(door.pid)
            made, conns = attack(door, args.n, args.bits, args.ebits)
            wait_reaped(door.pid)
            spent = cpu_seconds(door.pid) - before
        finally:
            door.stop()
    verdict = "PASS" if spent < args.limit else "FAIL"
    print(f"{made} attempts over {conns} connections with an unlisted {args.bits}-bit RSA key "
          f"(exponent of {args.ebits} bits): "
          f"server CPU {spent:.3f} s ({1000 * spent / made:.2f} ms per attempt); "
          f"limit {args.limit} s: {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
