"""The engine's own sentences (verdict notes, evidence details, DNS details)
come from one file per kind, in en, es, fr and pt, and a verdict says them in
its language (guard/texts.py, rules/notes.toml, rules/details.toml)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from guard import check
from guard.model import LANGS
from guard.texts import LANGUAGES, Note, entries, note_in

ROOT = Path(__file__).resolve().parent.parent
FOUR = ("en", "es", "fr", "pt")


@pytest.mark.parametrize("kind", ["notes", "details"])
def test_every_entry_has_the_four_languages_and_the_same_placeholders(kind):
    assert tuple(LANGUAGES) == FOUR
    found = entries(kind)
    assert len(found) > 10
    for key, texts in found.items():
        # the check details older than the DNS ones get their pt lines with
        # Portuguese in LANGS (issue #10); until then they need LANGS
        need = FOUR if kind == "notes" or key.startswith("dns") else LANGS
        assert set(need) <= set(texts) <= set(FOUR), f"{kind} {key}: has {sorted(texts)}"
        for lang in texts:
            assert texts[lang].strip(), f"{kind} {key}.{lang} is empty"
        names = {lang: set(re.findall(r"{(\w+)}", texts[lang])) for lang in texts}
        assert all(n == names["en"] for n in names.values()), f"{kind} {key}: placeholders differ: {names}"


def _keys_in_code():
    src = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "guard").glob("*.py"))
    notes = set(re.findall(r'\bNote\(\s*"([\w.]+)"', src)) | set(re.findall(r'Phrase\(\s*"notes",\s*"([\w.]+)"', src))
    details = (set(re.findall(r'\bdetail\(\s*"([\w.]+)"', src))
               | set(re.findall(r'\bdetail\(\s*st,\s*"([\w.]+)"', src)))
    return notes, details


def test_every_key_the_code_names_exists():
    notes, details = _keys_in_code()
    assert len(notes) > 20 and len(details) > 20
    assert notes <= set(entries("notes")), sorted(notes - set(entries("notes")))
    assert details <= set(entries("details")), sorted(details - set(entries("details")))


def test_a_note_is_its_english_sentence_and_says_itself_in_another_language():
    n = Note("cut.links", n=2000)
    assert n == "links: only the first 2000 different links were checked"
    fr = note_in(n, "fr")
    assert fr == "liens : seuls les 2000 premiers liens différents ont été vérifiés"
    assert fr.key == "cut.links" and fr.english == n
    assert note_in(n, "pt").startswith("links: só os primeiros 2000")
    # a note survives the worker process of guard filter / milter
    back = pickle.loads(pickle.dumps(fr))
    assert back == fr and back.key == "cut.links" and back.english == n
    # the engine's plain English time-budget note is found by its words
    assert note_in("time budget exceeded: some rules were skipped", "es") == "tiempo agotado: se omitieron algunas reglas"
    assert note_in("some note nobody wrote down", "es") == "some note nobody wrote down"


LONG_SUBJECT = "Subject: " + "Offre d'emploi " * 700 + "\nFrom: rh@example.org\n\nBonjour.\n"


@pytest.mark.parametrize("lang", LANGS)
def test_a_size_note_is_in_the_verdicts_language(lang):
    v = check(LONG_SUBJECT, lang=lang)
    [n] = [n for n in v.notes if "8192" in n]
    assert n == Note("cut.header", lang, view="subject", n=8192)
    if lang == "en":
        assert n == "subject: only the first 8192 characters of the header were read"
    else:
        assert "only the first" not in n
    assert v.to_dict()["notes"] == v.notes


@pytest.mark.parametrize("lang,words", [("en", "time budget exceeded"), ("es", "tiempo agotado"),
                                        ("fr", "temps imparti dépassé")])
def test_the_time_budget_note_is_in_the_verdicts_language(lang, words):
    v = check("Dear candidate, pay the ILO processing fee of USD 300 today.", lang=lang, time_budget=1e-9)
    assert not v.complete
    assert any(n.startswith(words) for n in v.notes), v.notes


@pytest.mark.parametrize("lang,words", [("en", "internal error: AttributeError"),
                                        ("es", "error interno: AttributeError"),
                                        ("fr", "erreur interne : AttributeError")])
def test_the_internal_error_note_is_in_the_verdicts_language(lang, words):
    v = check("Dear candidate, pay the fee.", lang=lang, ruleset=object())   # a ruleset that breaks
    assert not v.complete and v.notes[0].startswith(words), v.notes


def test_a_language_note_for_auto_is_said_in_words():
    v = check("Zxq vbn wrt plk mnb. Qwz xcv bnm lkj hgf.", lang="auto")
    assert v.lang == "en" and "language: not recognised; explained in English" in v.notes
