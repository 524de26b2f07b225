/* cert_verify.c - a certificate's CA signature, verified by libssh
 * (see cert_verify.h).  The signed data is every byte of the certificate
 * before its signature field (cert.c keeps it as c->tbs). */
#include "cert_verify.h"

#include <stdio.h>

#include "addrmatch.h"
#include "libssh_internal.h"

/* A libssh string holding a copy of LEN bytes at P, or NULL. */
static ssh_string string_of(const unsigned char *p, size_t len)
{
    ssh_string s = ssh_string_new(len);

    if (s != NULL && ssh_string_fill(s, p, len) != 0) {
        ssh_string_free(s);
        s = NULL;
    }
    return s;
}

int cert_verify_ca(ssh_session verifier, const struct cert *c, const char *algs,
                   char *why, size_t whylen)
{
    ssh_string key_s = NULL, sig_s = NULL;
    ssh_signature sig = NULL;
    ssh_key ca = NULL;
    int ok = 0;

    if (addrmatch_patterns(c->sig_alg, algs) != 1) {
        snprintf(why, whylen, "certificate signature algorithm %.64s not in "
                 "CASignatureAlgorithms", c->sig_alg);
        return -1;
    }
    key_s = string_of(c->ca.blob, c->ca.bloblen);
    sig_s = string_of(c->sig, c->siglen);
    if (key_s != NULL && sig_s != NULL &&
        ssh_pki_import_pubkey_blob(key_s, &ca) == SSH_OK &&
        ssh_pki_import_signature_blob(sig_s, ca, &sig) == SSH_OK) {
        ok = ssh_pki_signature_verify(verifier, sig, ca, c->tbs, c->tbslen) == SSH_OK;
    }
    ssh_signature_free(sig);
    ssh_key_free(ca);
    ssh_string_free(key_s);
    ssh_string_free(sig_s);
    if (!ok) {
        snprintf(why, whylen, "certificate signature by its CA is invalid");
        return -1;
    }
    return 0;
}
