"""A flood of idle unauthenticated connections must not lock the
administrator out (fair admission, fallbackd/listener/admission.h): each source
block is capped (PerSourceMaxStartups), random early drop only hits sources
that already have a connection waiting, and when MaxStartups full is
reached a newcomer evicts the oldest connection of the busiest source.
Refusals are logged at a bounded rate.  These are the rules by source
alone: the doors here set KexGraceTime 0, so that no connection gives way
for making no progress (test_admission_progress.py covers that).

The flooders are raw TCP sockets bound to other loopback addresses
(127.0.0.2 and up) that never send a byte; the server's answer tells their
fate: its "SSH-2.0-" banner means a connection process holds the socket,
a close without a byte means the listener refused it."""
import re
import select
import time

import pytest

from fbdtest import ALICE, LOCALHOST, IdleConn, IdleFlood, ssh, ssh_ok

LOGIN_BUDGET = 2.0          # seconds for a whole login + command


class Conn(IdleConn):
    """One idle flood connection from src to the door (state "waiting" ->
    "served" (banner seen) -> "closed"); what a server sends first must be
    its banner."""

    def __init__(self, door, src, blocking=False):
        super().__init__(src, door.port, blocking)

    def poll(self):
        """Update state from what the server sent; returns the state."""
        state = super().poll()
        assert self.banner is None or self.banner.startswith(b"SSH-2.0-"), self.banner
        return state

    def wait(self, timeout=5):
        """Block until the server has decided (banner or close)."""
        deadline = time.monotonic() + timeout
        while self.poll() == "waiting":
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"connection from {self.src}: no banner and no close in {timeout}s")
            select.select([self.sock], [], [], min(left, 0.1))
        return self.state


class Flood(IdleFlood):
    """per_source idle connections from each address in sources, held open.
    With start(), a thread re-opens every connection the server closed, so
    the door keeps seeing len(sources) * per_source connections."""

    def __init__(self, door, sources, per_source):
        self.door = door
        self.refused = 0            # closed without a byte
        self.dropped = 0            # closed after the banner
        self.max_held = {src: 0 for src in sources}
        super().__init__(door.port, sources, per_source)

    def connect(self, src):
        return Conn(self.door, src)

    def held(self):
        """{source: connections a connection process holds}."""
        out = {src: 0 for src in self.sources}
        for c in self.slots:
            if c.state == "served":
                out[c.src] += 1
        return out

    def scan(self, reopen):
        with self.lock:
            for i, c in enumerate(self.slots):
                before = c.state
                if c.poll() == "closed" and before != "closed":
                    if before == "served":
                        self.dropped += 1
                    else:
                        self.refused += 1
                if c.state == "closed" and reopen:
                    self.slots[i] = self.open(c.src)
            for src, n in self.held().items():
                self.max_held[src] = max(self.max_held[src], n)

    def settle(self, timeout=5):
        """Wait until the server has decided about every connection."""
        deadline = time.monotonic() + timeout
        while True:
            self.scan(reopen=False)
            if all(c.state != "waiting" for c in self.slots):
                return
            if time.monotonic() > deadline:
                pytest.fail(f"flood: {sum(c.state == 'waiting' for c in self.slots)} "
                            f"connections undecided after {timeout}s")
            time.sleep(0.05)

    def tick(self):
        self.scan(reopen=True)

    def stop(self):
        assert super().stop(), "flood thread hung"


def timed_login(door, key, src=None):
    """One OpenSSH login running `echo ok`; returns the seconds it took."""
    opts = ["-b", src] if src else []
    start = time.monotonic()
    res = ssh(door, ALICE, key, "echo ok", opts=opts, timeout=15)
    took = time.monotonic() - start
    if (res.returncode, res.stdout) != (0, b"ok\n"):
        # The flood's own lines would bury the login's.
        lines = [line for line in door.log().splitlines()
                 if not re.match(r"(Connection from|kex error from) 127\.0\.[0-9]+\.[0-9]+ ",
                                 line) or f" {src or LOCALHOST} " in line]
        pytest.fail(f"login from {src or LOCALHOST} failed: exit {res.returncode}, stderr "
                    f"{res.stderr.decode()!r}\nlog without the flood:\n" + "\n".join(lines))
    return took


def test_flood_200_idle_connections_admin_gets_in(make_door, key):
    """Default MaxStartups 10:30:100, PerSourceMaxStartups 10 (with
    KexGraceTime 0).  200 idle
    connections from 127.0.0.2-127.0.0.9 (25 each), re-opened as soon as the
    server closes them: no source ever holds more than 10, and 10
    successive logins from 127.0.0.1 each finish a command within 2 s."""
    door = make_door(KexGraceTime=0, authorize={ALICE: key})
    sources = [f"127.0.0.{i}" for i in range(2, 10)]
    flood = Flood(door, sources, 25)
    try:
        flood.settle()
        first = flood.held()
        assert all(1 <= n <= 10 for n in first.values()), first
        assert flood.refused >= 8 * 15, (flood.refused, first)

        flood.start()
        deadline = time.monotonic() + 10
        while not all(n >= 10 for n in flood.max_held.values()):
            assert time.monotonic() < deadline, f"flood never filled up: {flood.max_held}"
            time.sleep(0.05)
        times = [timed_login(door, key) for _ in range(10)]
        flood.stop()
        print(f"login times under flood: {[round(t, 2) for t in times]}, "
              f"{flood.attempts} flood connections")
        flood.scan(reopen=False)
        held = flood.held()
        assert all(t < LOGIN_BUDGET for t in times), \
            f"login times under flood: {[round(t, 2) for t in times]}"
        assert all(n <= 10 for n in flood.max_held.values()), flood.max_held
        # The premise: the flood held every source's whole share all along
        # (80 < MaxStartups full: nothing is evicted) ...
        assert all(n == 10 for n in held.values()), held
        assert flood.dropped == 0, flood.dropped
        # ... under constant pressure.
        assert flood.attempts > 400, flood.attempts
    finally:
        flood.close()
    log = door.log()
    assert len(re.findall(rf"Accepted publickey for {ALICE} from 127\.0\.0\.1 ", log)) == 10
    assert re.search(r"refused connection from 127\.0\.0\.[2-9] port \d+: (too many "
                     r"unauthenticated connections from this source \(PerSourceMaxStartups\)"
                     r"|past MaxStartups begin, random early drop)$", log, re.M), log[-3000:]
    assert not re.search(r"refused connection from 127\.0\.0\.1 ", log), log[-3000:]


@pytest.mark.parametrize("max_startups", ["40:30:40", "10:30:40"])
def test_full_evicts_oldest_of_busiest_source(make_door, key, max_startups):
    """MaxStartups full (40) reached by 12 flooding sources
    (PerSourceMaxStartups 5): each login from a fresh source succeeds within
    2 s, and costs exactly the oldest connection of the busiest source.

    With begin = full (40:30:40) nothing is refused below full, so the
    refusal log's budget (10 lines per 10 s) is still unspent and each
    eviction's log line, naming the victim's address, is checked too.
    With 10:30:40 random early drop refuses most flood connections on the
    way to full (those lines use up the budget)."""
    door = make_door(MaxStartups=max_startups, PerSourceMaxStartups=5, KexGraceTime=0,
                     authorize={ALICE: key})
    early_drop = not max_startups.startswith("40:")
    sources = [f"127.0.1.{i}" for i in range(1, 13)]
    conns = []              # every flood connection, in the order opened
    turn = [0]

    def attempt(src):
        conn = Conn(door, src, blocking=True)
        conns.append(conn)
        state = conn.wait()
        time.sleep(0.003)   # distinct accept times (ms) for the oldest-first rule
        if state == "closed":
            conns.remove(conn)
        return state

    def holding(expect=None):
        """The flood connections a connection process holds, oldest first
        (waiting until there are `expect`: a victim's close takes a moment)."""
        deadline = time.monotonic() + 3
        while True:
            held = [c for c in conns if c.poll() == "served"]
            if expect is None or len(held) == expect or time.monotonic() > deadline:
                return held
            time.sleep(0.02)

    def fill():
        """Flood round-robin until the door holds 40 (full)."""
        for tries in range(3000):
            held = holding()
            if len(held) == 40:
                return tries
            counts = {s: sum(c.src == s for c in held) for s in sources}
            src = sources[turn[0] % 12]
            turn[0] += 1
            if counts[src] < 5:
                state = attempt(src)
                # Below begin = full nothing is refused.
                assert early_drop or state == "served", f"{src} refused below full"
        pytest.fail(f"flood never filled the door: {len(holding())} held")

    try:
        fill()
        for n in range(5):
            held = holding(40)
            assert len(held) == 40
            counts = {s: sum(c.src == s for c in held) for s in sources}
            busiest = max(counts.values())
            assert busiest <= 5, counts
            victim = next(c for c in held if counts[c.src] == busiest)  # oldest first
            fresh = f"127.0.2.{n + 1}"
            mark = door.log_mark()
            took = timed_login(door, key, fresh)
            assert took < LOGIN_BUDGET, f"login {n} from {fresh} took {took:.2f}s"
            assert f"Accepted publickey for {ALICE} from {fresh} " in door.log(mark)
            if not early_drop:
                door.wait_for_log(rf"refused connection from {re.escape(victim.src)} port \d+: "
                                  r"oldest unauthenticated connection of the busiest source "
                                  r"closed to admit a new source \(MaxStartups full\)",
                                  since=mark)
            holding(39)     # the victim's process is killed, its socket closes
            closed = [c for c in held if c.poll() == "closed"]
            assert closed == [victim], (
                f"login from {fresh}: expected to evict the oldest connection from "
                f"{victim.src} (busiest, {busiest}); closed: {[c.src for c in closed]}")
            fill()          # full again for the next login

        # 20 more flood connections at full: flooders only displace each
        # other; the total stays at full, no source above 5.
        for i in range(20):
            attempt(sources[i % 12])
        held = holding(40)
        assert len(held) == 40
        assert max(sum(c.src == s for c in held) for s in sources) <= 5
        assert timed_login(door, key, "127.0.2.100") < LOGIN_BUDGET
    finally:
        for c in conns:
            c.close()


def test_refusal_log_is_rate_limited(make_door, key):
    """500 connections refused by AllowFrom: all closed without a byte, but
    at most 10 "refused connection" lines per 10 s window; the next refusal
    after the window logs how many were not logged."""
    door = make_door(AllowFrom="127.0.0.1/32", authorize={ALICE: key})
    start = time.monotonic()
    for i in range(500):
        conn = Conn(door, f"127.0.0.{2 + i % 8}", blocking=True)
        try:
            assert conn.wait() == "closed", f"connection {i} was served"
        finally:
            conn.close()
    elapsed = time.monotonic() - start
    lines = re.findall(r"^.*refused connection from .*$", door.log(), re.M)
    if elapsed < 9.5:       # all 500 inside the first window
        assert len(lines) == 10, (elapsed, lines)
    else:
        assert len(lines) <= 10 * (int(elapsed // 10) + 1), (elapsed, len(lines))
    assert ssh_ok(door, ALICE, key, "echo in") == "in\n"

    if elapsed >= 9.5:
        pytest.skip(f"500 refusals took {elapsed:.1f}s: the summary count is not exact")
    time.sleep(max(0.0, start + 10.5 - time.monotonic()))
    mark = door.log_mark()
    conn = Conn(door, "127.0.0.2", blocking=True)
    try:
        assert conn.wait() == "closed"
    finally:
        conn.close()
    door.wait_for_log(r"490 more refused connections were not logged\n"
                      r"(.*\n)?.*refused connection from 127\.0\.0\.2 port \d+: "
                      r"not in AllowFrom", since=mark)
