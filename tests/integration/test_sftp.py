"""internal-sftp, fallbackd's built-in SFTP server (issue 10), with real
clients: OpenSSH's sftp and scp (SFTP mode), paramiko's SFTPClient,
asyncssh's SFTP client, PuTTY's psftp and pscp, and libssh's client
(libssh_sftp_symlink.c, for the order of SYMLINK's paths).

The module's door has no Subsystem line at all: the sftp subsystem is the
built-in one by default.  Doors with options (-R, -u, -l, -d) are started
per test."""
import asyncio
import hashlib
import os
import re
import shutil
import socket
import stat
from pathlib import Path

import pytest

import faults
from fbdtest import (ALICE, BOB, GROUP, LOCALHOST, REPO, SSH_OPTS, needs_static,
                     paramiko_client, run)
from test_faults import baseline, ns_door  # noqa: F401 (a fixture)
from test_static import StraceLog

try:
    import asyncssh                 # Debian: python3-asyncssh (make test-deps)
except ImportError:                 # pragma: no cover
    asyncssh = None

needs_asyncssh = pytest.mark.skipif(asyncssh is None, reason="python3-asyncssh missing")
MiB = 1 << 20
SFTP_SERVER = "/usr/lib/openssh/sftp-server"


@pytest.fixture(scope="module")
def door(make_module_door, keys):
    d = make_module_door()
    d.authorize(ALICE, keys["ed25519"])
    d.authorize(BOB, keys["ed25519"])
    return d


@pytest.fixture(scope="module")
def key(keys):
    return keys["ed25519"]


@pytest.fixture
def home(users):
    """alice's home; whatever a test leaves there is removed."""
    before = set(users[ALICE].iterdir())
    yield users[ALICE]
    for p in set(users[ALICE].iterdir()) - before:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


@pytest.fixture(scope="module")
def big(workdir):
    """64 MiB of random bytes: (path, sha256)."""
    path = workdir / "sftp-64m.bin"
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(64):
            chunk = os.urandom(MiB)
            h.update(chunk)
            f.write(chunk)
    path.chmod(0o644)
    yield path, h.hexdigest()
    path.unlink()


@pytest.fixture
def scratch(workdir):
    """A directory for files fetched back, removed afterwards."""
    d = workdir / "sftp-scratch"
    d.mkdir(mode=0o777, exist_ok=True)
    d.chmod(0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


def sftp_batch(door, user, key, batch, timeout=60):
    """OpenSSH sftp -b - with the commands of batch; CompletedProcess."""
    return run(["sftp", *SSH_OPTS, "-i", str(key.path), "-P", str(door.port), "-b", "-",
                f"{user}@{LOCALHOST}"], input=batch.encode(), timeout=timeout)


def sftp_ok(door, user, key, batch, timeout=60):
    res = sftp_batch(door, user, key, batch, timeout)
    assert res.returncode == 0, f"stderr: {res.stderr.decode()}\nlog:\n{door.log()}"
    return res.stdout.decode()


def uid_of(user):
    return int(run(["id", "-u", user], check=True).stdout)


def gid_of(group):
    return int(run(["getent", "group", group], check=True).stdout.split(b":")[2])


def test_sftp_batch_every_command(door, key, home, scratch, workdir):
    """No Subsystem line: the built-in server answers put, get, ls -l,
    rename, mkdir, rmdir, rm, symlink, ln (hardlink), chmod and df."""
    src = workdir / "sftp-src.txt"
    src.write_bytes(b"hello from the client\n" * 1000)
    src.chmod(0o644)
    back = scratch / "back.txt"
    out = sftp_ok(door, ALICE, key, "\n".join([
        f"put {src} a.txt", "mkdir d", "rename a.txt d/b.txt", "symlink d/b.txt link",
        "chmod 640 d/b.txt", "ln d/b.txt hard", f"get d/b.txt {back}", "ls -l d", "df",
        "mkdir gone",
        "rmdir gone", "pwd", ""]))
    assert back.read_bytes() == src.read_bytes()
    assert (home / "d" / "b.txt").read_bytes() == src.read_bytes()
    assert not (home / "a.txt").exists() and not (home / "gone").exists()
    assert os.readlink(home / "link").endswith("d/b.txt")
    assert stat.S_IMODE((home / "d" / "b.txt").stat().st_mode) == 0o640
    assert (home / "hard").stat().st_ino == (home / "d" / "b.txt").stat().st_ino
    line = next(x for x in out.splitlines() if x.endswith("b.txt") and x[0] != "s")
    assert line.startswith("-rw-r-----") and f" {ALICE} " in line, line
    assert "Avail" in out and f"Remote working directory: {home}" in out
    sftp_ok(door, ALICE, key, "rm d/b.txt\nrm link\nrm hard\nrmdir d\n")
    assert not (home / "d").exists() and not os.path.lexists(home / "link")
    src.unlink()


def test_scp_64mib_both_ways_byte_exact(door, key, big, home, scratch):
    """scp in SFTP mode (-s, the default since OpenSSH 9.0), up and down."""
    path, digest = big
    base = ["scp", "-s", *SSH_OPTS, "-i", str(key.path), "-P", str(door.port)]
    res = run(base + [str(path), f"{ALICE}@{LOCALHOST}:up.bin"], timeout=180)
    assert res.returncode == 0, res.stderr
    assert sha256(home / "up.bin") == digest
    res = run(base + [f"{ALICE}@{LOCALHOST}:up.bin", str(scratch / "down.bin")], timeout=180)
    assert res.returncode == 0, res.stderr
    assert sha256(scratch / "down.bin") == digest


def test_scp_recursive_both_ways(door, key, home, scratch, workdir):
    """scp -r (SFTP mode): a tree with subdirectories, an empty directory
    and an empty file goes up and comes back identical."""
    tree = workdir / "sftp-tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "empty").mkdir()
    (tree / "top.txt").write_bytes(b"top\n")
    (tree / "a" / "mid.bin").write_bytes(os.urandom(300000))
    (tree / "a" / "b" / "zero").write_bytes(b"")
    base = ["scp", "-s", "-r", *SSH_OPTS, "-i", str(key.path), "-P", str(door.port)]
    try:
        res = run(base + [str(tree), f"{ALICE}@{LOCALHOST}:tree"], timeout=60)
        assert res.returncode == 0, res.stderr
        res = run(base + [f"{ALICE}@{LOCALHOST}:tree", str(scratch / "tree")], timeout=60)
        assert res.returncode == 0, res.stderr

        def listing(root):
            return sorted((str(p.relative_to(root)), p.is_dir(),
                           None if p.is_dir() else p.read_bytes()) for p in root.rglob("*"))
        assert listing(home / "tree") == listing(tree)
        assert listing(scratch / "tree") == listing(tree)
        assert (home / "tree" / "a" / "mid.bin").stat().st_uid == uid_of(ALICE)
    finally:
        shutil.rmtree(tree)


def test_sftp_reput_and_reget_resume(door, key, big, home, scratch):
    path, digest = big
    partial = home / "resume.bin"
    with open(path, "rb") as f:
        partial.write_bytes(f.read(5 * MiB + 123))
    shutil.chown(partial, ALICE, ALICE)
    local = scratch / "resume.bin"
    with open(path, "rb") as f:
        local.write_bytes(f.read(7 * MiB))
    sftp_ok(door, ALICE, key, f"reput {path} resume.bin\nreget resume.bin {local}\n",
            timeout=180)
    assert sha256(partial) == digest
    assert sha256(local) == digest


def test_paramiko_sftp_client(door, key, home):
    """paramiko's SFTPClient (through the tests' paramiko helper): files,
    attributes, links, directories, and ls -l long names from fallbackd's
    own passwd/group cache."""
    client = paramiko_client(door, ALICE, key)
    try:
        sftp = client.open_sftp()
        assert sftp.normalize(".") == str(home)
        with sftp.open("p.txt", "w") as f:
            f.write(b"x" * 100000)
        with sftp.open("p.txt", "r") as f:
            f.prefetch()
            assert f.read() == b"x" * 100000
        sftp.mkdir("pd", 0o750)
        sftp.rename("p.txt", "pd/q.txt")
        sftp.posix_rename("pd/q.txt", "pd/r.txt")
        sftp.symlink("r.txt", "pd/l")
        assert sftp.readlink("pd/l") == "r.txt"
        sftp.chmod("pd/r.txt", 0o600)
        sftp.truncate("pd/r.txt", 10)
        sftp.utime("pd/r.txt", (1000000000, 1200000000))
        st = sftp.stat("pd/r.txt")
        assert (st.st_size, stat.S_IMODE(st.st_mode), st.st_mtime) == (10, 0o600, 1200000000)
        assert stat.S_ISLNK(sftp.lstat("pd/l").st_mode)
        entries = {a.filename: a for a in sftp.listdir_attr("pd")}
        assert set(entries) == {"r.txt", "l"}
        longname = entries["r.txt"].longname
        assert re.match(rf"-rw-------\s+1 {ALICE}\s+{ALICE}\s+10 \w{{3}} [ \d]\d  2008 r\.txt$",
                        longname), longname
        assert entries["l"].longname.startswith("lrwxrwxrwx")
        sftp.remove("pd/l")
        sftp.remove("pd/r.txt")
        sftp.rmdir("pd")
        with pytest.raises(FileNotFoundError):
            sftp.stat("pd")
        sftp.close()
    finally:
        client.close()
    assert stat.S_IMODE(os.stat(home).st_mode) != 0 and not (home / "pd").exists()


def asyncssh_sftp(door, user, key, session, timeout=180, **options):
    """await session(sftp) with an asyncssh SFTP client logged in to door as
    user (no agent, no ~/.ssh/config, any host key; more connect options in
    options); its result."""
    async def main():
        async with asyncssh.connect(LOCALHOST, door.port, username=user, known_hosts=None,
                                    client_keys=[str(key.path)], agent_path=None,
                                    config=None, **options) as conn:
            async with conn.start_sftp_client() as sftp:
                return await session(sftp)
    return asyncio.run(asyncio.wait_for(main(), timeout))


async def asyncssh_round_trip(sftp, path, back, name):
    """put path as name, get it back to back; the size stat reports."""
    await sftp.put(str(path), name)
    await sftp.get(name, str(back))
    return (await sftp.stat(name)).size


@needs_asyncssh
def test_asyncssh_sftp_client(door, key, big, home, scratch):
    """asyncssh's SFTP client (2.10, 128 requests of 16 KiB in flight):
    64 MiB both ways sha256-exact, listdir, stat, rename (plain, which must
    not replace; with FXR_OVERWRITE, which asyncssh sends as posix-rename),
    mkdir, rmdir, remove, readlink, realpath."""
    path, digest = big

    async def session(sftp):
        size = await asyncssh_round_trip(sftp, path, scratch / "as.bin", "as.bin")
        await sftp.mkdir("ad")
        await sftp.rename("as.bin", "ad/a.bin")
        await sftp.put("/etc/hostname", "ad/h.txt")
        with pytest.raises(asyncssh.SFTPFailure):
            await sftp.rename("ad/h.txt", "ad/a.bin")
        await sftp.rename("ad/h.txt", "ad/host.txt", flags=asyncssh.FXR_OVERWRITE)
        await sftp.put("/etc/hostname", "ad/h.txt")
        await sftp.rename("ad/host.txt", "ad/h.txt", flags=asyncssh.FXR_OVERWRITE)
        os.symlink("a.bin", home / "ad" / "l")
        link = await sftp.readlink("ad/l")
        listing = sorted(await sftp.listdir("ad"))
        attrs = await sftp.stat("ad/l")
        lattrs = await sftp.lstat("ad/l")
        real = await sftp.realpath("ad/../ad")
        for name in ("ad/l", "ad/a.bin", "ad/h.txt"):
            await sftp.remove(name)
        await sftp.rmdir("ad")
        with pytest.raises(asyncssh.SFTPNoSuchFile):
            await sftp.stat("ad")
        return size, link, listing, attrs, lattrs, real

    size, link, listing, attrs, lattrs, real = asyncssh_sftp(door, ALICE, key, session)
    assert sha256(scratch / "as.bin") == digest and size == 64 * MiB
    assert link == "a.bin"
    assert listing == [".", "..", "a.bin", "h.txt", "l"]
    assert attrs.size == 64 * MiB and stat.S_ISLNK(lattrs.permissions)
    assert real == str(home / "ad")
    assert not (home / "ad").exists() and not (home / "as.bin").exists()


@needs_asyncssh
def test_asyncssh_symlink(door, key, home):
    """sftp.symlink(target, link) makes link point to target.  asyncssh
    sends SYMLINK's paths in the draft's order (link first) to a server
    whose version line does not name OpenSSH; internal-sftp reads them in
    that order for a client whose version line is asyncssh's (the table
    beside op_symlink, fallbackd/sftp/ops_dir.c)."""
    async def session(sftp):
        await sftp.symlink("t.txt", "sl")
        await sftp.symlink("../elsewhere/x", "sd")
        return await sftp.readlink("sl"), await sftp.readlink("sd")

    assert asyncssh_sftp(door, ALICE, key, session) == ("t.txt", "../elsewhere/x")
    assert os.readlink(home / "sl") == "t.txt" and os.readlink(home / "sd") == "../elsewhere/x"
    assert not os.path.lexists(home / "t.txt")
    for name in ("sl", "sd"):
        os.unlink(home / name)


@pytest.fixture(scope="module")
def libssh_client(tmp_path_factory):
    """tests/integration/libssh_sftp_symlink.c, built against the libssh the
    door is built with (build/deps)."""
    deps = REPO / "build" / "deps"
    out = tmp_path_factory.mktemp("libssh") / "libssh_sftp_symlink"
    res = run(["cc", "-O1", f"-I{deps / 'include'}", "-o", str(out),
               str(Path(__file__).with_name("libssh_sftp_symlink.c")),
               str(deps / "lib" / "libssh.a"), "-lgcrypt", "-lgpg-error", "-lsodium", "-lpthread"])
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    return out


def test_libssh_symlink(door, key, home, libssh_client):
    """libssh's sftp_symlink(target, link) sends the draft's order (link
    first) to a server whose version line does not say OpenSSH, as ours:
    internal-sftp reads it so for a client whose version line is libssh's,
    and the link points where it was asked to."""
    res = run([str(libssh_client), str(door.port), ALICE, str(key.path), "lt.txt", "lsl"])
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    assert res.stdout == b"lt.txt\n"
    assert os.readlink(home / "lsl") == "lt.txt" and not os.path.lexists(home / "lt.txt")
    os.unlink(home / "lsl")


@pytest.mark.skipif(b"libssh2" not in run(["curl", "-V"]).stdout, reason="curl without libssh2")
def test_curl_libssh2_symlink(make_door, key, home):
    """curl's quote command `symlink TARGET LINK` (libssh2, which always
    sends the target first, OpenSSH's order) makes the link asked for: a
    libssh2_ version line is not libssh's.  libssh2 1.10 knows no etm MAC,
    so this door also offers hmac-sha2-256.  curl 7.88 with libssh2 1.10
    calls the symlink failed even when the server answers OK (so it does
    with OpenSSH's sftp-server): `*` tells it to go on, and the link
    itself is checked."""
    d = make_door(MACs="hmac-sha2-256-etm@openssh.com,hmac-sha2-256")
    d.authorize(ALICE, key)
    res = run(["curl", "-sS", "--insecure", "--user", f"{ALICE}:", "--key", str(key.path),
               "--pubkey", f"{key.path}.pub", "-Q", "*symlink ct.txt csl",
               f"sftp://{LOCALHOST}:{d.port}/~/", "-o", "/dev/null"])
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    assert os.readlink(home / "csl") == "ct.txt" and not os.path.lexists(home / "ct.txt")
    os.unlink(home / "csl")


def test_unprintable_client_version_line_is_ignored(door):
    """A version line with a control byte (libssh takes any byte) reaches
    the monitor, which keeps it as unknown (OpenSSH's SYMLINK order) and
    says so; the door serves on."""
    mark = door.log_mark()
    with socket.create_connection((LOCALHOST, door.port), timeout=10) as sock:
        sock.sendall(b"SSH-2.0-AsyncSSH_\x012.10\r\n")
        assert sock.recv(64).startswith(b"SSH-2.0-")
        door.wait_for_log(r"client version line from 127\.0\.0\.1 port \d+ is not printable "
                          r"ASCII: ignored", since=mark)


@needs_asyncssh
def test_symlink_order_follows_the_client_version_line(door, key, home):
    """The order comes from the client's version line and nothing else: the
    same asyncssh under another name (client_version) sends the draft's
    order all the same, and gets OpenSSH's reading, i.e. the link made the
    other way round."""
    async def session(sftp):
        await sftp.symlink("t2.txt", "sl2")
    asyncssh_sftp(door, ALICE, key, session, client_version="NotAsync_1.0")
    assert os.readlink(home / "t2.txt") == "sl2" and not os.path.lexists(home / "sl2")
    os.unlink(home / "t2.txt")


@needs_asyncssh
def test_asyncssh_permission_refusals(door, key, users, workdir):
    """Refusals reach asyncssh as SFTPPermissionDenied (SSH_FX_PERMISSION_DENIED):
    bob's 0600 file, a root-owned directory."""
    secret = users[BOB] / "secret.txt"
    secret.write_bytes(b"bob only\n")
    shutil.chown(secret, BOB, BOB)
    secret.chmod(0o600)
    users[BOB].chmod(0o755)
    d = workdir / "sftp-rootdir-async"
    d.mkdir(mode=0o755)
    d.chmod(0o755)

    async def session(sftp):
        refused = []
        for attempt in (sftp.open(str(secret), "rb"), sftp.open(f"{d}/x", "wb"),
                        sftp.mkdir(f"{d}/sub"), sftp.remove(str(secret))):
            try:
                await attempt
            except asyncssh.SFTPError as e:
                refused.append(type(e).__name__)
        return refused

    try:
        refused = asyncssh_sftp(door, ALICE, key, session)
        assert refused == ["SFTPPermissionDenied"] * 4
        assert secret.read_bytes() == b"bob only\n" and not any(d.iterdir())
    finally:
        secret.unlink()
        shutil.rmtree(d)


def putty_argv(tool, door, key, *args):
    """psftp or pscp in batch mode, host key pinned by fingerprint."""
    return [tool, "-batch", "-P", str(door.port), "-i", str(key.ppk()),
            "-hostkey", door.host_fingerprint, *args]


def test_putty_psftp_and_pscp(door, key, big, home, scratch, workdir):
    """PuTTY's SFTP clients: a psftp batch, and pscp (SFTP mode) with the
    64 MiB file both ways, sha256-exact."""
    path, digest = big
    batch = workdir / "psftp.batch"
    batch.write_text(f"put /etc/hostname ps.txt\nmkdir pd\nmv ps.txt pd/ps.txt\nls pd\n"
                     f"get pd/ps.txt {scratch / 'ps.txt'}\nrm pd/ps.txt\nrmdir pd\n")
    res = run(putty_argv("psftp", door, key, "-b", str(batch), f"{ALICE}@{LOCALHOST}"))
    assert res.returncode == 0, res.stderr
    assert b"ps.txt" in res.stdout
    assert (scratch / "ps.txt").read_bytes() == Path("/etc/hostname").read_bytes()
    assert not (home / "pd").exists()
    res = run(putty_argv("pscp", door, key, "-sftp", str(path), f"{ALICE}@{LOCALHOST}:pscp.bin"),
              timeout=180)
    assert res.returncode == 0, res.stderr
    assert sha256(home / "pscp.bin") == digest
    res = run(putty_argv("pscp", door, key, "-sftp", f"{ALICE}@{LOCALHOST}:pscp.bin",
                         str(scratch / "pscp.bin")), timeout=180)
    assert res.returncode == 0, res.stderr
    assert sha256(scratch / "pscp.bin") == digest
    batch.unlink()


def test_files_have_the_users_uid_and_the_umask(door, key, home, workdir):
    src = workdir / "sftp-mode.txt"
    src.write_bytes(b"m")
    src.chmod(0o666)
    sftp_ok(door, ALICE, key, f"put {src} m.txt\nmkdir md\n")
    st = (home / "m.txt").stat()
    assert st.st_uid == uid_of(ALICE)
    assert stat.S_IMODE(st.st_mode) == 0o644, "the session's umask is 022"
    assert stat.S_IMODE((home / "md").stat().st_mode) == 0o755
    src.unlink()


def test_another_users_file_is_refused(door, key, users, scratch):
    """The server runs as the user: bob's 0600 file is not alice's."""
    secret = users[BOB] / "secret.txt"
    secret.write_bytes(b"bob only\n")
    shutil.chown(secret, BOB, BOB)
    secret.chmod(0o600)
    users[BOB].chmod(0o755)
    try:
        res = sftp_batch(door, ALICE, key, f"get {secret} {scratch / 'stolen'}\n")
        assert res.returncode != 0
        assert b"Permission denied" in res.stderr, res.stderr
        assert not (scratch / "stolen").exists()
        back = sftp_ok(door, BOB, key, f"get {secret} {scratch / 'own'}\n")
        assert (scratch / "own").read_bytes() == b"bob only\n", back
    finally:
        secret.unlink()


def test_root_owned_directory_refuses_writes(door, key, workdir):
    d = workdir / "sftp-rootdir"
    d.mkdir(mode=0o755)
    d.chmod(0o755)
    try:
        res = sftp_batch(door, ALICE, key, f"put /etc/hostname {d}/x\n")
        assert res.returncode != 0 and b"Permission denied" in res.stderr, res.stderr
        assert not (d / "x").exists()
    finally:
        shutil.rmtree(d)


def test_supplementary_group_grants_access(door, key, workdir):
    """alice is in fbdt-ops, bob is not: the session has the user's groups."""
    d = workdir / "sftp-ops"
    d.mkdir()
    os.chown(d, 0, gid_of(GROUP))
    d.chmod(0o770)
    try:
        sftp_ok(door, ALICE, key, f"put /etc/hostname {d}/ok\n")
        assert (d / "ok").stat().st_uid == uid_of(ALICE)
        res = sftp_batch(door, BOB, key, f"put /etc/hostname {d}/no\n")
        assert res.returncode != 0 and b"Permission denied" in res.stderr
    finally:
        shutil.rmtree(d)


def test_root_can_chown(make_door, keys, workdir):
    """chown and chgrp (SETSTAT with uid/gid) by a root login."""
    key = keys["ed25519"]
    d = make_door(PermitRootLogin="prohibit-password")
    d.authorize("root", key)
    f = workdir / "sftp-chown.txt"
    f.write_bytes(b"c")
    try:
        sftp_ok(d, "root", key, f"chown {uid_of(BOB)} {f}\nchgrp {gid_of(GROUP)} {f}\n")
        assert (f.stat().st_uid, f.stat().st_gid) == (uid_of(BOB), gid_of(GROUP))
    finally:
        f.unlink()


def test_read_only_refuses_writes(make_door, keys, home, scratch):
    key = keys["ed25519"]
    d = make_door(Subsystem="sftp internal-sftp -R")
    d.authorize(ALICE, key)
    (home / "keep.txt").write_bytes(b"keep\n")
    for cmd in ["put /etc/hostname new.txt", "rm keep.txt", "mkdir nd",
                "rename keep.txt other.txt", "chmod 777 keep.txt", "symlink keep.txt l"]:
        res = sftp_batch(d, ALICE, key, cmd + "\n")
        assert res.returncode != 0, cmd
        assert b"Permission denied" in res.stderr, (cmd, res.stderr)
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == ["keep.txt"]
    sftp_ok(d, ALICE, key, f"get keep.txt {scratch / 'k'}\n")
    assert (scratch / "k").read_bytes() == b"keep\n"


def test_umask_option(make_door, keys, home, workdir):
    key = keys["ed25519"]
    d = make_door(Subsystem="sftp internal-sftp -u 077")
    d.authorize(ALICE, key)
    src = workdir / "sftp-umask.txt"
    src.write_bytes(b"u")
    src.chmod(0o644)
    sftp_ok(d, ALICE, key, f"put {src} u.txt\n")
    assert stat.S_IMODE((home / "u.txt").stat().st_mode) == 0o600
    src.unlink()


def test_log_level_and_start_dir(make_door, keys, users, home):
    """-l INFO logs each operation in sshd's sftp-server format; -d (with %h)
    starts elsewhere."""
    key = keys["ed25519"]
    start = users[ALICE] / "start"
    start.mkdir()
    shutil.chown(start, ALICE, ALICE)
    d = make_door(Subsystem="sftp internal-sftp -l INFO -d %h/start")
    d.authorize(ALICE, key)
    out = sftp_ok(d, ALICE, key, "pwd\nput /etc/hostname h\nrm h\n")
    assert f"Remote working directory: {start}" in out
    d.wait_for_log(rf"session opened for local user {ALICE} from \[127\.0\.0\.1\]")
    d.wait_for_log(rf'open "{start}/h" flags WRITE,CREATE,TRUNCATE mode 0[0-7]+$')
    d.wait_for_log(rf'close "{start}/h" bytes read 0 written \d+')
    d.wait_for_log(rf'remove name "{start}/h"')
    d.wait_for_log(rf"session closed for local user {ALICE} from \[127\.0\.0\.1\]")


def test_start_dir_expands_user(make_door, keys, workdir):
    key = keys["ed25519"]
    base = workdir / "sftp-chroots"
    (base / ALICE).mkdir(parents=True)
    base.chmod(0o755)
    (base / ALICE).chmod(0o755)
    try:
        d = make_door(Subsystem=f"sftp internal-sftp -d {base}/%u")
        d.authorize(ALICE, key)
        assert f"Remote working directory: {base / ALICE}" in sftp_ok(d, ALICE, key, "pwd\n")
    finally:
        shutil.rmtree(base)


def test_bad_option_is_a_config_error_with_file_and_line(make_door):
    d = make_door(start=False, Subsystem="sftp internal-sftp -u 999")
    d.port = 1
    d.write_config()
    res = run([str(d.binary), "-t", "-f", str(d.config)])
    assert res.returncode != 0
    assert re.search(rf"{re.escape(str(d.config))}:\d+: Subsystem: \"sftp\" -u 999: not an "
                     rf"octal umask", res.stderr.decode()), res.stderr


def test_malformed_stream_ends_the_subsystem_with_a_logged_reason(door, key):
    client = paramiko_client(door, ALICE, key)
    try:
        chan = client.get_transport().open_session(timeout=10)
        mark = door.log_mark()
        chan.invoke_subsystem("sftp")
        chan.sendall(b"\x7f\xff\xff\xff\x01")
        chan.settimeout(10)
        assert chan.recv(100) == b""
        door.wait_for_log(rf"internal-sftp: closing the session of {ALICE}: packet too long",
                          since=mark)
        assert chan.recv_exit_status() == 1
    finally:
        client.close()
    assert door.alive()


def test_no_program_is_executed_even_without_sftp_server(make_door, keys, workdir, home,
                                                         scratch):
    """With /usr/lib/openssh/sftp-server hidden (/dev/null bound over it in
    a private mount namespace) and under strace -f: sftp and scp work, and
    no process running fallbackd's code executes anything."""
    key = keys["ed25519"]
    log = workdir / "sftp-strace.log"
    hide = (f"mount --bind /dev/null {SFTP_SERVER} && "
            f"exec strace -f -qq -e trace=execve,clone,clone3,fork,vfork -o {log} \"$@\"")
    wrapper = ["unshare", "-m", "--propagation", "private", "sh", "-c", hide, "sh"]
    d = make_door(wrapper=wrapper)
    d.authorize(ALICE, key)
    sftp_ok(d, ALICE, key, f"put /etc/hostname h\nget h {scratch / 'h'}\n")
    res = run(["scp", "-s", *SSH_OPTS, "-i", str(key.path), "-P", str(d.port),
               "/etc/hostname", f"{ALICE}@{LOCALHOST}:h2"])
    assert res.returncode == 0, res.stderr
    assert (home / "h2").read_bytes() == Path("/etc/hostname").read_bytes()
    d.stop()
    trace = StraceLog(log.read_text())
    assert any(StraceLog.FORK.match(call) for _, call in trace.lines), "control: no forks seen"
    executed = [path for _, path in trace.server_calls(StraceLog.EXEC) if path]
    assert executed == [str(d.binary)], "only fallbackd's own start: " + repr(executed)
    log.unlink()


@needs_static
def test_sftp_and_scp_while_the_system_is_broken(ns_door, key, big, home, scratch):  # noqa: F811
    """Faults 3-7 of the fault suite at once (libc.so.6, libcrypto and
    NSS/PAM garbage, /run empty, passwd/group garbage): no dynamically
    linked program starts, yet sftp put/get, scp and asyncssh (when
    installed) both ways work, 64 MiB sha256-exact."""
    path, digest = big
    door = ns_door()
    baseline(door, key)
    for fault in faults.SYSTEM_BROKEN:
        door.apply(fault)
    sftp_ok(door, ALICE, key, f"put {path} broken.bin\nget broken.bin {scratch / 'b1'}\n",
            timeout=180)
    assert sha256(home / "broken.bin") == digest and sha256(scratch / "b1") == digest
    base = ["scp", "-s", *SSH_OPTS, "-i", str(key.path), "-P", str(door.port)]
    res = run(base + [str(path), f"{ALICE}@{LOCALHOST}:broken2.bin"], timeout=180)
    assert res.returncode == 0, res.stderr
    res = run(base + [f"{ALICE}@{LOCALHOST}:broken2.bin", str(scratch / "b2")], timeout=180)
    assert res.returncode == 0, res.stderr
    assert sha256(home / "broken2.bin") == digest and sha256(scratch / "b2") == digest
    if asyncssh is not None:
        async def session(sftp):
            return await asyncssh_round_trip(sftp, path, scratch / "b3", "broken3.bin")
        assert asyncssh_sftp(door, ALICE, key, session) == 64 * MiB
        assert sha256(home / "broken3.bin") == digest and sha256(scratch / "b3") == digest
    assert door.alive()


def test_key_forced_command_internal_sftp(make_door, keys, home, scratch):
    """command="internal-sftp -R" in authorized_keys: the key gets the
    built-in server, read-only, whatever the client asks to run."""
    key = keys["ed25519"]
    d = make_door()
    d.authorize(ALICE, key, options='command="internal-sftp -R"')
    (home / "ro.txt").write_bytes(b"ro\n")
    sftp_ok(d, ALICE, key, f"get ro.txt {scratch / 'ro'}\n")
    assert (scratch / "ro").read_bytes() == b"ro\n"
    res = sftp_batch(d, ALICE, key, "put /etc/hostname x\n")
    assert res.returncode != 0 and b"Permission denied" in res.stderr
    res = run(["ssh", *SSH_OPTS, "-i", str(key.path), "-p", str(d.port),
               f"{ALICE}@{LOCALHOST}", "echo not-a-shell"])
    assert b"not-a-shell" not in res.stdout
    d.wait_for_log(rf"Starting session: internal-sftp for {ALICE}")
