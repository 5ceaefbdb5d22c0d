"""The milter's settings file (guard/settings.py): allowlists, skipping
authenticated senders and client networks, reloading on change."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from guard import milter as gm
from guard import settings as gs

DATA = Path(__file__).resolve().parent / "data"
SCAM = (DATA / "scam.eml").read_bytes()

GOOD = """
[allow]
senders = ["Jobs@Partner.example"]
sender_domains = ["trusted.example"]

[skip]
authenticated = true
client_networks = ["192.0.2.0/24", "2001:db8::/32"]
"""


def test_reasons(tmp_path):
    f = tmp_path / "guard.toml"
    f.write_text(GOOD)
    s = gs.load(str(f))
    assert s.reason("<jobs@partner.example>", None, "203.0.113.9") == "allowlist"
    assert s.reason("hr@mail.trusted.example", None, None) == "allowlist"
    assert s.reason("hr@untrusted.example", None, None) is None
    assert s.reason("hr@nottrusted.example", None, None) is None        # not a subdomain
    assert s.reason("x@gmail.com", "alice", "203.0.113.9") == "authenticated"
    assert s.reason("x@gmail.com", None, "192.0.2.77") == "network"
    assert s.reason("x@gmail.com", None, "2001:db8::5") == "network"
    assert s.reason("x@gmail.com", "", "203.0.113.9") is None


@pytest.mark.parametrize("text,word", [
    ("[allow]\nsender = []\n", "unknown key"),
    ("[alow]\n", "unknown section"),
    ("[skip]\nauthenticated = 'yes'\n", "true or false"),
    ("[skip]\nclient_networks = ['not a net']\n", "client_networks"),
    ("[skip\n", "not TOML"),
])
def test_bad_files_are_refused_with_the_reason(tmp_path, text, word):
    f = tmp_path / "guard.toml"
    f.write_text(text)
    with pytest.raises(gs.SettingsError, match=word):
        gs.load(str(f))


def test_an_edit_is_read_before_the_next_message_and_a_bad_one_keeps_the_old(tmp_path):
    f = tmp_path / "guard.toml"
    f.write_text(GOOD)
    w = gs.Watched(str(f))
    assert w.get().reason("a@trusted.example", None, None) == "allowlist"
    f.write_text("[allow]\nsender_domains = ['other.example']\n")
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert w.get().reason("a@trusted.example", None, None) is None
    assert w.get().reason("a@other.example", None, None) == "allowlist"
    f.write_text("[broken\n")
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    assert w.get().reason("a@other.example", None, None) == "allowlist"


def test_a_skipped_message_is_accepted_unchecked_with_its_reason(monkeypatch):
    import guard.api

    monkeypatch.setattr(guard.api, "check", lambda *a, **k: pytest.fail("checked a skipped message"))
    m = gm.Message(gm.Settings(on_fraud="reject"))
    m.skip = "authenticated"
    action, headers, info = m.decide()
    assert action == "accept" and info == {"skipped": "authenticated"}
    assert headers[0][1].startswith("Skipped, reason=authenticated version=")


def test_the_milter_reads_auth_authen_and_the_client_address(monkeypatch, tmp_path):
    Milter = pytest.importorskip("Milter")
    f = tmp_path / "guard.toml"
    f.write_text(GOOD)
    monkeypatch.setattr(gm, "SKIPS", gs.Watched(str(f)))
    cls = gm.make_milter_class()

    class Ctx:
        def __init__(self, auth):
            self.auth = auth

        def getsymval(self, name):
            return self.auth if name == "{auth_authen}" else None

    for auth, ip, want in (("alice", "203.0.113.9", "authenticated"), (None, "192.0.2.1", "network"),
                           (None, "203.0.113.9", None)):
        m = cls()
        m._setctx(None)
        monkeypatch.setattr(m, "getsymval", Ctx(auth).getsymval)
        m.connect("client", 4, (ip, 25))
        assert m.envfrom("<x@gmail.com>") == Milter.CONTINUE
        assert m.msg.skip == want


# -- guard filter and guard daemon: the same file, matched against --envelope-from ------

def _filter(raw: bytes, *argv: str) -> tuple[int, bytes, list[str]]:
    import argparse
    import io

    from guard import filter as gf

    p = argparse.ArgumentParser()
    gf.add_arguments(p)
    logged: list[str] = []
    opts = gf.options_from_args(p.parse_args(list(argv)), log=logged.append)
    out = io.BytesIO()
    code, _ = gf.filter_stream(io.BytesIO(raw), out, opts)
    return code, out.getvalue(), logged


def _status(out: bytes) -> str:
    import email

    return " ".join(email.message_from_bytes(out)["X-Guard-Status"].split())


def test_filter_passes_an_allowlisted_envelope_sender_unchecked_and_checks_the_rest(tmp_path):
    f = tmp_path / "guard.toml"
    f.write_text(GOOD)
    code, out, _ = _filter(SCAM, "--settings", str(f), "--envelope-from", "<jobs@partner.example>",
                           "--exit-verdict")
    assert code == 0 and _status(out).startswith("Skipped, reason=allowlist")
    assert out.endswith(SCAM.split(b"\n\n", 1)[1])          # the body as it came
    code, out, _ = _filter(SCAM, "--settings", str(f), "--envelope-from", "hr@untrusted.example",
                           "--exit-verdict")
    assert code == 20 and _status(out).startswith("Yes, level=fraud")


def test_filter_never_takes_the_allowlisted_sender_from_the_from_header(tmp_path):
    """Anybody can write a From header: without --envelope-from nothing is skipped."""
    f = tmp_path / "guard.toml"
    f.write_text(GOOD)
    forged = SCAM.replace(b"From: ", b"From: Jobs <jobs@partner.example>\nX-Old-From: ", 1)
    code, out, _ = _filter(forged, "--settings", str(f), "--exit-verdict")
    assert code == 20 and _status(out).startswith("Yes, level=fraud")


def test_filter_with_a_broken_settings_file_logs_it_and_still_checks(tmp_path):
    f = tmp_path / "guard.toml"
    f.write_text("[allow]\nsendrs = ['jobs@partner.example']\n")
    code, out, logged = _filter(SCAM, "--settings", str(f), "--envelope-from", "jobs@partner.example",
                                "--exit-verdict")
    assert code == 20 and _status(out).startswith("Yes, level=fraud")
    assert any("settings not used" in line and "sendrs" in line for line in logged)


def test_daemon_applies_its_own_settings_file_to_the_clients_envelope_sender(tmp_path):
    import subprocess
    import sys

    from mailharness import ROOT, DaemonProcess

    f = tmp_path / "guard.toml"
    f.write_text(GOOD)
    d = DaemonProcess(tmp_path, "--settings", str(f))
    try:
        def client(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "guard_client", "--socket", d.sock, *args],
                                  input=SCAM, capture_output=True, cwd=ROOT, timeout=60)

        p = client("--envelope-from", "hr@mail.trusted.example")
        assert p.returncode == 0 and _status(p.stdout).startswith("Skipped, reason=allowlist"), p.stderr
        p = client("--envelope-from", "hr@elsewhere.example", "--exit-verdict")
        assert p.returncode == 20 and _status(p.stdout).startswith("Yes, level=fraud")
    finally:
        d.stop()


def test_daemon_refuses_to_start_with_a_broken_settings_file(tmp_path):
    import subprocess
    import sys

    f = tmp_path / "guard.toml"
    f.write_text("[allow]\nsenders = 'not a list'\n")
    p = subprocess.run([sys.executable, "-m", "guard", "daemon", "--socket", str(tmp_path / "g.sock"),
                        "--settings", str(f), *(["--allow-root"] if os.geteuid() == 0 else [])],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert p.returncode == 78 and "settings" in p.stderr and "Traceback" not in p.stderr
