"""The listener under signal abuse: a storm of SIGHUPs, and kill -STOP /
-CONT.  Sessions already open live in their own processes and must not
notice; the listener must come back serving.  (SIGTERM, and single SIGHUP
reloads, are in test_signals.py.)"""
import os
import re
import signal
import socket
import time
from pathlib import Path

import pytest

from fbdtest import (ALICE, COUNT, FALLBACKD, LOCALHOST, BackgroundSsh, counted, exit_status,
                     paramiko_client, proc_state, read_all, read_until, ssh_ok, wait_state)


def test_sighup_storm(door, key):
    """200 SIGHUPs as fast as they can be sent, then 100 more 5 ms apart,
    while 3 sessions stream output and 4 OpenSSH logins are under way
    (connecting, authenticating, running a command): every session's output
    arrives whole, every login succeeds, every reload that started
    finished, the listener is the same process, and logins work after."""
    pid = door.pid
    clients, chans, logins = [], [], []
    try:
        for _ in range(3):
            client = paramiko_client(door, ALICE, key)
            clients.append(client)
            chan = client.get_transport().open_session(timeout=10)
            chan.exec_command(COUNT.format(n=10))
            chans.append(chan)
        mark = door.log_mark()
        logins = [BackgroundSsh(door, ALICE, key, f"sleep 0.3; echo login{i}")
                  for i in range(4)]
        for _ in range(200):
            os.kill(pid, signal.SIGHUP)
        # Pending SIGHUPs merge into one; paced ones make reloads that
        # interleave with the logins' accepts.
        for _ in range(100):
            os.kill(pid, signal.SIGHUP)
            time.sleep(0.005)
        for i, login in enumerate(logins):
            rc, out, err = login.result()
            assert (rc, out) == (0, f"login{i}\n".encode()), err
        for chan in chans:
            assert read_all(chan, timeout=15) == counted(10)
            assert exit_status(chan) == 0
    finally:
        for login in logins:
            login.kill()
        for client in clients:
            client.close()

    door.wait_for_log(r"configuration reloaded", since=mark)
    deadline = time.monotonic() + 10
    while True:     # reloads run one after the other until the queue is empty
        log = door.log(mark)
        started = log.count("Received SIGHUP; reloading")
        if started == log.count("configuration reloaded") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    print(f"{started} reloads for 300 SIGHUPs")
    assert 1 <= started == log.count("configuration reloaded"), log[-2000:]
    assert "reload failed" not in log
    assert door.alive() and door.pid == pid
    assert Path(f"/proc/{pid}/exe").resolve() == FALLBACKD
    for i in range(3):
        assert ssh_ok(door, ALICE, key, f"echo after{i}") == f"after{i}\n"


def test_stop_cont_listener(door, key):
    """kill -STOP the listener: an open session keeps streaming (it is its
    own process); a new connection is taken by the kernel's backlog but
    gets no banner, and an OpenSSH login does not complete; SIGHUPs sent
    meanwhile wait.  kill -CONT: the waiting connection gets its banner, the
    waiting login completes, the SIGHUP is handled, new logins work."""
    pid = door.pid
    client = paramiko_client(door, ALICE, key)
    raw = login = None
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.exec_command(COUNT.format(n=15))
        seen = read_until(chan, b"2\n", timeout=10)
        mark = door.log_mark()
        door.signal(signal.SIGSTOP)
        try:
            wait_state(pid, "T")
            stopped_at = time.monotonic()
            raw = socket.create_connection((LOCALHOST, door.port), timeout=5)
            raw.settimeout(1.0)
            with pytest.raises(socket.timeout):
                data = raw.recv(64)
                pytest.fail(f"stopped listener served a connection: {data!r}")
            login = BackgroundSsh(door, ALICE, key, "echo after-cont")
            for _ in range(20):
                door.signal(signal.SIGHUP)
            # The session goes on: 4 more lines (0.8 s) while stopped.
            last = int(seen.split()[-1])
            seen += read_until(chan, f"{last + 4}\n".encode(), timeout=5)
            time.sleep(max(0.0, stopped_at + 1.5 - time.monotonic()))
            assert login.proc.poll() is None, login.result()
            assert proc_state(pid) == "T"
            assert "Received SIGHUP" not in door.log(mark)
        finally:
            door.signal(signal.SIGCONT)
        wait_state(pid, "RS")

        raw.settimeout(5)
        assert raw.recv(64).startswith(b"SSH-2.0-")
        rc, out, err = login.result()
        assert (rc, out) == (0, b"after-cont\n"), err
        door.wait_for_log(r"Received SIGHUP; reloading", since=mark)
        door.wait_for_log(r"configuration reloaded", since=mark)
        seen += read_all(chan, timeout=15)
        assert seen == counted(15)
        assert exit_status(chan) == 0
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
        if raw is not None:
            raw.close()
        if login is not None:
            login.kill()
        client.close()
    assert door.alive() and door.pid == pid
    assert ssh_ok(door, ALICE, key, "echo new") == "new\n"
    assert re.search(rf"Accepted publickey for {ALICE} from 127\.0\.0\.1 ", door.log(mark))
