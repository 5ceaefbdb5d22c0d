"""Searches written for speed find exactly what the plain pattern finds.

Three searches over whole texts try only the places their match can start
(guard/parse.py `_email_matches`, guard/normalize.py `_spaced_matches`) or
start with a character instead of a look-behind (guard/scope.py
`_SENT_END`, `_BLOCK_END`). Each is compared here with the pattern it
stands for, run the plain way, on generated texts dense in the characters
that decide them, and on the corpus texts.
"""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from guard import normalize, parse, scope

# the patterns as they were written before the shortcuts
_SENT_END_PLAIN = re.compile(r"(?:(?<!\n\d)(?<!\n\d\d)(?<!\n[a-z])\.|[!?;])(?=[ \n]|$)"
                             r"|(?<!:)\n\n|\n(?=\[?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})")
_BLOCK_END_PLAIN = re.compile(r"(?<!:)\n\n|\n(?=\[?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})")

def _pieces(singles: str, longer: list[str], size: int):
    return st.lists(st.sampled_from(list(singles) + longer), max_size=size).map("".join)


_MAILISH = _pieces("ab.-_+'@ \n1é", ["x" * 30, "@@", "é" * 70, "a" * 65, ".org", "a" * 600], 120)
_SPACEDISH = st.text(alphabet=st.sampled_from(list("abI ._-*·/'1\n\u2019é")), max_size=300)
_SENTISH = _pieces("a1.!?;:\n [/-", ["12/03/2026", "\n1.", "\nb.", "\n\n", ":\n\n"], 150)


def _spans(it):
    return [m.span() for m in it]


@settings(max_examples=400, deadline=None)
@given(_MAILISH)
def test_addresses_found_around_each_at_sign_are_the_patterns_own(text):
    assert _spans(parse._email_matches(text)) == _spans(parse._EMAIL.finditer(text))


def test_addresses_at_the_length_limits_are_found_as_the_pattern_finds_them():
    # local parts of 1 to 66 characters, domains up to eight 63-character
    # labels and a 24-letter ending, and one character more of each
    texts = []
    for k in range(1, 67):
        texts.append(" " + "a" * k + "@x.org ")
        texts.append("é" + "b." * (k // 2) + "c" * (k % 2) + "@x.org")
    texts += ["@" * 5000, "a@" * 3000 + "b.org", ("x" * 60 + " ab@cd.org ") * 40, "a@b.org" + "x" * 3000 + "@@c.org",
              "me@" + "d." * 300 + "org", "x" * 5000 + "'ab'@c.org"]
    for labels in range(1, 10):
        for size in (1, 62, 63, 64):
            for end in (2, 24, 25):
                texts.append("mail me: me@" + ("d" * size + ".") * labels + "o" * end + " now")
    for text in texts:
        assert _spans(parse._email_matches(text)) == _spans(parse._EMAIL.finditer(text)), text
    assert sum(1 for t in texts if parse._EMAIL.search(t)) > 100


@settings(max_examples=400, deadline=None)
@given(_SPACEDISH)
def test_spaced_letters_found_from_their_separators_are_the_patterns_own(text):
    assert _spans(normalize._spaced_matches(text)) == _spans(normalize._SPACED.finditer(text))


@settings(max_examples=400, deadline=None)
@given(_SENTISH)
def test_sentence_and_block_ends_are_where_the_plain_patterns_put_them(text):
    assert scope.sentence_bounds(text) == [m.end() for m in _SENT_END_PLAIN.finditer(text)]
    assert scope.block_bounds(text) == [m.end() for m in _BLOCK_END_PLAIN.finditer(text)]


def test_the_shortcuts_agree_on_real_mail_and_hit_it():
    # the corpus texts, one long string: addresses, spaced letters
    # ("I L O", "c.o.m") and sentence ends all occur, so the comparisons
    # are not between empty results
    from pathlib import Path

    root = Path(__file__).resolve().parent
    texts = [p.read_text("utf-8", "replace") for p in sorted(root.glob("corpus/**/*.txt"))]
    texts.append("Write to a.b-c@mail.example.org or x@y.co; the I L O, the O.I.T. and W w w dot.")
    whole = "\n\n".join(texts)
    emails = _spans(parse._email_matches(whole))
    assert emails and emails == _spans(parse._EMAIL.finditer(whole))
    spaced = _spans(normalize._spaced_matches(whole))
    assert spaced and spaced == _spans(normalize._SPACED.finditer(whole))
    ends = scope.sentence_bounds(whole)
    assert len(ends) > 100 and ends == [m.end() for m in _SENT_END_PLAIN.finditer(whole)]


@settings(max_examples=400, deadline=None)
@given(_pieces(" \t\n\r\fab", ["\n\n", " \n ", "\n \n", "  "], 60))
def test_html_text_white_space_folds_as_one_callback_per_run_did(text):
    # guard/parse.py html_to_text: spaces to one, a run of line breaks to a
    # blank line when it holds two or more, else to one line break
    from guard.parse import _HTML_BLANK, _HTML_BREAK, _HTML_SPACES

    spaced = re.sub(r"[ \t\r\f\v]+", " ", text)
    want = re.sub(r" ?\n[ \n]*", lambda m: "\n\n" if m.group().count("\n") > 1 else "\n", spaced)
    got = _HTML_BREAK.sub("\n", _HTML_BLANK.sub("\n\n", _HTML_SPACES.sub(" ", text)))
    assert got == want


_MARKUP = _pieces("<>/=\"' \t\n\x0b\xa0ab&;`", [
    "<p>", "<br/>", "<br />", "<BR>", "<div class=x>", "<td width='3' nowrap>", "<img src=\"a.gif\" alt=\"\"/>",
    "<a href=\"http://x.example/\">", "<A HREF=y>", "</a>", "</p>", "<script>", "</script>", "<style type=t>",
    "</style>", "<title>", "</title>", "<!-- c -->", "<!doctype html>", "&amp;", "&lt;", "<p x=a=b>", "<p x=\"a\"y=b>",
    "<font face=\"Arial\"\n size=2>", "<p  >", "<h1 id=t:1.x>", "<p x = 'y' >", "<tag1>", "<p/x>",
], 40)


@settings(max_examples=1500, deadline=None)
@given(_MARKUP)
def test_plain_start_tags_read_by_one_pattern_give_what_the_html_parser_gives(markup):
    # guard/parse.py _HTMLText.parse_starttag: its one-pattern reading of a
    # plain start tag against the base class's own, over generated markup
    from html.parser import HTMLParser

    from guard import parse as P

    class Plain(P._HTMLText):
        parse_starttag = HTMLParser.parse_starttag

    def read(cls):
        p = cls()
        p.feed(markup)
        p.close()
        return p.out, p.links

    assert read(P._HTMLText) == read(Plain)


def _html_parser_reads(markup: str):
    from guard import parse as P

    p = P._HTMLText()
    p.feed(markup)
    p.close()
    return p.out, p.links


_DOCUMENTS = _pieces("<>/=\"' \t\n\x0b\xa0ab&;`#x", [
    "<p>", "<br/>", "<br />", "<BR>", "</br>", "<div class=x>", "</div >", "<td width='3' nowrap>",
    "<a href=\"http://x.example/\">", "<A HREF=y>", "<a href='z' href=w>", "<a>", "<a href=q/>", "</a>", "</A>",
    "<script>", "<script type=t>", "<SCRIPT>", "</script>", "</ script >", "</SCRIPT>", "<script/>",
    "<style>", "</style>", "<title>", "</title>", "<head>", "</head>", "<!doctype html>", "<!DOCTYPE x>",
    "<!DOCTYP>", "&amp;", "&lt;p&gt;", "&#65;", "&#x42", "&nbsp;", "<o:p>", "</o:p>", "<p/x>", "< p>", "</ p>",
    "<?xml?>", "<!x>", "<![CDATA[x]]>", "<h1 id=t:1.x>", "<font face=\"Arial\"\n size=2>",
], 40)


@settings(max_examples=2500, deadline=None)
@given(_DOCUMENTS)
def test_html_read_in_one_loop_gives_what_the_html_parser_gives(markup):
    # guard/parse.py _quick_html: where it reads the markup at all, it
    # collects the text and links the HTML parser (_HTMLText) collects
    from guard import parse as P

    markup = P._defuse_html(markup)
    quick = P._quick_html(markup)
    if quick is not None:
        assert quick == _html_parser_reads(markup)


def test_html_read_in_one_loop_agrees_on_real_mail_and_reads_most_of_it():
    import email

    from guard import parse as P
    from messages import message_files

    files = message_files("**/*.eml")
    read = declined = 0
    differ = []
    for f in files:
        with open(f, "rb") as fh:
            msg = email.message_from_bytes(fh.read())
        for part in msg.walk():
            if part.get_content_type() != "text/html":
                continue
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes):
                continue
            markup = P._defuse_html(data.decode("utf-8", "replace"))
            quick = P._quick_html(markup)
            if quick is None:
                declined += 1
            elif quick == _html_parser_reads(markup):
                read += 1
            else:
                differ.append(f)
    assert differ == []
    assert read > 10 and read > declined
