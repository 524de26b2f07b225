/* auth_revoked.c - RevokedKeys (see auth_revoked.h).
 *
 * The file is read when a key is first checked and read again whenever it
 * changed (device, inode, size, modification and change times), so a new
 * list applies to the next login without a reload.
 */
#include "auth_revoked.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "krl.h"
#include "log.h"
#include "pubkey.h"
#include "user_keyfiles.h"

/* The list as last read. */
static struct {
    char *path;
    struct stat st;         /* the file's identity when read */
    struct krl *krl;        /* NULL: the file was unusable, for reason */
    char reason[300];
} cache;

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Parse the open file FD (identity ST) into the cache. */
static void load(int fd, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    char why[256] = "";

    krl_free(cache.krl);
    cache.krl = NULL;
    if (!S_ISREG(cache.st.st_mode)) {
        snprintf(cache.reason, sizeof(cache.reason), "%s: not a regular file", path);
    } else if (ukf_read_fd(fd, KRL_FILE_MAX, &text, &len) != 0) {
        snprintf(cache.reason, sizeof(cache.reason), "%s: unreadable or larger than %u bytes",
                 path, KRL_FILE_MAX);
    } else if (krl_parse((const unsigned char *)text, len, &cache.krl, why, sizeof(why)) != 0) {
        snprintf(cache.reason, sizeof(cache.reason), "%s: %s", path, why);
    }
    free(text);
    if (cache.krl == NULL) {
        log_error("RevokedKeys %s: refusing every key and certificate", cache.reason);
    }
}

/* The current list, re-read if the file changed; NULL when unusable
 * (cache.reason says why). */
static const struct krl *current(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;

    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(cache.reason, sizeof(cache.reason), "%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        krl_free(cache.krl);
        cache.krl = NULL;
        free(cache.path);
        cache.path = NULL;
        log_error("RevokedKeys %s: refusing every key and certificate", cache.reason);
        return NULL;
    }
    if (cache.path == NULL || strcmp(cache.path, path) != 0 || !same_file(&cache.st, &st)) {
        free(cache.path);
        cache.path = strdup(path);
        cache.st = st;
        load(fd, path);
    }
    close(fd);
    return cache.krl;
}

int auth_revoked(const struct server *srv, const unsigned char *blob, size_t len,
                 const struct cert *cert, char *reason, size_t rlen)
{
    const char *path = srv->cfg.revoked_keys;
    const struct krl *k;
    struct pubkey pk;
    char fp[PUBKEY_FP_SIZE] = "?";
    const char *label = "?";

    if (path == NULL) {
        return 0;
    }
    k = current(path);
    if (k == NULL) {
        snprintf(reason, rlen, "Authentication refused: revoked keys file %s", cache.reason);
        return -1;
    }
    if (!krl_key_revoked(k, blob, len) && (cert == NULL || !krl_cert_revoked(k, cert))) {
        return 0;
    }
    if (pubkey_from_blob(blob, len, &pk) == 0) {
        pubkey_fp_sha256(&pk, fp);
        label = cert != NULL ? cert->label : pk.label;
        pubkey_free(&pk);
    }
    snprintf(reason, rlen, "Authentication key %s %s revoked by file %s", label, fp, path);
    return -1;
}
