#!/usr/bin/python3
"""Server CPU that starting each network process as a new image adds to a
login (fallbackd/listener/netexec.h; target: under 1 ms).

What a fork-only door did not do, and a re-executing one does per
connection: execveat of the static-pie binary (kernel mapping, self
relocation, libc start), sodium_init and ssh_init, reading the boot data
(config text, public host keys), parsing the config and building the
ssh_bind.  This script does exactly that, N times, and measures the CPU
(user + system, from wait4's rusage, microsecond resolution) each new
image used:

    fallbackd --network-process   with fd 3 = a TCP client socket whose peer
                                  sends its identification and then EOF
                                  (so the image stops once it has sent its
                                  own and its KEXINIT),
                                  fd 4 = a monitor socket, fd 5 = a sealed
                                  memfd with boot data built here, in the
                                  format netexec.h documents, and
                                  confinement off (CONFINE_NONE: the
                                  sandbox costs the same either way)

It prints median, p90 and mean CPU per image, and, for comparison, the CPU
of `fallbackd -V` (exec + libc + crypto init only).  PASS if the median is
under --target (1.0 ms).  A benchmark, not a test (see bench/README.md):

    /usr/bin/python3 bench/exec_cost.py [-n 300] [--binary build/fallbackd]
"""
import argparse
import base64
import fcntl
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAGIC = 0x66626E31


def u32(v):
    return struct.pack(">I", v)


def string(b):
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b


def boot_data(config_text, keys):
    """keys: [(name, public blob)]"""
    out = u32(MAGIC) + string("/etc/fallbackd/fallbackd.conf") + string(config_text)
    out += u32(len(keys))
    for name, blob in keys:
        out += string(name) + string(blob)
    out += string("127.0.0.1") + u32(40000) + string("127.0.0.1") + u32(1022)
    out += u32(os.getpid()) + u32(2000000000) + u32(0)    # monitor, uid, CONFINE_NONE
    out += u32(0)                                           # no kept empty root on fd 6
    return out


def cpu_of(argv, dups=()):
    """Run argv with posix_spawn (dups: [(fd, target fd)]); return the
    child's user+system CPU in microseconds, and its wait status.
    posix_spawn shares this process's memory until the exec (vfork), so
    the CPU counted is the new image's, not the tearing down of a copy of
    this Python process (a network process's fork of the small listener
    pays that at exit either way)."""
    actions = [(os.POSIX_SPAWN_DUP2, fd, to) for fd, to in dups]
    pid = os.posix_spawn(argv[0], argv, {}, file_actions=actions)
    _, status, ru = os.wait4(pid, 0)
    return (ru.ru_utime + ru.ru_stime) * 1e6, status


def one_image(binary, boot):
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        peer = socket.create_connection(lsock.getsockname())
        client, _ = lsock.accept()
    peer.sendall(b"SSH-2.0-exec_cost\r\n")
    peer.shutdown(socket.SHUT_WR)
    mon, mon_peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    memfd = os.memfd_create("boot", 0)
    os.write(memfd, boot)
    os.lseek(memfd, 0, os.SEEK_SET)

    # high copies first, so that no dup2 lands on a source still needed
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64)
            for fd in (client.fileno(), mon.fileno(), memfd)]
    try:
        return cpu_of([str(binary), "--network-process"],
                      [(fd, 3 + i) for i, fd in enumerate(high)])
    finally:
        for f in (client, peer, mon, mon_peer):
            f.close()
        for fd in high + [memfd]:
            os.close(fd)


def stats(us):
    us = sorted(us)
    return (statistics.median(us), us[int(len(us) * 0.9) - 1], statistics.mean(us))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--binary", default=os.environ.get("FALLBACKD_BIN",
                                                       str(REPO / "build" / "fallbackd")))
    ap.add_argument("--target", type=float, default=1.0, help="ms")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        key = Path(d) / "hk"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
        blob = base64.b64decode(Path(f"{key}.pub").read_text().split()[1])
        config = ("Port 1022\nHostKey /etc/fallbackd/ssh_host_ed25519_key\n"
                  "AllowUsers admin\nLoginGraceTime 5\n")
        boot = boot_data(config, [("/etc/fallbackd/ssh_host_ed25519_key", blob)])
        for _ in range(10):
            one_image(a.binary, boot)
        images, versions = [], []
        for _ in range(a.n):
            us, status = one_image(a.binary, boot)
            if not os.WIFEXITED(status) or os.WEXITSTATUS(status) == 2:
                sys.exit(f"the network process did not start (status {status:#x}): bad boot data?")
            images.append(us)
            devnull = os.open(os.devnull, os.O_WRONLY)
            us, _ = cpu_of([a.binary, "-V"], [(devnull, 1)])
            os.close(devnull)
            versions.append(us)
    med, p90, mean = stats(images)
    vmed, vp90, vmean = stats(versions)
    print(f"{a.binary}: {a.n} network process images")
    print(f"  new image, up to the key exchange: median {med / 1000:.3f} ms  "
          f"p90 {p90 / 1000:.3f} ms  mean {mean / 1000:.3f} ms")
    print(f"  of which exec + init (-V):         median {vmed / 1000:.3f} ms  "
          f"p90 {vp90 / 1000:.3f} ms  mean {vmean / 1000:.3f} ms")
    ok = med / 1000 < a.target
    print(f"{'PASS' if ok else 'FAIL'}: median {med / 1000:.3f} ms "
          f"{'<' if ok else '>='} {a.target} ms per login")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
