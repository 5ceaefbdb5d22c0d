"""The interface's gettext catalogs: complete in every language, used by the page,
numbers and dates formatted by Babel for the locale."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web.catalogs import LANGS, po_path
from web_helpers import parse_html

ROOT = Path(__file__).resolve().parents[2]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> dict:
    """Every message the page's code and templates ask for, as pybabel extract finds them."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {}
    for _fn, _line, msg, _comments, _ctx in extract_from_dir(
            ROOT / "web", method_map=method_map,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2)}):
        key = msg if isinstance(msg, str) else tuple(msg)
        found[key] = True
    return found


def catalog(lang):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def test_extraction_finds_the_page_words():
    msgs = extracted()
    assert "Check the message" in msgs
    assert "Copy summary" in msgs
    assert len(msgs) > 80


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated_in_every_catalog(lang):
    cat = catalog(lang)
    problems = []
    for msgid in extracted():
        m = cat.get(msgid)
        if m is None:
            problems.append(("missing", msgid))
            continue
        if m.fuzzy:
            problems.append(("fuzzy", msgid))
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(s and s.strip() for s in strings):
            problems.append(("empty", msgid))
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        want = set(_PLACEHOLDER.findall(" ".join(ids)))
        for s in strings:
            if set(_PLACEHOLDER.findall(s or "")) != want:
                problems.append(("placeholders", msgid, s))
    assert problems == []


def test_a_catalog_that_lacks_a_message_is_caught(tmp_path, monkeypatch):
    """The check above really reads the catalogs: drop one entry and it fails."""
    import web.catalogs as catalogs

    cat = catalog("es")
    del cat["Copy summary"]
    from babel.messages.pofile import write_po
    d = tmp_path / "es" / "LC_MESSAGES"
    d.mkdir(parents=True)
    with (d / "messages.po").open("wb") as fh:
        write_po(fh, cat)
    monkeypatch.setattr(catalogs, "TRANSLATIONS_DIR", tmp_path)
    with pytest.raises(AssertionError):
        test_every_message_is_translated_in_every_catalog("es")


def test_the_catalogs_are_compiled_at_start_without_writing_files(app):
    assert set(app.extensions["guard_catalogs"]) == set(LANGS)
    assert not list((ROOT / "web" / "translations").rglob("*.mo"))


@pytest.mark.parametrize("lang,word", [("en", "Copy summary"), ("es", "Copiar el resumen"),
                                       ("fr", "Copier le résumé"), ("pt", "Copiar o resumo")])
def test_the_page_uses_the_catalog_of_its_language(client, lang, word):
    r = client.post("/", data={"message": "The ILO asks a processing fee of 100 USD", "lang": lang})
    assert word in r.get_data(as_text=True)


@pytest.mark.parametrize("lang,expected", [("en", "200,000"), ("es", "200.000"),
                                           ("fr", "200\u202f000"), ("pt", "200.000")])
def test_numbers_follow_the_locale(client, lang, expected):
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    doc, _ = parse_html(page)
    hint = doc.find("p", id="message-hint").text()
    assert expected in hint
    if lang == "fr":
        assert "200,000" not in hint and "200 000" not in hint.replace("\u202f", "#")


def test_french_limit_in_the_too_long_error_is_a_french_number(make_app):
    client = make_app(GUARD_MAX_MESSAGE_CHARS=200_000).test_client()
    r = client.post("/", data={"message": "x" * 200_001, "lang": "fr"})
    assert r.status_code == 413
    text = parse_html(r.data)[0].find("div", cls="error").text()
    assert "200\u202f000 caractères" in text


@pytest.mark.parametrize("lang,month", [("en", "June"), ("es", "junio"), ("fr", "juin"), ("pt", "junho")])
def test_the_check_date_is_written_for_the_locale(client, monkeypatch, lang, month):
    import datetime

    import web.views

    class Fixed(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime(2025, 6, 3, 12, 0, tzinfo=tz)

    monkeypatch.setattr(web.views.datetime, "datetime", Fixed)
    r = client.post("/", data={"message": "The ILO asks a processing fee of 100 USD", "lang": lang})
    meta = parse_html(r.data)[0].find("p", cls="meta-line").text()
    assert month in meta and "2025" in meta


@pytest.mark.parametrize("lang,unit", [("en", "2 kB"), ("fr", "2\u202fko")])
def test_sizes_follow_the_locale(make_app, lang, unit):
    client = make_app(GUARD_MAX_REQUEST_BYTES=2048).test_client()
    r = client.post(f"/?lang={lang}", data={"message": "y" * 5000})
    assert r.status_code == 413
    assert unit in parse_html(r.data)[0].find("div", cls="error").text()
