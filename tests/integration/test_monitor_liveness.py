"""The monitor stays in charge whatever its network process does
(fallbackd/monitor/requests.c, "Liveness"), and `none` requests count.

The misbehaving network processes come from the test build
(fallbackd/net/test_hooks.h): fbd-test-monitor-stall asks without ever
reading a reply, fbd-test-monitor-flood sends log lines without end.
"""
import os
import socket
import time

import paramiko
import pytest

from fbdtest import ALICE, FALLBACKD_TESTHOOKS, LOCALHOST, paramiko_transport, ssh, ssh_ok

GRACE = 3


@pytest.fixture
def hook_door(make_door, keys):
    if not os.access(FALLBACKD_TESTHOOKS, os.X_OK):
        pytest.fail(f"{FALLBACKD_TESTHOOKS} not found: run `make build/fallbackd-testhooks`")
    d = make_door(binary=FALLBACKD_TESTHOOKS, AllowUsers="fbdt-* fbd-test-*",
                  LoginGraceTime=GRACE)
    d.authorize(ALICE, keys["ed25519"])
    return d


@pytest.mark.parametrize("hook", ["fbd-test-monitor-stall", "fbd-test-monitor-flood"])
def test_login_grace_time_holds_against_a_stalling_or_flooding_network_process(
        hook_door, keys, hook):
    """A network process that never reads its monitor's replies (so the
    monitor's sends block), or floods it with requests, is still ended at
    LoginGraceTime (plus the monitor's second): the client's connection
    closes, the monitor logs the timeout, the door serves on."""
    door = hook_door
    mark = door.log_mark()
    start = time.monotonic()
    res = ssh(door, hook, keys["ed25519"], "echo pwned", timeout=GRACE + 20)
    took = time.monotonic() - start
    assert res.returncode == 255, res
    assert took < GRACE + 8, f"the connection lived {took:.1f}s"
    door.wait_for_log(r"Timeout before authentication for 127\.0\.0\.1 port \d+",
                      since=mark, timeout=5)
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo ok") == "ok\n"


def test_none_requests_count_toward_max_auth_tries(make_door, keys):
    """The first `none` is free (clients ask which methods exist); every
    further one is a failed attempt: MaxAuthTries 3 ends the connection at
    the fourth `none`."""
    door = make_door(MaxAuthTries=3)
    t = paramiko_transport(door)
    mark = door.log_mark()
    refused = 0
    try:
        for _ in range(10):
            try:
                t.auth_none(ALICE)
            except paramiko.BadAuthenticationType:
                refused += 1
            except (paramiko.SSHException, EOFError, socket.error):
                break
    finally:
        t.close()
    assert refused == 4, f"{refused} none requests answered before the disconnect"
    door.wait_for_log(rf"maximum authentication attempts exceeded for {ALICE} from "
                      rf"{LOCALHOST} port \d+ ssh2 \[preauth\]", since=mark)
