"""Meta rules (guard/meta.py over rules/scoring.toml [[meta]])."""

import dataclasses

from guard.facts import SenderFacts
from guard.findings import make_finding
from guard.meta import Present, holds

from stagekit import RULES


def present(categories=(), rule_ids=(), contexts=(), **facts) -> Present:
    return Present(frozenset(categories), frozenset(rule_ids), set(contexts),
                   dataclasses.replace(SenderFacts(), **facts))


def test_the_ilo_named_asking_for_money_is_a_combination():
    when = RULES.by_id("GRD901").when
    asked = when["any_category"][0]
    assert holds(when, present([asked], contexts=when["contexts"]))
    assert not holds(when, present([asked]))                          # the ILO not named
    assert not holds(when, present(["pressure"], contexts=when["contexts"]))  # nothing asked


def test_a_false_sender_asking_for_money_is_a_combination():
    when = RULES.by_id("GRD902").when
    asked = when["any_category"][0]
    fact = when["any_fact"][0]
    assert holds(when, present([asked], **{fact: True}))
    assert not holds(when, present([asked]))


def test_not_facts_excludes():
    when = RULES.by_id("GRD904").when
    args = dict(categories=[when["any_category"][0]], contexts=when["contexts"])
    assert holds(when, present(**args))
    assert not holds(when, present(**args, **{when["not_facts"][0]: True}))


def test_a_meta_finding_has_the_rules_level():
    rule = RULES.by_id("GRD901")
    finding = make_finding(rule, "en", [])
    assert finding.rule_id == "GRD901" and finding.category == rule.category
    assert rule.level == "fraud"
