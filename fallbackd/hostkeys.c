/* hostkeys.c - host keys across listener, monitor and network process
 * (hostkeys.h). */
#include "hostkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <sodium.h>

#include "algolist.h"
#include "keyfile.h"
#include "libssh_internal.h"
#include "sshbuf.h"
#include "readfile.h"

#define KEY_FILE_MAX 65536

/* Read a private key file: root's, and only root may read it (0600 or
 * tighter); opened O_NONBLOCK so that a FIFO in its place cannot hang the
 * door.  NULL with a reason in errs. */
static char *read_key_file(const char *path, size_t *len, struct diag *errs)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    char *text = NULL;
    int err;

    *len = 0;
    if (fd < 0 || fstat(fd, &st) < 0) {
        diag_add(errs, "%s: cannot read host key: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode) || st.st_size > KEY_FILE_MAX) {
        diag_add(errs, "%s: host key is not a regular file of at most %d bytes", path, KEY_FILE_MAX);
    } else if (st.st_uid != 0) {
        diag_add(errs, "%s: host key is owned by uid %u (want root, mode 0600)", path,
                 (unsigned)st.st_uid);
    } else if ((st.st_mode & 077) != 0) {
        diag_add(errs, "%s: host key permissions %04o are too open (want 0600)",
                 path, (unsigned)(st.st_mode & 07777));
    } else if ((err = readfile_fd(fd, KEY_FILE_MAX, (size_t)st.st_size, &text, len)) != 0) {
        diag_add(errs, "%s: cannot read host key: %s", path, strerror(err));
    } else if (*len != (size_t)st.st_size) {
        diag_add(errs, "%s: cannot read host key: %s", path, "short read");
        sodium_memzero(text, *len);
        free(text);
        text = NULL;
        *len = 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    return text;
}

/* Which of libssh's per-type slots a key goes in; -1 if unsupported. */
static int key_slot(enum ssh_keytypes_e type)
{
    switch (type) {
    case SSH_KEYTYPE_ED25519:
        return 0;
    case SSH_KEYTYPE_ECDSA_P256:
    case SSH_KEYTYPE_ECDSA_P384:
    case SSH_KEYTYPE_ECDSA_P521:
        return 1;
    case SSH_KEYTYPE_RSA:
        return 2;
    default:
        return -1;
    }
}

/* Set the configured algorithm lists (a reload makes a new bind: new
 * connections get the new lists) and switch off every runtime file read. */
static int bind_set_algorithms(ssh_bind b, const struct fbd_config *cfg)
{
    static const struct { enum algo_kind kind; enum ssh_bind_options_e opt; } set[] = {
        { ALGO_KEX, SSH_BIND_OPTIONS_KEY_EXCHANGE },
        { ALGO_CIPHERS, SSH_BIND_OPTIONS_CIPHERS_C_S },
        { ALGO_CIPHERS, SSH_BIND_OPTIONS_CIPHERS_S_C },
        { ALGO_MACS, SSH_BIND_OPTIONS_HMAC_C_S },
        { ALGO_MACS, SSH_BIND_OPTIONS_HMAC_S_C },
        { ALGO_HOSTKEY, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS },
        { ALGO_PUBKEY, SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES },
    };
    bool no = false;
    int min_rsa = ALGO_RSA_MIN_BITS;
    int rc = 0;
    size_t i;

    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
    for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
        rc |= ssh_bind_options_set(b, set[i].opt,
                                   algolist_effective(set[i].kind, cfg->algorithms[set[i].kind]));
    }
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_RSA_MIN_SIZE, &min_rsa);
    return rc == 0 ? 0 : -1;
}

/* Import the public key BLOB (of key NAME, for messages) into the bind;
 * seen[] records the key file of each type slot. */
static int import_public(ssh_bind b, const unsigned char *blob, size_t bloblen,
                         const char *name, const char **seen, struct diag *errs)
{
    ssh_key pub = NULL;
    ssh_string s = ssh_string_new(bloblen);
    int slot;

    if (s == NULL || ssh_string_fill(s, blob, bloblen) < 0 ||
        ssh_pki_import_pubkey_blob(s, &pub) != SSH_OK) {
        diag_add(errs, "%s: unreadable public key", name);
        ssh_string_free(s);
        return -1;
    }
    ssh_string_free(s);
    slot = key_slot(ssh_key_type(pub));
    if (slot < 0 || seen[slot] != NULL) {
        diag_add(errs, slot < 0 ? "%s: unsupported host key type%s" :
                 "%s: a host key of this type was already loaded from %s", name,
                 slot < 0 ? "" : seen[slot]);
        ssh_key_free(pub);
        return -1;
    }
    if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, pub) != SSH_OK) {
        diag_add(errs, "%s: libssh refused the key: %s", name, ssh_get_error(b));
        ssh_key_free(pub);
        return -1;
    }
    seen[slot] = name;
    return 0;
}

/* Read one key file and import its public key into the bind. */
static int load_one(ssh_bind b, struct hostkey *hk, const char **seen, struct diag *errs)
{
    struct keyfile_info info;

    hk->text = read_key_file(hk->path, &hk->len, errs);
    if (hk->text == NULL) {
        return -1;
    }
    if (keyfile_parse(hk->text, hk->len, &info) < 0) {
        diag_add(errs, "%s: not an OpenSSH private key file", hk->path);
        return -1;
    }
    hk->blob = info.blob;
    hk->bloblen = info.bloblen;
    info.blob = NULL;
    keyfile_info_free(&info);
    return import_public(b, hk->blob, hk->bloblen, hk->path, seen, errs);
}

/* Does the private key in hk->text parse, unencrypted, and match its
 * public blob?  Runs in a throwaway child: see the file comment. */
static int private_ok(const struct hostkey *hk)
{
    ssh_key priv = NULL;
    ssh_key pub = NULL;
    ssh_string blob = NULL;
    int ok;

    ok = ssh_pki_import_privkey_base64(hk->text, NULL, NULL, NULL, &priv) == SSH_OK &&
         ssh_pki_export_privkey_to_pubkey(priv, &pub) == SSH_OK &&
         ssh_pki_export_pubkey_blob(pub, &blob) == SSH_OK &&
         ssh_string_len(blob) == hk->bloblen &&
         memcmp(ssh_string_data(blob), hk->blob, hk->bloblen) == 0;
    return ok;
}

/* Check every private key in a forked child; its exit status is the
 * index + 1 of the first bad key, 0 if all are good. */
static int check_privates(const struct hostkeys *keys, struct diag *errs)
{
    pid_t pid = fork();
    int status = 0;

    if (pid == 0) {
        for (size_t i = 0; i < keys->n; i++) {
            if (!private_ok(&keys->k[i])) {
                _exit((int)i + 1);
            }
        }
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        diag_add(errs, "cannot check the host keys: %s", pid < 0 ? strerror(errno) : "checker died");
        return -1;
    }
    if (WEXITSTATUS(status) != 0) {
        diag_add(errs, "%s: not a readable unencrypted private key matching its public key",
                 keys->k[WEXITSTATUS(status) - 1].path);
        return -1;
    }
    return 0;
}

/* Does HostKeyAlgorithms name an algorithm for one of the loaded keys?
 * (A key's blob starts with its type name, RFC 4253 6.6.) */
static int any_key_offered(const struct hostkeys *keys, const struct fbd_config *cfg)
{
    const char *list = algolist_effective(ALGO_HOSTKEY, cfg->algorithms[ALGO_HOSTKEY]);

    for (size_t i = 0; i < keys->n; i++) {
        struct sshrd r;
        char type[64];
        const unsigned char *p;
        size_t n;

        sshrd_init(&r, keys->k[i].blob, keys->k[i].bloblen);
        p = sshrd_string(&r, &n);
        if (p == NULL || n >= sizeof(type)) {
            continue;
        }
        memcpy(type, p, n);
        type[n] = '\0';
        if (algolist_has_hostkey(list, type)) {
            return 1;
        }
    }
    return 0;
}

ssh_bind hostkeys_load(const struct fbd_config *cfg, struct hostkeys *keys, struct diag *errs)
{
    const char *seen[3] = { NULL, NULL, NULL };
    size_t before = diag_count(errs);
    ssh_bind b = ssh_bind_new();

    memset(keys, 0, sizeof(*keys));
    if (b == NULL || bind_set_algorithms(b, cfg) < 0) {
        diag_add(errs, "cannot set up libssh's listener state");
    } else if (cfg->nhost_keys == 0) {
        diag_add(errs, "%s: no HostKey configured", cfg->path ? cfg->path : "config");
    }
    for (size_t i = 0; diag_count(errs) == before && i < cfg->nhost_keys; i++) {
        keys->k[i].path = strdup(cfg->host_keys[i]);
        keys->n = i + 1;
        load_one(b, &keys->k[i], seen, errs);
    }
    if (diag_count(errs) == before) {
        check_privates(keys, errs);
    }
    if (diag_count(errs) == before && !any_key_offered(keys, cfg)) {
        diag_add(errs, "%s: HostKeyAlgorithms names no algorithm of a loaded HostKey",
                 cfg->path ? cfg->path : "config");
    }
    if (diag_count(errs) > before) {
        ssh_bind_free(b);
        hostkeys_free(keys);
        return NULL;
    }
    return b;
}

ssh_bind hostkeys_public_bind(const struct fbd_config *cfg, const struct hostkeys *keys,
                              struct diag *errs)
{
    const char *seen[3] = { NULL, NULL, NULL };
    size_t before = diag_count(errs);
    ssh_bind b = ssh_bind_new();

    if (b == NULL || bind_set_algorithms(b, cfg) < 0) {
        diag_add(errs, "cannot set up libssh's listener state");
    }
    for (size_t i = 0; diag_count(errs) == before && i < keys->n; i++) {
        import_public(b, keys->k[i].blob, keys->k[i].bloblen, keys->k[i].path, seen, errs);
    }
    if (diag_count(errs) > before) {
        ssh_bind_free(b);
        return NULL;
    }
    return b;
}

void hostkeys_wipe(struct hostkeys *keys)
{
    for (size_t i = 0; i < keys->n; i++) {
        if (keys->k[i].text != NULL) {
            sodium_memzero(keys->k[i].text, keys->k[i].len);
        }
    }
}

const struct hostkey *hostkeys_find(const struct hostkeys *keys, const unsigned char *blob,
                                    size_t bloblen)
{
    for (size_t i = 0; i < keys->n; i++) {
        const struct hostkey *hk = &keys->k[i];

        if (hk->bloblen == bloblen && memcmp(hk->blob, blob, bloblen) == 0) {
            return hk;
        }
    }
    return NULL;
}

/* The monitor's private key for public blob BLOB, parsed on first use. */
static ssh_key private_key(struct hostkeys *keys, const unsigned char *blob, size_t bloblen)
{
    struct hostkey *hk = (struct hostkey *)hostkeys_find(keys, blob, bloblen);

    if (hk == NULL) {
        return NULL;
    }
    if (hk->priv == NULL) {
        ssh_pki_import_privkey_base64(hk->text, NULL, NULL, NULL, &hk->priv);
    }
    return hk->priv;
}

ssh_string hostkeys_sign(struct hostkeys *keys, const unsigned char *blob, size_t bloblen,
                         int digest, const unsigned char *data, size_t len)
{
    ssh_key priv = private_key(keys, blob, bloblen);
    ssh_signature sig;
    ssh_string out = NULL;

    if (priv == NULL) {
        return NULL;
    }
    sig = pki_do_sign(priv, data, len, digest);
    if (sig != NULL && ssh_pki_export_signature_blob(sig, &out) != SSH_OK) {
        out = NULL;
    }
    ssh_signature_free(sig);
    return out;
}

void hostkeys_free(struct hostkeys *keys)
{
    for (size_t i = 0; i < keys->n; i++) {
        struct hostkey *hk = &keys->k[i];

        if (hk->text != NULL) {
            sodium_memzero(hk->text, hk->len);
        }
        free(hk->text);
        free(hk->path);
        free(hk->blob);
        ssh_key_free(hk->priv);
    }
    memset(keys, 0, sizeof(*keys));
}
