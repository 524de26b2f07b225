"""SIGTERM (stop listening, let open sessions finish) and SIGHUP (reload,
keeping the old config when the new one is broken)."""
import re
import signal

import pytest

from fbdtest import ALICE, BOB, assert_connection_refused, paramiko_client, read_all, \
    exit_status, ssh_ok, ssh_refused


@pytest.fixture
def door(make_door, keys):
    return make_door(AllowUsers=ALICE, authorize={ALICE: keys["ed25519"], BOB: keys["ed25519"]})


def test_sigterm_stops_listening_but_open_session_completes(door, keys):
    """SIGTERM: the listener exits and new connections are refused, while a
    session already open runs to its end."""
    client = paramiko_client(door, ALICE, keys["ed25519"])
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.exec_command("sleep 3; echo still-here")
        door.wait_for_log(r"Starting session: command for " + ALICE)
        door.signal(signal.SIGTERM)
        door.wait_for_log(r"Received signal 15; terminating\.")
        assert door.proc.wait(timeout=5) == 0
        assert_connection_refused(door)
        assert read_all(chan, timeout=15) == b"still-here\n"
        assert exit_status(chan) == 0
    finally:
        client.close()


def test_sighup_applies_new_config(door, keys):
    """SIGHUP re-reads the config: a changed AllowUsers applies to the next
    login, and a session open across the reload is not disturbed."""
    key = keys["ed25519"]
    ssh_ok(door, ALICE, key, "true")
    ssh_refused(door, BOB, key)
    client = paramiko_client(door, ALICE, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.exec_command("sleep 1; echo survived")
        door.reload(AllowUsers=BOB)
        assert ssh_ok(door, BOB, key, "id -un").strip() == BOB
        ssh_refused(door, ALICE, key)
        assert read_all(chan) == b"survived\n"
    finally:
        client.close()


def test_sighup_with_broken_config_keeps_old_one(door, keys):
    """A broken config on SIGHUP: FILE:LINE error logged, "still serving",
    and logins follow the old config (alice in, bob out)."""
    key = keys["ed25519"]
    text = door.config_text({**door.overrides, "AllowUsers": BOB})
    door.write_config(text + "Frobnicate yes\n")
    mark = door.log_mark()
    door.signal(signal.SIGHUP)
    door.wait_for_log(rf"{re.escape(str(door.config))}:{text.count(chr(10)) + 1}: "
                      r".*Frobnicate", since=mark)
    door.wait_for_log(r"still serving with the previous configuration", since=mark)
    assert door.alive()
    assert ssh_ok(door, ALICE, key, "id -un").strip() == ALICE
    ssh_refused(door, BOB, key)


def test_sighup_with_missing_host_key_keeps_old_one(door, keys):
    """The reload takes host keys too; an unreadable one fails the reload
    and the old key keeps serving."""
    door.write_config(HostKey=str(door.dir / "no-such-key"))
    mark = door.log_mark()
    door.signal(signal.SIGHUP)
    door.wait_for_log(r"still serving with the previous configuration", since=mark)
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo in") == "in\n"
