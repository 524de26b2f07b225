/* hostkeys.c - load host keys and algorithms into an ssh_bind (hostkeys.h). */
#include "hostkeys.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include <libssh/libssh.h>

#include "algorithms.h"

/* Load one private key file; refuse one that others can read, as sshd does. */
static ssh_key load_key(const char *path, struct diag *errs)
{
    struct stat st;
    ssh_key key = NULL;

    if (stat(path, &st) < 0) {
        diag_add(errs, "%s: cannot read host key: %s", path, strerror(errno));
        return NULL;
    }
    if ((st.st_mode & 077) != 0) {
        diag_add(errs, "%s: host key permissions %04o are too open (want 0600)",
                 path, (unsigned)(st.st_mode & 07777));
        return NULL;
    }
    if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
        diag_add(errs, "%s: not a readable unencrypted private key", path);
        return NULL;
    }
    return key;
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

/* Set the algorithm lists and switch off every runtime file read. */
static int bind_set_algorithms(ssh_bind b)
{
    bool no = false;
    int min_rsa = FBD_RSA_MIN_BITS;
    int rc = 0;

    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_KEY_EXCHANGE, FBD_KEX);
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_C_S, FBD_CIPHERS);
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_S_C, FBD_CIPHERS);
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_C_S, FBD_MACS);
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_S_C, FBD_MACS);
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, FBD_HOSTKEY_ALGS);
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, FBD_PUBKEY_ALGS);
    rc |= ssh_bind_options_set(b, SSH_BIND_OPTIONS_RSA_MIN_SIZE, &min_rsa);
    return rc == 0 ? 0 : -1;
}

/* Import every HostKey; one per type.  Returns the number of errors. */
static size_t bind_import_keys(ssh_bind b, const struct fbd_config *cfg, struct diag *errs)
{
    const char *seen[3] = { NULL, NULL, NULL };
    size_t before = diag_count(errs);

    for (size_t i = 0; i < cfg->nhost_keys; i++) {
        const char *path = cfg->host_keys[i];
        ssh_key key = load_key(path, errs);
        int slot;

        if (key == NULL) {
            continue;
        }
        slot = key_slot(ssh_key_type(key));
        if (slot < 0) {
            diag_add(errs, "%s: unsupported host key type %s", path,
                     ssh_key_type_to_char(ssh_key_type(key)));
        } else if (seen[slot] != NULL) {
            diag_add(errs, "%s: a host key of this type was already loaded from %s",
                     path, seen[slot]);
        } else if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, key) != SSH_OK) {
            diag_add(errs, "%s: libssh refused the key: %s", path, ssh_get_error(b));
        } else {
            seen[slot] = path;
            continue;       /* the bind owns the key now */
        }
        ssh_key_free(key);
    }
    return diag_count(errs) - before;
}

ssh_bind hostkeys_bind_new(const struct fbd_config *cfg, struct diag *errs)
{
    ssh_bind b = ssh_bind_new();

    if (b == NULL) {
        diag_add(errs, "out of memory creating the SSH listener state");
        return NULL;
    }
    if (bind_set_algorithms(b) < 0) {
        diag_add(errs, "libssh refused fallbackd's algorithm list: %s", ssh_get_error(b));
        ssh_bind_free(b);
        return NULL;
    }
    if (cfg->nhost_keys == 0) {
        diag_add(errs, "%s: no HostKey configured", cfg->path ? cfg->path : "config");
    }
    if (cfg->nhost_keys == 0 || bind_import_keys(b, cfg, errs) > 0) {
        ssh_bind_free(b);
        return NULL;
    }
    return b;
}
