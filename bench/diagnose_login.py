#!/usr/bin/python3
"""What DiagnoseAtLogin costs a login: the same door twice, one with
`DiagnoseAtLogin always` (the incident console's verdict before every
session, exec requests included, so that `ssh HOST true` pays for it),
one with `DiagnoseAtLogin no`; interleaved logins, medians compared.

Both doors name a DiagnoseFiles file holding exit code 1, so the verdict
is BROKEN and the banner is really written (and checked on stderr) on
the first door; the second must never show it.

    make
    sudo /usr/bin/python3 bench/diagnose_login.py            # 50 logins per door
    sudo /usr/bin/python3 bench/diagnose_login.py -n 200

Prints median, p90, mean, min and max per door (ms), how many banners were
kept from an earlier login of the last few seconds (banner_cache.h) rather
than collected afresh, and the difference of the medians: the banner's
cost per login.  The exit status is 0 when the
difference is at most --budget ms (5), else 1.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The login benchmark's door, keys and statistics.
from login_latency import REPO, Door, check_root_and_binary, make_keys, stats  # noqa: E402
from fbdbase import LOCALHOST  # noqa: E402

BANNER = b"fallbackd: main sshd BROKEN: "
KEPT = re.compile(rb"fallbackd: \(found \d+\.\d s ago, at an earlier login\)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--logins", type=int, default=50, help="timed logins per door (50)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed logins per door first (5)")
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN")
                    or str(REPO / "build" / "fallbackd"), help="the daemon (build/fallbackd)")
    ap.add_argument("--user", default="root", help="the account to log in as (root)")
    ap.add_argument("--budget", type=float, default=5.0,
                    help="largest acceptable cost of the banner per login, ms (5)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per login (30)")
    args = ap.parse_args()
    binary = check_root_and_binary(args.binary)

    workdir = Path(tempfile.mkdtemp(prefix="fbd-bench-"))
    os.chmod(workdir, 0o755)
    doors = []
    try:
        hostkey, clientkey = make_keys(workdir, args.user)
        rc_file = workdir / "upgrade.rc"
        rc_file.write_text("1\n")
        common = [f"DiagnoseFiles {rc_file}"]
        shown = Door("always", workdir, binary, hostkey, args.user,
                     common + ["DiagnoseAtLogin always"])
        quiet = Door("no", workdir, binary, hostkey, args.user, common + ["DiagnoseAtLogin no"])
        doors = [shown, quiet]
        kept = []

        def shows_banner(err):
            kept.append(bool(KEPT.search(err)))
            return BANNER in err

        checks = {"always": shows_banner, "no": lambda err: BANNER not in err}
        for door in doors:
            door.start()

        def login(door):
            return door.login(clientkey, args.user, "true", args.timeout,
                              check=checks[door.name])

        for _ in range(args.warmup):
            for door in doors:
                login(door)
        times = {door.name: [] for door in doors}
        kept.clear()
        for i in range(args.logins):
            for door in (doors if i % 2 == 0 else doors[::-1]):     # A B, B A, ...
                times[door.name].append(login(door))
    except KeyboardInterrupt:
        raise SystemExit("interrupted")
    finally:
        for door in doors:
            door.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"fallbackd {binary}; {args.logins} logins per door after {args.warmup} warm-up, "
          f"interleaved; `ssh {args.user}@{LOCALHOST} true`; {os.cpu_count()} CPUs")
    print(f"{'DiagnoseAtLogin':<16}{'median':>10}{'p90':>10}{'mean':>10}{'min':>10}{'max':>10}"
          "   (ms)")
    med = {}
    for name in ("always", "no"):
        m, p90, mean, lo, hi = stats(times[name])
        med[name] = m
        print(f"{name:<16}{m:>10.1f}{p90:>10.1f}{mean:>10.1f}{lo:>10.1f}{hi:>10.1f}")
    print(f"{sum(kept)} of {len(kept)} banners were kept from an earlier login "
          f"(banner_cache.h), the others collected afresh")
    cost = med["always"] - med["no"]
    verdict = "PASS" if cost <= args.budget else "FAIL"
    print(f"the banner costs {cost:.1f} ms per login (difference of the medians)")
    print(f"{verdict}: {cost:.1f} {'<=' if verdict == 'PASS' else '>'} {args.budget:.1f} ms")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
