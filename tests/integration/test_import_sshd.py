"""fallbackd import-sshd (issue 11): Debian 12's stock sshd_config plus a
drop-in in sshd_config.d gives a config that -t accepts and that lets the
same user in with the same key, and nobody sshd would refuse.

The stock file is /usr/share/openssh/sshd_config from the openssh-server
package; when that package is not installed it is taken from the package
file (apt-get download + dpkg-deb -x, nothing installed, no sshd run)."""
import re
import os

import pytest

from fbdtest import ALICE, BOB, FALLBACKD, run, ssh_ok, ssh_refused

STOCK = "/usr/share/openssh/sshd_config"


@pytest.fixture(scope="module")
def stock_config(workdir):
    d = workdir / "openssh-deb"
    d.mkdir(exist_ok=True)
    if not os.path.exists(STOCK):
        got = run(["apt-get", "download", "openssh-server"], cwd=d, timeout=120)
        debs = list(d.glob("openssh-server_*.deb"))
        if got.returncode != 0 or not debs:
            pytest.skip("no stock sshd_config: openssh-server neither installed nor downloadable")
        run(["dpkg-deb", "-x", str(debs[0]), str(d / "x")], check=True)
        return (d / "x" / STOCK.lstrip("/")).read_text()
    return open(STOCK).read()


def sshd_tree(root, stock, dropin):
    """An /etc/ssh-like tree under root: the stock file, its Include
    pointed at root/sshd_config.d, and one drop-in."""
    (root / "sshd_config.d").mkdir(parents=True, exist_ok=True)
    text = stock.replace("Include /etc/ssh/sshd_config.d/*.conf",
                         f"Include {root}/sshd_config.d/*.conf")
    assert "Include " + str(root) in text
    (root / "sshd_config").write_text(text)
    (root / "sshd_config.d" / "50-fleet.conf").write_text(dropin)
    return root / "sshd_config"


def import_sshd(path):
    res = run([str(FALLBACKD), "import-sshd", "-f", str(path)], check=True)
    return res.stdout.decode()


def as_overrides(text):
    """The config lines of an import as door overrides (keyword -> value,
    a list when repeated)."""
    out = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kw, _, value = line.partition(" ")
        out.setdefault(kw, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def test_stock_config_plus_dropin(make_door, stock_config, workdir, key):
    keysdir = workdir / "sshd-keys"
    keysdir.mkdir(mode=0o755, exist_ok=True)
    for user in (ALICE, BOB):
        (keysdir / user).write_text(key.pub + "\n")
    path = sshd_tree(workdir / "etc-ssh", stock_config,
                     f"AllowUsers {ALICE}\nAuthorizedKeysFile {keysdir}/%u\n"
                     "PasswordAuthentication no\nMatch User nobody\n    PermitTTY no\n")
    text = import_sshd(path)
    assert re.search(rf"^AllowUsers {ALICE}$", text, re.M), text
    assert re.search(rf"^AuthorizedKeysFile /etc/fallbackd/keys/%u {keysdir}/%u$", text, re.M)
    assert re.search(r"^AcceptEnv LANG LC_\*$", text, re.M)
    assert re.search(r"^# .*UsePAM yes\n#\s+\(fallbackd accepts public keys", text, re.M)
    assert re.search(r"^# .*Match User nobody\n#\s+\(Match blocks are not supported", text, re.M)

    d = make_door(start=False)
    conf = d.dir / "imported.conf"
    conf.write_text(text + f"HostKey {d.hostkey}\n")
    res = run([str(FALLBACKD), "-t", "-f", str(conf)])
    assert res.returncode == 0, res.stderr.decode()

    d.write_config(**as_overrides(text))
    d.start()
    assert ssh_ok(d, ALICE, key, "echo in") == "in\n"
    ssh_refused(d, BOB, key)


def test_nobody_by_key_is_said(stock_config, workdir):
    path = sshd_tree(workdir / "etc-ssh-nokeys", stock_config, "PubkeyAuthentication no\n")
    text = import_sshd(path)
    assert "lets nobody in by key (PubkeyAuthentication no)" in text
    assert not re.search(r"^Allow(Users|Groups) ", text, re.M)


def test_first_value_wins_and_lists_accumulate(stock_config, workdir):
    path = sshd_tree(workdir / "etc-ssh-order", stock_config,
                     "PermitRootLogin no\nDenyUsers a\nDenyUsers b\n")
    text = import_sshd(path)
    # the drop-in is included at the top of the stock file, so it wins
    assert re.search(r"^PermitRootLogin no$", text, re.M)
    assert re.search(r"^DenyUsers a b$", text, re.M)
    assert re.search(r"^AllowUsers \*$", text, re.M)


def test_keyword_equals_value(stock_config, workdir):
    """sshd takes "Keyword=value" and "Keyword = value" (and Include=), so
    the import does too."""
    extra = workdir / "etc-ssh-equals-extra"
    extra.mkdir(exist_ok=True)
    (extra / "10-keys.conf").write_text("AuthorizedKeysFile = /srv/keys/%u\n"
                                        "PasswordAuthentication=no\n")
    path = sshd_tree(workdir / "etc-ssh-equals", stock_config,
                     f"AllowUsers={ALICE} {BOB}\nPermitRootLogin = no\nDenyUsers =carol\n"
                     f"AcceptEnv= 'LANG' \"LC_ALL\"\nInclude={extra}/*.conf\n")
    text = import_sshd(path)
    assert re.search(rf"^AllowUsers {ALICE} {BOB}$", text, re.M), text
    assert re.search(r"^PermitRootLogin no$", text, re.M), text
    assert re.search(r"^DenyUsers carol$", text, re.M), text
    # the drop-in's AcceptEnv comes first; the stock file's adds to it
    assert re.search(r"^AcceptEnv LANG LC_ALL LANG LC_\*$", text, re.M), text
    assert re.search(r"^AuthorizedKeysFile /etc/fallbackd/keys/%u /srv/keys/%u$", text, re.M)
    assert re.search(rf"^# {extra}/10-keys.conf:2: PasswordAuthentication=no\n#\s+\(fallbackd "
                     "accepts public keys", text, re.M), text


def test_line_sshd_refuses_is_named(stock_config, workdir):
    """A line sshd would refuse stops the import with FILE:LINE: reason."""
    path = sshd_tree(workdir / "etc-ssh-badquote", stock_config,
                     "PermitRootLogin no\nAllowUsers \"alice\nDenyUsers\n")
    dropin = path.parent / "sshd_config.d" / "50-fleet.conf"
    res = run([str(FALLBACKD), "import-sshd", "-f", str(path)])
    err = res.stderr.decode()
    assert res.returncode == 1
    assert res.stdout == b""
    assert f"{dropin}:2: invalid quotes" in err, err
    assert f"{dropin}:3: no argument after keyword \"DenyUsers\"" in err, err
