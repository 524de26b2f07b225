"""Fixtures for fallbackd's integration tests (see fbdtest.py for helpers).

Run as root with Debian's python (python3-pytest, python3-paramiko):

    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration

The daemon under test is $FALLBACKD_BIN, by default build/fallbackd.

Session: test users fbdt-* (useradd -m; fbdt-locked has a locked password),
group fbdt-ops, client keys of every type.  Per test (or per module, where a
module's tests share one config): a `door`, i.e. a running fallbackd.
Everything is removed at the end, also when tests fail.
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import fbdtest
from fbdtest import ALICE, BOB, CAROL, GROUP, LOCKED, ClientKey, DoorFactory, run

USERS = (ALICE, BOB, CAROL, LOCKED)
KEY_KINDS = ("ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa", "rsa1024")
STRANGERS = 8       # ed25519 keys nobody authorizes


def pytest_sessionstart(session):
    if os.geteuid() != 0:
        pytest.exit("fallbackd's integration tests run as root (they add users)", returncode=4)
    if not os.access(fbdtest.FALLBACKD, os.X_OK):
        pytest.exit(f"{fbdtest.FALLBACKD} not found: run `make` or set FALLBACKD_BIN",
                    returncode=4)
    fbdtest.become_subreaper()


def _remove_users():
    for name in USERS:
        if subprocess.run(["id", "-u", name], capture_output=True).returncode == 0:
            uid = int(subprocess.run(["id", "-u", name], capture_output=True).stdout)
            fbdtest.kill_pids(fbdtest.pids_of_uid(uid))
            subprocess.run(["userdel", "-r", name], capture_output=True, timeout=30)
    subprocess.run(["groupdel", GROUP], capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def users():
    """The test accounts: name -> home directory.  fbdt-alice is in fbdt-ops;
    fbdt-locked's password is locked (usermod -L)."""
    _remove_users()     # leftovers of an interrupted run
    try:
        run(["groupadd", GROUP], check=True)
        for name in USERS:
            extra = ["-G", GROUP] if name == ALICE else []
            run(["useradd", "-m", "-s", "/bin/bash", *extra, name], check=True)
        run(["usermod", "-L", LOCKED], check=True)
        yield {name: Path("/home") / name for name in USERS}
    finally:
        fbdtest.reap_orphans()
        _remove_users()


@pytest.fixture(scope="session")
def workdir():
    """A session scratch directory readable by the test users."""
    d = Path(tempfile.mkdtemp(prefix="fbdt-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def keys(workdir):
    """Client keys: kind -> ClientKey (ed25519, ecdsa256/384/521, rsa 3072,
    rsa1024), plus stranger0..N (ed25519, never authorized)."""
    d = workdir / "clientkeys"
    d.mkdir(mode=0o700)
    out = {kind: ClientKey.generate(d / kind, kind) for kind in KEY_KINDS}
    for i in range(STRANGERS):
        out[f"stranger{i}"] = ClientKey.generate(d / f"stranger{i}", "ed25519")
    return out


@pytest.fixture(scope="session")
def key(keys):
    """The key most tests log in with: ed25519."""
    return keys["ed25519"]


@pytest.fixture(scope="session")
def bigfile(workdir):
    """100 MiB of random bytes, readable by every user: (path, sha256)."""
    import hashlib
    path = workdir / "big.bin"
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(100):
            chunk = os.urandom(1 << 20)
            h.update(chunk)
            f.write(chunk)
    os.chmod(path, 0o644)
    yield path, h.hexdigest()
    path.unlink()


@pytest.fixture
def make_door(users):
    """make_door(**config_overrides) -> a started Door, stopped after the
    test (see fbdtest.DoorFactory: start=False, wrapper=, binary=,
    authorize={user: key})."""
    factory = DoorFactory()
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def make_module_door(users):
    """As make_door, for doors shared by a module's tests."""
    factory = DoorFactory()
    yield factory
    factory.close()


@pytest.fixture
def door(make_door, key):
    """A fresh door with default config; fbdt-alice authorized with ed25519."""
    return make_door(authorize={ALICE: key})


@pytest.fixture(scope="session")
def trixie_root():
    """A Debian 13 root (mk/trixie-root.sh, kept in build/trixie-root) with
    OpenSSH 10 and ssh-audit 3, whose clients are run with chroot.  Skips
    only when the root cannot be created (no debootstrap, no archive)."""
    res = run(["sh", str(fbdtest.REPO / "mk" / "trixie-root.sh"), str(fbdtest.REPO / "build")],
              timeout=900)
    if res.returncode != 0:
        pytest.skip("no Debian 13 root for newer clients: mk/trixie-root.sh failed: "
                    + res.stderr.decode(errors="replace").strip()[-300:])
    return fbdtest.REPO / "build" / "trixie-root"


@pytest.fixture(scope="module")
def alice_door(make_module_door, keys):
    """A door with the default config for a module, fbdt-alice's ed25519
    key authorized."""
    d = make_module_door()
    d.authorize(ALICE, keys["ed25519"])
    return d
