"""Highlight segments, the points of the ILO's warning, repeated evidence, notes."""

import pytest

from guard import Evidence, Finding, Level, Verdict
from web.render import Span, build, segments, user_notes


@pytest.fixture
def in_lang(app):
    """Run render code in a request whose page language is ``lang``."""
    import contextlib

    @contextlib.contextmanager
    def ctx(lang="en"):
        from flask import g

        with app.test_request_context(f"/?lang={lang}"):
            g.lang = lang        # what the views set before rendering
            yield

    return ctx


def _f(rule, severity, evidence, breaks=None):
    return Finding(rule_id=rule, category="fee_request", severity=severity, confidence="high",
                   title=f"title {rule}", explanation="why", evidence=evidence, breaks=breaks)


def test_no_spans_is_one_plain_segment():
    segs = segments("plain text", [])
    assert [(s.text, s.marked) for s in segs] == [("plain text", False)]


def test_overlapping_spans_split_into_covered_pieces():
    text = "please pay the fee now"
    spans = [Span(7, 18, 1, 1, "high"), Span(11, 22, 2, 1, "low")]
    segs = segments(text, spans)
    assert "".join(s.text for s in segs) == text
    assert [(s.text, s.findings, s.severity) for s in segs] == [
        ("please ", [], ""),
        ("pay ", [1], "high"),
        ("the fee", [1, 2], "high"),
        (" now", [2], "low"),
    ]
    # one reference group, at the end of the highlighted run
    assert [s.refs for s in segs] == [[], [], [], [1, 2]]
    assert segs[1].anchors == ["ev-1-1"] and segs[2].anchors == ["ev-2-1"]


def test_separate_runs_each_get_their_references():
    segs = segments("aa bb cc", [Span(0, 2, 1, 1, "high"), Span(6, 8, 2, 1, "medium"),
                                  Span(0, 2, 3, 1, "low")])
    assert [(s.text, s.refs) for s in segs] == [("aa", [1, 3]), (" bb ", []), ("cc", [2])]


def _verdict(views, findings, level=Level.FRAUD, **kw):
    return Verdict(level=level, score=10, findings=findings, advice=[], views=views, **kw)


def test_build_skips_evidence_that_does_not_match_its_view(in_lang):
    views = {"body": "pay the fee", "subject": "Offer"}
    findings = [_f("A", "high", [
        Evidence("body", 4, 11, "the fee"),       # good
        Evidence("body", 0, 3, "xyz"),            # text does not match the offsets
        Evidence("body", 5, 99, "out of range"),  # past the end
        Evidence("from_name", 0, 3, "ILO"),       # a view that is not shown
        Evidence("body", 0, 0, ""),               # no span
    ], breaks="no_fee")]
    with in_lang("en"):
        res = build(_verdict(views, findings))
    sections, items = res.sections, res.findings
    assert [s.field for s in sections] == ["subject", "body"]
    body = sections[1]
    assert [(s.text, s.findings) for s in body.segments] == [("pay ", []), ("the fee", [1])]
    every = items[0].evidence + items[0].repeated
    assert [e.anchor for e in every] == ["ev-1-1", None, None, None, None]
    assert every[3].label == "the sender's name"
    assert items[0].anchor == "finding-1"


def test_build_orders_headers_before_body_and_labels_in_language(in_lang):
    views = {"body": "b", "reply_to_2": "r2", "from": "f", "subject": "s", "x_custom": "x",
             "sender": "", "reply_to": "r"}
    with in_lang("es"):
        sections = build(_verdict(views, [])).sections
    assert [s.field for s in sections] == ["subject", "from", "reply_to", "reply_to_2",
                                           "x_custom", "body"]
    assert [s.label for s in sections][:3] == ["Asunto", "De", "Responder a"]
    assert sections[3].label == "Responder a (2)"


def test_list_folds_a_span_already_quoted_by_a_larger_one(in_lang):
    views = {"sender": "ilo.jobs@gmail.com"}
    findings = [_f("A", "high", [
        Evidence("sender", 0, 18, "ilo.jobs@gmail.com", "free mail"),
        Evidence("sender", 0, 3, "ilo"),                       # inside the first: not listed
        Evidence("sender", 0, 18, "ilo.jobs@gmail.com"),       # same span again: not listed
        Evidence("sender", 9, 14, "gmail", "the provider"),   # has its own detail: listed
    ])]
    with in_lang("en"):
        res = build(_verdict(views, findings))
    sections, items = res.sections, res.findings
    assert [(e.text, e.anchor) for e in items[0].evidence] == [
        ("ilo.jobs@gmail.com", "ev-1-1"), ("gmail", "ev-1-4")]
    assert [e.anchor for e in items[0].repeated] == ["ev-1-2", "ev-1-3"]
    # all of them are still highlighted
    assert [seg.anchors for seg in sections[0].segments] == [["ev-1-1", "ev-1-2", "ev-1-3"], [], ["ev-1-4"], []]


def test_evidence_quoted_by_an_earlier_finding_is_folded_and_breaks_said_once(in_lang):
    views = {"body": "pay the fee of 300 USD now"}
    fee = Evidence("body", 4, 22, "the fee of 300 USD")
    findings = [
        _f("C", "high", [fee, Evidence("body", 23, 26, "now")]),
        _f("A", "high", [fee], breaks="no_fee"),
        _f("B", "medium", [Evidence("body", 8, 22, "fee of 300 USD")], breaks="no_fee"),
    ]
    findings[0].category = "combination"
    with in_lang("en"):
        res = build(_verdict(views, findings))
    # signs first, the combination after, numbered in that order
    assert [f.rule_id for f in res.findings] == ["A", "B", "C"]
    assert [f.number for f in res.combined] == [3]
    a, b, c = res.findings
    assert [e.text for e in a.evidence] == ["the fee of 300 USD"] and a.repeated == []
    assert [e.text for e in c.evidence] == ["now"]
    assert [e.text for e in c.repeated] == ["the fee of 300 USD"]
    assert (a.show_breaks, b.show_breaks) == (True, False)


def _states(res):
    return {p.point: (p.status, p.reason) for p in res.points}


def test_points_found_checked_and_not_checked(in_lang):
    views = {"body": "Dear candidate, the ILO offers you a post."}
    with in_lang("en"):
        res = build(_verdict(views, [], level=Level.CLEAR))
    # pasted text with no sender: the address point was not checked
    assert _states(res) == {"no_fee": ("checked", ""), "ilo_org_only": ("not_checked", "sender_unknown"),
                            "no_bank_details": ("checked", "")}
    with in_lang("en"):
        res = build(_verdict(views, [], level=Level.CLEAR,
                             sender={"address": "hr@ilo.org", "is_ilo": True}))
    assert _states(res)["ilo_org_only"] == ("checked", "")
    with in_lang("en"):
        res = build(_verdict(views, [], level=Level.CLEAR, complete=False,
                             sender={"address": "x@gmail.com"}))
    assert _states(res)["no_fee"] == ("not_checked", "incomplete")


def test_a_finding_on_a_point_is_found_even_without_breaks(in_lang):
    """The box never says "no sign" next to a finding about that point."""
    views = {"body": "a fee of 300 USD and your IBAN"}
    fee = _f("F", "low", [Evidence("body", 2, 16, "fee of 300 USD")])
    bank = _f("B", "low", [Evidence("body", 21, 30, "your IBAN")])
    bank.category = "bank_details"
    with in_lang("en"):
        res = build(_verdict(views, [fee, bank], level=Level.CLEAR))
    assert _states(res)["no_fee"][0] == "found"
    assert _states(res)["no_bank_details"][0] == "found"
    assert res.display == "clear_signs"


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_engine_notes_become_sentences_in_the_language(in_lang, lang):
    notes = ["message cut at 2000000 bytes", "body: only the first 500000 characters were checked",
             "MIME nested deeper than 40 levels: inner parts not read",
             "time budget exceeded: some rules were skipped", "something new: KeyError('x')"]
    with in_lang(lang):
        out = user_notes(notes)
    assert len(out) == 4      # the two "cut" notes say one thing
    text = " ".join(out)
    for raw in ("MIME", "bytes", "KeyError", "budget"):
        assert raw not in text
