"""A door that closes by itself: DoorLifetime in the config, or
`fallbackd --for TIME` (which wins over it).  When the time is up the
listening sockets close (new connections are refused by the kernel),
sessions already open run to their end, and then the process exits."""
import subprocess
import time

import pytest

from fbdtest import ALICE, FALLBACKD, assert_connection_refused, exit_status, free_port, \
    paramiko_client, read_all, run, ssh, ssh_ok

def with_for(time_arg):
    """A Door wrapper that appends --for TIME to `fallbackd -D -e -f CONFIG`.
    `; exit` keeps sh from exec'ing fallbackd in its own place, so the
    listener is sh's child, as Door expects of a wrapper."""
    return ("sh", "-c", f'"$@" --for {time_arg}; exit $?', "sh")


def wait_exit(door, timeout):
    try:
        return door.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"fallbackd still running {timeout}s after its door closed:\n{door.log()}")


def test_door_lifetime_closes_door_open_session_completes(make_door, key):
    """DoorLifetime 3s: logins work before; at 3 s new connections are
    refused (the sockets are closed) while a session opened before, `sleep
    5; echo done`, completes; then the process exits 0 by itself, logging
    that the door closed."""
    t0 = time.monotonic()
    door = make_door(DoorLifetime="3s", authorize={ALICE: key})
    door.wait_for_log(r"door lifetime: 3s; no new connections after that")
    assert ssh_ok(door, ALICE, key, "echo before") == "before\n"
    client = paramiko_client(door, ALICE, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.exec_command("sleep 5; echo done")
        door.wait_for_log(r"Starting session: command for " + ALICE)
        over = door.wait_for_log(r"door lifetime of 3s is over: no longer accepting "
                                 r"connections; exiting when the 1 open connection", timeout=5)
        assert "Starting session: command" in door.log()[:over.start()], \
            "the session did not start before the deadline (machine too slow?)"
        closed_at = time.monotonic()
        assert closed_at - t0 >= 3.0, f"door closed after {closed_at - t0:.2f}s"
        assert_connection_refused(door)
        res = ssh(door, ALICE, key, "echo late", timeout=15)
        assert (res.returncode, res.stdout) == (255, b""), res
        assert door.alive(), "exited while a session was open"
        assert read_all(chan, timeout=10) == b"done\n"
        assert exit_status(chan) == 0
    finally:
        client.close()
    assert wait_exit(door, 5) == 0
    assert "door closed: the last connection ended" in door.log()


def test_for_wins_over_door_lifetime(make_door, key):
    """--for 2s with DoorLifetime 1h in the config: the door closes after
    2 s; with no connection open the process exits right away."""
    t0 = time.monotonic()
    door = make_door(DoorLifetime="1h", wrapper=with_for("2s"), authorize={ALICE: key})
    door.wait_for_log(r"door lifetime: 2s; no new connections after that")
    assert ssh_ok(door, ALICE, key, "echo before") == "before\n"
    assert wait_exit(door, 5) == 0
    assert time.monotonic() - t0 >= 2.0
    log = door.log()
    assert "door lifetime of 2s is over" in log
    assert "door closed: the last connection ended" in log
    assert_connection_refused(door)


@pytest.mark.parametrize("value", ["bogus", "0", "-5", "3x", "", "100000000h"])
def test_for_bad_time_is_a_usage_error(make_door, value):
    """--for takes a positive time; anything else is a usage error (exit 2)
    and nothing is started."""
    door = make_door(start=False)
    door.port = free_port()
    door.write_config()
    res = run([str(FALLBACKD), "-D", "-e", "-f", str(door.config), "--for", value], timeout=15)
    assert res.returncode == 2, (res.returncode, res.stderr)
    err = res.stderr.decode()
    assert f"--for {value}: not a time" in err, err
    assert "usage: fallbackd" in err, err
    assert "Server listening" not in err
