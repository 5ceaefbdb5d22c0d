"""Sender headers of a plain shape skip policy.default's parser
(guard/parse.py `_plain_address`); what they give must be what the parser
gives: the same (display name, address) pairs and no defect."""

import email
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from guard import parse

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _header_values() -> list[str]:
    files = [p for base in (ROOT / "tests", SHARED / "corpora") if base.is_dir()
             for p in base.rglob("*") if p.is_file() and p.suffix in (".eml", ".txt")]
    values = set()
    for f in files:
        msg = email.message_from_bytes(f.read_bytes())
        for name in ("From", "Reply-To", "Sender", "To", "Cc"):
            for v in msg.get_all(name) or []:
                values.add(re.sub(r"\r?\n[ \t]*", " ", str(v)))
    return sorted(values)


def _agrees(value: str) -> bool:
    plain = parse._plain_address(value)
    return plain is None or parse._parse_address_list_fully(value) == ((plain,), ())


def test_the_shortcut_agrees_with_the_parser_on_every_address_header_here():
    values = _header_values()
    assert len(values) > 200
    assert [v for v in values if not _agrees(v)] == []
    # and it is taken by most of them, or it would save nothing
    assert sum(parse._plain_address(v) is not None for v in values) > len(values) / 2


_PIECES = ["a", "Bob", "x.y", "+tag", "@", "ex.com", "-", ".", " ", "\t", "  ", '"', "\\", "<", ">", "=?", "?=",
           "(c)", ",", ";", ":", "é", "_", "'", "!", "[1.2.3.4]", "..", "@@"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
def test_the_shortcut_agrees_with_the_parser_on_generated_values(value):
    assert _agrees(value)


def test_the_plain_shapes_and_what_is_not_plain():
    assert parse._plain_address("Ann Lee <ann@ex.org>") == ("Ann Lee", "ann@ex.org")
    assert parse._plain_address('"Lee, Ann" <ann@ex.org>') == ("Lee, Ann", "ann@ex.org")
    assert parse._plain_address(" <ann@ex.org> ") == ("", "ann@ex.org")
    for odd in ("J. Lee <a@ex.org>", "=?utf-8?q?J=C3=A9?= <a@ex.org>", "a@ex.org (Ann)", "<a@ex.org", "a@b"):
        assert parse._plain_address(odd) is None, odd
