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
write (a number, a blank on a form); each ``[regex_part]`` name in them
stands for its pattern. ``[derive]`` adds hits to a concept from frames over
other concepts ("currency number" is an amount), ``[mask]`` removes the hits
of one concept that overlap the hits of another (``neg_pre =
["pseudo_neg"]``: "don't forget" is no negation), and ``[lazy]`` names the
concepts looked for only when a frame needs them.

Speed: two Aho-Corasick automata (pyahocorasick, C) per pass hold the terms
(one for terms of letters only, searched at word starts; one for the
others), so finding every concept costs one pass over the text however many
concepts and rules there are; the lazy concepts get a second pass, only
when asked for (a long text: a pass for each lazy concept asked for, see
LAZY_ONE_CHARS). Automata and regular expressions are built once per rule set.
"""

from __future__ import annotations

import codecs
import os
import re
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import NormView, fold

LANGS_WITH_VOCAB = ("en", "es", "fr", "pt")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")     # \Z: a name with a newline at its end is refused too


class VocabError(ValueError):
    """A vocabulary file is wrong: the message names the file and the key."""


@dataclass(slots=True)
class _Variant:
    concepts: tuple[int, ...]
    prefix: bool
    upper: bool


class Patterns(Mapping):
    """Concept name -> compiled regular expression, compiled the first time
    it is used; pickles as its sources (a start-up from the cache then
    compiles only the shapes a message asks for)."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = dict(sources)
        self._compiled: dict[str, re.Pattern[str]] = {}

    def __getitem__(self, name: str) -> re.Pattern[str]:
        pat = self._compiled.get(name)
        if pat is None:
            pat = self._compiled[name] = re.compile(self.sources[name])
        return pat

    def __contains__(self, name) -> bool:
        return name in self.sources

    def __iter__(self):
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    def __reduce__(self):
        return (Patterns, (self.sources,))


@dataclass(slots=True)
class Vocabulary:
    """Every concept's terms, compiled for one-pass search."""

    names: list[str]                              # concept index -> name
    index: dict[str, int]                         # name -> concept index
    terms: dict[str, dict[str, list[str]]]        # name -> lang -> terms (as written)
    regex: Patterns                               # built-in shapes, compiled on first use
    derive: dict[str, list[str]]                  # concept -> frames (compiled by frames.py)
    masks: dict[str, list[str]]                   # concept -> concepts whose hits cancel it
    lazy: frozenset = frozenset()     # concepts searched only when asked for
    # [language_bound]: concept -> language -> the words that are a term of
    # the concept in another language but a common word of this one
    foreign: dict = field(default_factory=dict)
    _automata: dict = field(default_factory=dict)
    # the rule set's hash (guard/rules.py load_cached): the automata's cache key
    source_key: str = ""

    def has(self, name: str) -> bool:
        return name in self.index or name in self.regex

    def automata(self, lazy: bool):
        """The automata of the concepts searched up front, or of the lazy
        ones (searched the first time one is asked for); built once. They
        are cached in a file of their own (guard/cache.py, keyed by the rule
        set's hash, ``source_key``), not in the cached rule set: they are
        most of its size (2.2 of 2.5 MB) and, where Hyperscan runs, serve
        only the rare text outside Latin-1, so a start-up neither reads them
        nor keeps them in memory."""
        got = self._automata.get(lazy)
        if got is None:
            if self.source_key:
                from . import cache

                got = cache.cached("automata", f"{self.source_key}\0{lazy}",
                                   lambda: _build_automaton(self, lazy=lazy))
            else:
                got = _build_automaton(self, lazy=lazy)
            self._automata[lazy] = got
        return got

    def databases(self, lazy: bool) -> "_HSDatabases | None":
        """The same terms as ``automata`` compiled for Hyperscan, or None
        when Hyperscan is not installed; built once (and cached with the
        rule set, guard/cache.py)."""
        key = ("hs", lazy)
        if key not in self._automata:
            self._automata[key] = _HSDatabases.build(self, lazy) if hyperscan_available() else None
        return self._automata[key]

    def concept_databases(self, name: str) -> "_HSDatabases | None":
        """Hyperscan databases of one lazy concept's terms alone, for a long
        text (see Text.get, LAZY_ONE_CHARS); None without Hyperscan. Each
        is cached in an entry of its own (guard/cache.py), read the first
        time a long text asks for the concept: a start-up reads none."""
        key = "hs:" + name          # a str key: __getstate__ leaves it out of the rule set's pickle
        if key not in self._automata:
            got = None
            if hyperscan_available():
                if self.source_key:
                    from . import cache

                    # a kind per concept: the cache keeps the newest few
                    # entries of each kind, and 36 concepts of one kind
                    # pushed each other out, so every start compiled them again
                    got = cache.cached(f"hs-concept.{name}", self.source_key,
                                       lambda: _HSDatabases.build(self, True, only=name))
                else:
                    got = _HSDatabases.build(self, True, only=name)
            self._automata[key] = got
        return self._automata[key]

    def __getstate__(self):
        # the automata stay out of the pickle (see automata())
        state = {name: getattr(self, name) for name in self.__slots__}
        state["_automata"] = {k: v for k, v in self._automata.items() if isinstance(k, tuple)}
        return (None, state)


def _is_word_term(key: str) -> bool:
    """Letters and single spaces only: searched at word starts (see scan)."""
    return key[:1].isalpha() and all(c.isalpha() or c == " " for c in key)


def _build_automaton(v: Vocabulary, lazy: bool):
    """Two automata: terms made of letters only, searched in a copy of the
    text where every ASCII character that is not a letter is a space and each
    term is keyed with a space in front (so a term can only start a word and
    "n" is not found inside every word that holds an n); and the other terms
    ("m-pesa", "us$", "n'", "6-digit code"), searched in the text itself."""
    import ahocorasick

    # the automata store an index into `values` (ints keep them small: they
    # pickle and load in a fraction of the time of Python objects)
    words = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    raw = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    values: list[tuple] = []
    for key, is_word, value in _keys(v, lazy):
        (words if is_word else raw).add_word(key, len(values))
        values.append(value)
    for a in (words, raw):
        if len(a):
            a.make_automaton()
    return words, raw, values


def _keys(v: Vocabulary, lazy: bool, only: str | None = None) -> list[tuple[str, bool, tuple]]:
    """(search key, searched in the spaced copy?, (length, first char is
    alphanumeric, last char is, variants)) for every distinct term, in a
    fixed order: both engines are built from this one list. With ``only``,
    the terms of that one concept."""
    table: dict[str, list[_Variant]] = {}
    for name, by_lang in v.terms.items():
        if only is not None:
            if name != only:
                continue
        elif (name in v.lazy) != lazy:
            continue
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
    out = []
    for key, vs in table.items():
        if _is_word_term(key):
            out.append((" " + key, True, (len(key) + 1, True, True, tuple(vs))))
        else:
            out.append((key, False, (len(key), key[0].isalnum(), key[-1].isalnum(), tuple(vs))))
    return out


# -- Hyperscan -------------------------------------------------------------------------

_ENGINES = ("auto", "hyperscan", "aho-corasick")
_engine = os.environ.get("GUARD_MATCHER", "auto")


def set_engine(name: str) -> None:
    """Which multi-pattern engine finds the terms: "hyperscan" (when it is
    installed), "aho-corasick" (pyahocorasick, always there), or "auto"
    (Hyperscan when installed). Both give the same hits; GUARD_MATCHER sets
    it for a whole process. For tests and benchmarks."""
    global _engine
    if name not in _ENGINES:
        raise ValueError(f"engine must be one of {_ENGINES}")
    _engine = name


def engine() -> str:
    """The engine in use: "hyperscan" or "aho-corasick"."""
    if _engine == "aho-corasick":
        return _engine
    return "hyperscan" if hyperscan_available() else "aho-corasick"


_hs_module = None


def hyperscan_available() -> bool:
    global _hs_module
    if _hs_module is None:
        try:
            import hyperscan
            _hs_module = hyperscan
        except Exception:       # not installed, or no build for this CPU
            _hs_module = False
    return _hs_module is not False


class _HSDatabases:
    """Hyperscan block-mode databases of the same keys as the automata: one
    of the word terms (scanned over the spaced copy), one of the others. The
    keys are literals in Latin-1 bytes, so a text is scanned as one byte a
    character, byte offsets equal to character offsets: a character outside
    Latin-1 becomes byte 0x80, which no key holds. The few keys outside
    Latin-1 (€, ₦, ₹: ``extra``) can only occur in such a text and are
    looked for there with str.find. Pickles as the serialised databases;
    scratch space is made per thread (Hyperscan's scratch is not to be
    shared)."""

    def __init__(self, blobs: tuple[bytes | None, bytes | None], values: tuple[list, list],
                 extra: tuple = ()) -> None:
        self.blobs = blobs
        self.values = values
        self.extra = extra      # (key, searched in the spaced copy?, value) outside Latin-1
        self._dbs = None
        # word terms with one plain variant (no '*', no '='), the commonest
        # hit: (length, concepts), else None; _scan_hs adds these inline
        self.simple_words = [
            (length, variants[0].concepts)
            if len(variants) == 1 and not variants[0].prefix and not variants[0].upper else None
            for length, _fa, _la, variants in values[0]]
        import threading

        self._local = threading.local()

    @classmethod
    def build(cls, v: Vocabulary, lazy: bool, only: str | None = None) -> "_HSDatabases":
        hs = _hs_module
        blobs: list[bytes | None] = []
        values: list[list] = []
        extra: list[tuple] = []
        keys = _keys(v, lazy, only)
        for want_word in (True, False):
            exprs, vals = [], []
            for key, is_word, value in keys:
                if is_word != want_word:
                    continue
                try:
                    exprs.append(key.encode("latin-1"))
                except UnicodeEncodeError:
                    extra.append((key, is_word, value))
                    continue
                vals.append(value)
            values.append(vals)
            if not exprs:
                blobs.append(None)
                continue
            db = hs.Database(mode=hs.HS_MODE_BLOCK)
            db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
                       flags=0, literal=True)
            blobs.append(hs.dumpb(db))
        return cls((blobs[0], blobs[1]), (values[0], values[1]), tuple(extra))

    def __reduce__(self):
        blobs = self.blobs
        if blobs is None:          # loaded: serialised again from the databases
            blobs = tuple(_hs_module.dumpb(db) if db is not None else None for db in self._dbs)
        return (_HSDatabases, (blobs, self.values, self.extra))

    def dbs(self):
        """The two databases, or None when they do not load here (a cache
        made on another CPU): the automata then do the work. Once loaded,
        the serialised copies are let go (0.8 MB)."""
        if self._dbs is None:
            hs = _hs_module if hyperscan_available() else None
            try:
                self._dbs = tuple(hs.loadb(b, hs.HS_MODE_BLOCK) if b is not None else None for b in self.blobs)
                self.blobs = None
            except Exception:
                self._dbs = False
        return self._dbs or None

    def scratch(self, i: int):
        sc = getattr(self._local, "scratch", None)
        if sc is None:
            sc = self._local.scratch = tuple(
                _hs_module.Scratch(db) if db is not None else None for db in self.dbs())
        return sc[i]


_SPACED = {i: " " for i in range(128) if not chr(i).isalpha()}


_NOT_LETTER = re.compile(r"[\x00-\x40\x5b-\x60\x7b-\x7f]")
# _SPACED on bytes (Latin-1): what is not an ASCII letter below 0x80 becomes a space
_SPACED_BYTES = bytes(32 if i < 128 and not chr(i).isalpha() else i for i in range(256))


def _c1_for_each(err: UnicodeEncodeError) -> tuple[str, int]:
    return "\x80" * (err.end - err.start), err.end


codecs.register_error("guard-c1", _c1_for_each)


def _spaced_of(t: "Text") -> str:
    if t._spaced is None:
        t._spaced = " " + _spaced(t.flat)
    return t._spaced


def _spaced(flat: str) -> str:
    """``flat`` with every ASCII character that is not a letter as a space
    (str.translate is fast on ASCII text only; a regex does the rest)."""
    if flat.isascii():
        return flat.translate(_SPACED)
    return _NOT_LETTER.sub(" ", flat)


# -- loading ------------------------------------------------------------------------

def load_vocabulary(directory: Path) -> Vocabulary:
    """Read ``directory/vocab/*.toml``; raise VocabError naming file and key."""
    vdir = directory / "vocab"
    terms: dict[str, dict[str, list[str]]] = {}
    regex_src: dict[str, str] = {}
    derive: dict[str, list[str]] = {}
    masks: dict[str, list[str]] = {}
    parts: dict[str, str] = {}
    lazy: list[str] = []
    bound: list[str] = []
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
        allowed = ({"concept", "regex", "regex_part", "derive", "mask", "lazy", "language_bound"} if shared
                   else {"lang", "concept"})
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
        got = data.get("language_bound", {})
        if got:
            if set(got) - {"concepts"} or not isinstance(got.get("concepts"), list):
                raise VocabError(f"{where}: language_bound takes one key, concepts = [names]")
            bound.extend(got["concepts"])
        got = data.get("lazy", {})
        if got:
            if set(got) - {"concepts"} or not isinstance(got.get("concepts"), list):
                raise VocabError(f"{where}: lazy takes one key, concepts = [names]")
            lazy.extend(got["concepts"])
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
    regex: dict[str, str] = {}
    from .relint import unsafe_reason

    for name, src in regex_src.items():
        full = src
        for pname, psrc in parts.items():
            full = full.replace(pname, f"(?:{psrc})")
        try:
            re.compile(full)
        except re.error as e:
            raise VocabError(f"vocab/shared.toml: regex {name!r} does not compile: {e}") from None
        why = unsafe_reason(full)
        if why:
            raise VocabError(f"vocab/shared.toml: regex {name!r} is refused: {why}")
        regex[name] = full
    for name, others in masks.items():
        for o in others + [name]:
            if o not in index and o not in regex and o not in derive:
                raise VocabError(f"vocab: mask {name!r} names unknown concept {o!r}")
    for name in derive:
        if name in index or name in regex:
            raise VocabError(f"vocab: {name!r} is derived ([derive]) and also has terms or a regex: "
                             f"give the terms another name")
    for name in lazy:
        if name not in index:
            raise VocabError(f"vocab/shared.toml: lazy names unknown concept {name!r}")
        if name in derive:
            raise VocabError(f"vocab/shared.toml: lazy concept {name!r} cannot be derived")
    for name, frames in derive.items():
        for f in frames:
            elems = [tok.strip("^$").split("|") for tok in f.split() if not tok.startswith(("..", "~"))]
            if all(any(c in lazy for c in e) for e in elems if e != [""]):
                raise VocabError(f"vocab/shared.toml: derive {name!r}: {f!r} needs one concept searched up front")
    for name, others in masks.items():
        if name in lazy:
            # a long text finds a lazy concept's hits on their own (scan_one):
            # its lazy masks must be final when they are found
            for o in others:
                if o in lazy and (o in masks or o in bound):
                    raise VocabError(f"vocab/shared.toml: mask {name!r}: the lazy concept {o!r} "
                                     f"masking it cannot be masked or language-bound itself")
        if name not in lazy and any(o in lazy for o in others):
            raise VocabError(f"vocab/shared.toml: mask {name!r}: a concept searched up front "
                             f"cannot be masked by a lazy one")
    foreign = {}
    for name in bound:
        if name not in index:
            raise VocabError(f"vocab/shared.toml: language_bound names unknown concept {name!r}")
        foreign[name] = _foreign_terms(terms[name])
    # every regex waits until a frame asks for it (Text.get)
    lazy_all = frozenset(lazy) | frozenset(regex)
    return Vocabulary(names, index, terms, Patterns(regex), derive, masks, lazy_all, foreign)


def _foreign_terms(by_lang: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """For each language: the concept's terms of the other languages that
    are not its own terms but are among its commonest words (langdetect's
    stop words, normalised)."""
    from .langdetect import STOP_WORDS

    own = {lang: {w.lstrip("=").rstrip("*") for w in ws} for lang, ws in by_lang.items()}
    every = set().union(*own.values()) if own else set()
    out = {}
    for lang, stops in STOP_WORDS.items():
        common = {fold(w) for w in stops}
        got = frozenset(w for w in every - own.get(lang, set()) if w in common)
        if got:
            out[lang] = got
    return out


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
_SPACE_RUN = re.compile(r"  +")          # a literal prefix: re skips ahead in C
_BLANK_RUN = re.compile(r"\n\n\n+")
_WORD_END = re.compile(r"[^\W_]*")
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


class _SqueezeMap:
    """The offset map of the squeeze (each white-space run of the text
    becomes "\n\n" when it holds a blank line, else one character), from
    squeezed offsets to the text's: made only as far as the offsets asked
    for, since evidence is mostly near the start and a long message holds
    tens of thousands of runs. ``_next`` is the first run not in the map
    yet: an offset at or past its squeezed start grows the map first."""

    __slots__ = ("ns", "os", "_runs", "_removed", "_next", "_count")

    def __init__(self, text: str) -> None:
        self.ns = [0]
        self.os = [0]
        self._runs = _WS_RUN.finditer(text)
        self._count = text.count
        self._removed = 0
        self._next = next(self._runs, None)   # the first run not in the map yet

    def _grow(self, j: int) -> None:
        ns, os_ = self.ns, self.os
        count = self._count
        m = self._next
        removed = self._removed
        while m is not None:
            a, b = m.span()
            start = a - removed
            if start > j:
                break
            n = 2 if count("\n", a, b) >= 2 else 1
            ns += (start, start + n)
            os_ += (a, b)
            removed += b - a - n
            m = next(self._runs, None)
        self._next = m
        self._removed = removed

    def __call__(self, j: int) -> int:
        m = self._next
        if m is not None and m.start() - self._removed <= j:
            self._grow(j)
        ns = self.ns
        k = bisect_right(ns, j) - 1
        return self.os[k] + (j - ns[k])


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
    _stages: list | None = None
    hits: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    vocab: Vocabulary | None = None
    _lazy_done: bool = False
    _lazy_one: bool = False             # a long text: each lazy concept searched alone (get)
    _spaced: str | None = None
    _hs_data: tuple | None = None       # (spaced copy, text, holds characters outside Latin-1?) as bytes
    # derived concepts ([derive]) are matched the first time one is asked
    # for, by this function (set by the engine: frames.py builds on this
    # module); masks that wait for a derived concept are in _pending
    derive_fn: object = None
    _pending: dict | None = None
    _deriving: int = 0
    _language: str | None = ""
    _upper_seen: dict | None = None     # capital term -> can the original hold it (_upper_possible)
    _capitals: list | None = None       # _capitals_beyond_ascii(original), made when needed

    def language(self) -> str | None:
        """The text's language (guard/langdetect.py), detected once."""
        if self._language == "":
            from .langdetect import detect

            self._language = detect(self.norm.original)
        return self._language

    @classmethod
    def of(cls, nv: NormView) -> "Text":
        text = nv.text
        if _WS_RUN.search(text) is None:
            return cls(nv, text, text.replace("\n", " "), [])
        # the squeeze in C: spaces first, then the spaces around line breaks,
        # then three or more line breaks (the view holds no other white
        # space); the offset map waits until evidence needs it (stages)
        text = _SPACE_RUN.sub(" ", text).replace(" \n", "\n").replace("\n ", "\n")
        text = _BLANK_RUN.sub("\n\n", text)
        return cls(nv, text, text.replace("\n", " "), None)

    @property
    def stages(self) -> list:
        """The offset map of the squeeze, made as far as it is needed."""
        if self._stages is None:
            self._stages = [_SqueezeMap(self.norm.text)]
        return self._stages

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
        got = self.hits.get(concept)
        if got is not None:
            if self._pending and concept in self._pending and not self._deriving:
                self._apply_pending(concept)
                return self.hits[concept]
            return got
        v = self.vocab
        if v is not None and self.derive_fn is not None and concept in v.derive:
            # the frames of a derived concept see the hits they are made of
            # before any mask that waits for a derived concept (as "your new
            # job at the ILO" needs the ILO's name it then masks)
            self._deriving += 1
            try:
                got = self.derive_fn(self, concept)
            finally:
                self._deriving -= 1
            self.hits[concept] = got
            return got
        if v is not None and concept in v.regex:
            # each shape is searched the first time it is asked for; a
            # number only next to a currency (amounts are made of both)
            pat = v.regex[concept]
            if concept == "number":
                got = []
                end = -1
                for a, b in self.get("currency") + self.get("naira"):
                    lo, hi = max(a - 40, end), min(len(self.flat), b + 40)
                    if lo < hi:
                        got.extend(m.span() for m in pat.finditer(self.flat, lo, hi) if m.end() > m.start())
                        end = hi
                got = sorted(set(got))
            else:
                got = [m.span() for m in pat.finditer(self.flat) if m.end() > m.start()]
            self.hits[concept] = got
            return got
        if not self._lazy_done and v is not None and concept in v.lazy:
            # a long text searches each lazy concept alone, when asked for
            # (in the 1 MB benchmark body 9 of the 36 are, and the other 27
            # would make 60,000 of the 78,000 hits, each a Python call);
            # a short one all of them in one pass (a pass has a fixed cost)
            if self._lazy_one or (len(self.flat) >= LAZY_ONE_CHARS and engine() == "hyperscan"):
                if scan_one(v, self, concept):
                    self._lazy_one = True
                    return self.get(concept)
            self._lazy_done = True
            scan(self.vocab, self, lazy=True)
            apply_masks(self.vocab, self, lazy=True)
            return self.get(concept)
        return _EMPTY

    def _apply_pending(self, concept: str) -> None:
        others = self._pending.pop(concept)
        cover = sorted(h for o in others for h in self.get(o))
        if cover:
            self.hits[concept] = [h for h in self.hits[concept] if not _overlaps(cover, h)]

    def words_between(self, a: int, b: int) -> int:
        """How many words stand between offsets a <= b (0 when adjacent;
        punctuation is no word: "fee: USD 300" has the fee next to the amount)."""
        if b <= a:
            return 0
        return len(_WORD.findall(self.flat, a, b))

    def starts_in(self, concept: str, a: int, b: int) -> bool:
        """Does a hit of ``concept`` start in [a, b)?"""
        hs = self.get(concept)
        if not hs or b <= a:
            return False
        i = bisect_left(hs, (a, -1))
        return i < len(hs) and hs[i][0] < b

    def fewer_words_than(self, n: int) -> bool:
        """Has the text fewer than ``n`` words? (Stops counting at n.)"""
        for i, _ in enumerate(_WORD.finditer(self.flat), 1):
            if i >= n:
                return False
        return True


_EMPTY: list = []

# From this length (characters of the flat text) a text searches its lazy
# concepts one by one (Text.get, scan_one), each in a pass of its own over
# the text, instead of all in one pass: the hits no frame asks for cost a
# Python call each, a pass about 2 us. Measured by bench/speed.py (the
# scaling rows) and over the corpora; the hits are the same either way
# (tests/test_vocab.py).
LAZY_ONE_CHARS = 32_768


def scan(v: Vocabulary, t: Text, lazy: bool = False) -> None:
    """Fill ``t.hits`` (concept name -> sorted, de-duplicated (start, end))
    with the eager concepts, or with the lazy ones."""
    t.vocab = v
    flat = t.flat
    n = len(flat)
    names = v.names
    found: dict[int, set[tuple[int, int]]] = {}
    orig = t.norm.original
    add = _add_hit
    if engine() == "hyperscan" and _scan_hs(v.databases(lazy), t, flat, n, found, orig):
        hits = t.hits
        for ci, s in found.items():
            hits[names[ci]] = sorted(s)
        return
    spaced = _spaced_of(t)        # kept on the text for the lazy pass
    words, raw, values = v.automata(lazy)
    if len(words):
        for end, i in words.iter(spaced):
            length, _fa, _la, variants = values[i]
            # " term" ends at `end` of the spaced copy: the term is flat[end - length + 1:end]
            add(t, flat, n, end - length + 1, end - 1, True, True, variants, found, orig)
    if len(raw):
        for end, i in raw.iter(flat):
            length, first_alnum, last_alnum, variants = values[i]
            start = end - length + 1
            # whole words: no letter may touch a term (a digit may: "150usd")
            if first_alnum and start > 0 and flat[start - 1].isalpha():
                continue
            add(t, flat, n, start, end, first_alnum, last_alnum, variants, found, orig)
    hits = t.hits
    for ci, s in found.items():
        hits[names[ci]] = sorted(s)



def scan_one(v: Vocabulary, t: Text, name: str) -> bool:
    """Fill ``t.hits[name]`` for one lazy concept, with the hits, language
    filter and masks the lazy pass (scan, apply_masks) gives it; False
    (nothing done) when its Hyperscan databases are not there. The same
    hits because a concept's hits come from its own terms alone, and a lazy
    concept's masks are concepts that are neither masked nor language-bound
    themselves (load_vocabulary refuses others), so they are final when
    asked for."""
    ci = v.index.get(name)
    if ci is None:
        return False
    found: dict[int, set] = {}
    flat = t.flat
    t.vocab = v
    if not _scan_hs(v.concept_databases(name), t, flat, len(flat), found, t.norm.original):
        return False
    hits = t.hits
    hits[name] = sorted(found.get(ci, ()))
    if name in v.foreign:
        _language_filter(v, t, name)
    others = v.masks.get(name)
    if others and hits[name]:
        if t.derive_fn is not None and any(o in v.derive for o in others):
            if t._pending is None:
                t._pending = {}
            t._pending[name] = others
        else:
            cover = sorted(h for o in others
                           for h in (t.get(o) if o in v.lazy and o in v.index else hits.get(o, ())))
            if cover:
                hits[name] = [h for h in hits[name] if not _overlaps(cover, h)]
    return True


def _scan_hs(dbs: "_HSDatabases | None", t: Text, flat: str, n: int, found, orig) -> bool:
    """The Hyperscan pass, hit for hit the same as the automata's; False
    (nothing done) when the databases do not load here."""
    if dbs is None:
        return False
    loaded = dbs.dbs()
    if loaded is None:
        return False
    data = t._hs_data
    if data is None:
        # the text as one byte a character: a character outside Latin-1
        # becomes byte 0x80 (a control character no key holds, and no ASCII
        # letter or space: it stays itself in the spaced copy, as such a
        # character does in _spaced's); the spaced copy by bytes.translate
        raw_bytes = flat.encode("latin-1", "guard-c1")
        # the keys outside Latin-1 are looked for where a 0x80 byte may be one
        outside = not flat.isascii() and b"\x80" in raw_bytes
        data = t._hs_data = (b" " + raw_bytes.translate(_SPACED_BYTES), raw_bytes, outside)
    outside = data[2]
    add = _add_hit
    wvals, rvals = dbs.values
    words, raw = loaded

    simple = dbs.simple_words

    def on_word(i, _a, to, _f, _c):
        # " term" ends at offset `to` of the spaced copy (one longer than
        # flat): the term is flat[to - length:to - 1]
        plain = simple[i]
        if plain is not None:
            # what _add_hit does for one plain variant: a letter right after
            # the term makes it part of a longer word
            if to - 1 < n and flat[to - 1].isalpha():
                return
            span = (to - plain[0], to - 1)
            for ci in plain[1]:
                got = found.get(ci)
                if got is None:
                    found[ci] = {span}
                else:
                    got.add(span)
            return
        length, _fa, _la, variants = wvals[i]
        end = to - 1               # the inclusive end in the spaced copy, as the automaton gives it
        add(t, flat, n, end - length + 1, end - 1, True, True, variants, found, orig)

    def on_raw(i, _a, to, _f, _c):
        length, first_alnum, last_alnum, variants = rvals[i]
        end = to - 1
        start = end - length + 1
        if first_alnum and start > 0 and flat[start - 1].isalpha():
            return
        add(t, flat, n, start, end, first_alnum, last_alnum, variants, found, orig)

    if words is not None:
        words.scan(data[0], match_event_handler=on_word, scratch=dbs.scratch(0))
    if raw is not None:
        raw.scan(data[1], match_event_handler=on_raw, scratch=dbs.scratch(1))
    if outside:
        for key, is_word, value in dbs.extra:
            length, first_alnum, last_alnum, variants = value
            where = _spaced_of(t) if is_word else flat
            i = where.find(key)
            while i >= 0:
                if is_word:      # as on_word: the spaced copy is one longer
                    add(t, flat, n, i, i + length - 2, True, True, variants, found, orig)
                elif not (first_alnum and i > 0 and flat[i - 1].isalpha()):
                    add(t, flat, n, i, i + length - 1, first_alnum, last_alnum, variants, found, orig)
                i = where.find(key, i + 1)
    return True


def _add_hit(t, flat, n, start, end, first_alnum, last_alnum, variants, found, orig) -> None:
    after_alnum = end + 1 < n and flat[end + 1].isalpha()
    for var in variants:
        stop = end + 1
        if var.prefix:
            if after_alnum:
                stop = _WORD_END.match(flat, end + 1).end()
        elif last_alnum and after_alnum:
            continue
        if var.upper:
            if not _upper_possible(t, flat[start:stop]):
                continue
            oa, ob = t.original_span(start, stop)
            s = orig[oa:ob]
            if not s or s.upper() != s or s.lower() == s:
                continue
        for ci in var.concepts:
            found.setdefault(ci, set()).add((start, stop))


_UPPER_SHAPES: dict[str, re.Pattern[str]] = {}


def _upper_possible(t: "Text", term: str) -> bool:
    """Can the original hold ``term`` in capitals? A cheap, exact pre-check
    before the offset map is built. Each letter of the term comes from one
    character of the original: its ASCII capital, or a character outside
    ASCII that has no lower case and folds to something holding the letter
    ("Ｂ", "™" for t and m); between them stand only characters that fold
    to no letter or digit, or away (separators, spaced letters, control
    characters). So the letters' shape must occur: each letter as its
    capital or at such a character, with anything but an ASCII letter or
    digit between them."""
    orig = t.norm.original
    seen = t._upper_seen
    if seen is None:
        seen = t._upper_seen = {}
    got = seen.get(term)
    if got is None:
        letters = [c for c in term if c.isalnum()]
        units = [re.escape(c.upper()) for c in letters]
        if not orig.isascii():
            capitals = t._capitals
            if capitals is None:
                capitals = t._capitals = _capitals_beyond_ascii(orig)
            for i, c in enumerate(letters):
                chars = "".join(k for k, f in capitals if c in f)
                if chars:
                    units[i] = f"(?:{units[i]}|(?=[{re.escape(chars)}]))"
        key = "[^A-Za-z0-9]*".join(units)
        shape = _UPPER_SHAPES.get(key)
        if shape is None:
            shape = re.compile(key)
            if len(_UPPER_SHAPES) < 1024:       # a '=TERM*' hit may be any word: keep the cache bounded
                _UPPER_SHAPES[key] = shape
        got = seen[term] = shape.search(orig) is not None
    return got


_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")


def _capitals_beyond_ascii(orig: str) -> list[tuple[str, str]]:
    """(character, the letters and digits it folds to) for each character of
    ``orig`` outside ASCII that a capital term may be made of."""
    from .normalize import fold_char

    out = []
    for c in set(_BEYOND_ASCII.findall(orig)):
        if c.upper() != c:
            continue
        f = "".join(ch for ch in fold_char(c) if ch.isalnum())
        if f:
            out.append((c, f))
    return out


def apply_language(v: Vocabulary, t: Text, lazy: bool = False) -> None:
    """Drop the hits of a language-bound concept that are, in the text's own
    language, one of its common words (see Vocabulary.foreign). The language
    is detected only when such a hit exists."""
    for name in v.foreign:
        if (name in v.lazy) == lazy:
            _language_filter(v, t, name)


def _language_filter(v: Vocabulary, t: Text, name: str) -> None:
    by_lang = v.foreign[name]
    hs = t.hits.get(name)
    if not hs:
        return
    flat = t.flat
    suspect = [h for h in hs if any(flat[h[0]:h[1]] in ws for ws in by_lang.values())]
    if not suspect:
        return
    words = by_lang.get(t.language() or "")
    if not words:
        return
    drop = {h for h in suspect if flat[h[0]:h[1]] in words}
    if drop:
        t.hits[name] = [h for h in hs if h not in drop]


def apply_masks(v: Vocabulary, t: Text, lazy: bool = False) -> None:
    """Drop the hits of a concept that overlap a hit of a concept masking it
    (the eager concepts' masks, or the lazy ones')."""
    apply_language(v, t, lazy)
    for name, others in v.masks.items():
        if (name in v.lazy) != lazy:
            continue
        hs = t.hits.get(name)
        if not hs:
            continue
        if t.derive_fn is not None and any(o in v.derive for o in others):
            # a derived concept masks it: applied when it is first asked for
            if t._pending is None:
                t._pending = {}
            t._pending[name] = others
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
