"""The Ansible role packaging/ansible/roles/fallbackd, run with Debian's
ansible-playbook against this machine (connection local): it installs the
static binary, writes config and keys from variables, opens a door that
closes itself, and proves it with a real ssh login to 127.0.0.1:PORT; the
play fails when the door cannot be proven.

Runs only with FALLBACKD_PACKAGE_TESTS=1 (make package-test).  Skipped when
/etc/fallbackd or /usr/local/sbin/fallbackd exist (a real door
on this machine is never touched).
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import fbdtest
from fbdtest import ALICE, FALLBACKD, LOCALHOST, REPO, free_port, ssh_ok

ROLES = REPO / "packaging" / "ansible" / "roles"
ETC, BIN = Path("/etc/fallbackd"), Path("/usr/local/sbin/fallbackd")

pytestmark = [
    pytest.mark.skipif(os.environ.get("FALLBACKD_PACKAGE_TESTS") != "1",
                       reason="make package-test runs this (slow: four plays)"),
    pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                       reason="ansible not installed (make test-deps)"),
    pytest.mark.skipif(ETC.exists() or BIN.exists(),
                       reason="a fallbackd is installed here already; not touching it"),
]


@pytest.fixture(scope="module")
def role_env(tmp_path_factory, users):
    """A playbook and inventory for localhost; the door and every file the
    role wrote are removed at the end."""
    d = tmp_path_factory.mktemp("ansible")
    (d / "inventory").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n")
    (d / "play.yml").write_text("- hosts: localhost\n  gather_facts: false\n"
                                "  roles: [fallbackd]\n")
    try:
        yield d
    finally:
        fbdtest.kill_pids(door_pids())
        fbdtest.reap_orphans()
        shutil.rmtree(ETC, ignore_errors=True)
        BIN.unlink(missing_ok=True)


def play(env, **variables):
    r = subprocess.run(["ansible-playbook", "-i", str(env / "inventory"), str(env / "play.yml"),
                        "-e", json.dumps(variables)],
                       capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, ANSIBLE_ROLES_PATH=str(ROLES),
                                ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0"))
    return r.returncode, r.stdout + r.stderr


@pytest.fixture(scope="module")
def base_vars(keys):
    return {
        "fallbackd_install": "binary",
        "fallbackd_binary": str(FALLBACKD),
        "fallbackd_port": free_port(),
        "fallbackd_listen": [LOCALHOST],
        "fallbackd_users": {ALICE: [keys["ed25519"].line()]},
        "fallbackd_lifetime": "10m",
        "fallbackd_proof_user": ALICE,
        "fallbackd_proof_key": str(keys["ed25519"].path),
        "fallbackd_proof_host": LOCALHOST,
        "fallbackd_proof_retries": 2,
    }


def door_pids(cmdline_part=b""):
    """Processes running the installed binary (with cmdline_part)."""
    pids = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{p}/exe") == str(BIN) and \
                    cmdline_part in Path(f"/proc/{p}/cmdline").read_bytes():
                pids.append(int(p))
        except OSError:
            continue
    return pids


class PortDoor:
    """What fbdtest.ssh needs of a door."""

    def __init__(self, port):
        self.port = port


def test_play_installs_and_proves_the_door(role_env, base_vars, keys):
    """The play passes, says the door is proven, and the door it opened
    lets alice in, is the installed binary, and was told --for 10m."""
    rc, out = play(role_env, **base_vars)
    assert rc == 0, out
    assert f"door on {LOCALHOST}:{base_vars['fallbackd_port']} proven" in out
    assert (ETC / "keys" / ALICE).read_text() == keys["ed25519"].line() + "\n"
    assert f"AllowUsers {ALICE}" in (ETC / "fallbackd.conf").read_text()
    assert ssh_ok(PortDoor(base_vars["fallbackd_port"]), ALICE, keys["ed25519"],
                  "echo hi") == "hi\n"
    assert door_pids(b"--for\x0010m")


def test_second_run_keeps_the_open_door(role_env, base_vars):
    """Run again: no second door is started (the port is served), and the
    door is proven again."""
    rc, out = play(role_env, **base_vars)
    assert rc == 0, out
    assert "proven" in out
    assert "skipping: [localhost]" in out.split("Open the door")[1]


def test_play_fails_when_the_door_cannot_be_proven(role_env, base_vars, keys):
    """A proof key the door does not accept: the play fails, naming the
    door that was not proven."""
    rc, out = play(role_env, **dict(base_vars, fallbackd_proof_key=str(keys["stranger0"].path)))
    assert rc != 0
    assert f"fallbackd door on {LOCALHOST}:{base_vars['fallbackd_port']} NOT PROVEN" in out
    assert "Permission denied" in out


def test_play_fails_for_a_port_with_no_door(role_env, base_vars):
    """The door cannot be opened (its port is held by another listener that
    is not a door): the play fails."""
    import socket
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        s.listen()
        rc, out = play(role_env, **dict(base_vars, fallbackd_port=s.getsockname()[1]))
    assert rc != 0 and "NOT PROVEN" in out
