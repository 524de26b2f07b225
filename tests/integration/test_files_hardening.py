"""Files fallbackd trusts (issue 9.8): keys files reached only through
root's directories and no symbolic link, a host key root's and 0600, a
config never loaded half-written, passwd/group files with a malformed line
taken for their good lines, and no silently cut group list."""
import os
import re
from pathlib import Path

import pytest

from fbdtest import ALICE, BOB, FALLBACKD, run, ssh_ok, ssh_refused


@pytest.fixture
def door(make_door, keys):
    d = make_door()
    d.authorize(ALICE, keys["ed25519"])
    return d


def test_keys_file_through_a_symbolic_link_refused(door, keys):
    real = door.dir / "elsewhere"
    real.write_text(keys["ed25519"].line() + "\n")
    os.chmod(real, 0o644)
    door.keys_path(BOB).symlink_to(real)
    mark = door.log_mark()
    ssh_refused(door, BOB, keys["ed25519"])
    door.wait_for_log(rf"Could not open user '{BOB}' authorized keys: .*{BOB} is a symbolic "
                      r"link", since=mark)


def test_keys_directory_writable_by_others_refused(door, keys):
    os.chmod(door.authdir, 0o775)
    try:
        mark = door.log_mark()
        ssh_refused(door, ALICE, keys["ed25519"])
        door.wait_for_log(rf"bad ownership or modes for directory {re.escape(str(door.authdir))}",
                          since=mark)
    finally:
        os.chmod(door.authdir, 0o755)
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo in") == "in\n"


def test_host_key_not_owned_by_root_refused_by_name(make_door):
    d = make_door(start=False)
    d.port = 1
    d.write_config()
    os.chown(d.hostkey, 1000, 1000)
    res = run([str(FALLBACKD), "-t", "-f", str(d.config)])
    assert res.returncode != 0
    assert f"{d.hostkey}: host key is owned by uid 1000".encode() in res.stderr + res.stdout, res


def test_config_without_final_newline_refused_with_line(make_door):
    d = make_door(start=False)
    d.port = 1
    text = d.config_text()
    d.write_config(text=text + "PermitRootLogin yes")
    res = run([str(FALLBACKD), "-t", "-f", str(d.config)])
    assert res.returncode != 0
    line = text.count("\n") + 1
    assert f"{d.config}:{line}: no newline at end of file".encode() in res.stderr + res.stdout


def passwd_without(path, drop=(), extra=""):
    lines = [l for l in Path("/etc/passwd").read_text().splitlines()
             if l.split(":")[0] not in drop]
    tmp = path.with_suffix(".new")
    tmp.write_text("\n".join(lines) + "\n" + extra)
    os.chmod(tmp, 0o644)
    tmp.rename(path)


def test_deleted_user_gone_despite_a_malformed_passwd_line(make_door, keys, workdir):
    pw = workdir / "passwd-files"
    passwd_without(pw)
    d = make_door(PasswdFile=str(pw))
    d.authorize(ALICE, keys["ed25519"])
    assert ssh_ok(d, ALICE, keys["ed25519"], "echo in") == "in\n"
    passwd_without(pw, drop=(ALICE,), extra="a malformed line\n")
    mark = d.log_mark()
    ssh_refused(d, ALICE, keys["ed25519"])
    d.wait_for_log(rf"Invalid user {ALICE} ", since=mark)
    d.wait_for_log(r"malformed lines left out", since=mark)


def test_too_many_groups_refuses_the_login(make_door, keys, workdir):
    gr = workdir / "group-many"
    extra = "".join(f"fbdt-g{i}:x:{40000 + i}:{BOB}\n" for i in range(256))
    gr.write_text(Path("/etc/group").read_text() + extra)
    os.chmod(gr, 0o644)
    d = make_door(GroupFile=str(gr))
    d.authorize(BOB, keys["ed25519"])
    mark = d.log_mark()
    ssh_refused(d, BOB, keys["ed25519"])
    d.wait_for_log(rf"User {BOB} from 127\.0\.0\.1 not allowed because a member of \d+ groups "
                   r"\(fallbackd supports 256\)", since=mark)
