/* test_sftp_symlink_order.c - which clients send SSH_FXP_SYMLINK's paths
 * in the draft's order, by their SSH version line: the table beside
 * op_symlink (fallbackd/sftp/ops_dir.c, sftp_symlink_draft_order()). */
#include <criterion/criterion.h>

#include "sftp/sftp.h"

static const struct {
    const char *line;       /* the client's version line */
    int draft;              /* the answer expected */
    const char *why;
} lines[] = {
    { "SSH-2.0-AsyncSSH_2.10.1", 1, "asyncssh" },
    { "SSH-2.0-AsyncSSH_2.21.0 comment", 1, "asyncssh, with a comment" },
    { "SSH-2.0-libssh_0.12.2", 1, "libssh" },
    { "SSH-1.99-libssh_0.10.6", 1, "the protocol version field does not matter" },
    { "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7", 0, "OpenSSH" },
    { "SSH-2.0-paramiko_2.12.0", 0, "paramiko" },
    { "SSH-2.0-PuTTY_Release_0.78", 0, "PuTTY" },
    { "SSH-2.0-libssh2_1.10.0", 0, "libssh2 is not libssh" },
    { "SSH-2.0-Go", 0, "anyone else" },
    { "SSH-2.0-OpenSSH_9.2 AsyncSSH_2.10.1", 0, "a name in the comment is not the software" },
    { "SSH-2.0-asyncssh_2.10.1", 0, "asyncssh's own name is spelt AsyncSSH_" },
    { "SSH-2.0-AsyncSSH", 0, "no '_': not asyncssh's form" },
    { "AsyncSSH_2.10.1", 0, "not a version line" },
    { "SSH-AsyncSSH_2.10.1", 0, "no protocol version field" },
    { "", 0, "empty" },
};

Test(sftp_symlink_order, the_table)
{
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        cr_expect_eq(sftp_symlink_draft_order(lines[i].line), lines[i].draft, "\"%s\": %s",
                     lines[i].line, lines[i].why);
    }
}

Test(sftp_symlink_order, no_line_known_is_openssh_order)
{
    cr_expect_eq(sftp_symlink_draft_order(NULL), 0);
}
