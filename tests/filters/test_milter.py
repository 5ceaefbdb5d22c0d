"""The milter's decisions and its pymilter callbacks, without an MTA
(tests/filters/test_postfix.py runs it under a real Postfix)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import guard.api
from guard import milter as gm
from guard.filter import FLAG, STATUS

from mailharness import need

DATA = Path(__file__).resolve().parent / "data"
SCAM = (DATA / "scam.eml").read_bytes()
GENUINE = (DATA / "genuine.eml").read_bytes()


def collected(raw: bytes, settings: gm.Settings, mail_from: bytes = b"") -> gm.Message:
    """A Message as the milter callbacks would fill it (libmilter hands over
    unfolded names and values without the leading space)."""
    m = gm.Message(settings)
    m.mail_from = mail_from
    head, _, body = raw.partition(b"\n\n")
    fields: list[list[bytes]] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += b"\n" + line
        else:
            name, _, value = line.partition(b":")
            fields.append([name, value.lstrip(b" ")])
    for name, value in fields:
        m.add_header(name.decode(), value)
    for i in range(0, len(body), 100):
        m.add_body(body[i:i + 100].replace(b"\n", b"\r\n"))
    return m


def test_scam_tagged_by_default_and_rejected_or_quarantined_as_set():
    action, headers, info = collected(SCAM, gm.Settings()).decide()
    assert action == "accept"
    assert headers[0][0] == STATUS and headers[0][1].startswith("Yes, level=fraud")
    assert headers[1] == (FLAG, "FRAUD")
    assert info["level"] == "fraud" and info["tests"].startswith("GRD")
    assert collected(SCAM, gm.Settings(on_fraud="reject")).decide()[0] == "reject"
    assert collected(SCAM, gm.Settings(on_fraud="quarantine")).decide()[0] == "quarantine"


def test_genuine_is_accepted_with_the_clean_header_whatever_on_fraud_says():
    for mode in ("tag", "reject", "quarantine"):
        action, headers, _ = collected(GENUINE, gm.Settings(on_fraud=mode), b"talent@ilo.org").decide()
        assert action == "accept"
        assert [h[0] for h in headers] == [STATUS]
        assert headers[0][1].startswith("No, level=clear")


def test_too_large_is_accepted_unchecked(monkeypatch):
    monkeypatch.setattr(guard.api, "check", lambda *a, **k: pytest.fail("checked a message over the size cap"))
    m = collected(SCAM, gm.Settings(on_fraud="reject", max_size=200))
    assert len(m.body) <= 200            # the excess is not kept in memory
    action, headers, info = m.decide()
    assert action == "accept" and info == {"error": "too-large"}
    assert headers[0][1].startswith("Unknown, error=too-large max-size=200")


def _boom(*a, **k):
    raise RuntimeError("boom")


def test_internal_error_fails_open_or_tempfails_as_set(monkeypatch):
    monkeypatch.setattr(guard.api, "_check", _boom)
    action, headers, _ = collected(SCAM, gm.Settings(on_fraud="reject")).decide()
    assert action == "accept" and headers[0][1].startswith("Unknown, error=internal")
    assert collected(SCAM, gm.Settings(on_error="tempfail")).decide()[0] == "tempfail"


def test_time_budget(monkeypatch):
    monkeypatch.setattr(guard.api, "check", lambda *a, **k: time.sleep(3))
    t0 = time.monotonic()
    action, headers, _ = collected(SCAM, gm.Settings(time_budget=0.2, on_fraud="reject")).decide()
    assert time.monotonic() - t0 < 2
    assert action == "accept" and headers[0][1].startswith("Unknown, error=timeout time-budget=0.2s")
    assert collected(SCAM, gm.Settings(time_budget=0.2, on_error="tempfail")).decide()[0] == "tempfail"


def test_forged_headers_are_found_with_their_per_name_index():
    m = gm.Message(gm.Settings())
    for name, value in [("X-Guard-Status", b"No"), ("Subject", b"s"), ("x-guard-status", b"No again"),
                        ("X-Guard-Flag", b"CLEAN"), ("X-Guardian", b"not ours")]:
        m.add_header(name, value)
    assert m.forged() == [("X-Guard-Flag", 1, b"CLEAN"), ("x-guard-status", 2, b"No again"),
                          ("X-Guard-Status", 1, b"No")]


def test_header_value_is_folded_for_the_mta():
    value = "Yes, level=fraud score=42.0 tests=" + ",".join(f"GRD{i}" for i in range(100, 120)) + " version=0.1.0"
    v = gm.header_value(STATUS, value)
    assert "\n\t" in v and not v.startswith(STATUS) and not v.endswith("\n")
    assert " ".join(v.replace(",\n\t", ",").split()) == value


def test_settings_reject_bad_values():
    with pytest.raises(ValueError):
        gm.Settings(on_fraud="drop")
    with pytest.raises(ValueError):
        gm.Settings(on_error="discard")


# -- the pymilter class, with a recording context ---------------------------------------

class Ctx:
    """Stands in for libmilter's context: records the actions asked of the MTA."""

    def __init__(self):
        self.calls = []
        self.priv = None

    def setpriv(self, p):
        self.priv = p

    def getsymval(self, name):
        return "QID123" if name == "i" else None

    def addheader(self, field, value, idx):
        self.calls.append(("add", field, value, idx))

    def chgheader(self, field, idx, value):
        self.calls.append(("chg", field, idx, value))

    def setreply(self, *args):
        self.calls.append(("reply",) + args)

    def quarantine(self, reason):
        self.calls.append(("quarantine", reason))


@pytest.fixture
def milter_class():
    try:
        import Milter  # noqa: F401
    except ImportError:
        need(False, "pymilter is not installed (pip install '.[milter]')")
    return gm.make_milter_class()


def feed(cls, raw: bytes, monkeypatch, **settings):
    import Milter

    monkeypatch.setattr(gm, "SETTINGS", gm.Settings(**settings))
    ctx = Ctx()
    m = cls()
    m._setctx(ctx)
    m._actions = Milter.CURR_ACTS
    assert m.envfrom("<someone@example.net>") == Milter.CONTINUE
    src = collected(raw, gm.SETTINGS)
    for name, value in src.headers:
        m.header(name, value)
    m.body(bytes(src.body))
    return m.eom(), ctx.calls


def test_milter_tags_and_renames(milter_class, monkeypatch, caplog):
    import Milter

    raw = b"X-Guard-Status: No, level=clear\nX-Guard-Flag: CLEAN\n" + SCAM
    with caplog.at_level("INFO", logger="guard.milter"):
        rc, calls = feed(milter_class, raw, monkeypatch)
    assert rc == Milter.ACCEPT
    assert ("chg", "X-Guard-Flag", 1, None) in calls and ("chg", "X-Guard-Status", 1, None) in calls
    assert ("add", "X-Prev-Guard-Status", "No, level=clear", -1) in calls
    adds = [c for c in calls if c[0] == "add" and c[3] >= 0]
    assert [(c[1], c[3]) for c in adds] == [(STATUS, 0), (FLAG, 1)]
    assert adds[0][2].startswith("Yes, level=fraud")
    # deletions come before the additions, so the indexes refer to the incoming fields
    assert max(i for i, c in enumerate(calls) if c[0] == "chg") < min(i for i, c in enumerate(calls) if c[0] == "add")
    text = caplog.text
    assert "QID123" in text and "level=fraud" in text
    assert "Western Union" not in text and "gmail" not in text and "someone@" not in text


def test_milter_rejects_with_550(milter_class, monkeypatch):
    import Milter

    rc, calls = feed(milter_class, SCAM, monkeypatch, on_fraud="reject")
    assert rc == Milter.REJECT
    assert calls == [("reply", "550", "5.7.1", gm.REJECT_REPLY[2])]


def test_milter_quarantines(milter_class, monkeypatch):
    import Milter

    rc, calls = feed(milter_class, SCAM, monkeypatch, on_fraud="quarantine")
    assert rc == Milter.ACCEPT
    assert ("quarantine", gm.QUARANTINE_REASON) in calls


def test_milter_bug_still_accepts_or_tempfails(milter_class, monkeypatch):
    import Milter

    monkeypatch.setattr(gm.Message, "decide", _boom)
    rc, calls = feed(milter_class, SCAM, monkeypatch)
    assert rc == Milter.ACCEPT
    assert calls[-1][:2] == ("add", STATUS) and calls[-1][2].startswith("Unknown, error=internal")
    rc, calls = feed(milter_class, SCAM, monkeypatch, on_error="tempfail")
    assert rc == Milter.TEMPFAIL and calls == [("reply",) + gm.TEMPFAIL_REPLY]
