"""Highlight segments: overlapping spans, bad offsets, references at run ends."""

from guard import Evidence, Finding, Level, Verdict
from web.render import Span, build, segments


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


def _verdict(views, findings):
    return Verdict(level=Level.FRAUD, score=10, findings=findings, advice=[], views=views)


def test_build_skips_evidence_that_does_not_match_its_view():
    views = {"body": "pay the fee", "subject": "Offer"}
    findings = [_f("A", "high", [
        Evidence("body", 4, 11, "the fee"),       # good
        Evidence("body", 0, 3, "xyz"),            # text does not match the offsets
        Evidence("body", 5, 99, "out of range"),  # past the end
        Evidence("from_name", 0, 3, "ILO"),       # a view that is not shown
        Evidence("body", 0, 0, ""),               # no span
    ], breaks="no_fee")]
    sections, items = build(_verdict(views, findings), "en")
    assert [s.field for s in sections] == ["subject", "body"]
    body = sections[1]
    assert [(s.text, s.findings) for s in body.segments] == [("pay ", []), ("the fee", [1])]
    assert [e.anchor for e in items[0].evidence] == ["ev-1-1", None, None, None, None]
    assert items[0].evidence[3].label == "the sender's name"
    assert items[0].anchor == "finding-1"


def test_build_orders_headers_before_body_and_labels_in_language():
    views = {"body": "b", "reply_to_2": "r2", "from": "f", "subject": "s", "x_custom": "x",
             "sender": "", "reply_to": "r"}
    sections, _ = build(_verdict(views, []), "es")
    assert [s.field for s in sections] == ["subject", "from", "reply_to", "reply_to_2",
                                           "x_custom", "body"]
    assert [s.label for s in sections][:3] == ["Asunto", "De", "Responder a"]
    assert sections[3].label == "Responder a (2)"


def test_list_leaves_out_a_span_already_quoted_by_a_larger_one():
    views = {"sender": "ilo.jobs@gmail.com"}
    findings = [_f("A", "high", [
        Evidence("sender", 0, 18, "ilo.jobs@gmail.com", "free mail"),
        Evidence("sender", 0, 3, "ilo"),                       # inside the first: not listed
        Evidence("sender", 0, 18, "ilo.jobs@gmail.com"),       # same span again: not listed
        Evidence("sender", 9, 14, "gmail", "the provider"),   # has its own detail: listed
    ])]
    sections, items = build(_verdict(views, findings), "en")
    assert [(e.text, e.anchor) for e in items[0].evidence] == [
        ("ilo.jobs@gmail.com", "ev-1-1"), ("gmail", "ev-1-4")]
    # all of them are still highlighted
    assert [seg.anchors for seg in sections[0].segments] == [["ev-1-1", "ev-1-2", "ev-1-3"], [], ["ev-1-4"], []]
