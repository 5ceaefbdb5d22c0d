"""scripts/install-mail, the operator install: a venv with the milter extra
in a prefix, guard on PATH, the systemd unit. Run into a temporary prefix
with ``--no-user`` (no system user is created on the test machine) and
``--no-systemctl``; then the unit's own ExecStart command line, parsed from
the unit file, is run without systemd as the unit's User and Group, and a
private Postfix uses its unix socket."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import smtplib
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from mailharness import DOMAIN, ROOT, need

pytestmark = pytest.mark.postfix
DATA = Path(__file__).resolve().parent / "data"


def unit_service(path: Path) -> dict[str, str]:
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.optionxform = str
    cp.read(path)
    return dict(cp["Service"])


@pytest.fixture(scope="module")
def installed():
    need(os.geteuid() == 0, "the install test runs the milter as another user (needs root)")
    need(Path("/usr/bin/python3").exists(), "the system's Python (python3) is not installed")
    base = Path(tempfile.mkdtemp(prefix="guard-install-"))
    base.chmod(0o755)
    sock = base / "spool" / "guard" / "milter.sock"
    p = subprocess.run([str(ROOT / "scripts" / "install-mail"), "--prefix", str(base / "opt"),
                        "--bin-dir", str(base / "bin"), "--unit-dir", str(base / "units"),
                        "--user", "nobody", "--group", "postfix", "--socket", str(sock),
                        "--no-user", "--no-systemctl", "--no-apt"],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr
    yield base, sock
    shutil.rmtree(base, ignore_errors=True)


def test_install_puts_guard_on_path_in_its_own_venv(installed):
    base, _ = installed
    guard = base / "bin" / "guard"
    assert guard.is_symlink() and os.readlink(guard) == str(base / "opt" / "bin" / "guard")
    p = subprocess.run([str(guard), "filter"], input=(DATA / "scam.eml").read_bytes(), capture_output=True,
                       timeout=60)
    assert p.returncode == 0 and p.stdout.startswith(b"X-Guard-Status: Yes, level=fraud")
    assert (base / "bin" / "guard-client").exists()


def test_unit_runs_as_its_own_user_restarts_on_failure_with_the_socket_in_the_spool(installed):
    base, sock = installed
    svc = unit_service(base / "units" / "guard-milter.service")
    assert svc["User"] == "nobody" and svc["Group"] == "postfix"
    assert svc["Restart"] == "on-failure"
    argv = shlex.split(svc["ExecStart"])
    assert argv[:2] == [str(base / "opt" / "bin" / "guard"), "milter"]
    assert "--allow-root" not in argv
    assert argv[argv.index("--socket") + 1] == f"unix:{sock}"
    assert argv[argv.index("--socket-mode") + 1] == "0660" and argv[argv.index("--group") + 1] == "postfix"
    # the folder of the socket belongs to the user, readable by Postfix's group
    st = os.stat(sock.parent)
    assert stat.S_IMODE(st.st_mode) == 0o750 and st.st_uid == 65534


def test_the_units_command_line_serves_postfix_on_its_unix_socket(installed, postfix):
    base, sock = installed
    svc = unit_service(base / "units" / "guard-milter.service")
    argv = shlex.split(svc["ExecStart"])
    log = open(base / "milter.log", "wb")
    proc = subprocess.Popen(["runuser", "-u", svc["User"], "-g", svc["Group"], "--", *argv],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd="/")
    try:
        end = time.monotonic() + 30
        while not sock.exists():
            assert proc.poll() is None and time.monotonic() < end, (base / "milter.log").read_text()
            time.sleep(0.1)
        time.sleep(0.3)             # the group is handed over just after the socket appears
        st = os.stat(sock)
        assert stat.S_IMODE(st.st_mode) == 0o660
        import grp
        assert st.st_gid == grp.getgrnam("postfix").gr_gid
        postfix.set(smtpd_milters=f"unix:{sock}", milter_default_action="tempfail")
        raw = (DATA / "scam.eml").read_bytes().replace(b"\n", b"\r\n")
        raw = b"Message-ID: <installed-1@example.net>\r\n" + b"\r\n".join(
            line for line in raw.split(b"\r\n") if not line.lower().startswith(b"message-id:"))
        with smtplib.SMTP("127.0.0.1", postfix.smtp_port, timeout=60) as s:
            s.sendmail("someone@example.net", [f"candidate@{DOMAIN}"], raw)
        got = postfix.wait_for("installed-1@example.net")
        assert b"X-Guard-Status: Yes, level=fraud" in got and b"X-Guard-Flag: FRAUD" in got
        text = (base / "milter.log").read_text()
        assert "starting on unix:" in text and "rule packs" in text
        # systemctl reload runs the unit's ExecReload with the main pid (the
        # milter: runuser may have forked it as its child)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        main_pid = children[0] if children else str(proc.pid)
        subprocess.run(shlex.split(svc["ExecReload"].replace("$MAINPID", main_pid)), check=True)
        end = time.monotonic() + 30
        while "reloaded: guard " not in (base / "milter.log").read_text():
            assert proc.poll() is None and time.monotonic() < end, (base / "milter.log").read_text()
            time.sleep(0.1)
        assert proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
