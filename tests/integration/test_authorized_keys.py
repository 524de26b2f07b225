"""The keys file: bad lines are reported as FILE:LINE and do not hide good
ones; comments and blank lines are fine."""
import re

from fbdtest import ALICE, ssh_ok, ssh_refused


def test_bad_lines_logged_and_good_line_works(make_door, keys):
    """An unknown option and a garbage line before the good key: login
    works, and the log names FILE:LINE of each bad line (only those)."""
    d = make_door()
    good, other = keys["ed25519"], keys["ecdsa256"]
    d.set_key_lines(ALICE, [
        "# a comment",
        "",
        f"frobnicate {other.pub}",
        "this is not a key at all",
        f"   {good.pub}",
    ])
    path = re.escape(str(d.keys_path(ALICE)))
    mark = d.log_mark()
    assert ssh_ok(d, ALICE, good, "echo in") == "in\n"
    d.wait_for_log(rf"{path}:3: ", since=mark)
    d.wait_for_log(rf"{path}:4: ", since=mark)
    log = d.log(mark)
    assert not re.search(rf"{path}:[125]: ", log), log


def test_bad_options_on_the_matching_line_refuse_the_key(make_door, keys):
    """The matching key's own line is malformed (bad from= value): the key
    is refused, not accepted without its restriction, and the log names
    FILE:LINE."""
    d = make_door()
    key = keys["ed25519"]
    d.set_key_lines(ALICE, [f'from="300.1.2.3/99" {key.pub}'])
    mark = d.log_mark()
    ssh_refused(d, ALICE, key)
    d.wait_for_log(rf"{re.escape(str(d.keys_path(ALICE)))}:1: ", since=mark)


def test_key_matched_by_key_not_comment(make_door, keys):
    d = make_door()
    key = keys["ed25519"]
    ktype, blob = key.pub.split()[:2]
    d.set_key_lines(ALICE, [f"{ktype} {blob} some other comment"])
    assert ssh_ok(d, ALICE, key, "echo in") == "in\n"


def test_file_changes_apply_to_next_login(make_door, keys):
    """The keys file is read at each login: no reload needed."""
    d = make_door()
    key = keys["ed25519"]
    ssh_refused(d, ALICE, key)
    d.authorize(ALICE, key)
    assert ssh_ok(d, ALICE, key, "echo in") == "in\n"
    d.set_key_lines(ALICE, [])
    ssh_refused(d, ALICE, key)


def test_authorized_keys_file_pattern_with_home(make_door, keys, users):
    """AuthorizedKeysFile %h expands to the user's home directory."""
    d = make_door(AuthorizedKeysFile="%h/.fbdt_keys")
    path = users[ALICE] / ".fbdt_keys"
    try:
        path.write_text(keys["ed25519"].pub + "\n")
        path.chmod(0o644)
        assert ssh_ok(d, ALICE, keys["ed25519"], "echo in") == "in\n"
    finally:
        path.unlink()
