"""Turns a Verdict into what the result page shows.

The message is shown back view by view ("subject", "from", "body", ...) as
a list of plain-text segments. A segment covered by one or more evidence
spans is highlighted and lists the findings it belongs to; a span's end
carries references to its findings. Nothing here builds HTML: the template
writes every segment's text through Jinja's autoescaping, so splitting text
at evidence offsets can never open an injection path.

Also here: the state of each point of the ILO's warning (found / checked /
not checked), the findings in reading order with repeated evidence set
apart, parse notes and malformed-sender details as translated sentences
(never an exception's or a library's own words), and the plain-text summary
behind "Copy summary". Every function that returns words needs a request
context (Flask-Babel picks the language from it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalogs import gettext as _
from .catalogs import ngettext

from . import organisation

# The order views are shown in; views not listed follow, then the body last.
VIEW_ORDER = ("subject", "from", "sender", "reply_to", "reply_to_2", "reply_to_3",
              "return_path", "authentication_results")

POINTS = ("no_fee", "ilo_org_only", "no_bank_details")

# A finding is "on" a point of the ILO's warning when the engine says it
# breaks that point, or when its category is that point's concern: the box
# must never say "no sign of this" next to a finding about it.
POINT_CATEGORIES = {
    "no_fee": {"fee_request", "payment_channel"},
    "ilo_org_only": {"sender", "contact_channel"},
    "no_bank_details": {"bank_details"},
}

_SEV_RANK = {"low": 0, "medium": 1, "high": 2}

# C0 controls (tab, newline and carriage return aside), DEL and lone
# surrogates are shown as U+FFFD: one character for one, so evidence
# offsets still index the shown text, and a NUL byte never reaches the page.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def showable(text: str | None) -> str:
    if not text:
        return text or ""
    return _UNSHOWABLE.sub(REPLACEMENT, text)


def field_label(name: str) -> str:
    """A readable name for a view ("body" -> "Message text"); unknown views as named."""
    labels = {
        "subject": _("Subject"),
        "from": _("From"),
        "sender": _("Sender you typed"),
        "reply_to": _("Reply-To"),
        "return_path": _("Return-Path"),
        "authentication_results": _("Authentication results"),
        "body": _("Message text"),
        "from_name": _("the sender's name"),
    }
    base = "reply_to" if name.startswith("reply_to_") else name
    if base in labels:
        label = labels[base]
        if base != name:
            label = f"{label} ({name.rsplit('_', 1)[1]})"
        return label
    return name.replace("_", " ")


def point_text(point: str) -> str:
    return {
        "no_fee": _("The ILO never charges a fee at any stage of recruitment."),
        "ilo_org_only": _("The ILO writes to candidates only from ilo.org addresses."),
        "no_bank_details": _("The ILO never asks candidates for bank details."),
    }[point]


def point_short(point: str) -> str:
    return {
        "no_fee": _("No fee, ever"),
        "ilo_org_only": _("Only ilo.org addresses"),
        "no_bank_details": _("No bank details"),
    }[point]


# -- notes and details in the user's words -------------------------------------------

_NOTE_PATTERNS = (
    (re.compile(r"\bcut at\b|only the first \d+ characters"), "long"),
    (re.compile(r"MIME|structure too deep|nested"), "structure"),
    (re.compile(r"time budget"), "time"),
    (re.compile(r"^DNS"), "dns"),
    (re.compile(r"internal error"), "internal"),
)


def _note_sentence(kind: str) -> str:
    return {
        "long": _("The message is very long: only its first part was checked."),
        "structure": _("The message has an unusual structure: some of its parts could not be read."),
        "time": _("The check ran out of time: some warning signs may not have been looked for."),
        "dns": _("Some checks of the sender's domain on the internet could not be done."),
        "internal": _("Part of the check failed, so the result may be incomplete."),
        "other": _("Part of the message could not be checked."),
    }[kind]


def user_notes(notes: list[str]) -> list[str]:
    """The engine's notes (technical) as sentences in the page's language.
    A note is sorted by its English words (``Note.english``, guard/texts.py:
    the verdict's notes are in the verdict's language)."""
    kinds: list[str] = []
    for n in notes:
        en = getattr(n, "english", n)
        kind = next((k for pat, k in _NOTE_PATTERNS if pat.search(en)), "other")
        if kind not in kinds:
            kinds.append(kind)
    return [_note_sentence(k) for k in kinds]


def _malformed_rules() -> frozenset[str]:
    try:
        from guard.rules import default_ruleset

        return frozenset(r.id for r in default_ruleset().rules if r.check == "from_malformed")
    except Exception:     # the page still works; such a detail then reads as generic
        return frozenset()


_MALFORMED: frozenset[str] | None = None


def malformed_rule_ids() -> frozenset[str]:
    global _MALFORMED
    if _MALFORMED is None:
        _MALFORMED = _malformed_rules()
    return _MALFORMED


def _malformed_detail(raw: str) -> str:
    """The engine's "what is wrong: InvalidHeaderDefect; not a valid address: ..." as words."""
    why = raw.split(":", 1)[1] if ":" in raw else raw
    reasons: list[str] = []
    for part in (p.strip() for p in why.split(";")):
        if not part:
            continue
        if part == "more than one From header":
            r = _("there is more than one From line")
        elif part == "more than one address in From":
            r = _("the From line holds more than one address")
        elif part.startswith("not a valid address"):
            r = _("the address cannot exist as it is written")
        elif part == "NonPrintableDefect":
            r = _("it contains invisible control characters")
        else:
            r = _("it breaks the rules for writing an address")
        if r not in reasons:
            reasons.append(r)
    if not reasons:
        reasons.append(_("it breaks the rules for writing an address"))
    return _("what is wrong: %(why)s", why="; ".join(reasons))


def evidence_detail(rule_id: str, detail: str | None) -> str | None:
    if detail is None:
        return None
    if rule_id in malformed_rule_ids():
        return _malformed_detail(detail)
    return showable(detail)


# -- data for the template ---------------------------------------------------------------

@dataclass(slots=True)
class Span:
    start: int
    end: int
    finding: int     # 1-based finding number (in the page's order)
    evidence: int    # 1-based evidence number within that finding
    severity: str


@dataclass(slots=True)
class Segment:
    text: str
    findings: list[int] = field(default_factory=list)    # numbers of the covering findings
    severity: str = ""                                    # highest severity covering it
    anchors: list[str] = field(default_factory=list)      # element ids of spans starting here
    covering: list[str] = field(default_factory=list)     # ids of every span covering it
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
    points: list[str]                       # points of the ILO's warning it is on
    evidence: list[EvidenceItem]            # quoted here for the first time
    repeated: list[EvidenceItem]            # already quoted above: folded away
    show_breaks: bool = False               # the first finding on that point says so

    @property
    def anchor(self) -> str:
        return f"finding-{self.number}"

    @property
    def combined(self) -> bool:
        return self.category == "combination"


@dataclass(slots=True)
class PointState:
    point: str
    status: str                  # "found" | "checked" | "not_checked"
    findings: list[int]          # numbers of the findings on this point
    reason: str = ""             # why not checked / a caution: "sender_unknown", ...


@dataclass(slots=True)
class Result:
    sections: list[Section]
    findings: list[FindingItem]     # every finding, numbered in this order
    main: list[FindingItem]         # the signs themselves
    combined: list[FindingItem]     # how the signs add up (meta rules), folded
    points: list[PointState]
    display: str                    # "fraud" | "suspicious" | "clear" | "clear_signs"
    notes: list[str]


def evidence_anchor(finding: int, evidence: int) -> str:
    return f"ev-{finding}-{evidence}"


def _valid(views: dict[str, str], ev) -> bool:
    """True if the evidence points at a non-empty span of a view we show."""
    text = views.get(ev.field)
    if text is None or not isinstance(ev.start, int) or not isinstance(ev.end, int):
        return False
    if not (0 <= ev.start < ev.end <= len(text)):
        return False
    return showable(text[ev.start:ev.end]) == showable(ev.text)


def finding_points(f) -> list[str]:
    return [p for p in POINTS if f.breaks == p or f.category in POINT_CATEGORIES[p]]


def point_states(verdict, numbered: list[tuple[int, object]]) -> list[PointState]:
    views = verdict.views or {}
    has_text = any((views.get(k) or "").strip() for k in ("body", "subject"))
    sender = (verdict.sender or {}).get("address")
    out = []
    for p in POINTS:
        nums = [n for n, f in numbered if p in finding_points(f)]
        if nums:
            out.append(PointState(p, "found", nums))
        elif p == "ilo_org_only":
            if not sender:
                out.append(PointState(p, "not_checked", [], "sender_unknown"))
            elif "authentication" in (verdict.unknowns or []):
                out.append(PointState(p, "checked", [], "not_authenticated"))
            else:
                out.append(PointState(p, "checked", []))
        elif not verdict.complete:
            out.append(PointState(p, "not_checked", [], "incomplete"))
        elif not has_text:
            out.append(PointState(p, "not_checked", [], "no_text"))
        else:
            out.append(PointState(p, "checked", []))
    return out


def display_level(verdict) -> str:
    level = verdict.level.value
    if level == "clear" and verdict.findings:
        return "clear_signs"
    return level


def _order(findings: list) -> list:
    """Signs first (the engine's order: highest score first), combinations after."""
    return ([f for f in findings if f.category != "combination"]
            + [f for f in findings if f.category == "combination"])


def build(verdict) -> Result:
    views = {k: showable(v) for k, v in (verdict.views or {}).items() if isinstance(v, str) and v}
    ordered = _order(list(verdict.findings))
    numbered = list(enumerate(ordered, 1))
    spans: dict[str, list[Span]] = {}
    items: list[FindingItem] = []
    quoted: set[tuple[str, int, int, str]] = set()     # spans already quoted on the page
    said_breaks: set[str] = set()
    for fi, f in numbered:
        evs: list[EvidenceItem] = []
        repeated: list[EvidenceItem] = []
        for ei, ev in enumerate(f.evidence, 1):
            anchor = None
            if _valid(views, ev):
                anchor = evidence_anchor(fi, ei)
                spans.setdefault(ev.field, []).append(Span(ev.start, ev.end, fi, ei, f.severity))
            item = EvidenceItem(ev.field, field_label(ev.field), showable(ev.text),
                                evidence_detail(f.rule_id, ev.detail), anchor)
            key = (ev.field, ev.start, ev.end, ev.text)
            if key in quoted or _inside_another(f.evidence, ei - 1):
                repeated.append(item)
            else:
                evs.append(item)
                quoted.add(key)
        pts = finding_points(f)
        show = bool(f.breaks) and f.breaks not in said_breaks
        if f.breaks:
            said_breaks.add(f.breaks)
        items.append(FindingItem(fi, f.rule_id, f.category, f.severity, f.confidence,
                                 showable(f.title), showable(f.explanation), f.breaks, pts,
                                 evs, repeated, show))
    order = [k for k in VIEW_ORDER if k in views]
    order += sorted(k for k in views if k not in VIEW_ORDER and k != "body")
    if "body" in views:
        order.append("body")
    sections = [
        Section(k, field_label(k), segments(views[k], spans.get(k, [])),
                multiline=(k == "body" or "\n" in views[k]))
        for k in order
    ]
    return Result(
        sections=sections,
        findings=items,
        main=[i for i in items if not i.combined],
        combined=[i for i in items if i.combined],
        points=point_states(verdict, numbered),
        display=display_level(verdict),
        notes=user_notes(verdict.notes or []),
    )


def _inside_another(evidence: list, i: int) -> bool:
    """True if evidence ``i`` adds nothing to its finding's list: the same or a
    smaller span of the same view is quoted by another item of that finding,
    and it has no detail of its own. (It is still highlighted in the message.)"""
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
            seg.covering = [evidence_anchor(s.finding, s.evidence) for s in covering]
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


# -- words used by the template and the summary ---------------------------------------------

def level_label(display: str) -> str:
    return {
        "fraud": _("Fraud"),
        "suspicious": _("Suspicious"),
        "clear": _("No known warning signs"),
        "clear_signs": _("Minor warning signs"),
    }[display]


def headline(display: str, count: int) -> str:
    if display == "fraud":
        return _("This message shows the signs of ILO recruitment fraud.")
    if display == "suspicious":
        return _("Warning signs found: be careful with this message.")
    if display == "clear_signs":
        return ngettext("Not enough to call it fraud, but %(num)d warning sign was found.",
                        "Not enough to call it fraud, but %(num)d warning signs were found.",
                        count)
    return _("No known warning signs found.")


def summary_line(display: str) -> str:
    return {
        "fraud": _("Do not pay anything and do not send any personal data."),
        "suspicious": _("It has signs that scams often have. Check it carefully before you "
                        "reply or pay anything."),
        "clear_signs": _("Read what was found below before you reply or pay anything."),
        "clear": _("That does not prove the message is genuine: this page only knows the "
                   "warning signs it looks for."),
    }[display]


def point_status_text(ps: PointState) -> str:
    if ps.status == "found":
        return _("Found: the message goes against this")
    if ps.status == "checked":
        return _("Checked: no sign against this found")
    return _("Not checked")


def point_reason_text(ps: PointState) -> str:
    return {
        "sender_unknown": _("The sender's address is not known: paste the whole message "
                            "with its headers, or type the address below."),
        "not_authenticated": _("The sender's address ends in ilo.org, but this page cannot "
                               "confirm that the ILO really sent it."),
        "incomplete": _("The check could not finish."),
        "no_text": _("There was no text to check."),
    }.get(ps.reason, "")


def summary_text(verdict, result: Result, checked_on: str) -> str:
    """Plain text for "Copy summary": the verdict, the three points, the
    findings with their evidence (the only words of the message it quotes),
    and where to act."""
    lines = [
        _("ILO job offer check"),
        _("Verdict: %(level)s", level=level_label(result.display)),
        headline(result.display, len(result.findings)),
        _("Checked on %(date)s", date=checked_on),
        "",
        _("The ILO's own warning:"),
    ]
    for ps in result.points:
        lines.append(f"- {point_short(ps.point)}: {point_status_text(ps)}")
    if result.main:
        lines += ["", _("What was found:")]
        for f in result.main:
            quotes = [e.text if len(e.text) <= 160 else e.text[:157] + "…"
                      for e in f.evidence + f.repeated if e.text]
            q = ", ".join(f"“{t}”" for t in dict.fromkeys(quotes))
            lines.append(f"- {f.title}" + (f": {q}" if q else ""))
    links = organisation.links()
    lines += ["", _("What to do now:"),
              "- " + _("ILO vacancies: %(url)s", url=links["jobs_url"]),
              "- " + _("The ILO's warning about recruitment fraud: %(url)s",
                       url=links["fraud_warning_url"]),
              "- " + _("Report it to the ILO: %(address)s", address=links["report_address"])]
    return "\n".join(showable(x) for x in lines) + "\n"


_LINKABLE = re.compile(r"\bjobs\.ilo\.org\b")


def link_parts(text: str) -> list[tuple[str, str | None]]:
    """Rule-pack advice split into (text, url-or-None) pieces: the ILO jobs
    site it names becomes a link. Only text; the template escapes each piece."""
    out: list[tuple[str, str | None]] = []
    pos = 0
    for m in _LINKABLE.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], None))
        out.append((m.group(0), organisation.links()["jobs_url"]))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], None))
    return out
