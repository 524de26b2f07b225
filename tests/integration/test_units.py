"""The systemd units in packaging/: `systemd-analyze verify` accepts each
(with no warning at all), and each keeps the promises fallbackd.service's
header makes: no ordering on or dependency of sshd, KillMode=process so a
stop or restart never kills a session, nothing under /run."""
import re
import shutil
import subprocess

import pytest

from fbdtest import FALLBACKD, REPO

UNITS = sorted((REPO / "packaging").glob("*.service"))
SSH_UNITS = re.compile(r"\bssh(d)?\.(service|socket)\b")


def settings(unit):
    """(key, value) of every assignment, comments left out."""
    pairs = []
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            pairs.append((key.strip(), value.strip()))
    return pairs


@pytest.fixture
def unit_dir(tmp_path):
    """The units with ExecStart pointing at the binary under test (verify
    checks that the command exists and is executable)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    for u in UNITS:
        (tmp_path / u.name).write_text(u.read_text().replace("/usr/sbin/fallbackd", str(FALLBACKD)))
    return tmp_path


def verify(path):
    """--man=no: the man: links are checked by test_packaging.py, against
    the installed pages."""
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)], capture_output=True,
                       text=True, timeout=60)
    return r.returncode, r.stderr


def test_units_exist():
    assert [u.name for u in UNITS] == ["fallbackd-upgrade@.service", "fallbackd.service"]


@pytest.mark.parametrize("name", ["fallbackd.service", "fallbackd-upgrade@2h.service"])
def test_systemd_analyze_verify(unit_dir, name):
    """verify passes without a single warning (it exits 0 on an ignored
    bad line, so stderr must be empty too)."""
    rc, err = verify(unit_dir / name)
    assert rc == 0 and err == ""


def test_verify_would_catch_a_bad_line(unit_dir):
    """The check above can fail: a misspelt value is reported."""
    u = unit_dir / "fallbackd.service"
    u.write_text(u.read_text().replace("KillMode=process", "KillMode=proccess"))
    rc, err = verify(u)
    assert "proccess" in err


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_promises(unit):
    s = settings(unit)
    d = dict(s)
    assert not any(SSH_UNITS.search(v) for _, v in s), "no ordering/dependency on sshd"
    assert d["KillMode"] == "process"
    assert d["Restart"] == "on-failure"
    assert not any(k.startswith("RuntimeDirectory") or "/run" in v for k, v in s)
    for k in ("ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
              "NoNewPrivileges", "RestrictNamespaces", "SystemCallFilter"):
        assert k not in d, f"{k} would be inherited by the user's session"
    start = d["ExecStart"].split()
    assert start[:4] == ["/usr/sbin/fallbackd", "-D", "-f", "/etc/fallbackd/fallbackd.conf"]
    if "@" in unit.name:
        assert start[4:] == ["--for", "%I"] and "Install" not in unit.read_text()
    else:
        assert start[4:] == []
