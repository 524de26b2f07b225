"""Variables no client and no key may set, and no env requests for forced
commands (issue 9.9).  Even with AcceptEnv naming them and
PermitUserEnvironment yes: LD_*, BASH_ENV, ENV, BASH_FUNC_*, IFS and PATH
never reach the user's process from an env request or environment=."""
import os

import pytest

from fbdtest import ALICE, environ_of_shell, ssh_ok

PATH_USER = "/usr/local/bin:/usr/bin:/bin:/usr/games"
SENT = {"LD_FBDT": "1", "BASH_ENV": "/tmp/fbdt-bash-env", "ENV": "/tmp/fbdt-env",
        "IFS": "x", "FBD_OK": "yes"}


@pytest.fixture(scope="module")
def door(make_module_door, keys):
    d = make_module_door(AcceptEnv=["LD_*", "BASH_ENV", "ENV", "IFS", "PATH", "FBD_*"],
                         PermitUserEnvironment="yes")
    d.authorize(ALICE, keys["ed25519"], options='environment="LD_KEYFBDT=1",'
                'environment="PATH=/tmp/fbdt-evil",environment="FBD_KEY=ok"')
    d.authorize(ALICE, keys["ecdsa256"], options='command="cat /proc/$$/environ; exit 0"')
    return d


def send_env_opts():
    return ["-o", "SendEnv=" + " ".join(SENT)]


def test_client_cannot_set_loader_or_shell_startup_variables(door, keys):
    mark = door.log_mark()
    env = environ_of_shell(door, ALICE, keys["ed25519"], opts=send_env_opts(),
                           env=dict(os.environ, **SENT))
    assert env.get("FBD_OK") == "yes", "an ordinary accepted variable still passes"
    for name in ("LD_FBDT", "BASH_ENV", "ENV", "IFS"):
        assert name not in env, name
    door.wait_for_log(r"refusing env request LD_FBDT from fbdt-alice", since=mark)


def test_key_environment_cannot_set_them_either(door, keys):
    env = environ_of_shell(door, ALICE, keys["ed25519"])
    assert env.get("FBD_KEY") == "ok"
    assert "LD_KEYFBDT" not in env
    assert env["PATH"] == PATH_USER


def test_forced_command_gets_no_env_requests(door, keys):
    mark = door.log_mark()
    out = ssh_ok(door, ALICE, keys["ecdsa256"], "ignored", opts=send_env_opts(),
                 env=dict(os.environ, **SENT))
    env = dict(item.split("=", 1) for item in out.split("\0") if item)
    assert "FBD_OK" not in env
    assert env["USER"] == ALICE
    door.wait_for_log(r"ignoring env requests of fbdt-alice: forced command", since=mark)
