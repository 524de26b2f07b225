"""Who gets in: public keys only, the Allow/Deny lists, root, key options,
MaxAuthTries and LoginGraceTime.  Every refusal is checked on both sides:
the client is refused, and the server logs the sshd line that says why."""
import os
import re
import socket
import time

import paramiko
import pytest

from fbdtest import (ALICE, BOB, CAROL, GROUP, LOCALHOST, LOCKED, NOSUCH, environ_of_shell,
                     paramiko_transport, ssh, ssh_ok, ssh_refused)

PEER = r"from 127\.0\.0\.1 port \d+"


@pytest.fixture(scope="module")
def door(make_module_door, keys):
    """Default config: alice has ed25519, bob ecdsa256, root ed25519."""
    return make_module_door(authorize={ALICE: keys["ed25519"], BOB: keys["ecdsa256"],
                                       "root": keys["ed25519"]})


def refused(door, user, key, log_regex, **kw):
    """Login must fail, and the log must say log_regex."""
    mark = door.log_mark()
    ssh_refused(door, user, key, **kw)
    door.wait_for_log(log_regex, since=mark)


def test_authorized_key_logs_in(door, keys):
    mark = door.log_mark()
    assert ssh_ok(door, ALICE, keys["ed25519"], "id -un").strip() == ALICE
    door.wait_for_log(rf"Accepted publickey for {ALICE} {PEER} ssh2: ED25519 "
                      rf"{re.escape(keys['ed25519'].fingerprint)}$", since=mark)
    door.wait_for_log(rf"Starting session: command for {ALICE} {PEER}", since=mark)
    door.wait_for_log(rf"Disconnected from user {ALICE} 127\.0\.0\.1 port \d+", since=mark)


def test_wrong_key_refused(door, keys):
    stranger = keys["stranger0"]
    refused(door, ALICE, stranger, rf"Failed publickey for {ALICE} {PEER} ssh2: ED25519 "
                                   rf"{re.escape(stranger.fingerprint)}")


def test_another_users_key_refused(door, keys):
    """bob's key does not open alice's account."""
    refused(door, ALICE, keys["ecdsa256"], rf"Failed publickey for {ALICE} {PEER}")


def test_unknown_user_refused(door, keys):
    refused(door, NOSUCH, keys["ed25519"], rf"Invalid user {NOSUCH} {PEER}")
    assert f"Failed publickey for invalid user {NOSUCH}" in door.log()


def test_locked_password_account_logs_in_with_key(make_door, keys):
    """A locked password (usermod -L) does not matter to key login."""
    d = make_door(authorize={LOCKED: keys["ed25519"]})
    assert ssh_ok(d, LOCKED, keys["ed25519"], "id -un").strip() == LOCKED


# ------------------------------------------------------- other methods

def test_password_auth_not_offered(door):
    """paramiko's password attempt: refused, only publickey may continue."""
    t = paramiko_transport(door)
    mark = door.log_mark()
    try:
        with pytest.raises(paramiko.BadAuthenticationType) as exc:
            t.auth_password(ALICE, "secret")
        assert exc.value.allowed_types == ["publickey"]
        assert not t.is_authenticated()
    finally:
        t.close()
    door.wait_for_log(rf"Failed password for {ALICE} {PEER} ssh2", since=mark)


def test_none_auth_lists_only_publickey(door):
    t = paramiko_transport(door)
    try:
        with pytest.raises(paramiko.BadAuthenticationType) as exc:
            t.auth_none(ALICE)
        assert exc.value.allowed_types == ["publickey"]
    finally:
        t.close()


def test_keyboard_interactive_refused(door):
    t = paramiko_transport(door)
    mark = door.log_mark()
    try:
        with pytest.raises(paramiko.BadAuthenticationType) as exc:
            t.auth_interactive(ALICE, lambda title, instr, prompts: ["secret"] * len(prompts))
        assert exc.value.allowed_types == ["publickey"]
    finally:
        t.close()
    door.wait_for_log(rf"Failed keyboard-interactive for {ALICE} {PEER}", since=mark)


def test_openssh_password_methods_refused(door, keys):
    """OpenSSH restricted to password/keyboard-interactive gets nowhere."""
    res = ssh(door, ALICE, keys["ed25519"], "true",
              opts=["-o", "PreferredAuthentications=keyboard-interactive,password"])
    assert res.returncode == 255
    assert b"Permission denied (publickey)" in res.stderr


class CorruptSignature:
    """A paramiko key whose signatures are wrong (last byte flipped)."""

    def __init__(self, key):
        self.key = key

    def __getattr__(self, name):
        return getattr(self.key, name)

    def sign_ssh_data(self, data, algorithm=None):
        sig = bytearray(self.key.sign_ssh_data(data, algorithm).asbytes())
        sig[-1] ^= 0x01
        return bytes(sig)


def test_bad_signature_refused_promptly_and_counted(make_door, keys):
    """A signature that does not verify (with the right key) gets a prompt
    USERAUTH_FAILURE, is logged, and counts against MaxAuthTries."""
    d = make_door(MaxAuthTries=2, authorize={ALICE: keys["ed25519"]})
    t = paramiko_transport(d)
    t.auth_timeout = 8
    try:
        start = time.monotonic()
        with pytest.raises(paramiko.AuthenticationException) as exc:
            t.auth_publickey(ALICE, CorruptSignature(keys["ed25519"].pkey()))
        assert "timeout" not in str(exc.value).lower(), "no reply to a bad signature"
        assert time.monotonic() - start < 3
        d.wait_for_log(rf"Failed publickey for {ALICE} {PEER} ssh2: ED25519 "
                       rf"{re.escape(keys['ed25519'].fingerprint)}")
        with pytest.raises(paramiko.AuthenticationException):
            t.auth_publickey(ALICE, CorruptSignature(keys["ed25519"].pkey()))
    finally:
        t.close()
    d.wait_for_log(rf"maximum authentication attempts exceeded for {ALICE} {PEER}")
    assert "Accepted publickey" not in d.log()


# ------------------------------------------------------- root

def test_root_refused_without_permit_root_login(door, keys):
    """No PermitRootLogin line: root is refused even with a listed key."""
    refused(door, "root", keys["ed25519"], r"ROOT LOGIN REFUSED FROM 127\.0\.0\.1 port \d+")


def test_root_refused_with_permit_root_login_no(make_door, keys):
    d = make_door(PermitRootLogin="no", authorize={"root": keys["ed25519"]})
    refused(d, "root", keys["ed25519"], r"ROOT LOGIN REFUSED FROM 127\.0\.0\.1 port \d+")


def test_root_allowed_with_permit_root_login_yes(make_door, keys):
    d = make_door(PermitRootLogin="yes", authorize={"root": keys["ed25519"]})
    assert ssh_ok(d, "root", keys["ed25519"], "id -u") == "0\n"
    env = environ_of_shell(d, "root", keys["ed25519"])
    assert env["HOME"] == "/root"
    assert env["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    d.wait_for_log(rf"Accepted publickey for root {PEER}")


def test_root_forced_commands_only(make_door, keys):
    """forced-commands-only: root's key without command= is refused, the
    key with command= runs the forced command whatever was asked."""
    d = make_door(PermitRootLogin="forced-commands-only", authorize={"root": keys["ed25519"]})
    d.authorize("root", keys["ecdsa256"], options='command="echo forced-root"')
    refused(d, "root", keys["ed25519"], r"Root login refused for key without command=")
    assert ssh_ok(d, "root", keys["ecdsa256"], "id -u") == "forced-root\n"


# ------------------------------------------------------- Allow/Deny lists

def test_nobody_allowed_without_allow_lists(make_door, keys):
    """fallbackd (unlike sshd) lets no one in unless AllowUsers or
    AllowGroups names who may use the door."""
    d = make_door(AllowUsers=None, authorize={ALICE: keys["ed25519"]})
    refused(d, ALICE, keys["ed25519"],
            rf"User {ALICE} from 127\.0\.0\.1 not allowed because neither AllowUsers "
            r"nor AllowGroups")


def test_allow_users_excludes_others(make_door, keys):
    d = make_door(AllowUsers=BOB, authorize={ALICE: keys["ed25519"], BOB: keys["ed25519"]})
    refused(d, ALICE, keys["ed25519"],
            rf"User {ALICE} from 127\.0\.0\.1 not allowed because not listed in AllowUsers")
    assert ssh_ok(d, BOB, keys["ed25519"], "id -un").strip() == BOB


def test_allow_users_with_address(make_door, keys):
    """USER@ADDR entries: alice only from 10/8 (refused here), bob from
    127.0.0.1 (allowed)."""
    d = make_door(AllowUsers=[f"{ALICE}@10.0.0.0/8", f"{BOB}@127.0.0.1"],
                  authorize={ALICE: keys["ed25519"], BOB: keys["ed25519"]})
    refused(d, ALICE, keys["ed25519"], rf"User {ALICE} .*not listed in AllowUsers")
    assert ssh_ok(d, BOB, keys["ed25519"], "id -un").strip() == BOB


def test_deny_users_wins_over_allow_users(make_door, keys):
    d = make_door(AllowUsers="fbdt-*", DenyUsers=ALICE,
                  authorize={ALICE: keys["ed25519"], BOB: keys["ed25519"]})
    refused(d, ALICE, keys["ed25519"],
            rf"User {ALICE} from 127\.0\.0\.1 not allowed because listed in DenyUsers")
    assert ssh_ok(d, BOB, keys["ed25519"], "id -un").strip() == BOB


def test_allow_groups(make_door, keys):
    """AllowGroups fbdt-ops: alice (a supplementary member) in, bob out."""
    d = make_door(AllowUsers=None, AllowGroups=GROUP,
                  authorize={ALICE: keys["ed25519"], BOB: keys["ed25519"]})
    assert ssh_ok(d, ALICE, keys["ed25519"], "id -un").strip() == ALICE
    refused(d, BOB, keys["ed25519"],
            rf"User {BOB} from 127\.0\.0\.1 not allowed because none of user's groups")


def test_deny_groups(make_door, keys):
    d = make_door(DenyGroups=GROUP, authorize={ALICE: keys["ed25519"], BOB: keys["ed25519"]})
    refused(d, ALICE, keys["ed25519"], rf"User {ALICE} .*DenyGroups")
    assert ssh_ok(d, BOB, keys["ed25519"], "id -un").strip() == BOB


def test_supplementary_groups_are_set(make_door, keys):
    """The process runs with the user's groups from /etc/group."""
    d = make_door(authorize={ALICE: keys["ed25519"]})
    groups = ssh_ok(d, ALICE, keys["ed25519"], "id -Gn").split()
    assert groups[0] == ALICE and GROUP in groups


# ------------------------------------------------------- key options

@pytest.mark.parametrize("options, allowed", [
    ('from="10.0.0.0/8"', False),
    ('from="127.0.0.1"', True),
    ('from="127.0.0.0/8,10.0.0.0/8"', True),
    ('from="!127.0.0.1,*"', False),
])
def test_from_option(make_door, keys, options, allowed):
    d = make_door()
    d.authorize(CAROL, keys["ed25519"], options=options)
    if allowed:
        assert ssh_ok(d, CAROL, keys["ed25519"], "id -un").strip() == CAROL
    else:
        refused(d, CAROL, keys["ed25519"],
                rf"Authentication tried for {CAROL} with correct key but not from a "
                r"permitted host \(ip=127\.0\.0\.1")


@pytest.mark.parametrize("options, allowed", [
    ('expiry-time="20200101"', False),
    ('expiry-time="202001011200Z"', False),
    ('expiry-time="29991231"', True),
    ('expiry-time="299912312359Z"', True),
])
def test_expiry_time_option(make_door, keys, options, allowed):
    d = make_door()
    d.authorize(CAROL, keys["ed25519"], options=options)
    if allowed:
        assert ssh_ok(d, CAROL, keys["ed25519"], "id -un").strip() == CAROL
    else:
        refused(d, CAROL, keys["ed25519"], rf"Authentication tried for {CAROL} with an "
                                           r"expired key")


@pytest.mark.parametrize("problem", ["group-writable", "world-writable", "owned-by-user"])
def test_unsafe_keys_file_is_ignored(make_door, keys, users, problem):
    """A keys file root does not control is not trusted (and the log says so)."""
    d = make_door(authorize={ALICE: keys["ed25519"]})
    path = d.keys_path(ALICE)
    if problem == "group-writable":
        os.chmod(path, 0o664)
    elif problem == "world-writable":
        os.chmod(path, 0o646)
    else:
        os.chown(path, users[ALICE].stat().st_uid, -1)
    refused(d, ALICE, keys["ed25519"], rf"{re.escape(str(path))}: bad ownership or modes")


def test_missing_keys_file_refused(make_door, keys):
    d = make_door(authorize={ALICE: keys["ed25519"]})
    ssh_refused(d, BOB, keys["ed25519"])


# ------------------------------------------------------- limits

def test_max_auth_tries_disconnects(make_door, keys):
    """MaxAuthTries 3: after three wrong keys the server disconnects, and
    even the right key is not tried any more."""
    d = make_door(MaxAuthTries=3, authorize={ALICE: keys["ed25519"]})
    t = paramiko_transport(d)
    failures = 0
    try:
        for i in range(3):
            try:
                t.auth_publickey(ALICE, keys[f"stranger{i}"].pkey())
            except paramiko.AuthenticationException:
                failures += 1
            except (paramiko.SSHException, EOFError, OSError):
                break
        with pytest.raises((paramiko.SSHException, EOFError, OSError)):
            t.auth_publickey(ALICE, keys["ed25519"].pkey())
        assert not t.is_authenticated()
        deadline = time.monotonic() + 5
        while t.is_active() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not t.is_active(), "server did not disconnect"
    finally:
        t.close()
    assert failures >= 2
    d.wait_for_log(rf"maximum authentication attempts exceeded for {ALICE} {PEER} ssh2 "
                   r"\[preauth\]")
    assert "Accepted publickey" not in d.log()


def test_max_auth_tries_with_openssh_many_keys(make_door, keys):
    """OpenSSH offering six wrong keys: "Too many authentication failures"."""
    d = make_door(MaxAuthTries=3, authorize={ALICE: keys["ed25519"]})
    strangers = [keys[f"stranger{i}"] for i in range(6)]
    res = ssh(d, ALICE, strangers + [keys["ed25519"]], "true", opts=["-v"])
    assert res.returncode == 255
    assert b"Too many authentication failures" in res.stderr
    assert res.stderr.count(b"Offering public key") <= 4    # 3 + one in flight
    d.wait_for_log(rf"maximum authentication attempts exceeded for {ALICE} {PEER}")


def test_login_grace_time_silent_client(make_door):
    """LoginGraceTime 2: a client that connects and sends nothing is
    disconnected after about 2 s."""
    d = make_door(LoginGraceTime=2)
    with socket.create_connection((LOCALHOST, d.port), timeout=15) as s:
        start = time.monotonic()
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        elapsed = time.monotonic() - start
    assert data.startswith(b"SSH-2.0-")
    assert 1.5 <= elapsed < 5, f"closed after {elapsed:.1f}s"
    d.wait_for_log(r"Timeout before authentication for 127\.0\.0\.1 port \d+")


def test_login_grace_time_after_key_exchange(make_door):
    """The same for a client that finished key exchange but never
    authenticates."""
    d = make_door(LoginGraceTime=2)
    t = paramiko_transport(d)
    try:
        start = time.monotonic()
        while t.is_active() and time.monotonic() - start < 8:
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        assert not t.is_active()
    finally:
        t.close()
    assert elapsed < 4.5, f"closed after {elapsed:.1f}s"
    d.wait_for_log(r"Timeout before authentication for 127\.0\.0\.1 port \d+")
