"""``guard daemon`` and its thin client (guard_client.py): the same output
and exit codes as ``guard filter``, failing open when the daemon is down,
and the service behaviour (socket mode, in use, missing folder, root,
SIGHUP)."""

from __future__ import annotations

import io
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from guard import filter as gf
from mailharness import DaemonProcess as Daemon

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SCAM = (DATA / "scam.eml").read_bytes()
GENUINE = (DATA / "genuine.eml").read_bytes()
ROOT_ARGS = ["--allow-root"] if os.geteuid() == 0 else []

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the daemon needs POSIX")


@pytest.fixture(scope="module")
def daemon():
    folder = Path(tempfile.mkdtemp(prefix="guard-daemon-"))
    d = Daemon(folder)
    yield d
    d.stop()


def client(sock: str, *args: str, stdin: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "guard_client", "--socket", sock, *args], input=stdin,
                          capture_output=True, cwd=ROOT, timeout=60)


def filtered(raw: bytes, **opts) -> tuple[int, bytes]:
    out = io.BytesIO()
    code, _ = gf.filter_stream(io.BytesIO(raw), out, gf.Options(**opts))
    return code, out.getvalue()


def every_message() -> list[Path]:
    return sorted(p for base in ("tests/fixtures", "tests/corpus") for p in (ROOT / base).rglob("*")
                  if p.is_file() and p.suffix in (".eml", ".txt"))


def test_client_output_and_exit_code_equal_guard_filters_on_fixture_and_corpus_messages(daemon):
    """Every fourth message of tests/fixtures and tests/corpus (.eml and .txt,
    in name order; all of them take about three minutes here), with
    --exit-verdict so that the exit code tells the level too; compared with
    guard filter's own code run here, and with the command itself on a
    smaller sample."""
    files = every_message()
    assert len(files) > 100
    for path in files[::4]:
        raw = path.read_bytes()
        p = client(daemon.sock, "--exit-verdict", stdin=raw)
        want_code, want = filtered(raw, exit_verdict=True)
        assert (p.returncode, p.stdout) == (want_code, want), path
    for path in files[::100]:
        raw = path.read_bytes()
        cmd = subprocess.run([sys.executable, "-m", "guard", "filter", "--exit-verdict", "--headers", "full"],
                             input=raw, capture_output=True, cwd=ROOT, timeout=60)
        p = client(daemon.sock, "--exit-verdict", "--headers", "full", stdin=raw)
        assert (p.returncode, p.stdout) == (cmd.returncode, cmd.stdout), path


def test_client_takes_the_filters_options_and_usage_errors(daemon):
    p = client(daemon.sock, "--headers", "full", "--subject-tag", "[FRAUD]", stdin=SCAM)
    assert p.returncode == 0
    assert p.stdout == filtered(SCAM, headers="full", subject_tag="[FRAUD]")[1]
    p = client(daemon.sock, "--max-size", "100", stdin=SCAM + b"x" * 3_000_000)
    assert p.returncode == 0 and p.stdout == filtered(SCAM + b"x" * 3_000_000, max_size=100)[1]
    assert client(daemon.sock, "--on-error", "drop", stdin=SCAM).returncode == 64
    assert client(daemon.sock, stdin=b"").returncode == 0


def test_client_fails_open_when_the_daemon_is_down(tmp_path):
    p = client(str(tmp_path / "nobody-listens.sock"), "--exit-verdict", stdin=SCAM)
    assert (p.returncode, p.stdout) == filtered(SCAM, exit_verdict=True)
    assert b"not reachable" in p.stderr


def test_socket_mode_and_sighup_reload(daemon):
    assert stat.S_IMODE(os.stat(daemon.sock).st_mode) == 0o660
    assert "rule packs " in daemon.log() and "guard 0." in daemon.log()
    os.kill(daemon.proc.pid, signal.SIGHUP)
    end = time.monotonic() + 30
    while "reloaded" not in daemon.log():
        assert time.monotonic() < end and daemon.proc.poll() is None, daemon.log()
        time.sleep(0.1)
    p = client(daemon.sock, stdin=GENUINE)
    assert p.returncode == 0 and p.stdout == filtered(GENUINE)[1]
    for secret in (b"Western Union", b"vacancy notice"):
        assert secret.decode() not in daemon.log()


def _daemon_cmd(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "guard", "daemon", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_clear_errors_for_a_socket_in_use_a_missing_folder_and_root(daemon, tmp_path):
    p = _daemon_cmd("--socket", daemon.sock, *ROOT_ARGS)
    assert p.returncode == 71 and "in use by another process" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    p = _daemon_cmd("--socket", str(tmp_path / "missing" / "guard.sock"), *ROOT_ARGS)
    assert p.returncode == 71 and "does not exist" in p.stderr and "Traceback" not in p.stderr
    if os.geteuid() == 0:
        p = _daemon_cmd("--socket", str(tmp_path / "g.sock"))
        assert p.returncode == 77 and "refusing to run as root" in p.stderr


def test_metrics_count_fifty_messages_by_level_and_action(tmp_path):
    pytest.importorskip("prometheus_client")
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = Daemon(tmp_path, "--metrics", f"127.0.0.1:{port}")
    try:
        for i in range(50):
            raw = SCAM if i % 5 < 3 else GENUINE          # 30 scams, 20 genuine
            args = ["--max-size", "100"] if i == 49 else []   # the last genuine one: too large
            assert client(d.sock, *args, stdin=raw).returncode == 0
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        health = urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10)
        assert health.status == 200 and health.read() == b"ok\n"
    finally:
        d.stop()

    def value(line_start: str) -> float:
        found = [line for line in text.splitlines() if line.startswith(line_start)]
        assert len(found) == 1, (line_start, text)
        return float(found[0].rsplit(" ", 1)[1])

    assert value('guard_messages_total{action="accept",error="none",level="fraud"}') == 30
    assert value('guard_messages_total{action="accept",error="none",level="clear"}') == 19
    assert value('guard_messages_total{action="accept",error="too-large",level="none"}') == 1
    assert value("guard_check_seconds_count") == 50


def test_json_log_lines_and_syslog_carry_the_start_up_line_and_no_content(tmp_path):
    """An operator's log collector reads one JSON object a line on standard
    error, and syslog (facility mail) gets the same events; neither holds
    anything of a message."""
    import json
    import socket

    syslog_path = str(tmp_path / "log.sock")
    collector = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    collector.bind(syslog_path)
    collector.settimeout(10)
    d = Daemon(tmp_path, "--log-format", "json", "--syslog", "--syslog-socket", syslog_path)
    try:
        p = client(d.sock, stdin=SCAM)
        assert p.returncode == 0 and p.stdout == filtered(SCAM)[1]
        os.kill(d.proc.pid, signal.SIGHUP)
        end = time.monotonic() + 30
        while "reloaded" not in d.log():
            assert time.monotonic() < end and d.proc.poll() is None, d.log()
            time.sleep(0.1)
        lines = [json.loads(line) for line in d.log().splitlines() if line.strip()]
        assert all({"time", "level", "message", "pid"} <= set(r) for r in lines)
        start = next(r for r in lines if r["message"].startswith("starting on"))
        assert "rule packs " in start["message"] and "guard 0." in start["message"]
        assert start["level"] == "info" and start["pid"] == d.proc.pid
        datagrams = []
        while len(datagrams) < 2:
            datagrams.append(collector.recv(65536).decode())
        # <22> is facility mail (2) at level info (6)
        assert datagrams[0].startswith(f"<22>guard-daemon[{d.proc.pid}]: ")
        assert "starting on" in datagrams[0] and "reloaded" in datagrams[1]
        for secret in ("Western Union", "vacancy", "Subject"):
            assert secret not in d.log() and not any(secret in g for g in datagrams)
    finally:
        d.stop()
        collector.close()
