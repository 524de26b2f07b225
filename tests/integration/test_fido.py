"""Security keys (sk-ssh-ed25519, sk-ecdsa-sha2-nistp256) must attest the
user's touch, and a PIN where asked (issue 9.2), as sshd: user presence is
required unless the key line says no-touch-required (PubkeyAuthOptions
touch-required overrides that), user verification when the line says
verify-required or PubkeyAuthOptions verify-required.  paramiko cannot
sign with an sk key; rawauth.SoftSK signs as an authenticator would, with
the flags each test chooses."""
import pytest

from fbdtest import ALICE, BOB, paramiko_transport
from rawauth import SK_USER_PRESENT, SK_USER_VERIFIED, SoftSK, try_key

PEER = r"from 127\.0\.0\.1 port \d+"
UP, UV = SK_USER_PRESENT, SK_USER_VERIFIED


@pytest.fixture(scope="module", params=[SoftSK.ED25519, SoftSK.ECDSA])
def sk(request):
    return SoftSK(request.param)


def login(door, user, key):
    t = paramiko_transport(door)
    try:
        return try_key(t, user, key)
    finally:
        t.close()


@pytest.fixture
def door(make_door, sk):
    d = make_door()
    d.add_key_lines(ALICE, [sk.line()])
    d.add_key_lines(BOB, [sk.line("no-touch-required")])
    return d


def test_touch_accepted(door, sk):
    assert login(door, ALICE, sk.key(UP))


def test_no_touch_refused(door, sk):
    mark = door.log_mark()
    assert not login(door, ALICE, sk.key(0))
    door.wait_for_log(rf"public key .*-SK SHA256:\S+ signature for {ALICE} {PEER} rejected: "
                      r"user presence \(authenticator touch\) requirement not met", since=mark)
    door.wait_for_log(rf"Failed publickey for {ALICE} {PEER}", since=mark)


def test_no_touch_required_line_accepts_no_touch(door, sk):
    assert login(door, BOB, sk.key(0))


def test_verify_required_line(make_door, sk):
    d = make_door()
    d.add_key_lines(ALICE, [sk.line("verify-required")])
    mark = d.log_mark()
    assert not login(d, ALICE, sk.key(UP))
    d.wait_for_log(r"user verification requirement not met", since=mark)
    assert login(d, ALICE, sk.key(UP | UV))


def test_pubkey_auth_options(make_door, sk):
    d = make_door(PubkeyAuthOptions="touch-required verify-required")
    d.add_key_lines(BOB, [sk.line("no-touch-required")])
    assert not login(d, BOB, sk.key(0)), "touch-required overrides no-touch-required"
    assert not login(d, BOB, sk.key(UP)), "verify-required for every sk key"
    assert login(d, BOB, sk.key(UP | UV))
