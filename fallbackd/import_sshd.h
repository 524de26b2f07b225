/* import_sshd.h - "fallbackd import-sshd [-f sshd_config]": print a
 * fallbackd config carrying sshd's login policy, so that the keys and
 * certificates that open port 22 open the door. */
#ifndef FBD_IMPORT_SSHD_H
#define FBD_IMPORT_SSHD_H

#include <stdio.h>

/* Translate the sshd config at PATH (following Include) and print the
 * result to OUT; problems to ERR.  Returns the process exit code: 0, or 1
 * when the file cannot be read. */
int import_sshd(const char *path, FILE *out, FILE *err);

/* The command line: import-sshd [-f FILE]. */
int import_sshd_main(int argc, char **argv);

#endif
