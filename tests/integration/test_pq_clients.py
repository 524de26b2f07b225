"""Newer clients than Debian 12's, from a debootstrapped Debian 13 root
(conftest.trixie_root): OpenSSH 10 logs in with mlkem768x25519-sha256, its
default, through the monitor's signing at the first exchange and at rekeys,
and warns about nothing."""
import shutil

import pytest

from fbdtest import ALICE, LOCALHOST, run


@pytest.fixture(scope="module")
def door(alice_door):
    return alice_door


@pytest.fixture(scope="module")
def chroot_key(trixie_root, keys):
    """The client key, copied into the root (its ssh reads it there)."""
    path = trixie_root / "tmp" / "fbdt-client-key"
    shutil.copyfile(keys["ed25519"].path, path)
    path.chmod(0o600)
    yield "/tmp/fbdt-client-key"
    path.unlink()


def ssh10(root, door, key, command, opts=(), input=None):
    argv = ["chroot", str(root), "ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-i", key,
            "-p", str(door.port), *opts, f"{ALICE}@{LOCALHOST}", command]
    return run(argv, input=input, timeout=60)


def test_openssh10_is_openssh10(trixie_root):
    res = run(["chroot", str(trixie_root), "ssh", "-V"])
    assert res.stderr.startswith(b"OpenSSH_10."), res.stderr


def test_openssh10_default_is_mlkem768x25519(trixie_root, door, chroot_key):
    res = ssh10(trixie_root, door, chroot_key, "echo ok", opts=["-v"])
    assert (res.returncode, res.stdout) == (0, b"ok\n"), res.stderr
    assert b"kex: algorithm: mlkem768x25519-sha256" in res.stderr
    assert b"post-quantum" not in res.stderr


def test_openssh10_warns_about_nothing(trixie_root, door, chroot_key):
    """At its default log level the client prints nothing but the note
    about the throw-away known_hosts this test uses: no post-quantum warning
    (OpenSSH 10.1+ prints one for a curve25519 exchange), no other warning."""
    res = ssh10(trixie_root, door, chroot_key, "echo ok", opts=["-o", "LogLevel=INFO"])
    assert (res.returncode, res.stdout) == (0, b"ok\n"), res.stderr
    rest = [line for line in res.stderr.decode().splitlines()
            if not line.startswith("Warning: Permanently added")]
    assert rest == [], res.stderr


@pytest.mark.parametrize("kex", ["mlkem768x25519-sha256", "sntrup761x25519-sha512",
                                 "sntrup761x25519-sha512@openssh.com", "curve25519-sha256"])
def test_openssh10_each_kex_with_rekeys(trixie_root, door, chroot_key, kex):
    """Each key exchange at the first exchange and at every rekey (RekeyLimit
    makes the client rekey every 64 KiB of a 512 KiB upload)."""
    res = ssh10(trixie_root, door, chroot_key, "wc -c", input=b"y" * 524288,
                opts=["-o", f"KexAlgorithms={kex}", "-o", "RekeyLimit=64K", "-vv"])
    assert (res.returncode, res.stdout) == (0, b"524288\n"), res.stderr[-2000:]
    assert f"kex: algorithm: {kex}".encode() in res.stderr
    assert res.stderr.count(b"SSH2_MSG_NEWKEYS received") > 2
