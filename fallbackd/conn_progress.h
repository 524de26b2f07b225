/* conn_progress.h - how far an unauthenticated connection has come, as
 * its monitor tells the listener, which admits newcomers by it when the
 * door is flooded (listener/admission.h).
 *
 *   stage            | noticed by                   | reaches the listener as
 *   -----------------+------------------------------+-------------------------------
 *   PROGRESS_VERSION | the network process: the     | MON_PROGRESS to the monitor,
 *                    |   client's version line came |   which writes the byte 1 on
 *                    |                              |   the startup pipe
 *   PROGRESS_KEYED   | the network process: the key | MON_PROGRESS; the monitor
 *                    |   exchange completed         |   writes the byte 2, but only
 *                    |                              |   after it signed this
 *                    |                              |   connection's exchange hash
 *   authenticated    | the monitor                  | it closes the startup pipe
 *                    |                              |   (EOF)
 *
 * Trust: only the monitor writes on the startup pipe (the network process
 * never holds it), each stage at most once and in order.  A compromised
 * network process can lie only about its own connection - claim progress
 * it did not make - and then counts against its source's limits like any
 * other connection (PerSourceMaxStartups, MaxStartups): it can neither
 * speak for another connection nor reach the listener at all.
 */
#ifndef FBD_CONN_PROGRESS_H
#define FBD_CONN_PROGRESS_H

enum conn_progress {
    PROGRESS_NONE = 0,          /* accepted; nothing from the client yet */
    PROGRESS_VERSION = 1,       /* its version line arrived */
    PROGRESS_KEYED = 2,         /* the key exchange completed */
};

#endif
