/* test_sftp_symlink_order.c - which clients send SSH_FXP_SYMLINK's paths
 * in the draft's order, by their SSH version line: the table beside
 * op_symlink (fallbackd/sftp/ops_dir.c, sftp_symlink_draft_order()). */
#include <criterion/criterion.h>

#include "sftp/sftp.h"

Test(sftp_symlink_order, clients_that_follow_the_draft)
{
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-AsyncSSH_2.10.1"), 1);
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-AsyncSSH_2.21.0 comment"), 1);
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-libssh_0.12.2"), 1);
    cr_expect_eq(sftp_symlink_draft_order("SSH-1.99-libssh_0.10.6"), 1,
                 "the protocol version field does not matter");
}

Test(sftp_symlink_order, clients_that_follow_openssh)
{
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7"), 0);
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-paramiko_2.12.0"), 0);
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-PuTTY_Release_0.78"), 0);
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-libssh2_1.10.0"), 0,
                 "libssh2 is not libssh");
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-Go"), 0);
}

Test(sftp_symlink_order, only_the_software_field_counts)
{
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-OpenSSH_9.2 AsyncSSH_2.10.1"), 0,
                 "a name in the comment is not the software");
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-asyncssh_2.10.1"), 0,
                 "asyncssh's own name is spelt AsyncSSH_");
    cr_expect_eq(sftp_symlink_draft_order("SSH-2.0-AsyncSSH"), 0, "no '_': not asyncssh's form");
    cr_expect_eq(sftp_symlink_draft_order("AsyncSSH_2.10.1"), 0, "not a version line");
    cr_expect_eq(sftp_symlink_draft_order("SSH-AsyncSSH_2.10.1"), 0,
                 "no protocol version field");
    cr_expect_eq(sftp_symlink_draft_order(""), 0);
    cr_expect_eq(sftp_symlink_draft_order(NULL), 0, "no version line known: OpenSSH's order");
}
