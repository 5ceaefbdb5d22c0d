"""Whole-message fixtures: real-looking scams and genuine mail, checked end to end.

Each entry of ``tests/fixtures/cases.toml`` names one message file and what a
candidate should be told about it (the expectations come from the
specification in issue #2, not from running the code):

* ``file``: path under tests/fixtures/;
* ``kind``: "eml" (read as bytes, an RFC 5322 message) or "text" (read as a
  UTF-8 str, pasted text);
* ``lang``: "en" | "es" | "fr" | "pt": the language of the message, passed to check();
* ``sender`` (optional): the sender address a user typed beside pasted text;
* ``level``: "clear" | "suspicious" | "fraud", compared exactly;
* ``categories``: finding categories that must be present;
* ``rules`` (optional): rule ids that must be present;
* ``forbid_categories`` (optional): categories that must be absent; a
  "clear" case also forbids fee_request, bank_details and sender;
* ``evidence_contains`` (optional): strings that must appear in the text of
  some evidence (obfuscated fixtures: the zero-width character, the Cyrillic
  letter ... must be shown as the user sees them, not as normalised);
* ``description``: one line;
* ``xfail`` (optional): a reason. The case then runs as a strict xfail: a
  known gap of the engine, reported, and failing the suite once it is fixed
  so that the mark gets removed.

For every fixture, whatever its level, the runner also checks the evidence
invariant (``views[field][start:end] == text``), that ``to_dict()`` is
JSON-serialisable, and that the check completed.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from guard import Level, check
from guard.model import CATEGORIES, LANGS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFEST = FIXTURES / "cases.toml"
TRUSTED = ("mx.example",)  # the authserv-id the fixtures' trusted Authentication-Results use
WARNING_CATEGORIES = {"fee_request", "bank_details", "sender"}
KEYS = {"file", "kind", "lang", "sender", "level", "categories", "rules",
        "forbid_categories", "evidence_contains", "description", "xfail"}


def _load() -> list[dict]:
    with MANIFEST.open("rb") as fh:
        return tomllib.load(fh)["case"]


CASES = _load()


def _read(case: dict) -> bytes | str:
    path = FIXTURES / case["file"]
    if case["kind"] == "eml":
        return path.read_bytes()
    return path.read_text(encoding="utf-8")


def _params():
    for case in CASES:
        marks = []
        if case.get("xfail"):
            marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
        yield pytest.param(case, id=case["file"], marks=marks)


def _describe(v) -> str:
    lines = [f"level={v.level.value} score={v.score:.2f} claims_ilo={v.claims_ilo}"]
    for f in v.findings:
        ev = "; ".join(f"{e.field}:{e.text[:60]!r}" for e in f.evidence[:2])
        lines.append(f"  {f.rule_id} {f.category} {f.score:.2f} {ev}")
    return "\n".join(lines)


# -- the manifest itself ----------------------------------------------------------


def test_manifest_is_well_formed():
    seen = set()
    for case in CASES:
        assert set(case) <= KEYS, f"{case.get('file')}: unknown keys {set(case) - KEYS}"
        for key in ("file", "kind", "lang", "level", "categories", "description"):
            assert key in case, f"{case.get('file')}: missing {key}"
        assert case["file"] not in seen, f"{case['file']} listed twice"
        seen.add(case["file"])
        assert (FIXTURES / case["file"]).is_file(), f"{case['file']} does not exist"
        assert case["kind"] in ("eml", "text")
        assert case["lang"] in LANGS
        assert case["level"] in {lv.value for lv in Level}
        assert case["description"].strip()
        for key in ("categories", "forbid_categories"):
            unknown = set(case.get(key, [])) - set(CATEGORIES)
            assert not unknown, f"{case['file']}: unknown categories {unknown}"
        assert not set(case["categories"]) & set(case.get("forbid_categories", []))
        if case["level"] == "clear":
            assert not set(case["categories"]) & WARNING_CATEGORIES
        else:
            assert case["categories"], f"{case['file']}: a warning level needs its categories"
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*")
               if p.is_file() and p.suffix in (".eml", ".txt")}
    assert on_disk == seen, f"fixture files not in the manifest: {sorted(on_disk - seen)}"


def test_manifest_covers_the_specification():
    """At least 30 fixtures; scams and genuine mail, .eml and pasted text, in each language."""
    assert len(CASES) >= 30
    for lang in LANGS:
        mine = [c for c in CASES if c["lang"] == lang]
        for level in ("fraud", "clear"):
            for kind in ("eml", "text"):
                assert any(c["level"] == level and c["kind"] == kind for c in mine), (
                    f"no {level} {kind} fixture in {lang}")
    assert any(c["level"] == "suspicious" for c in CASES)
    assert any(c.get("sender") for c in CASES if c["kind"] == "text")
    assert any(c.get("evidence_contains") for c in CASES)
    for cat in ("fee_request", "bank_details", "sender", "payment_channel",
                "identity_document", "contact_channel"):
        assert any(cat in c["categories"] for c in CASES), f"no fixture expects {cat}"


# -- each fixture ---------------------------------------------------------------------


def _verdict(case):
    return check(_read(case), sender=case.get("sender"), lang=case["lang"],
                 trusted_authserv_ids=TRUSTED)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_fixture_verdict_is_well_formed(case):
    """Whatever the level: complete, evidence spans exact, JSON-ready (never xfail)."""
    v = _verdict(case)
    assert v.complete, f"check did not complete: {v.notes}"
    for f in v.findings:
        assert f.category in CATEGORIES
        for e in f.evidence:
            if e.text == "" and e.start == e.end:
                continue
            assert e.field in v.views, f"{f.rule_id}: evidence names unknown view {e.field!r}"
            view = v.views[e.field]
            assert 0 <= e.start <= e.end <= len(view), f"{f.rule_id}: span out of its view"
            assert view[e.start:e.end] == e.text, f"{f.rule_id}: evidence text differs from its view"
    d = json.loads(json.dumps(v.to_dict()))
    assert d["schema"] == "guard.verdict/1"
    assert d["level"] == v.level.value
    assert [f["rule_id"] for f in d["findings"]] == v.rule_ids
    json.dumps(v.to_dict(include_views=True))
    assert v.advice and all(isinstance(a, str) and a for a in v.advice)


@pytest.mark.parametrize("case", list(_params()))
def test_fixture(case):
    """The level, categories, rules and evidence a candidate should be shown."""
    v = _verdict(case)
    report = _describe(v)
    assert v.level.value == case["level"], f"{case['description']}\n{report}"
    cats = {f.category for f in v.findings}
    missing = set(case["categories"]) - cats
    assert not missing, f"missing categories {sorted(missing)}\n{report}"
    missing_rules = set(case.get("rules", [])) - set(v.rule_ids)
    assert not missing_rules, f"missing rules {sorted(missing_rules)}\n{report}"
    forbidden = set(case.get("forbid_categories", []))
    if case["level"] == "clear":
        forbidden |= WARNING_CATEGORIES
    wrong = forbidden & cats
    assert not wrong, f"unexpected categories {sorted(wrong)}\n{report}"
    shown = [e.text for f in v.findings for e in f.evidence]
    for s in case.get("evidence_contains", []):
        assert any(s in t for t in shown), (
            f"no evidence shows the original text {s!r} (evidence: {shown!r})\n{report}")
