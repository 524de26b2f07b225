"""A door started in a plain chroot (a rescue system, some containers):
its root is not a mount point, so a network process cannot get a private
mount namespace with an empty root.  With `Sandbox auto` (the default)
fallbackd says so at start and in -t, with what to do, and serves with
the rest of the confinement (own uid, no_new_privs, rlimits, seccomp);
with `Sandbox strict` it refuses to start (listener/confine_probe.h).

The chroot holds only the static binary, its config, a host key, the
keys file, passwd/group and a static busybox as /bin/sh; it is entered
with `unshare -m chroot`, so nothing it mounts can leak out.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import fbdtest
from fbdtest import ALICE, FALLBACKD, LOCALHOST, free_port, needs_static, run, ssh, ssh_ok

pytestmark = needs_static

BUSYBOX = Path("/bin/busybox")
UID_RANGE = range(2000000000, 2000065536)


class ChrootDoor:
    """fallbackd -D -e in ROOT, through unshare -m chroot."""

    def __init__(self, root, key, sandbox="auto"):
        self.root = Path(root)
        self.port = free_port()
        for d in ("etc/keys", "bin", "dev", "tmp"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "tmp", 0o1777)
        shutil.copy2(FALLBACKD, self.root / "fallbackd")
        shutil.copy2(BUSYBOX, self.root / "bin/busybox")
        (self.root / "bin/sh").symlink_to("busybox")
        os.mknod(self.root / "dev/null", 0o666 | 0o020000, os.makedev(1, 3))
        os.chmod(self.root / "dev/null", 0o666)
        uid = int(run(["id", "-u", ALICE], check=True).stdout)
        gid = int(run(["id", "-g", ALICE], check=True).stdout)
        (self.root / "etc/passwd").write_text(
            f"root:x:0:0:root:/:/bin/sh\n{ALICE}:x:{uid}:{gid}::/tmp:/bin/sh\n")
        (self.root / "etc/group").write_text(f"root:x:0:\n{ALICE}:x:{gid}:\n")
        (self.root / "etc/shells").write_text("/bin/sh\n")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
             str(self.root / "etc/hostkey")], check=True)
        (self.root / f"etc/keys/{ALICE}").write_text(key.line() + "\n")
        os.chmod(self.root / f"etc/keys/{ALICE}", 0o644)
        self.config = "/etc/fallbackd.conf"
        (self.root / "etc/fallbackd.conf").write_text(
            f"Port {self.port}\nListenAddress {LOCALHOST}\nHostKey /etc/hostkey\n"
            f"AuthorizedKeysFile /etc/keys/%u\nAllowUsers {ALICE}\nSandbox {sandbox}\n")
        self.logfile = self.root.parent / f"{self.root.name}.log"
        self.proc = None

    def argv(self, *args):
        return ["unshare", "-m", "chroot", str(self.root), "/fallbackd", *args,
                "-f", self.config]

    def start(self):
        log = open(self.logfile, "ab")
        self.proc = subprocess.Popen(self.argv("-D", "-e"), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log)
        log.close()
        fbdtest._owned.add(self.proc.pid)
        deadline = time.monotonic() + 10
        while "Server listening" not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the chrooted door did not start:\n{self.log()}")
            time.sleep(0.05)
        return self

    def log(self):
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def stop(self):
        if self.proc is not None:
            tree = fbdtest.descendants(self.proc.pid)
            fbdtest.kill_pids(tree + [self.proc.pid])
            self.proc.wait(timeout=10)
            fbdtest._owned.discard(self.proc.pid)
            fbdtest.reap_orphans()


@pytest.fixture
def chroot_dir(users):
    if not os.access(BUSYBOX, os.X_OK):
        pytest.fail("busybox-static is needed (make test-deps)")
    d = Path(tempfile.mkdtemp(prefix="fbdt-chroot-"))
    os.chmod(d, 0o755)
    doors = []
    yield d, doors
    for door in doors:
        door.stop()
    shutil.rmtree(d, ignore_errors=True)


def test_root_is_not_a_mount_point(chroot_dir, keys):
    """The premise: inside, / is not a mount point."""
    d, doors = chroot_dir
    door = ChrootDoor(d / "root", keys["ed25519"])
    res = run(["unshare", "-m", "chroot", str(door.root), "/bin/busybox", "mountpoint", "/"])
    assert res.returncode != 0, res


def test_auto_serves_without_the_mount_namespace_and_says_why(chroot_dir, keys):
    """-t passes and explains; the door logs the same at start, and a
    login works, its network process confined by uid and seccomp."""
    d, doors = chroot_dir
    door = ChrootDoor(d / "root", keys["ed25519"])
    doors.append(door)
    res = run(door.argv("-t"))
    assert res.returncode == 0, res
    err = res.stderr.decode()
    assert "WITHOUT a private empty root: make mounts private: Invalid argument" in err, err
    assert "mount --bind DIR DIR" in err, err

    door.start()
    assert re.search(r"Sandbox auto: .* WITHOUT a private empty root: make mounts private",
                     door.log()), door.log()
    assert ssh_ok(door, ALICE, keys["ed25519"], "echo inside") == "inside\n"
    assert "cannot confine" not in door.log(), door.log()


def test_network_process_confined_in_the_chroot(chroot_dir, keys):
    """The fallback keeps everything but the empty root: the network
    process of a live session has a uid of the range, no_new_privs and a
    seccomp filter."""
    d, doors = chroot_dir
    door = ChrootDoor(d / "root", keys["ed25519"]).start()
    doors.append(door)
    proc = subprocess.Popen(fbdtest.ssh_argv(door, ALICE, keys["ed25519"],
                                             "echo ready; read x"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"ready\n"
        found = []
        for pid in fbdtest.descendants(door.proc.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
            if uid in UID_RANGE:
                found.append(status)
        assert len(found) == 1, found
        assert re.search(r"^Seccomp:\s+2$", found[0], re.M)
        assert re.search(r"^NoNewPrivs:\s+1$", found[0], re.M)
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_strict_refuses_to_start_and_says_why(chroot_dir, keys):
    d, doors = chroot_dir
    door = ChrootDoor(d / "root", keys["ed25519"], sandbox="strict")
    res = run(door.argv("-t"))
    assert res.returncode == 1, res
    assert "Sandbox strict: cannot confine network processes: make mounts private: " \
           "Invalid argument" in res.stderr.decode(), res.stderr
    res = run(door.argv("-D", "-e"), timeout=20)
    assert res.returncode == 1, res
    assert "not started" in res.stderr.decode(), res.stderr
