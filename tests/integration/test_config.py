"""fallbackd -t (check) and -T (dump), and a daemon that will not start on
a bad config."""
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from fbdtest import FALLBACKD, Door, run


@pytest.fixture
def cfg():
    """An unstarted Door: its host key and config file, no process."""
    root = Path(tempfile.mkdtemp(prefix="fbdt-cfg-"))
    d = Door(root / "door")
    d.port = 2222
    yield d
    shutil.rmtree(root)


def check(config_path, *flags):
    return run([str(FALLBACKD), *flags, "-f", str(config_path)], timeout=15)


def test_check_good_config(cfg):
    cfg.write_config()
    res = check(cfg.config, "-t")
    assert res.returncode == 0, res.stderr
    assert res.stdout == b""


def test_check_reports_every_error_with_file_and_line(cfg):
    """An unknown keyword and a bad value: both reported as FILE:LINE:,
    exit status non-zero."""
    text = cfg.config_text()
    cfg.write_config(text + "Frobnicate yes\nMaxAuthTries banana\n")
    nlines = text.count("\n")
    res = check(cfg.config, "-t")
    assert res.returncode != 0
    err = res.stderr.decode()
    path = re.escape(str(cfg.config))
    assert re.search(rf"^{path}:{nlines + 1}: .*Frobnicate", err, re.M), err
    assert re.search(rf"^{path}:{nlines + 2}: .*MaxAuthTries", err, re.M), err


def test_check_refuses_unreadable_host_key(cfg):
    cfg.write_config(HostKey=str(cfg.dir / "missing_key"))
    res = check(cfg.config, "-t")
    assert res.returncode != 0
    assert str(cfg.dir / "missing_key").encode() in res.stderr


def test_check_refuses_host_key_readable_by_others(cfg):
    cfg.write_config()
    os.chmod(cfg.hostkey, 0o644)
    res = check(cfg.config, "-t")
    assert res.returncode != 0
    assert b"too open" in res.stderr


def test_dump_prints_effective_config(cfg):
    """-T: lower-case "keyword value" lines, defaults filled in."""
    cfg.write_config(Port=2345, MaxAuthTries=4, SessionLinger=5)
    res = check(cfg.config, "-T")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.decode().splitlines()
    assert "port 2345" in lines
    assert "maxauthtries 4" in lines
    assert "sessionlinger 5" in lines
    assert "permitrootlogin no" in lines
    assert "passwordauthentication no" in lines


def test_daemon_does_not_start_with_bad_config(cfg):
    cfg.write_config(cfg.config_text() + "Frobnicate yes\n")
    try:
        res = subprocess.run([str(FALLBACKD), "-D", "-e", "-f", str(cfg.config)],
                             capture_output=True, timeout=15, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("fallbackd kept running with a bad config")
    assert res.returncode != 0
    assert re.search(rf"{re.escape(str(cfg.config))}:\d+: .*Frobnicate".encode(), res.stderr)
