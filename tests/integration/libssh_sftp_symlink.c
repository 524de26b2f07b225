/* libssh_sftp_symlink.c - a libssh SFTP client for test_sftp.py: logs in
 * to 127.0.0.1 and asks for one symbolic link with libssh's own
 * sftp_symlink(), which sends SSH_FXP_SYMLINK's paths in the draft's order
 * (link first) to a server whose version line does not say OpenSSH.
 *
 *   libssh_sftp_symlink PORT USER KEYFILE TARGET LINK
 *
 * Prints what the server's READLINK of LINK answers; exit 0, or 1 with
 * the failing step on stderr.  The host key is not checked: the test
 * starts the door it talks to.  Built by the test against the libssh the
 * door is built with (build/deps). */
#include <stdio.h>
#include <stdlib.h>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

/* Log in to 127.0.0.1:PORT as USER with the private key in KEYFILE.
 * The session, or NULL with the reason on stderr. */
static ssh_session login(int port, const char *user, const char *keyfile)
{
    ssh_session s = ssh_new();
    ssh_key key = NULL;
    int no = 0;

    if (s == NULL) {
        return NULL;
    }
    ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1");
    ssh_options_set(s, SSH_OPTIONS_PORT, &port);
    ssh_options_set(s, SSH_OPTIONS_USER, user);
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
    if (ssh_connect(s) != SSH_OK) {
        fprintf(stderr, "connect: %s\n", ssh_get_error(s));
    } else if (ssh_pki_import_privkey_file(keyfile, NULL, NULL, NULL, &key) != SSH_OK) {
        fprintf(stderr, "%s: cannot read the key\n", keyfile);
    } else if (ssh_userauth_publickey(s, NULL, key) != SSH_AUTH_SUCCESS) {
        fprintf(stderr, "auth: %s\n", ssh_get_error(s));
    } else {
        ssh_key_free(key);
        return s;
    }
    ssh_key_free(key);
    ssh_free(s);
    return NULL;
}

int main(int argc, char **argv)
{
    ssh_session s;
    sftp_session sftp;
    char *target;

    if (argc != 6) {
        fprintf(stderr, "usage: %s PORT USER KEYFILE TARGET LINK\n", argv[0]);
        return 1;
    }
    s = login(atoi(argv[1]), argv[2], argv[3]);
    if (s == NULL) {
        return 1;
    }
    sftp = sftp_new(s);
    if (sftp == NULL || sftp_init(sftp) != SSH_OK) {
        fprintf(stderr, "sftp: %s\n", ssh_get_error(s));
        return 1;
    }
    if (sftp_symlink(sftp, argv[4], argv[5]) != SSH_OK) {
        fprintf(stderr, "symlink: %s\n", ssh_get_error(s));
        return 1;
    }
    target = sftp_readlink(sftp, argv[5]);
    if (target == NULL) {
        fprintf(stderr, "readlink: %s\n", ssh_get_error(s));
        return 1;
    }
    printf("%s\n", target);
    ssh_string_free_char(target);
    sftp_free(sftp);
    ssh_disconnect(s);
    ssh_free(s);
    return 0;
}
