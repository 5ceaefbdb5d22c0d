"""Meta rules: combinations of findings, contexts and sender facts
(rules/scoring.toml ``[[meta]]``, ids GRD9xx).

Takes: a ``State`` (guard/state.py) after text rules and check rules have
added their findings, and the sender facts the checks learnt
(``state.facts``, guard/facts.py ``SenderFacts``).
Gives: one more ``Finding`` per meta rule whose ``when`` holds, appended to
``state.findings``; its evidence is the strongest piece of each finding it
combines, and of the first of its contexts that holds.

``when`` keys (the loader, guard/rules.py, checks their names):
``all_categories``, ``any_category`` (of the findings so far), ``contexts``,
``any_context``, ``facts``, ``any_fact``, ``not_facts`` (yes/no fields of
``SenderFacts``), ``any_rule`` (rule ids). Every key given must hold; an
``any_`` key holds when one of its names does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .facts import SenderFacts
from .findings import make_finding
from .model import Evidence
from .state import State


@dataclass(frozen=True, slots=True)
class Present:
    """What a meta rule's ``when`` is tested against."""

    categories: frozenset[str]
    rule_ids: frozenset[str]
    contexts: object          # anything with ``in``: the context names that hold
    facts: SenderFacts

    @classmethod
    def of(cls, state: State) -> "Present":
        return cls(frozenset(f.category for f in state.findings),
                   frozenset(f.rule_id for f in state.findings), state.contexts, state.facts)


def holds(when: dict, present: Present) -> bool:
    """Does meta condition ``when`` hold for what is ``present``?"""
    if any(cat not in present.categories for cat in when.get("all_categories", ())):
        return False
    any_category = when.get("any_category")
    if any_category and not present.categories.intersection(any_category):
        return False
    if any(name not in present.contexts for name in when.get("contexts", ())):
        return False
    any_context = when.get("any_context")
    if any_context and not any(name in present.contexts for name in any_context):
        return False
    facts = present.facts
    if not all(facts.holds(fact) for fact in when.get("facts", ())):
        return False
    any_fact = when.get("any_fact")
    if any_fact and not any(facts.holds(fact) for fact in any_fact):
        return False
    if any(facts.holds(fact) for fact in when.get("not_facts", ())):
        return False
    any_rule = when.get("any_rule")
    if any_rule and not present.rule_ids.intersection(any_rule):
        return False
    return True


def run_meta(state: State) -> None:
    """Append the finding of every meta rule that holds."""
    present = Present.of(state)
    for rule in state.ruleset.rules:
        if rule.kind != "meta" or not holds(rule.when, present):
            continue
        when = rule.when
        combined = set(when.get("all_categories", ())) | set(when.get("any_category", ()))
        any_rule = when.get("any_rule", ())
        found: list[Evidence] = [
            f.evidence[0] for f in state.findings
            if (f.category in combined or f.rule_id in any_rule) and f.evidence
        ]
        for name in list(when.get("contexts", ())) + list(when.get("any_context", ())):
            if name in state.contexts:
                found.append(state.contexts[name][0])
                break
        state.findings.append(make_finding(rule, state.lang, found))
