"""Hostile input: each case returns a sound verdict within the bound (conftest.py).

Where the input still carries a clear scam in the part guard reads, the
verdict must still say so: a bound that silently drops the evidence would be
a way around the checker.
"""

from __future__ import annotations

import base64

import pytest

from guard import Level
from guard.parse import MAX_PARTS, MAX_VIEW_CHARS

from hostile import run

SCAM_BODY = (
    "Dear candidate,\n\nYou have been selected for the post of Programme Officer at the "
    "International Labour Organization (ILO) in Geneva. To confirm your appointment you must "
    "pay a processing fee of USD 350 by Western Union before Friday. Send your bank account "
    "number and a copy of your passport to complete the employment contract.\n"
)
SENDER = "ilo.recruitment.office@gmail.com"
HEAD = (
    f"From: ILO Recruitment <{SENDER}>\r\nTo: you@example.com\r\n"
    "Subject: Job offer from the International Labour Organization\r\nMIME-Version: 1.0\r\n"
)
MB = 1024 * 1024
# where a test asserts that the scam is still seen in a large input, the budget must not
# be what stops the rules on a slow machine (the bound of hostile.py still applies)
ROOMY = 8.0


def mail(extra_headers: str = "", body: bytes | str = b"", ctype: str = "text/plain; charset=utf-8") -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8")
    head = HEAD + (f"Content-Type: {ctype}\r\n" if ctype else "") + extra_headers
    return head.encode() + b"\r\n" + body


def flagged(v) -> bool:
    return v.level is not Level.CLEAR


def test_the_scam_used_below_is_flagged():
    v, _ = run(mail(body=SCAM_BODY))
    assert v.level is Level.FRAUD


# -- size ---------------------------------------------------------------------------

def test_10_mb_body_is_read_up_to_the_view_bound_and_the_scam_is_seen():
    filler = ("The weather report for the coming week is mild with some rain. " * 200 + "\n\n")
    body = SCAM_BODY + filler * (10 * MB // len(filler))
    v, _ = run(mail(body=body), time_budget=ROOMY)
    assert flagged(v)
    assert any(str(MAX_VIEW_CHARS) in n for n in v.notes), v.notes
    assert len(v.views["body"]) <= MAX_VIEW_CHARS


def test_10_mb_pasted_text():
    v, _ = run(SCAM_BODY + "x" * (10 * MB), time_budget=ROOMY)
    assert flagged(v)


@pytest.mark.parametrize("chunk", ["a", "fee ", "ILO ", "@", "http://", "f e e ", "\u200b", "é"])
def test_10_mb_of_one_repeated_token(chunk):
    run((chunk * (10 * MB // len(chunk))).encode("utf-8"))


def test_10_mb_single_header_line():
    run(mail("X-Long: " + "a" * (10 * MB) + "\r\n", SCAM_BODY))


def test_10_mb_base64_attachment_and_scam_text():
    b64 = base64.encodebytes(b"\x00\xff" * (5 * MB))
    body = (
        b"--B\r\nContent-Type: text/plain\r\n\r\n" + SCAM_BODY.encode() + b"\r\n"
        b"--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename=x.bin\r\n\r\n" + b64 + b"--B--\r\n"
    )
    v, _ = run(mail(body=body, ctype='multipart/mixed; boundary="B"'), time_budget=ROOMY)
    assert flagged(v)


# -- MIME structure -------------------------------------------------------------------

def nested(depth: int, inner: str) -> bytes:
    out = []
    for i in range(depth):
        out.append(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n')
    out.append(f"Content-Type: text/plain\r\n\r\n{inner}\r\n")
    for i in reversed(range(depth)):
        out.append(f"--b{i}--\r\n")
    return "".join(out).encode()


@pytest.mark.parametrize("depth", [50, 1000])
def test_mime_nested_deep_still_reads_the_headers(depth):
    v, _ = run(HEAD.encode() + nested(depth, SCAM_BODY))
    # the sender and the subject are read whatever the body's structure
    assert v.sender.get("address") == SENDER
    assert "International Labour Organization" in v.views.get("subject", "")
    assert any("nested" in n or "deep" in n for n in v.notes), v.notes
    assert flagged(v)


def test_10000_parts_reads_the_first_parts_and_says_so():
    parts = [f"--P\r\nContent-Type: text/plain\r\n\r\n{SCAM_BODY}\r\n"]
    parts += [f"--P\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(10_000)]
    body = "".join(parts) + "--P--\r\n"
    v, _ = run(mail(body=body, ctype='multipart/mixed; boundary="P"'), time_budget=ROOMY)
    assert flagged(v)
    assert any(str(MAX_PARTS) in n for n in v.notes), v.notes


def test_10000_message_rfc822_parts():
    inner = "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nhello\r\n"
    body = "".join(f"--P\r\n{inner}" for _ in range(10_000)) + "--P--\r\n"
    run(mail(body=body, ctype='multipart/mixed; boundary="P"'))


def test_boundary_that_never_occurs_and_boundary_lines_everywhere():
    run(mail(body="--X\r\n" * 200_000, ctype='multipart/mixed; boundary="X"'))
    run(mail(body=SCAM_BODY, ctype='multipart/alternative; boundary="never-there"'))


# -- headers --------------------------------------------------------------------------

def test_subject_of_20000_encoded_words():
    words = " ".join(["=?utf-8?B?ZmVl?=", "=?iso-8859-1?Q?fr=E9is?="] * 10_000)
    msg = f"From: a@example.org\r\nTo: b@example.com\r\nSubject: {words}\r\n\r\n{SCAM_BODY}".encode()
    v, _ = run(msg)
    assert len(v.views.get("subject", "")) < 20_000


@pytest.mark.parametrize("header", ["To", "Cc", "From", "Reply-To"])
def test_20000_addresses_in_one_header(header):
    addrs = ", ".join(f"User {i} <user{i}@example{i % 97}.com>" for i in range(20_000))
    msg = (f"{header}: {addrs}\r\n" + ("" if header == "From" else f"From: Recruiter <{SENDER}>\r\n")
           + "Subject: offer\r\n\r\n" + SCAM_BODY).encode()
    v, _ = run(msg)
    assert flagged(v)


def test_20000_header_fields():
    extra = "".join(f"X-H{i}: value {i}\r\n" for i in range(20_000))
    v, _ = run(mail(extra, SCAM_BODY))
    assert flagged(v)


def test_header_folded_100000_times():
    run(mail("Subject: " + "\r\n a" * 100_000 + "\r\n", SCAM_BODY))


@pytest.mark.parametrize("value", [
    "=?utf-8?B?" + "!" * 1000 + "?=",                 # invalid base64 in an encoded word
    "=?x-unknown-charset?Q?f=E9e?=",                    # unknown charset
    "=?utf-8?Q?" + "=FF" * 3000 + "?=",                 # invalid UTF-8
    "=?utf-8*en?B?ZmVl?= =?=?= =?utf-8?X?y?=",          # language tag, empty and bad encodings
    "\x00\x01\x02 ILO \x7f",                            # control characters
])
def test_broken_encoded_words(value):
    run(f"From: =?utf-8?B?SUxP?= <{SENDER}>\r\nSubject: {value}\r\n\r\n{SCAM_BODY}".encode())


# -- transfer encodings and charsets ----------------------------------------------------

@pytest.mark.parametrize("cte,payload", [
    ("base64", b"!!!not base64 at all ###\r\n" * 2000),
    ("base64", base64.b64encode(SCAM_BODY.encode())[:-3]),          # truncated padding
    ("base64", b"=" * 10_000),
    ("quoted-printable", b"=ZZ =4 =\r\n=\xff" * 2000),
    ("quoted-printable", b"=" * 10_000),
    ("x-uuencode", b"begin 644 x\r\n" + b"M" * 10_000 + b"\r\nend\r\n"),
    ("8bit", bytes(range(256)) * 400),
])
def test_invalid_transfer_encodings(cte, payload):
    run(mail(f"Content-Transfer-Encoding: {cte}\r\n", payload))


def test_valid_base64_and_qp_scams_are_decoded_and_seen():
    b64 = base64.encodebytes(SCAM_BODY.encode("utf-8"))
    v, _ = run(mail("Content-Transfer-Encoding: base64\r\n", b64))
    assert flagged(v)
    import quopri

    qp = quopri.encodestring(SCAM_BODY.encode("utf-8"))
    v, _ = run(mail("Content-Transfer-Encoding: quoted-printable\r\n", qp))
    assert flagged(v)


FR_SCAM = ("Vous avez été retenu pour un poste à l'Organisation internationale du Travail (OIT). "
           "Pour confirmer votre recrutement, vous devez payer des frais de dossier de 300 euros "
           "par Western Union et nous envoyer vos coordonnées bancaires.\n")


@pytest.mark.parametrize("ctype,encoding", [
    ("text/plain", "latin-1"),                          # 8-bit, no charset declared
    ("text/plain; charset=utf-8", "latin-1"),           # says UTF-8, is Latin-1
    ("text/plain; charset=utf-16", "latin-1"),          # says UTF-16, is not
    ("text/plain; charset=x-no-such-charset", "utf-8"),
    ("text/plain; charset=\"\"", "utf-8"),
    ("text/plain; charset=utf-7", "utf-8"),
    ("text/plain; charset=iso-2022-jp", "cp1252"),
    ("text/html; charset=shift_jis", "utf-8"),
])
def test_undeclared_and_lying_charsets_still_give_the_text(ctype, encoding):
    v, _ = run(mail(body=FR_SCAM.encode(encoding), ctype=ctype))
    # the words a user sees survive, whatever was declared
    assert "Western Union" in v.views["body"]


def test_nul_bytes_in_headers_and_body():
    msg = (f"From: ILO\x00 Recruitment <{SENDER}>\r\nSubject: Job\x00offer\r\n\r\n"
           + SCAM_BODY.replace(" ", " \x00")).encode()
    run(msg)
    v, _ = run(SCAM_BODY.replace("fee", "f\x00ee"))
    assert flagged(v)
    run(b"\x00" * MB)


# -- str input -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "\ud800" * 10_000,
    SCAM_BODY.replace("fee", "f\udcffee"),
    SCAM_BODY + "\udfff" * 1000 + "\ud83d",
    f"From: ILO <{SENDER}>\nSubject: \ud800 offer\n\n{SCAM_BODY}\udc00",
    "Subject: x\n\n" + "\ud800\udc00" * 1000,            # a surrogate pair split into two code points
])
def test_lone_surrogates_in_str_input(text):
    v, _ = run(text)
    run(text, sender="ilo\udc80@gmail.com")


def test_surrogates_do_not_hide_the_scam():
    v, _ = run(SCAM_BODY.replace(" ", " \ud800", 5))
    assert flagged(v)


# -- HTML ---------------------------------------------------------------------------------

@pytest.mark.parametrize("markup", [
    "<div>" * 100_000 + SCAM_BODY + "</div>" * 100_000,
    "<b><i>" * 50_000 + SCAM_BODY,                                       # never closed
    "<a href='http://ilo.example'>" * 100_000 + SCAM_BODY,               # 100,000 open links
    "<script>" * 100_000 + "x",                                          # nested skip tags
    "<!--" * 100_000 + SCAM_BODY,                                        # unclosed comments
    "<a " * 100_000 + SCAM_BODY,                                         # tags never ended (was 35 s at 20,000)
    "<a href='" * 100_000 + ">" + SCAM_BODY,
    "<a b=" * 100_000 + ">" + SCAM_BODY,
    "<![CDATA[" * 100_000 + SCAM_BODY,
    "<table><tr><td>" * 30_000 + SCAM_BODY,
    "<" * MB,
    "&#" + "9" * 100_000 + ";" + SCAM_BODY,                              # absurd character reference
    "<p " + "a=b " * 100_000 + ">" + SCAM_BODY,                          # one tag, 100,000 attributes
])
def test_hostile_html(markup):
    v, _ = run(mail(body=markup, ctype="text/html; charset=utf-8"))


def test_html_with_100000_nested_tags_still_shows_the_scam():
    markup = "<div>" * 100_000 + SCAM_BODY + "</div>" * 100_000
    v, _ = run(mail(body=markup, ctype="text/html; charset=utf-8"), time_budget=ROOMY)
    assert "Western Union" in v.views["body"]
    assert flagged(v)


# -- the budget is the engine's ------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: (SCAM_BODY + "please pay the fee now. ") * 60_000,
    lambda: mail(body=(SCAM_BODY * 20_000)),
    lambda: mail(body="<p>" + SCAM_BODY * 20_000, ctype="text/html"),
], ids=["pasted", "plain", "html"])
def test_a_small_budget_is_enforced_by_check_itself(make):
    msg = make()
    v, elapsed = run(msg, time_budget=0.01)
    assert v.complete is False
    assert any("time budget" in n for n in v.notes), v.notes
    # the same input with a large budget is checked completely: the budget did the cutting
    full, _ = run(msg, time_budget=60.0)
    assert full.complete is True
    assert full.elapsed_ms > 10


def test_elapsed_ms_reports_the_time_taken():
    v, elapsed = run(mail(body=SCAM_BODY * 5000))
    assert 0 < v.elapsed_ms <= elapsed * 1000 + 1
