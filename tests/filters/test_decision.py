"""One decision for every front end (guard/decision.py): the headers and the
action for a Verdict, the optional full headers and Subject tag, and the
Verdict's own word for why it is incomplete."""

from __future__ import annotations

import email
import io
from email import policy
from pathlib import Path

import pytest

import guard
from guard import filter as gf
from guard import milter as gm
from guard.decision import Policy, decide
from guard.model import Level, Verdict

DATA = Path(__file__).resolve().parent / "data"
SCAM = (DATA / "scam.eml").read_bytes()
GENUINE = (DATA / "genuine.eml").read_bytes()


def verdict(level: str, score: float = 1.0, **kw) -> Verdict:
    return Verdict(level=Level(level), score=score, findings=[], advice=[], ruleset="r", **kw)


def test_incomplete_says_why_in_one_word():
    assert verdict("clear").incomplete is None
    assert verdict("clear", complete=False).incomplete == "timeout"    # the engine's budget
    v = verdict("clear", incomplete="internal")
    assert v.complete is False and v.incomplete == "internal"
    with pytest.raises(ValueError):
        verdict("clear", incomplete="tired")


def test_internal_error_of_check_is_marked_internal(monkeypatch):
    monkeypatch.setattr(guard.api, "_check", lambda *a, **k: 1 / 0)
    v = guard.check(SCAM)
    assert v.incomplete == "internal"
    d = decide(v)
    assert d.action == "accept" and d.error == "internal"
    assert d.headers[0][1].startswith("Unknown, error=internal level=clear")
    assert decide(v, Policy(on_error="tempfail")).action == "tempfail"


def test_full_headers_give_a_level_token_a_number_and_a_suspicious_flag():
    d = decide(verdict("suspicious", 4.25), Policy(headers="full"))
    assert d.headers[1:] == [("X-Guard-Flag", "SUSPICIOUS"), ("X-Guard-Level", "suspicious"),
                             ("X-Guard-Score", "4.2")]
    d = decide(verdict("fraud", 12.0), Policy(headers="full", on_fraud="reject"))
    assert d.action == "reject"
    assert [h[0] for h in d.headers] == ["X-Guard-Status", "X-Guard-Flag", "X-Guard-Level", "X-Guard-Score"]
    assert d.headers[1][1] == "FRAUD" and d.headers[2][1] == "fraud"
    # classic: what guard always wrote
    assert [h[0] for h in decide(verdict("suspicious")).headers] == ["X-Guard-Status"]
    # nothing is known: no level, no score, whatever the style
    d = decide(None, Policy(headers="full"), error="timeout", time_budget="5s")
    assert [h[0] for h in d.headers] == ["X-Guard-Status"]
    assert d.headers[0][1].startswith("Unknown, error=timeout time-budget=5s")


def test_fraud_found_before_the_budget_is_still_acted_on():
    d = decide(verdict("fraud", 9.0, complete=False), Policy(on_fraud="quarantine", on_error="tempfail"))
    assert d.action == "quarantine"
    assert "incomplete=timeout" in d.headers[0][1] and d.headers[0][1].startswith("Yes, level=fraud")


def test_too_large_is_never_tempfailed():
    d = decide(None, Policy(on_error="tempfail"), error="size", max_size=10)
    assert d.action == "accept" and d.headers[0][1].startswith("Unknown, error=too-large max-size=10")


def test_subject_tag_only_at_or_above_its_level():
    p = Policy(subject_tag="[FRAUD]")
    assert decide(verdict("fraud"), p).subject_tag == "[FRAUD]"
    assert decide(verdict("suspicious"), p).subject_tag is None
    assert decide(verdict("suspicious"), Policy(subject_tag="[?]", subject_tag_level="suspicious")).subject_tag == "[?]"
    with pytest.raises(ValueError):
        Policy(subject_tag="two\nlines")


def run_filter(raw: bytes, **opts) -> bytes:
    out = io.BytesIO()
    assert gf.filter_stream(io.BytesIO(raw), out, gf.Options(**opts))[0] == 0
    return out.getvalue()


def test_filter_tags_the_subject_in_place_and_only_once():
    out = run_filter(SCAM, subject_tag="[FRAUD]", headers="full")
    msg = email.message_from_bytes(out, policy=policy.default)
    orig = email.message_from_bytes(SCAM, policy=policy.default)["Subject"]
    assert msg["Subject"] == f"[FRAUD] {orig}"
    assert msg["X-Guard-Level"] == "fraud" and float(msg["X-Guard-Score"]) > 0
    # nothing else moved: remove the inserted headers and the tag, and it is the input
    body = out.split(b"X-Guard-Score: ", 1)[1].split(b"\n", 1)[1]
    assert body.replace(b"Subject: [FRAUD] ", b"Subject: ", 1) == SCAM
    again = run_filter(out, subject_tag="[FRAUD]")
    assert email.message_from_bytes(again, policy=policy.default)["Subject"] == f"[FRAUD] {orig}"
    # the genuine message keeps its Subject
    assert b"[FRAUD]" not in run_filter(GENUINE, subject_tag="[FRAUD]")


def test_filter_adds_a_subject_when_there_is_none():
    raw = b"".join(line for line in SCAM.splitlines(keepends=True) if not line.lower().startswith(b"subject:"))
    out = run_filter(raw, subject_tag="[FRAUD]")
    assert email.message_from_bytes(out, policy=policy.default)["Subject"] == "[FRAUD]"


def test_milter_tags_the_subject():
    from test_milter import collected

    m = collected(SCAM, gm.Settings(subject_tag="[FRAUD]", headers="full"))
    action, headers, info = m.decide()
    assert action == "accept" and m.decision.subject_tag == "[FRAUD]"
    assert ("X-Guard-Level", "fraud") in headers
    assert m.subject()[0] == 1
