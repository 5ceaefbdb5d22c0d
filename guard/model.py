"""The typed result of a check: Verdict, Finding, Evidence.

A verdict is a normal return value, never an exception. Field names and the
values of ``Level`` and ``Finding.category`` are a contract: front ends, mail
filters and operators' scripts key on them. ``Verdict.to_dict()`` gives the
JSON form documented in README.md ("Verdict fields"); its ``schema`` member
names the version of that form.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "guard.verdict/1"

LANGS = ("en", "es", "fr", "pt")

# Why a verdict is incomplete (Verdict.incomplete)
INCOMPLETE = ("timeout", "internal", "size")


class Level(str, enum.Enum):
    """How worried to be. The three values are a contract."""

    CLEAR = "clear"            # no known warning sign found (never "safe")
    SUSPICIOUS = "suspicious"  # warning signs, not enough to call it fraud
    FRAUD = "fraud"            # the signs of ILO recruitment fraud

    def __str__(self) -> str:  # "fraud", not "Level.FRAUD"
        return self.value

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Level.CLEAR: 0, Level.SUSPICIOUS: 1, Level.FRAUD: 2}

# Finding categories. The first three are the three points of the ILO's own
# warning; the others are signs the rules also look for.
CATEGORIES = (
    "fee_request",        # a fee or payment asked of the candidate
    "bank_details",       # bank account or card data asked of the candidate
    "sender",             # the sender is not who it claims to be
    "link",               # links to look-alike or disguised addresses
    "contact_channel",    # replies steered to free mail, WhatsApp, ...
    "payment_channel",    # Western Union, gift cards, crypto, ...
    "identity_document",  # passport / ID copies asked up front
    "pressure",           # deadlines, threats, secrecy, too-good offers
    "dns",                # what DNS says of the domains (when turned on)
    "combination",        # meta rules: several signs together
)

# Which point of the ILO's warning a finding breaks.
WARNING_POINTS = ("no_fee", "ilo_org_only", "no_bank_details")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a finding was seen.

    ``text`` is exactly ``view[start:end]`` of the view named by ``field``
    ("subject", "body", "from", "reply_to", "return_path", "sender",
    "authentication_results", ...). Offsets count Python ``str`` characters
    of the decoded text the user sees, so a front end can highlight them.
    """

    field: str
    start: int
    end: int
    text: str
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.detail is not None:
            d["detail"] = self.detail
        return d


@dataclass(slots=True)
class Finding:
    """One warning sign: which rule fired, why it matters, where it was seen."""

    rule_id: str
    category: str
    severity: str      # "low" | "medium" | "high"
    confidence: str    # "low" | "medium" | "high"
    title: str
    explanation: str
    evidence: list[Evidence] = field(default_factory=list)
    breaks: str | None = None   # one of WARNING_POINTS, or None
    score: float = 0.0          # what this finding added to the verdict's score

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "category": self.category,
            "severity": self.severity,
            "confidence": self.confidence,
            "title": self.title,
            "explanation": self.explanation,
            "breaks": self.breaks,
            "score": round(self.score, 2),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(slots=True)
class Verdict:
    """The answer of ``guard.check()``.

    ``level`` is the machine-readable verdict; ``findings`` say why. When the
    check could not finish (a time or size budget, an internal error), the
    verdict still comes back: ``complete`` is False and ``notes`` says what
    was skipped, so a mail filter can fail open and a person is told.

    ``incomplete`` says why, in one word a program can key on: ``"timeout"``
    (the time budget ran out), ``"internal"`` (guard failed: fail open) or
    ``"size"`` (the message was above a front end's size cap and was not
    checked); None when the check completed. A verdict made with
    ``complete=False`` and no reason is a timeout (the engine's only reason
    to stop early); one made with a reason is never complete.
    """

    level: Level
    score: float
    findings: list[Finding]
    advice: list[str]
    lang: str = "en"
    claims_ilo: bool = False
    sender: dict[str, Any] = field(default_factory=dict)
    unknowns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    complete: bool = True
    elapsed_ms: float = 0.0
    views: dict[str, str] = field(default_factory=dict)
    ruleset: str = ""
    incomplete: str | None = None

    def __post_init__(self) -> None:
        if self.incomplete is not None:
            if self.incomplete not in INCOMPLETE:
                raise ValueError(f"incomplete must be one of {INCOMPLETE} or None, not {self.incomplete!r}")
            self.complete = False
        elif not self.complete:
            self.incomplete = "timeout"

    @property
    def rule_ids(self) -> list[str]:
        return [f.rule_id for f in self.findings]

    @property
    def categories(self) -> set[str]:
        return {f.category for f in self.findings}

    def to_dict(self, include_views: bool = False) -> dict[str, Any]:
        """JSON-ready form; ``include_views`` adds the texts evidence points into."""
        from . import __version__

        d: dict[str, Any] = {
            "schema": SCHEMA,
            "level": self.level.value,
            "score": round(self.score, 2),
            "claims_ilo": self.claims_ilo,
            "lang": self.lang,
            "findings": [f.to_dict() for f in self.findings],
            "advice": list(self.advice),
            "sender": dict(self.sender),
            "unknowns": list(self.unknowns),
            "notes": list(self.notes),
            "complete": self.complete,
            "incomplete": self.incomplete,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "version": __version__,
            "ruleset": self.ruleset,
        }
        if include_views:
            d["views"] = dict(self.views)
        return d
