#!/usr/bin/python3
"""Soak: many logins on one fallbackd door, then check that the listener
kept nothing.

Starts fallbackd as bench/compare.py does (bench/servers.py's config, its
own cgroup v2 on a free 127.0.0.1 port), then:

  1. --logins (10,000) logins one after the other (`ssh fbdsoak@127.0.0.1
     true`, OpenSSH 9.2, curve25519-sha256);
  2. --concurrent (1,000) logins in waves of --wave (50) at once, each login
     of a wave from its own source address (127.0.0.2, .3, ...), so that a
     wave stays inside the door's default limits (PerSourceMaxStartups 10,
     MaxStartups 10:30:100, whose early drop applies only to a source that
     already has a connection waiting);
  3. waits until the door's connection processes are gone, and compares
     with the state after the first 100 logins (100 - --wave sequential, then
     the first wave: a heap page the listener touches for its first burst
     of connections stays resident, a high-water mark, not a leak):
       * the listener's VmRSS: equal within --rss-slack-kb (32 kB, eight
         pages: the kernel counts resident memory by the page, and a page
         of the heap or stack touched once for a larger message stays;
         measured: +16 to +24 kB by the end, reached by the 1,000th to
         5,000th login), and its anonymous part (RssAnon: heap, stack)
         flat from half the sequential logins to their end, and over the
         second half of the concurrent ones (at most two pages more
         each: the table of live connections keeps the pages the most
         connections alive at once touched, which overlapping waves on a
         loaded machine raise early in the concurrent phase); growth of
         either while /etc/passwd and /etc/group reached a new largest
         size is a note, not a failure: the user cache holds a parsed copy
         of them, and users added by other work on the machine (the
         integration suite) raise its high-water mark;
       * the listener's open descriptors (/proc/PID/fd): exactly equal;
       * no zombie: no process in state Z whose parent is the listener, a
         process of the door's cgroup or this script (a subreaper: whatever
         the door's processes orphan comes here);
       * no leaked mount namespace: the mount namespaces of the door's
         processes (/proc/PID/ns/mnt of its cgroup) are the listener's
         alone, and no mount namespace outside the door's cgroup appeared
         that a process running fallbackd's binary holds; nsfs mounts
         (a namespace kept by a bind mount) in the listener's mount table
         are the same.

Every login must succeed.  Exit status 0 when all of it holds, 1 when not
(each problem is printed).  Not part of `make test`; run it by hand, as
root (about 10 minutes for the default counts on 2 cores):

    /usr/bin/python3 bench/soak.py [--quick] [--logins N] [--concurrent N]
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import Client, Running, cgroup2_root  # noqa: E402
from servers import REPO, BenchBase, Fallbackd, client_said, log, run_bench  # noqa: E402
from fbdbase import ppid_table, proc_state  # noqa: E402

KEX = ["-o", "KexAlgorithms=curve25519-sha256"]
# Once warm, the listener's anonymous memory (RssAnon: heap, stack, what a
# leak would grow) must be flat: from half the sequential logins to the end
# it may grow by two pages at most.  Its file-backed RSS may still grow by
# a page now and then: code of the binary run for the first time (a rare
# path) is mapped in from the page cache, shared and reclaimable.
PLATEAU_SLACK_KB = 8
USER_FILES = ("/etc/passwd", "/etc/group")


def vm_rss_kb(pid, field="VmRSS"):
    """VmRSS (or RssAnon, RssFile) of pid in kB."""
    m = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(m.group(1))


def mnt_ns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


def all_mnt_ns():
    """{mount namespace: [pids holding it]} of every process."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ns = mnt_ns(entry)
            if ns is not None:
                out.setdefault(ns, []).append(int(entry))
    return out


def exe_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


class Soak(BenchBase):
    def __init__(self, args):
        super().__init__(args.binary, "fbd-bench-soak-", "fbdsoak", "soak.py")
        self.args = args
        self.cgroot = cgroup2_root()
        self.door = None
        self.problems = []
        self.user_files_max = 0
        self.notes = []

    def cleanup(self):
        if self.door is not None:
            self.door.stop()
        return super().cleanup()

    def start(self):
        server = Fallbackd(self)
        if self.args.log_level:
            plain = server.config_text
            server.config_text = lambda case: plain(case) + f"LogLevel {self.args.log_level}\n"
        server.prepare()
        self.exe = server.exe
        self.door = Running(self, server)
        self.door.start()
        self.pid = self.door.proc.pid
        self.client = Client(self, False)

    def state(self):
        """What must not grow: the listener's RSS and fds, its nsfs mounts."""
        self.door.settle()
        pid = self.pid
        mounts = Path(f"/proc/{pid}/mountinfo").read_text()
        return {"user_files": self.user_files_max,
                "rss_kb": vm_rss_kb(pid), "anon_kb": vm_rss_kb(pid, "RssAnon"),
                "file_kb": vm_rss_kb(pid, "RssFile"), "fds": len(os.listdir(f"/proc/{pid}/fd")),
                "nsfs": sum(" nsfs " in line for line in mounts.splitlines()),
                "procs": len(self.door.procs())}

    def login(self, src=None):
        # before the connection: the door refreshes its user cache when it
        # accepts it, so it sees at least this size
        self.note_user_files()
        opts = KEX + (["-b", src] if src else [])
        return subprocess.Popen(self.client.argv(self.door.port, "true", opts),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

    def note_user_files(self):
        """The largest /etc/passwd + /etc/group seen so far: the door's user
        cache (userdb.c) holds a parsed copy, so its heap follows their size
        (a high-water mark: other work on the machine, such as the
        integration suite, adds and removes users)."""
        size = 0
        for f in USER_FILES:
            try:
                size += os.stat(f).st_size
            except OSError:
                pass
        self.user_files_max = max(self.user_files_max, size)

    def finish(self, proc, what):
        try:
            _, err = proc.communicate(timeout=self.args.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if proc.returncode != 0:
            self.problems.append(f"{what}: exit {proc.returncode}: {client_said(err, 200)}")
            self.save(f"client-{what.replace(' ', '-')}.txt", err.decode(errors="replace"))
            return False
        return True

    def save(self, name, text):
        """Keep TEXT as --save's DIR/NAME (a failed login's ssh -v output,
        the door's log)."""
        if self.args.save:
            Path(self.args.save).mkdir(parents=True, exist_ok=True)
            (Path(self.args.save) / name).write_text(text)

    def sequential(self, first, count):
        failed = 0
        for i in range(first, first + count):
            failed += not self.finish(self.login(), f"login {i + 1}")
            if (i + 1) % 1000 == 0:
                log(f"{i + 1} sequential logins, {failed} failed in this part, "
                    f"RSS {vm_rss_kb(self.pid)} kB")
        return failed

    def waves(self, count, wave, done=0):
        """count concurrent logins, wave at a time, after done of them."""
        failed = 0
        for start in range(done, done + count, wave):
            n = min(wave, done + count - start)
            procs = [self.login(f"127.0.0.{2 + j}") for j in range(n)]
            failed += sum(not self.finish(p, f"concurrent login {start + j + 1}")
                          for j, p in enumerate(procs))
            if (start + n) % 200 == 0 or start + n == done + count:
                log(f"{start + n} concurrent logins, {failed} failed")
        return failed

    def zombies(self):
        door = self.door.procs() | {self.pid}
        mine = os.getpid()
        return [(pid, ppid) for pid, ppid in ppid_table().items()
                if (ppid in door or ppid == mine) and proc_state(pid) == "Z"]

    def foreign_fallbackd_ns(self, before):
        """Mount namespaces that appeared since before, held by a process
        running the door's binary outside its cgroup."""
        door = self.door.procs()
        new = {ns: pids for ns, pids in all_mnt_ns().items() if ns not in before}
        return {ns: pids for ns, pids in new.items()
                if any(p not in door and exe_of(p) == self.exe for p in pids)}, len(new)

    def run(self):
        a = self.args
        self.start()
        # The first 100 logins: sequential ones and one wave of concurrent
        # ones, so that the listener's heap has seen a full wave when its
        # state is taken (a page touched once by the first burst stays
        # resident; it is not a leak).
        first_wave = min(a.wave, a.concurrent, 100)
        seq = min(100 - first_wave, a.logins)
        failed = self.sequential(0, seq)
        failed += self.waves(first_wave, a.wave)
        warm = seq + first_wave
        base = self.state()
        ns_before = set(all_mnt_ns())
        log(f"after the first {warm} logins: {base}")
        half = max(seq, a.logins // 2)
        failed += self.sequential(seq, half - seq)
        mid = self.state()
        log(f"after {half} sequential logins: {mid}")
        failed += self.sequential(half, a.logins - half)
        seq_end = self.state()
        log(f"after {a.logins} sequential logins: {seq_end}")
        # The concurrent phase in two halves: the listener's table of
        # connections (listener.c, a slot per live connection) has pages
        # touched by the most connections alive at once, which waves
        # overlapping on a loaded machine raise in the first waves; the
        # second half must add nothing.
        rest = a.concurrent - first_wave
        conc_half = (rest // 2) // max(1, a.wave) * a.wave
        failed += self.waves(conc_half, a.wave, first_wave)
        conc_mid = self.state()
        log(f"after {first_wave + conc_half} concurrent logins: {conc_mid}")
        failed += self.waves(rest - conc_half, a.wave, first_wave + conc_half)
        end = self.state()
        log(f"at the end: {end}")
        self.save("door.log", self.door.log.read_text(errors="replace"))
        # /etc/nologin is the host's: a test elsewhere on the machine (the
        # integration suite's rescue-policy tests) may create it for a
        # moment, and the door then rightly refuses the user.  Those logins
        # are reported, not counted as the door's failures.
        nologin = sum("because /etc/nologin exists" in line for line in
                      self.door.log.read_text(errors="replace").splitlines())
        if nologin:
            self.notes.append(f"{nologin} logins refused while /etc/nologin existed (made by "
                              "something else on the machine), not counted as failures")
            if nologin >= failed:
                self.problems = []      # so far only the failed logins, each refused
            failed = max(0, failed - nologin)
        if failed:
            self.problems.insert(0, f"{failed} of {a.logins + a.concurrent} logins failed")
            # The door's refusals and errors.
            text = self.door.log.read_text(errors="replace").splitlines()
            said = [line for line in text
                    if re.search(r"(?i)refus|penalt|error|fatal|drop|signal|killed|not allowed",
                                 line)]
            self.problems += [f"door log: {line}" for line in said[-20:]]
        if abs(end["rss_kb"] - base["rss_kb"]) > a.rss_slack_kb:
            said = (f"listener RSS {base['rss_kb']} kB after {warm} logins, {end['rss_kb']} kB "
                    f"at the end (slack {a.rss_slack_kb} kB)")
            if end["user_files"] > base["user_files"]:
                self.notes.append(f"{said}, while /etc/passwd and /etc/group grew to a new "
                                  f"largest size ({base['user_files']} to "
                                  f"{end['user_files']} bytes): the user cache's high-water "
                                  "mark, not counted as a leak")
            else:
                self.problems.append(said)
        for before, after, what in ((mid, seq_end, f"from {half} to {a.logins} sequential "
                                     "logins"),
                                    (conc_mid, end, "over the second half of the concurrent "
                                     "logins")):
            if after["anon_kb"] - before["anon_kb"] <= PLATEAU_SLACK_KB:
                continue
            if after["user_files"] > before["user_files"]:
                self.notes.append(f"the listener's anonymous memory grew {what} "
                                  f"({before['anon_kb']} to {after['anon_kb']} kB) while "
                                  f"/etc/passwd and /etc/group grew to a new largest size "
                                  f"({before['user_files']} to {after['user_files']} bytes, "
                                  "users added by other work on the machine): the user "
                                  "cache's high-water mark, not counted as a leak")
                continue
            self.problems.append(f"listener's anonymous memory still growing {what}: "
                                 f"{before['anon_kb']} kB, then {after['anon_kb']} kB")
        for key, what in (("fds", "open descriptors"), ("nsfs", "nsfs mounts"),
                          ("procs", "processes in the door's cgroup")):
            if end[key] != base[key]:
                self.problems.append(f"listener {what}: {base[key]} after {warm} logins, "
                                     f"{end[key]} at the end")
        zombies = self.zombies()
        if zombies:
            self.problems.append(f"zombies (pid, parent): {zombies[:10]}")
        door_ns = {mnt_ns(p) for p in self.door.procs()} - {None}
        if door_ns != {mnt_ns(self.pid)}:
            self.problems.append(f"the door's processes hold mount namespaces {door_ns}")
        leaked, new = self.foreign_fallbackd_ns(ns_before)
        if leaked:
            self.problems.append(f"mount namespaces held by fallbackd outside the door: {leaked}")
        return base, mid, end, new


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--logins", type=int, default=10000, help="sequential logins (10000)")
    ap.add_argument("--concurrent", type=int, default=1000, help="concurrent logins (1000)")
    ap.add_argument("--wave", type=int, default=50, help="concurrent logins at once (50)")
    ap.add_argument("--quick", action="store_true", help="500 sequential, 100 concurrent")
    ap.add_argument("--rss-slack-kb", type=int, default=32,
                    help="RSS difference allowed, kB (32: eight pages)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per login (30)")
    ap.add_argument("--log-level", help="the door's LogLevel (its default: INFO)")
    ap.add_argument("--save", metavar="DIR",
                    help="keep the door's log and each failed login's ssh -v output in DIR")
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN")
                    or str(REPO / "build" / "fallbackd"), help="fallbackd (build/fallbackd)")
    ap.add_argument("--root", default=str(REPO / "build" / "trixie-root"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.logins, args.concurrent = 500, 100
    if not 1 <= args.wave <= 250:
        raise SystemExit("--wave: 1 to 250 (one source address 127.0.0.N per login)")
    if os.geteuid() != 0:
        raise SystemExit("run as root: the door needs it, and a user is added")

    started = time.monotonic()
    soak = Soak(args)
    done = run_bench(soak, soak.run)
    if done is None:
        return 130
    (base, mid, end, new), left = done
    problems = soak.problems + left
    def rss(state):
        return (f"RSS {state['rss_kb']} kB (anonymous {state['anon_kb']}, file "
                f"{state['file_kb']}), {state['fds']} fds")
    print(f"soak: {args.logins} sequential + {args.concurrent} concurrent logins "
          f"(waves of {args.wave}) in {time.monotonic() - started:.0f} s; listener after "
          f"the first 100: {rss(base)}; after half the sequential ones: {rss(mid)}; at the "
          f"end: {rss(end)}; {new} mount namespaces new on the machine since then (the "
          "door's and fallbackd's checked above)")
    for note in soak.notes:
        print(f"note: {note}")
    if problems:
        for p in problems[:50]:
            print(f"FAIL: {p}")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
