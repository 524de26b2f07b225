"""AES-GCM for paramiko 2.12 (Debian 12's python3-paramiko), test-side only.

fallbackd offers only AEAD ciphers (chacha20-poly1305, aes-gcm); paramiko
gained aes-gcm in 3.3, and 2.12 offers only aes-ctr/cbc, so a stock 2.12
client and fallbackd share no cipher and the key exchange fails.  This
module teaches 2.12 the two aes-gcm ciphers (RFC 5647 as OpenSSH does
it) through paramiko's own hooks, and records exit-signal requests, which
2.12 ignores:

* ``Transport._get_cipher`` returns a :class:`GcmEngine` for aes*-gcm.  The
  packetizer's encrypt-then-MAC path already matches aes-gcm's layout
  (length in clear, rest encrypted, 16-byte trailer), so the engine is
  installed as both cipher and "MAC": ``update()`` encrypts or decrypts one
  packet, and ``compute_hmac`` returns the packet's GCM tag.
* ``Channel._handle_request`` notes ``exit-signal`` in
  ``chan.fbd_exit_signal = (signal name, core dumped)``.

:func:`install` is idempotent and does nothing for a paramiko that already
knows aes-gcm.
"""
import struct

import paramiko
import paramiko.packet
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from paramiko.message import Message

GCM_CIPHERS = {"aes256-gcm@openssh.com": 32, "aes128-gcm@openssh.com": 16}
TAG_LEN = 16


class GcmEngine:
    """One direction of aes-gcm: a 12-byte nonce whose last 8 bytes count
    packets; additional data is the 4-byte packet length."""

    def __init__(self, key, iv, encrypt):
        self.key = key
        self.aead = AESGCM(key)
        self.fixed = iv[:4]
        self.counter = int.from_bytes(iv[4:12], "big")
        self.encrypt = encrypt
        self.tag = None
        self.plain = None

    def _nonce(self):
        return self.fixed + self.counter.to_bytes(8, "big")

    def _advance(self):
        self.counter = (self.counter + 1) % (1 << 64)

    def update(self, data):
        """Encrypt (outbound) or return the checked plaintext (inbound) of
        one packet, and move to the next nonce."""
        if self.encrypt:
            sealed = self.aead.encrypt(self._nonce(), bytes(data), struct.pack(">I", len(data)))
            out, self.tag = sealed[:-TAG_LEN], sealed[-TAG_LEN:]
        else:
            out, self.plain = self.plain, None
        self._advance()
        return out

    def tag_for(self, mac_payload):
        """The tag the packetizer sends (outbound) or compares (inbound)."""
        if self.encrypt:
            return self.tag
        # Inbound: mac_payload is seqno(4) length(4) ciphertext.  Decrypt with
        # the GCM keystream (CTR from counter block 2), then seal the result
        # again: equal tags mean the ciphertext is authentic.
        cipher = bytes(mac_payload[8:])
        ctr = Cipher(algorithms.AES(self.key), modes.CTR(self._nonce() + b"\0\0\0\2"),
                     backend=default_backend()).decryptor()
        plain = ctr.update(cipher) + ctr.finalize()
        self.plain = plain
        return self.aead.encrypt(self._nonce(), plain, bytes(mac_payload[4:8]))[-TAG_LEN:]


def _patch_ciphers():
    T = paramiko.Transport
    for name, size in GCM_CIPHERS.items():
        T._cipher_info[name] = {"class": algorithms.AES, "mode": modes.GCM,
                                "block-size": 16, "key-size": size}
    T._preferred_ciphers = tuple(GCM_CIPHERS) + tuple(
        c for c in T._preferred_ciphers if c not in GCM_CIPHERS)

    orig_get_cipher = T._get_cipher

    def _get_cipher(self, name, key, iv, operation):
        if name in GCM_CIPHERS:
            return GcmEngine(key, iv, operation is self._ENCRYPT)
        return orig_get_cipher(self, name, key, iv, operation)

    T._get_cipher = _get_cipher

    P = paramiko.packet.Packetizer
    orig_out, orig_in = P.set_outbound_cipher, P.set_inbound_cipher

    def set_outbound_cipher(self, engine, block_size, mac_engine, mac_size, mac_key,
                            sdctr=False, etm=False):
        if isinstance(engine, GcmEngine):   # the negotiated MAC does not apply
            mac_engine, mac_size, mac_key, etm = engine, TAG_LEN, b"", True
        return orig_out(self, engine, block_size, mac_engine, mac_size, mac_key, sdctr, etm=etm)

    def set_inbound_cipher(self, engine, block_size, mac_engine, mac_size, mac_key, etm=False):
        if isinstance(engine, GcmEngine):
            mac_engine, mac_size, mac_key, etm = engine, TAG_LEN, b"", True
        return orig_in(self, engine, block_size, mac_engine, mac_size, mac_key, etm=etm)

    P.set_outbound_cipher, P.set_inbound_cipher = set_outbound_cipher, set_inbound_cipher

    orig_hmac = paramiko.packet.compute_hmac

    def compute_hmac(key, message, digest_class):
        if isinstance(digest_class, GcmEngine):
            return digest_class.tag_for(message)
        return orig_hmac(key, message, digest_class)

    paramiko.packet.compute_hmac = compute_hmac


def _patch_exit_signal():
    C = paramiko.Channel
    orig = C._handle_request

    def _handle_request(self, m):
        peek = Message(m.asbytes())
        peek.packet.seek(m.packet.tell())   # past the recipient channel
        if peek.get_text() == "exit-signal":
            peek.get_boolean()
            self.fbd_exit_signal = (peek.get_text(), peek.get_boolean())
        return orig(self, m)

    C._handle_request = _handle_request
    # Transport dispatches through a table built when the class was defined.
    table = paramiko.Transport._channel_handler_table
    for ptype, handler in table.items():
        if handler is orig:
            table[ptype] = _handle_request


_installed = False


def install():
    global _installed
    if _installed:
        return
    _installed = True
    if "aes128-gcm@openssh.com" not in paramiko.Transport._cipher_info:
        _patch_ciphers()
    _patch_exit_signal()
