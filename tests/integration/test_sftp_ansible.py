"""Ansible against a door with its default ssh connection plugin (the
OpenSSH client; module files and `copy`/`fetch` go over sftp, with scp as
its fallback), the target's Python being this machine's /usr/bin/python3.

The door has no Subsystem line and OpenSSH's sftp-server is hidden
(/dev/null bound over it in the door's private mount namespace): every
transfer is internal-sftp's.  Ansible runs with a private HOME (its
~/.ansible, its ssh ControlPath sockets), ANSIBLE_LOCAL_TEMP and working
directory, host key checking off and no known_hosts written; the ssh
master connections it leaves behind (ControlPersist) are ended."""
import json
import os
import re
import shutil
import stat
import subprocess

import pytest

from fbdtest import ALICE, LOCALHOST, reap_orphans, run
from test_sftp import SFTP_SERVER, big, home, scratch, sha256  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                reason="ansible not installed (make test-deps)")

SFTP_STARTS = rf"Starting session: internal-sftp for {ALICE} from"


@pytest.fixture(scope="module")
def door(make_module_door, keys):
    """The default config, /usr/lib/openssh/sftp-server hidden."""
    hide = f'mount --bind /dev/null {SFTP_SERVER} && "$@"'     # a child: the listener
    d = make_module_door(wrapper=["unshare", "-m", "--propagation", "private",
                                  "sh", "-c", hide, "sh"])
    d.authorize(ALICE, keys["ed25519"])
    return d


@pytest.fixture(scope="module")
def ansible(door, keys, tmp_path_factory):
    """ansible(*argv, timeout) -> CompletedProcess of ansible or
    ansible-playbook (argv[0]) against the inventory host `door`."""
    d = tmp_path_factory.mktemp("ansible-sftp")
    for sub in ("home", "local"):
        (d / sub).mkdir()
    (d / "inventory").write_text(
        f"door ansible_host={LOCALHOST} ansible_port={door.port} ansible_user={ALICE} "
        f"ansible_ssh_private_key_file={keys['ed25519'].path} "
        f"ansible_python_interpreter=/usr/bin/python3 "
        "ansible_ssh_common_args='-F /dev/null -o UserKnownHostsFile=/dev/null "
        "-o IdentitiesOnly=yes'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(HOME=str(d / "home"), ANSIBLE_LOCAL_TEMP=str(d / "local"),
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_DEPRECATION_WARNINGS="False")
    env.pop("SSH_AUTH_SOCK", None)

    def run_ansible(*argv, timeout=300):
        res = subprocess.run([argv[0], "-i", str(d / "inventory"), *argv[1:]],
                             cwd=d, env=env, capture_output=True, text=True, timeout=timeout)
        assert res.returncode == 0, f"{res.stdout}\n{res.stderr}\nlog:\n{door.log()[-3000:]}"
        return res

    run_ansible.dir = d
    yield run_ansible
    for sock in (d / "home" / ".ansible" / "cp").glob("*"):
        run(["ssh", "-F", "/dev/null", "-S", str(sock), "-O", "exit", "door"], timeout=10)
    reap_orphans()


def test_ping_and_command(ansible, door):
    """`ansible -m ping` (a module file sent over sftp, run by the target's
    python3) and a `command` and a `shell` run."""
    mark = door.log_mark()
    res = ansible("ansible", "door", "-m", "ping")
    assert re.search(r'door \| SUCCESS => \{.*"ping": "pong"', res.stdout, re.S), res.stdout
    res = ansible("ansible", "door", "-m", "command", "-a", "id -un")
    assert re.search(rf"door \| CHANGED \| rc=0 >>\n{ALICE}$", res.stdout, re.M), res.stdout
    res = ansible("ansible", "door", "-m", "shell", "-a", "echo ok-$((6*7)) | tr a-z A-Z")
    assert re.search(r"^OK-42$", res.stdout, re.M), res.stdout
    assert len(re.findall(SFTP_STARTS, door.log(mark))) >= 3, door.log(mark)


def test_copy_and_fetch(ansible, door, big, home, scratch):  # noqa: F811
    """`copy` of 64 MiB to the user's home (content, mode, owner checked on
    disk) and `fetch` back, sha256-exact; all through internal-sftp."""
    path, digest = big
    back = scratch / "fetched.bin"
    play = ansible.dir / "copy-fetch.yml"
    play.write_text(json.dumps([{
        "hosts": "door", "gather_facts": False,
        "tasks": [
            {"copy": {"src": str(path), "dest": "copied.bin", "mode": "0640"}},
            {"fetch": {"src": "copied.bin", "dest": str(back), "flat": True}},
            {"shell": "stat -c '%U %a' copied.bin", "register": "st"},
            {"assert": {"that": [f"st.stdout == '{ALICE} 640'"]}},
        ]}]))
    mark = door.log_mark()
    ansible("ansible-playbook", str(play))
    st = (home / "copied.bin").stat()
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert st.st_uid == int(run(["id", "-u", ALICE], check=True).stdout)
    assert sha256(home / "copied.bin") == digest
    assert sha256(back) == digest
    assert re.search(SFTP_STARTS, door.log(mark)), door.log(mark)
