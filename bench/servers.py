"""The other SSH servers bench/ compares fallbackd with, and what every
comparison needs: a throwaway user to log in as, with a client key, and a
way to end everything the bench started.

One class per kind of server (fallbackd, OpenSSH's sshd, Dropbear, TinySSH
under tcpserver): its command line, its config and host key, its version.
An instance is made once per bench run (its files in bench.root/KEY); each
started server is described by a "case": an object with .port, .dir (its
own directory) and .config (the path of its config file).  Used by
bench/compare_faults.py (one server per fault, in a mount namespace) and
bench/compare.py (one server per kind, in a cgroup of its own).

Standard library only; the process helpers come from the integration
tests' fbdbase.py.
"""
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from fbdbase import (LOCALHOST, become_subreaper, descendants, keygen_argv,  # noqa: E402
                     kill_pids, pids_of_uid, ppid_table, proc_state)

# The throwaway user each script logs in as: one per script, so that two
# benches running at once on a shared machine do not remove each other's
# user (and end its sessions).  The comment marks the user as the bench's.
USER_COMMENT = "fallbackd bench/{script}"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(argv, timeout=30, check=True, **kw):
    res = subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kw)
    if check and res.returncode != 0:
        raise RuntimeError(f"exit {res.returncode}: {shlex.join(map(str, argv))}\n"
                           f"{res.stderr.decode(errors='replace')}")
    return res


def end_my_tree(owned=(), timeout=5):
    """SIGKILL every live descendant of this process and reap them; Popen
    objects in owned are waited for through Popen.  Returns how many had
    to be killed."""
    me = os.getpid()
    owned = {p.pid: p for p in owned if p is not None}
    killed = set()
    deadline = time.monotonic() + timeout
    while True:
        live = [p for p in descendants(me) if proc_state(p) not in ("Z", "gone")]
        kill_pids(live)
        killed.update(live)
        for pid, ppid in ppid_table().items():
            if ppid != me:
                continue
            if pid in owned:
                try:
                    owned[pid].wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass
            elif proc_state(pid) == "Z":
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
        if not live or time.monotonic() > deadline:
            return len(killed)
        time.sleep(0.02)


def short(text, n=160):
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 3] + "..."


# ---------------------------------------------------------------- the servers

class Server:
    """How to run one kind of server: its argv for a log mode ("stderr",
    "logfs" or "syslog"), its files, and what fault 1 and 8 act on.  One
    instance per server kind; each case gets its own directory."""
    key = title = None
    exe = None                      # the listener's executable (NsServer waits for it)

    def __init__(self, bench):
        self.bench = bench
        self.dir = bench.root / self.key
        self.dir.mkdir(mode=0o755)

    def available(self):
        """None, or why this server cannot be run here."""
        missing = [p for p in self.needs() if not os.access(p, os.X_OK)]
        return f"not installed ({', '.join(missing)}; run bench/deps.sh)" if missing else None

    def needs(self):
        return [self.exe]

    def prepare(self):
        """Host key and whatever the server needs once."""

    def binary(self):
        """The server's own executable on disk (fault 1)."""
        return self.exe

    def executables(self):
        """Every program the server runs to serve a login (binary size)."""
        return [self.exe]

    def config_text(self, case):
        return ""

    def half_config(self, case):
        """The half-written config of fault 8: the whole file, then a
        keyword cut in the middle."""
        return self.config_text(case) + "PermitRo"

    def argv(self, case, mode):
        """sshd's command line, which fallbackd shares: in the foreground
        (-D), logging to stderr (-e) unless to syslog, config -f."""
        argv = [self.exe, "-D", "-e", "-f", case.config]
        if mode == "syslog":
            argv.remove("-e")
        return argv

    def version(self):
        return ""

    def before_use(self):
        """Called before each measurement on a running server."""


class Fallbackd(Server):
    key, title = "fallbackd", "fallbackd"

    def prepare(self):
        # A copy: fault 1 replaces "its own binary", and a rebuild of
        # build/fallbackd during the run must not change the subject.
        self.exe = str(self.dir / "fallbackd")
        shutil.copy2(self.bench.fallbackd, self.exe)
        os.chmod(self.exe, 0o755)
        self.hostkey = self.dir / "ssh_host_ed25519_key"
        run(keygen_argv(self.hostkey, "ed25519", "bench"))
        keys = self.dir / "keys"
        keys.mkdir(mode=0o755)
        (keys / self.bench.user).write_text(self.bench.client_pub)
        os.chmod(keys / self.bench.user, 0o644)

    def needs(self):
        return [self.bench.fallbackd]

    def executables(self):
        return [self.bench.fallbackd]

    def config_text(self, case):
        return (f"Port {case.port}\nListenAddress {LOCALHOST}\nHostKey {self.hostkey}\n"
                f"AuthorizedKeysFile {self.dir}/keys/%u\nAllowUsers {self.bench.user}\n")

    def version(self):
        return run([self.bench.fallbackd, "-V"], check=False).stdout.decode().strip()


class OpenSSH(Server):
    """Debian's sshd with a minimal config; Debian's defaults where they
    matter for a fault: UsePAM yes, privilege separation in /run/sshd,
    re-exec per connection (the default)."""
    key, title = "sshd", "OpenSSH sshd"
    exe = "/usr/sbin/sshd"

    def prepare(self):
        self.hostkey = self.dir / "ssh_host_ed25519_key"
        run(keygen_argv(self.hostkey, "ed25519", "bench"))
        self.bench.need_run_sshd()

    def before_use(self):
        self.bench.need_run_sshd()

    def config_text(self, case):
        return "\n".join([
            f"Port {case.port}", f"ListenAddress {LOCALHOST}", f"HostKey {self.hostkey}",
            f"PidFile {case.dir}/sshd.pid",
            "PubkeyAuthentication yes", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "AuthorizedKeysFile %h/.ssh/authorized_keys",
            "UsePAM yes", "PrintMotd no",
            "Subsystem sftp /usr/lib/openssh/sftp-server", ""])

    def version(self):
        return run([self.exe, "-V"], check=False).stderr.decode().strip()


class Dropbear(Server):
    """dropbear -F -E -p 127.0.0.1:PORT -r KEY -s; the user's
    ~/.ssh/authorized_keys.  Dropbear reads no config file: for fault 8 a
    stand-in (its Debian /etc/default file) is half-written, and the fault
    is the SIGHUP."""
    key, title = "dropbear", "Dropbear"
    exe = "/usr/sbin/dropbear"

    def needs(self):
        return [self.exe, "/usr/bin/dropbearkey"]

    def prepare(self):
        self.hostkey = self.dir / "dropbear_ed25519_host_key"
        run(["dropbearkey", "-t", "ed25519", "-f", self.hostkey])

    def config_text(self, case):
        return f'DROPBEAR_PORT=127.0.0.1:{case.port}\nDROPBEAR_EXTRA_ARGS="-s"\n'

    def argv(self, case, mode):
        argv = [self.exe, "-F", "-E", "-p", f"{LOCALHOST}:{case.port}", "-r", self.hostkey,
                "-s", "-P", f"{case.dir}/dropbear.pid"]
        if mode == "syslog":
            argv.remove("-E")
        return argv

    def version(self):
        res = run([self.exe, "-V"], check=False)
        return (res.stderr + res.stdout).decode().strip()


class TinySSH(Server):
    """tinysshd -v KEYDIR under ucspi-tcp's tcpserver (Debian runs it from
    a systemd socket with Accept=yes, whose MaxConnections is 64: -c 64);
    keys from tinysshd-makekey; the user's ~/.ssh/authorized_keys.  The
    listener (signals, fault 11) is tcpserver; fault 1 replaces tinysshd,
    which tcpserver executes for every connection.  TinySSH reads no config
    file: for fault 8 a stand-in (/etc/default/tinysshd) is half-written,
    and the fault is the SIGHUP to the listener."""
    key, title = "tinyssh", "TinySSH"
    exe = "/usr/bin/tcpserver"
    tinysshd = "/usr/sbin/tinysshd"

    def needs(self):
        return [self.exe, self.tinysshd, "/usr/sbin/tinysshd-makekey"]

    def prepare(self):
        self.keydir = self.dir / "sshkeydir"
        run(["tinysshd-makekey", "-q", self.keydir])

    def binary(self):
        return self.tinysshd

    def executables(self):
        return [self.exe, self.tinysshd]

    def config_text(self, case):
        return 'TINYSSHDOPTS="-v"\n'

    def argv(self, case, mode):
        opts = ["-v"] + (["-l"] if mode == "syslog" else [])
        return [self.exe, "-HRDl0", "-c", "64", LOCALHOST, case.port,
                self.tinysshd, *opts, self.keydir]

    def version(self):
        res = run(["dpkg-query", "-W", "-f", "${Version}", "tinysshd"], check=False)
        tcp = run(["dpkg-query", "-W", "-f", "${Version}", "ucspi-tcp"], check=False)
        return (f"tinysshd {res.stdout.decode().strip()} (Debian package), "
                f"under tcpserver from ucspi-tcp {tcp.stdout.decode().strip()}")


SERVERS = {cls.key: cls for cls in (Fallbackd, OpenSSH, Dropbear, TinySSH)}



def cgroup2_root():
    """Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on a
    hybrid system)."""
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if fields[2] == "cgroup2":
            return Path(fields[1])
    raise SystemExit("no cgroup v2 mounted: the server CPU is measured with one")


def cgroup_cpu_usec(cg):
    """CPU microseconds (user + system) of everything that ran in the
    cgroup directory cg so far (cpu.stat usage_usec)."""
    for line in (cg / "cpu.stat").read_text().splitlines():
        name, value = line.split()
        if name == "usage_usec":
            return int(value)
    raise SystemExit(f"{cg}/cpu.stat has no usage_usec")


def client_said(stderr, n=100):
    """What an OpenSSH client run with -v said last, without its debug
    lines and closing statistics ("" if nothing)."""
    lines = [x for x in stderr.decode(errors="replace").splitlines()
             if x.strip() and not x.startswith(("debug", "Transferred:", "Bytes per"))]
    return short(lines[-1], n) if lines else ""

# ---------------------------------------------------------------- the bench


class BenchBase:
    """A bench run: a temporary root directory, a client key, the user
    `user` (added with useradd -m, password field "*", the client key in its
    ~/.ssh/authorized_keys; its comment names the script) and /run/sshd if
    sshd needs it.  cleanup() undoes all of it and ends every process the
    bench left."""

    def __init__(self, binary, prefix, user, script):
        self.user = user
        self.comment = USER_COMMENT.format(script=script)
        self.fallbackd = Path(binary).resolve()
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        os.chmod(self.root, 0o755)
        self.made_user = False
        self.made_run_sshd = False

    def setup(self):
        keydir = self.root / "client"
        keydir.mkdir(mode=0o700)
        self.client_key = keydir / "id_ed25519"
        run(keygen_argv(self.client_key, "ed25519", "fbdbench"))
        self.client_pub = Path(f"{self.client_key}.pub").read_text()
        self.add_user()

    def add_user(self):
        try:
            pw = pwd.getpwnam(self.user)
        except KeyError:
            pw = None
        if pw is not None:
            if pw.pw_gecos != self.comment:
                raise SystemExit(f"user {self.user} exists and is not this bench's: "
                                 "not touching it")
            self.remove_user()          # a leftover of an interrupted run
        run(["useradd", "-m", "-s", "/bin/bash", "-c", self.comment, self.user])
        self.made_user = True
        # Not locked ("!" locks the account for Dropbear and OpenSSH
        # without PAM), and no password either.
        run(["usermod", "-p", "*", self.user])
        pw = pwd.getpwnam(self.user)
        ssh_dir = Path(pw.pw_dir) / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        (ssh_dir / "authorized_keys").write_text(self.client_pub)
        os.chmod(ssh_dir / "authorized_keys", 0o600)
        for p in (ssh_dir, ssh_dir / "authorized_keys"):
            os.chown(p, pw.pw_uid, pw.pw_gid)

    def remove_user(self):
        try:
            uid = pwd.getpwnam(self.user).pw_uid
        except KeyError:
            return
        for _ in range(3):
            kill_pids(pids_of_uid(uid))
            if run(["userdel", "-r", self.user], check=False).returncode in (0, 12):
                break
            time.sleep(0.2)

    def need_run_sshd(self):
        """sshd's privilege separation directory (Debian: /run/sshd, made by
        its service at start); made again if something removed it meanwhile
        (another bench's cleanup)."""
        if not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", mode=0o755)
            self.made_run_sshd = True

    def cleanup(self):
        """End what is left, remove the user, /run/sshd (if made here) and
        the root directory; returns a list of problems to report."""
        problems = []
        left = end_my_tree()
        if left:
            problems.append(f"killed {left} processes of the bench left at the end")
        self.remove_user()
        if self.made_run_sshd:
            try:
                os.rmdir("/run/sshd")
            except OSError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
        return problems


class Interrupted(BaseException):
    """SIGTERM or SIGHUP during a bench run."""


def run_bench(bench, body):
    """bench.setup(), then body(), as a bench run: SIGTERM and SIGHUP end
    it as ^C does, everything it starts stays in this process's tree (a
    subreaper), and bench.cleanup() runs whatever happens.  Returns
    (body's result, the problems cleanup reports), or None if interrupted."""
    def interrupted(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    become_subreaper()
    try:
        bench.setup()
        result = body()
    except (KeyboardInterrupt, Interrupted) as e:
        log(f"interrupted ({str(e) or 'SIGINT'}): cleaning up")
        for problem in bench.cleanup():
            log(f"cleanup: {problem}")
        return None
    except BaseException:
        bench.cleanup()
        raise
    return result, bench.cleanup()


def emit(report, problems, out=None):
    """Print the report (and write it to out), then cleanup's problems."""
    print(report, end="")
    for problem in problems:
        log(f"cleanup: {problem}")
    if out:
        Path(out).write_text(report)
