"""The engine's own sentences, said in the verdict's language.

Rule titles, explanations and advice live with their rules (rules/*.toml,
rules/advice.toml). The other user-facing sentences of the engine have one
file per kind, each entry in English, Spanish, French and Portuguese:

* ``notes``: ``rules/notes.toml``: what a check cut, skipped or could not
  do (``Verdict.notes``): size bounds, the time budget, an internal error,
  the language used, the DNS checks;
* ``details``: ``rules/details.toml``: the ``detail`` of a check's evidence
  (guard/checks.py), under ``[dns]`` those of the DNS checks, and under
  ``[dns_mail]``, ``[dns_dmarc]``, ``[dns_spf]``, ``[dns_why]``,
  ``[dns_role]`` the pieces of DNS answers they quote (guard/dnscheck.py).

A key is a dotted path into its file (``"cut.message_bytes"``,
``"dns_mail.nxdomain"``); ``{placeholders}`` are filled from the parameters.
A parameter may itself be a ``Phrase`` (a sentence of either kind said later
in the same language), so a DNS answer can be quoted inside a note or a
detail and still be translated. Domain names, DNS record types and values,
addresses and the words of another library (email-validator's reason, an
exception's class name) are quoted as they are.

A note is made in English (``Note("cut.message_bytes", n=...)`` is a ``str``
equal to the English sentence, so code that reads notes as text keeps
working) and remembers its key and parameters; ``guard.check()`` says every
note in the verdict's language at the end, when that language is known
(``lang="auto"`` decides it after parsing). ``Note.english`` keeps the
English sentence for front ends that sort notes by what they say.

A plain ``str`` note (from code that does not make a ``Note`` yet, such as
the time-budget note of guard/state.py) is looked up by its English text
among the notes without placeholders, and said in the language when found.
"""

from __future__ import annotations

import functools
import tomllib
from typing import Any

from .model import LANGS
from .paths import rules_dir

LANGUAGES = LANGS        # every entry of notes.toml and details.toml has every verdict language
FILES = {"notes": "notes.toml", "details": "details.toml"}


@functools.lru_cache(maxsize=None)
def table(kind: str) -> dict:
    """The whole file of ``kind`` ("notes" or "details"), as TOML tables."""
    with open(rules_dir() / FILES[kind], "rb") as fh:
        return tomllib.load(fh)


def entries(kind: str) -> dict[str, dict[str, str]]:
    """Every entry of ``kind``: dotted key -> {lang: text} (for tests and lookups)."""
    out: dict[str, dict[str, str]] = {}

    def walk(prefix: str, t: dict) -> None:
        if "en" in t and isinstance(t["en"], str):
            out[prefix] = {k: v for k, v in t.items() if isinstance(v, str)}
        for k, v in t.items():
            if isinstance(v, dict):
                walk(f"{prefix}.{k}" if prefix else k, v)

    walk("", table(kind))
    return out


def lookup(kind: str, key: str) -> dict[str, str]:
    t: Any = table(kind)
    for part in key.split("."):
        t = t[part]
    return t


def say(kind: str, key: str, lang: str, params: dict | None = None) -> str:
    """Entry ``key`` of ``kind`` in ``lang`` (English when it has no such
    language), its placeholders filled (``Phrase`` parameters in ``lang`` too)."""
    texts = lookup(kind, key)
    text = texts.get(lang) or texts["en"]
    if not params:
        return text
    return text.format(**{k: (v.say(lang) if isinstance(v, Phrase) else v) for k, v in params.items()})


class Phrase:
    """A sentence of ``kind`` to be said later, in whatever language is asked."""

    __slots__ = ("kind", "key", "params")

    def __init__(self, kind: str, key: str, **params: Any) -> None:
        lookup(kind, key)            # a misspelt key fails where it is written
        self.kind, self.key, self.params = kind, key, params

    def say(self, lang: str) -> str:
        return say(self.kind, self.key, lang, self.params)

    def __str__(self) -> str:
        return self.say("en")

    def __repr__(self) -> str:
        return f"Phrase({self.kind!r}, {self.key!r}, **{self.params!r})"


class Joined(Phrase):
    """Several parameters said in one language and joined with ``sep``
    (a list of DNS answers, of names); repeats are said once."""

    __slots__ = ("parts", "sep")

    def __init__(self, parts, sep: str = "; ") -> None:
        self.kind, self.key, self.params = "", "", {}
        self.parts, self.sep = list(parts), sep

    def say(self, lang: str) -> str:
        said = [p.say(lang) if isinstance(p, Phrase) else str(p) for p in self.parts]
        return self.sep.join(dict.fromkeys(said))

    def __repr__(self) -> str:
        return f"Joined({self.parts!r}, {self.sep!r})"


def detail(key: str, **params: Any) -> Phrase:
    return Phrase("details", key, **params)


class Note(str):
    """A note of the verdict: the sentence (a ``str``) with its key, its
    parameters and its English form, to be said again in another language."""

    key: str
    params: dict
    lang: str
    english: str

    def __new__(cls, key: str, _lang: str = "en", **params: Any) -> Note:
        obj = super().__new__(cls, say("notes", key, _lang, params))
        obj.key, obj.params, obj.lang = key, params, _lang
        obj.english = say("notes", key, "en", params) if _lang != "en" else str.__str__(obj)
        return obj

    def __reduce__(self):           # pickles (filter/milter's worker process) as a Note
        return (_note, (self.key, self.params, self.lang))

    def said_in(self, lang: str) -> Note:
        return Note(self.key, lang, **self.params)


def _note(key: str, params: dict, lang: str) -> Note:
    return Note(key, lang, **params)


@functools.lru_cache(maxsize=1)
def _fixed_notes() -> dict[str, str]:
    """English text -> key, for the notes without placeholders."""
    return {t["en"]: k for k, t in entries("notes").items() if "{" not in t["en"]}


def note_in(note: str, lang: str) -> str:
    """``note`` said in ``lang``: a ``Note`` by its key; a plain English
    ``str`` by its text when it is one of the notes without placeholders;
    anything else as it is."""
    if isinstance(note, Note):
        return note.said_in(lang)
    key = _fixed_notes().get(note)
    return Note(key, lang) if key else note
