"""Each connection's network process is a new image of fallbackd, started
through the file descriptor opened at start (fallbackd/listener/netexec.h):
its own address space layout and stack canary, and a binary replaced on
disk changes nothing.

The network process is found as in test_privsep.py (the door process that
holds the connection's socket).
"""
import os
import re
import shutil
import struct
from pathlib import Path

from fbdtest import ALICE, FALLBACKD, FALLBACKD_TESTHOOKS, ssh_ok
from test_privsep import client_port, network_process, paramiko_connect, start_command

AT_RANDOM = 25


def at_random(pid):
    """The 16 bytes AT_RANDOM points to in PID (glibc's stack canary and
    pointer guard come from them)."""
    auxv = Path(f"/proc/{pid}/auxv").read_bytes()
    for i in range(0, len(auxv), 16):
        key, value = struct.unpack("<QQ", auxv[i:i + 16])
        if key == AT_RANDOM:
            with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
                mem.seek(value)
                return value, mem.read(16)
    raise AssertionError(f"no AT_RANDOM in /proc/{pid}/auxv")


def mappings(pid):
    """The start addresses of PID's mappings, by name ([stack], [heap],
    the binary...)."""
    out = {}
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        f = line.split(None, 5)
        name = f[5].strip() if len(f) > 5 else ""
        out.setdefault(name, f[0].split("-")[0])
    return out


def test_two_network_processes_differ_in_layout_and_canary(door, keys):
    """Two live connections: their network processes (and the listener)
    have different mappings and different AT_RANDOM bytes; each runs
    fallbackd's image, started as the network process."""
    clients = [paramiko_connect(door, keys["ed25519"]) for _ in range(2)]
    try:
        for c in clients:
            start_command(c, "echo ready; sleep 3")
        nets = [network_process(door, client_port(c))[0] for c in clients]
        procs = nets + [door.pid]
        maps = [mappings(p) for p in procs]
        randoms = [at_random(p) for p in procs]
        for i in range(3):
            for j in range(i + 1, 3):
                assert maps[i] != maps[j], (procs[i], procs[j], maps[i])
                assert maps[i]["[stack]"] != maps[j]["[stack]"]
                assert randoms[i][1] != randoms[j][1], (procs[i], procs[j])
        for net in nets:
            cmdline = Path(f"/proc/{net}/cmdline").read_bytes().split(b"\0")
            assert cmdline[:2] == [b"fallbackd", b"--network-process"], cmdline
            assert os.stat(f"/proc/{net}/exe").st_ino == os.stat(FALLBACKD).st_ino
            assert Path(f"/proc/{net}/environ").read_bytes() == b"", "environment passed on"
    finally:
        for c in clients:
            c.close()


def test_binary_replaced_on_disk_changes_nothing(make_door, keys):
    """The door runs a copy of the binary; the copy is deleted and a
    different file put at its path (an upgrade half done).  New logins
    still work, and their network processes run the inode that was
    running at start."""
    door = make_door(start=False)
    copy = door.dir / "fallbackd-copy"
    shutil.copy2(FALLBACKD, copy)
    door.binary = copy
    door.start()
    door.authorize(ALICE, keys["ed25519"])
    inode = os.stat(copy).st_ino
    copy.unlink()
    copy.write_text("#!/bin/sh\necho replaced; exit 1\n")
    os.chmod(copy, 0o755)
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo still") == "still\n"
    client = paramiko_connect(door, keys["ed25519"])
    try:
        start_command(client, "echo ready; sleep 2")
        net, _ = network_process(door, client_port(client))
        assert os.stat(f"/proc/{net}/exe").st_ino == inode
        assert os.readlink(f"/proc/{net}/exe").endswith(" (deleted)")
    finally:
        client.close()
    assert "as a new image" not in door.log(), door.log()


def test_failed_exec_falls_back_to_a_forked_network_process(make_door, keys, monkeypatch):
    """When the new image cannot be started (the test build's
    FBD_TEST_NETEXEC=fail-exec makes execveat fail with EBADF in the
    vfork() child), the door says so and serves the connection from a
    forked network process: the login works, and that process is a fork
    of the door (no --network-process argument), still confined (its own
    uid, seccomp, the empty root)."""
    monkeypatch.setenv("FBD_TEST_NETEXEC", "fail-exec")
    door = make_door(binary=FALLBACKD_TESTHOOKS)
    door.authorize(ALICE, keys["ed25519"])
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo forked") == "forked\n"
    door.wait_for_log(r"cannot start the network process for 127\.0\.0\.1 port \d+ as a "
                      r"new image: Bad file descriptor; serving it forked instead")
    client = paramiko_connect(door, keys["ed25519"])
    try:
        start_command(client, "echo ready; sleep 2")
        net, _ = network_process(door, client_port(client))
        assert b"--network-process" not in Path(f"/proc/{net}/cmdline").read_bytes()
        status = Path(f"/proc/{net}/status").read_text()
        assert re.search(r"^Seccomp:\s+2$", status, re.M), status
        assert os.listdir(f"/proc/{net}/root/") == []
    finally:
        client.close()
