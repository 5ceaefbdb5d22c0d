"""Property-based fuzzing of check() with structured hostile mail (hypothesis).

Short in CI; as long as you like on demand:

    GUARD_FUZZ_EXAMPLES=20000 .venv/bin/pytest tests/robustness/test_fuzz.py -q

Each generated message (a random MIME tree with random headers, encoded
words, charsets, transfer encodings, line endings, broken boundaries, HTML,
NUL bytes; as bytes or as ``str`` with lone surrogates) must give a sound
verdict (hostile.assert_sound: no internal error, evidence spans hold, JSON
form producible) within the bound of hostile.py. The atheris harness
(fuzz_atheris.py, coverage-guided, optional) feeds the same builder.
"""

from __future__ import annotations

import base64
import os
import quopri

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import run

EXAMPLES = int(os.environ.get("GUARD_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 200,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

WORDS = [
    "ILO", "OIT", "BIT", "International Labour Organization", "Organización Internacional del Trabajo",
    "Organisation internationale du Travail", "fee", "fees", "processing fee", "cuota", "frais",
    "frais de dossier", "pay", "payer", "pagar", "Western Union", "IBAN", "SWIFT", "bank account",
    "compte bancaire", "cuenta bancaria", "passport", "visa", "job", "offer", "interview", "contract",
    "recruitment", "candidate", "does not charge", "no cobra", "ne perçoit aucun", "never", "not",
    "USD 350", "$250", "€300", "gmail.com", "ilo.org", "ilo-org.net", "http://ilo.org.example/x",
    "www.ilo-jobs.example", "<a href='http://x.example'>ilo.org</a>", "WhatsApp +1 555 0100",
    "urgent", "within 48 hours", ".", ",", ";", "\n", "\n\n", "\t", "\u200b", "\u00ad", "f\u0435e",
    "ＦＥＥ", "f e e", "f.e.e", "I.B.A.N", "\x00", "é", "ñ", "ç", "日本", "😀", "\ufeff", "=?", "?=",
    "<", ">", "&amp;", "&#0;", "&#xD800;", "<!--", "-->", "<b>", "</b>", "<br>", "<p>", "<script>",
]
CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "utf-16", "utf-7", "shift_jis", "koi8-r",
            "x-unknown", "", "us-ascii", "gb2312", "\"utf-8\"", "utf-8'en'", "big5"]
CTES = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus", ""]
ENDINGS = ["\r\n", "\n", "\r"]

text = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=40).map(" ".join)
raw_bytes = st.binary(max_size=200)


@st.composite
def encoded_word(draw) -> str:
    cs = draw(st.sampled_from(CHARSETS)) or "utf-8"
    enc = draw(st.sampled_from(["B", "Q", "b", "q", "X"]))
    payload = draw(text).encode("utf-8", "surrogatepass")
    if enc in "Bb":
        body = base64.b64encode(payload).decode()
        if draw(st.booleans()):
            body = body[: draw(st.integers(0, len(body)))]      # broken padding
    else:
        body = quopri.encodestring(payload, header=True).decode("ascii", "replace")
    return f"=?{cs}?{enc}?{body}?="


header_value = st.lists(st.one_of(text, encoded_word(), st.sampled_from(
    ["<a@example.org>", "\"ILO\" <ilo@gmail.com>", "a@b, c@d", "x@y)<z@ilo.org>", "<>", "(comment)",
     "undisclosed-recipients:;", "ILO <ilo.org@ilo-org.net>"])), max_size=8).map(" ".join)


@st.composite
def leaf(draw) -> dict:
    ctype = draw(st.sampled_from(["text/plain", "text/html", "text/enriched", "application/octet-stream",
                                  "message/rfc822", "image/png", "text/plain; format=flowed", "bogus"]))
    body = draw(st.one_of(text.map(lambda s: s.encode("utf-8", "surrogatepass")), raw_bytes))
    if ctype == "text/html" and draw(st.booleans()):
        body = b"<html><body><div>" * draw(st.integers(0, 50)) + body
    return {"ctype": ctype, "charset": draw(st.sampled_from(CHARSETS)), "cte": draw(st.sampled_from(CTES)),
            "body": body, "attach": draw(st.booleans())}


def _multi(children):
    return st.builds(lambda kids, sub, b, close: {"multi": sub, "kids": kids, "boundary": b, "close": close},
                     st.lists(children, min_size=0, max_size=5),
                     st.sampled_from(["mixed", "alternative", "related", "bogus"]),
                     st.sampled_from(["b1", "b2", "=_x", "", "a" * 80, "b1"]),
                     st.sampled_from(["ok", "missing", "wrong"]))


tree = st.recursive(leaf(), _multi, max_leaves=12)


def _encode_body(node: dict) -> bytes:
    cte, body = node["cte"], node["body"]
    if cte == "base64":
        return base64.encodebytes(body)
    if cte == "quoted-printable":
        return quopri.encodestring(body)
    return body


def render(node: dict, nl: str) -> bytes:
    eol = nl.encode()
    if "multi" in node:
        b = node["boundary"]
        head = f"Content-Type: multipart/{node['multi']}; boundary=\"{b}\"".encode() + eol + eol
        parts = [b"--" + b.encode() + eol + render(k, nl) + eol for k in node["kids"]]
        end = {"ok": b"--" + b.encode() + b"--" + eol, "missing": b"",
               "wrong": b"--not-" + b.encode() + b"--" + eol}[node["close"]]
        return head + b"preamble" + eol + b"".join(parts) + end
    cs = f"; charset={node['charset']}" if node["charset"] else ""
    head = f"Content-Type: {node['ctype']}{cs}".encode() + eol
    if node["cte"]:
        head += f"Content-Transfer-Encoding: {node['cte']}".encode() + eol
    if node["attach"]:
        head += b"Content-Disposition: attachment; filename=\"x.txt\"" + eol
    return head + eol + _encode_body(node)


@st.composite
def message(draw) -> bytes:
    nl = draw(st.sampled_from(ENDINGS))
    names = ["From", "To", "Cc", "Subject", "Reply-To", "Return-Path", "Authentication-Results",
             "Date", "Message-ID", "MIME-Version", "Received", "X-Mailer", "From"]
    headers = []
    for _ in range(draw(st.integers(0, 10))):
        name = draw(st.sampled_from(names))
        value = draw(header_value)
        if draw(st.booleans()):
            value = value.replace(" ", nl + " ", 2)       # folded
        headers.append(f"{name}: {value}")
    head = nl.join(headers).encode("utf-8", "surrogatepass")
    mime_version = (nl + "MIME-Version: 1.0").encode() if draw(st.booleans()) else b""
    return head + mime_version + nl.encode() + render(draw(tree), nl)


@FUZZ
@given(message())
def test_structured_mail_as_bytes(msg):
    run(msg)


@FUZZ
@given(message(), st.sampled_from(["utf-8", "latin-1"]), st.lists(st.integers(0xD800, 0xDFFF), max_size=5),
       st.one_of(st.none(), header_value))
def test_structured_mail_as_str_with_surrogates(msg, codec, surrogates, sender):
    s = msg.decode(codec, "surrogateescape") if codec == "utf-8" else msg.decode(codec)
    for i, cp in enumerate(surrogates):
        at = (len(s) * (i + 1)) // (len(surrogates) + 1)
        s = s[:at] + chr(cp) + s[at:]
    run(s, sender=sender)
    run(s.lstrip(), lang="fr")


html_token = st.sampled_from(["<a ", "<a href='", "<a href=\"x\">", "</a>", "<!--", "-->", "<![CDATA[",
                              "]]>", "<?", "<!DOCTYPE html>", "<div>", "</div>", "<script>", "</script>",
                              "<style>", "<", ">", "&", "&#", "&lt;", "=", "'", "\"", " ", "fee ", "ILO "])


@FUZZ
@given(st.lists(html_token, min_size=1, max_size=60), st.integers(1, 4000))
def test_html_tag_soup_repeated(tokens, times):
    soup = "".join(tokens) * times
    msg = ("From: x@example.org\r\nSubject: s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + soup).encode()
    run(msg)
