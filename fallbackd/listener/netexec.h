/* netexec.h - each connection's network process is a new image of
 * fallbackd, started from the inode that was running at start.
 *
 * A forked network process would share the listener's address space
 * layout and stack canary (AT_RANDOM) with every other connection: one
 * leak would serve them all.  So the child that becomes the network
 * process executes fallbackd again - through a file descriptor opened
 * once at start, never by path (team rule: a binary replaced on disk
 * mid-upgrade changes nothing, and nothing is looked up at login):
 *
 *   when         | who                 | what
 *   -------------+---------------------+------------------------------------
 *   start        | main                | netexec_open_self(): /proc/self/exe,
 *                |                     |   else AT_EXECFN/argv[0] checked to be
 *                |                     |   the running inode; kept open
 *   connection   | connection process  | writes the boot data to a sealed
 *                |                     |   memfd, then vfork()s
 *                | its vfork() child   | client socket -> fd 3, monitor
 *                |                     |   socket -> fd 4, boot memfd -> fd 5,
 *                |                     |   the kept empty root (empty_ns.h), if
 *                |                     |   any -> fd 6;
 *                |                     |   execveat(self, "", AT_EMPTY_PATH),
 *                |                     |   empty environment
 *   new image    | main                | NETEXEC_ARG: netexec_main() reads the
 *                |                     |   boot data and becomes the network
 *                |                     |   process (net/conn.h)
 *
 * Boot data (RFC 4251 encodings; written and read only here, between two
 * images of the same binary):
 *
 *     uint32   NETEXEC_MAGIC
 *     string   config file name (for messages)
 *     string   config text, exactly as the listener parsed it
 *     uint32   number of host keys, then per key:
 *       string   key file name (for messages)
 *       string   public key blob (never the private key or the file text)
 *     string   peer address     uint32  peer port
 *     string   local address    uint32  local port
 *     uint32   monitor pid      uint32  sandbox uid     uint32  confine level
 *     uint32   1 if fd 6 is the kept empty root, else 0
 *
 * If the binary could not be opened at start, or execveat fails, a
 * forked child serves the connection itself (the old way, logged): a
 * door that cannot re-execute still lets people in.
 */
#ifndef FBD_NETEXEC_H
#define FBD_NETEXEC_H

#include <sys/types.h>

#include "endpoints.h"
#include "server.h"

#define NETEXEC_ARG "--network-process"
#define NETEXEC_MAGIC 0x66626e31u       /* "fbn1" */

/* Open the running binary once (see the table); ARGV0 is the fallback
 * path.  0, or -1 with a reason in why (the door then forks only). */
int netexec_open_self(const char *argv0, char *why, size_t whylen);

/* In the connection process: start its network process as a new image
 * (vfork() and execveat(): no copy of this process's memory is made for
 * a child that only executes).  FD is the client's socket, MON the
 * network process's end of the monitor socket; both stay open here.
 * The child's pid, or -1 (logged, unless the binary could not be opened
 * at start): the caller then forks a network process of its own. */
pid_t netexec_start(struct server *srv, int fd, int mon, pid_t monitor,
                    const struct endpoints *e, uid_t sandbox_uid);

/* The new image (argv[1] == NETEXEC_ARG): read the boot data from fd 5
 * and serve the connection.  Returns only on a bad start (exit code). */
int netexec_main(void);

#endif
