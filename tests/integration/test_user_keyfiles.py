"""The user's own keys files (issue 11): AuthorizedKeysFile with several
files and paths relative to the home directory, read with the user's
identity; StrictModes refuses a group-writable home or ~/.ssh and a
symlinked keys file, with the reason logged."""
import os
import shutil

import pytest

from fbdtest import ALICE, ssh_ok, ssh_refused


@pytest.fixture
def home_keys(users):
    """Write alice's ~/.ssh/authorized_keys (owned by her, 0600 in a 0700
    ~/.ssh); removed again, with the home's mode restored, afterwards."""
    home = users[ALICE]
    ssh_dir = home / ".ssh"
    mode = os.stat(home).st_mode & 0o7777
    uid, gid = os.stat(home).st_uid, os.stat(home).st_gid

    def write(*lines):
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        path = ssh_dir / "authorized_keys"
        path.write_text("".join(line + "\n" for line in lines))
        for p in (ssh_dir, path):
            os.chown(p, uid, gid)
        os.chmod(path, 0o600)
        return path

    yield write
    shutil.rmtree(ssh_dir, ignore_errors=True)
    os.chmod(home, mode)


def start(door, files="%h/.ssh/authorized_keys", **overrides):
    """Start DOOR with its own root-owned file first, then the user's."""
    door.write_config(AuthorizedKeysFile=f"{door.authdir}/%u {files}", **overrides)
    door.start()
    return door


def test_home_authorized_keys_logs_in(make_door, home_keys, key):
    d = make_door(start=False)
    start(d, ".ssh/authorized_keys")
    home_keys(key.pub)
    assert ssh_ok(d, ALICE, key, "echo ok") == "ok\n"


def test_home_file_read_as_the_user(make_door, home_keys, key, users):
    """A file root could read but the user cannot (mode 0000 for its
    owner, the user) does not open the door: it is read as the user."""
    d = start(make_door(start=False))
    path = home_keys(key.pub)
    os.chmod(path, 0)
    mark = d.log_mark()
    ssh_refused(d, ALICE, key)
    d.wait_for_log("Permission denied", since=mark)


@pytest.mark.parametrize("what", ["home", ".ssh"])
def test_group_writable_refused(make_door, home_keys, key, users, what):
    d = start(make_door(start=False))
    path = home_keys(key.pub)
    target = users[ALICE] if what == "home" else path.parent
    os.chmod(target, 0o770 if what == ".ssh" else 0o775)
    mark = d.log_mark()
    ssh_refused(d, ALICE, key)
    d.wait_for_log(rf"bad ownership or modes for directory {target}", since=mark)


def test_group_writable_allowed_without_strict_modes(make_door, home_keys, key, users):
    d = start(make_door(start=False), StrictModes="no")
    path = home_keys(key.pub)
    os.chmod(path.parent, 0o770)
    assert ssh_ok(d, ALICE, key, "echo ok") == "ok\n"


def test_symlinked_keys_file_refused(make_door, home_keys, key, workdir, users):
    d = start(make_door(start=False))
    path = home_keys()
    elsewhere = workdir / "alice-keys-elsewhere"
    elsewhere.write_text(key.pub + "\n")
    path.unlink()
    path.symlink_to(elsewhere)
    mark = d.log_mark()
    ssh_refused(d, ALICE, key)
    d.wait_for_log(rf"{path}: is a symbolic link", since=mark)


def test_root_file_still_works(make_door, key):
    """The door's own root-owned file (listed first) keeps working when
    the user has no ~/.ssh at all."""
    d = start(make_door(start=False))
    d.authorize(ALICE, key)
    assert ssh_ok(d, ALICE, key, "echo ok") == "ok\n"
