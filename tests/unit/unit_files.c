/* unit_files.c - files the unit tests write (unit_files.h). */
#include "unit_files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

void unit_write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char path[512];
    FILE *f;

    if (dir != NULL) {
        snprintf(path, sizeof(path), "%s/%s", dir, name);
    } else {
        snprintf(path, sizeof(path), "%s", name);
    }
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    cr_assert_geq(fputs(text, f), 0, "%s: %s", path, strerror(errno));
    cr_assert_eq(fclose(f), 0, "%s: %s", path, strerror(errno));
    cr_assert_eq(chmod(path, mode), 0, "%s: %s", path, strerror(errno));
}
