"""PerSourcePenalties: a source whose network process crashes, or which
exhausts MaxAuthTries, is refused for a while (listener/penalty.h);
PerSourcePenaltyExemptList (addresses, or AllowFrom) is never refused.

The crash comes from the test build: the user name
fbd-test-forbidden-syscall makes the network process call a syscall
outside its filter (fallbackd/net/test_hooks.h), and it dies by SIGSYS.
The suite's doors exempt 127.0.0.1 (fbdtest.Door); these drop that.
"""
import os

import pytest

from fbdtest import ALICE, FALLBACKD_TESTHOOKS, ssh, ssh_ok

REFUSED = (r"refused connection from 127\.0\.0\.1 port \d+: penalty, \d+s left: {}")


@pytest.fixture
def testhooks_bin():
    if not os.access(FALLBACKD_TESTHOOKS, os.X_OK):
        pytest.fail(f"{FALLBACKD_TESTHOOKS} not found: run `make build/fallbackd-testhooks`")
    return FALLBACKD_TESTHOOKS


def crash(door, key):
    mark = door.log_mark()
    res = ssh(door, "fbd-test-forbidden-syscall", key, "true", timeout=20)
    assert res.returncode == 255, res
    return mark


def test_a_crash_refuses_the_source(make_door, keys, testhooks_bin):
    door = make_door(binary=testhooks_bin, AllowUsers="fbdt-* fbd-test-*",
                     PerSourcePenaltyExemptList=None)
    door.authorize(ALICE, keys["ed25519"])
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo before") == "before\n"
    mark = crash(door, keys["ed25519"])
    door.wait_for_log(r"penalty: refusing connections from 127\.0\.0\.1 for 90s: its network "
                      r"process crashed \(PerSourcePenalties crash\)", since=mark)
    mark = door.log_mark()
    res = ssh(door, ALICE, keys["ed25519"], "echo after", timeout=20)
    assert res.returncode == 255 and b"after" not in res.stdout, res
    door.wait_for_log(REFUSED.format(r"its network process crashed"), since=mark)
    assert "Accepted publickey" not in door.log(mark)


@pytest.mark.parametrize("exempt", [{"PerSourcePenaltyExemptList": "10.0.0.0/8,127.0.0.1"},
                                    {"PerSourcePenaltyExemptList": "AllowFrom",
                                     "AllowFrom": "127.0.0.0/8"}])
def test_exempt_sources_are_not_refused(make_door, keys, testhooks_bin, exempt):
    door = make_door(binary=testhooks_bin, AllowUsers="fbdt-* fbd-test-*", **exempt)
    door.authorize(ALICE, keys["ed25519"])
    mark = crash(door, keys["ed25519"])
    door.wait_for_log(r"killed by signal 31 \(sandbox violation\)", since=mark)
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo after") == "after\n"
    assert "penalty" not in door.log(mark)


def test_exhausting_max_auth_tries_refuses_the_source(make_door, keys):
    """authfail:30s (over min:15) refuses after one exhausted connection;
    with the defaults (authfail:5) one is not enough."""
    door = make_door(MaxAuthTries=1, PerSourcePenaltyExemptList=None)
    door.authorize(ALICE, keys["ed25519"])
    res = ssh(door, ALICE, keys["stranger0"], "true", timeout=20)
    assert res.returncode == 255
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo default") == "default\n"

    door = make_door(MaxAuthTries=1, PerSourcePenaltyExemptList=None,
                     PerSourcePenalties="authfail:30s")
    door.authorize(ALICE, keys["ed25519"])
    mark = door.log_mark()
    res = ssh(door, ALICE, keys["stranger0"], "true", timeout=20)
    assert res.returncode == 255
    door.wait_for_log(r"penalty: refusing connections from 127\.0\.0\.1 for 30s: "
                      r"MaxAuthTries exhausted", since=mark)
    res = ssh(door, ALICE, keys["ed25519"], "echo after", timeout=20)
    assert res.returncode == 255, res
    door.wait_for_log(REFUSED.format("MaxAuthTries exhausted"), since=mark)
