"""Scoring (guard/scoring.py over rules/scoring.toml): severity x
confidence, the category cap, the thresholds and the caps. Findings are
made from the shipped rules; the expected figures come from the loaded
scoring table, not from copies of it."""

from guard.findings import make_finding
from guard.model import Level
from guard.scoring import level_of, score

from stagekit import RULES

CONFIG = RULES.scoring
LEVELS = CONFIG["levels"]


def points(rule) -> float:
    return float(CONFIG["severity"][rule.severity]) * float(CONFIG["confidence"][rule.confidence])


def finding(rule_id: str):
    return make_finding(RULES.by_id(rule_id), "en", [])


def strongest(category: str):
    rules = [r for r in RULES.rules if r.category == category and r.kind != "meta"]
    return max(rules, key=points)


def test_a_finding_scores_severity_times_confidence():
    rule = strongest("fee_request")
    found = [finding(rule.id)]
    result = score(found, RULES, ilo_named=True, authenticated_ilo=False)
    assert found[0].score == points(rule)
    assert result.total == points(rule)


def test_findings_of_one_category_add_up_to_the_cap():
    rules = sorted((r for r in RULES.rules if r.category == "fee_request" and r.kind == "text"),
                   key=points, reverse=True)
    assert sum(points(r) for r in rules) > CONFIG["category_cap"]
    result = score([finding(r.id) for r in rules], RULES, ilo_named=True, authenticated_ilo=False)
    assert result.total == CONFIG["category_cap"]


def test_a_total_at_a_threshold_reaches_its_level():
    assert level_of(LEVELS["fraud"], LEVELS) is Level.FRAUD
    assert level_of(LEVELS["fraud"] - 0.01, LEVELS) is Level.SUSPICIOUS
    assert level_of(LEVELS["suspicious"], LEVELS) is Level.SUSPICIOUS
    assert level_of(LEVELS["suspicious"] - 0.01, LEVELS) is Level.CLEAR


def _fraud_by_total():
    """A fee and a bank-details finding: over the fraud threshold on their own."""
    found = [finding(strongest("fee_request").id), finding(strongest("bank_details").id)]
    assert sum(points(RULES.by_id(f.rule_id)) for f in found) >= LEVELS["fraud"]
    return found


def test_a_request_with_the_ilo_named_is_fraud():
    assert score(_fraud_by_total(), RULES, ilo_named=True, authenticated_ilo=False).level is Level.FRAUD


def test_without_the_ilo_named_fraud_stops_at_the_unnamed_cap():
    result = score(_fraud_by_total(), RULES, ilo_named=False, authenticated_ilo=False)
    assert result.level is Level(CONFIG["unnamed"]["max_level"])
    assert result.total >= LEVELS["fraud"]                  # the findings still count


def test_authenticated_ilo_mail_is_never_fraud():
    result = score(_fraud_by_total(), RULES, ilo_named=True, authenticated_ilo=True)
    assert result.level is Level(CONFIG["authenticated"]["max_level"])


def test_nothing_asked_stops_at_the_no_request_cap():
    asked = set(CONFIG["no_request"]["needs_any_category"])
    categories = sorted({r.category for r in RULES.rules if r.kind != "meta"} - asked)
    found = [finding(strongest(c).id) for c in categories]
    result = score(found, RULES, ilo_named=True, authenticated_ilo=False)
    assert result.total >= LEVELS["fraud"]
    assert result.level is Level(CONFIG["no_request"]["max_level"])


def test_a_meta_rules_level_raises_a_low_total():
    weakest = min((r for r in RULES.rules if r.category == "fee_request" and r.kind == "text"), key=points)
    meta = RULES.by_id("GRD901")
    found = [finding(weakest.id), finding(meta.id)]
    result = score(found, RULES, ilo_named=True, authenticated_ilo=False)
    assert result.total < LEVELS["fraud"]
    assert result.level is Level(meta.level)
    alone = score([finding(weakest.id)], RULES, ilo_named=True, authenticated_ilo=False)
    assert alone.level.rank < Level(meta.level).rank
