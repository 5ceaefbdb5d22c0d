"""Helpers for the mail-filter tests: a private Postfix instance on loopback
and a guard milter process, for the end-to-end tests (``@pytest.mark.postfix``).

The instance has its own config_directory (main.cf + master.cf written
here), queue and data directories in a temporary folder, an smtpd on a free
127.0.0.1 port, no chroot, and the ``virtual`` agent delivering every
recipient of ``guard-test.example`` to one Maildir. The system's Postfix
service is neither needed nor touched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ON_CI = os.environ.get("CI", "").lower() == "true"
DOMAIN = "guard-test.example"


def need(condition: bool, reason: str) -> None:
    """Skip when a heavy dependency is missing, but fail on CI, where
    scripts/setup --test must have installed it."""
    if condition:
        return
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: scripts/setup --test should have installed it)")
    pytest.skip(reason)


def sbin(name: str) -> str | None:
    """A Postfix program (they live in /usr/sbin, not always on PATH)."""
    return shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 15.0, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


MASTER_CF = """\
127.0.0.1:{smtp_port} inet n - n - - smtpd -o max_use=1
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
pickup    unix  n       -       n       60      1       pickup
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {base}/queue
data_directory = {base}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.{domain}
mydomain = {domain}
myorigin = $myhostname
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
local_recipient_maps =
alias_maps =
alias_database =
virtual_mailbox_domains = {domain}
virtual_mailbox_base = {base}/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_minimum_uid = 1
smtpd_milters = inet:127.0.0.1:{milter_port}
non_smtpd_milters =
milter_default_action = accept
milter_connect_timeout = 5s
milter_command_timeout = 20s
milter_content_timeout = 60s
maillog_file_prefixes = {base}
maillog_file = {base}/maillog
smtputf8_enable = no
biff = no
"""


class Postfix:
    """One private Postfix instance; see the module docstring."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.conf = base / "conf"
        self.smtp_port = free_port()
        self.milter_port = free_port()
        self.maildir = base / "mail" / "inbox"
        for d in ("conf", "queue", "data", "mail"):
            (base / d).mkdir()
        uid, gid = 65534, 65534            # nobody: the virtual agent's delivery user
        shutil.chown(base / "data", "postfix")
        os.chown(base / "mail", uid, gid)
        os.chmod(base, 0o755)
        (self.conf / "main.cf").write_text(MAIN_CF.format(base=base, domain=DOMAIN, uid=uid, gid=gid,
                                                          milter_port=self.milter_port))
        (self.conf / "master.cf").write_text(MASTER_CF.format(smtp_port=self.smtp_port))

    def cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        p = subprocess.run([sbin("postfix"), "-c", str(self.conf), *args], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        if check and p.returncode != 0:
            raise RuntimeError(f"postfix {' '.join(args)} failed ({p.returncode}): {p.stderr}\n{self.log()[-3000:]}")
        return p

    def log(self) -> str:
        try:
            return (self.base / "maillog").read_text(errors="replace")
        except OSError:
            return ""

    def start(self) -> None:
        self.cmd("check")
        self.cmd("start")
        wait_port(self.smtp_port)

    def running(self) -> bool:
        return self.cmd("status", check=False).returncode == 0

    def stop(self) -> None:
        self.cmd("stop", check=False)
        end = time.monotonic() + 10
        while self.running() and time.monotonic() < end:
            time.sleep(0.2)
        if self.running():      # still up: this instance's own master, by its pid file
            try:
                pid = int((self.base / "queue" / "pid" / "master.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass

    def set(self, **params: str) -> None:
        """Change main.cf settings; new smtpd processes (max_use=1) read them."""
        for k, v in params.items():
            subprocess.run([sbin("postconf"), "-c", str(self.conf), "-e", f"{k} = {v}"], check=True, timeout=30)
        self.cmd("reload")
        time.sleep(0.5)

    def delivered(self) -> list[bytes]:
        out = []
        for sub in ("new", "cur"):
            d = self.maildir / sub
            if d.is_dir():
                out.extend(p.read_bytes() for p in sorted(d.iterdir()))
        return out

    def wait_for(self, message_id: str, timeout: float = 30.0) -> bytes:
        needle = f"Message-ID: <{message_id}>".encode().lower()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for m in self.delivered():
                if needle in m.lower():
                    return m
            time.sleep(0.1)
        raise AssertionError(f"message <{message_id}> not delivered in {timeout} s\n{self.log()[-3000:]}")

    def queue(self) -> list[dict]:
        p = subprocess.run([sbin("postqueue"), "-c", str(self.conf), "-j"], capture_output=True, text=True, timeout=30)
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


class LoggedProcess:
    """A child process whose standard error goes to a log file (set ``proc``,
    ``log_path`` and ``log_fh``)."""

    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        self.log_fh.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log_fh.close()


class DaemonProcess(LoggedProcess):
    """``guard daemon`` in a child process on ``folder``/guard.sock (root
    runs need ``--allow-root``), started once its log says it listens."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.sock = str(folder / "guard.sock")
        self.log_path = folder / "daemon.log"
        self.log_fh = open(self.log_path, "wb")
        root_args = ["--allow-root"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen([sys.executable, "-m", "guard", "daemon", "--socket", self.sock, *root_args,
                                      *args], cwd=ROOT, stderr=self.log_fh, stdin=subprocess.DEVNULL)
        end = time.monotonic() + 30
        while "starting on" not in self.log():
            assert self.proc.poll() is None and time.monotonic() < end, self.log()
            time.sleep(0.05)


class MilterProcess(LoggedProcess):
    """``guard milter`` in a child process on 127.0.0.1:PORT."""

    def __init__(self, port: int, *args: str) -> None:
        self.port = port
        self.log_path = Path(tempfile.mkstemp(prefix="guard-milter-", suffix=".log")[1])
        self.log_fh = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "guard", "milter", "--socket", f"inet:{port}@127.0.0.1",
             *(["--allow-root"] if os.geteuid() == 0 else []), *args],
            cwd=ROOT, stdout=self.log_fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_port(port, 30, self.proc)
        except Exception:
            self.stop()
            raise RuntimeError(f"guard milter did not start: {self.log()}") from None

    def kill(self) -> None:
        """A crash: SIGKILL, no clean shutdown."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
