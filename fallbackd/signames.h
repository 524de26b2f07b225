/* signames.h - the signal names of RFC 4254 section 6.10.
 *
 * The one table both halves use: the network process names the signal
 * that ended a process (exit-signal), the monitor turns a client's
 * "signal" request back into a number.  Names are without "SIG".
 */
#ifndef FBD_SIGNAMES_H
#define FBD_SIGNAMES_H

/* The number of the signal called NAME, or 0 if NAME is not in the RFC. */
int signames_number(const char *name);

/* The RFC's name of signal SIG, or NULL if it has none there. */
const char *signames_name(int sig);

#endif
