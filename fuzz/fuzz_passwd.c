/* fuzz_passwd.c - libFuzzer target for userdb_parse_passwd()
 * (fallbackd/userdb.h): one line of /etc/passwd.
 *
 * Input: one line without its newline (inputs holding a NUL or a newline
 * are outside the contract and rejected).  Invariants:
 *   - 0 fills every field, -1 sets a reason and leaves *out zeroed;
 *   - an accepted entry has a valid name (1..255 bytes, no blank or
 *     control character, not starting with '-' or '+'), a uid and gid
 *     other than (uid_t)-1, no control character in home or shell;
 *   - written back as "name:passwd:UID:GID:gecos:dir:shell" it parses to
 *     the same entry.
 */
#include <sys/types.h>

#include "fuzz.h"
#include "userdb.h"

/* Is PW all zero, as a refused line must leave it? */
static int entry_empty(const struct pw_entry *pw)
{
    static const struct pw_entry zero;

    return memcmp(pw, &zero, sizeof(zero)) == 0;
}

/* Does S hold a control character? */
static int has_ctl(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* Is NAME a user name the parser may accept? */
static int name_ok(const char *name)
{
    size_t n = strlen(name);

    return n >= 1 && n <= 255 && name[0] != '-' && name[0] != '+' &&
           strchr(name, ' ') == NULL && !has_ctl(name) && strchr(name, ':') == NULL;
}

/* Are A and B the same entry? */
static int same_entry(const struct pw_entry *a, const struct pw_entry *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->passwd, b->passwd) == 0 &&
           a->uid == b->uid && a->gid == b->gid && strcmp(a->gecos, b->gecos) == 0 &&
           strcmp(a->dir, b->dir) == 0 && strcmp(a->shell, b->shell) == 0;
}

/* PW written back as a line must parse to PW again. */
static void check_round_trip(const struct pw_entry *pw)
{
    struct pw_entry again;
    struct diag why = { 0 };
    char *line = NULL;

    FUZZ_CHECK(asprintf(&line, "%s:%s:%u:%u:%s:%s:%s", pw->name, pw->passwd,
                        (unsigned)pw->uid, (unsigned)pw->gid, pw->gecos, pw->dir,
                        pw->shell) >= 0, "out of memory");
    FUZZ_CHECK(userdb_parse_passwd(line, &again, &why) == 0, "\"%s\" refused: %s", line,
               diag_last(&why));
    FUZZ_CHECK(same_entry(pw, &again), "\"%s\" parses to another entry", line);
    userdb_pw_free(&again);
    diag_free(&why);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_cstring(data, size, "\n");
    struct pw_entry pw;
    struct diag why = { 0 };
    int rc;

    if (line == NULL) {
        return FUZZ_REJECT;
    }
    rc = userdb_parse_passwd(line, &pw, &why);
    FUZZ_CHECK(rc == 0 || rc == -1, "userdb_parse_passwd returned %d", rc);
    if (rc == 0) {
        FUZZ_CHECK(pw.name && pw.passwd && pw.gecos && pw.dir && pw.shell, "a field is NULL");
        FUZZ_CHECK(name_ok(pw.name), "accepted name \"%s\"", pw.name);
        FUZZ_CHECK(pw.uid != (uid_t)-1 && pw.gid != (gid_t)-1, "uid or gid is -1");
        FUZZ_CHECK(!has_ctl(pw.dir) && !has_ctl(pw.shell), "control character in dir or shell");
        check_round_trip(&pw);
    } else {
        FUZZ_CHECK(why.n == 1 && diag_last(&why)[0] != '\0', "refused without one reason");
        FUZZ_CHECK(entry_empty(&pw), "refused line left data in *out");
    }
    FUZZ_CHECK(rc != 0 || why.n == 0, "accepted with a reason");
    userdb_pw_free(&pw);
    diag_free(&why);
    free(line);
    return 0;
}
