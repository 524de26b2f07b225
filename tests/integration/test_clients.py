"""Other clients: PuTTY's plink, paramiko, and scp/sftp over the sftp
subsystem."""
import hashlib
import os
from pathlib import Path

import pytest

from fbdtest import (ALICE, LOCALHOST, SSH_OPTS, paramiko_client, paramiko_exec, plink, run,
                     ssh)

SFTP_SERVER = "/usr/lib/openssh/sftp-server"
needs_sftp_server = pytest.mark.skipif(
    not os.access(SFTP_SERVER, os.X_OK),
    reason=f"{SFTP_SERVER} missing (Debian package openssh-sftp-server)")


@pytest.fixture(scope="module")
def door(make_module_door, keys):
    return make_module_door(Subsystem=f"sftp {SFTP_SERVER}",
                            authorize={ALICE: [keys["ed25519"], keys["rsa"]]})


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_plink_exec_output_and_exit_code(door, keys, kind):
    """plink (-batch, host key pinned by fingerprint) runs a command; stdout,
    stderr and exit code come back."""
    res = plink(door, ALICE, keys[kind], "echo to-out; echo to-err >&2; exit 42")
    assert res.returncode == 42, res.stderr
    assert res.stdout == b"to-out\n"
    assert res.stderr == b"to-err\n"


def test_plink_stdin(door, key):
    res = plink(door, ALICE, key, "wc -c", input=b"x" * 100000)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == b"100000"


def test_plink_rejects_wrong_host_key(door, key):
    """Control for the pinning above: plink does check the fingerprint."""
    res = plink(door, ALICE, key, "echo in", hostkey="SHA256:" + "A" * 43)
    assert res.returncode != 0 and res.stdout == b""


def test_paramiko_exec(door, key):
    client = paramiko_client(door, ALICE, key)
    try:
        assert paramiko_exec(client, "echo out; echo err >&2; exit 7") == (b"out\n", b"err\n", 7)
    finally:
        client.close()


@pytest.fixture
def payload(workdir):
    path = workdir / "payload.bin"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    path.chmod(0o644)
    yield path
    path.unlink()


@pytest.fixture
def home(users):
    """alice's home; files the tests put there are removed."""
    before = set(users[ALICE].iterdir())
    yield users[ALICE]
    for p in set(users[ALICE].iterdir()) - before:
        if p.is_file():
            p.unlink()


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@needs_sftp_server
@pytest.mark.parametrize("mode", ["sftp", "legacy"])
def test_scp_upload_and_download(door, key, payload, home, workdir, mode):
    """scp both ways, byte-exact: over the sftp subsystem (OpenSSH 9's
    default) and with the legacy protocol (-O: remote `scp -t/-f` command)."""
    opts = ["-O"] if mode == "legacy" else []
    base = ["scp", *SSH_OPTS, "-i", str(key.path), "-P", str(door.port), *opts]
    res = run(base + [str(payload), f"{ALICE}@{LOCALHOST}:up.bin"], timeout=60)
    assert res.returncode == 0, res.stderr
    assert digest(home / "up.bin") == digest(payload)
    back = workdir / f"back-{mode}.bin"
    try:
        res = run(base + [f"{ALICE}@{LOCALHOST}:up.bin", str(back)], timeout=60)
        assert res.returncode == 0, res.stderr
        assert digest(back) == digest(payload)
    finally:
        back.unlink(missing_ok=True)


@needs_sftp_server
def test_sftp_batch(door, key, payload, home, workdir):
    """sftp: put, ls, get, rename, rm in one batch."""
    back = workdir / "sftp-back.bin"
    batch = (f"put {payload} s.bin\nls -l s.bin\nget s.bin {back}\n"
             f"rename s.bin t.bin\nrm t.bin\nls\n").encode()
    res = run(["sftp", *SSH_OPTS, "-i", str(key.path), "-P", str(door.port), "-b", "-",
               f"{ALICE}@{LOCALHOST}"], input=batch, timeout=60)
    try:
        assert res.returncode == 0, res.stderr
        assert digest(back) == digest(payload)
        assert not (home / "s.bin").exists() and not (home / "t.bin").exists()
        assert str(payload.stat().st_size).encode() in res.stdout
    finally:
        back.unlink(missing_ok=True)


@needs_sftp_server
def test_paramiko_sftp(door, key, home):
    client = paramiko_client(door, ALICE, key)
    try:
        sftp = client.open_sftp()
        with sftp.open("p.txt", "w") as f:
            f.write(b"via paramiko sftp\n")
        assert sftp.stat("p.txt").st_size == 18
        assert sftp.getcwd() is None and sftp.normalize(".") == str(home)
        sftp.close()
    finally:
        client.close()
    assert (home / "p.txt").read_bytes() == b"via paramiko sftp\n"
    assert (home / "p.txt").stat().st_uid == home.stat().st_uid


def test_unknown_subsystem_refused(door, key):
    mark = door.log_mark()
    res = ssh(door, ALICE, key, "nosuch", opts=["-s"])
    assert res.returncode != 0
    assert res.stdout == b""
    door.wait_for_log(rf"subsystem request for nosuch by user {ALICE} failed, subsystem not found",
                      since=mark)
