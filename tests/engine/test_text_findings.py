"""Text-rule findings (guard/findings.py)."""

import pytest

from guard.findings import MAX_EVIDENCE_PER_RULE, make_finding, requirements_met, run_text_rule

from stagekit import RULES, state_of

FEE_RULES = [r for r in RULES.rules if r.kind == "text" and r.category == "fee_request"]


def _first_hit(rule):
    for lang, kinds in rule.examples.items():
        if lang == "en" and kinds["hit"]:
            return kinds["hit"][0]
    pytest.skip(f"{rule.id} has no English hit example")


@pytest.mark.parametrize("rule", FEE_RULES[:2], ids=lambda r: r.id)
def test_a_rules_own_hit_example_gives_its_finding_with_evidence(rule):
    state = state_of(_first_hit(rule))
    finding = run_text_rule(state, rule)
    assert finding is not None and finding.rule_id == rule.id
    assert finding.title == rule.title["en"]
    assert 1 <= len(finding.evidence) <= MAX_EVIDENCE_PER_RULE
    for e in finding.evidence:
        assert state.parsed.views[e.field][e.start:e.end] == e.text


@pytest.mark.parametrize("rule", FEE_RULES[:2], ids=lambda r: r.id)
def test_without_its_required_contexts_a_rule_gives_nothing(rule):
    assert rule.requires
    state = state_of(_first_hit(rule), contexts=False)
    assert not requirements_met(rule, state.contexts)
    assert run_text_rule(state, rule) is None


def test_either_of_two_alternatives_meets_a_requirement():
    rule = next(r for r in RULES.rules if any("|" in req for req in r.requires))
    first, second = rule.requires[0].split("|")[:2]
    others = {c for req in rule.requires[1:] for c in req.split("|")}
    assert requirements_met(rule, {first} | others)
    assert requirements_met(rule, {second} | others)
    assert not requirements_met(rule, others - {first, second})


def test_a_finding_speaks_the_verdicts_language_and_lists_each_span_once():
    rule = FEE_RULES[0]
    state = state_of(_first_hit(rule))
    evidence = run_text_rule(state, rule).evidence
    finding = make_finding(rule, "es", evidence + evidence)
    assert finding.title == rule.title["es"]
    assert len(finding.evidence) == len(evidence)
