"""User key types: ed25519, ECDSA P-256/384/521, RSA with SHA-2 signatures.
Refused: ssh-rsa (SHA-1) signatures and RSA keys under 2048 bits."""
import re
import time

import paramiko
import pytest

from fbdtest import ALICE, paramiko_client, paramiko_exec, paramiko_transport, ssh, ssh_ok

AUTH_TIMEOUT = 8       # a refusal is one round trip; waiting longer is a hang
LOG_TYPE = {"ed25519": "ED25519", "ecdsa256": "ECDSA", "ecdsa384": "ECDSA",
            "ecdsa521": "ECDSA", "rsa": "RSA"}


@pytest.fixture(scope="module")
def door(make_module_door, keys):
    return make_module_door(authorize={ALICE: [keys[kind] for kind in (*LOG_TYPE, "rsa1024")]})


def accepted_line(door, kind, key, since):
    return door.wait_for_log(rf"Accepted publickey for {ALICE} from 127\.0\.0\.1 port \d+ "
                             rf"ssh2: {LOG_TYPE[kind]} {re.escape(key.fingerprint)}$",
                             since=since)


@pytest.mark.parametrize("kind", list(LOG_TYPE))
def test_openssh_login_with_key_type(door, keys, kind):
    """OpenSSH logs in; the log names the key type and its SHA256 fingerprint."""
    mark = door.log_mark()
    assert ssh_ok(door, ALICE, keys[kind], "echo ok") == "ok\n"
    accepted_line(door, kind, keys[kind], mark)


@pytest.mark.parametrize("kind", list(LOG_TYPE))
def test_paramiko_login_with_key_type(door, keys, kind):
    client = paramiko_client(door, ALICE, keys[kind])
    try:
        assert paramiko_exec(client, "echo ok") == (b"ok\n", b"", 0)
    finally:
        client.close()


@pytest.mark.parametrize("algorithm", ["rsa-sha2-512", "rsa-sha2-256"])
def test_rsa_sha2_signatures_accepted(door, keys, algorithm):
    res = ssh(door, ALICE, keys["rsa"], "echo ok",
              opts=["-o", f"PubkeyAcceptedAlgorithms={algorithm}", "-vvv"])
    assert (res.returncode, res.stdout) == (0, b"ok\n"), res.stderr[-1500:]
    assert f"signing using {algorithm} ".encode() in res.stderr


def test_server_sig_algs_exclude_ssh_rsa(door, keys):
    """OpenSSH limited to ssh-rsa finds no mutual algorithm: the server's
    server-sig-algs does not list SHA-1 RSA."""
    res = ssh(door, ALICE, keys["rsa"], "echo ok",
              opts=["-o", "PubkeyAcceptedAlgorithms=ssh-rsa", "-v"])
    assert res.returncode == 255
    assert b"server-sig-algs=<" in res.stderr
    sig_algs = re.search(rb"server-sig-algs=<([^>]*)>", res.stderr).group(1).split(b",")
    assert b"ssh-rsa" not in sig_algs and b"rsa-sha2-512" in sig_algs


def test_ssh_rsa_sha1_signature_refused(door, keys):
    """A client that signs with ssh-rsa (SHA-1) anyway gets a prompt
    USERAUTH_FAILURE (not silence until LoginGraceTime), and the attempt is
    logged.  paramiko falls back to ssh-rsa when it sees no server-sig-algs,
    so it is made to forget them (after auth_none, by which time EXT_INFO
    has arrived)."""
    t = paramiko_transport(door, disabled_algorithms={"pubkeys": ["rsa-sha2-512",
                                                                  "rsa-sha2-256"]})
    t.auth_timeout = AUTH_TIMEOUT
    mark = door.log_mark()
    try:
        with pytest.raises(paramiko.BadAuthenticationType):
            t.auth_none(ALICE)
        assert "server-sig-algs" in t.server_extensions
        t.server_extensions = {}
        start = time.monotonic()
        with pytest.raises(paramiko.AuthenticationException) as exc:
            t.auth_publickey(ALICE, keys["rsa"].pkey())
        assert t._agreed_pubkey_algorithm == "ssh-rsa"
        assert "timeout" not in str(exc.value).lower(), \
            f"no reply to the ssh-rsa signature within {AUTH_TIMEOUT}s"
        assert time.monotonic() - start < 3
        assert not t.is_authenticated()
    finally:
        t.close()
    door.wait_for_log(rf"Failed publickey for {ALICE} from 127\.0\.0\.1 port \d+ ssh2: RSA "
                      rf"{re.escape(keys['rsa'].fingerprint)}", since=mark)
    assert "Accepted publickey" not in door.log(mark)


def test_rsa_1024_key_refused(door, keys):
    """RSA keys under 2048 bits are refused although listed: promptly (the
    client must not wait for LoginGraceTime) and with a log line."""
    mark = door.log_mark()
    start = time.monotonic()
    res = ssh(door, ALICE, keys["rsa1024"], "echo ok", timeout=AUTH_TIMEOUT)
    assert res.returncode == 255
    assert res.stdout == b""
    assert time.monotonic() - start < 3
    door.wait_for_log(rf"Failed publickey for {ALICE} from 127\.0\.0\.1 port \d+ ssh2: RSA "
                      rf"{re.escape(keys['rsa1024'].fingerprint)}", since=mark)
    assert "Accepted publickey" not in door.log(mark)
