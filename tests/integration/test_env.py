"""The environment of the user's process: sshd's defaults and AcceptEnv."""
import os

import pytest

from fbdtest import ALICE, DAEMON_CANARY, environ_of_shell, paramiko_client, ssh_ok

PATH_USER = "/usr/local/bin:/usr/bin:/bin:/usr/games"


@pytest.fixture(scope="module")
def door(make_module_door, key):
    return make_module_door(AcceptEnv=["LANG", "FBD_*"], authorize={ALICE: key})


def test_default_environment_is_sshds(door, key, users):
    """HOME, USER, LOGNAME, SHELL, PATH, MAIL are the user's; SSH_CONNECTION
    and SSH_CLIENT describe this connection; no SSH_TTY without a pty."""
    env = environ_of_shell(door, ALICE, key)
    assert env["HOME"] == str(users[ALICE])
    assert env["USER"] == ALICE
    assert env["LOGNAME"] == ALICE
    assert env["SHELL"] == "/bin/bash"
    assert env["PATH"] == PATH_USER
    assert env["MAIL"] == f"/var/mail/{ALICE}"
    conn = env["SSH_CONNECTION"].split()
    assert len(conn) == 4
    assert conn[0] == "127.0.0.1" and conn[2] == "127.0.0.1"
    assert conn[3] == str(door.port)
    assert 1024 <= int(conn[1]) <= 65535 and int(conn[1]) != door.port
    assert env["SSH_CLIENT"] == f"{conn[0]} {conn[1]} {conn[3]}"
    assert "SSH_TTY" not in env
    assert "SSH_ORIGINAL_COMMAND" not in env


def test_daemon_environment_does_not_leak(door, key):
    """Nothing of the daemon's own environment reaches the user: the door
    was started with a canary variable (and pytest's own)."""
    env = environ_of_shell(door, ALICE, key)
    assert DAEMON_CANARY not in env
    assert not any(name.startswith("PYTEST") for name in env)


def test_ssh_connection_port_matches_log(door, key):
    mark = door.log_mark()
    env = environ_of_shell(door, ALICE, key)
    client_port = env["SSH_CONNECTION"].split()[1]
    door.wait_for_log(rf"Accepted publickey for {ALICE} from 127\.0\.0\.1 port {client_port} ",
                      since=mark)


def test_ssh_tty_set_with_pty(door, key):
    out = ssh_ok(door, ALICE, key, 'echo "$SSH_TTY"; tty', opts=["-tt"])
    ssh_tty, tty = out.replace("\r", "").splitlines()
    assert ssh_tty == tty and tty.startswith("/dev/pts/")


def test_cwd_is_home(door, key, users):
    assert ssh_ok(door, ALICE, key, "pwd").strip() == str(users[ALICE])


def test_accept_env_allowlist(door, key):
    """AcceptEnv LANG FBD_*: matching variables are set, others dropped.
    (ssh takes the first SetEnv option only, so one carries them all.)"""
    env = environ_of_shell(door, ALICE, key,
                           opts=["-o", 'SetEnv=FBD_X=1 OTHER=2 "FBD_LONG=a b=c"'])
    assert env.get("FBD_X") == "1"
    assert env.get("FBD_LONG") == "a b=c"
    assert "OTHER" not in env


def test_send_env_lang(door, key):
    env = environ_of_shell(door, ALICE, key, opts=["-o", "SendEnv=LANG"],
                           env=dict(os.environ, LANG="C.UTF-8"))
    assert env.get("LANG") == "C.UTF-8"


def test_client_env_cannot_override_protected_variables(make_door, keys, users):
    """Even with AcceptEnv *, the server's own variables win over the
    client's (as in sshd, SSH_* and the user identity are set last)."""
    d = make_door(AcceptEnv="*", authorize={ALICE: keys["ed25519"]})
    env = environ_of_shell(d, ALICE, keys["ed25519"], opts=[
        "-o", "SetEnv=USER=root HOME=/root SSH_CONNECTION=forged FBD_OK=yes"])
    assert env["FBD_OK"] == "yes"
    assert env["USER"] == ALICE
    assert env["HOME"] == str(users[ALICE])
    assert env["SSH_CONNECTION"] != "forged"


def test_env_request_without_accept_env_is_ignored(make_door, keys):
    d = make_door(authorize={ALICE: keys["ed25519"]})
    env = environ_of_shell(d, ALICE, keys["ed25519"], opts=["-o", "SetEnv=FBD_X=1"])
    assert "FBD_X" not in env


def test_paramiko_env_request(door, key):
    """env requests from paramiko (update_environment) obey AcceptEnv too."""
    client = paramiko_client(door, ALICE, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.update_environment({"FBD_P": "p1", "NOPE": "n"})
        chan.exec_command('echo "${FBD_P-unset} ${NOPE-unset}"')
        chan.settimeout(10)
        assert chan.makefile("rb").read() == b"p1 unset\n"
    finally:
        client.close()
