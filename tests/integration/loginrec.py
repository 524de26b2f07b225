"""Reading utmp, wtmp, btmp and lastlog for the tests (glibc's x86-64
layout: struct utmp of 384 bytes, struct lastlog of 292)."""
import os
import struct
from contextlib import contextmanager
from pathlib import Path

UTMP, WTMP, BTMP, LASTLOG = (Path("/var/run/utmp"), Path("/var/log/wtmp"),
                             Path("/var/log/btmp"), Path("/var/log/lastlog"))
USER_PROCESS, DEAD_PROCESS, LOGIN_PROCESS = 7, 8, 6

# type, pid, line, id, user, host, exit, session, tv_sec, tv_usec, addr_v6, unused
UT = struct.Struct("<hxxi32s4s32s256shhiii16s20s")
LL = struct.Struct("<i32s256s")
assert UT.size == 384 and LL.size == 292


def _s(b):
    return b.split(b"\0", 1)[0].decode(errors="replace")


def records(path, since=0):
    """The records of a utmp-format file from byte offset since, as dicts."""
    data = path.read_bytes()[since:]
    out = []
    for off in range(0, len(data) - len(data) % UT.size, UT.size):
        f = UT.unpack_from(data, off)
        out.append({"type": f[0], "pid": f[1], "line": _s(f[2]), "id": _s(f[3]),
                    "user": _s(f[4]), "host": _s(f[5]), "sec": f[9], "addr": f[11]})
    return out


def size(path):
    return path.stat().st_size if path.exists() else 0


def lastlog_of(uid):
    """(time, line, host) of uid's lastlog record, or None."""
    with open(LASTLOG, "rb") as f:
        f.seek(uid * LL.size)
        data = f.read(LL.size)
    if len(data) < LL.size:
        return None
    t, line, host = LL.unpack(data)
    return t, _s(line), _s(host)


@contextmanager
def utmp_present():
    """/var/run/utmp as the boot would leave it (created, root:utmp 0664, if
    missing; removed again afterwards only then)."""
    created = not UTMP.exists()
    if created:
        UTMP.touch(mode=0o664)
    try:
        yield UTMP
    finally:
        if created:
            UTMP.unlink()
