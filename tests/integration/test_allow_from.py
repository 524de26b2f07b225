"""AllowFrom: a connection from outside every listed block is closed by the
listener right after accept(), before a single protocol byte is sent and
before any connection process is forked; the refusal is logged.  A SIGHUP
reload that changes AllowFrom applies to the next connection."""
import re
import socket

import pytest

from fbdtest import ALICE, LOCALHOST, paramiko_client, read_all, exit_status, ssh, ssh_ok

LOCAL6 = "::1"


def first_bytes(door, src, dst=LOCALHOST, timeout=5):
    """Connect to the door from address src; return (our port, what the
    server sent first: b"" if it closed without a byte)."""
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.bind((src, 0))
        s.connect((dst, door.port))
        port = s.getsockname()[1]
        try:
            return port, s.recv(256)
        except ConnectionResetError:
            return port, b""
        except socket.timeout:
            pytest.fail(f"connection from {src}: neither a banner nor a close in {timeout}s")


def assert_refused(door, src, dst=LOCALHOST):
    """src's connection is closed without a byte, the log says why, and no
    connection process was started for it."""
    mark = door.log_mark()
    port, data = first_bytes(door, src, dst)
    assert data == b"", f"connection from {src} got {data!r}, expected a close"
    door.wait_for_log(rf"refused connection from {re.escape(src)} port {port}: "
                      r"not in AllowFrom", since=mark)
    assert f"Connection from {src} port {port}" not in door.log(mark), door.log(mark)


def assert_served(door, src, dst=LOCALHOST):
    _, data = first_bytes(door, src, dst)
    assert data.startswith(b"SSH-2.0-"), f"connection from {src} got {data!r}"


def test_outsider_closed_before_banner_insider_logs_in(make_door, key):
    """AllowFrom 127.0.0.1/32: 127.0.0.2 gets a bare close (recv -> b"",
    no "SSH-2.0-"), logged as "refused connection from 127.0.0.2 port P:
    not in AllowFrom"; OpenSSH from 127.0.0.2 fails; 127.0.0.1 logs in."""
    door = make_door(AllowFrom="127.0.0.1/32", authorize={ALICE: key})
    assert_refused(door, "127.0.0.2")
    res = ssh(door, ALICE, key, "echo in", opts=["-b", "127.0.0.2"], timeout=15)
    assert res.returncode == 255 and res.stdout == b"", res
    assert ssh_ok(door, ALICE, key, "echo in") == "in\n"
    assert "Accepted publickey for " + ALICE + " from 127.0.0.1 " in door.log()


def test_cidr_blocks_and_several_lines(make_door, key):
    """Blocks are CIDR, and every AllowFrom line adds to the list:
    127.0.0.0/30 and 127.0.0.9 let in .1 .2 .3 .9 and nobody else."""
    door = make_door(AllowFrom=["127.0.0.0/30", "127.0.0.9"])
    for src in ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.9"):
        assert_served(door, src)
    for src in ("127.0.0.4", "127.0.0.8", "127.0.0.10", "127.0.1.1"):
        assert_refused(door, src)


def test_ipv6_loopback(make_door, key):
    """Listening on 127.0.0.1 and ::1 with AllowFrom 127.0.0.1/32: ::1 is
    refused.  After a reload adding ::1 it logs in over IPv6; with AllowFrom
    ::1 alone, 127.0.0.1 is the one refused."""
    door = make_door(ListenAddress=[LOCALHOST, LOCAL6], AllowFrom="127.0.0.1/32",
                     authorize={ALICE: key})
    door.wait_for_log(rf"Server listening on ::1 port {door.port}\b")
    assert_refused(door, LOCAL6, LOCAL6)
    assert_served(door, LOCALHOST)

    door.reload(AllowFrom=["127.0.0.1/32", LOCAL6])
    out = ssh_ok(door, ALICE, key, "echo $SSH_CONNECTION", opts=["-o", "HostName=::1"])
    assert out.split()[0] == "::1" and out.split()[2] == "::1", out

    door.reload(AllowFrom="::1/128")
    assert_served(door, LOCAL6, LOCAL6)
    assert_refused(door, LOCALHOST)


def test_reload_changes_allow_from_for_new_connections(make_door, key):
    """SIGHUP with a new AllowFrom: 127.0.0.2, refused before, is served
    after; 127.0.0.1, served before, is refused after, while its session
    opened before the reload runs on to its end."""
    door = make_door(AllowFrom="127.0.0.1/32", authorize={ALICE: key})
    assert_refused(door, "127.0.0.2")
    client = paramiko_client(door, ALICE, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        chan.exec_command("sleep 1; echo survived")
        door.wait_for_log(r"Starting session: command for " + ALICE)
        door.reload(AllowFrom="127.0.0.2/32")
        assert_served(door, "127.0.0.2")
        assert_refused(door, LOCALHOST)
        assert read_all(chan, timeout=10) == b"survived\n"
        assert exit_status(chan) == 0
    finally:
        client.close()
    res = ssh(door, ALICE, key, "echo in", opts=["-b", "127.0.0.2"], timeout=15)
    assert (res.returncode, res.stdout) == (0, b"in\n"), res.stderr
