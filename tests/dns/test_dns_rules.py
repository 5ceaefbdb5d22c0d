"""Every example of every DNS rule, against the real DNS server fixture.

The generic runner (tests/test_rule_examples.py) skips the rules whose check
starts with "dns:"; here each hit example must produce the rule's finding and
each miss example must not, with DNS answered by dnsmasq serving
tests/dns/dnsserver.py ZONE.
"""

from __future__ import annotations

import json

import pytest

from guard import check
from guard.dnscheck import CHECK_NAMES
from guard.model import LANGS
from guard.rules import default_ruleset

RS = default_ruleset()
DNS_RULES = [r for r in RS.rules if (r.check or "").startswith("dns:")]


def _cases():
    for r in DNS_RULES:
        for lang, kinds in r.examples.items():
            for kind in ("hit", "miss", "todo"):
                for i, text in enumerate(kinds[kind]):
                    yield pytest.param(r, lang, kind, text, id=f"{r.id}-{lang}-{kind}{i}")


def test_dns_rules_are_declared_and_implemented():
    assert DNS_RULES, "rules/dns.toml holds no rule"
    names = set()
    for r in DNS_RULES:
        assert 350 <= int(r.id[3:]) <= 369, f"{r.id} is outside GRD350-GRD369"
        assert r.category == "dns"
        name = r.check.split(":", 1)[1]
        assert name in CHECK_NAMES, f"{r.id}: guard/dnscheck.py has no check {name!r}"
        names.add(name)
        for lang in LANGS:
            assert r.title.get(lang) and r.explanation.get(lang)
            assert r.examples.get(lang, {}).get("hit"), f"{r.id}: no hit example in {lang}"
            assert r.examples.get(lang, {}).get("miss"), f"{r.id}: no miss example in {lang}"
    assert names == set(CHECK_NAMES), "every DNS check has a rule, every rule a check"


@pytest.mark.dnsserver
@pytest.mark.parametrize("rule,lang,kind,text", list(_cases()))
def test_dns_rule_example(resolver, rule, lang, kind, text):
    v = check(text, lang=lang, resolver=resolver)
    # the fixture server answers everything: nothing may be unknown
    assert "dns" not in v.unknowns, v.notes
    found = [f for f in v.findings if f.rule_id == rule.id]
    if kind == "miss":
        assert not found, f"{rule.id} should miss: {text!r}: {[e.detail for f in found for e in f.evidence]}"
        return
    if kind == "todo":
        if not found:
            pytest.xfail(f"known gap of {rule.id}")
        pytest.fail(f"{rule.id} now hits its todo example: move it to hit")
    assert found, f"{rule.id} should hit: {text!r} (findings {v.rule_ids}, notes {v.notes})"
    f = found[0]
    assert f.category == "dns"
    assert f.title == rule.title[lang]
    for e in f.evidence:
        # the evidence points at the address or link and says which record said what
        assert v.views[e.field][e.start:e.end] == e.text
        assert "@" in e.text or "://" in e.text
        assert e.detail and any(k in e.detail for k in ("MX:", "A:", "SPF", "DMARC:"))
        host = e.text.split("@")[-1] if "@" in e.text else e.text.split("://")[1].split("/")[0]
        assert host.lower() in e.detail
    json.dumps(v.to_dict(include_views=True))
