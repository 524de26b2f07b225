/* ed25519.c - Ed25519 signature and verification time: libssh's own code
 * against libsodium (the question behind mk/libssh.sh's removal of libssh's
 * ed25519 objects).  Built twice by bench/ed25519.sh, against each library;
 * both export the same NaCl functions. */
#include <stdio.h>
#include <string.h>
#include <time.h>

int crypto_sign_ed25519_keypair(unsigned char *pk, unsigned char *sk);
int crypto_sign_ed25519(unsigned char *sm, unsigned long long *smlen, const unsigned char *m,
                        unsigned long long mlen, const unsigned char *sk);
int crypto_sign_ed25519_open(unsigned char *m, unsigned long long *mlen,
                             const unsigned char *sm, unsigned long long smlen,
                             const unsigned char *pk);
int LIB_INIT(void);

#define ROUNDS 300

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    unsigned char pk[32], sk[64], m[200], sm[264], out[264];
    unsigned long long smlen = 0, outlen;
    double t, sign_us, verify_us;
    int bad = 0;

    LIB_INIT();
    memset(m, 7, sizeof(m));    /* the size of an exchange hash + headers, roughly */
    crypto_sign_ed25519_keypair(pk, sk);
    t = now();
    for (int i = 0; i < ROUNDS; i++) {
        crypto_sign_ed25519(sm, &smlen, m, sizeof(m), sk);
    }
    sign_us = (now() - t) / ROUNDS * 1e6;
    t = now();
    for (int i = 0; i < ROUNDS; i++) {
        bad += crypto_sign_ed25519_open(out, &outlen, sm, smlen, pk) != 0;
    }
    verify_us = (now() - t) / ROUNDS * 1e6;
    printf("%-10s sign %7.1f us   verify %7.1f us%s\n", LIB_NAME, sign_us, verify_us,
           bad ? "   VERIFICATION FAILED" : "");
    return bad != 0;
}
