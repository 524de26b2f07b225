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
cost per login.  The exit status is 0 when the difference is at most
--budget ms (5), else 1.
"""
import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The login benchmark's doors, options, loop and statistics.
from login_latency import (Door, add_login_args, bench_dir, check_root_and_binary,  # noqa: E402
                           interleaved, make_keys, print_header, print_times, verdict)

BANNER = b"fallbackd: main sshd BROKEN: "
KEPT = re.compile(rb"fallbackd: \(found \d+\.\d s ago, at an earlier login\)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_login_args(ap)
    ap.add_argument("--budget", type=float, default=5.0,
                    help="largest acceptable cost of the banner per login, ms (5)")
    args = ap.parse_args()
    binary = check_root_and_binary(args.binary)
    kept = []

    def shows_banner(err):
        kept.append(bool(KEPT.search(err)))
        return BANNER in err

    checks = {"always": shows_banner, "no": lambda err: BANNER not in err}
    with bench_dir() as (workdir, doors):
        hostkey, clientkey = make_keys(workdir, args.user)
        rc_file = workdir / "upgrade.rc"
        rc_file.write_text("1\n")
        for mode in ("always", "no"):
            doors.append(Door(mode, workdir, binary, hostkey, args.user,
                              [f"DiagnoseFiles {rc_file}", f"DiagnoseAtLogin {mode}"]))
            doors[-1].start()
        times = interleaved(doors, lambda door: door.login(clientkey, args.user, "true",
                                                           args.timeout,
                                                           check=checks[door.name]), args)

    timed = kept[-args.logins:]
    print_header(binary, args, "true")
    med = print_times("DiagnoseAtLogin", times)
    print(f"{sum(timed)} of {len(timed)} banners were kept from an earlier login "
          f"(banner_cache.h), the others collected afresh")
    cost = med["always"] - med["no"]
    print(f"the banner costs {cost:.1f} ms per login (difference of the medians)")
    return verdict(cost, args.budget, "{:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
