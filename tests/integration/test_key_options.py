"""Options of an authorized key that shape the session: command=, no-pty,
restrict, pty, environment=.  (from= and expiry-time= are in test_auth.py.)

alice's keys file gives each client key different options; the key used
picks the line."""
import re

import pytest

from fbdtest import (ALICE, assert_pty_refused_command_runs, environ_of_shell, pty_command,
                     ssh, ssh_ok)

FORCED = 'command="echo forced; echo orig=${SSH_ORIGINAL_COMMAND-unset}"'


def options_door(make_door, keys, **config):
    d = make_door(**config)
    d.authorize(ALICE, keys["ed25519"], options=FORCED)
    d.authorize(ALICE, keys["ecdsa256"], options="no-pty")
    d.authorize(ALICE, keys["ecdsa384"], options="restrict")
    d.authorize(ALICE, keys["ecdsa521"], options="restrict,pty")
    d.authorize(ALICE, keys["rsa"], options='environment="FBD_KEYENV=from key"')
    return d


@pytest.fixture(scope="module")
def door(make_module_door, keys):
    return options_door(make_module_door, keys)


def test_forced_command_replaces_requested_command(door, keys):
    """command= runs instead of the request; SSH_ORIGINAL_COMMAND holds it."""
    res = ssh(door, ALICE, keys["ed25519"], "echo requested; exit 3")
    assert (res.returncode, res.stdout) == (0, b"forced\norig=echo requested; exit 3\n")


def test_forced_command_for_shell_request(door, keys):
    """A shell request runs the forced command too, without
    SSH_ORIGINAL_COMMAND."""
    res = ssh(door, ALICE, keys["ed25519"])
    assert (res.returncode, res.stdout) == (0, b"forced\norig=unset\n")


def test_forced_command_gets_stdin(make_door, keys):
    d = make_door()
    d.authorize(ALICE, keys["ed25519"], options='command="tr a-z A-Z"')
    res = ssh(d, ALICE, keys["ed25519"], "cat", input=b"hello\n")
    assert (res.returncode, res.stdout) == (0, b"HELLO\n")


def test_forced_command_exit_status(make_door, keys):
    d = make_door()
    d.authorize(ALICE, keys["ed25519"], options='command="exit 9"')
    assert ssh(d, ALICE, keys["ed25519"], "exit 0").returncode == 9


def test_no_pty_refuses_pty_command_runs(door, keys):
    assert_pty_refused_command_runs(door, ALICE, keys["ecdsa256"])


def test_restrict_refuses_pty_command_runs(door, keys):
    assert_pty_refused_command_runs(door, ALICE, keys["ecdsa384"])


def test_restrict_with_pty_allows_pty(door, keys):
    out = ssh_ok(door, ALICE, keys["ecdsa521"], "tty", opts=["-tt"])
    assert re.fullmatch(r"/dev/pts/\d+", out.strip()), out
    stdout, status = pty_command(door, ALICE, keys["ecdsa521"])
    assert status == 0 and stdout.startswith(b"/dev/pts/")


def test_environment_option_ignored_by_default(door, keys):
    """PermitUserEnvironment no (default): environment= is ignored, the key
    still logs in."""
    env = environ_of_shell(door, ALICE, keys["rsa"])
    assert "FBD_KEYENV" not in env


def test_environment_option_with_permit_user_environment(make_door, keys):
    d = options_door(make_door, keys, PermitUserEnvironment="yes")
    env = environ_of_shell(d, ALICE, keys["rsa"])
    assert env.get("FBD_KEYENV") == "from key"
