/* algolist.h - the algorithm lists fallbackd offers, and sshd's syntax for
 * changing them (KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms,
 * PubkeyAcceptedAlgorithms).
 *
 * Each kind has a default list (offered as it is) and a set of supported
 * algorithms, a superset of the default, that a configuration may name.
 * Nothing outside the supported set can be configured: no SHA-1, no CBC,
 * no DH group exchange (that would read /etc/ssh/moduli at key-exchange
 * time, under the sandbox), no compression.
 */
#ifndef FBD_ALGOLIST_H
#define FBD_ALGOLIST_H

#include <stddef.h>

enum algo_kind {
    ALGO_KEX,
    ALGO_CIPHERS,
    ALGO_MACS,
    ALGO_HOSTKEY,
    ALGO_PUBKEY,
    ALGO_KINDS
};

/* Smallest RSA key accepted, for host and user keys. */
#define ALGO_RSA_MIN_BITS 2048
/* Largest RSA modulus and public exponent the monitor will verify a user's
 * signature with: beyond them one check costs seconds of CPU (issue 9.1). */
#define ALGO_RSA_MAX_BITS 16384
#define ALGO_RSA_MAX_E_BITS 32

/* The default list of KIND, comma-separated, in order of preference. */
const char *algolist_default(enum algo_kind kind);

/* The supported set of KIND, comma-separated. */
const char *algolist_supported(enum algo_kind kind);

/* The list in force: LIST, or the default when LIST is NULL. */
const char *algolist_effective(enum algo_kind kind, const char *list);

/* Does LIST (comma-separated) name an algorithm that signs with a host key
 * whose blob type is KEYTYPE ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-...")? */
int algolist_has_hostkey(const char *list, const char *keytype);

/* Apply a configured value SPEC, in sshd's syntax, to the default list of
 * KIND:
 *
 *   spec    = [ "+" / "-" / "^" ] entry *( "," entry )
 *   entry   = an algorithm name, or a pattern with "*" and "?" that matches
 *             one or more supported names
 *
 *   "a,b"    the list is exactly a, b (in that order)
 *   "+a,b"   a and b are appended to the default list
 *   "-a,b"   a and b are removed from the default list
 *   "^a,b"   a and b are placed first, before the rest of the default list
 *
 * A name appears at most once in the result.  Returns the result
 * (malloc'd), or NULL with a reason in ERR (which names the entry at
 * fault): an entry that matches no supported algorithm, an empty entry, or
 * a result with no algorithm left. */
char *algolist_resolve(enum algo_kind kind, const char *spec, char *err, size_t errlen);

#endif
