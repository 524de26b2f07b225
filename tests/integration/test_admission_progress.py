"""Admission by progress (fallbackd/listener/admission.c, issue 14): when a
source or the whole door is at its limit, a newcomer takes the place of a
connection that has not completed its key exchange KexGraceTime after it
was accepted, oldest first; a connection that completed its key exchange
is never closed for one that has not.

The flood connections are fbdbase's idle sockets (test_flood.py's Conn and
Flood): they never send a byte, so they never progress.  Logins must
succeed; how fast they are is bench/'s business, not a test's."""
import time

import pytest

from fbdtest import ALICE, LOCALHOST, exit_status, paramiko_transport, read_all
from test_flood import Conn, Flood, timed_login

GRACE = 1                   # KexGraceTime for these doors, seconds


def hold_idle(door, src, count):
    """count idle connections from src, opened at once; waits until the
    server decided about each (banner or close)."""
    conns = []
    try:
        for _ in range(count):
            conns.append(Conn(door, src))
        for c in conns:
            c.wait(timeout=60)
    except BaseException:
        close_all(conns)
        raise
    return conns


def close_all(conns):
    for c in conns:
        c.close()


@pytest.mark.parametrize("limits", [
    # The defaults: 127.0.0.1 holds PerSourceMaxStartups (10), the other 190
    # are refused; a login takes the place of one of the 10 (the source's
    # limit).
    {},
    # The door holds all 200 and the flood's 40 (MaxStartups full = 240):
    # a login takes the place of one of the 200 (the door's limit).
    {"PerSourceMaxStartups": "none", "MaxStartups": "240:30:240"},
], ids=["per-source-limit", "door-full"])
def test_admin_gets_in_past_200_idle_connections_from_its_own_address(make_door, key, limits):
    """200 idle connections from 127.0.0.1 (the administrator's own address)
    plus a flood from 127.0.0.2-9 that re-opens whatever the server closes:
    once the idle ones are older than KexGraceTime, 5 logins from
    127.0.0.1 each succeed.  The idle connections 127.0.0.1 held give way,
    oldest first, to the logins or to the flood's newcomers (which would
    otherwise be refused: random early drop, MaxStartups full)."""
    door = make_door(KexGraceTime=GRACE, authorize={ALICE: key}, **limits)
    per_source = 5 if limits else 25
    idle = []
    flood = None
    try:
        idle = hold_idle(door, LOCALHOST, 200)
        held = [c for c in idle if c.poll() == "served"]
        assert len(held) == (200 if limits else 10), len(held)
        flood = Flood(door, [f"127.0.0.{i}" for i in range(2, 10)], per_source)
        flood.settle(timeout=60)
        flood.start()
        time.sleep(GRACE + 0.5)     # every idle connection is stalled now
        for _ in range(5):
            timed_login(door, key)  # fails the test, with the log, unless it succeeds
        flood.stop()
        evicted = [c for c in held if c.poll() == "closed"]
        # One place is enough: each login leaves it again once authenticated.
        assert evicted, "no idle connection from 127.0.0.1 was closed"
    finally:
        if flood is not None:
            flood.close()
        close_all(idle)
    assert door.log().count(f"Accepted publickey for {ALICE} from {LOCALHOST} ") == 5


def test_a_keyed_connection_is_not_evicted_by_a_flood(make_door, key):
    """A paramiko Transport from 127.0.0.1 that completed its key exchange
    (and then waits, unauthenticated) is the oldest connection of the
    busiest source when the door is full (MaxStartups 8).  30 newcomers
    from fresh sources each take a place - never its: afterwards it still
    logs in and runs a command.  (The busiest-source rule alone would have
    closed it first.)"""
    door = make_door(KexGraceTime=GRACE, PerSourceMaxStartups="none", MaxStartups="8:30:8",
                     authorize={ALICE: key})
    transport = paramiko_transport(door)
    conns = []
    try:
        conns += hold_idle(door, LOCALHOST, 5)      # 127.0.0.1: 6, the busiest
        conns += hold_idle(door, "127.0.0.2", 2)    # 8: full
        assert all(c.state == "served" for c in conns)
        time.sleep(GRACE + 0.5)
        admitted = 0
        for i in range(30):
            newcomer = Conn(door, f"127.0.1.{i + 1}", blocking=True)
            conns.append(newcomer)
            admitted += newcomer.wait() == "served"
            assert transport.is_active(), f"the keyed connection was closed by newcomer {i}"
        assert admitted == 30, f"only {admitted} of 30 newcomers admitted at full"
        assert sum(c.poll() == "closed" for c in conns) >= 30, "nobody was evicted"
        transport.auth_publickey(ALICE, key.pkey())
        chan = transport.open_session(timeout=10)
        chan.exec_command("echo alive")
        assert (read_all(chan), exit_status(chan)) == (b"alive\n", 0)
    finally:
        transport.close()
        close_all(conns)
    log = door.log()
    assert "no key exchange within KexGraceTime: closed to admit a new connection" in log, \
        log[-3000:]


def test_a_version_line_alone_is_no_progress(make_door, key):
    """PerSourceMaxStartups 1: a connection that sent its version line but
    no key exchange gives way, after KexGraceTime, to the next connection
    from its address; the log says what it had sent.  Before that it holds
    its place."""
    door = make_door(KexGraceTime=GRACE, PerSourceMaxStartups=1, authorize={ALICE: key})
    conns = []
    try:
        talker = Conn(door, "127.0.0.5", blocking=True)
        conns.append(talker)
        talker.sock.sendall(b"SSH-2.0-fbdt-version-only\r\n")
        assert talker.wait() == "served"
        early = Conn(door, "127.0.0.5", blocking=True)
        conns.append(early)
        assert early.wait() == "closed", "admitted past PerSourceMaxStartups 1"
        assert talker.poll() == "served"
        time.sleep(GRACE + 0.5)
        late = Conn(door, "127.0.0.5", blocking=True)
        conns.append(late)
        assert late.wait() == "served"
        door.wait_for_log(r"refused connection from 127\.0\.0\.5 port \d+: no key exchange "
                          r"within KexGraceTime: closed to admit a new connection \(it sent "
                          r"its version line only\)")
        deadline = time.monotonic() + 5
        while talker.poll() != "closed":
            assert time.monotonic() < deadline, "the stalled connection is still open"
            time.sleep(0.05)
    finally:
        close_all(conns)
