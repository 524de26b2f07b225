"""The algorithms offered: curve25519 key exchange (+ strict-kex marker),
AEAD ciphers, etm MACs, no compression, and nothing older."""
import pytest

from fbdtest import ALICE, CIPHERS, KEX, MACS, STRICT_KEX, server_kexinit, ssh, ssh_ok


@pytest.fixture(scope="module")
def door(make_module_door, key):
    return make_module_door(authorize={ALICE: key})


@pytest.fixture(scope="module")
def kexinit(door):
    return server_kexinit(door)[1]


def test_kex_only_curve25519_with_strict_kex_marker(kexinit):
    assert STRICT_KEX in kexinit["kex"]
    real = {k for k in kexinit["kex"] if not k.startswith(("kex-strict-", "ext-info-"))}
    assert real == KEX


def test_ciphers_only_aead(kexinit):
    for field in ("ciphers_c2s", "ciphers_s2c"):
        assert set(kexinit[field]) <= CIPHERS and kexinit[field], kexinit[field]
        assert "chacha20-poly1305@openssh.com" in kexinit[field]


def test_macs_only_etm(kexinit):
    for field in ("macs_c2s", "macs_s2c"):
        assert set(kexinit[field]) <= MACS and kexinit[field], kexinit[field]


def test_no_compression(kexinit):
    assert kexinit["compression_c2s"] == ["none"]
    assert kexinit["compression_s2c"] == ["none"]


def test_host_key_algorithm_is_the_loaded_key(kexinit):
    """Only the type of the HostKey loaded (ed25519 here) is offered."""
    assert kexinit["hostkey"] == ["ssh-ed25519"]


def test_server_identification(door):
    ident, _ = server_kexinit(door)
    assert ident.startswith("SSH-2.0-")


@pytest.mark.parametrize("cipher", sorted(CIPHERS))
def test_each_aead_cipher_works(door, key, cipher):
    assert ssh_ok(door, ALICE, key, "echo ok", opts=["-o", f"Ciphers={cipher}"]) == "ok\n"


@pytest.mark.parametrize("kex", sorted(KEX))
def test_each_kex_works(door, key, kex):
    assert ssh_ok(door, ALICE, key, "echo ok", opts=["-o", f"KexAlgorithms={kex}"]) == "ok\n"


@pytest.mark.parametrize("opts, error", [
    (["-o", "Ciphers=aes128-ctr"], b"no matching cipher found"),
    (["-o", "Ciphers=aes256-cbc"], b"no matching cipher found"),
    (["-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha2-256"], b"no matching"),
    (["-o", "KexAlgorithms=diffie-hellman-group14-sha256"], b"no matching key exchange method"),
    (["-o", "KexAlgorithms=ecdh-sha2-nistp256"], b"no matching key exchange method"),
    (["-o", "KexAlgorithms=diffie-hellman-group-exchange-sha256"],
     b"no matching key exchange method"),
    (["-o", "HostKeyAlgorithms=rsa-sha2-512"], b"no matching host key type"),
])
def test_old_algorithms_refused(door, key, opts, error):
    """A client limited to an algorithm the server does not offer cannot
    connect ("Unable to negotiate" needs -v: LogLevel ERROR hides it)."""
    res = ssh(door, ALICE, key, "echo ok", opts=opts + ["-v"])
    assert res.returncode == 255
    assert res.stdout == b""
    assert error in res.stderr, res.stderr


def test_compression_request_negotiates_none(door, key):
    """A client asking for compression still gets in, uncompressed."""
    res = ssh(door, ALICE, key, "echo ok", opts=["-o", "Compression=yes", "-v"])
    assert (res.returncode, res.stdout) == (0, b"ok\n")
    assert b"compression: none" in res.stderr
    assert b"compression: zlib" not in res.stderr


def test_strict_kex_negotiated_with_openssh(door, key):
    """OpenSSH 9.2 (Debian's, with the Terrapin fix) and the server agree on
    strict key exchange."""
    res = ssh(door, ALICE, key, "true", opts=["-vvv"])
    assert res.returncode == 0
    assert b"will use strict KEX ordering" in res.stderr
