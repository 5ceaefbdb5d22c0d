"""Rule packs: load ``rules/*.toml``, check them, compile them.

A rule is data (README.md, "Rule format"). Text rules carry regular
expressions per language that run on the normalised view (guard/normalize.py:
lower case, no accents, one space between words); check rules name a built-in
check (``check = "sender_freemail"``) and carry only their messages and
examples. Contexts (``[[context]]``) are sub-rules that never score alone:
"recruitment", "claims_ilo" and so on, which other rules require.

Speed: each pattern's *required literals* are derived from its parse tree
(a set of strings, one of which every match must contain). One Aho-Corasick
pass over the text finds which literals occur, and only the patterns whose
literals occur are run. A pattern with no usable literal always runs.

Safety: patterns run in Python's backtracking ``re``, so ``lint()`` refuses
the constructs that can backtrack catastrophically (a repeat inside a
repeat unless a separator forces every split, back-references, repeats in
look-arounds: see ``unsafe_reason``). The tests also time every pattern on
adversarial strings.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

from .model import CATEGORIES, LANGS, WARNING_POINTS
from .paths import rules_dir

SEVERITIES = ("low", "medium", "high")
WINDOW = 400  # characters either side of a keyword in which its pattern may match
CONFIDENCES = ("low", "medium", "high")
DEFAULT_FIELDS = ("subject", "body")
ID_RE = re.compile(r"^GRD\d{3}$")


class RuleError(ValueError):
    """A rule file is wrong: the message names the file and the rule."""


@dataclass(slots=True)
class Pattern:
    lang: str
    source: str
    regex: re.Pattern[str]
    literals: frozenset[str] | None   # None: always run


@dataclass(slots=True)
class Rule:
    id: str
    name: str
    kind: str                         # "text" | "check" | "meta"
    category: str
    severity: str
    confidence: str
    title: dict[str, str]
    explanation: dict[str, str]
    breaks: str | None = None
    requires: tuple[str, ...] = ()
    fields: tuple[str, ...] = DEFAULT_FIELDS
    negatable: bool = True
    patterns: list[Pattern] = field(default_factory=list)
    unless: dict[str, re.Pattern[str]] = field(default_factory=dict)
    check: str | None = None
    params: dict = field(default_factory=dict)
    examples: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    source: str = ""
    # meta rules
    when: dict = field(default_factory=dict)
    level: str | None = None

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.examples)


@dataclass(slots=True)
class Context:
    id: str
    description: str
    patterns: list[Pattern]
    fields: tuple[str, ...]
    examples: dict[str, dict[str, list[str]]]
    source: str = ""
    negatable: bool = False
    min_distinct: int = 1     # distinct matched words needed for the context to hold
    implies: str | None = None  # another context that holds whenever this one does


@dataclass
class RuleSet:
    rules: list[Rule]
    contexts: dict[str, Context]
    language: dict
    scoring: dict
    advice: dict
    version: str

    def by_id(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @functools.cached_property
    def _all_patterns(self) -> list[Pattern]:
        """Every pattern of every rule and context, in a fixed order."""
        pats: list[Pattern] = []
        for r in self.rules:
            pats.extend(r.patterns)
        for c in self.contexts.values():
            pats.extend(c.patterns)
        return pats

    @functools.cached_property
    def automaton(self):
        """Aho-Corasick automaton: literal -> indexes into ``_all_patterns``."""
        import ahocorasick

        table: dict[str, list[int]] = {}
        for i, p in enumerate(self._all_patterns):
            for lit in p.literals or ():
                table.setdefault(lit, []).append(i)
        a = ahocorasick.Automaton()
        for lit, idxs in table.items():
            a.add_word(lit, tuple(idxs))
        if table:
            a.make_automaton()
        return a

    def active_patterns(self, text: str) -> dict[int, list[tuple[int, int]] | None]:
        """Where each pattern can match: ``id(pattern)`` -> the spans of
        ``text`` around its literals' occurrences (merged), or None for the
        whole text (a pattern with no literal). Patterns absent from the
        dict cannot match at all.

        A match is looked for within ``WINDOW`` characters either side of a
        literal it must contain: rule patterns are phrases, far shorter.
        """
        a = self.automaton
        pats = self._all_patterns
        hits: dict[int, list[int]] = {}
        if len(a):
            for end, idxs in a.iter(text):
                for i in idxs:
                    hits.setdefault(i, []).append(end)
        out: dict[int, list[tuple[int, int]] | None] = dict.fromkeys(self._always)
        n = len(text)
        for i, ends in hits.items():
            spans: list[tuple[int, int]] = []
            for e in ends:
                a0, b0 = max(0, e - WINDOW), min(n, e + WINDOW)
                if spans and a0 <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], b0)
                else:
                    spans.append((a0, b0))
            out[id(pats[i])] = spans
        return out

    @functools.cached_property
    def _always(self) -> set[int]:
        return {id(p) for p in self._all_patterns if not p.literals}


# -- required literals ----------------------------------------------------------

_MIN_LIT = 3


def required_literals(pattern: str) -> frozenset[str] | None:
    """A set of strings one of which occurs in every match, or None."""
    try:
        tree = sre_parse.parse(pattern)
    except re.error:
        return None
    return _literals_of(tree)


def _literals_of(tree) -> frozenset[str] | None:
    got = _req_seq(list(tree))
    if not got or min(len(s) for s in got) < _MIN_LIT:
        return None
    return frozenset(got)


# Words too common in mail to make good triggers: a literal set holding one of
# them is chosen only when a pattern has nothing rarer to offer.
_COMMON = frozenset("""
send sent email mail please need have must make give next before within after
with your from this that will would should pay paid payment confirm complete
enter attach provide share forward submit request requested required update
call text signal offered given cancel the and for are you our all any can may
dans sous avant apres avec pour vous votre nous envoyer envoyez merci besoin
une des les est sont par sur entre con por para los las una que del sus
enviar envie horas antes dentro
""".split())


def _best(cands: list[set[str]]) -> set[str] | None:
    good = [c for c in cands if c and min(len(s) for s in c) >= _MIN_LIT]
    if not good:
        return None

    def rank(c: set[str]):
        common = sum(1 for s in c if s.strip() in _COMMON)
        return (-common, min(len(s) for s in c), -len(c))

    return max(good, key=rank)


def _req_seq(items) -> set[str] | None:
    cands: list[set[str]] = []
    run: list[str] = []

    def flush():
        if run:
            cands.append({"".join(run)})
            run.clear()

    for op, av in items:
        if op is sre_c.LITERAL:
            run.append(chr(av))
        elif op is sre_c.AT:
            continue
        elif op is sre_c.SUBPATTERN:
            sub = list(av[-1])
            # a group of literals only extends the run
            if all(o is sre_c.LITERAL for o, _ in sub):
                run.extend(chr(a) for _, a in sub)
                continue
            flush()
            r = _req_seq(sub)
            if r:
                cands.append(r)
        elif op is sre_c.BRANCH:
            # the parser moves a common prefix out of the branches:
            # "ilo|international" is "i" + ("lo" | "nternational")
            if run:
                heads = [_leading(list(b)) for b in av[1]]
                cands.append({"".join(run) + h for h in heads})
            flush()
            branches = [_req_seq(list(b)) for b in av[1]]
            if all(branches):
                cands.append(set().union(*branches))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, _hi, sub = av
            flush()
            if lo >= 1:
                r = _req_seq(list(sub))
                if r:
                    cands.append(r)
        else:
            flush()
    flush()
    return _best(cands)


def _leading(items) -> str:
    out = []
    for op, av in items:
        if op is not sre_c.LITERAL:
            break
        out.append(chr(av))
    return "".join(out)


# -- safety lint ------------------------------------------------------------------

_SAMPLE = [chr(i) for i in range(0x09, 0x250)] + ["\u2019", "\u20ac", "\u0430"]
_SINGLE = (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY)


def _chars(op, av) -> frozenset[str]:
    """The sample characters a single-character item matches."""
    if op is sre_c.LITERAL:
        return frozenset({chr(av)})
    if op is sre_c.NOT_LITERAL:
        return frozenset(c for c in _SAMPLE if c != chr(av))
    if op is sre_c.ANY:
        return frozenset(c for c in _SAMPLE if c != "\n")
    neg = False
    got: set[str] = set()
    for o, a in av:
        if o is sre_c.NEGATE:
            neg = True
        elif o is sre_c.LITERAL:
            got.add(chr(a))
        elif o is sre_c.RANGE:
            got.update(c for c in _SAMPLE if a[0] <= ord(c) <= a[1])
        elif o is sre_c.CATEGORY:
            got.update(c for c in _SAMPLE if _in_category(a, c))
        else:
            got.update(_SAMPLE)  # unknown: assume the worst
    return frozenset(c for c in _SAMPLE if c not in got) if neg else frozenset(got)


def _in_category(cat, c: str) -> bool:
    name = str(cat)
    word = c.isalnum() or c == "_"
    table = {
        "CATEGORY_DIGIT": c.isdecimal(), "CATEGORY_NOT_DIGIT": not c.isdecimal(),
        "CATEGORY_SPACE": c.isspace(), "CATEGORY_NOT_SPACE": not c.isspace(),
        "CATEGORY_WORD": word, "CATEGORY_NOT_WORD": not word,
    }
    return table.get(name, True)


def unsafe_reason(pattern: str) -> str | None:
    """Why a pattern could backtrack catastrophically, or None if it is safe.

    Allowed: repeats of one character or character class; repeats of a group
    with no repeat inside; and one proximity shape, a repeated group that
    starts with a separator character no inner repeat can match, such as
    ``(?: [^ ]+){0,6}``, where every split of the text is forced. Refused:
    any other repeat inside a repeat, a repeat of something that can match
    nothing, back-references, repeats inside look-arounds.
    """
    try:
        tree = sre_parse.parse(pattern)
    except re.error as e:
        return f"does not compile: {e}"
    return _unsafe(list(tree))


def _inner_repeats(items) -> list:
    out = []
    for op, av in items:
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            out.append(av)
            out.extend(_inner_repeats(list(av[2])))
        elif op is sre_c.SUBPATTERN:
            out.extend(_inner_repeats(list(av[-1])))
        elif op is sre_c.BRANCH:
            for b in av[1]:
                out.extend(_inner_repeats(list(b)))
    return out


def _first_single(items):
    """The first item if it matches one character, or is a repeat of one
    character class (a separator such as ``[ \\n]+``); else None."""
    for op, av in items:
        if op is sre_c.AT:
            continue
        if op is sre_c.SUBPATTERN:
            return _first_single(list(av[-1]))
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
            sub = list(av[2])
            if len(sub) == 1 and sub[0][0] in _SINGLE:
                return sub[0]
            return None
        return (op, av) if op in _SINGLE else None
    return None


def _unsafe(items) -> str | None:
    for op, av in items:
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            lo, hi, sub = av
            sub = list(sub)
            if hi > 1 and _can_be_empty(sub):
                return "a repeat of something that can match nothing"
            if hi > 1 and _ambiguous_branch(sub):
                return "a repeat of alternatives that can start the same way"
            inner = _inner_repeats(sub)
            if hi > 1 and inner:
                first = _first_single(sub)
                if first is None:
                    return "a repeat inside a repeat (no separator first)"
                sep = _chars(*first)
                if _starts_with_repeat(sub):
                    # a separator run S+: the rest of each iteration must be
                    # non-empty and unable to match any character of S, so
                    # every maximal S run starts exactly one iteration
                    rest = _after_first(sub)
                    if _can_be_empty(rest) or sep & _all_chars(rest):
                        return "a repeat inside a repeat whose separator run is not forced"
                    inner = _inner_repeats(rest)
                for _lo, ihi, isub in inner:
                    isub = list(isub)
                    if len(isub) != 1 or isub[0][0] not in _SINGLE:
                        return "a repeated group inside a repeat"
                    if ihi > 1 and sep & _chars(*isub[0]):
                        return "a repeat inside a repeat that can match its separator"
            r = _unsafe(sub)
            if r:
                return r
        elif op is sre_c.SUBPATTERN:
            r = _unsafe(list(av[-1]))
            if r:
                return r
        elif op is sre_c.BRANCH:
            for b in av[1]:
                r = _unsafe(list(b))
                if r:
                    return r
        elif op in (sre_c.GROUPREF, sre_c.GROUPREF_EXISTS):
            return "a back-reference"
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            if _inner_repeats(list(av[1])):
                return "a repeat inside a look-around"
    return None


def _starts_with_repeat(items) -> bool:
    for op, av in items:
        if op is sre_c.AT:
            continue
        if op is sre_c.SUBPATTERN:
            return _starts_with_repeat(list(av[-1]))
        return op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT)
    return False


def _after_first(items) -> list:
    """The items of a sequence after its first consuming item."""
    for k, (op, av) in enumerate(items):
        if op is sre_c.AT:
            continue
        if op is sre_c.SUBPATTERN:
            return _after_first(list(av[-1])) + list(items[k + 1:])
        return list(items[k + 1:])
    return []


def _all_chars(items) -> frozenset[str]:
    """Every sample character any item of ``items`` can match."""
    got: set[str] = set()
    for op, av in items:
        if op in _SINGLE:
            got |= _chars(op, av)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            got |= _all_chars(list(av[2]))
        elif op is sre_c.SUBPATTERN:
            got |= _all_chars(list(av[-1]))
        elif op is sre_c.BRANCH:
            for b in av[1]:
                got |= _all_chars(list(b))
        elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        else:
            got |= set(_SAMPLE)
    return frozenset(got)


def _first_chars(items) -> frozenset[str]:
    first = _first_single(items)
    if first is None:
        for op, av in items:
            if op is sre_c.BRANCH:
                return frozenset().union(*(_first_chars(list(b)) for b in av[1]))
            if op is not sre_c.AT:
                break
        return frozenset(_SAMPLE)
    return _chars(*first)


def _ambiguous_branch(items) -> bool:
    for op, av in items:
        if op is sre_c.BRANCH:
            firsts = [_first_chars(list(b)) for b in av[1]]
            for i, a in enumerate(firsts):
                for b in firsts[i + 1:]:
                    if a & b:
                        return True
            if any(_ambiguous_branch(list(b)) for b in av[1]):
                return True
        elif op is sre_c.SUBPATTERN and _ambiguous_branch(list(av[-1])):
            return True
    return False


def _can_be_empty(items) -> bool:
    for op, av in items:
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            if av[0] > 0 and not _can_be_empty(list(av[2])):
                return False
        elif op is sre_c.SUBPATTERN:
            if not _can_be_empty(list(av[-1])):
                return False
        elif op is sre_c.BRANCH:
            if not any(_can_be_empty(list(b)) for b in av[1]):
                return False
        elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        else:
            return False
    return True


# -- loading ----------------------------------------------------------------------

def expand_spaces(source: str) -> str:
    """A rule pattern as it runs: a space outside a character class matches
    any run of spaces and line breaks (the normalised view keeps white space
    as it was, folded to spaces and line breaks)."""
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n:
            out.append(source[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and not (source[i - 1] == "[" or source[i - 2:i] == "[^"):
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
        elif c == " ":
            # " ?" (an optional space) becomes an optional run
            quantified = i + 1 < n and source[i + 1] in "?*+{"
            out.append("(?:[ \\n]+)" if quantified else "[ \\n]+")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _compile(lang: str, source: str, where: str) -> Pattern:
    written = source
    source = expand_spaces(source)
    try:
        tree = sre_parse.parse(source)   # parsed once for the lint and the literals
    except re.error as e:
        raise RuleError(f"{where}: pattern {source!r} does not compile: {e}") from None
    reason = _unsafe(list(tree))
    if reason:
        raise RuleError(f"{where}: pattern {source!r} is refused: {reason}")
    from .normalize import fold

    for lit in re.findall(r"[^\W\d_]{2,}", re.sub(r"\\.", " ", written)):
        if fold(lit) != lit:
            raise RuleError(
                f"{where}: pattern {written!r} has {lit!r}; patterns match the "
                f"normalised text: write {fold(lit)!r}"
            )
    return Pattern(lang, written, re.compile(source), _literals_of(tree))


def _texts(d: dict, key: str, where: str, required: bool = True) -> dict[str, str]:
    got = d.get(key, {})
    if not isinstance(got, dict):
        raise RuleError(f"{where}: {key} must be a table of languages")
    if required:
        for lang in LANGS:
            if not str(got.get(lang, "")).strip():
                raise RuleError(f"{where}: {key}.{lang} is missing or empty")
    return {k: str(v) for k, v in got.items()}


def _examples(d: dict, where: str) -> dict[str, dict[str, list[str]]]:
    ex = d.get("examples", {})
    out: dict[str, dict[str, list[str]]] = {}
    for lang, kinds in ex.items():
        if lang not in LANGS:
            raise RuleError(f"{where}: examples for unknown language {lang!r}")
        out[lang] = {k: list(kinds.get(k, [])) for k in ("hit", "miss", "todo")}
        extra = set(kinds) - {"hit", "miss", "todo"}
        if extra:
            raise RuleError(f"{where}: unknown example kind(s) {sorted(extra)}")
    return out


def load_rules(directory: Path | None = None) -> RuleSet:
    directory = directory or rules_dir()
    rules: list[Rule] = []
    contexts: dict[str, Context] = {}
    with open(directory / "language.toml", "rb") as fh:
        language = tomllib.load(fh)
    with open(directory / "scoring.toml", "rb") as fh:
        scoring = tomllib.load(fh)
    with open(directory / "advice.toml", "rb") as fh:
        advice = tomllib.load(fh)
    for path in sorted(directory.glob("*.toml")):
        if path.name in ("language.toml", "scoring.toml", "advice.toml", "domains.toml", "details.toml"):
            continue
        with open(path, "rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as e:
                raise RuleError(f"{path.name}: {e}") from None
        for i, c in enumerate(data.get("context", [])):
            where = f"{path.name} context[{i}] {c.get('id', '?')}"
            cid = c.get("id")
            if not cid or cid in contexts:
                raise RuleError(f"{where}: missing or duplicate context id")
            pats = [
                _compile(lang, src, where)
                for lang, srcs in c.get("patterns", {}).items()
                for src in srcs
            ]
            contexts[cid] = Context(
                cid, c.get("description", ""), pats,
                tuple(c.get("fields", DEFAULT_FIELDS)),
                _examples(c, where), path.name, bool(c.get("negatable", False)),
                int(c.get("min_distinct", 1)), c.get("implies"),
            )
        for i, r in enumerate(data.get("rule", [])):
            rules.append(_rule(r, f"{path.name} rule[{i}] {r.get('id', '?')}", path.name))
    for r in scoring.get("meta", []):
        rules.append(_rule(r, f"scoring.toml meta {r.get('id', '?')}", "scoring.toml", meta=True))
    for c in contexts.values():
        if c.implies and c.implies not in contexts:
            raise RuleError(f"context {c.id}: implies unknown context {c.implies!r}")
    _check_ids(rules, contexts)
    version = _version(directory)
    return RuleSet(rules, contexts, language, scoring, advice, version)


def _rule(r: dict, where: str, source: str, meta: bool = False) -> Rule:
    rid = r.get("id", "")
    if not ID_RE.match(rid):
        raise RuleError(f"{where}: id must look like GRD123")
    cat = r.get("category", "")
    if cat not in CATEGORIES:
        raise RuleError(f"{where}: unknown category {cat!r}")
    sev, conf = r.get("severity", ""), r.get("confidence", "")
    if sev not in SEVERITIES or conf not in CONFIDENCES:
        raise RuleError(f"{where}: severity/confidence must be one of {SEVERITIES}")
    breaks = r.get("breaks")
    if breaks is not None and breaks not in WARNING_POINTS:
        raise RuleError(f"{where}: breaks must be one of {WARNING_POINTS}")
    kind = "meta" if meta else ("check" if r.get("check") else "text")
    pats = []
    for lang, srcs in r.get("patterns", {}).items():
        if lang not in LANGS:
            raise RuleError(f"{where}: patterns for unknown language {lang!r}")
        pats.extend(_compile(lang, s, where) for s in srcs)
    if kind == "text" and not pats:
        raise RuleError(f"{where}: a text rule needs patterns")
    unless = {}
    for lang, srcs in r.get("unless", {}).items():
        if srcs:
            for s in srcs:
                _compile(lang, s, where)
            unless[lang] = re.compile("|".join(f"(?:{expand_spaces(s)})" for s in srcs))
    rule = Rule(
        id=rid, name=r.get("name", rid), kind=kind, category=cat,
        severity=sev, confidence=conf,
        title=_texts(r, "title", where), explanation=_texts(r, "explanation", where),
        breaks=breaks, requires=tuple(r.get("requires", ())),
        fields=tuple(r.get("fields", DEFAULT_FIELDS)),
        negatable=bool(r.get("negatable", True)), patterns=pats, unless=unless,
        check=r.get("check"), params=dict(r.get("params", {})),
        examples=_examples(r, where), references=tuple(r.get("references", ())),
        source=source, when=dict(r.get("when", {})), level=r.get("level"),
    )
    if kind == "text":
        for lang in {p.lang for p in pats}:
            if lang not in rule.examples:
                raise RuleError(f"{where}: patterns in {lang} but no examples in {lang}")
    return rule


def _check_ids(rules: list[Rule], contexts: dict[str, Context]) -> None:
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise RuleError(f"duplicate rule id {r.id}")
        seen.add(r.id)
        for req in r.requires:
            for alt in req.split("|"):
                if alt not in contexts:
                    raise RuleError(f"{r.id}: requires unknown context {alt!r}")


def _version(directory: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for path in sorted(directory.glob("*.toml")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    return load_rules()
