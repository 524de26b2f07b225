/* conn_end.h - how a connection ended, as its monitor tells the listener:
 * the exit code of the connection process (the listener reaps it and
 * penalises the source, listener/penalty.h).  Only the monitor decides
 * it: a network process cannot choose its monitor's exit code.
 */
#ifndef FBD_CONN_END_H
#define FBD_CONN_END_H

enum conn_end {
    CONN_END_OK = 0,            /* logged in, or an ordinary end */
    CONN_END_ERROR = 1,         /* the connection could not be served */
    CONN_END_CRASH = 10,        /* the network process died by a signal */
    CONN_END_AUTHFAIL = 11,     /* MaxAuthTries exhausted */
    CONN_END_GRACE = 12,        /* LoginGraceTime ran out */
    CONN_END_NOAUTH = 13,       /* it left without trying to log in */
};

#endif
