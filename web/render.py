"""Turns a Verdict into what the result page shows.

The message is shown back view by view ("subject", "from", "body", ...) as
a list of plain-text segments. A segment covered by one or more evidence
spans is highlighted and lists the findings it belongs to; a span's end
carries references to its findings. Nothing here builds HTML: the template
writes every segment's text through Jinja's autoescaping, so splitting text
at evidence offsets can never open an injection path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import field_label

# The order views are shown in; views not listed follow, then the body last.
VIEW_ORDER = ("subject", "from", "sender", "reply_to", "reply_to_2", "reply_to_3",
              "return_path", "authentication_results")

_SEV_RANK = {"low": 0, "medium": 1, "high": 2}


@dataclass(slots=True)
class Span:
    start: int
    end: int
    finding: int     # 1-based finding number
    evidence: int    # 1-based evidence number within that finding
    severity: str


@dataclass(slots=True)
class Segment:
    text: str
    findings: list[int] = field(default_factory=list)    # numbers of the covering findings
    severity: str = ""                                    # highest severity covering it
    anchors: list[str] = field(default_factory=list)      # element ids of spans starting here
    refs: list[int] = field(default_factory=list)         # findings of the run ending here

    @property
    def marked(self) -> bool:
        return bool(self.findings)


@dataclass(slots=True)
class Section:
    field: str
    label: str
    segments: list[Segment]
    multiline: bool


@dataclass(slots=True)
class EvidenceItem:
    field: str
    label: str
    text: str
    detail: str | None
    anchor: str | None   # element id in the shown message, or None if not highlighted


@dataclass(slots=True)
class FindingItem:
    number: int
    rule_id: str
    category: str
    severity: str
    confidence: str
    title: str
    explanation: str
    breaks: str | None
    evidence: list[EvidenceItem]

    @property
    def anchor(self) -> str:
        return f"finding-{self.number}"


def evidence_anchor(finding: int, evidence: int) -> str:
    return f"ev-{finding}-{evidence}"


def _valid(views: dict[str, str], ev) -> bool:
    """True if the evidence points at a non-empty span of a view we show."""
    text = views.get(ev.field)
    if text is None or not isinstance(ev.start, int) or not isinstance(ev.end, int):
        return False
    if not (0 <= ev.start < ev.end <= len(text)):
        return False
    return text[ev.start:ev.end] == ev.text


def _repeats(evidence: list, i: int) -> bool:
    """True if evidence ``i`` adds nothing to the finding's list: the same or a
    smaller span of the same view is already quoted by another item, and it has
    no detail of its own. (It is still highlighted in the message.)"""
    e = evidence[i]
    if e.detail or not e.text:
        return False
    for j, o in enumerate(evidence):
        if j == i or o.field != e.field or not o.text:
            continue
        inside = o.start <= e.start and e.end <= o.end
        same = (o.start, o.end) == (e.start, e.end)
        if inside and (not same or j < i):
            return True
    return False


def build(verdict, lang: str) -> tuple[list[Section], list[FindingItem]]:
    """The message's sections with highlights, and the numbered findings."""
    views = {k: v for k, v in (verdict.views or {}).items() if isinstance(v, str) and v}
    spans: dict[str, list[Span]] = {}
    items: list[FindingItem] = []
    for fi, f in enumerate(verdict.findings, 1):
        evs = []
        for ei, ev in enumerate(f.evidence, 1):
            anchor = None
            if _valid(views, ev):
                anchor = evidence_anchor(fi, ei)
                spans.setdefault(ev.field, []).append(
                    Span(ev.start, ev.end, fi, ei, f.severity))
            if not _repeats(f.evidence, ei - 1):
                evs.append(EvidenceItem(ev.field, field_label(lang, ev.field), ev.text,
                                        ev.detail, anchor))
        items.append(FindingItem(fi, f.rule_id, f.category, f.severity, f.confidence,
                                 f.title, f.explanation, f.breaks, evs))
    order = [k for k in VIEW_ORDER if k in views]
    order += sorted(k for k in views if k not in VIEW_ORDER and k != "body")
    if "body" in views:
        order.append("body")
    sections = [
        Section(k, field_label(lang, k), segments(views[k], spans.get(k, [])),
                multiline=(k == "body" or "\n" in views[k]))
        for k in order
    ]
    return sections, items


def segments(text: str, spans: list[Span]) -> list[Segment]:
    """Split ``text`` at every span boundary; overlapping spans are allowed."""
    if not spans:
        return [Segment(text)]
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [s for s in spans if s.start <= a and s.end >= b]
        seg = Segment(text[a:b])
        if covering:
            seg.findings = sorted({s.finding for s in covering})
            seg.severity = max((s.severity for s in covering),
                               key=lambda v: _SEV_RANK.get(v, 0))
        seg.anchors = [evidence_anchor(s.finding, s.evidence) for s in spans if s.start == a]
        out.append(seg)
    # References go once at the end of each run of highlighted text, naming
    # every finding seen in that run (not after each overlapping piece).
    run: set[int] = set()
    for i, seg in enumerate(out):
        run.update(seg.findings)
        if seg.marked and (i + 1 == len(out) or not out[i + 1].marked):
            seg.refs = sorted(run)
        if not seg.marked or seg.refs:
            run = set()
    return out


def broken_points(verdict) -> set[str]:
    return {f.breaks for f in verdict.findings if f.breaks}
