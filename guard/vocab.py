"""Vocabularies: the words of each concept, found in one pass over a text.

A *concept* ("pay_verb", "fee_noun", "ilo_name", "neg_pre" ...) is a list of
terms per language in ``rules/vocab/<lang>.toml``; lists shared by every
language (currencies, payment services) are in ``rules/vocab/shared.toml``.
Every language's terms are searched in every text: scams mix languages, and a
message's language is not known in advance.

Term syntax (the normalised form of guard/normalize.py: lower case, no
accents):

* ``application fee``: a phrase; a space matches any run of white space;
* ``transfer*``: the last word may go on with more letters (transfers,
  transferred); a term otherwise matches whole words only;
* ``=BIT``: the term must be in upper case in the original text (the French
  ILO, not "a bit").

``[regex]`` entries of shared.toml are the few shapes a word list cannot
write (an amount, a blank on a form); ``CURRENCY`` in them stands for the
``currency`` concept and each ``[regex_part]`` name for its pattern. ``[derive]`` adds hits to a concept from frames over
other concepts ("number_word ..4 currency" is an amount too), and ``[mask]``
(in a language file) removes the hits of one concept that overlap the hits of
another (``neg_pre = ["pseudo_neg"]``: "don't forget" is no negation).

Speed: one Aho-Corasick automaton (pyahocorasick, C) holds every term of
every concept, so finding all of them costs one pass over the text, however
many concepts and rules there are. The automaton and the regular expressions
are built once per rule set.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import NormView, _rewrite, fold

LANGS_WITH_VOCAB = ("en", "es", "fr", "pt")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class VocabError(ValueError):
    """A vocabulary file is wrong: the message names the file and the key."""


@dataclass(slots=True)
class _Variant:
    concepts: tuple[int, ...]
    prefix: bool
    upper: bool


@dataclass(slots=True)
class Vocabulary:
    """Every concept's terms, compiled for one-pass search."""

    names: list[str]                              # concept index -> name
    index: dict[str, int]                         # name -> concept index
    terms: dict[str, dict[str, list[str]]]        # name -> lang -> terms (as written)
    regex: dict[str, re.Pattern[str]]             # built-in shapes
    derive: dict[str, list[str]]                  # concept -> frames (compiled by frames.py)
    masks: dict[str, list[str]]                   # concept -> concepts whose hits cancel it
    sources: dict[str, str] = field(default_factory=dict)   # concept -> file names
    _automaton: object = None

    def has(self, name: str) -> bool:
        return name in self.index or name in self.regex

    @property
    def automaton(self):
        if self._automaton is None:
            self._automaton = _build_automaton(self)
        return self._automaton


def _build_automaton(v: Vocabulary):
    import ahocorasick

    table: dict[str, list[_Variant]] = {}
    for name, by_lang in v.terms.items():
        ci = v.index[name]
        for terms in by_lang.values():
            for t in terms:
                upper = t.startswith("=")
                if upper:
                    t = t[1:].lower()
                prefix = t.endswith("*")
                key = t.rstrip("*")
                vs = table.setdefault(key, [])
                for var in vs:
                    if var.prefix == prefix and var.upper == upper:
                        if ci not in var.concepts:
                            var.concepts = var.concepts + (ci,)
                        break
                else:
                    vs.append(_Variant((ci,), prefix, upper))
    a = ahocorasick.Automaton()
    for key, vs in table.items():
        a.add_word(key, (len(key), key[0].isalnum(), key[-1].isalnum(), tuple(vs)))
    a.make_automaton()
    return a


# -- loading ------------------------------------------------------------------------

def load_vocabulary(directory: Path) -> Vocabulary:
    """Read ``directory/vocab/*.toml``; raise VocabError naming file and key."""
    vdir = directory / "vocab"
    terms: dict[str, dict[str, list[str]]] = {}
    sources: dict[str, str] = {}
    regex_src: dict[str, str] = {}
    derive: dict[str, list[str]] = {}
    masks: dict[str, list[str]] = {}
    parts: dict[str, str] = {}
    files = sorted(vdir.glob("*.toml"))
    if not files:
        raise VocabError(f"{vdir}: no vocabulary files")
    for path in files:
        where = f"vocab/{path.name}"
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as e:
            raise VocabError(f"{where}: {e}") from None
        shared = path.stem == "shared"
        allowed = {"concept", "regex", "regex_part", "derive", "mask"} if shared else {"lang", "concept"}
        extra = set(data) - allowed
        if extra:
            raise VocabError(f"{where}: unknown key(s) {sorted(extra)}; allowed: {sorted(allowed)}")
        lang = "*" if shared else data.get("lang")
        if not shared and (lang != path.stem or lang not in LANGS_WITH_VOCAB):
            raise VocabError(f"{where}: lang must be {path.stem!r}, one of {LANGS_WITH_VOCAB}")
        for name, words in data.get("concept", {}).items():
            _check_name(name, where, "concept")
            if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                raise VocabError(f"{where}: concept {name!r} must be a list of non-empty strings")
            for w in words:
                _check_term(w, where, name)
            if lang in terms.get(name, {}):
                raise VocabError(f"{where}: concept {name!r} defined twice")
            terms.setdefault(name, {})[lang] = list(words)
            sources[name] = ", ".join(filter(None, [sources.get(name), path.name]))
        for name, src in data.get("regex_part", {}).items():
            if not re.fullmatch(r"[A-Z][A-Z_]*", name) or not isinstance(src, str):
                raise VocabError(f"{where}: regex_part {name!r}: an UPPER_CASE name and a string")
            parts[name] = src
        for name, src in data.get("regex", {}).items():
            _check_name(name, where, "regex")
            if not isinstance(src, str):
                raise VocabError(f"{where}: regex {name!r} must be a string")
            regex_src[name] = src
        for name, frames in data.get("derive", {}).items():
            _check_name(name, where, "derive")
            if not isinstance(frames, list) or not all(isinstance(f, str) for f in frames):
                raise VocabError(f"{where}: derive {name!r} must be a list of frames")
            derive.setdefault(name, []).extend(frames)
        for name, others in data.get("mask", {}).items():
            _check_name(name, where, "mask")
            if not isinstance(others, list) or not all(isinstance(o, str) for o in others):
                raise VocabError(f"{where}: mask {name!r} must be a list of concept names")
            for o in others:
                if o == name:
                    raise VocabError(f"{where}: mask {name!r} names itself")
            masks.setdefault(name, [])
            masks[name].extend(o for o in others if o not in masks[name])
    names = sorted(terms)
    index = {n: i for i, n in enumerate(names)}
    regex: dict[str, re.Pattern[str]] = {}
    if "currency" in terms:
        cur = "|".join(sorted((re.escape(t.rstrip("*")) for ts in terms["currency"].values() for t in ts),
                              key=len, reverse=True))
    else:
        cur = "(?!)"
    from .relint import unsafe_reason

    for name, src in regex_src.items():
        full = src.replace("CURRENCY", cur)
        for pname, psrc in parts.items():
            full = full.replace(pname, f"(?:{psrc})")
        try:
            pat = re.compile(full)
        except re.error as e:
            raise VocabError(f"vocab/shared.toml: regex {name!r} does not compile: {e}") from None
        why = unsafe_reason(full)
        if why:
            raise VocabError(f"vocab/shared.toml: regex {name!r} is refused: {why}")
        regex[name] = pat
    for name, others in masks.items():
        for o in others + [name]:
            if o not in index and o not in regex and o not in derive:
                raise VocabError(f"vocab: mask {name!r} names unknown concept {o!r}")
    return Vocabulary(names, index, terms, regex, derive, masks, sources)


def _check_name(name: str, where: str, kind: str) -> None:
    if not _NAME.match(name):
        raise VocabError(f"{where}: {kind} name {name!r} must be lower_case_with_underscores")


def _check_term(term: str, where: str, concept: str) -> None:
    body = term[1:] if term.startswith("=") else term
    if term.startswith("="):
        if body.upper() != body or not body.strip():
            raise VocabError(f"{where}: concept {concept!r}: {term!r}: after '=' write the word in upper case")
        body = body.lower()
    core = body.rstrip("*")
    if body.count("*") > 1 or ("*" in body and not body.endswith("*")):
        raise VocabError(f"{where}: concept {concept!r}: {term!r}: '*' may only end a term")
    if core != core.strip() or "  " in core or not core:
        raise VocabError(f"{where}: concept {concept!r}: {term!r}: one space between words, none around")
    if fold(core) != core:
        raise VocabError(f"{where}: concept {concept!r}: {term!r} is not in the normalised form: write {fold(core)!r}")


# -- one text's hits --------------------------------------------------------------------

_WS_RUN = re.compile(r"[ \n]{2,}")
_WORD_END = re.compile(r"[^\W_]*")
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


def _squeeze(m: re.Match[str]):
    s = m.group()
    nl = [i for i, c in enumerate(s) if c == "\n"]
    if len(nl) >= 2:
        return nl[:2]          # a blank line stays a blank line
    if nl:
        return nl              # a line break
    return [0]                 # one space


@dataclass(slots=True)
class Text:
    """A view ready for concept matching.

    ``text`` is the normalised view with white-space runs squeezed (a run with
    a blank line becomes "\\n\\n", one with a line break "\\n", others one
    space), so that word gaps are counted by spaces; ``flat`` is ``text`` with
    line breaks as spaces (same offsets) for phrase search. ``norm`` maps back.
    """

    norm: NormView
    text: str
    flat: str
    stages: list
    hits: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, nv: NormView) -> "Text":
        stages: list = []
        text = nv.text
        if _WS_RUN.search(text) is not None:
            text = _rewrite(text, _WS_RUN, _squeeze, stages)
        return cls(nv, text, text.replace("\n", " "), stages)

    def to_norm(self, j: int) -> int:
        for stage in reversed(self.stages):
            j = stage(j)
        return j

    def from_original(self, pos: int) -> int:
        """The offset of ``text`` whose character came from original offset
        ``pos`` (or the first one after it): the maps only run forwards, and
        they never decrease, so a binary search inverts them."""
        from bisect import bisect_left as _bl

        return _bl(range(len(self.text) + 1), pos, key=lambda k: self.norm.orig(self.to_norm(k)))

    def original_span(self, a: int, b: int) -> tuple[int, int]:
        na = self.to_norm(a)
        nb = self.to_norm(b - 1) + 1 if b > a else na
        return self.norm.span(na, nb)

    def get(self, concept: str) -> list[tuple[int, int]]:
        return self.hits.get(concept, _EMPTY)

    def words_between(self, a: int, b: int) -> int:
        """How many words stand between offsets a <= b (0 when adjacent;
        punctuation is no word: "fee: USD 300" has the fee next to the amount)."""
        if b <= a:
            return 0
        return len(_WORD.findall(self.flat, a, b))

    def any_in(self, concept: str, a: int, b: int) -> bool:
        hs = self.hits.get(concept)
        if not hs:
            return False
        i = bisect_left(hs, (a, -1))
        return i < len(hs) and hs[i][0] < b and hs[i][1] <= b


_EMPTY: list = []


def scan(v: Vocabulary, t: Text) -> None:
    """Fill ``t.hits``: concept name -> sorted, de-duplicated (start, end)."""
    flat = t.flat
    n = len(flat)
    names = v.names
    found: dict[int, set[tuple[int, int]]] = {}
    orig = t.norm.original
    for end, (length, first_alnum, last_alnum, variants) in v.automaton.iter(flat):
        start = end - length + 1
        if first_alnum and start > 0 and flat[start - 1].isalnum():
            continue
        after_alnum = end + 1 < n and flat[end + 1].isalnum()
        for var in variants:
            stop = end + 1
            if var.prefix:
                if after_alnum:
                    stop = _WORD_END.match(flat, end + 1).end()
            elif last_alnum and after_alnum:
                continue
            if var.upper:
                oa, ob = t.original_span(start, stop)
                s = orig[oa:ob]
                if not s or s.upper() != s or s.lower() == s:
                    continue
            for ci in var.concepts:
                found.setdefault(ci, set()).add((start, stop))
    hits = {names[ci]: sorted(s) for ci, s in found.items()}
    for name, pat in v.regex.items():
        got = [m.span() for m in pat.finditer(flat) if m.end() > m.start()]
        if got:
            hits.setdefault(name, [])
            hits[name] = sorted(set(hits[name]) | set(got))
    t.hits = hits


def apply_masks(v: Vocabulary, t: Text) -> None:
    """Drop the hits of a concept that overlap a hit of a concept masking it."""
    for name, others in v.masks.items():
        hs = t.hits.get(name)
        if not hs:
            continue
        cover = sorted(h for o in others for h in t.hits.get(o, ()))
        if not cover:
            continue
        keep = [h for h in hs if not _overlaps(cover, h)]
        t.hits[name] = keep


def _overlaps(cover: list[tuple[int, int]], h: tuple[int, int]) -> bool:
    i = bisect_left(cover, (h[1], -1))
    # any cover span starting before h ends and ending after h starts
    for j in range(i - 1, -1, -1):
        a, b = cover[j]
        if b > h[0]:
            return True
        if j < i - 64:        # spans are short: no need to look far back
            break
    return False
