"""What an unauthenticated client can make the door spend (issue 9.1).

A signed publickey request is checked in the order cheap to dear: the
key's size, the signed data, the policy (keys file), and only for a key the
policy allows, the signature - once, in the monitor (libssh in the network
process verifies none: mk/libssh-patches/0008).  The CPU cost itself is
measured in bench/auth_cost.py; here the order is checked through the
monitor's debug log line "verifying the ALG signature of USER"."""
import re

import pytest

from fbdtest import ALICE, paramiko_client, paramiko_transport
from rawauth import FakeKey, random_rsa_signer, rsa_blob, try_key

PEER = r"from 127\.0\.0\.1 port \d+"


@pytest.fixture(scope="module")
def door(make_module_door, keys):
    d = make_module_door(LogLevel="DEBUG")
    d.authorize(ALICE, keys["ed25519"])
    return d


def offer(door, bits, e=65537):
    """Offer an unlisted RSA key with random signature bytes for alice."""
    key = FakeKey("ssh-rsa", rsa_blob(bits, e), random_rsa_signer(bits // 8))
    t = paramiko_transport(door)
    try:
        return try_key(t, ALICE, key)
    finally:
        t.close()


def test_unlisted_huge_rsa_key_costs_no_signature_check(door):
    mark = door.log_mark()
    assert not offer(door, 16384)
    door.wait_for_log(rf"Failed publickey for {ALICE} {PEER} ssh2: RSA ", since=mark)
    assert "verifying the" not in door.log(mark), door.log(mark)


def test_allowed_key_signature_verified_exactly_once(door, keys):
    mark = door.log_mark()
    paramiko_client(door, ALICE, keys["ed25519"]).close()
    door.wait_for_log(rf"Accepted publickey for {ALICE} {PEER}", since=mark)
    assert len(re.findall(rf"verifying the ssh-ed25519 signature of {ALICE}$",
                          door.log(mark), re.M)) == 1, door.log(mark)


def test_rsa_exponent_over_32_bits_refused_before_the_keys_file(door):
    mark = door.log_mark()
    assert not offer(door, 4096, e=(1 << 40) + 1)
    door.wait_for_log(r"RSA key of 4096 bits with a 41-bit exponent refused", since=mark)
    assert "verifying the" not in door.log(mark)


def test_rsa_modulus_over_16384_bits_refused(door):
    mark = door.log_mark()
    assert not offer(door, 16384 + 64)
    door.wait_for_log(r"unusable public key refused", since=mark)
    assert "verifying the" not in door.log(mark)
