"""guard/parse.py reads a one-part message under a clean header block
without the feed parser (``_single_part``); the message it builds must be
the one the feed parser builds: the same fields in the same order with the
same raw values, the same payload, no defects. Checked on every message
fixture and corpus here (and ../shared's when present), and on header
blocks made to sit on each edge of the fast path."""

import os
from pathlib import Path

import pytest

from guard import parse as P
from messages import message_files

ROOT = Path(__file__).resolve().parent.parent


def _files() -> list[str]:
    return message_files("**/*.eml", "**/*.txt")


def _as_feed_parser_reads(data: bytes) -> str:
    if data.startswith(b"From ") and b"\n" in data:     # as parse() does
        data = data.split(b"\n", 1)[1]
    return data.decode("ascii", "surrogateescape")


def _shape(m):
    return (m._headers, m._payload, m.get_unixfrom(), [type(d).__name__ for d in m.defects],
            m.preamble, m.epilogue, m.get_default_type(), m.is_multipart())


def _same_or_declined(text: str) -> bool | None:
    """True: fast and feed parser agree; None: the fast path declined."""
    quick = P._single_part(text)
    if quick is None:
        return None
    return _shape(quick) == _shape(P._feed_parse(P.Parsed(), text))


def test_fast_path_equals_feed_parser_on_every_message():
    files = _files()
    assert len(files) > 300
    taken, differ = 0, []
    for f in files:
        with open(f, "rb") as fh:
            text = _as_feed_parser_reads(fh.read())
        same = _same_or_declined(text)
        if same is None:
            continue
        taken += 1
        if not same:
            differ.append(os.path.relpath(f, ROOT))
    assert differ == []
    assert taken > len(files) // 3     # the fast path is the common one


@pytest.mark.parametrize("text", [
    "Subject: hi\n\nbody\n",
    "Subject: hi\r\nFrom: a@b.example\r\n\r\nbody\r\nline\r\n",
    "Subject: hi\nFrom: a@b.example\r\n\nmixed endings\r\n",
    "Subject:no space\nX-Empty:\nX-Spaces:    \n\nb",
    "Subject: folded\n\tsecond line\n  third\nTo: x@y.example\n\nb",
    "Subject:\n continued from an empty first line\n\nb",
    "Subject: only blank after\n \n\nb",
    "Subject: colon: inside: value\nX-A:b:c\n\n",
    "Subject: non-ascii \udcc3\udca9 bytes\n\nbody \udcc3\udca9",
    "Subject: é typed\n\ncorps é",
    "Content-Type: text/html; charset=utf-8\n\n<p>x</p>",
    "Content-Type: TEXT/PLAIN\n\nx",
    "Content-Type: bogus\n\nx",
    "Subject: a\n\n\n\nbody after blank lines\n",
    "Subject: no final newline\n\nbody",
])
def test_fast_path_taken_and_equal(text):
    assert _same_or_declined(text) is True


@pytest.mark.parametrize("text", [
    "Subject: no body separator\nthis line has no colon\n",      # defect: missing separator
    "Subject: headers only\n",                                     # no blank line
    " continuation first\nSubject: x\n\nb",                        # defect: first line continued
    ":no name\nSubject: x\n\nb",                                   # defect: empty name
    "Subject: x\nFrom someone\n\nb",                               # misplaced envelope line
    "Subject: bare\rCR\n\nb",                                      # a bare CR ends a line there
    "Subject: x\rFrom: y\r\rbody",
    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n",
    "Content-Type: message/rfc822\n\nSubject: inner\n\nx",
    "Content-Type: message/delivery-status\n\nA: b\n\nC: d\n",
    "Bad Name: x\n\nb",                                            # a space in the name
    "",
    "\nbody only",
])
def test_fast_path_declines_what_it_cannot_read(text):
    assert P._single_part(text) is None
    P._feed_parse(P.Parsed(), text)     # and the feed parser reads it
