/* handles.c - open files and directories of a session (handles.h). */
#include "handles.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sftp_handle *handles_add(struct sftp_handles *hs, enum handle_kind kind, int fd,
                                DIR *dir, int pflags, const char *path)
{
    for (size_t i = 0; i < SFTP_MAX_HANDLES; i++) {
        struct sftp_handle *h = &hs->h[i];

        if (h->kind != HK_FREE) {
            continue;
        }
        h->path = strdup(path);
        if (h->path == NULL) {
            return NULL;
        }
        h->kind = kind;
        h->gen++;
        h->fd = fd;
        h->dir = dir;
        h->pflags = pflags;
        h->bytes_read = 0;
        h->bytes_written = 0;
        return h;
    }
    return NULL;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct sftp_handle *handles_find(struct sftp_handles *hs, const unsigned char *p, size_t n,
                                 enum handle_kind kind)
{
    uint32_t i;
    struct sftp_handle *h;

    if (p == NULL || n != HANDLE_LEN) {
        return NULL;
    }
    i = be32(p);
    if (i >= SFTP_MAX_HANDLES) {
        return NULL;
    }
    h = &hs->h[i];
    if (h->kind == HK_FREE || h->gen != be32(p + 4) || (kind != HK_FREE && h->kind != kind)) {
        return NULL;
    }
    return h;
}

struct sftp_handle *handles_read(struct sftp_handles *hs, struct sshrd *r,
                                 enum handle_kind kind)
{
    size_t n = 0;
    const unsigned char *p = sshrd_string(r, &n);

    return handles_find(hs, p, n, kind);
}

void handles_encode(const struct sftp_handles *hs, const struct sftp_handle *h,
                    unsigned char out[HANDLE_LEN])
{
    uint32_t v[2] = { (uint32_t)(h - hs->h), h->gen };

    for (int k = 0; k < 2; k++) {
        out[4 * k] = (unsigned char)(v[k] >> 24);
        out[4 * k + 1] = (unsigned char)(v[k] >> 16);
        out[4 * k + 2] = (unsigned char)(v[k] >> 8);
        out[4 * k + 3] = (unsigned char)v[k];
    }
}

int handles_close(struct sftp_handle *h)
{
    int rc = 0;

    if (h->kind == HK_FILE && close(h->fd) < 0) {
        rc = errno;
    } else if (h->kind == HK_DIR && closedir(h->dir) < 0) {
        rc = errno;
    }
    free(h->path);
    h->path = NULL;
    h->fd = -1;
    h->dir = NULL;
    h->kind = HK_FREE;
    return rc;
}

void handles_close_all(struct sftp_handles *hs)
{
    for (size_t i = 0; i < SFTP_MAX_HANDLES; i++) {
        if (hs->h[i].kind != HK_FREE) {
            handles_close(&hs->h[i]);
        }
    }
}

size_t handles_used(const struct sftp_handles *hs)
{
    size_t n = 0;

    for (size_t i = 0; i < SFTP_MAX_HANDLES; i++) {
        n += hs->h[i].kind != HK_FREE;
    }
    return n;
}
