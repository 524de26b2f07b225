"""OpenSSH user certificates (issue 11): TrustedUserCAKeys, principals,
validity, critical options and extensions, cert-authority lines,
AuthorizedPrincipalsFile, and RevokedKeys (KRLs from ssh-keygen -k and
plain key lists).

Certificates are made with ssh-keygen -s over the session's client keys
and offered with CertificateFile, so the keys themselves stay untouched.
"""
import itertools
import re

import paramiko
import pytest

from fbdtest import ALICE, BOB, paramiko_client, run, ssh, ssh_ok, ssh_refused

SERIALS = itertools.count(100)


class CA:
    """A CA key pair in DIR, and the certificates it signs."""

    def __init__(self, d, name="ca", kind="ed25519"):
        self.dir = d
        self.dir.mkdir(mode=0o755, exist_ok=True)
        self.key = d / name
        run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f", str(self.key)],
            check=True)
        self.pub = self.key.with_name(name + ".pub")
        self.fingerprint = run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(self.pub)],
                               check=True).stdout.decode().split()[1]

    def sign(self, key, *opts, principals=ALICE, key_id=None, serial=None):
        """A certificate for ClientKey key; returns (path, key id, serial)."""
        serial = next(SERIALS) if serial is None else serial
        key_id = key_id or f"fbdt-{key.kind}-{serial}"
        stem = self.dir / f"{key.kind}-{serial}"
        stem.with_suffix(".pub").write_text(key.pub + "\n")
        argv = ["ssh-keygen", "-q", "-s", str(self.key), "-I", key_id, "-z", str(serial)]
        if principals is not None:
            argv += ["-n", principals]
        run([*argv, *opts, str(stem.with_suffix(".pub"))], check=True)
        return stem.with_name(stem.name + "-cert.pub"), key_id, serial


def with_cert(cert):
    return ["-o", f"CertificateFile={cert}"]


@pytest.fixture(scope="module")
def ca(workdir):
    return CA(workdir / "certs-ca")


@pytest.fixture(scope="module")
def door(make_module_door, ca):
    """A door that trusts the CA for every user (principal = user name)."""
    return make_module_door(TrustedUserCAKeys=str(ca.pub))


@pytest.mark.parametrize("kind,label", [("ed25519", "ED25519-CERT"),
                                        ("ecdsa256", "ECDSA-CERT"), ("rsa", "RSA-CERT")])
def test_certificate_with_principal_logs_in(door, ca, keys, kind, label):
    """The plain key is authorized nowhere: the certificate alone lets
    alice in, and the log names it as sshd does."""
    cert, key_id, serial = ca.sign(keys[kind])
    mark = door.log_mark()
    assert ssh_ok(door, ALICE, keys[kind], "echo in", opts=with_cert(cert)) == "in\n"
    door.wait_for_log(
        rf"Accepted publickey for {ALICE} from 127\.0\.0\.1 port \d+ ssh2: {label} "
        rf"SHA256:\S+ ID {re.escape(key_id)} \(serial {serial}\) CA ED25519 "
        rf"{re.escape(ca.fingerprint)}", since=mark)


@pytest.mark.parametrize("opts,principals,reason", [
    (["-V", "20000101:20010101"], ALICE, "certificate has expired"),
    (["-V", "+52w:+53w"], ALICE, "certificate is not yet valid"),
    ([], BOB, "does not contain the user name"),
    (["-O", "critical:frobnicate@example.com=x"], ALICE,
     'critical option "frobnicate@example.com" is not supported'),
    (["-O", "source-address=10.0.0.0/8"], ALICE, "not from a permitted source address"),
], ids=["expired", "not-yet-valid", "wrong-principal", "unknown-critical",
        "source-address"])
def test_certificate_refused(door, ca, key, opts, principals, reason):
    cert, _, _ = ca.sign(key, *opts, principals=principals)
    mark = door.log_mark()
    ssh_refused(door, ALICE, key, opts=with_cert(cert))
    door.wait_for_log(re.escape(reason), since=mark)


class CertKey:
    """A ClientKey with a certificate, for paramiko_client (whose key only
    needs pkey())."""

    def __init__(self, key, cert):
        self.key, self.cert = key, cert

    def pkey(self):
        pkey = self.key.pkey()
        pkey.load_certificate(str(self.cert))
        return pkey


def test_host_certificate_refused(door, ca, key):
    """OpenSSH's client never offers a host certificate; paramiko does."""
    cert, _, _ = ca.sign(key, "-h", principals="host.example")
    mark = door.log_mark()
    with pytest.raises(paramiko.AuthenticationException):
        paramiko_client(door, ALICE, CertKey(key, cert)).close()
    door.wait_for_log("not a user certificate", since=mark)


def test_paramiko_certificate_logs_in(door, ca, key):
    cert, key_id, _ = ca.sign(key)
    client = paramiko_client(door, ALICE, CertKey(key, cert))
    client.close()
    door.wait_for_log(rf"Accepted publickey for {ALICE} .*ID {key_id} ")


def test_source_address_inside_is_accepted(door, ca, key):
    cert, _, _ = ca.sign(key, "-O", "source-address=10.0.0.0/8,127.0.0.0/8")
    assert ssh_ok(door, ALICE, key, "echo ok", opts=with_cert(cert)) == "ok\n"


def test_untrusted_ca_refused(door, workdir, key):
    other = CA(workdir / "certs-other", "other")
    cert, _, _ = other.sign(key)
    mark = door.log_mark()
    ssh_refused(door, ALICE, key, opts=with_cert(cert))
    door.wait_for_log("signed by CA ED25519 that is not trusted", since=mark)


def test_force_command_wins(door, ca, key):
    cert, _, _ = ca.sign(key, "-O", "force-command=echo forced")
    res = ssh(door, ALICE, key, "echo requested", opts=with_cert(cert))
    assert (res.returncode, res.stdout) == (0, b"forced\n")


def test_no_pty_without_permit_pty(door, ca, key):
    cert, _, _ = ca.sign(key, "-O", "no-pty")
    res = ssh(door, ALICE, key, "tty; echo ran", opts=["-tt", *with_cert(cert)])
    assert b"PTY allocation request failed" in res.stderr
    cert, _, _ = ca.sign(key)
    res = ssh(door, ALICE, key, "tty", opts=["-tt", *with_cert(cert)])
    assert res.returncode == 0 and b"/dev/pts/" in res.stdout, res.stderr


def accepted_then_refused(d, key, good, bad, reason):
    """Certificate good lets alice in; bad is refused, reason logged."""
    assert ssh_ok(d, ALICE, key, "echo ok", opts=with_cert(good)) == "ok\n"
    mark = d.log_mark()
    ssh_refused(d, ALICE, key, opts=with_cert(bad))
    d.wait_for_log(re.escape(reason), since=mark)


def test_cert_authority_line_with_principals(make_door, ca, key):
    """A cert-authority line in the user's keys file: principals= decides;
    the CA key itself does not log in as a plain key."""
    d = make_door()
    d.set_key_lines(ALICE, [f'cert-authority,principals="ops,admins" {ca.pub.read_text().strip()}'])
    good, _, _ = ca.sign(key, principals="admins")
    bad, _, _ = ca.sign(key, principals=ALICE)
    accepted_then_refused(d, key, good, bad, "no principal in the cert-authority line")


def test_authorized_principals_file(make_door, ca, key, workdir):
    pdir = workdir / "principals"
    pdir.mkdir(mode=0o755, exist_ok=True)
    (pdir / ALICE).write_text("# who may be alice\nbreakglass\n")
    d = make_door(TrustedUserCAKeys=str(ca.pub), AuthorizedPrincipalsFile=f"{pdir}/%u")
    good, _, _ = ca.sign(key, principals="breakglass")
    named, _, _ = ca.sign(key, principals=ALICE)
    accepted_then_refused(d, key, good, named, "not in AuthorizedPrincipalsFile")


# ---------------------------------------------------------------- revocation

def make_krl(path, ca, *specs):
    """ssh-keygen -k: a KRL at path revoking the spec lines (by the CA)."""
    spec = path.with_suffix(".spec")
    spec.write_text("".join(s + "\n" for s in specs))
    run(["ssh-keygen", "-q", "-k", "-f", str(path), "-s", str(ca.pub), str(spec)], check=True)


@pytest.mark.parametrize("how", ["serial", "range", "key-id", "key"])
def test_krl_revokes(make_door, ca, key, workdir, how):
    krl = workdir / f"krl-{how}"
    d = make_door(TrustedUserCAKeys=str(ca.pub), RevokedKeys=str(krl))
    revoked, key_id, serial = ca.sign(key)
    spec = {"serial": f"serial: {serial}", "range": f"serial: {serial - 1}-{serial + 1}",
            "key-id": f"id: {key_id}", "key": key.pub}[how]
    make_krl(krl, ca, spec)
    mark = d.log_mark()
    ssh_refused(d, ALICE, key, opts=with_cert(revoked))
    d.wait_for_log(r"revoked by file", since=mark)
    if how != "key":
        still, _, _ = ca.sign(key, serial=serial + 5, key_id="another-id")
        assert ssh_ok(d, ALICE, key, "echo ok", opts=with_cert(still)) == "ok\n"


def test_plain_revoked_list_and_reread(make_door, keys, workdir):
    """A plain list of public keys revokes a plain key; the file is read
    again when it changes, without a reload."""
    lst = workdir / "revoked-list"
    lst.write_text("# none yet\n")
    d = make_door(RevokedKeys=str(lst), authorize={ALICE: [keys["ed25519"], keys["ecdsa256"]]})
    assert ssh_ok(d, ALICE, keys["ed25519"], "echo ok") == "ok\n"
    lst.write_text(keys["ed25519"].pub + "\n")
    mark = d.log_mark()
    ssh_refused(d, ALICE, keys["ed25519"])
    d.wait_for_log("revoked by file", since=mark)
    assert ssh_ok(d, ALICE, keys["ecdsa256"], "echo ok") == "ok\n"


def test_corrupt_revocation_file_refuses_everything(make_door, key, workdir):
    bad = workdir / "revoked-corrupt"
    bad.write_bytes(b"SSHKRL\n\x00\x00\x00\x00\x01garbage")
    d = make_door(RevokedKeys=str(bad), authorize={ALICE: key})
    mark = d.log_mark()
    ssh_refused(d, ALICE, key)
    d.wait_for_log(r"RevokedKeys .*refusing every key and certificate", since=mark)
    bad.unlink()
    mark = d.log_mark()
    ssh_refused(d, ALICE, key)
    d.wait_for_log(r"RevokedKeys .*No such file", since=mark)
