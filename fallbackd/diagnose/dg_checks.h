/* dg_checks.h - the checks diagnose_collect() runs, one file each. */
#ifndef FBD_DG_CHECKS_H
#define FBD_DG_CHECKS_H

#include "diagnose.h"
#include "dg_proc.h"

void dg_check_sshd(const struct dg_ctx *c);
void dg_check_pkg(const struct dg_ctx *c, const struct dg_opts *o);
void dg_check_system(const struct dg_ctx *c);
void dg_check_door(const struct dg_ctx *c, const struct dg_opts *o);

/* The ports the main sshd is configured for (sshd_config and what it
 * includes; 22 by default).  Fills PORTS (up to MAX), returns the count;
 * a config that cannot be read is a finding in R. */
size_t dg_sshd_ports(struct dg_report *r, unsigned *ports, size_t max);

/* Can the dynamic program PATH start now (the shell check's ELF, loader
 * and library logic)?  1 yes, 0 no with the reason in WHY. */
int dg_can_start(const char *path, char *why, size_t whylen);

/* Is a deleted mapping at PATH a replaced file on disk (not a memfd,
 * shared memory or a deleted /dev node)? */
int dg_replaced_file(const char *path);

#endif
