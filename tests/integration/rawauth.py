"""Publickey requests no ordinary client sends, made with paramiko.

A FakeKey is a paramiko PKey whose public blob and signature are whatever
a test wants: an unlisted huge RSA key with random signature bytes (the
CPU-burn attack of issue 9.1), or a security-key (sk-) key signed in
software (PROTOCOL.u2f), which paramiko cannot do itself.
"""
import hashlib
import os
import struct

import paramiko


def ssh_string(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def ssh_mpint(n):
    if n == 0:
        return ssh_string(b"")
    raw = n.to_bytes((n.bit_length() + 8) // 8, "big")   # room for a sign bit
    return ssh_string(raw.lstrip(b"\0") if raw[1] & 0x80 == 0 else raw)


def rsa_blob(bits, e=65537):
    """The blob of an RSA public key with a random odd modulus of exactly
    bits bits (not a real key: nobody can sign for it)."""
    n = int.from_bytes(os.urandom(bits // 8), "big") | (1 << (bits - 1)) | 1
    return ssh_string("ssh-rsa") + ssh_mpint(e) + ssh_mpint(n)


class FakeKey(paramiko.PKey):
    """A key paramiko offers as is: name, blob, and a signer
    sign(data, algorithm) -> signature blob (bytes)."""

    def __init__(self, name, blob, sign):
        self._name = name
        self._blob = blob
        self._sign = sign
        self.public_blob = None

    def get_name(self):
        return self._name

    def asbytes(self):
        return self._blob

    def __str__(self):
        return self._blob.decode("latin-1")

    def get_bits(self):
        return 0

    def can_sign(self):
        return True

    def sign_ssh_data(self, data, algorithm=None):
        return self._sign(data, algorithm or self._name)


def random_rsa_signer(nbytes):
    """Signatures of random bytes (as long as the modulus) for any RSA
    algorithm paramiko picks."""
    def sign(data, algorithm):
        return ssh_string(algorithm) + ssh_string(os.urandom(nbytes))
    return sign


def try_key(transport, user, key):
    """Offer key (signed) for user; True if accepted, False if refused."""
    try:
        transport.auth_publickey(user, key)
        return True
    except paramiko.AuthenticationException:
        return False


def sk_application_hash(application):
    return hashlib.sha256(application.encode()).digest()


class SoftSK:
    """A security key (sk-) made in software: an Ed25519 or ECDSA P-256 key
    pair whose signatures follow OpenSSH's PROTOCOL.u2f, with whatever
    flags a test asks for (SK_USER_PRESENT, SK_USER_VERIFIED)."""

    ED25519 = "sk-ssh-ed25519@openssh.com"
    ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com"

    def __init__(self, name, application="ssh:"):
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519
        from cryptography.hazmat.primitives import serialization
        self.name = name
        self.application = application
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        if name == self.ED25519:
            self.priv = ed25519.Ed25519PrivateKey.generate()
            self.blob = (ssh_string(name) + ssh_string(self.priv.public_key().public_bytes(*raw))
                         + ssh_string(application))
        else:
            self.priv = ec.generate_private_key(ec.SECP256R1())
            point = self.priv.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
            self.blob = (ssh_string(name) + ssh_string("nistp256") + ssh_string(point)
                         + ssh_string(application))

    def line(self, options=None):
        import base64
        text = f"{self.name} {base64.b64encode(self.blob).decode()} fbdt-soft-sk"
        return f"{options} {text}" if options else text

    def signer(self, flags, counter=1):
        """sign(data, algorithm) for FakeKey: what the authenticator signs is
        SHA256(application) || flags || counter || SHA256(data)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        def sign(data, algorithm):
            signed = (sk_application_hash(self.application) + bytes([flags])
                      + struct.pack(">I", counter) + hashlib.sha256(data).digest())
            if self.name == self.ED25519:
                inner = ssh_string(self.priv.sign(signed))
            else:
                r, s = decode_dss_signature(self.priv.sign(signed, ec.ECDSA(hashes.SHA256())))
                inner = ssh_string(ssh_mpint(r) + ssh_mpint(s))
            return ssh_string(self.name) + inner + bytes([flags]) + struct.pack(">I", counter)
        return sign

    def key(self, flags):
        return FakeKey(self.name, self.blob, self.signer(flags))


SK_USER_PRESENT = 0x01
SK_USER_VERIFIED = 0x04
