"""The interface's words: gettext catalogs under web/translations, read with Flask-Babel.

The page's own strings are written in English in the templates and in
web/*.py (``_("...")``); ``web/translations/<lang>/LC_MESSAGES/messages.po``
holds each language's translation. The ``.po`` files are the source: they
are compiled when the app starts, in memory (no ``.mo`` file is written or
needed, so the package can sit on a read-only disk). Findings' titles,
explanations and advice come from the rule packs, not from here.

Updating after a string changed (``scripts/i18n`` runs these)::

    pybabel extract -F web/babel.cfg --no-location -o web/translations/messages.pot web
    pybabel update -i web/translations/messages.pot -d web/translations

tests/web/test_web_i18n.py fails when a catalog lacks a message, has an
empty or fuzzy translation, or a translation whose placeholders differ.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask_babel import Domain, get_locale

LANGS = ("en", "es", "fr", "pt")
DEFAULT_LANG = "en"

# Each language's name written in that language, for the switcher.
LANG_NAMES = {"en": "English", "es": "Español", "fr": "Français", "pt": "Português"}

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def po_path(lang: str) -> Path:
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"


def compile_catalog(lang: str) -> Translations:
    """The ``.po`` of ``lang`` compiled in memory (fuzzy entries left out, as msgfmt does)."""
    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain="messages")


class MemoryDomain(Domain):
    """A Flask-Babel domain whose catalogs were compiled at start."""

    def __init__(self, catalogs: dict[str, Translations]):
        super().__init__(domain="messages")
        self.catalogs = catalogs

    def get_translations(self):
        locale = get_locale()
        lang = locale.language if locale is not None else DEFAULT_LANG
        return self.catalogs.get(lang) or self.catalogs[DEFAULT_LANG]


def load_catalogs() -> dict[str, Translations]:
    return {lang: compile_catalog(lang) for lang in LANGS}


# -- fast lookups for the page ----------------------------------------------------------
# Flask-Babel's own gettext looks its context up several times per string; a
# result page asks for ~150 strings, so the page and the templates use these,
# which read the catalog of the request's language (g.lang, set by the views).

def current() -> Translations:
    from flask import current_app, g

    cats = current_app.extensions["guard_catalogs"]
    return cats.get(getattr(g, "lang", None) or DEFAULT_LANG) or cats[DEFAULT_LANG]


def gettext(string: str, **variables) -> str:
    s = current().ugettext(string)
    return s % variables if variables else s


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return current().ungettext(singular, plural, num) % variables
