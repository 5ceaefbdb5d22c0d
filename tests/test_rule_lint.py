"""The rule packs are checked before they run: ids, messages, languages, every
name the loader reads, the few regular expressions left, and that nothing is
written twice."""

import re
import shutil
import time
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from guard.model import LANGS
from guard.paths import rules_dir
from guard.relint import unsafe_reason
from guard.rules import RuleError, default_ruleset, load_rules

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


# -- the regular-expression lint ---------------------------------------------------------

@pytest.mark.parametrize("pattern", [
    r"(a+)+$", r"(\w*)*x", r"(a|a)*b", r"(.)\1", r"(\w+ ?)*$", r"(?:\w+\w){0,5}fee",
    r"(?:[ \n]+[a ]+){0,5}", r"(?<=(a+))b",
])
def test_lint_refuses_backtracking_shapes(pattern):
    assert unsafe_reason(pattern) is not None


@pytest.mark.parametrize("pattern", [
    r"\bpay(?: [^ .\n]+){0,5} fees?\b", r"\b(?:iban|swift)\b", r"frais (?:de |d')?dossier",
    r"(?:\w+[ \n]+){0,5}fee",
])
def test_lint_accepts_linear_shapes(pattern):
    assert unsafe_reason(pattern) is None


@pytest.mark.parametrize("pattern", [r"(?x) a+ b", r"(?>a+)b", r"a*+b", r"(?i:a+)+"])
def test_lint_refuses_what_it_cannot_read(pattern):
    # a construct outside the lint's own parser is never taken as safe
    assert re.compile(pattern)
    assert "outside what the lint reads" in unsafe_reason(pattern)


def test_lint_reads_patterns_without_cpythons_private_parser():
    source = (Path(__file__).resolve().parent.parent / "guard" / "relint.py").read_text()
    assert not re.search(r"\b(?:re\._parser|re\._constants|sre_parse|sre_constants|_parser|_constants)\b", source)


ADVERSARIAL = [
    "a" * 50_000,
    "pay " + "x " * 20_000 + "!",
    "$" + "1," * 20_000,
    "1 " * 30_000 + "x",
    "1" * 50_000,
    "_" * 50_000,
    ": " + "." * 50_000,
    "fr76 " + "a" * 50_000,
    "usd " * 20_000,
    "1." * 30_000,
    "1 000 " * 10_000,
]


@pytest.mark.parametrize("name", sorted(RS.vocab.regex))
def test_vocabulary_regex_is_fast_on_adversarial_text(name):
    pat = RS.vocab.regex[name]
    assert unsafe_reason(pat.pattern) is None
    for text in ADVERSARIAL:
        t = time.perf_counter()
        for _ in pat.finditer(text):
            pass
        assert time.perf_counter() - t < 0.5, f"{name} is slow on {text[:30]!r}..."


def _regex_strings():
    """Every string in rules/ that is written as a regular expression."""
    out = []
    for path in sorted(rules_dir().rglob("*.toml")):
        def walk(node, where):
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{where}.{k}")
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, f"{where}[{i}]")
            elif isinstance(node, str) and re.search(r"\\[bdswB]|\(\?[:<!=]|\[\^", node):
                out.append((where, node))
        walk(tomllib.loads(path.read_text(encoding="utf-8")), path.relative_to(rules_dir()).as_posix())
    return out


def test_no_regular_expression_fragment_is_written_twice():
    """Vocabularies are defined once: a fragment of 16 characters or more that
    stands in two regular expressions (or twice in one) is a pasted copy."""
    strings = _regex_strings()
    assert strings, "the shared amount and blank shapes are regular expressions"
    assert all(w.startswith("vocab/shared.toml") for w, _ in strings), (
        f"regular expressions outside vocab/shared.toml: {[w for w, _ in strings]}")
    grams = Counter()
    for _, s in strings:
        for i in range(len(s) - 15):
            grams[s[i:i + 16]] += 1
    twice = [g for g, n in grams.items() if n > 1]
    assert not twice, f"fragments written twice: {twice[:5]}"


def test_no_term_is_listed_twice_in_one_concept():
    for path in sorted((rules_dir() / "vocab").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for name, terms in data.get("concept", {}).items():
            dup = [t for t, n in Counter(terms).items() if n > 1]
            assert not dup, f"{path.name} {name}: {dup} listed twice"


# -- the loader names every misspelt name -----------------------------------------------

GOOD_RULE = """
[[rule]]
id = "GRD199"
category = "fee_request"
severity = "low"
confidence = "low"
requires = ["recruitment"]
title = {en = "t", es = "t", fr = "t", pt = "t"}
explanation = {en = "e", es = "e", fr = "e", pt = "e"}
frames = ["pay_verb ..3 fee_noun"]
[rule.examples.en]
hit = ["a"]
miss = ["b"]
"""


def _copy_rules(tmp_path: Path) -> Path:
    n = len(list(tmp_path.glob("rules*")))
    d = tmp_path / f"rules{n}"
    shutil.copytree(rules_dir(), d)
    return d


def _load_with(tmp_path, text: str, name: str = "zz_extra.toml"):
    d = _copy_rules(tmp_path)
    (d / name).write_text(text, encoding="utf-8")
    return load_rules(d)


def test_a_good_extra_rule_loads_and_its_frames_match(tmp_path):
    from guard import check

    rs = _load_with(tmp_path, GOOD_RULE)
    v = check("Your job interview is set. Please pay the processing fee today.", ruleset=rs)
    assert "GRD199" in v.rule_ids


@pytest.mark.parametrize("change,expect", [
    (("requires = [", "requiers = ["), r"zz_extra\.toml rule\[0\] GRD199: unknown key\(s\) \['requiers'\]"),
    (('"pay_verb ..3 fee_noun"', '"pay_verbs ..3 fee_noun"'), r"GRD199: frames: .*unknown concept 'pay_verbs'"),
    (('"pay_verb ..3 fee_noun"', '"pay_verb ..3"'), r"GRD199: frames: .*cannot end with a gap"),
    (('"pay_verb ..3 fee_noun"', '"pay_verb ..99 fee_noun"'), r"GRD199: frames: .*wider than"),
    (('["recruitment"]', '["recruitmnet"]'), r"GRD199: requires: unknown context 'recruitmnet'"),
    (('category = "fee_request"', 'category = "fee_requests"'), r"GRD199: category: unknown category"),
    (('severity = "low"', 'severity = "lo"'), r"GRD199: severity must be"),
    (('frames = [', 'fields = ["bodyy"]\nframes = ['), r"GRD199: fields: unknown field 'bodyy'"),
    (('frames = [', 'unless = ["not_recruitmnet"]\nframes = ['), r"GRD199: unless: unknown concept 'not_recruitmnet'"),
    (('frames = [', 'unless_contexts = ["other_busines"]\nframes = ['), r"GRD199: unless_contexts: unknown context"),
    (('frames = [', 'scope = "paragraph"\nframes = ['), r"GRD199: scope must be"),
    (("[rule.examples.en]", "[rule.examples.de]"), r"GRD199: examples\.de: unknown language"),
    (('hit = ["a"]', 'hits = ["a"]'), r"GRD199: examples\.en: unknown kind"),
    (('title = {en = "t", es = "t", fr = "t", pt = "t"}', 'title = {en = "t", es = "t", pt = "t"}'), r"GRD199: title\.fr is missing"),
    (('explanation = {en = "e", es = "e", fr = "e", pt = "e"}', 'explanation = {en = "e", es = "e", fr = "e"}'),
     r"zz_extra\.toml rule\[0\] GRD199: explanation\.pt is missing"),
])
def test_a_misspelt_name_in_a_text_rule_fails_loading(tmp_path, change, expect):
    old, new = change
    assert old in GOOD_RULE
    with pytest.raises(RuleError, match=expect):
        _load_with(tmp_path, GOOD_RULE.replace(old, new, 1))


CHECK_RULE = """
[[rule]]
id = "GRD399"
check = "sender_lookalike"
category = "sender"
severity = "low"
confidence = "low"
title = {en = "t", es = "t", fr = "t", pt = "t"}
explanation = {en = "e", es = "e", fr = "e", pt = "e"}
"""


def test_a_misspelt_check_fails_loading(tmp_path):
    _load_with(tmp_path, CHECK_RULE)          # the right name loads
    with pytest.raises(RuleError, match=r"GRD399: check: unknown check 'sender_lookalik'"):
        _load_with(tmp_path, CHECK_RULE.replace('"sender_lookalike"', '"sender_lookalik"'))
    with pytest.raises(RuleError, match=r"GRD399: check: unknown check 'dns:sender_nxdomian'"):
        _load_with(tmp_path, CHECK_RULE.replace('"sender_lookalike"', '"dns:sender_nxdomian"'))


def _edit(tmp_path, name, old, new):
    d = _copy_rules(tmp_path)
    p = d / name
    text = p.read_text(encoding="utf-8")
    assert old in text, (name, old)
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return d


@pytest.mark.parametrize("old,new,expect", [
    ('when.any_fact = ["sender_lookalike"', 'when.any_fact = ["sender_lookalke"', r"GRD902: when\.any_fact: unknown fact 'sender_lookalke'"),
    ('when.contexts = ["ilo_named"]', 'when.contexts = ["ilo_nmaed"]', r"GRD901: when\.contexts: unknown context 'ilo_nmaed'"),
    ('when.any_rule = ["GRD501", "GRD502"]', 'when.any_rule = ["GRD501", "GRD510"]', r"GRD903: when\.any_rule: unknown rule 'GRD510'"),
    ('when.any_category = ["fee_request"', 'when.any_catgory = ["fee_request"', r"GRD901: when: unknown key 'any_catgory'"),
    ('when.any_category = ["fee_request"', 'when.any_category = ["fee_reqest"', r"GRD901: when\.any_category: unknown category 'fee_reqest'"),
])
def test_a_misspelt_name_in_a_meta_rule_fails_loading(tmp_path, old, new, expect):
    with pytest.raises(RuleError, match=expect):
        load_rules(_edit(tmp_path, "scoring.toml", old, new))


@pytest.mark.parametrize("name,old,new,expect", [
    ("contexts.toml", 'concepts = ["recruit_word"]', 'concepts = ["recruit_words"]', r"contexts\.toml context\[0\] recruitment: concepts: unknown concept 'recruit_words'"),
    ("contexts.toml", 'implies = "ilo_named"', 'implies = "ilo_name"', r"claims_ilo: implies: unknown context 'ilo_name'"),
    ("contexts.toml", 'absent = ["recruitment"]', 'absent = ["recruiting"]', r"other_business: absent: unknown context"),
    ("contexts.toml", 'concepts = ["recruit_word"]', 'concept = ["recruit_word"]', r"recruitment: unknown key\(s\) \['concept'\]"),
    ("vocab/en.toml", "pay_verb = [", "pay_verb = [\n  \"inscripción\",", r"vocab/en\.toml: concept 'pay_verb': 'inscripción' is not in the normalised form"),
    ("vocab/en.toml", "pay_verb = [", "pay_verb = [\n  \"pay*ment\",", r"vocab/en\.toml: concept 'pay_verb': 'pay\*ment': '\*' may only end a term"),
    ("vocab/en.toml", "pay_verb = [", "Pay_Verb = [", r"vocab/en\.toml: concept name 'Pay_Verb'"),
    ("vocab/en.toml", 'lang = "en"', 'lang = "en"\nconcepts = {}', r"vocab/en\.toml: unknown key\(s\) \['concepts'\]"),
    ("vocab/shared.toml", 'neg_pre = ["pseudo_neg", "reminder"]', 'neg_pre = ["pseudo_negs", "reminder"]', r"mask 'neg_pre' names unknown concept 'pseudo_negs'"),
    ("vocab/shared.toml", '"number_word ..4 currency_name"]', '"number_words ..4 currency_name"]', r"unknown concept 'number_words'"),
    ("vocab/shared.toml", "blank = '''", "blank = '''(a+)+", r"regex 'blank' is refused"),
    # a long text finds each lazy concept alone (guard/vocab.py scan_one): a
    # lazy concept masking another must be final, neither masked nor language-bound
    ("vocab/shared.toml", 'concepts = ["neg_pre", "neg_post"]', 'concepts = ["neg_pre", "neg_post", "pseudo_neg"]',
     r"mask 'neg_pre': the lazy concept 'pseudo_neg' masking it cannot be masked or language-bound"),
    ("vocab/shared.toml", 'neg_pre = ["pseudo_neg", "reminder"]', 'neg_pre = ["pseudo_neg", "reminder"]\nreminder = ["exclusive"]',
     r"mask 'neg_pre': the lazy concept 'reminder' masking it cannot be masked"),
    ("language.toml", "window = 6", "windwo = 6", r"language\.toml: unknown key"),
])
def test_a_misspelt_name_in_a_context_or_vocabulary_fails_loading(tmp_path, name, old, new, expect):
    with pytest.raises(RuleError, match=expect):
        load_rules(_edit(tmp_path, name, old, new))


@pytest.mark.parametrize("name,old,new,expect", [
    ("advice.toml", "[texts.do_not_pay]\n", "[texts.do_not_pay]\n# ", r"advice\.toml texts\.do_not_pay: en is missing"),
    ("details.toml", 'pt = "{domain} é um serviço de e-mail gratuito"', "",
     r"details\.toml freemail: pt is missing or empty"),
    ("details.toml", 'pt = "letras trocadas por outras parecidas"', 'pt = " "',
     r"details\.toml kind\.typo: pt is missing or empty"),
    ("details.toml", 'pt = "o endereço real é {address}"', 'de = "die echte Adresse ist {address}"',
     r"details\.toml real_address: de: unknown language"),
])
def test_a_missing_advice_or_detail_translation_fails_loading(tmp_path, name, old, new, expect):
    """advice and evidence details fall back to English at run time, so the
    loader is where a missing language is caught, with file and key named."""
    with pytest.raises(RuleError, match=expect):
        load_rules(_edit(tmp_path, name, old, new))


def test_every_advice_text_and_detail_is_in_every_language():
    details = tomllib.loads((rules_dir() / "details.toml").read_text(encoding="utf-8"))
    leaves = []
    for table in details.values():          # [freemail] or [kind] holding [kind.subdomain]...
        leaves.extend([table] if "en" in table else table.values())
    assert len(leaves) > 15
    for table in [*leaves, *RS.advice["texts"].values()]:
        assert set(table) == set(LANGS), table["en"]


def test_dns_check_names_agree_with_the_dns_module():
    """The DNS checks are registered like the others (stage "dns"), one per
    name guard/dnscheck.py fills, and nothing else has that stage."""
    from guard import dnscheck
    from guard.checks import CHECKS

    dns = {name for name, c in CHECKS.items() if c.stage == "dns"}
    assert dns == {f"dns:{n}" for n in dnscheck.CHECK_NAMES}
    assert all(c.stage == "offline" for name, c in CHECKS.items() if not name.startswith("dns:"))


@pytest.mark.parametrize("key", ["facts", "any_fact", "not_facts"])
def test_a_misspelt_fact_in_scoring_fails_loading_with_file_rule_and_key(tmp_path, key):
    """A fact a meta rule names must be a yes/no field of SenderFacts: a typo
    names scoring.toml, the meta rule and the key, and lists the facts."""
    edit = 'when.not_facts = ["sender_is_ilo"]'
    load_rules(_edit(tmp_path / "ok", "scoring.toml", edit, f'when.{key} = ["sender_is_ilo"]'))  # the right name loads
    with pytest.raises(RuleError) as e:
        load_rules(_edit(tmp_path / "bad", "scoring.toml", edit, f'when.{key} = ["sender_is_ilo", "sender_is_ilo_org"]'))
    msg = str(e.value)
    assert msg.startswith(f"scoring.toml meta GRD904: when.{key}: unknown fact 'sender_is_ilo_org'"), msg
    assert "forged_ilo" in msg and "guard/facts.py" in msg


def test_a_fact_that_is_not_yes_or_no_cannot_be_named_by_a_meta_rule(tmp_path):
    with pytest.raises(RuleError, match=r"GRD904: when\.not_facts: unknown fact 'sender_domain'"):
        load_rules(_edit(tmp_path, "scoring.toml", 'when.not_facts = ["sender_is_ilo"]',
                         'when.not_facts = ["sender_domain"]'))


def test_every_sender_fact_is_documented_and_set_by_a_check():
    """Each field of SenderFacts says which check sets it, and some check
    (guard/checks.py, guard/dnscheck.py) does set it: a declared fact that
    nothing sets would be a meta rule that can never fire."""
    from guard.facts import FACT_NAMES, SenderFacts, describe

    src = "".join((Path(__file__).resolve().parent.parent / "guard" / f).read_text(encoding="utf-8")
                  for f in ("checks.py", "dnscheck.py"))
    docs = describe()
    assert FACT_NAMES <= set(docs)
    for name, doc in docs.items():
        assert len(doc) > 20 and ("check" in doc or "DNS" in doc), (name, doc)
        assert re.search(rf"\bf(?:acts)?\.{name}\b(?:\.setdefault\(.*\))?\s*=|facts\.{name}\.setdefault", src), \
            f"no check sets {name}"
    with pytest.raises(AttributeError):
        SenderFacts().forged_ilo_org = True       # slots: a misspelt fact cannot be written
    with pytest.raises(KeyError):
        SenderFacts().holds("sender_domain")       # only yes/no facts can be asked by name


@pytest.mark.parametrize("old,new,expect", [
    ('unless_any_rule = ["GRD905"]', 'unles_any_rule = ["GRD905"]', r"scoring.toml \[no_request\]: unknown key 'unles_any_rule'"),
    ('unless_any_rule = ["GRD905"]', 'unless_any_rule = ["GRD950"]', r"scoring.toml \[no_request\]: unless_any_rule: unknown rule 'GRD950'"),
    ('needs_any_category = ["fee_request",', 'needs_any_category = ["fee_requests",',
     r"scoring.toml \[no_request\]: needs_any_category: unknown category 'fee_requests'"),
])
def test_a_misspelt_name_in_a_scoring_cap_fails_loading(tmp_path, old, new, expect):
    """[no_request] decides when "fraud" stands with nothing asked: a typo
    there would silently change levels, so it fails loading, naming the
    table and the key."""
    load_rules(_edit(tmp_path / "ok", "scoring.toml", old, old))
    with pytest.raises(RuleError, match=expect):
        load_rules(_edit(tmp_path / "bad", "scoring.toml", old, new))
