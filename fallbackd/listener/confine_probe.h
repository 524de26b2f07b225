/* confine_probe.h - find out, before serving, how network processes can be
 * confined on this system.
 *
 * A plain chroot whose root is not a mount point, or a container without
 * mount namespaces, cannot give a network process its private empty root.
 * Finding that out per connection would close every connection (a door
 * that shuts everyone out).  So the whole confinement is tried once, in a
 * throwaway child, at start, in -t and at each reload:
 *
 *   Sandbox | full confinement works | only without the mount namespace | neither
 *   --------+------------------------+----------------------------------+---------
 *   strict  | CONFINE_FULL           | refuse to start (reload: keep    | refuse
 *           |                        |   the old config), say why       |
 *   auto    | CONFINE_FULL           | CONFINE_NO_MOUNT_NS, logged at   | refuse
 *           |                        |   every start with why and what  |
 *           |                        |   to do                          |
 *   no      | CONFINE_NONE (not tried)                                             |
 */
#ifndef FBD_CONFINE_PROBE_H
#define FBD_CONFINE_PROBE_H

#include "diag.h"
#include "server.h"

/* Set srv->confine for srv->cfg.Sandbox on this system.  0, with every
 * message for the administrator (what works, what does not, what to do)
 * appended to notes; -1 if the door must not serve, with the reason in
 * errs. */
int confine_probe(struct server *srv, struct diag *notes, struct diag *errs);

#endif
