"""The rule packs are linted before they run: ids, messages, languages, safety."""

import time

import pytest

from guard.model import LANGS
from guard.rules import RuleError, load_rules, required_literals, unsafe_reason
from guard.rules import default_ruleset

RS = default_ruleset()


def test_ids_unique_and_banded():
    ids = [r.id for r in RS.rules]
    assert len(ids) == len(set(ids))
    bands = {"fee_request": "1", "payment_channel": "1", "bank_details": "2",
             "identity_document": "2", "sender": "3", "dns": "3", "link": "4",
             "contact_channel": "5", "pressure": "5", "combination": "9"}
    for r in RS.rules:
        assert r.id[3] == bands[r.category], f"{r.id} ({r.category}) is outside its id band"


@pytest.mark.parametrize("rule", RS.rules, ids=lambda r: r.id)
def test_rule_has_messages_and_examples_in_every_language(rule):
    for lang in LANGS:
        assert rule.title.get(lang, "").strip(), f"{rule.id}: no title in {lang}"
        assert len(rule.explanation.get(lang, "")) > 40, f"{rule.id}: explanation in {lang} too short"
        ex = rule.examples.get(lang)
        assert ex and ex["hit"], f"{rule.id}: no hit example in {lang}"
        assert ex["miss"], f"{rule.id}: no miss example in {lang}"


@pytest.mark.parametrize("cid", sorted(RS.contexts))
def test_context_has_examples_in_every_language(cid):
    c = RS.contexts[cid]
    for lang in LANGS:
        assert c.examples.get(lang, {}).get("hit") and c.examples[lang].get("miss"), f"{cid}: {lang}"


@pytest.mark.parametrize("pattern", [
    r"(a+)+$", r"(\w*)*x", r"(a|a)*b", r"(.)\1", r"(\w+ ?)*$", r"(?:\w+\w){0,5}fee",
    r"(?:[ \n]+[a ]+){0,5}", r"(?<=(a+))b",
])
def test_lint_refuses_backtracking_shapes(pattern):
    assert unsafe_reason(pattern) is not None


@pytest.mark.parametrize("pattern", [
    r"\bpay(?: [^ .\n]+){0,5} fees?\b", r"\b(?:iban|swift)\b", r"frais (?:de |d')?dossier",
    r"\bpay(?:[ \n]+[^ .\n]+){0,5}[ \n]+fees?\b", r"(?:\w+[ \n]+){0,5}fee",
])
def test_lint_accepts_linear_shapes(pattern):
    assert unsafe_reason(pattern) is None


def _load_with_extra_rule(tmp_path, lang, pattern):
    """Load the shipped packs plus one rule file with ``pattern``."""
    import shutil

    from guard.paths import rules_dir

    for f in rules_dir().glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "zz_extra.toml").write_text(
        "[[rule]]\nid='GRD199'\ncategory='fee_request'\nseverity='low'\nconfidence='low'\n"
        "title={en='t',es='t',fr='t'}\nexplanation={en='e',es='e',fr='e'}\n"
        f"patterns.{lang}=['{pattern}']\n[rule.examples.{lang}]\nhit=['a']\nmiss=['b']\n",
        encoding="utf-8",
    )
    return load_rules(tmp_path)


def test_loader_rejects_a_bad_pattern(tmp_path):
    with pytest.raises(RuleError, match="refused"):
        _load_with_extra_rule(tmp_path, "en", "(a+)+$")


def test_loader_rejects_accented_pattern(tmp_path):
    with pytest.raises(RuleError, match="normalised"):
        _load_with_extra_rule(tmp_path, "es", "inscripción")


def test_loader_accepts_a_good_extra_rule(tmp_path):
    rs = _load_with_extra_rule(tmp_path, "fr", "frais de dossier")
    assert rs.by_id("GRD199").patterns[0].regex.search("payez les frais de dossier")


def test_required_literals_are_really_required():
    # every hit example contains one of the literals of a pattern that matched it
    lit = required_literals(r"\b(?:ilo|international labou?r office)\b")
    assert lit == {"ilo", "international labo"}


def _all_patterns():
    for r in RS.rules:
        for p in r.patterns:
            yield pytest.param(p, id=f"{r.id}-{p.lang}")
    for c in RS.contexts.values():
        for p in c.patterns:
            yield pytest.param(p, id=f"{c.id}-{p.lang}")


ADVERSARIAL = [
    "a" * 50_000,
    "pay " + "x " * 20_000 + "!",
    ("fee " * 5_000) + "is",
    "pay " * 10_000,
    "de " * 20_000,
    ("ilo " + "recruitment " * 3) * 3_000,
    "$" + "1," * 20_000,
    " ".join(["frais"] * 10_000),
    "@" * 20_000 + ".org",
]


@pytest.mark.parametrize("pattern", list(_all_patterns()))
def test_pattern_is_fast_on_adversarial_text(pattern):
    # a generous bound: catastrophic backtracking takes seconds to hours
    for text in ADVERSARIAL:
        t = time.perf_counter()
        for _ in pattern.regex.finditer(text):
            pass
        assert time.perf_counter() - t < 0.5, f"{pattern.source!r} is slow on {text[:30]!r}..."
