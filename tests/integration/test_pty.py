"""Pseudo-terminals: allocation, TERM, window size and window-change."""
import os
import re

import pytest

from fbdtest import (ALICE, assert_pty_refused_command_runs, paramiko_client, paramiko_exec,
                     pty_command, read_until, ssh, ssh_ok)


@pytest.fixture(scope="module")
def door(make_module_door, key):
    return make_module_door(authorize={ALICE: key})


@pytest.fixture
def client(door, key):
    c = paramiko_client(door, ALICE, key)
    yield c
    c.close()


def test_ssh_tt_gets_a_tty_with_term(door, key):
    """`ssh -tt` allocates a pty: tty(1) names /dev/pts/N, TERM is the
    client's, SSH_TTY names the same device."""
    env = dict(os.environ, TERM="xterm-256color")
    out = ssh_ok(door, ALICE, key, 'tty; echo "term=$TERM"; echo "ssh_tty=$SSH_TTY"',
                 opts=["-tt"], env=env)
    lines = out.replace("\r", "").splitlines()
    assert re.fullmatch(r"/dev/pts/\d+", lines[0]), out
    assert lines[1] == "term=xterm-256color"
    assert lines[2] == f"ssh_tty={lines[0]}"


def test_no_pty_without_request(door, key):
    res = ssh(door, ALICE, key, 'tty; echo "ssh_tty=${SSH_TTY-unset}"')
    assert res.returncode == 0      # `tty` fails, the echo decides
    assert res.stdout == b"not a tty\nssh_tty=unset\n"


def test_pty_slave_owned_by_user_group_tty_mode_620(door, key):
    """As sshd: the pty slave belongs to the user and group tty, mode 0620."""
    out = ssh_ok(door, ALICE, key, 'stat -c "%U %G %a" "$(tty)"', opts=["-tt"])
    assert out.strip() == f"{ALICE} tty 620"


def test_pty_requested_size_and_term(client):
    """The pty-req's terminal type and size reach the process."""
    out, _, status = paramiko_exec(client, 'stty size; echo "$TERM"',
                                   pty=dict(term="vt100", width=123, height=45))
    assert status == 0
    assert out.replace(b"\r", b"").splitlines() == [b"45 123", b"vt100"]


def test_window_change_resizes_pty(client):
    """window-change sets the pty size of the running process."""
    chan = client.get_transport().open_session(timeout=10)
    chan.get_pty(term="vt100", width=123, height=45)
    chan.exec_command('echo "A $(stty size)"; read x; echo "B $(stty size)"')
    read_until(chan, b"A 45 123")
    chan.resize_pty(width=100, height=30)
    chan.send(b"\n")
    read_until(chan, b"B 30 100")
    assert chan.recv_exit_status() == 0
    chan.close()


def test_window_change_in_interactive_shell(client):
    """The same in a login shell (shell request, not exec)."""
    chan = client.get_transport().open_session(timeout=10)
    chan.get_pty(term="vt100", width=80, height=24)
    chan.invoke_shell()
    chan.send(b'echo "S1 $(stty size)"\n')
    read_until(chan, b"S1 24 80")
    chan.resize_pty(width=100, height=30)
    chan.send(b'echo "S2 $(stty size)"\n')
    read_until(chan, b"S2 30 100")
    chan.send(b"exit 5\n")
    assert chan.recv_exit_status() == 5
    chan.close()


def test_pty_merges_stderr_and_sends_crlf(client):
    """With a pty, stderr goes to the terminal too (nothing on extended
    data), and the line discipline turns \\n into \\r\\n."""
    out, err, status = paramiko_exec(client, "echo out; echo err >&2",
                                     pty=dict(term="vt100", width=80, height=24))
    assert status == 0
    assert err == b""
    assert out == b"out\r\nerr\r\n"


def test_pty_request_without_reply_is_honoured(door, key):
    """Control for the refusal tests: the same request gets a pty when allowed."""
    out, status = pty_command(door, ALICE, key)
    assert status == 0
    assert re.fullmatch(rb"/dev/pts/\d+\nran\n", out), out


def test_permit_tty_no_refuses_pty(make_door, keys):
    """PermitTTY no: no pty, but the command runs."""
    d = make_door(PermitTTY="no", authorize={ALICE: keys["ed25519"]})
    assert_pty_refused_command_runs(d, ALICE, keys["ed25519"])
