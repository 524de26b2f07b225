"""Bulk data, byte-exact both ways (100 MiB), and no lost tail at exit."""
import hashlib
import os

import pytest

from fbdtest import ALICE, paramiko_client, read_all, exit_status, ssh, ssh_ok

MiB = 1 << 20


@pytest.fixture(scope="module")
def door(make_module_door, key):
    return make_module_door(authorize={ALICE: key})


@pytest.fixture
def upload_path(users):
    path = users[ALICE] / "upload.bin"
    yield path
    if path.exists():
        path.unlink()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_cat_large_file_last_bytes_arrive(door, key, bigfile):
    """Regression (output loss at exit): `ssh host cat bigfile` must deliver
    every byte up to the last, although cat exits while the tail is still
    in flight."""
    path, digest = bigfile
    res = ssh(door, ALICE, key, f"cat {path}", timeout=120)
    assert res.returncode == 0, res.stderr
    assert len(res.stdout) == 100 * MiB
    assert sha256(res.stdout) == digest


@pytest.mark.parametrize("size", [1, 4095, 32768, 65537, 2 * MiB + 3])
def test_short_output_then_exit_is_complete(door, key, bigfile, size):
    """The same rule at sizes around buffer and window boundaries."""
    path, _ = bigfile
    with open(path, "rb") as f:
        expected = f.read(size)
    res = ssh(door, ALICE, key, f"head -c {size} {path}")
    assert res.returncode == 0
    assert res.stdout == expected


def test_upload_100mib_with_cat_is_byte_exact(door, key, bigfile, upload_path):
    path, digest = bigfile
    res = ssh(door, ALICE, key, f"cat > {upload_path}", input=path.read_bytes(), timeout=120)
    assert res.returncode == 0, res.stderr
    assert upload_path.stat().st_size == 100 * MiB
    assert sha256(upload_path.read_bytes()) == digest


def test_upload_100mib_hashed_remotely(door, key, bigfile):
    path, digest = bigfile
    out = ssh_ok(door, ALICE, key, "sha256sum", input=path.read_bytes(), timeout=120)
    assert out.split()[0] == digest


def test_download_100mib_with_paramiko(door, key, bigfile):
    path, digest = bigfile
    client = paramiko_client(door, ALICE, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.exec_command(f"cat {path}")
        data = read_all(chan, timeout=120)
        assert exit_status(chan) == 0
    finally:
        client.close()
    assert len(data) == 100 * MiB
    assert sha256(data) == digest


def test_binary_roundtrip_all_byte_values(door, key):
    """Every byte value survives a round trip through `cat` (no tty, no
    translation)."""
    data = bytes(range(256)) * 64 + os.urandom(4096)
    res = ssh(door, ALICE, key, "cat", input=data)
    assert res.returncode == 0
    assert res.stdout == data
