/* fingerprint.c - "fallbackd fingerprint FILE": ssh-keygen -lf's output
 * (see fingerprint.h).
 *
 * What ssh-keygen -lf FILE does, and so what we do:
 *
 *   - If line 1 of FILE contains "PRIVATE KEY" (and FILE is not stdin),
 *     FILE is a private key: the key is taken from the first key line of
 *     FILE, else of FILE.pub, with that line's comment (the file's name
 *     when the line has none); else from the OpenSSH private key container
 *     itself, with the comment stored inside it (printed even when empty).
 *     Nothing found: "FILE is not a key file.", exit 255.
 *   - Otherwise every line is tried: blank lines and lines starting with
 *     '#' are skipped; a line is "type base64 [comment]", or has a leading
 *     field first (authorized_keys options or known_hosts host names, which
 *     may hold double-quoted blanks) that is printed as the comment when
 *     the line has none.  A line whose first field is a non-zero decimal
 *     number (an SSH-1 key) is skipped.  No key found at all:
 *     "FILE is not a public key file.", exit 255.
 *
 * Output line: "BITS SHA256:BASE64 COMMENT (TYPE)", COMMENT "no comment"
 * when absent.
 */
#include "fingerprint.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gcrypt.h>
#include <sodium.h>

#include "keyfile.h"
#include "keytool.h"

#define EXIT_FATAL 255

/* Length of the UTF-8 sequence at s, and its code point in *cp; 0 if s
 * does not start with a valid, shortest-form sequence. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    size_t i;

    if (n == 0 || s[0] > 0xf4) {
        return 0;
    }
    *cp = s[0] & (0x7f >> n);
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

/* Print s, escaping as OpenSSH's mprintf() does in a UTF-8 locale: tab,
 * CR and LF pass, other control characters (C0, DEL, C1) and bytes that
 * are not UTF-8 become \ooo. */
static void put_safe(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t cp = 0;
    size_t n, i;

    while (*s != '\0') {
        n = *s < 0x80 ? 1 : utf8_seq(s, &cp);
        cp = *s < 0x80 ? *s : cp;
        if (n == 0) {
            fprintf(out, "\\%03o", *s++);
        } else if ((cp < 0x20 && cp != '\t' && cp != '\r' && cp != '\n') ||
                   (cp >= 0x7f && cp < 0xa0)) {
            for (i = 0; i < n; i++) {
                fprintf(out, "\\%03o", *s++);
            }
        } else {
            fwrite(s, 1, n, out);
            s += n;
        }
    }
}

/* One output line for k. */
void fingerprint_print(FILE *out, const struct pubkey *k, const char *comment)
{
    char fp[PUBKEY_FP_SIZE];

    pubkey_fp_sha256(k, fp);
    fprintf(out, "%u %s ", k->bits, fp);
    put_safe(out, comment != NULL ? comment : "no comment");
    fprintf(out, " (%s)\n", k->label);
}

/* The first key line of a public key file, as ssh-keygen reads FILE and
 * FILE.pub: lines starting with '#' or empty are skipped, so are lines
 * that are not keys; a "-----BEGIN" line ends the search.  The comment
 * (CR/LF cut off) is the rest of the line, or path when there is none.
 * 0 and *k, *comment (malloc'd) filled, or -1. */
static int load_public(const char *path, struct pubkey *k, char **comment)
{
    FILE *f = fopen(path, "re");
    char *line = NULL, *cp;
    const char *rest = NULL;
    size_t size = 0;
    int rc = -1;

    while (f != NULL && rc != 0 && getline(&line, &size, f) != -1) {
        if (strncmp(line, "-----BEGIN", 10) == 0) {
            break;
        }
        cp = line + strspn(line, " \t");
        if (line[0] != '#' && line[0] != '\n' && *cp != '\0' &&
            pubkey_read(cp, k, &rest) == 0) {
            size_t n = strcspn(rest, "\r\n");

            *comment = n > 0 ? strndup(rest, n) : strdup(path);
            rc = 0;
        }
    }
    free(line);
    if (f != NULL) {
        fclose(f);
    }
    return rc;
}

/* Is the private key file at path readable by others than its owner, the
 * caller?  ssh-keygen then refuses to read its private part (so prints
 * no comment) and warns. */
static int too_open(const char *path, FILE *err)
{
    struct stat st;
    int open_perm = stat(path, &st) == 0 && st.st_uid == getuid() &&
                    (st.st_mode & 077) != 0;

    if (open_perm) {
        fprintf(err, "Permissions %04o for '%s' are too open.\n",
                (unsigned)(st.st_mode & 07777), path);
    }
    return open_perm;
}

/* The key and comment inside an OpenSSH private key file.  0 or -1. */
static int load_private(const char *path, struct pubkey *k, char **comment,
                        FILE *err)
{
    struct keyfile_info kf;
    int rc = -1;

    if (keyfile_read(path, &kf) == 0 &&
        pubkey_from_blob(kf.blob, kf.bloblen, k) == 0) {
        if (!too_open(path, err)) {
            *comment = kf.comment;
            kf.comment = NULL;
        }
        rc = 0;
    }
    keyfile_info_free(&kf);
    return rc;
}

/* A private key file: see the description at the top. */
static int fp_private(const char *path, FILE *out, FILE *err)
{
    struct pubkey k;
    char *comment = NULL, *pubpath = NULL;
    int rc = EXIT_FATAL;

    if (asprintf(&pubpath, "%s.pub", path) < 0) {
        pubpath = NULL;
    }
    if (load_public(path, &k, &comment) == 0 ||
        (pubpath != NULL && load_public(pubpath, &k, &comment) == 0) ||
        load_private(path, &k, &comment, err) == 0) {
        fingerprint_print(out, &k, comment);
        pubkey_free(&k);
        rc = 0;
    } else {
        fprintf(err, "%s is not a key file.\n", path);
    }
    free(comment);
    free(pubpath);
    return rc;
}

/* Cut the leading field (authorized_keys options or known_hosts hosts)
 * off *cp, NUL-terminating it; blanks inside double quotes do not end it,
 * and \" does not open or close quotes.  Returns the field, or NULL when
 * the line has nothing after it or starts with an SSH-1 bit count. */
static char *cut_prefix(char **cp)
{
    char *p = *cp, *ep = NULL, *field;
    int quoted = 0;

    if (strtol(p, &ep, 10) != 0 && (*ep == ' ' || *ep == '\t')) {
        return NULL;
    }
    for (; *p != '\0' && (quoted || (*p != ' ' && *p != '\t')); p++) {
        if (p[0] == '\\' && p[1] == '"') {
            p++;
        } else if (*p == '"') {
            quoted = !quoted;
        }
    }
    if (*p == '\0') {
        return NULL;
    }
    *p = '\0';
    field = *cp;
    *cp = p + 1;
    return field;
}

/* Print the key on one line (no newline, leading blanks skipped) if it
 * has one.  Returns 1 if a key was printed, else 0. */
static int fp_line(char *cp, FILE *out)
{
    const char *comment = NULL, *rest = NULL;
    struct pubkey k;

    if (pubkey_read(cp, &k, &rest) != 0) {
        comment = cut_prefix(&cp);
        if (comment == NULL || pubkey_read(cp, &k, &rest) != 0) {
            return 0;
        }
    }
    if (*rest != '\0' && *rest != '#') {
        comment = rest;
    }
    fingerprint_print(out, &k, comment);
    pubkey_free(&k);
    return 1;
}

/* Fingerprint every key in f.  Returns the exit code. */
static int fp_stream(FILE *f, const char *path, int is_stdin, FILE *out,
                     FILE *err)
{
    char *line = NULL, *cp;
    size_t size = 0;
    unsigned long lnum = 0;
    int found = 0, priv = 0;

    while (!priv && getline(&line, &size, f) != -1) {
        lnum++;
        line[strcspn(line, "\n")] = '\0';
        cp = line + strspn(line, " \t");
        if (*cp == '#' || *cp == '\0') {
            continue;
        }
        priv = lnum == 1 && !is_stdin && strstr(cp, "PRIVATE KEY") != NULL;
        found |= !priv && fp_line(cp, out);
    }
    free(line);
    if (priv) {
        return fp_private(path, out, err);
    }
    if (!found) {
        fprintf(err, "%s is not a public key file.\n", path);
    }
    return found ? 0 : EXIT_FATAL;
}

/* ssh-keygen -lf path (see fingerprint.h). */
int fingerprint_file(const char *path, FILE *out, FILE *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "re");
    int rc = EXIT_FATAL;

    if (f == NULL) {
        fprintf(err, "fingerprint: %s: %s\n", path, strerror(errno));
    } else {
        rc = fp_stream(f, is_stdin ? "(stdin)" : path, is_stdin, out, err);
    }
    if (f != NULL && !is_stdin) {
        fclose(f);
    }
    return rc;
}

/* fallbackd fingerprint [-f] FILE */
int fingerprint_main(int argc, char **argv)
{
    const char *path = NULL;

    if (argc == 2 && strcmp(argv[1], "-f") != 0) {
        path = argv[1];
    } else if (argc == 3 && strcmp(argv[1], "-f") == 0) {
        path = argv[2];
    }
    if (path == NULL) {
        fprintf(stderr, "usage: fallbackd fingerprint [-f] FILE\n");
        return 1;
    }
    if (sodium_init() < 0 || gcry_check_version(NULL) == NULL) {
        fprintf(stderr, "fingerprint: cannot initialise crypto\n");
        return EXIT_FATAL;
    }
    return fingerprint_file(path, stdout, stderr);
}
