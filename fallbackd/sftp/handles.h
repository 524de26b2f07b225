/* handles.h - the open files and directories of one SFTP session.
 *
 * A handle on the wire is 8 bytes: the slot index and the slot's
 * generation, both uint32.  A slot's generation changes each time it is
 * reused, so a handle the client already closed never reaches another
 * file opened later in the same slot. */
#ifndef FBD_SFTP_HANDLES_H
#define FBD_SFTP_HANDLES_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "sshbuf.h"

#define HANDLE_LEN 8

enum handle_kind {
    HK_FREE = 0,
    HK_FILE,
    HK_DIR,
};

struct sftp_handle {
    enum handle_kind kind;
    uint32_t gen;
    int fd;                 /* HK_FILE */
    DIR *dir;               /* HK_DIR */
    int pflags;             /* OPEN's FXF_* flags (HK_FILE) */
    char *path;             /* as the client named it, for the log */
    uint64_t bytes_read;
    uint64_t bytes_written;
};

struct sftp_handles {
    struct sftp_handle h[SFTP_MAX_HANDLES];
};

/* Take a free slot for an open file (fd) or directory (dir); PATH is
 * copied.  Returns the handle, or NULL if every slot is taken or memory
 * is short (the caller closes fd/dir). */
struct sftp_handle *handles_add(struct sftp_handles *hs, enum handle_kind kind, int fd,
                                DIR *dir, int pflags, const char *path);

/* The handle named by the wire bytes p[0..n), of kind KIND (HK_FREE: any
 * kind), or NULL. */
struct sftp_handle *handles_find(struct sftp_handles *hs, const unsigned char *p, size_t n,
                                 enum handle_kind kind);

/* Read a handle string from r and find it as handles_find() does.
 * NULL if it is unknown or r ran out (r's error tells which). */
struct sftp_handle *handles_read(struct sftp_handles *hs, struct sshrd *r,
                                 enum handle_kind kind);

/* The wire form of h (HANDLE_LEN bytes). */
void handles_encode(const struct sftp_handles *hs, const struct sftp_handle *h,
                    unsigned char out[HANDLE_LEN]);

/* Close h's file or directory and free the slot.  0 or the errno of the
 * close. */
int handles_close(struct sftp_handle *h);

void handles_close_all(struct sftp_handles *hs);

/* Slots in use. */
size_t handles_used(const struct sftp_handles *hs);

#endif
