"""How a session ends when a background job outlives the command
(SessionLinger, default 2 s)."""
import time

import pytest

from fbdtest import ALICE, ssh

LINGER = 2


@pytest.fixture(scope="module")
def door(make_module_door, key):
    return make_module_door(SessionLinger=LINGER, authorize={ALICE: key})


def timed_ssh(door, key, command):
    start = time.monotonic()
    res = ssh(door, ALICE, key, command, timeout=40)
    return res, time.monotonic() - start


def test_bg_sleep_returns(door, key):
    """Regression (hang): `ssh host 'sleep 30 & echo hello'` printed hello
    and then hung until sleep exited, because sleep holds stdout.  It must
    return after SessionLinger."""
    res, elapsed = timed_ssh(door, key, "sleep 30 & echo hello")
    assert res.stdout == b"hello\n"
    assert res.returncode == 0
    assert elapsed < LINGER + 6, f"took {elapsed:.1f}s"


def test_bg_sleep_keeps_exit_status(door, key):
    res, elapsed = timed_ssh(door, key, "sleep 30 & exit 3")
    assert res.returncode == 3
    assert elapsed < LINGER + 6


def test_bg_sleep_holding_stderr_only_returns(door, key):
    res, elapsed = timed_ssh(door, key, "sleep 30 >/dev/null & echo hello")
    assert (res.returncode, res.stdout) == (0, b"hello\n")
    assert elapsed < LINGER + 6


def test_detached_bg_job_does_not_delay_exit(door, key):
    """A background job that let go of stdout/stderr delays nothing."""
    res, elapsed = timed_ssh(door, key, "sleep 30 >/dev/null 2>&1 </dev/null & echo hello")
    assert res.stdout == b"hello\n"
    assert elapsed < LINGER, f"took {elapsed:.1f}s, expected no linger"


def test_bg_output_within_linger_arrives(door, key):
    """Output a background job writes before SessionLinger runs out is
    delivered, after the command's own."""
    res, _ = timed_ssh(door, key, "(sleep 0.5; echo late; echo late-err >&2) & echo early")
    assert res.returncode == 0
    assert res.stdout == b"early\nlate\n"
    assert res.stderr == b"late-err\n"
