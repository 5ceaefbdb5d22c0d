"""Findings of text rules, and the one way every stage makes a Finding.

Takes: a ``State`` (guard/state.py) with its contexts (guard/contexts.py),
and one text rule (guard/rules.py ``Rule``, ``kind == "text"``).
Gives: a ``Finding`` (guard/model.py) when at least one match of the rule's
frames is kept, with up to five pieces of evidence in the original text, or
None. A rule is skipped when its ``requires`` contexts are absent or one of
its ``unless_contexts`` holds; each match is judged by guard/keep.py.

``make_finding`` is also how check rules (guard/checks.py) and meta rules
(guard/meta.py) make theirs: title and explanation in the verdict's
language, evidence in reading order (subject first), each span once.
"""

from __future__ import annotations

from .keep import addresses_reader, kept
from .model import Evidence, Finding
from .rules import Rule
from .state import State, evidence

MAX_EVIDENCE_PER_RULE = 5


def requirements_met(rule: Rule, contexts) -> bool:
    """Every entry of ``requires`` must hold; ``"a|b"`` holds when a or b does."""
    return all(any(c in contexts for c in required.split("|")) for required in rule.requires)


def run_text_rule(state: State, rule: Rule) -> Finding | None:
    """The finding of text rule ``rule`` on this message, or None."""
    if not requirements_met(rule, state.contexts):
        return None
    if any(c in state.contexts for c in rule.unless_contexts):
        return None
    negation = state.ruleset.language["negation"]
    found: list[Evidence] = []
    seen: set[tuple[str, int]] = set()
    for field in rule.fields:
        view = state.view(field)
        if view is None:
            continue
        matcher = view.matcher(rule.scope)
        for frame in rule.frames:
            for start, end in matcher.find(frame):
                if (field, start) in seen:
                    continue
                if not kept(view, start, end, negation, rule.negatable, rule.speaker,
                            rule.unless, rule.unless_near):
                    continue
                if rule.addressed and not addresses_reader(view, start):
                    continue
                seen.add((field, start))
                found.append(evidence(view, start, end))
                if len(found) >= MAX_EVIDENCE_PER_RULE:
                    return make_finding(rule, state.lang, found)
    if not found:
        return None
    return make_finding(rule, state.lang, found)


def make_finding(rule: Rule, lang: str, found: list[Evidence]) -> Finding:
    """Rule ``rule``'s finding with evidence ``found``, in language ``lang``
    (English where the rule has no text in it)."""
    found.sort(key=lambda e: (e.field != "subject", e.field, e.start))
    return Finding(
        rule_id=rule.id, category=rule.category, severity=rule.severity,
        confidence=rule.confidence,
        title=rule.title.get(lang) or rule.title["en"],
        explanation=rule.explanation.get(lang) or rule.explanation["en"],
        evidence=_each_span_once(found), breaks=rule.breaks,
    )


def _each_span_once(found: list[Evidence]) -> list[Evidence]:
    seen = set()
    out = []
    for e in found:
        key = (e.field, e.start, e.end)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
