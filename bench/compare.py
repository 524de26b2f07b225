#!/usr/bin/python3
"""fallbackd against OpenSSH's sshd, Dropbear and TinySSH, in one run: login
latency and server CPU per key exchange, concurrent logins, bulk throughput
and server CPU per cipher, memory (PSS) and binary size.

Every server (bench/servers.py: the same command lines and host keys as
bench/compare_faults.py, without the mount namespaces) runs on a free
127.0.0.1 port in a cgroup v2 of its own, so that its CPU is the cgroup's
cpu.stat usage_usec: the listener and everything it forks, whether the
listener reaps it or not (sshd's per-connection re-exec, PAM, the user's
shell).  Clients run outside the cgroups.  The user is the throwaway
fbdcompare (bench/servers.py; its own name, so that compare_faults.py or
soak.py running at the same time do not remove it), with an ed25519 key.

Sections (--sections, all by default):

  login       `ssh fbdcompare@127.0.0.1 true` with Debian 12's OpenSSH 9.2
              client, per key exchange: curve25519-sha256, its default
              sntrup761x25519-sha512@openssh.com, and mlkem768x25519-sha256
              from OpenSSH 10 in the Debian 13 root mk/trixie-root.sh makes
              (build/trixie-root; left out without it).  -n timed logins per
              server and exchange after --warmup, the servers in a rotating
              order each round; each login must report the exchange asked
              for (ssh -v).  A server that offers no exchange in common is
              "n/a".  Median and p90 wall time; server CPU per login (the
              cgroup's usage across the login, read once the connection's
              processes are gone).
  concurrent  8 clients, each making 20 logins one after the other (-c),
              all from 127.0.0.1, curve25519: logins ok and failed, and
              logins per second over the whole wall time.
  throughput  per cipher (aes128-gcm@openssh.com, chacha20-poly1305@
              openssh.com, aes128-ctr, each with the MAC the client and the
              server negotiate), --size-mib (1024) of zeros up (the session
              runs `echo go; exec wc -c`; once "go" arrives the bench writes
              the bytes to the client's stdin, and wc's count must match)
              and down (the session runs `head -c N /dev/zero`; the bench
              counts what the client prints), timed from "go" or the first
              byte to the last, so the login is not: MB/s and server CPU
              seconds per GiB (the server's head or wc included); --rounds
              (3) rounds, the servers in a rotating order, the median of
              each.
  memory      PSS (/proc/PID/smaps_rollup) of the idle listener's processes,
              and what --sessions (4) idle sessions (`exec sleep 600`) add to
              the server's processes' PSS, per session (the sleep itself
              not counted).
  size        the executables a login runs (fallbackd; sshd; dropbear;
              tcpserver and tinysshd) plus the shared libraries ldd lists
              for them; libraries loaded later with dlopen (PAM modules, NSS)
              are not counted.

Prints one markdown table: a row per measure, a column per server, each
cell the absolute number and, for the other servers, its ratio to sshd's.

A benchmark, not a test: run it by hand or with `make bench`, as root,
with Debian's python, after `sh bench/deps.sh` (see bench/README.md):

    /usr/bin/python3 bench/compare.py [-n 30] [--servers fallbackd,sshd]
        [--sections login,memory] [--size-mib 256] [--out FILE]
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import (REPO, SERVERS, BenchBase, cgroup2_root, cgroup_cpu_usec,  # noqa: E402
                     client_said, emit, log, run, run_bench, short)
from fbdbase import LOCALHOST, NO_MUX_OPTS, SSH_OPTS, free_port  # noqa: E402

KEXES = ["curve25519-sha256", "sntrup761x25519-sha512@openssh.com", "mlkem768x25519-sha256"]
NEW_CLIENT_KEX = "mlkem768x25519-sha256"    # only the Debian 13 client has it
CIPHERS = ["aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr"]
SECTIONS = ["login", "concurrent", "throughput", "memory", "size"]
NO_COMMON = re.compile(rb"no matching (key exchange method|cipher|MAC)")
ROOT_KEY = "/tmp/fbd-bench-compare-key"     # the client key inside the Debian 13 root


def listening(port):
    """Whether something listens on 127.0.0.1:port (/proc/net/tcp)."""
    want = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == want and fields[3] == "0A":
            return True
    return False


def pss_kb(pid):
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    m = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else 0


def comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


class Running:
    """One server started in its own cgroup; the "case" of bench/servers.py
    (port, dir, config)."""

    def __init__(self, bench, server):
        self.bench, self.server = bench, server
        self.dir = server.dir / "run"
        self.dir.mkdir(mode=0o755)
        self.config = self.dir / "config"
        self.log = self.dir / "server.log"
        self.cg = bench.cgroot / f"fbd-bench-{os.getpid()}-{server.key}"
        self.port = None
        self.proc = None
        self.idle = set()           # the listener's own processes

    def start(self, timeout=10):
        self.port = free_port()
        self.config.write_text(self.server.config_text(self))
        os.chmod(self.config, 0o644)
        self.cg.mkdir()
        # The shell enters the cgroup, then becomes the server: nothing the
        # server forks can start outside it.
        argv = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.cg),
                *map(str, self.server.argv(self, "stderr"))]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout
        while not listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.server.title} did not start: "
                                   f"{short(self.log.read_text(errors='replace'), 400)}")
            time.sleep(0.02)
        time.sleep(0.3)
        self.idle = self.procs()

    def procs(self):
        try:
            return {int(p) for p in (self.cg / "cgroup.procs").read_text().split()}
        except OSError:
            return set()

    def log_tail(self, n=600):
        return self.log.read_text(errors="replace")[-n:]

    def cpu_usec(self):
        return cgroup_cpu_usec(self.cg)

    def settle(self, timeout=10):
        """Wait until only the listener's own processes are left (then
        the server is ready for the next measurement)."""
        self.server.before_use()
        deadline = time.monotonic() + timeout
        while self.procs() - self.idle and time.monotonic() < deadline:
            time.sleep(0.005)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                pass
        try:
            (self.cg / "cgroup.kill").write_text("1")
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                self.cg.rmdir()
                break
            except OSError:
                time.sleep(0.05)
        self.proc = None


class Client:
    """The OpenSSH client to log in with: Debian 12's, or Debian 13's run in
    its root (chroot)."""

    def __init__(self, bench, new):
        self.prefix = ["chroot", str(bench.args.root), "ssh"] if new else ["ssh"]
        self.key = ROOT_KEY if new else str(bench.client_key)
        self.user = bench.user

    def argv(self, port, command, opts=()):
        return [*self.prefix, *SSH_OPTS, *NO_MUX_OPTS, "-v", *opts, "-i", self.key,
                "-p", str(port), f"{self.user}@{LOCALHOST}", command]


def timed(argv, timeout, stdin=subprocess.DEVNULL, shell=False):
    start = time.perf_counter()
    res = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=timeout, shell=shell)
    return time.perf_counter() - start, res


def stats(values):
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return statistics.median(ms), p90


class Bench(BenchBase):
    def __init__(self, args):
        super().__init__(args.binary, "fbd-bench-compare-", "fbdcompare", "compare.py")
        self.args = args
        self.cgroot = cgroup2_root()
        self.running = {}               # key -> Running
        self.results = {}               # (row, server key) -> value, or a string
        self.notes = []
        self.macs = {}                  # cipher -> {server key: MAC negotiated}
        self.root_key = None

    def setup(self):
        super().setup()
        root = Path(self.args.root)
        if (root / "usr" / "bin" / "ssh").exists():
            self.root_key = root / ROOT_KEY.lstrip("/")
            shutil.copyfile(self.client_key, self.root_key)
            self.root_key.chmod(0o600)

    def cleanup(self):
        for r in self.running.values():
            r.stop()
        if self.root_key is not None:
            self.root_key.unlink(missing_ok=True)
        return super().cleanup()

    def put(self, row, key, value):
        self.results[(row, key)] = value

    # -- login

    def login_section(self, servers):
        args = self.args
        for kex in args.kex:
            new = kex == NEW_CLIENT_KEX
            if new and self.root_key is None:
                self.notes.append(f"{kex}: no Debian 13 root at {args.root} "
                                  "(mk/trixie-root.sh): not measured")
                continue
            client = Client(self, new)
            opts = ["-o", f"KexAlgorithms={kex}"]
            want = f"kex: algorithm: {kex}".encode()
            able = []
            for s in servers:
                r = self.running[s.key]
                _, res = timed(client.argv(r.port, "true", opts), args.timeout)
                if NO_COMMON.search(res.stderr):
                    why = "n/a"
                elif res.returncode != 0 or want not in res.stderr:
                    why = f"failed: exit {res.returncode}: {client_said(res.stderr, 80)}"
                else:
                    able.append(s)
                    continue
                for what in ("median ms", "p90 ms", "server CPU ms"):
                    self.put(f"login {kex} {what}", s.key, why)
            times = {s.key: [] for s in able}
            cpu = {s.key: 0 for s in able}
            fails = {s.key: 0 for s in able}
            last = {}
            for i in range(args.warmup + args.logins):
                k = i % max(1, len(able))
                for s in able[k:] + able[:k]:
                    r = self.running[s.key]
                    r.settle()
                    c0 = r.cpu_usec()
                    wall, res = timed(client.argv(r.port, "true", opts), args.timeout)
                    r.settle()
                    if i < args.warmup:
                        continue
                    if res.returncode != 0 or want not in res.stderr:
                        fails[s.key] += 1
                        last[s.key] = f"exit {res.returncode}: {client_said(res.stderr)}"
                        continue
                    times[s.key].append(wall)
                    cpu[s.key] += r.cpu_usec() - c0
            for s in able:
                n = len(times[s.key])
                if n == 0:
                    self.put(f"login {kex} median ms", s.key, "failed")
                    continue
                med, p90 = stats(times[s.key])
                self.put(f"login {kex} median ms", s.key, med)
                self.put(f"login {kex} p90 ms", s.key, p90)
                self.put(f"login {kex} server CPU ms", s.key, cpu[s.key] / n / 1000)
                if fails[s.key]:
                    self.notes.append(f"{s.title}, {kex}: {fails[s.key]} of "
                                      f"{args.logins} timed logins failed, the last: "
                                      f"{last[s.key]}")
            log(f"login {kex}: done")

    # -- concurrent

    def concurrent_section(self, servers):
        clients, each = self.args.concurrent
        client = Client(self, False)
        opts = ["-o", "KexAlgorithms=curve25519-sha256"]
        for s in servers:
            r = self.running[s.key]
            r.settle()
            ok, failed = [0], [0]
            lock = threading.Lock()

            def worker():
                for _ in range(each):
                    try:
                        _, res = timed(client.argv(r.port, "true", opts), self.args.timeout)
                        good = res.returncode == 0
                    except subprocess.TimeoutExpired:
                        good = False
                    with lock:
                        (ok if good else failed)[0] += 1
            threads = [threading.Thread(target=worker) for _ in range(clients)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - start
            r.settle()
            self.put("concurrent ok/fail", s.key, f"{ok[0]}/{failed[0]}")
            self.put("concurrent logins/s", s.key, ok[0] / wall)
        log("concurrent: done")

    # -- throughput

    def transfer(self, r, cipher, direction):
        """One transfer: (seconds, server CPU usec, MAC) or a string why
        not.  The clock runs from the session's first byte (down) or its
        "go" line (up) to the last byte, so the login is not timed; the
        server CPU is the cgroup's across the whole connection."""
        size = self.args.size_mib << 20
        command = "echo go; exec wc -c" if direction == "up" else f"head -c {size} /dev/zero"
        argv = Client(self, False).argv(r.port, command, ["-c", cipher])
        errfile = self.root / "transfer.err"
        r.settle()
        c0 = r.cpu_usec()
        with open(errfile, "wb") as err:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=err)
        try:
            got, wall = self.stream(proc, direction, size)
            proc.wait(self.args.timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        r.settle()
        used = r.cpu_usec() - c0
        err = errfile.read_bytes()
        if NO_COMMON.search(err):
            return "n/a"
        if proc.returncode != 0 or got != size:
            return (f"failed ({got} of {size} bytes, exit {proc.returncode}: "
                    f"{client_said(err, 80)})")
        m = re.search(rb"server->client cipher: \S+ MAC: (\S+)", err)
        return wall, used, m.group(1).decode() if m else "?"

    def stream(self, proc, direction, size):
        """Send or receive size bytes through the client: (bytes the
        other end counted, seconds)."""
        out, inp = proc.stdout.fileno(), proc.stdin
        deadline = time.monotonic() + self.args.timeout + size / 10e6
        if direction == "up":
            first = proc.stdout.readline()
            start = time.perf_counter()
            if first != b"go\n":
                return 0, 0.0
            chunk = bytes(1 << 20)
            try:
                for _ in range(size >> 20):
                    inp.write(chunk)
                inp.close()
            except BrokenPipeError:
                return 0, 0.0
            counted = proc.stdout.read().strip()
            return (int(counted) if counted.isdigit() else 0), time.perf_counter() - start
        inp.close()
        got, start = 0, None
        while time.monotonic() < deadline:
            data = os.read(out, 1 << 20)
            if not data:
                break
            if start is None:
                start = time.perf_counter()
            got += len(data)
        return got, time.perf_counter() - (start or 0)

    def throughput_section(self, servers):
        """--rounds rounds, the servers in a rotating order; the median of
        each server's rounds (MB/s and CPU per GiB separately)."""
        gib = self.args.size_mib / 1024
        rates, cpus, why = {}, {}, {}
        for rnd in range(self.args.rounds):
            for cipher in self.args.ciphers:
                for direction in ("up", "down"):
                    row = f"{cipher} {direction}"
                    k = rnd % len(servers)
                    for s in servers[k:] + servers[:k]:
                        if why.get((row, s.key)) == "n/a":
                            continue
                        got = self.transfer(self.running[s.key], cipher, direction)
                        if isinstance(got, str):
                            why[(row, s.key)] = got
                            continue
                        wall, used, mac = got
                        rates.setdefault((row, s.key), []).append(
                            (self.args.size_mib << 20) / wall / 1e6)
                        cpus.setdefault((row, s.key), []).append(used / 1e6 / gib)
                        if mac != "<implicit>":
                            self.macs.setdefault(cipher, {})[s.key] = mac
                    log(f"throughput round {rnd + 1}, {row}: done")
        for cipher in self.args.ciphers:
            for direction in ("up", "down"):
                row = f"{cipher} {direction}"
                for s in servers:
                    done = rates.get((row, s.key), [])
                    if not done:
                        self.put(f"{row} MB/s", s.key, why[(row, s.key)])
                        continue
                    self.put(f"{row} MB/s", s.key, statistics.median(done))
                    self.put(f"{row} CPU s/GiB", s.key, statistics.median(cpus[(row, s.key)]))
                    if len(done) < self.args.rounds:
                        self.notes.append(f"{s.title}, {row}: {self.args.rounds - len(done)} of "
                                          f"{self.args.rounds} transfers {why[(row, s.key)]}")

    # -- memory

    def memory_section(self, servers):
        for s in servers:
            try:
                self.memory_of(s)
            except RuntimeError as e:
                self.put("per-session PSS MB", s.key, "failed")
                self.notes.append(f"memory: {short(str(e), 300)}")
        log("memory: done")

    def memory_of(self, s):
        n = self.args.sessions
        client = Client(self, False)
        r = self.running[s.key]
        r.settle()
        idle = sum(pss_kb(p) for p in r.procs())
        self.put("idle listener PSS MB", s.key, idle / 1024)
        sessions = [subprocess.Popen(client.argv(r.port, "exec sleep 600"),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL) for _ in range(n)]
        try:
            deadline = time.monotonic() + 30
            while sum(comm(p) == "sleep" for p in r.procs()) < n:
                if time.monotonic() > deadline:
                    said = [p.poll() for p in sessions]
                    raise RuntimeError(f"{s.title}: {n} sessions did not start (clients' "
                                       f"exit: {said}; {short(r.log_tail(), 300)})")
                time.sleep(0.05)
            time.sleep(0.5)
            procs = [p for p in r.procs() if comm(p) != "sleep"]
            total = sum(pss_kb(p) for p in procs)
            self.put("per-session PSS MB", s.key, (total - idle) / n / 1024)
            self.put("processes per session", s.key,
                     f"{(len(procs) - len(r.idle)) / n:g}")
        finally:
            for p in sessions:
                p.kill()
                p.wait()

    # -- size

    def size_section(self, servers):
        for s in servers:
            files = set()
            for exe in s.executables():
                files.add(os.path.realpath(exe))
                res = run(["ldd", exe], check=False)
                for m in re.finditer(r"(/\S+) \(0x", res.stdout.decode()):
                    files.add(os.path.realpath(m.group(1)))
            total = sum(os.path.getsize(f) for f in files)
            self.put("binary + shared libs MB", s.key, total / 1e6)
            self.put("files", s.key, f"{len(files)}")


def cell(value, base):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    text = f"{value:.1f}" if value >= 10 or value == 0 else f"{value:.2f}"
    if isinstance(base, (int, float)) and base:
        text += f" ({value / base:.2f}x)"
    return text


def render(bench, servers, versions, elapsed):
    rows = list(dict.fromkeys(row for row, _ in bench.results))
    head = ["measure"] + [s.title for s in servers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        base = bench.results.get((row, "sshd"))
        cells = [row]
        for s in servers:
            value = bench.results.get((row, s.key))
            cells.append(cell(value, None if s.key == "sshd" else base))
        lines.append("| " + " | ".join(cells) + " |")
    out = lines + ["", "Ratios (in brackets) are to sshd's number in the same run."]
    for cipher, macs in bench.macs.items():
        out.append(f"MAC with {cipher}: " + ", ".join(f"{k} {v}" for k, v in macs.items()))
    out += bench.notes
    try:
        debian = "Debian " + Path("/etc/debian_version").read_text().strip()
    except OSError:
        debian = "not Debian"
    load = os.getloadavg()
    a = bench.args
    out += ["", "Versions: " + "; ".join(f"{s.title}: {versions[s.key]}" for s in servers),
            "", f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}, {elapsed:.0f} s, {debian}, "
            f"kernel {os.uname().release}, {os.cpu_count()} CPUs, load average at the end "
            f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {a.logins} logins per server and "
            f"exchange after {a.warmup} warm-up; {a.concurrent[0]}x{a.concurrent[1]} concurrent; "
            f"{a.size_mib} MiB per transfer, median of {a.rounds}; {a.sessions} idle sessions"]
    return "\n".join(out) + "\n"


def parse_list(text, known, what):
    chosen = [w.strip() for w in text.split(",") if w.strip()]
    for w in chosen:
        if w not in known:
            raise SystemExit(f"unknown {what} {w!r}; known: {', '.join(known)}")
    return chosen


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", default=",".join(SERVERS),
                    help=f"comma-separated, from {','.join(SERVERS)} (all)")
    ap.add_argument("--sections", default=",".join(SECTIONS),
                    help=f"comma-separated, from {','.join(SECTIONS)} (all)")
    ap.add_argument("-n", "--logins", type=int, default=30,
                    help="timed logins per server and key exchange (30)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed logins first (2)")
    ap.add_argument("--kex", default=",".join(KEXES), help="key exchanges (all three)")
    ap.add_argument("--ciphers", default=",".join(CIPHERS), help="ciphers (all three)")
    ap.add_argument("-c", "--concurrent", default="8x20",
                    help="CLIENTSxLOGINS: concurrent clients, logins each (8x20)")
    ap.add_argument("--size-mib", type=int, default=1024, help="MiB per transfer (1024)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="transfers per server, cipher and direction; the median counts (3)")
    ap.add_argument("--sessions", type=int, default=4, help="idle sessions for PSS (4)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds per login (30)")
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN")
                    or str(REPO / "build" / "fallbackd"), help="fallbackd (build/fallbackd)")
    ap.add_argument("--root", default=str(REPO / "build" / "trixie-root"),
                    help="Debian 13 root with OpenSSH 10 (build/trixie-root)")
    ap.add_argument("--out", help="also write the table there")
    args = ap.parse_args()
    args.servers = parse_list(args.servers, list(SERVERS), "server")
    args.sections = parse_list(args.sections, SECTIONS, "section")
    args.kex = parse_list(args.kex, KEXES, "key exchange")
    args.ciphers = parse_list(args.ciphers, CIPHERS, "cipher")
    m = re.fullmatch(r"(\d+)x(\d+)", args.concurrent)
    if not m:
        raise SystemExit("--concurrent: CLIENTSxLOGINS, e.g. 8x20")
    args.concurrent = (int(m.group(1)), int(m.group(2)))
    return args


def main():
    args = parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the servers need it, and a user is added")

    started = time.monotonic()
    bench = Bench(args)
    servers, versions = [], {}

    def body():
        for key in args.servers:
            server = SERVERS[key](bench)
            why = server.available()
            if why is not None:
                log(f"{server.title}: {why}: left out")
                continue
            server.prepare()
            versions[key] = server.version()
            running = Running(bench, server)
            bench.running[key] = running
            running.start()
            servers.append(server)
        for section in args.sections:
            try:
                getattr(bench, f"{section}_section")(servers)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                bench.notes.append(f"section {section} stopped: {short(str(e), 300)}")
                log(f"section {section} stopped: {e}")

    done = run_bench(bench, body)
    if done is None:
        return 130
    emit(render(bench, servers, versions, time.monotonic() - started), done[1], args.out)
    return 0

if __name__ == "__main__":
    sys.exit(main())
