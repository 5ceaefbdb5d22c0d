"""Run the engine stages over one parsed message, in order.

The stages, each its own module, each importing only the ones before it:

1. ``guard/state.py``: the message's ``State``; each text view (subject,
   body, From, the typed sender) is normalised (guard/normalize.py),
   squeezed and scanned for every concept (guard/vocab.py) the first time a
   stage asks for it;
2. ``guard/contexts.py``: contexts, sub-rules that never score alone
   ("recruitment", "ilo_named", "claims_ilo" ...);
3. ``guard/findings.py``: text rules match their frames over the concept
   hits (guard/frames.py); ``guard/keep.py`` drops a match that is negated
   (NegEx scope, guard/scope.py), someone else's words, or excused by an
   ``unless`` concept;
4. ``guard/checks.py``: what the sender is (``SenderFacts``), then check
   rules (sender, links, contact addresses, authentication results);
   ``guard/dnscheck.py`` when a resolver is given;
5. ``guard/meta.py``: meta rules combine findings, contexts and facts;
6. ``guard/scoring.py``: the total and the level.

``run()`` keeps the deadline: past it, the remaining rules are skipped and
the state says the check was incomplete (the DNS rules still run: the DNS
budget bounds them). guard/api.py turns what ``run()`` gives into the
Verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import checks
from .contexts import eval_contexts
from .findings import make_finding, run_text_rule
from .meta import run_meta
from .parse import Parsed
from .rules import RuleSet
from .scoring import Score, score
from .state import State

__all__ = ["Outcome", "State", "eval_contexts", "make_finding", "run", "run_meta",
           "run_text_rule", "score"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the engine gives guard/api.py: the final state and the score."""

    state: State
    score: Score


def run(ruleset: RuleSet, parsed: Parsed, lang: str, deadline: float, *, notes=(),
        trusted_authserv_ids: frozenset[str] = frozenset(), mailbox: bool = False,
        resolver: Any = None, dns_budget: float = 2.0) -> Outcome:
    """Every stage over ``parsed``; ``notes`` start the state's notes."""
    state = State(ruleset, parsed, lang, deadline=deadline)
    state.notes.extend(notes)
    eval_contexts(state)
    checks.sender_facts(state, trusted_authserv_ids, mailbox)
    for rule in ruleset.rules:
        if state.over_budget():
            break
        finding = None
        if rule.kind == "text":
            finding = run_text_rule(state, rule)
        elif checks.stage_of(rule) == "offline":
            finding = checks.run_check(state, rule)   # "dns" checks: after the DNS lookups
        if finding:
            state.findings.append(finding)
    if resolver is not None:
        from . import dnscheck
        dnscheck.run(state, resolver, dns_budget)
        # every DNS rule, even past the time budget: the DNS budget bounds them
        for rule in (r for r in ruleset.rules if checks.stage_of(r) == "dns"):
            finding = checks.run_check(state, rule)
            if finding:
                state.findings.append(finding)
    run_meta(state)
    result = score(state.findings, ruleset, ilo_named="ilo_named" in state.contexts,
                   authenticated_ilo=state.facts.authenticated_ilo)
    return Outcome(state, result)
