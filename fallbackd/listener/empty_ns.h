/* empty_ns.h - the network processes' empty root, made once.
 *
 * A fully confined network process (listener/confine_probe.h) sees an
 * empty, read-only root.  Making it per connection (unshare(CLONE_NEWNS),
 * a tmpfs mount, then tearing both down at exit) copies the whole mount
 * table for every connection and costs each login CPU in the kernel.
 * So the listener makes one such namespace at start and keeps it open;
 * every network process joins it with setns():
 *
 *   step (in a throwaway child)          | why
 *   -------------------------------------+-----------------------------------
 *   unshare(CLONE_NEWNS)                 | a mount table of its own
 *   mount --make-rprivate /              | nothing propagates in or out
 *   tmpfs, read-only, 4k, over /proc     | the empty root; /proc is a
 *                                        |   directory every system has (no
 *                                        |   /run or /var directory needed)
 *   pivot_root(".", ".") in it, then     | the tmpfs becomes the root and
 *     detach the old root                |   the copy of the host's mounts
 *                                        |   goes: the namespace holds no
 *                                        |   file system of the host busy
 *   the listener opens /proc/PID/ns/mnt  | the namespace outlives the child
 *
 * If any step fails, network processes make their own as before
 * (sandbox.h); nothing is refused for it.
 */
#ifndef FBD_EMPTY_NS_H
#define FBD_EMPTY_NS_H

#include "diag.h"

/* The kept namespace's fd (close-on-exec), made on the first call; -1 if
 * it cannot be made (the reason, once, in notes). */
int empty_ns_get(struct diag *notes);

#endif
