"""Contexts: sub-rules that never score alone (rules/contexts.toml).

Takes: a ``State`` (guard/state.py) whose views the contexts' concepts and
frames are matched in.
Gives: ``state.contexts``, a context's name ("recruitment", "ilo_named",
"claims_ilo" ...) to up to three pieces of evidence (an ``EvidenceList``:
found as spans, put in the original's words the first time one is read,
since most messages never show theirs), for every context that holds. A context holds when ``min_distinct`` different words of it are kept
(guard/keep.py: not negated, not someone else's words, as the context asks),
or ``short_min_distinct`` in a body shorter than ``short_words``; it never
holds when one of its ``absent`` contexts does. ``implies`` then adds the
contexts a holding one stands for (a sender name claims the ILO, a claim
names it), in chains.
"""

from __future__ import annotations

from collections.abc import Sequence

from .keep import kept
from .model import Evidence
from .state import State, View, evidence


class EvidenceList(Sequence):
    """A context's evidence: (view, start, end) spans of the normalised
    text, each made an ``Evidence`` when the list is first read. Mapping a
    span to the original needs the squeeze's offset map, a pass over the
    whole text: a long message that never reports the context saves it."""

    __slots__ = ("_spans", "_items")

    def __init__(self, spans: list[tuple[View, int, int]]) -> None:
        self._spans = spans
        self._items: list[Evidence] | None = None

    def _made(self) -> list[Evidence]:
        if self._items is None:
            self._items = [evidence(view, a, b) for view, a, b in self._spans]
        return self._items

    def __getitem__(self, i):
        return self._made()[i]

    def __len__(self) -> int:
        return len(self._spans)


def eval_contexts(state: State) -> None:
    """Fill ``state.contexts`` (stops early past the deadline)."""
    negation = state.ruleset.language["negation"]
    for name, context in state.ruleset.contexts.items():
        if state.over_budget():
            return
        if any(other in state.contexts for other in context.absent):
            continue
        found: list[tuple[View, int, int]] = []
        distinct: set[str] = set()
        need = context.min_distinct
        if context.short_words and state.short_body(context.short_words):
            need = min(need, context.short_min_distinct)
        enough = max(3, need)
        for field in context.fields:
            view = state.view(field)
            if view is None:
                continue
            spans = [hit for concept in context.concepts for hit in view.text.get(concept)]
            for frame in context.frames:
                spans.extend(view.sentence.find(frame))
            for start, end in sorted(spans):
                word = view.text.text[start:end]
                if word in distinct:
                    continue
                if not kept(view, start, end, negation, context.negatable, context.speaker):
                    continue
                distinct.add(word)
                found.append((view, start, end))
                if len(found) >= enough:
                    break
            if len(found) >= enough:
                break
        if found and len(distinct) >= need:
            state.contexts[name] = EvidenceList(found)
    _add_implied(state)


def _add_implied(state: State) -> None:
    changed = True
    while changed:            # implications may chain (sender name -> claim -> named)
        changed = False
        for name, context in state.ruleset.contexts.items():
            if context.implies and name in state.contexts and context.implies not in state.contexts:
                state.contexts[context.implies] = state.contexts[name]
                changed = True
