"""The state of one message as it goes through the engine stages.

Takes: the loaded ``RuleSet`` (guard/rules.py), the ``Parsed`` message
(guard/parse.py), the verdict's language and a deadline.
Gives: ``State``, which every stage reads and adds to: ``view(name)``
normalises a text view the first time a stage asks for it (guard/normalize.py,
guard/vocab.py; each view once per message), ``contexts`` (guard/contexts.py),
``findings`` (guard/findings.py, guard/checks.py, guard/meta.py), ``facts``
(guard/checks.py), ``notes``, ``unknowns`` and ``complete``.

Each stage module imports this one and the stages before it, never one after
it (guard/engine.py runs them in order).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .facts import SenderFacts
from .frames import Matcher, derive
from .model import Evidence, Finding
from .normalize import NormView
from .parse import Parsed
from .rules import RuleSet
from .scope import Scopes, reported
from .vocab import Text, apply_masks, scan


@dataclass(slots=True)
class View:
    """One text view, matched: its concept hits (``text``), its scope units
    (``scopes``: sentences, blocks, who speaks) and a frame matcher over
    sentences and one over blocks."""

    name: str
    text: Text
    scopes: Scopes
    sentence: Matcher
    block: Matcher

    def matcher(self, scope: str) -> Matcher:
        return self.block if scope == "block" else self.sentence


@dataclass(slots=True)
class State:
    ruleset: RuleSet
    parsed: Parsed
    lang: str
    deadline: float
    views: dict[str, View | None] = field(default_factory=dict)
    contexts: dict[str, Sequence[Evidence]] = field(default_factory=dict)   # contexts.EvidenceList
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)
    complete: bool = True
    # what checks learn about the sender, for meta rules and the verdict (guard/facts.py)
    facts: SenderFacts = field(default_factory=SenderFacts)

    def view(self, name: str) -> View | None:
        """The matched view ``name`` ("subject", "body", "from" ...), or None
        when the message has no such text."""
        if name in self.views:
            return self.views[name]
        raw = self.parsed.views.get(name)
        view = None
        if raw:
            ruleset = self.ruleset
            text = Text.of(NormView.of(raw, turns=name == "body"))
            scan(ruleset.vocab, text)
            scopes = Scopes.of(text)
            if name == "body":
                subject = self.view("subject")
                scopes.title_warns = bool(subject and subject.text.get("scam_word"))
            # derived concepts are matched when first asked for, over the
            # masked hits ("n° 2026" makes no amount); a mask by a derived
            # concept ("your new job at the ILO") waits until then
            if ruleset.derived:
                derived = ruleset.derived
                text.derive_fn = lambda text, concept: derive(text, derived[concept])
            apply_masks(ruleset.vocab, text)
            view = View(name, text, scopes, Matcher(text, lambda: scopes.sentences),
                        Matcher(text, lambda: scopes.blocks))
        self.views[name] = view
        return view

    def reported_at(self, field: str, original_pos: int) -> bool:
        """Is the text at ``original_pos`` of view ``field`` someone else's
        words (a warning, a report, a quotation)? For checks that find
        addresses in the original text."""
        view = self.view(field)
        if view is None:
            return False
        pos = min(view.text.from_original(original_pos), max(0, len(view.text.text) - 1))
        return reported(view.scopes, pos, pos + 1)

    def short_body(self, words: int) -> bool:
        """Has the body fewer than ``words`` words (no body: yes)?"""
        view = self.view("body")
        return view is None or view.text.fewer_words_than(words)

    def over_budget(self) -> bool:
        """Past the deadline? The first time, the verdict is marked incomplete
        with a note."""
        if time.perf_counter() > self.deadline:
            if self.complete:
                self.complete = False
                self.notes.append("time budget exceeded: some rules were skipped")
            return True
        return False


def evidence(view: View, start: int, end: int, detail: str | None = None) -> Evidence:
    """The evidence for the normalised span [start, end) of ``view``, in the
    original text's offsets and words."""
    original_start, original_end = view.text.original_span(start, end)
    return Evidence(view.name, original_start, original_end,
                    view.text.norm.original[original_start:original_end], detail)
