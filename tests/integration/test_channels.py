"""Several session channels on one connection, concurrently."""
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import paramiko
import pytest

from fbdtest import (ALICE, LOCALHOST, SSH_OPTS, exit_status, paramiko_client, read_all,
                     reap_orphans, run, ssh_argv)


@pytest.fixture
def door(make_door, key):
    return make_door(MaxSessions=4, authorize={ALICE: key})


@pytest.fixture
def master(door, key):
    """An OpenSSH ControlMaster connection (ssh -M -N -f); yields the
    ControlPath.  Stopped with `ssh -O exit`, killed if that fails."""
    path = door.dir / "cm"
    opts = [f"-oControlPath={path}"]
    argv = ssh_argv(door, ALICE, key, opts=["-oControlMaster=yes", "-oControlPersist=10",
                                            "-N", "-f", *opts])
    # -f: ssh backgrounds itself after authentication, keeping stderr; a
    # file, not a pipe, so that waiting for the parent does not wait for it.
    with open(door.dir / "master.err", "wb") as err:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=err, timeout=20, check=True)
    yield opts
    run(["ssh", *SSH_OPTS, *opts, "-O", "exit", f"{ALICE}@{LOCALHOST}"], timeout=10)
    reap_orphans()


def test_controlmaster_runs_concurrent_commands_on_one_connection(door, key, master):
    """Four commands multiplexed over one ControlMaster connection run at
    the same time, each with its own output and exit status, after a single
    authentication."""
    mark = door.log_mark()

    def one(i):
        argv = ssh_argv(door, ALICE, key, f"echo start-{i}; sleep 1; echo end-{i} >&2; exit {i}",
                        opts=master)
        return run(argv, timeout=20)

    start = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(4)))
    elapsed = time.monotonic() - start
    for i, res in enumerate(results):
        assert (res.returncode, res.stdout, res.stderr) == \
            (i, f"start-{i}\n".encode(), f"end-{i}\n".encode())
    assert elapsed < 3.5, f"commands did not run concurrently ({elapsed:.1f}s)"
    log = door.log(mark)
    assert log.count("Accepted publickey") == 0, log     # the master authenticated earlier
    assert log.count("Starting session: command") == 4, log


def test_paramiko_three_channels_concurrently(door, key):
    """Three channels of one transport interleave: each gets its own data."""
    client = paramiko_client(door, ALICE, key)
    try:
        t = client.get_transport()
        chans = [t.open_session(timeout=10) for _ in range(3)]
        for i, chan in enumerate(chans):
            chan.exec_command(f"for n in 1 2 3; do echo ch{i}-$n; sleep 0.3; done; "
                              f"head -c {100000 * (i + 1)} /dev/zero; exit {10 + i}")
        outs = [None] * 3

        def reader(i):
            outs[i] = read_all(chans[i])

        start = time.monotonic()
        threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
        elapsed = time.monotonic() - start
        for i, chan in enumerate(chans):
            text = f"ch{i}-1\nch{i}-2\nch{i}-3\n".encode()
            assert outs[i] == text + b"\0" * (100000 * (i + 1))
            assert exit_status(chan) == 10 + i
        assert elapsed < 2.5, f"channels did not run concurrently ({elapsed:.1f}s)"
    finally:
        client.close()


def test_max_sessions_limits_open_channels(door, key):
    """MaxSessions 4: a fifth concurrent session channel is refused; after
    one closes, a new one opens."""
    client = paramiko_client(door, ALICE, key)
    try:
        t = client.get_transport()
        chans = [t.open_session(timeout=10) for _ in range(4)]
        for chan in chans:
            chan.exec_command("sleep 20")
        with pytest.raises(paramiko.ChannelException):
            t.open_session(timeout=10)
        chans[0].close()
        time.sleep(0.3)
        extra = t.open_session(timeout=10)
        extra.exec_command("echo again")
        assert read_all(extra) == b"again\n"
    finally:
        client.close()
