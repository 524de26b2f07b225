/* algorithms.h - the only algorithms fallbackd offers.
 *
 * A modern set and nothing else: curve25519 key exchange (with OpenSSH's
 * strict-KEX marker, which libssh appends itself), AEAD ciphers, etm MACs,
 * no SHA-1, no CBC, no compression, no DH group exchange (that would read
 * /etc/ssh/moduli at key-exchange time).
 */
#ifndef FBD_ALGORITHMS_H
#define FBD_ALGORITHMS_H

#define FBD_KEX "curve25519-sha256,curve25519-sha256@libssh.org"
#define FBD_CIPHERS "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com"
#define FBD_MACS "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"
/* Host key signature algorithms; libssh offers only those with a key loaded. */
#define FBD_HOSTKEY_ALGS "ssh-ed25519,ecdsa-sha2-nistp521,ecdsa-sha2-nistp384," \
                         "ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256"
/* User key signature algorithms accepted for publickey authentication. */
#define FBD_PUBKEY_ALGS "ssh-ed25519,sk-ssh-ed25519@openssh.com," \
                        "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
                        "sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256"
/* Smallest RSA key accepted, for host and user keys. */
#define FBD_RSA_MIN_BITS 2048

#endif
