/* test_signed_data.c - the monitor's check of the data a client signed for
 * publickey authentication (fallbackd/monitor/signed_data.c): each rule
 * of RFC 4252 section 7 that keeps a compromised network process from
 * replaying or bending a user's signature. */
#include <criterion/criterion.h>

#include <string.h>

#include "algolist.h"
#include "signed_data.h"
#include "sshbuf.h"

static const unsigned char sid[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const unsigned char other_sid[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 11 };

/* A key blob of type TYPE (the fields after the name are filler: the check
 * looks at the name only; the signature verification sees the rest). */
static void key_blob(struct sshbuf *b, const char *type, unsigned char fill)
{
    unsigned char k[32];

    memset(k, fill, sizeof(k));
    sshbuf_put_cstring(b, type);
    sshbuf_put_string(b, k, sizeof(k));
}

/* Signed data for SESSION_ID, USER, METHOD, ALG, KEY (as a client builds
 * it); HOSTKEY (hostbound) is appended when not NULL. */
static void signed_blob_m(struct sshbuf *b, const unsigned char *session_id, const char *user,
                          const char *method, const char *alg, const struct sshbuf *key,
                          const struct sshbuf *hostkey)
{
    sshbuf_put_string(b, session_id, 32);
    sshbuf_put_u8(b, 50);
    sshbuf_put_cstring(b, user);
    sshbuf_put_cstring(b, "ssh-connection");
    sshbuf_put_cstring(b, method);
    sshbuf_put_u8(b, 1);
    sshbuf_put_cstring(b, alg);
    sshbuf_put_string(b, key->data, key->len);
    if (hostkey != NULL) {
        sshbuf_put_string(b, hostkey->data, hostkey->len);
    }
}

static void signed_blob(struct sshbuf *b, const unsigned char *session_id, const char *user,
                        const char *alg, const struct sshbuf *key)
{
    signed_blob_m(b, session_id, user, "publickey", alg, key, NULL);
}

/* A signature blob of algorithm ALG with 64 filler bytes. */
static void sig_blob(struct sshbuf *b, const char *alg)
{
    unsigned char s[64] = { 0 };

    sshbuf_put_cstring(b, alg);
    sshbuf_put_string(b, s, sizeof(s));
}

struct fixture {
    struct sshbuf key, data, sig;
    struct signed_req q;
    char alg[64];
};

/* The request of user "alice" for key TYPE signed as ALG over session
 * SESSION_ID, checked against this connection's sid. */
static void make(struct fixture *f, const unsigned char *session_id, const char *user,
                 const char *type, const char *alg, const char *sigalg)
{
    memset(f, 0, sizeof(*f));
    key_blob(&f->key, type, 7);
    signed_blob(&f->data, session_id, user, alg, &f->key);
    sig_blob(&f->sig, sigalg);
    f->q = (struct signed_req){
        .session_id = sid, .session_id_len = sizeof(sid),
        .user = "alice", .user_len = 5,
        .key = f->key.data, .key_len = f->key.len,
        .data = f->data.data, .data_len = f->data.len,
        .sig = f->sig.data, .sig_len = f->sig.len,
        .accepted = algolist_default(ALGO_PUBKEY),
    };
}

static void drop(struct fixture *f)
{
    sshbuf_free(&f->key);
    sshbuf_free(&f->data);
    sshbuf_free(&f->sig);
}

static enum signed_fault check(struct fixture *f)
{
    return signed_data_check(&f->q, f->alg, sizeof(f->alg));
}

Test(signed_data, good_request_passes_and_names_the_algorithm)
{
    struct fixture f;

    make(&f, sid, "alice", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    cr_expect_eq(check(&f), SIGNED_OK);
    cr_expect_str_eq(f.alg, "ssh-ed25519");
    drop(&f);
    make(&f, sid, "alice", "ssh-rsa", "rsa-sha2-512", "rsa-sha2-512");
    cr_expect_eq(check(&f), SIGNED_OK, "rsa-sha2-512 is made with an ssh-rsa key");
    cr_expect_str_eq(f.alg, "rsa-sha2-512");
    drop(&f);
}

Test(signed_data, other_session_id_refused)
{
    struct fixture f;

    make(&f, other_sid, "alice", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    cr_expect_eq(check(&f), SIGNED_SESSION, "a signature made for another connection");
    drop(&f);
    make(&f, sid, "alice", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    f.q.session_id_len = 0;
    cr_expect_eq(check(&f), SIGNED_SESSION, "no exchange hash signed yet");
    drop(&f);
}

Test(signed_data, other_user_refused)
{
    struct fixture f;

    make(&f, sid, "bob", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    cr_expect_eq(check(&f), SIGNED_USER);
    drop(&f);
    make(&f, sid, "alicex", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    cr_expect_eq(check(&f), SIGNED_USER, "a longer name with the same start");
    drop(&f);
}

Test(signed_data, other_key_refused)
{
    struct fixture f;
    struct sshbuf other = SSHBUF_INIT;

    make(&f, sid, "alice", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    key_blob(&other, "ssh-ed25519", 8);
    f.q.key = other.data;       /* the request names another key than was signed */
    f.q.key_len = other.len;
    cr_expect_eq(check(&f), SIGNED_KEY);
    sshbuf_free(&other);
    drop(&f);
}

Test(signed_data, trailing_bytes_refused)
{
    struct fixture f;

    make(&f, sid, "alice", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    sshbuf_put_u8(&f.data, 0);
    f.q.data = f.data.data;
    f.q.data_len = f.data.len;
    cr_expect_eq(check(&f), SIGNED_TRAILING);
    drop(&f);
}

Test(signed_data, algorithm_mismatch_refused)
{
    struct fixture f;

    make(&f, sid, "alice", "ssh-ed25519", "ssh-ed25519", "rsa-sha2-256");
    cr_expect_eq(check(&f), SIGNED_ALGORITHM, "signature of another algorithm");
    drop(&f);
    make(&f, sid, "alice", "ssh-ed25519", "rsa-sha2-256", "rsa-sha2-256");
    cr_expect_eq(check(&f), SIGNED_ALGORITHM, "algorithm not made with the key's type");
    drop(&f);
    make(&f, sid, "alice", "ssh-rsa", "ssh-rsa", "ssh-rsa");
    cr_expect_eq(check(&f), SIGNED_ALGORITHM, "ssh-rsa (SHA-1) is not accepted");
    drop(&f);
}

Test(signed_data, algorithm_not_in_the_accepted_list_refused)
{
    struct fixture f;

    make(&f, sid, "alice", "ssh-rsa", "rsa-sha2-256", "rsa-sha2-256");
    cr_expect_eq(check(&f), SIGNED_OK);
    f.q.accepted = "ssh-ed25519,rsa-sha2-512";
    cr_expect_eq(check(&f), SIGNED_ALGORITHM, "PubkeyAcceptedAlgorithms without it");
    drop(&f);
}

Test(signed_data, hostbound_names_this_sessions_host_key)
{
    struct fixture f;
    struct sshbuf hk = SSHBUF_INIT, other = SSHBUF_INIT;

    key_blob(&hk, "ssh-ed25519", 0x11);
    key_blob(&other, "ssh-ed25519", 0x22);
    make(&f, sid, "alice", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    sshbuf_free(&f.data);
    signed_blob_m(&f.data, sid, "alice", "publickey-hostbound-v00@openssh.com", "ssh-ed25519",
                  &f.key, &hk);
    f.q.data = f.data.data;
    f.q.data_len = f.data.len;
    cr_expect_eq(check(&f), SIGNED_HOSTKEY, "no host key known yet");
    f.q.hostkey = hk.data;
    f.q.hostkey_len = hk.len;
    cr_expect_eq(check(&f), SIGNED_OK);
    f.q.hostkey = other.data;
    cr_expect_eq(check(&f), SIGNED_HOSTKEY, "bound to another host key");
    sshbuf_free(&hk);
    sshbuf_free(&other);
    drop(&f);
}

Test(signed_data, wrong_shape_refused)
{
    struct fixture f;

    make(&f, sid, "alice", "ssh-ed25519", "ssh-ed25519", "ssh-ed25519");
    f.q.data_len = 40;          /* cut inside the user name */
    cr_expect_eq(check(&f), SIGNED_FORMAT);
    f.data.data[36] = 51;       /* not SSH_MSG_USERAUTH_REQUEST */
    f.q.data_len = f.data.len;
    cr_expect_eq(check(&f), SIGNED_FORMAT);
    drop(&f);
}

/* A security-key signature blob of ALG with FLAGS. */
static void sk_sig(struct sshbuf *b, const char *alg, unsigned char flags)
{
    unsigned char s[64] = { 0 };

    sshbuf_put_cstring(b, alg);
    sshbuf_put_string(b, s, sizeof(s));
    sshbuf_put_u8(b, flags);
    sshbuf_put_u32(b, 7);
}

Test(signed_data, security_key_flags)
{
    static const char *algs[] = { "sk-ssh-ed25519@openssh.com",
                                  "sk-ecdsa-sha2-nistp256@openssh.com" };

    for (size_t i = 0; i < 2; i++) {
        struct sshbuf none = SSHBUF_INIT, up = SSHBUF_INIT, upuv = SSHBUF_INIT;

        cr_expect(signed_is_sk(algs[i]));
        sk_sig(&none, algs[i], 0);
        sk_sig(&up, algs[i], SK_USER_PRESENT);
        sk_sig(&upuv, algs[i], SK_USER_PRESENT | SK_USER_VERIFIED);
        cr_expect_eq(signed_sk_check(none.data, none.len, 1, 0), SIGNED_NO_PRESENCE,
                     "no touch: refused (%s)", algs[i]);
        cr_expect_eq(signed_sk_check(none.data, none.len, 0, 0), SIGNED_OK,
                     "no-touch-required");
        cr_expect_eq(signed_sk_check(up.data, up.len, 1, 0), SIGNED_OK);
        cr_expect_eq(signed_sk_check(up.data, up.len, 1, 1), SIGNED_NOT_VERIFIED);
        cr_expect_eq(signed_sk_check(upuv.data, upuv.len, 1, 1), SIGNED_OK);
        cr_expect_eq(signed_sk_check(up.data, up.len - 1, 0, 0), SIGNED_FORMAT,
                     "counter cut short");
        sshbuf_free(&none);
        sshbuf_free(&up);
        sshbuf_free(&upuv);
    }
    cr_expect_not(signed_is_sk("ssh-ed25519"));
    cr_expect_not(signed_is_sk("sk-unknown@example.com"));
}
