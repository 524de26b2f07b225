"""Building never changes the machine's apt configuration: libssh's source
package is fetched with a private apt configuration (mk/apt-fetch.sh), its
files must match the sha256 pinned in mk/libssh.sh, and nothing in mk/ or the
Makefile writes under /etc/apt."""
import hashlib
import os
import re
import tempfile
from pathlib import Path

import pytest

from fbdtest import REPO, run

ETC_APT = Path("/etc/apt")
LISTS = Path("/var/lib/apt/lists")


def tree_state(top):
    """Every entry under top: path -> (mode, owner, sha256 of a file's bytes
    or a link's target)."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            if p.is_symlink():
                digest = os.readlink(p)
            elif p.is_file():
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                digest = None
            state[str(p)] = (st.st_mode, st.st_uid, st.st_gid, digest)
    return state


def pinned():
    """(version, {file name: sha256}) from mk/libssh.sh."""
    text = (REPO / "mk" / "libssh.sh").read_text()
    version = re.search(r"^version=(\S+)$", text, re.M).group(1)
    upstream = version.rsplit("-", 1)[0]
    pins = re.search(r'^pins="(.*?)"$', text, re.M | re.S).group(1)
    files = {}
    for line in pins.splitlines():
        digest, name = line.split()
        files[name.replace("${version}", version).replace("${upstream}", upstream)] = digest
    return version, files


def test_libssh_fetch_leaves_apt_configuration_alone():
    """A fetch into a temporary directory: the pinned files arrive with the
    pinned hashes, /etc/apt and /var/lib/apt/lists are byte for byte what
    they were (the fetch updates its own lists, not the machine's)."""
    version, files = pinned()
    before = tree_state(ETC_APT), tree_state(LISTS)
    with tempfile.TemporaryDirectory(prefix="fbdt-aptfetch-") as tmp:
        res = run(["sh", str(REPO / "mk" / "apt-fetch.sh"), f"{tmp}/apt", f"{tmp}/dl",
                   "libssh", version], timeout=300)
        after = tree_state(ETC_APT), tree_state(LISTS)
        assert after == before
        err = res.stderr.decode(errors="replace")
        if res.returncode != 0 and "cannot read the" in err:
            pytest.skip(f"Debian archive unreachable: {err.strip()[-300:]}")
        assert res.returncode == 0, err
        for name, digest in files.items():
            data = (Path(tmp) / "dl" / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, name
        assert (Path(tmp) / "apt" / "sources.list").read_text().startswith(
            "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ")


def test_unreachable_archive_says_what_to_do():
    """With an archive that cannot be reached, the fetch fails and says how
    to build anyway."""
    with tempfile.TemporaryDirectory(prefix="fbdt-aptfetch-") as tmp:
        res = run(["sh", str(REPO / "mk" / "apt-fetch.sh"), f"{tmp}/apt", f"{tmp}/dl",
                   "libssh", pinned()[0]], timeout=120,
                  env=dict(os.environ, FALLBACKD_DEBIAN_ARCHIVE="http://127.0.0.1:9/debian"))
    err = res.stderr.decode(errors="replace")
    assert res.returncode != 0
    assert "cannot read the sid source index from http://127.0.0.1:9/debian" in err, err
    assert "to build anyway, put libssh_" in err and "snapshot.debian.org" in err, err


WRITES_ETC_APT = re.compile(
    r"(>>?|\btee\b|\bcp\b|\bmv\b|\binstall\b|\bln\b|\brm\b|sed\s+-i|\bmkdir\b|\btouch\b)"
    r"[^#\n]*/etc/apt")


def test_build_scripts_never_write_etc_apt():
    """No line of mk/ or the Makefile redirects into, copies to, edits or
    removes anything under /etc/apt."""
    sources = [REPO / "Makefile", *sorted((REPO / "mk").glob("*.sh"))]
    offending = [f"{p.name}:{n}: {line.strip()}" for p in sources
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if WRITES_ETC_APT.search(line) and not line.lstrip().startswith("#")]
    assert offending == []
    # The check finds what it is meant to find.
    assert WRITES_ETC_APT.search('sed "s/a/b/" x > /etc/apt/sources.list.d/y.sources')
    assert not WRITES_ETC_APT.search("archive=$(sed -n p /etc/apt/sources.list.d/debian.sources)")
