"""The algorithms offered, in order: post-quantum hybrid key exchange, then
curve25519 (+ strict-kex marker); AEAD ciphers, then AES-CTR; etm MACs; no
compression, and nothing older.  Real clients negotiate each one."""
import signal

import paramiko
import pytest
from paramiko.kex_curve25519 import (_MSG_KEXECDH_REPLY, KexCurve25519, X25519PrivateKey,
                                     c_MSG_KEXECDH_INIT)

from fbdtest import (ALICE, CIPHERS, FALLBACKD, KEX, MACS, OPENSSH92_KEX, STRICT_KEX,
                     paramiko_client, paramiko_exec, paramiko_transport, run, server_kexinit,
                     ssh, ssh_ok)


@pytest.fixture(scope="module")
def door(make_module_door, key):
    return make_module_door(authorize={ALICE: key})


@pytest.fixture(scope="module")
def kexinit(door):
    return server_kexinit(door)[1]


def test_kex_in_order_with_strict_kex_marker(kexinit):
    assert STRICT_KEX in kexinit["kex"]
    real = [k for k in kexinit["kex"] if not k.startswith(("kex-strict-", "ext-info-"))]
    assert real == KEX


def test_ciphers_in_order(kexinit):
    for field in ("ciphers_c2s", "ciphers_s2c"):
        assert kexinit[field] == CIPHERS


def test_macs_only_etm(kexinit):
    for field in ("macs_c2s", "macs_s2c"):
        assert kexinit[field] == MACS


def test_no_compression(kexinit):
    assert kexinit["compression_c2s"] == ["none"]
    assert kexinit["compression_s2c"] == ["none"]


def test_host_key_algorithm_is_the_loaded_key(kexinit):
    """Only the type of the HostKey loaded (ed25519 here) is offered."""
    assert kexinit["hostkey"] == ["ssh-ed25519"]


def test_server_identification(door):
    ident, _ = server_kexinit(door)
    assert ident.startswith("SSH-2.0-")


@pytest.mark.parametrize("cipher", CIPHERS)
def test_each_cipher_works(door, key, cipher):
    assert ssh_ok(door, ALICE, key, "echo ok", opts=["-o", f"Ciphers={cipher}"]) == "ok\n"


@pytest.mark.parametrize("mac", MACS)
@pytest.mark.parametrize("cipher", ["aes256-ctr", "aes128-ctr"])
def test_each_mac_with_ctr_works(door, key, cipher, mac):
    res = ssh(door, ALICE, key, "echo ok", opts=["-o", f"Ciphers={cipher}", "-o", f"MACs={mac}",
                                                 "-v"])
    assert (res.returncode, res.stdout) == (0, b"ok\n"), res.stderr
    assert f"cipher: {cipher} MAC: {mac}".encode() in res.stderr


@pytest.mark.parametrize("kex", OPENSSH92_KEX)
def test_each_kex_works(door, key, kex):
    res = ssh(door, ALICE, key, "echo ok", opts=["-o", f"KexAlgorithms={kex}", "-v"])
    assert (res.returncode, res.stdout) == (0, b"ok\n"), res.stderr
    assert f"kex: algorithm: {kex}".encode() in res.stderr


def test_openssh92_default_is_sntrup761(door, key):
    """Debian 12's OpenSSH client, with its own preferences, gets its
    post-quantum default."""
    res = ssh(door, ALICE, key, "echo ok", opts=["-v"])
    assert (res.returncode, res.stdout) == (0, b"ok\n"), res.stderr
    assert b"kex: algorithm: sntrup761x25519-sha512" in res.stderr


def test_rekeys_with_each_kex(door, key):
    """Every rekey is signed by the monitor again (RekeyLimit makes OpenSSH
    rekey every 64 KiB of a 1 MiB upload)."""
    for kex in OPENSSH92_KEX:
        res = ssh(door, ALICE, key, "wc -c", input=b"x" * 1048576,
                  opts=["-o", f"KexAlgorithms={kex}", "-o", "RekeyLimit=64K", "-vv"])
        assert (res.returncode, res.stdout) == (0, b"1048576\n"), (kex, res.stderr[-2000:])
        assert res.stderr.count(b"SSH2_MSG_NEWKEYS received") > 2, kex


def test_hostbound_publickey_auth(door, key):
    """The server announces publickey-hostbound@openssh.com in ext-info and
    OpenSSH 9.2 signs the host key into its request; the monitor checks it."""
    res = ssh(door, ALICE, key, "echo ok", opts=["-vvv"])
    assert (res.returncode, res.stdout) == (0, b"ok\n"), res.stderr
    assert b"publickey-hostbound@openssh.com=<0>" in res.stderr
    assert b"using publickey-hostbound-v00@openssh.com" in res.stderr


def test_stock_paramiko_execs_with_exit_code(door, key):
    """Debian 12's paramiko 2.12, unpatched (no AEAD), gets AES-CTR with an
    etm MAC and runs a command with its exit code."""
    client = paramiko_client(door, ALICE, key)
    try:
        t = client.get_transport()
        assert t.local_cipher in ("aes256-ctr", "aes192-ctr", "aes128-ctr")
        assert t.local_mac in MACS
        out, err, code = paramiko_exec(client, "echo out; echo err >&2; exit 7")
        assert (out, err, code) == (b"out\n", b"err\n", 7)
    finally:
        client.close()


@pytest.mark.parametrize("opts, error", [
    (["-o", "Ciphers=aes256-cbc"], b"no matching cipher found"),
    (["-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha2-256"], b"no matching"),
    (["-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha1-etm@openssh.com"], b"no matching"),
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


# ---- the config keywords ---------------------------------------------------

def check(door, *flags):
    return run([str(FALLBACKD), *flags, "-f", str(door.config)], timeout=15)


def test_keywords_checked_with_file_and_line(make_door):
    """-t: an unknown algorithm is an error naming file, line and entry."""
    door = make_door(start=False)
    door.port = 2222
    text = door.config_text()
    door.write_config(text + "Ciphers +aes256-cbc\nKexAlgorithms -curve25519*\n"
                      "MACs hmac-sha1\n")
    n = text.count("\n")
    res = check(door, "-t")
    assert res.returncode != 0
    err = res.stderr.decode()
    assert f"{door.config}:{n + 1}: Ciphers: \"aes256-cbc\" is not an algorithm" in err, err
    assert f"{door.config}:{n + 3}: MACs: \"hmac-sha1\" is not an algorithm" in err, err
    assert f":{n + 2}:" not in err, "removing curve25519 leaves the hybrids: valid"


def test_host_key_algorithms_must_cover_a_host_key(make_door):
    """-t: a HostKeyAlgorithms list that names no algorithm of the loaded
    (ed25519) host key would leave clients nothing to verify: refused."""
    door = make_door(start=False)
    door.port = 2222
    door.write_config(HostKeyAlgorithms="rsa-sha2-512,rsa-sha2-256")
    res = check(door, "-t")
    assert res.returncode != 0
    assert b"HostKeyAlgorithms names no algorithm of a loaded HostKey" in res.stderr, res.stderr
    door.write_config(HostKeyAlgorithms="+ssh-ed25519")
    assert check(door, "-t").returncode == 0


def test_keywords_shown_by_dump(make_door):
    door = make_door(start=False)
    door.port = 2222
    door.write_config(KexAlgorithms="^curve25519-sha256", Ciphers="-aes*-ctr",
                      MACs="+hmac-sha2-512", HostKeyAlgorithms="ssh-ed25519",
                      PubkeyAcceptedAlgorithms="-rsa-sha2-256")
    res = check(door, "-T")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.decode().splitlines()
    assert "kexalgorithms " + ",".join(["curve25519-sha256"] + [
        k for k in KEX if k != "curve25519-sha256"]) in lines
    assert "ciphers " + ",".join(CIPHERS[:3]) in lines
    assert "macs " + ",".join(MACS + ["hmac-sha2-512"]) in lines
    assert "hostkeyalgorithms ssh-ed25519" in lines
    assert any(line.startswith("pubkeyacceptedalgorithms ")
               and "rsa-sha2-256" not in line.split()[1].split(",")
               and "rsa-sha2-512" in line.split()[1].split(",") for line in lines), lines


def test_keywords_offered_and_applied_on_reload(make_door, keys):
    """The configured lists are what the server offers; a reload applies new
    lists to new connections."""
    key = keys["ed25519"]
    door = make_door(start=False)
    door.write_config(KexAlgorithms="curve25519-sha256", Ciphers="aes128-ctr")
    door.start()
    door.authorize(ALICE, key)
    kexinit = server_kexinit(door)[1]
    assert [k for k in kexinit["kex"] if not k.startswith(("kex-", "ext-"))] == \
        ["curve25519-sha256"]
    assert kexinit["ciphers_s2c"] == ["aes128-ctr"]
    res = ssh(door, ALICE, key, "echo ok", opts=["-o", "KexAlgorithms=sntrup761x25519-sha512"])
    assert res.returncode == 255

    door.write_config(KexAlgorithms="-curve25519*", Ciphers="chacha20-poly1305@openssh.com")
    mark = door.log_mark()
    door.signal(signal.SIGHUP)
    door.wait_for_log(r"configuration reloaded", since=mark)
    kexinit = server_kexinit(door)[1]
    assert [k for k in kexinit["kex"] if not k.startswith(("kex-", "ext-"))] == KEX[:3]
    assert kexinit["ciphers_s2c"] == ["chacha20-poly1305@openssh.com"]
    res = ssh(door, ALICE, key, "echo ok", opts=["-v"])
    assert (res.returncode, res.stdout) == (0, b"ok\n"), res.stderr
    assert b"kex: algorithm: sntrup761x25519-sha512" in res.stderr


def low_order_curve25519_client(monkeypatch):
    """paramiko's curve25519 client, changed to send the point u = 0 (of
    low order: any scalar times it is 0) as its ephemeral public key."""
    real = KexCurve25519.start_kex

    def start_kex(self):
        if self.transport.server_mode:
            return real(self)
        self.key = X25519PrivateKey.generate()
        m = paramiko.Message()
        m.add_byte(c_MSG_KEXECDH_INIT)
        m.add_string(bytes(32))
        self.transport._send_message(m)
        self.transport._expect_packet(_MSG_KEXECDH_REPLY)

    monkeypatch.setattr(KexCurve25519, "start_kex", start_kex)


def test_curve25519_key_of_low_order_refused(door, key, monkeypatch):
    """RFC 8731 section 3: a client's X25519 key that makes the shared
    secret all zero ends the key exchange (libssh patch 0011 checks
    libsodium's crypto_scalarmult()); the door keeps serving."""
    only = {"kex": [k for k in KEX if not k.startswith("curve25519")]}
    t = paramiko_transport(door, disabled_algorithms=only)
    assert t.is_active()
    t.close()
    low_order_curve25519_client(monkeypatch)
    mark = door.log_mark()
    with pytest.raises((paramiko.SSHException, EOFError, OSError)):
        t = paramiko_transport(door, disabled_algorithms=only)
        t.close()
    door.wait_for_log(r"kex error from .*Cannot build k number", since=mark)
    monkeypatch.undo()
    assert ssh_ok(door, ALICE, key, "echo ok") == "ok\n"
