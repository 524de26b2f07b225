#!/usr/bin/python3
"""Run fallbackd's fault matrix against OpenSSH's sshd, Dropbear and TinySSH.

For every server and every fault: a fresh server in its own private mount
namespace (tests/integration/faults.py: NsServer), on a free 127.0.0.1
port, with its own host key and config in a temporary directory; a
baseline login, which must work (else the cell is "setup failed" and the
fault counts neither way); the fault, applied inside that namespace only;
then a NEW login with the OpenSSH client running `echo ok-$((6*7))`, which
must print ok-42 within 10 s.  Faults 10 (flood) and 11 (signals) have
their own drivers, below.  Prints a markdown table: rows are the 11
faults, columns the servers, and a last row "passed N of 11".

A benchmark, not a test: run it by hand, as root, with Debian's python,
after `sh bench/deps.sh` (see bench/README.md):

    /usr/bin/python3 bench/compare_faults.py [-v] [--out FILE]
        [--servers fallbackd,sshd,dropbear,tinyssh] [--faults 1,4,10|NAME,...]

It adds a throwaway user (fbdbench, removed at the end) to log in as.
Every server, namespace, client and temporary file is removed at the end,
also after an error or ^C; the host's own files are never changed (every
fault is a mount in the server's namespace).
"""
import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The servers and the bench's user (servers.py), which put the tests'
# helpers that need only the standard library on the path; the
# server-agnostic fault injection.
from servers import (REPO, SERVERS, BenchBase, emit, end_my_tree, log,  # noqa: E402
                     run_bench, short)
import faults  # noqa: E402
from fbdbase import (COUNT, LOCALHOST, NO_MUX_OPTS, SSH_OPTS, BackgroundClient,  # noqa: E402
                     IdleFlood, counted, free_port, kill_pids, proc_state,
                     ssh_command, wait_state)

COMMAND = "echo ok-$((6*7))"
EXPECT = b"ok-42"
LOGIN_TIMEOUT = 10.0            # seconds for a whole login + command
FLOOD_SOURCES = [f"127.0.0.{i}" for i in range(2, 10)]
FLOOD_PER_SOURCE = 25           # 8 x 25 = 200 idle connections
FLOOD_LOGINS = 10
FLOOD_BUDGET = 2.0              # seconds a login under flood may take
FLOOD_KILL = 4.0                # a login still running then has failed anyway
FLOOD_MAX_ATTEMPTS = 40000      # re-opened flood connections, at most
# A flood connection without an answer after this long is re-opened: when a
# listener's accept queue overflows, Linux drops the client's final ACK and
# later forgets the connection, which the client (which never sends) keeps
# believing established; without a retry such a flood would hold fewer
# connections than it seems to, by chance.
FLOOD_RETRY = 2.0

SSH_BENCH_OPTS = SSH_OPTS + NO_MUX_OPTS

# The 11 faults of the issue, each with the variants of faults.FAULTS (or
# of the drivers here) that make it up.  A fault passes when every variant
# passes.
FAULT_ROWS = [
    (1, "own binary replaced (garbage; another executable)",
     ["binary-garbage", "binary-other-exe"]),
    (2, "/usr/sbin/sshd and sshd-session replaced", ["sshd-replaced"]),
    (3, "libcrypto.so.3, libssl.so.3 garbage", ["libcrypto-libssl-garbage"]),
    (4, "libc.so.6 garbage (a working shell needed)", ["libc-garbage"]),
    (5, "libnss_\\*, libpam\\*, PAM modules replaced", ["nss-pam-garbage"]),
    (6, "/run emptied", ["run-emptied"]),
    (7, "/etc/passwd, /etc/group unreadable, missing, emptied, garbage",
     ["passwd-group-unreadable", "passwd-group-missing", "passwd-group-emptied",
      "passwd-group-garbage"]),
    (8, "half-written config + SIGHUP", ["config-half-written"]),
    (9, "log filesystem full (ENOSPC); /dev/log gone", ["log-fs-full", "devlog-gone"]),
    (10, "200 idle connections from 127.0.0.2-9; 10 logins, 2 s each", ["flood"]),
    (11, "SIGHUP storm; kill -STOP/-CONT of the listener", ["sighup-storm", "stop-cont"]),
]
VARIANTS = [v for _, _, vs in FAULT_ROWS for v in vs]
ROW_OF = {v: n for n, _, vs in FAULT_ROWS for v in vs}


class SetupFailed(Exception):
    """The server could not be started, or the baseline login failed."""



def banner(port, timeout=1.0):
    """The first bytes the server sends on a new connection (b"" if none)."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=timeout) as s:
            s.settimeout(timeout)
            return s.recv(64)
    except OSError:
        return b""


# Log lines about the flood's sources, or the flood's own connections.
NOISE = re.compile(r"127\.0\.0\.[2-9]\b|unable to receive hello-string|Connection from ")
TELLING = re.compile(r"(?i)error|fail|fatal|missing|not exist|nonexistent|terminat|bad |invalid|"
                     r"refus|denied|unable|warning|not found|cannot|can't")


def clean_line(line):
    line = re.sub(r"^<\d+>", "", line)                                 # syslog priority
    line = re.sub(r"^\[\d+\] \w{3} +\d+ [\d:]+ ", "", line)            # dropbear -E
    line = re.sub(r"^\w{3} +\d+ [\d:]+ (\S+: )?", "", line)            # syslog header
    line = re.sub(r"^tinysshd: \w+: ", "tinysshd: ", line)              # connection id
    return re.sub(r"\s*\{[\w.]+:\d+\}$", "", line).strip()          # source position


def telling_line(text, fallback=True):
    """The log line that best says why: the last error-like line that is
    not about the flood, else (with fallback) the last line."""
    lines = [clean_line(line) for line in text.splitlines()
             if line.strip() and not NOISE.search(line)]
    telling = [line for line in lines if TELLING.search(line)]
    return (telling or (lines if fallback else []) or [None])[-1]


# ---------------------------------------------------------------- the client

@dataclass
class Login:
    argv: list
    rc: int = None
    stdout: bytes = b""
    stderr: bytes = b""
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def ok(self):
        return (not self.timed_out and self.rc == 0
                and EXPECT in self.stdout.splitlines())

    def symptom(self):
        """What the client saw, in a few words."""
        if self.ok:
            return f"ok in {self.seconds:.1f}s"
        if self.timed_out:
            return f"no answer within {self.seconds:.0f}s"
        err = [line for line in self.stderr.decode(errors="replace").splitlines()
               if line.strip() and "Permanently added" not in line]
        what = err[-1] if err else f"stdout {self.stdout[:80]!r}"
        what = re.sub(r"\bport \d+", "port PORT", what)
        return f"exit {self.rc}: {short(what, 110)}"


def background_ssh(bench, port, command=COMMAND, src=None):
    """An OpenSSH client in the background (a login, a session, or a login
    that waits on a stopped listener) as the bench's user; always ended."""
    return BackgroundClient(ssh_command(port, bench.user, [bench.client_key], command,
                                        opts=["-b", src] if src else [], base=SSH_BENCH_OPTS))


def login(bench, port, timeout=LOGIN_TIMEOUT, command=COMMAND, src=None):
    start = time.monotonic()
    client = background_ssh(bench, port, command, src)
    rc, out, err, timed_out = client.finish(timeout)
    return Login(client.argv, rc, out, err, time.monotonic() - start, timed_out)



# ---------------------------------------------------------------- one case

@dataclass
class Result:
    server: str
    variant: str
    status: str                     # "ok", "FAIL", "setup"
    reason: str = ""
    seconds: float = 0.0
    detail: str = ""                # for -v and fallbackd's failure report


class Case:
    """One server started for one fault variant."""

    def __init__(self, bench, server, variant):
        self.bench, self.server, self.variant = bench, server, variant
        self.dir = Path(tempfile.mkdtemp(prefix=f"{server.key}-{variant}-", dir=server.dir))
        os.chmod(self.dir, 0o755)
        self.config = self.dir / "config"
        self.port = None
        self.mode = {"log-fs-full": "logfs", "devlog-gone": "syslog"}.get(variant, "stderr")
        self.ctx = faults.Ctx(scratch=self.dir / "scratch", binary=server.binary(),
                              config=self.config, log_name="server.log")
        self.host_log = self.dir / "server.log"
        self.ns = None
        self.pid = None
        self.clients = []

    # -- the server

    def start(self, timeout=10):
        last = ""
        for _ in range(3):
            self.port = free_port()
            self.config.write_text(self.server.config_text(self))
            os.chmod(self.config, 0o644)
            prep = faults.log_mode_prep(self.ctx, self.mode, self.host_log)
            out_path = {"logfs": self.dir / "stdout-before-prep.log",
                        "syslog": self.dir / "stderr.log"}.get(self.mode, self.host_log)
            argv = self.server.argv(self, self.mode)
            with open(out_path, "ab") as out:
                self.ns = faults.NsServer(argv, prep=prep, stdout=out, stderr=out)
                try:
                    self.pid = self.ns.start(exe=self.server.exe, timeout=timeout)
                except faults.FaultError as e:
                    last = f"{e}: {short(self.log_text(), 300)}"
                    self.end_server()
                    continue
            if self.wait_ready(timeout):
                return
            last = f"no SSH banner on port {self.port}: {short(self.log_text()[-600:], 300)}"
            self.end_server()
        raise SetupFailed(f"server did not start: {last}")

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            if banner(self.port).startswith(b"SSH-"):
                return True
            time.sleep(0.05)
        return False

    def alive(self):
        return self.ns is not None and self.ns.proc is not None and self.ns.proc.poll() is None

    def exit_note(self):
        """How the listener ended, if it did."""
        if self.alive() or self.ns is None or self.ns.proc is None:
            return ""
        rc = self.ns.proc.returncode
        how = f"killed by {signal.Signals(-rc).name}" if rc < 0 else f"exit {rc}"
        return f"listener gone ({how})"

    def log_path(self):
        if self.mode == "logfs" and self.pid:
            return faults.ctx_log_path(self.ctx, self.pid)
        return self.host_log

    def log_text(self, since=0):
        for path in [self.log_path(), self.dir / "stderr.log", self.dir / "stdout-before-prep.log"]:
            try:
                with open(path, "rb") as f:
                    f.seek(since)
                    # (the full log of fault 9 ends in the zeros that filled it)
                    return f.read().replace(b"\0", b"").decode(errors="replace")
            except OSError:
                continue
        return ""

    def log_mark(self):
        try:
            return os.stat(self.log_path()).st_size
        except OSError:
            return 0

    def stop(self):
        for client in self.clients:
            client.kill()
        self.end_server()
        if self.ctx.syslog is not None:
            self.ctx.syslog.close()
            self.ctx.syslog = None

    def end_server(self):
        """SIGTERM the listener (after SIGCONT: it may be stopped), give it
        3 s, then SIGKILL everything left in the bench's process tree: the
        listener, its connections and sessions, whatever they left behind
        (all of it is ours: see become_subreaper).  faults.NsServer.stop is
        not used: it kills by namespace id after the server is gone."""
        proc = self.ns.proc if self.ns is not None else None
        if proc is None:
            return
        if proc.poll() is None:
            kill_pids([self.pid or proc.pid], signal.SIGCONT)
            kill_pids([self.pid or proc.pid], signal.SIGTERM)
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                pass
        killed = end_my_tree([proc])
        if killed and self.bench.args.verbose:
            log(f"    {self.server.key} {self.variant}: {killed} processes killed at the end")
        self.ns.proc = None

    # -- logins

    def login(self, **kw):
        return login(self.bench, self.port, **kw)

    def describe(self, lg, mark, with_log=True):
        """Footnote text for a failed login: the client's symptom, the
        listener's fate, the telling server log line since mark."""
        parts = [lg.symptom()]
        note = self.exit_note()
        if note:
            parts.append(note)
        # When the listener is gone, that is the news; a log line only if it
        # says more (the last line is then usually a session's normal end).
        line = telling_line(self.log_text(mark), fallback=not note) if with_log else None
        if line:
            line = line.replace(f"{self.dir}/", "")       # the case's own files
            parts.append(f"log: {short(line, 130)}")
        return "; ".join(parts)

    def details(self, lg, mark, what="new login"):
        return (f"{what}: {shlex.join(lg.argv)}\n"
                f"expected: exit 0 and a line ok-42 within {LOGIN_TIMEOUT:.0f}s\n"
                f"actual: exit {lg.rc}, timed out {lg.timed_out}, {lg.seconds:.2f}s, "
                f"stdout {lg.stdout[-300:]!r}, stderr {lg.stderr[-600:]!r}\n"
                f"listener: {self.exit_note() or 'alive'}\n"
                f"server log since the fault:\n{self.log_text(mark)[-3000:]}")


def run_case(bench, server, variant):
    """One fault variant on a fresh server -> Result."""
    start = time.monotonic()
    case = Case(bench, server, variant)
    res = Result(server.key, variant, "setup")
    try:
        case.start()
        base = case.login()
        if not base.ok:
            raise SetupFailed(f"baseline login failed: {case.describe(base, 0)}")
        if variant == "flood":
            flood_driver(case, res)
        elif variant == "sighup-storm":
            sighup_storm_driver(case, res)
        elif variant == "stop-cont":
            stop_cont_driver(case, res)
        else:
            fault_driver(case, res)
    except SetupFailed as e:
        res.status, res.reason = "setup", str(e)
        res.detail = f"{e}\nserver log:\n{case.log_text()[-3000:]}"
    except faults.FaultError as e:
        res.status, res.reason = "setup", f"fault not applied: {short(str(e), 200)}"
        res.detail = str(e)
    finally:
        case.stop()
        shutil.rmtree(case.dir, ignore_errors=True)
    res.seconds = time.monotonic() - start
    return res


def fault_driver(case, res):
    """Faults 1-9: apply, then one new login."""
    if case.variant == "config-half-written":
        case.ctx.config_half = case.server.half_config(case)
    mark = case.log_mark()
    faults.apply(case.variant, case.pid, case.ctx)
    if case.variant == "config-half-written":
        time.sleep(1)           # let the reload (or the restart) happen
    lg = case.login()
    if lg.ok:
        res.status, res.reason = "ok", lg.symptom()
    else:
        res.status, res.reason = "FAIL", case.describe(lg, mark)
    res.detail = case.details(lg, mark)


# ---------------------------------------------------------------- fault 10

class Flood(IdleFlood):
    """FLOOD_PER_SOURCE idle connections from each of FLOOD_SOURCES, every
    one the server closes re-opened at once (by a thread, every 0.1 s), at
    most FLOOD_MAX_ATTEMPTS times."""

    def __init__(self, port):
        self.closed = 0
        self.abandoned = 0
        super().__init__(port, FLOOD_SOURCES, FLOOD_PER_SOURCE)

    def tick(self):
        """Re-open what the server closed, or left unanswered (FLOOD_RETRY)."""
        now = time.monotonic()
        with self.lock:
            for i, c in enumerate(self.slots):
                if c.poll() == "waiting" and now - c.opened > FLOOD_RETRY:
                    c.close()       # no answer: in the backlog, or lost (see FLOOD_RETRY)
                    self.abandoned += 1
                elif c.state == "closed":
                    self.closed += 1
                else:
                    continue
                if self.attempts < FLOOD_MAX_ATTEMPTS:
                    self.slots[i] = self.open(c.src)

    def wait_steady(self, least=3.0, still=2.0, most=15.0):
        """Wait until the number of connections the server holds (that got
        its banner) has not grown for `still` seconds (at least `least`,
        at most `most` seconds in all); returns it."""
        start = time.monotonic()
        best, since = -1, start
        while True:
            now = time.monotonic()
            served = self.counts()["served"]
            if served > best:
                best, since = served, now
            if (now - start >= least and now - since >= still) or now - start >= most:
                return served
            time.sleep(0.1)



def flood_driver(case, res):
    """Fault 10: 200 idle connections from 127.0.0.2-9, re-opened when
    closed; then 10 logins from 127.0.0.1, one after the other, each must
    print ok-42 within 2 s."""
    mark = case.log_mark()
    flood = Flood(case.port)
    try:
        flood.start()
        flood.wait_steady()
        before = flood.counts()
        logins = [case.login(timeout=FLOOD_KILL) for _ in range(FLOOD_LOGINS)]
        after = flood.counts()
    finally:
        flood.close()
    good = [lg for lg in logins if lg.ok and lg.seconds <= FLOOD_BUDGET]
    times = " ".join(f"{lg.seconds:.1f}" if lg.ok else "x" for lg in logins)
    shown = "seconds, x = failed: " + times if any(lg.ok for lg in logins) else "all failed"
    summary = f"{len(good)} of {FLOOD_LOGINS} logins within {FLOOD_BUDGET:.0f}s"
    held = (f"the flood ({flood.attempts} connections opened) held {after['served']} "
            f"connections that got a banner, {after['waiting']} more waiting for one")
    bad = next((lg for lg in logins if not lg.ok or lg.seconds > FLOOD_BUDGET), None)
    if bad is None:
        res.status, res.reason = "ok", f"{summary} (seconds: {times}); {held}"
        res.detail = f"before the logins: {before}; after: {after}"
    else:
        res.status = "FAIL"
        res.reason = (f"{summary} ({shown}); first failure: "
                      f"{case.describe(bad, mark, with_log=False)}; {held}")
        res.detail = (f"before the logins: {before}; after: {after}\n"
                      + case.details(bad, mark, "login under flood"))


# ---------------------------------------------------------------- fault 11

def start_session(case, n=15):
    """A session that streams n lines, 0.2 s apart; returns it once the
    first line has arrived."""
    sess = background_ssh(case.bench, case.port, COUNT.format(n=n))
    case.clients.append(sess)
    if not sess.read_until(b"1\n", 10):
        rc, out, err, _ = sess.finish(1)
        raise SetupFailed(f"the streaming session did not start: exit {rc}, "
                          f"{short(err.decode(errors='replace'), 200)}")
    return sess


def check_session(sess, n, problems):
    rc, out, err, timed_out = sess.finish(15)
    if timed_out or rc != 0 or out != counted(n):
        got = out.decode(errors="replace").split()
        problems.append(f"open session cut: exit {rc}, {len(got)} of {n} lines"
                        + (f" ({short(err.decode(errors='replace'), 80)})" if err.strip() else ""))


def sighup_storm_driver(case, res):
    """Fault 11a: while a session streams output, 200 SIGHUPs as fast as
    they can be sent and 100 more 5 ms apart to the listener; the session's
    output must arrive whole, and a new login must work."""
    mark = case.log_mark()
    sess = start_session(case)
    sent = 0
    for i in range(300):
        try:
            os.kill(case.pid, signal.SIGHUP)
        except ProcessLookupError:
            break
        sent += 1
        if i >= 200:
            time.sleep(0.005)
    problems = []
    check_session(sess, 15, problems)
    time.sleep(0.5)
    lg = case.login()
    if not lg.ok:
        problems.append(f"new login: {case.describe(lg, mark)}")
        res.detail = case.details(lg, mark)
    elif case.exit_note():
        problems.append(case.exit_note())
    if sent < 300:
        problems.append(f"the listener was gone after {sent} SIGHUPs")
    res.status = "FAIL" if problems else "ok"
    res.reason = "; ".join(problems) or f"{sent} SIGHUPs; session whole; {lg.symptom()}"


def stop_cont_driver(case, res):
    """Fault 11b: kill -STOP the listener for 1.5 s while a session streams
    output and a new login waits; after kill -CONT the session's output must
    be whole, the waiting login must complete, and a new one must work."""
    mark = case.log_mark()
    sess = start_session(case)
    problems = []
    os.kill(case.pid, signal.SIGSTOP)
    try:
        if not wait_state(case.pid, "T"):
            raise SetupFailed(f"listener not stopped (state {proc_state(case.pid)})")
        waiting = background_ssh(case.bench, case.port)
        case.clients.append(waiting)
        time.sleep(1.5)
        early = waiting.proc.poll()
    finally:
        os.kill(case.pid, signal.SIGCONT)
    wait_state(case.pid, "RSD")
    rc, out, err, timed_out = waiting.finish(LOGIN_TIMEOUT)
    if early is not None:
        problems.append(f"the login during the stop ended before CONT (exit {early})")
    elif timed_out or rc != 0 or EXPECT not in out.splitlines():
        pending = Login(waiting.argv, rc, out, err, LOGIN_TIMEOUT, timed_out)
        problems.append(f"login waiting during the stop: {case.describe(pending, mark)}")
        res.detail = case.details(pending, mark, "login waiting during the stop")
    check_session(sess, 15, problems)
    lg = case.login()
    if not lg.ok:
        problems.append(f"new login after CONT: {case.describe(lg, mark)}")
        res.detail = case.details(lg, mark)
    res.status = "FAIL" if problems else "ok"
    res.reason = "; ".join(problems) or f"session whole; waiting login served; {lg.symptom()}"


# ---------------------------------------------------------------- the bench

class Bench(BenchBase):
    def __init__(self, args, user="fbdbench", script="compare_faults.py"):
        super().__init__(args.binary, "fbd-compare-", user, script)
        self.args = args
        self.servers = []
        self.host_mounts = Path("/proc/self/mountinfo").read_text()

    def cleanup(self):
        problems = super().cleanup()
        now = Path("/proc/self/mountinfo").read_text()
        if now != self.host_mounts:
            problems.append("the bench's own mount table changed (a fault mount leaked?)")
        return problems

def parse_selection(text, known, what):
    chosen = []
    for word in filter(None, (w.strip() for w in text.split(","))):
        if word.isdigit() and what == "fault":
            row = [vs for n, _, vs in FAULT_ROWS if n == int(word)]
            if not row:
                raise SystemExit(f"no fault {word} (1-11)")
            chosen += row[0]
        elif word in known:
            chosen.append(word)
        else:
            raise SystemExit(f"unknown {what} {word!r}; known: {', '.join(known)}")
    return list(dict.fromkeys(chosen))


def merge_reasons(results, name_variants):
    """"v1, v2: reason; v3: other reason": variants whose reasons differ
    only in numbers (ports, pids, times) share one."""
    groups = {}
    for r in results:
        key = re.sub(r"\d+(\.\d+)?", "N", r.reason)
        groups.setdefault(key, [r.reason, []])[1].append(r.variant)
    if not name_variants:
        return "; ".join(reason for reason, _ in groups.values())
    return "; ".join(f"{', '.join(names)}: {reason}" for reason, names in groups.values())


def render(results, servers, variants, versions, elapsed):
    """The markdown report: the 11-row table, its footnotes, the variants."""
    by = {(r.server, r.variant): r for r in results}
    notes = []

    def note(text):
        notes.append(text)
        return f"[{len(notes)}]"

    head = ["fault"] + [s.title for s in servers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    passed = {s.key: 0 for s in servers}
    judged = {s.key: 0 for s in servers}
    for n, title, vs in FAULT_ROWS:
        vs = [v for v in vs if v in variants]
        if not vs:
            continue
        cells = [f"{n}. {title}"]
        for s in servers:
            rs = [by[(s.key, v)] for v in vs if (s.key, v) in by]
            if len(rs) < len(vs):
                cells.append("not run")
                continue
            failed = [r for r in rs if r.status == "FAIL"]
            setup = [r for r in rs if r.status == "setup"]
            if failed:
                judged[s.key] += 1
                cells.append("FAIL " + note(f"{s.title}, fault {n}: "
                                            + merge_reasons(failed, len(vs) > 1)))
            elif setup:
                text = merge_reasons(setup, True)
                cells.append("setup failed " + note(f"{s.title}, fault {n}: {text}"))
            else:
                judged[s.key] += 1
                passed[s.key] += 1
                cells.append("ok")
        lines.append("| " + " | ".join(cells) + " |")
    nfaults = len({ROW_OF[v] for v in variants})
    lines.append("| **passed** | " + " | ".join(
        f"**{passed[s.key]} of {nfaults}**" + ("" if judged[s.key] == nfaults else
                                               f" ({nfaults - judged[s.key]} not judged)")
        for s in servers) + " |")
    out = lines + [""] + [f"{i}. {text}" for i, text in enumerate(notes, 1)]

    out += ["", "By variant (each on a fresh server):", ""]
    head = ["variant"] + [s.title for s in servers]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for v in variants:
        cells = [f"{ROW_OF[v]}: {v}"]
        for s in servers:
            r = by.get((s.key, v))
            cells.append("not run" if r is None else
                         {"ok": "ok", "FAIL": "FAIL", "setup": "setup failed"}[r.status])
        out.append("| " + " | ".join(cells) + " |")
    try:
        debian = "Debian " + Path("/etc/debian_version").read_text().strip()
    except OSError:
        debian = "not Debian"
    out += ["", "Versions: " + "; ".join(f"{s.title}: {versions[s.key]}" for s in servers),
            "", f"Run: {time.strftime('%Y-%m-%d %H:%M %Z')}, {elapsed:.0f} s, {debian}, "
            f"kernel {os.uname().release}"]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", default=",".join(SERVERS),
                    help=f"comma-separated, from {','.join(SERVERS)} (all)")
    ap.add_argument("--faults", default="",
                    help="comma-separated fault numbers (1-11) or variant names "
                         f"({', '.join(VARIANTS)}); all by default")
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN")
                    or str(REPO / "build" / "fallbackd"), help="fallbackd (build/fallbackd)")
    ap.add_argument("--out", help="also write the report to this file")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every case's result and, for failures, the details")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the servers run in mount namespaces, and a user is added")
    for tool in ("ssh", "ssh-keygen", "unshare", "nsenter", "useradd"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: run bench/deps.sh")
    if not os.access(faults.BUSYBOX, os.X_OK):
        raise SystemExit(f"{faults.BUSYBOX} not found (busybox-static): run bench/deps.sh")
    server_keys = parse_selection(args.servers, list(SERVERS), "server")
    variants = parse_selection(args.faults, VARIANTS, "fault") if args.faults else VARIANTS
    variants = [v for v in VARIANTS if v in variants]

    started = time.monotonic()
    bench = Bench(args)
    results, versions, servers = [], {}, []
    failed_fbd = []

    def body():
        for key in server_keys:
            server = SERVERS[key](bench)
            servers.append(server)
            why = server.available()
            if why is None:
                try:
                    server.prepare()
                    versions[key] = server.version()
                except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                    why = f"preparation failed: {short(str(e), 200)}"
            if why is not None:
                versions[key] = why
                results.extend(Result(key, v, "setup", why) for v in variants)
                log(f"{server.title}: {why}")
                continue
            for v in variants:
                r = run_case(bench, server, v)
                if r.status == "setup":
                    # Once more on a fresh server: a fault that shadows a
                    # directory fails when the directory changes meanwhile
                    # (useradd's /etc/*.lock files come and go).
                    log(f"{server.title:14} {ROW_OF[v]:>2} {v:26} setup failed, once more: "
                        f"{short(r.reason, 200)}")
                    r = run_case(bench, server, v)
                results.append(r)
                mark = {"ok": "ok", "FAIL": "FAIL", "setup": "SETUP FAILED"}[r.status]
                log(f"{server.title:14} {ROW_OF[v]:>2} {v:26} {mark:12} {r.seconds:5.1f}s"
                    + (f"  {r.reason}" if args.verbose or r.status != "ok" else ""))
                if args.verbose and r.detail:
                    log("    " + r.detail.replace("\n", "\n    "))
                if key == "fallbackd" and r.status != "ok":
                    failed_fbd.append(r)

    done = run_bench(bench, body)
    if done is None:
        return 130
    elapsed = time.monotonic() - started
    emit(render(results, servers, variants, versions, elapsed), done[1], args.out)
    if failed_fbd:
        print("\nfallbackd did not pass:", file=sys.stderr)
        for r in failed_fbd:
            print(f"--- {r.variant} ({r.status}): {r.reason}\n{r.detail}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
