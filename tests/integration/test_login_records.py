"""Login records: a pty session is in utmp (who) while it lasts and in
wtmp (last) with its logout, lastlog gets the login, an invalid user's
attempt goes to btmp (lastb); records are written without NSS, and a record
that cannot be written (file locked) never blocks or refuses a login."""
import fcntl
import os
import pwd
import re
import subprocess

import pytest

import loginrec
from fbdtest import ALICE, LOCALHOST, NOSUCH, paramiko_client, read_until, ssh_ok, ssh_refused
from loginrec import BTMP, DEAD_PROCESS, LASTLOG, LOGIN_PROCESS, USER_PROCESS, WTMP

pytestmark = pytest.mark.skipif(not WTMP.exists(), reason="no /var/log/wtmp on this machine")


def open_pty_session(door, key):
    """A shell on a pty; returns (client, channel, tty line "pts/N")."""
    client = paramiko_client(door, ALICE, key)
    chan = client.get_transport().open_session(timeout=10)
    chan.get_pty(term="vt100", width=80, height=24)
    chan.exec_command("tty; echo TTY-DONE; exec cat")
    out = read_until(chan, b"TTY-DONE").decode()
    tty = re.search(r"/dev/(pts/\d+)", out).group(1)
    return client, chan, tty


def wait_for(pred, timeout=5):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_pty_session_in_utmp_wtmp_lastlog(door, keys):
    """who shows the session while it is open; afterwards utmp's entry is
    dead, wtmp has login and logout, and last lists the door login."""
    since = loginrec.size(WTMP)
    with loginrec.utmp_present():
        client, chan, tty = open_pty_session(door, keys["ed25519"])
        try:
            live = [r for r in loginrec.records(loginrec.UTMP) if r["line"] == tty]
            assert [(r["type"], r["user"], r["host"]) for r in live] == \
                [(USER_PROCESS, ALICE, LOCALHOST)]
            who = subprocess.run(["who"], capture_output=True, text=True, timeout=10).stdout
            assert re.search(rf"^{ALICE}\s+{re.escape(tty)}\s.*\({LOCALHOST}\)", who, re.M), who
        finally:
            chan.close()
            client.close()
        assert wait_for(lambda: any(r["line"] == tty and r["type"] == DEAD_PROCESS
                                    for r in loginrec.records(WTMP, since)))
        dead = [r for r in loginrec.records(loginrec.UTMP) if r["line"] == tty]
        assert [(r["type"], r["user"]) for r in dead] == [(DEAD_PROCESS, "")]
    new = [r for r in loginrec.records(WTMP, since) if r["line"] == tty]
    assert [(r["type"], r["user"], r["host"]) for r in new] == \
        [(USER_PROCESS, ALICE, LOCALHOST), (DEAD_PROCESS, "", "")]
    assert new[0]["id"] == tty[-4:] and new[0]["addr"][:4] == bytes([127, 0, 0, 1])
    last = subprocess.run(["last", "-w", "-f", str(WTMP), ALICE], capture_output=True,
                          text=True, timeout=10).stdout
    assert re.search(rf"^{ALICE}\s+{re.escape(tty)}\s+{LOCALHOST}\s", last, re.M), last
    if LASTLOG.exists():
        t, line, host = loginrec.lastlog_of(pwd.getpwnam(ALICE).pw_uid)
        assert (line, host) == (tty, LOCALHOST) and t > 0


def test_session_outliving_its_connection_is_logged_out(door, keys):
    """A pty program that ignores the hangup lives on after the client
    drops the connection; its login is over all the same, so utmp's entry
    turns dead and wtmp gets the logout when the connection ends, not never
    (a stale `who` line otherwise)."""
    since = loginrec.size(WTMP)
    with loginrec.utmp_present():
        client = paramiko_client(door, ALICE, keys["ed25519"])
        chan = client.get_transport().open_session(timeout=10)
        chan.get_pty(term="vt100", width=80, height=24)
        chan.exec_command("tty; echo PID=$$; trap '' HUP; echo TTY-DONE; exec sleep 60")
        out = read_until(chan, b"TTY-DONE").decode()
        tty = re.search(r"/dev/(pts/\d+)", out).group(1)
        pid = int(re.search(r"PID=(\d+)", out).group(1))
        try:
            client.close()      # the connection drops; the channel is never closed
            assert wait_for(lambda: any(r["line"] == tty and r["type"] == DEAD_PROCESS
                                        for r in loginrec.records(WTMP, since)))
            assert os.path.exists(f"/proc/{pid}"), "the program was to outlive the connection"
            dead = [r for r in loginrec.records(loginrec.UTMP) if r["line"] == tty]
            assert [(r["type"], r["user"]) for r in dead] == [(DEAD_PROCESS, "")]
        finally:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass


def test_command_without_pty_is_not_recorded(door, keys):
    """As with sshd, a command without a pty leaves no utmp/wtmp record."""
    since = loginrec.size(WTMP)
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo hi") == "hi\n"
    assert [r for r in loginrec.records(WTMP, since) if r["user"] == ALICE] == []


@pytest.mark.skipif(not BTMP.exists(), reason="no /var/log/btmp")
def test_invalid_user_in_btmp(door, keys):
    """An attempt for a user that does not exist is a btmp record, as
    sshd writes it (lastb shows it as ssh:notty)."""
    st = os.stat(BTMP)
    if st.st_uid != 0 or st.st_mode & 0o007:
        pytest.skip("btmp readable by others: fallbackd (like sshd) writes nothing there")
    since = loginrec.size(BTMP)
    ssh_refused(door, NOSUCH, keys["ed25519"])
    new = [r for r in loginrec.records(BTMP, since) if r["user"] == NOSUCH]
    assert [(r["type"], r["line"], r["host"]) for r in new] == \
        [(LOGIN_PROCESS, "ssh:notty", LOCALHOST)]
    lastb = subprocess.run(["lastb", "-w", "-f", str(BTMP)], capture_output=True, text=True,
                           timeout=10).stdout
    assert re.search(rf"^{NOSUCH}\s+ssh:notty\s+{LOCALHOST}\s", lastb, re.M), lastb


def test_locked_records_never_block_a_login(door, keys):
    """With utmp and wtmp locked by another process the login still works
    at once; the records are skipped and the log says why."""
    with loginrec.utmp_present():
        fds = [os.open(p, os.O_RDWR) for p in (loginrec.UTMP, WTMP)]
        try:
            for fd in fds:
                fcntl.lockf(fd, fcntl.LOCK_EX)
            # lockf in this process is invisible to itself only; the door is
            # another process, so it finds the files locked.
            client, chan, tty = open_pty_session(door, keys["ed25519"])
            chan.close()
            client.close()
        finally:
            for fd in fds:
                os.close(fd)
    door.wait_for_log(r"login record: /var/run/utmp: locked by another process")
    door.wait_for_log(r"login record: /var/log/wtmp: locked by another process")
