/* keytool.h - "fallbackd keygen" and "fallbackd fingerprint". */
#ifndef FBD_KEYTOOL_H
#define FBD_KEYTOOL_H

/* fallbackd keygen -t ed25519|ecdsa|rsa [-b BITS] [-C COMMENT] [-F] -f FILE
 * Writes FILE (OpenSSH private-key format, mode 0600) and FILE.pub.
 * Never overwrites without -F.  Returns the process exit code. */
int keygen_main(int argc, char **argv);

/* fallbackd fingerprint FILE: one line per key, exactly as ssh-keygen -lf:
 * "BITS SHA256:... COMMENT (TYPE)".  Returns the process exit code. */
int fingerprint_main(int argc, char **argv);

#endif
