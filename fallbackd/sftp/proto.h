/* proto.h - SFTP version 3 (draft-ietf-secsh-filexfer-02) numbers.
 *
 * Every packet, both ways (draft section 3):
 *
 *     uint32  length           of what follows (type and payload)
 *     byte    type             SSH_FXP_*
 *     uint32  request-id       every request and reply but INIT/VERSION
 *     ...     payload
 *
 * uint32/uint64 are big-endian; a string is a uint32 length and that many
 * bytes (RFC 4251 section 5).  The payload of each request is written
 * beside its handler (ops_*.c).
 */
#ifndef FBD_SFTP_PROTO_H
#define FBD_SFTP_PROTO_H

#define SFTP_VERSION 3

/* Message types. */
enum {
    FXP_INIT = 1,
    FXP_VERSION = 2,
    FXP_OPEN = 3,
    FXP_CLOSE = 4,
    FXP_READ = 5,
    FXP_WRITE = 6,
    FXP_LSTAT = 7,
    FXP_FSTAT = 8,
    FXP_SETSTAT = 9,
    FXP_FSETSTAT = 10,
    FXP_OPENDIR = 11,
    FXP_READDIR = 12,
    FXP_REMOVE = 13,
    FXP_MKDIR = 14,
    FXP_RMDIR = 15,
    FXP_REALPATH = 16,
    FXP_STAT = 17,
    FXP_RENAME = 18,
    FXP_READLINK = 19,
    FXP_SYMLINK = 20,
    FXP_STATUS = 101,
    FXP_HANDLE = 102,
    FXP_DATA = 103,
    FXP_NAME = 104,
    FXP_ATTRS = 105,
    FXP_EXTENDED = 200,
    FXP_EXTENDED_REPLY = 201,
};

/* Status codes (SSH_FX_*). */
enum {
    FX_OK = 0,
    FX_EOF = 1,
    FX_NO_SUCH_FILE = 2,
    FX_PERMISSION_DENIED = 3,
    FX_FAILURE = 4,
    FX_BAD_MESSAGE = 5,
    FX_NO_CONNECTION = 6,
    FX_CONNECTION_LOST = 7,
    FX_OP_UNSUPPORTED = 8,
};

/* OPEN pflags (SSH_FXF_*). */
enum {
    FXF_READ = 0x01,
    FXF_WRITE = 0x02,
    FXF_APPEND = 0x04,
    FXF_CREAT = 0x08,
    FXF_TRUNC = 0x10,
    FXF_EXCL = 0x20,
};

/* ATTRS flags (SSH_FILEXFER_ATTR_*). */
enum {
    ATTR_SIZE = 0x00000001u,
    ATTR_UIDGID = 0x00000002u,
    ATTR_PERMISSIONS = 0x00000004u,
    ATTR_ACMODTIME = 0x00000008u,
    ATTR_EXTENDED = 0x80000000u,
};

/* Limits of this server (advertised by limits@openssh.com).  OpenSSH's
 * client refuses any packet longer than 256 KiB, so a DATA reply (13
 * bytes of header) must stay under that: reads and writes are capped
 * 1 KiB lower, as OpenSSH's server does.  Incoming packets may be up to
 * 1 KiB longer than 256 KiB, room for a WRITE of 256 KiB and its header
 * from clients that do not ask for the limits. */
#define SFTP_MAX_MSG (256u * 1024u)
#define SFTP_MAX_IN_PACKET (SFTP_MAX_MSG + 1024u)
#define SFTP_MAX_RW (SFTP_MAX_MSG - 1024u)
#define SFTP_MAX_HANDLES 256u

#endif
