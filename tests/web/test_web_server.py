"""`python -m web` really serves (waitress on loopback) and logs no message."""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from web import SETTINGS
from web_helpers import SCAMS

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


@contextlib.contextmanager
def served_process(settings: dict[str, str]):
    """``python -m web`` on a free loopback port with these GUARD_* settings."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(GUARD_HOST="127.0.0.1", GUARD_PORT=str(port), PYTHONUNBUFFERED="1", **settings)
    proc = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.poll() is not None else ""
                pytest.fail(f"python -m web did not start: {out}")
            time.sleep(0.1)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def served():
    with served_process({"GUARD_RATELIMIT": "5 per minute"}) as running:
        yield running


def test_python_m_web_serves_the_page_and_api_without_logging_messages(served):
    port, proc = served
    status, headers, body = _request(port, "GET", "/", headers={"Accept-Language": "fr"})
    assert status == 200 and b'lang="fr"' in body
    assert headers["Server"] == "guard"
    marker = "Marker-4410 " + SCAMS["en"][0].replace("ilo.recruitment.office", "ilo.m4410")
    status, headers, body = _request(
        port, "POST", "/api/v1/check", json.dumps({"message": marker}).encode(),
        {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["level"] in ("suspicious", "fraud")
    form = urllib.parse.urlencode({"message": marker})
    status, headers, body = _request(port, "POST", "/", form.encode(),
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and b"Marker-4410" in body
    assert headers["Cache-Control"] == "no-store"
    # a body over waitress's own bound is refused before the app sees it
    big = b"x" * (11 * 1024 * 1024)
    try:
        status, _, _ = _request(port, "POST", "/api/v1/check", big,
                                {"Content-Type": "message/rfc822"})
        assert status == 413
    except (ConnectionError, OSError):
        pass    # waitress may close the connection while the body is still being sent
    # the per-client limit applies across requests (5 per minute: 2 used above)
    statuses = [_request(port, "POST", "/api/v1/check", b'{"message": "hi"}',
                         {"Content-Type": "application/json"})[0] for _ in range(4)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    proc.send_signal(signal.SIGTERM)
    out = proc.communicate(timeout=10)[0].decode(errors="replace")
    assert "Marker-4410" not in out
    assert "m4410" not in out
    assert "Serving on http://127.0.0.1" in out


def test_bad_setting_stops_the_server_with_a_clear_message():
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(GUARD_PORT=str(_free_port()), GUARD_MAX_MESSAGE_CHARS="many")
    r = subprocess.run([sys.executable, "-m", "web"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 64
    assert "GUARD_MAX_MESSAGE_CHARS" in r.stderr
