"""The man pages, --help and -V.

fallbackd.conf(5) documents exactly the keywords of the table in
fallbackd/config.c (each as a ".TP" / ".B Keyword" entry under KEYWORDS),
so a keyword added to the parser without documentation, or a page entry
for a keyword that no longer exists, fails here.
"""
import re
import subprocess

import pytest

from fbdtest import FALLBACKD, REPO, run


def run_text(argv):
    r = run(argv)
    return r.returncode, r.stdout.decode(), r.stderr.decode()

MAN = REPO / "man"
PAGES = (MAN / "fallbackd.8", MAN / "fallbackd.conf.5")


def table_keywords():
    """The names in config.c's keywords[] table, in table order."""
    src = (REPO / "fallbackd" / "config.c").read_text()
    m = re.search(r"static const struct keyword keywords\[\] = \{(.*?)\n\};", src, re.S)
    assert m, "keywords[] table not found in fallbackd/config.c"
    return re.findall(r'(?:K_[A-Z]+\(|\.name = )"([A-Za-z0-9]+)"', m.group(1))


def page_keywords():
    """The ".TP" / ".B Keyword" entries of fallbackd.conf.5's KEYWORDS section."""
    text = (MAN / "fallbackd.conf.5").read_text()
    section = text.split("\n.SH KEYWORDS\n", 1)[1].split("\n.SH ", 1)[0]
    return re.findall(r"^\.TP\n\.B ([A-Za-z0-9]+)$", section, re.M)


def test_table_is_found():
    """The table parser finds the known first and last entries."""
    kws = table_keywords()
    assert kws[0] == "Port" and "Include" in kws and len(kws) > 40


def test_every_keyword_documented_and_nothing_else():
    """Every keyword of the table has an entry in fallbackd.conf(5), once,
    and every entry there is a keyword of the table."""
    table, page = table_keywords(), page_keywords()
    assert sorted(set(table) - set(page)) == [], "keywords missing from fallbackd.conf.5"
    assert sorted(set(page) - set(table)) == [], "fallbackd.conf.5 documents unknown keywords"
    assert len(page) == len(set(page)), "a keyword is documented twice"


def test_every_keyword_in_readme():
    """README's configuration reference names every keyword too."""
    readme = (REPO / "README.md").read_text()
    missing = [k for k in table_keywords() if f"`{k}" not in readme]
    assert missing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_man_renders_without_warnings(page):
    """`man -l` renders each page, and groff has nothing to complain about."""
    r = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                       timeout=30, env={"MANWIDTH": "80", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin",
                                        "MAN_KEEP_FORMATTING": "0"})
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    text = re.sub(".\b", "", r.stdout)      # no overstrike (bold) sequences
    name = "FALLBACKD(8)" if page.suffix == ".8" else "FALLBACKD.CONF(5)"
    assert text.startswith(name) and "\nSEE ALSO\n" in text and "\nFILES\n" in text


@pytest.mark.parametrize("opt", ["-h", "--help"])
def test_help_exits_zero(opt):
    """-h and --help print every option on stdout and exit 0."""
    rc, out, err = run_text([str(FALLBACKD), opt])
    assert rc == 0 and err == ""
    for o in ("-D", "-e", "-f FILE", "--for TIME", "-t", "-T", "-V", "keygen", "fingerprint"):
        assert o in out


def test_version_and_usage_error():
    """-V prints the version (the man pages carry the same); a bad option is
    a usage error: status 2, summary on stderr."""
    rc, out, _ = run_text([str(FALLBACKD), "-V"])
    assert rc == 0
    version = re.match(r"fallbackd (\S+) \(libssh ", out).group(1)
    for page in PAGES:
        assert f'"fallbackd {version}"' in page.read_text()
    rc, out, err = run_text([str(FALLBACKD), "-x"])
    assert rc == 2 and "usage: fallbackd" in err and out == ""
