/* check_door.c - the door itself (dg_checks.h).
 *
 *   finding                                          | level
 *   -------------------------------------------------+------
 *   version, uptime, time left (DoorLifetime/--for)  | INFO
 *   host key fingerprints                            | INFO
 *   open connections                                 | INFO
 *   proven: last login from a non-loopback address   | OK
 *   never entered from outside                       | WARN
 *   run outside a door: the doors found in /proc     | INFO
 *
 * The door's findings never make the verdict: the verdict is about the
 * main sshd and the system; this section says whether the door itself
 * can be relied on.
 */
#include "dg_checks.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "pubkey.h"
#include "readfile.h"

/* One fingerprint line, from a public blob or from PATH.pub. */
static void fingerprint(const struct dg_ctx *c, const char *path, const unsigned char *blob,
                        size_t bloblen)
{
    struct pubkey k;
    struct readbuf b;
    struct diag err = { 0 };
    char fp[PUBKEY_FP_SIZE], pub[1100], why[1200];
    const char *rest;
    int rc;

    if (blob != NULL) {
        rc = pubkey_from_blob(blob, bloblen, &k);
        snprintf(why, sizeof(why), "HostKey %s (the key the door serves)", path);
    } else {
        snprintf(pub, sizeof(pub), "%s.pub", path);
        rc = readfile_head(pub, 65536, &b, &err) < 0 ? -1 : pubkey_read(b.p, &k, &rest);
        snprintf(why, sizeof(why), "%s%s", diag_count(&err) ? diag_last(&err) : pub,
                 rc < 0 && !diag_count(&err) ? ": not a public key" : "");
        diag_free(&err);
        readbuf_free(&b);
    }
    if (rc < 0) {
        dg_add(c->r, DG_INFO, DG_SEC_DOOR, why, "host key %s: no fingerprint", path);
        return;
    }
    pubkey_fp_sha256(&k, fp);
    dg_add(c->r, DG_INFO, DG_SEC_DOOR, why, "host key %u %s (%s)", k.bits, fp, k.label);
    pubkey_free(&k);
}

static void fingerprints(const struct dg_ctx *c, const struct dg_opts *o)
{
    for (size_t i = 0; i < o->nhost_keys; i++) {
        const unsigned char *blob = NULL;
        size_t len = 0;

        for (size_t j = 0; o->keys != NULL && j < o->keys->n; j++) {
            if (o->keys->k[j].path != NULL && strcmp(o->keys->k[j].path, o->host_keys[i]) == 0) {
                blob = o->keys->k[j].blob;
                len = o->keys->k[j].bloblen;
            }
        }
        fingerprint(c, o->host_keys[i], blob, len);
    }
}

/* Connections: the listener's children. */
static unsigned count_children(const struct dg_ctx *c, long parent)
{
    unsigned n = 0;

    for (size_t i = 0; i < c->nprocs; i++) {
        n += c->procs[i].ppid == parent;
    }
    return n;
}

/* Proven from outside, or not. */
static void proven(const struct dg_ctx *c, const struct door_state *s)
{
    long long at = __atomic_load_n(&s->proven_at, __ATOMIC_ACQUIRE);
    char ev[256], when[40], ago[32];

    if (at == 0) {
        snprintf(ev, sizeof(ev), "%lu login%s since start, all from loopback", s->logins,
                 s->logins == 1 ? "" : "s");
        dg_add(c->r, DG_WARN, DG_SEC_DOOR, ev, "this door has never been entered from "
               "outside: prove it from another machine before you need it");
        return;
    }
    dg_time(at, when, sizeof(when));
    dg_duration(c->now - at, ago, sizeof(ago));
    snprintf(ev, sizeof(ev), "last login from outside: %.46s as %.64s at %s", s->proven_from,
             s->proven_user, when);
    dg_add(c->r, DG_OK, DG_SEC_DOOR, ev, "proven: entered from %.46s %s ago", s->proven_from, ago);
}

/* What the door's shared state says. */
static void door_self(const struct dg_ctx *c, const struct dg_opts *o, const struct door_state *s)
{
    char up[32], left[32], ev[128];
    unsigned conns;

    dg_duration(c->now - s->started, up, sizeof(up));
    snprintf(ev, sizeof(ev), "listener PID %ld", s->listener_pid);
    dg_add(c->r, DG_INFO, DG_SEC_DOOR, ev, "fallbackd %s, up %s", o->version, up);
    if (s->closes > 0) {
        dg_duration(s->closes - c->now, left, sizeof(left));
        dg_add(c->r, s->closes <= c->now ? DG_WARN : DG_INFO, DG_SEC_DOOR, "DoorLifetime / --for",
               s->closes <= c->now ? "the door's lifetime is over: it accepts no new connections"
                                   : "the door closes in %s", left);
    }
    conns = count_children(c, s->listener_pid);
    dg_add(c->r, DG_INFO, DG_SEC_DOOR, "children of the listener in /proc",
           "%u open connection%s (this one included)", conns, conns == 1 ? "" : "s");
    proven(c, s);
}

/* Is COMM a door's ("fallbackd", or a build of it: "fallbackd-asan")? */
static int door_comm(const char *comm)
{
    return strncmp(comm, "fallbackd", 9) == 0;
}

/* From the command line: which doors run (processes named fallbackd
 * whose parent is not one). */
static void doors_found(const struct dg_ctx *c, const struct dg_opts *o)
{
    size_t n = 0;

    dg_add(c->r, DG_INFO, DG_SEC_DOOR, NULL, "fallbackd %s (command line: the door's own "
           "state, such as whether it was proven, is shown by ssh -s diagnose)", o->version);
    for (size_t i = 0; i < c->nprocs; i++) {
        const struct dg_proc *p = &c->procs[i], *parent = dg_proc_find(c, (pid_t)p->ppid);
        char up[32], ev[600];

        if (!door_comm(p->comm) || p->pid == getpid() ||
            (parent != NULL && door_comm(parent->comm))) {
            continue;
        }
        n++;
        dg_duration(p->started > 0 ? c->now - p->started : -1, up, sizeof(up));
        snprintf(ev, sizeof(ev), "/proc/%ld/exe -> %s%s", (long)p->pid, p->exe,
                 p->exe_deleted ? " (deleted)" : "");
        dg_add(c->r, DG_INFO, DG_SEC_DOOR, ev, "a door runs: PID %ld, up %s", (long)p->pid, up);
    }
    if (n == 0) {
        dg_add(c->r, DG_WARN, DG_SEC_DOOR, "no process named fallbackd in /proc",
               "no fallbackd door is running");
    }
}

void dg_check_door(const struct dg_ctx *c, const struct dg_opts *o)
{
    if (o->door != NULL) {
        door_self(c, o, o->door);
    } else {
        doors_found(c, o);
    }
    fingerprints(c, o);
}
