"""Shared pieces of the hostile-input suite (tests/robustness) and the fuzzers.

The time bound each hostile input must meet, whatever the machine:

* ``check(msg, time_budget=BUDGET)`` is called; the engine stops matching
  rules once ``BUDGET`` seconds have passed (the verdict then says
  ``complete=False`` with a note). Parsing is bounded by size, not time:
  25 MB per message, 8 KB per header value, 200 MIME parts, 20 levels of
  nesting, 2,000,000 characters per text view (guard/parse.py).
* so a verdict must come back within ``BOUND`` seconds of wall-clock time:
  the budget, plus the bounded parse, plus one rule that was already running
  when the budget ran out. ``BOUND`` is generous (CI machines are shared and
  slow); a catastrophic case (backtracking, quadratic parsing) takes minutes
  or hours, not seconds. Set GUARD_ROBUSTNESS_BOUND to change it.

Nothing here limits time from the outside (no thread, no alarm): if the
engine did not bound itself, the test would hang, and pytest's own timeout
(none) would not save it. That is the point.
"""

from __future__ import annotations

import json
import os
import time

from guard import Level, Verdict, check

BUDGET = 1.0
BOUND = float(os.environ.get("GUARD_ROBUSTNESS_BOUND", "20"))


def assert_sound(v: Verdict) -> None:
    """What every verdict must satisfy, however hostile the input."""
    assert isinstance(v, Verdict)
    assert v.level in (Level.CLEAR, Level.SUSPICIOUS, Level.FRAUD)
    # check() fails open on an internal error: for this suite that is a bug
    assert not any(n.startswith("internal error") for n in v.notes), v.notes
    for f in v.findings:
        for e in f.evidence:
            view = v.views[e.field]
            assert 0 <= e.start <= e.end <= len(view), (f.rule_id, e)
            assert view[e.start:e.end] == e.text, (f.rule_id, e)
    # the JSON form must always be producible (the web page and scan print it)
    json.dumps(v.to_dict(include_views=True))


def run(message, **kw) -> tuple[Verdict, float]:
    kw.setdefault("time_budget", BUDGET)
    t = time.perf_counter()
    v = check(message, **kw)
    elapsed = time.perf_counter() - t
    assert_sound(v)
    assert elapsed < BOUND, f"took {elapsed:.1f} s (bound {BOUND} s)"
    return v, elapsed


# -- every hostile shape of this folder, as a function of a size factor ------------------
#
# ``SHAPES[name](k)`` builds the shape at k times its base size (k = 1, 2, 4, 8).
# test_linear.py checks that check()'s time grows no faster than the size;
# test_hostile_input.py, test_pattern_adversarial.py and test_caps.py check
# what the verdicts say at the sizes they use. A new hostile shape belongs here
# too, so that its growth is measured.

SCAM = (
    "Dear candidate,\n\nYou have been selected for the post of Programme Officer at the "
    "International Labour Organization (ILO) in Geneva. To confirm your appointment you must "
    "pay a processing fee of USD 350 by Western Union before Friday. Send your bank account "
    "number and a copy of your passport to complete the employment contract.\n"
)
_HEAD = ("From: ILO Recruitment <ilo.recruitment.office@gmail.com>\r\nTo: you@example.com\r\n"
         "Subject: Job offer from the International Labour Organization\r\nMIME-Version: 1.0\r\n")
KB = 1024


def _rep(unit: str, chars: int) -> str:
    return unit * max(1, chars // len(unit))


def _mail(body, ctype: str = "text/plain; charset=utf-8", extra: str = "") -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    return (_HEAD + (f"Content-Type: {ctype}\r\n" if ctype else "") + extra + "\r\n").encode() + body


def _html(markup: str) -> bytes:
    return _mail(markup, "text/html; charset=utf-8")


def _nested(depth: int) -> bytes:
    out = [f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth)]
    out.append(f"Content-Type: text/plain\r\n\r\n{SCAM}\r\n")
    out += [f"--b{i}--\r\n" for i in reversed(range(depth))]
    return _HEAD.encode() + "".join(out).encode()


def _parts(n: int, inner: str) -> bytes:
    body = "".join(f"--P\r\n{inner}" for _ in range(n)) + "--P--\r\n"
    return _mail(body, 'multipart/mixed; boundary="P"')


def _header(name: str, value: str) -> bytes:
    return (f"{name}: {value}\r\n" + _HEAD + "\r\n" + SCAM).encode()


# (unit, characters at 1x) of the generic strings of test_pattern_adversarial.py, as pasted text
_GENERIC = [("a", 12_500), ("a.", 12_500), ("a-", 12_500), ("a@", 12_500), ("a.", 12_500), ("x" * 64 + "@", 16_000),
            ("a" * 63 + ".", 16_000), ("www.", 12_000), ("a", 12_500), ("=?", 12_500), ("From:", 12_500),
            (" ", 12_500), ("\n", 12_500), (". ", 12_500), ("a ", 12_500), ("a.b.c.", 12_000),
            ("f e e ", 12_000), ("f*e*e*", 12_000), ("ab|", 12_000), ("1,", 12_500), ("$", 12_500),
            ("é ", 12_500), ("<a ", 12_000), ("no ", 12_000), ("ne pas ", 12_000)]
_GENERIC_HEADS = {3: "", 4: "@", 8: "http://", 10: "From: "}
_GENERIC_TAILS = {2: "@", 11: "x", 12: "x", 23: "fee", 24: "frais", 6: "1"}

SHAPES: dict = {
    # size
    "plain body of filler and a scam": lambda k: _mail(SCAM + _rep("The weather is mild with some rain. ", 80 * KB * k)),
    "pasted text of one letter": lambda k: SCAM + "x" * (150 * KB * k),
    **{f"one repeated token {t!r}": (lambda t: lambda k: _rep(t, 60 * KB * k).encode("utf-8"))(t)
       for t in ["a", "fee ", "ILO ", "@", "http://", "f e e ", "\u200b", "é"]},
    "one long header line": lambda k: _mail(SCAM, extra="X-Long: " + "a" * (400 * KB * k) + "\r\n"),
    "base64 attachment beside the scam": lambda k: _mail(
        b"--B\r\nContent-Type: text/plain\r\n\r\n" + SCAM.encode() + b"\r\n--B\r\nContent-Type: "
        b"application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + __import__("base64").encodebytes(b"\x00\xff" * (100 * KB * k)) + b"--B--\r\n",
        'multipart/mixed; boundary="B"'),
    # MIME structure
    "MIME nested deep": lambda k: _nested(60 * k),
    "many text parts": lambda k: _parts(400 * k, f"Content-Type: text/plain\r\n\r\n{SCAM}\r\n"),
    "many message/rfc822 parts": lambda k: _parts(
        400 * k, "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nhello\r\n"),
    "boundary lines everywhere": lambda k: _mail("--X\r\n" * (10_000 * k), 'multipart/mixed; boundary="X"'),
    "boundary that never occurs": lambda k: _mail(_rep(SCAM, 100 * KB * k), 'multipart/alternative; boundary="no"'),
    # headers
    "subject of many encoded words": lambda k: _header(
        "Subject", " ".join(["=?utf-8?B?ZmVl?=", "=?iso-8859-1?Q?fr=E9is?="] * (500 * k))),
    **{f"many addresses in {h}": (lambda h: lambda k: _header(
        h, ", ".join(f"User {i} <user{i}@example{i % 97}.com>" for i in range(1000 * k))))(h)
       for h in ["To", "Cc", "From", "Reply-To"]},
    "many header fields": lambda k: _mail(SCAM, extra="".join(f"X-H{i}: value {i}\r\n" for i in range(2000 * k))),
    "header folded many times": lambda k: _mail(SCAM, extra="Subject: " + "\r\n a" * (5000 * k) + "\r\n"),
    "broken encoded words": lambda k: _header("Subject", " ".join(
        ["=?utf-8?B?" + "!" * 40 + "?=", "=?x-unknown?Q?f=E9e?=", "=?utf-8?Q?=FF=FF?=", "=?=?="] * (200 * k))),
    "a long Content-Type parameter list": lambda k: _mail(SCAM, 'text/plain; a="' + ";" * (16 * KB * k)),
    "a long Content-Type of many parameters": lambda k: _mail(SCAM, "text/plain" + "; a=b" * (4 * KB * k)),
    "a long multipart boundary parameter list": lambda k: _mail(
        "--B\r\nContent-Type: text/plain\r\n\r\n" + SCAM + "\r\n--B--\r\n",
        'multipart/mixed; x="' + ";" * (16 * KB * k) + '"; boundary="B"'),
    "a long Content-Disposition file name": lambda k: _mail(
        SCAM, extra='Content-Disposition: attachment; filename="' + ";" * (16 * KB * k) + "\r\n"),
    "an RFC 2231 file name in many sections": lambda k: _mail(
        SCAM, extra="Content-Disposition: attachment" + "".join(f"; filename*{i}=a" for i in range(500 * k)) + "\r\n"),
    "a long From display name": lambda k: _header(
        "From", '"ILO Recruitment ' + "x" * (8 * KB * k) + '" <ilo.recruitment.office@gmail.com>'),
    "a long Subject": lambda k: _header("Subject", "x" * (8 * KB * k) + " pay the fee"),
    # transfer encodings and charsets
    "base64 that is not base64": lambda k: _mail(b"!!!not base64 at all ###\r\n" * (2000 * k),
                                                 extra="Content-Transfer-Encoding: base64\r\n"),
    "base64 of equals signs": lambda k: _mail(b"=" * (20 * KB * k), extra="Content-Transfer-Encoding: base64\r\n"),
    "broken quoted-printable": lambda k: _mail(b"=ZZ =4 =\r\n=\xff" * (2000 * k),
                                               extra="Content-Transfer-Encoding: quoted-printable\r\n"),
    "uuencode of garbage": lambda k: _mail(b"begin 644 x\r\n" + b"M" * (20 * KB * k) + b"\r\nend\r\n",
                                           extra="Content-Transfer-Encoding: x-uuencode\r\n"),
    "every byte value": lambda k: _mail(bytes(range(256)) * (200 * k), extra="Content-Transfer-Encoding: 8bit\r\n"),
    "UTF-32 text part": lambda k: _mail(_rep("Weather report, nothing to see. ", 60 * KB * k).encode("utf-32"),
                                        "text/plain; charset=utf-32"),
    "NUL bytes": lambda k: b"\x00" * (150 * KB * k),
    # str input
    "lone surrogates": lambda k: "\ud800" * (20_000 * k),
    "a surrogate pair split in two": lambda k: "Subject: x\n\n" + "\ud800\udc00" * (10_000 * k),
    # links and addresses
    "many different links": lambda k: _mail(" ".join(f"http://site{i}.example.org/p" for i in range(500 * k))),
    "one link many times": lambda k: _mail("http://ilo-org.careers/apply " * (2000 * k)),
    "many different addresses": lambda k: _mail(" ".join(f"user{i}@example{i}.org" for i in range(500 * k))),
    "many HTML links": lambda k: _html("".join(f"<a href='http://s{i}.example.org'>site {i}</a>" for i in range(500 * k))),
    # HTML
    "nested divs": lambda k: _html("<div>" * (5000 * k) + SCAM + "</div>" * (5000 * k)),
    "tags never closed": lambda k: _html("<b><i>" * (5000 * k) + SCAM),
    "links never closed": lambda k: _html("<a href='http://ilo.example'>" * (5000 * k) + SCAM),
    "nested scripts": lambda k: _html("<script>" * (10_000 * k) + "x"),
    "comments never closed": lambda k: _html("<!--" * (10_000 * k) + SCAM),
    "tags never ended": lambda k: _html("<a " * (10_000 * k) + SCAM),
    "attribute values never ended": lambda k: _html("<a href='" * (10_000 * k) + ">" + SCAM),
    "attributes never valued": lambda k: _html("<a b=" * (10_000 * k) + ">" + SCAM),
    "CDATA never closed": lambda k: _html("<![CDATA[" * (10_000 * k) + SCAM),
    "table cells": lambda k: _html("<table><tr><td>" * (3000 * k) + SCAM),
    "less-than signs": lambda k: _html("<" * (50 * KB * k)),
    "a long character reference": lambda k: _html("&#" + "9" * (10_000 * k) + ";" + SCAM),
    "one tag of many attributes": lambda k: _html("<p " + "a=b " * (10_000 * k) + ">" + SCAM),
    "markup that shows nothing": lambda k: _html("<span class='p'></span>" * (5000 * k) + SCAM),
    # the budget cases: long scams
    "a long pasted scam": lambda k: (SCAM + "please pay the fee now. ") * (150 * k),
    "a long plain scam": lambda k: _mail(SCAM * (150 * k)),
    "a long HTML scam": lambda k: _html("<p>" + SCAM * (150 * k)),
    # generic strings of test_pattern_adversarial.py
    **{f"pattern string {i} {unit[:8]!r}": (lambda i, unit, n: lambda k: (
        _GENERIC_HEADS.get(i, "") + _rep(unit, n * k) + _GENERIC_TAILS.get(i, "")))(i, unit, n)
       for i, (unit, n) in enumerate(_GENERIC)},
}
