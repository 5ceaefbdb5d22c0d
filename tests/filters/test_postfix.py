"""End to end: a real Postfix on loopback calls ``guard milter``.

A scam is tagged, rejected or quarantined as configured; a genuine message is
delivered with the clean header; a crashed or absent milter falls back as
Postfix's ``milter_default_action`` says.
"""

from __future__ import annotations

import email
import email.utils
import smtplib
import time
from email import policy
from pathlib import Path

import pytest

from mailharness import DOMAIN

pytestmark = pytest.mark.postfix

DATA = Path(__file__).resolve().parent / "data"
RCPT = f"candidate@{DOMAIN}"


def message(name: str, message_id: str, extra_headers: bytes = b"") -> bytes:
    raw = (DATA / name).read_bytes()
    lines = raw.split(b"\n")
    lines = [b"Message-ID: <" + message_id.encode() + b">" if line.lower().startswith(b"message-id:") else line
             for line in lines]
    return extra_headers + b"\r\n".join(lines)


def send(postfix, raw: bytes) -> None:
    """Send with the envelope sender of the From header, as the real sender would."""
    sender = email.utils.parseaddr(parsed(raw)["From"])[1]
    with smtplib.SMTP("127.0.0.1", postfix.smtp_port, timeout=60) as s:
        s.sendmail(sender, [RCPT], raw)


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.compat32)


def unfold(v: str) -> str:
    return " ".join(v.split())


def body_of(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]


def test_tag_mode_tags_the_scam_and_marks_the_genuine_message_clean(postfix, milter_factory):
    postfix.set(milter_default_action="tempfail")
    m = milter_factory("--on-fraud", "tag")
    forged = b"X-Guard-Status: No, level=clear score=0.0 tests=none version=0.1.0\r\nX-Guard-Flag: CLEAN\r\n"
    scam = message("scam.eml", "scam-tag@example.net", forged)
    send(postfix, scam)
    send(postfix, message("genuine.eml", "genuine-tag@example.org"))

    got = parsed(postfix.wait_for("scam-tag@example.net"))
    statuses = got.get_all("X-Guard-Status")
    assert len(statuses) == 1, statuses
    assert unfold(statuses[0]).startswith("Yes, level=fraud score=")
    assert "GRD" in statuses[0]
    assert got.get_all("X-Guard-Flag") == ["FRAUD"]
    # the sender's forged verdict is kept for the record under another name
    assert unfold(got["X-Prev-Guard-Status"]).startswith("No, level=clear")
    assert got["X-Prev-Guard-Flag"] == "CLEAN"
    assert body_of(postfix.wait_for("scam-tag@example.net")) == body_of(scam)

    clean = parsed(postfix.wait_for("genuine-tag@example.org"))
    assert unfold(clean["X-Guard-Status"]).startswith("No, level=clear score=")
    assert clean["X-Guard-Flag"] is None
    # the milter logs the verdict, never the content
    log = m.log()
    assert "level=fraud" in log and "level=clear" in log
    for secret in ("Western Union", "Offer of employment", "ilo.recruitment.desk", "candidate@"):
        assert secret not in log


def test_reject_mode_rejects_the_scam_with_550(postfix, milter_factory):
    postfix.set(milter_default_action="tempfail")
    milter_factory("--on-fraud", "reject")
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(postfix, message("scam.eml", "scam-reject@example.net"))
    assert e.value.smtp_code == 550
    assert b"5.7.1" in e.value.smtp_error and b"ILO recruitment fraud" in e.value.smtp_error
    send(postfix, message("genuine.eml", "genuine-reject@example.org"))
    clean = parsed(postfix.wait_for("genuine-reject@example.org"))
    assert unfold(clean["X-Guard-Status"]).startswith("No, level=clear")
    time.sleep(0.5)
    assert not any(b"scam-reject@example.net" in m for m in postfix.delivered())
    assert "milter-reject" in postfix.log()


def test_quarantine_mode_holds_the_scam(postfix, milter_factory):
    postfix.set(milter_default_action="tempfail")
    milter_factory("--on-fraud", "quarantine")
    send(postfix, message("scam.eml", "scam-hold@example.net"))      # accepted: 250
    send(postfix, message("genuine.eml", "genuine-hold@example.org"))
    postfix.wait_for("genuine-hold@example.org")
    held = [q for q in postfix.queue() if q.get("queue_name") == "hold"]
    assert len(held) == 1 and held[0]["recipients"][0]["address"] == RCPT
    assert not any(b"scam-hold@example.net" in m for m in postfix.delivered())


def test_crashed_milter_with_default_action_accept_delivers_untagged(postfix, milter_factory):
    postfix.set(milter_default_action="accept")
    m = milter_factory("--on-fraud", "reject")
    send(postfix, message("genuine.eml", "before-crash@example.org"))
    assert parsed(postfix.wait_for("before-crash@example.org"))["X-Guard-Status"] is not None
    m.kill()
    send(postfix, message("scam.eml", "after-crash@example.net"))    # not rejected: nobody checked it
    got = parsed(postfix.wait_for("after-crash@example.net"))
    assert got["X-Guard-Status"] is None


def test_absent_milter_with_default_action_tempfail_defers(postfix, milter_factory):
    postfix.set(milter_default_action="tempfail")
    with pytest.raises(smtplib.SMTPException) as e:
        send(postfix, message("genuine.eml", "no-milter@example.org"))
    code = getattr(e.value, "smtp_code", None)
    if code is None and isinstance(e.value, smtplib.SMTPRecipientsRefused):
        code = next(iter(e.value.recipients.values()))[0]
    assert code is not None and 400 <= code < 500, e.value
    time.sleep(0.5)
    assert not any(b"no-milter@example.org" in m for m in postfix.delivered())


def test_sigusr1_reloads_the_milter_which_keeps_serving(postfix, milter_factory):
    """``systemctl reload`` (SIGUSR1: libmilter stops on SIGHUP) gives new
    workers from a new spawner, and mail goes on being checked."""
    import os
    import signal

    postfix.set(milter_default_action="tempfail")
    m = milter_factory("--on-fraud", "tag")
    send(postfix, message("scam.eml", "before-reload@example.net"))
    assert unfold(parsed(postfix.wait_for("before-reload@example.net"))["X-Guard-Status"]).startswith("Yes, level=fraud")
    os.kill(m.proc.pid, signal.SIGUSR1)
    end = time.monotonic() + 30
    while "reloaded: guard " not in m.log():
        assert time.monotonic() < end and m.proc.poll() is None, m.log()
        time.sleep(0.1)
    send(postfix, message("scam.eml", "after-reload@example.net"))
    assert unfold(parsed(postfix.wait_for("after-reload@example.net"))["X-Guard-Status"]).startswith("Yes, level=fraud")
    assert m.proc.poll() is None
