"""The rescue shell never opens a disabled account (issue 9.3).

The door reads its own copy of /etc/passwd (PasswdFile) in which fbdt-carol's
shell is /usr/sbin/nologin and fbdt-bob's is a path that is neither in
/etc/shells nor startable; fbdt-alice keeps /bin/bash.  Neither carol nor bob
gets the rescue shell, asked for (`-s rescue`) or as the fallback; alice
does, and every start is logged.  RescueShellUsers/RescueShellGroups narrow
it further.  /etc/nologin stops every user but root, with its text shown."""
import os
import re
from pathlib import Path

import paramiko
import pytest

from fbdtest import ALICE, BOB, CAROL, paramiko_client, read_all, ssh, ssh_ok

BROKEN_SHELL = "/usr/local/bin/fbdt-no-such-shell"


def passwd_copy(path):
    """/etc/passwd with carol's shell nologin and bob's one that cannot start."""
    lines = []
    for line in Path("/etc/passwd").read_text().splitlines():
        f = line.split(":")
        if f[0] == CAROL:
            f[6] = "/usr/sbin/nologin"
        elif f[0] == BOB:
            f[6] = BROKEN_SHELL
        lines.append(":".join(f))
    path.write_text("\n".join(lines) + "\n")
    os.chmod(path, 0o644)
    return path


@pytest.fixture(scope="module")
def make(make_module_door, keys, workdir):
    pw = passwd_copy(workdir / "passwd-rescue")

    def start(**overrides):
        d = make_module_door(PasswdFile=str(pw), **overrides)
        for user in (ALICE, BOB, CAROL):
            d.authorize(user, keys["ed25519"])
        return d
    return start


@pytest.fixture(scope="module")
def door(make):
    return make()


def rescue(door, user, key, script=b"echo $((20+3))x\nexit 3\n"):
    """Ask for the rescue subsystem; (output, exit status), or None if
    the request is refused."""
    client = paramiko_client(door, user, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        try:
            chan.invoke_subsystem("rescue")
        except paramiko.SSHException:
            return None
        chan.sendall(script)
        chan.shutdown_write()
        return read_all(chan), chan.recv_exit_status()
    finally:
        client.close()


def test_real_login_shell_gets_rescue_shell_and_it_is_logged(door, keys):
    mark = door.log_mark()
    out, status = rescue(door, ALICE, keys["ed25519"])
    assert (out, status) == (b"23x\n", 3)
    door.wait_for_log(rf"Starting session: rescue shell for {ALICE} ", since=mark)
    door.wait_for_log(rf"rescue shell /bin/busybox sh started for {ALICE}: "
                      r"the rescue shell was requested", since=mark)


def test_nologin_account_gets_no_rescue_shell(door, keys):
    mark = door.log_mark()
    assert rescue(door, CAROL, keys["ed25519"]) is None
    door.wait_for_log(rf"rescue shell refused for {CAROL}: the account is disabled "
                      r"\(shell /usr/sbin/nologin\)", since=mark)
    res = ssh(door, CAROL, keys["ed25519"], "echo opened")
    assert b"opened" not in res.stdout
    assert "started for" not in door.log(mark)


def test_shell_not_in_etc_shells_gets_no_rescue_fallback(door, keys):
    mark = door.log_mark()
    res = ssh(door, BOB, keys["ed25519"], "echo opened")
    assert res.returncode == 255 and b"opened" not in res.stdout, res
    assert b"rescue shell is not available to you" in res.stderr, res.stderr
    assert rescue(door, BOB, keys["ed25519"]) is None
    door.wait_for_log(rf"rescue shell refused for {BOB}: shell {BROKEN_SHELL} is not listed "
                      r"in /etc/shells", since=mark)
    assert "started for" not in door.log(mark)


def test_rescue_shell_users_narrows_it(make, keys):
    d = make(RescueShellUsers="fbdt-nobody-else", RescueShellGroups="fbdt-ops")
    assert rescue(d, ALICE, keys["ed25519"]) is not None, "alice is in fbdt-ops"
    d2 = make(RescueShellUsers="fbdt-nobody-else")
    mark = d2.log_mark()
    assert rescue(d2, ALICE, keys["ed25519"]) is None
    d2.wait_for_log(rf"rescue shell refused for {ALICE}: {ALICE} is not listed in "
                    r"RescueShellUsers or RescueShellGroups", since=mark)


@pytest.fixture
def etc_nologin():
    path = Path("/etc/nologin")
    if path.exists():
        pytest.skip("/etc/nologin already exists on this machine")
    path.write_text("fbdt: logins are disabled for maintenance\n")
    try:
        yield path
    finally:
        path.unlink()


def test_etc_nologin_stops_users_but_root(make, keys, etc_nologin):
    d = make(PermitRootLogin="yes")
    d.authorize("root", keys["ed25519"])
    mark = d.log_mark()
    res = ssh(d, ALICE, keys["ed25519"], "echo opened")
    assert res.returncode == 254, res
    assert b"opened" not in res.stdout
    assert b"logins are disabled for maintenance" in res.stdout + res.stderr
    d.wait_for_log(rf"User {ALICE} not allowed because /etc/nologin exists", since=mark)
    assert ssh_ok(d, "root", keys["ed25519"], "echo opened") == "opened\n"
