/* unit_files.h - files the unit tests write for the code under test. */
#ifndef FBD_UNIT_FILES_H
#define FBD_UNIT_FILES_H

#include <sys/types.h>

/* Write TEXT to DIR/NAME (DIR NULL: NAME is the path) with MODE; the test
 * fails at once if any step does. */
void unit_write_file(const char *dir, const char *name, const char *text, mode_t mode);

#endif
