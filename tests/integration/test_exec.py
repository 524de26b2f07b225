"""Running commands: output streams, exit codes, signals, stdin."""
import paramiko
import pytest
from paramiko.message import Message

from fbdtest import ALICE, paramiko_client, paramiko_exec, ssh, ssh_ok


def record_exit_signal(chan):
    """paramiko 2.12 ignores exit-signal requests; note the one chan gets in
    chan.fbd_exit_signal = (signal name, core dumped).  This observes the
    request only: the transport and its algorithms are stock paramiko."""
    orig = chan.transport._channel_handler_table[paramiko.common.MSG_CHANNEL_REQUEST]

    def observe(c, m):                  # called with the channel id already read
        peek = Message(m.asbytes())
        peek.packet.seek(m.packet.tell())
        if c is chan and peek.get_text() == "exit-signal":
            peek.get_boolean()
            chan.fbd_exit_signal = (peek.get_text(), peek.get_boolean())
        return orig(c, m)

    chan.transport._channel_handler_table = dict(chan.transport._channel_handler_table)
    chan.transport._channel_handler_table[paramiko.common.MSG_CHANNEL_REQUEST] = observe


@pytest.fixture(scope="module")
def door(make_module_door, key):
    return make_module_door(authorize={ALICE: key})


def test_stdout_and_stderr_are_kept_apart(door, key):
    """stdout arrives as channel data, stderr as extended data, unmixed."""
    res = ssh(door, ALICE, key, "echo to-out; echo to-err >&2; echo more-out; echo more-err >&2")
    assert res.returncode == 0
    assert res.stdout == b"to-out\nmore-out\n"
    assert res.stderr == b"to-err\nmore-err\n"


def test_stdout_and_stderr_are_kept_apart_paramiko(door, key):
    client = paramiko_client(door, ALICE, key)
    try:
        out, err, status = paramiko_exec(client, "printf out1; printf err1 >&2; exit 3")
    finally:
        client.close()
    assert (out, err, status) == (b"out1", b"err1", 3)


@pytest.mark.parametrize("code", [0, 1, 2, 7, 42, 100, 126, 127, 128, 200, 254, 255])
def test_exit_code_is_passed_through(door, key, code):
    """The client exits with the command's exit status."""
    res = ssh(door, ALICE, key, f"exit {code}")
    assert res.returncode == code, res.stderr


def test_exit_code_of_missing_command_is_127(door, key):
    res = ssh(door, ALICE, key, "/nonexistent/fbdt-command")
    assert res.returncode == 127
    assert b"No such file or directory" in res.stderr


@pytest.mark.parametrize("sig", ["TERM", "SEGV", "KILL"])
def test_exit_signal_makes_openssh_exit_255(door, key, sig):
    """A command killed by a signal is reported with exit-signal (not an
    exit-status), which OpenSSH turns into exit code 255."""
    res = ssh(door, ALICE, key, f"kill -{sig} $$", opts=["-v"])
    assert res.returncode == 255
    assert b"rtype exit-signal reply 0" in res.stderr
    assert b"rtype exit-status" not in res.stderr


@pytest.mark.parametrize("sig", ["TERM", "SEGV", "HUP"])
def test_exit_signal_name_reaches_paramiko(door, key, sig):
    """The exit-signal message carries the signal name without "SIG"."""
    client = paramiko_client(door, ALICE, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        record_exit_signal(chan)
        chan.exec_command(f"echo before; kill -{sig} $$")
        chan.settimeout(10)
        assert chan.makefile("rb").read() == b"before\n"
        assert chan.status_event.wait(10)
        assert chan.recv_exit_status() == -1        # no exit-status sent
        assert getattr(chan, "fbd_exit_signal", None) == (sig, False)
    finally:
        client.close()


def test_stdin_is_delivered_then_eof(door, key):
    """Client stdin reaches the command, then EOF lets `cat` finish."""
    res = ssh(door, ALICE, key, "cat; echo END", input=b"abc")
    assert res.returncode == 0
    assert res.stdout == b"abcEND\n"


def test_empty_stdin_gives_immediate_eof(door, key):
    res = ssh(door, ALICE, key, "cat; echo END", input=b"")
    assert res.stdout == b"END\n"


def test_large_stdin_is_counted_exactly(door, key):
    """20 MiB of stdin: every byte arrives (wc -c), then EOF."""
    data = bytes(range(256)) * (20 * 4096)
    out = ssh_ok(door, ALICE, key, "wc -c", input=data, timeout=60)
    assert out.strip() == str(len(data))


def test_stdin_eof_with_paramiko_shutdown_write(door, key):
    client = paramiko_client(door, ALICE, key)
    try:
        out, err, status = paramiko_exec(client, "tr a-z A-Z", stdin=b"hello\n" * 1000)
    finally:
        client.close()
    assert (out, err, status) == (b"HELLO\n" * 1000, b"", 0)


def test_command_runs_in_users_shell_as_user(door, key, users):
    out = ssh_ok(door, ALICE, key, 'id -un; echo "$0"; pwd')
    assert out.splitlines() == [ALICE, "bash", str(users[ALICE])]
