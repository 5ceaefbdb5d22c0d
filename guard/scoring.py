"""Score: from findings to a number and a level (rules/scoring.toml).

Takes: the findings (guard/model.py ``Finding``), the loaded ``RuleSet``
(its ``scoring`` table and each rule's ``level``), and two facts about the
message: whether the ILO is named anywhere (the ``ilo_named`` context) and
whether it is authenticated ilo.org mail (``SenderFacts.authenticated_ilo``).
Gives: ``Score(total, level)``, and each finding's ``score``.

The arithmetic, in order:

1. each finding scores ``severity x confidence`` (``[severity]``,
   ``[confidence]``);
2. the findings of one category add up to at most ``category_cap``;
3. the total picks the level: at or above ``[levels] fraud`` is fraud, at or
   above ``suspicious`` suspicious, else clear;
4. a rule with a ``level`` (the meta rules) raises the level to it;
5. the caps then lower "fraud" to their ``max_level``: ``[no_request]`` when
   no finding is of a ``needs_any_category`` category nor of an
   ``unless_any_rule`` rule, ``[unnamed]`` when
   the ILO is not named, ``[authenticated]`` for authenticated ilo.org mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Finding, Level
from .rules import RuleSet


@dataclass(frozen=True, slots=True)
class Score:
    total: float
    level: Level


def score(findings: Iterable[Finding], ruleset: RuleSet, *, ilo_named: bool,
          authenticated_ilo: bool) -> Score:
    """The total and the level of ``findings`` (sets each finding's ``score``)."""
    config = ruleset.scoring
    severity = config["severity"]
    confidence = config["confidence"]
    floor = Level.CLEAR
    by_category: dict[str, float] = {}
    rule_ids: set[str] = set()
    for finding in findings:
        rule_ids.add(finding.rule_id)
        finding.score = float(severity[finding.severity]) * float(confidence[finding.confidence])
        rule = ruleset.by_id(finding.rule_id)
        if rule.level:
            rule_level = Level(rule.level)
            if rule_level.rank > floor.rank:
                floor = rule_level
        by_category[finding.category] = by_category.get(finding.category, 0.0) + finding.score
    cap = float(config.get("category_cap", 1e9))
    total = sum(min(points, cap) for points in by_category.values())
    level = level_of(total, config["levels"])
    if floor.rank > level.rank:
        level = floor
    if level is Level.FRAUD:
        level = _capped(config, set(by_category), rule_ids, ilo_named, authenticated_ilo)
    return Score(total, level)


def level_of(total: float, thresholds: dict) -> Level:
    """The level a total reaches on its own (``[levels]``)."""
    if total >= float(thresholds["fraud"]):
        return Level.FRAUD
    if total >= float(thresholds["suspicious"]):
        return Level.SUSPICIOUS
    return Level.CLEAR


def _capped(config: dict, categories: set[str], rule_ids: set[str], ilo_named: bool,
            authenticated_ilo: bool) -> Level:
    """Level "fraud" after the caps."""
    level = Level.FRAUD
    # nothing asked yet: at most "suspicious" (scoring.toml [no_request]),
    # unless a finding of ``unless_any_rule`` stands (an ILO address forged
    # or imitated to offer a job is fraud with nothing asked yet)
    no_request = config.get("no_request", {})
    if (no_request and not categories & set(no_request.get("needs_any_category", ()))
            and not rule_ids & set(no_request.get("unless_any_rule", ()))):
        level = Level(no_request.get("max_level", "suspicious"))
    # no ILO name anywhere: at most "suspicious" (scoring.toml [unnamed])
    unnamed = config.get("unnamed", {})
    if unnamed and not ilo_named and level is Level.FRAUD:
        level = Level(unnamed.get("max_level", "suspicious"))
    # authenticated ilo.org mail: never "fraud" (scoring.toml [authenticated])
    authenticated = config.get("authenticated", {})
    if authenticated_ilo and level is Level.FRAUD:
        level = Level(authenticated.get("max_level", "suspicious"))
    return level
