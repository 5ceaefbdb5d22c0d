"""Rule packs: load ``rules/``, validate every name, compile the frames.

A rule is data (rules/README.md). Text rules are short *frames* over the
concepts of the vocabularies (``rules/vocab/``, guard/vocab.py): "a pay verb,
then a fee noun within five words". Check rules name a built-in check
(``check = "sender_freemail"``); meta rules (rules/scoring.toml) combine
findings, contexts and sender facts. Contexts (``[[context]]``) are
sub-rules that never score alone ("recruitment", "ilo_named", "claims_ilo").

The loader trusts no string: every key of every table, every concept a
frame names, every context a rule requires, every check, fact, field,
category and warning point is checked against what exists, and a misspelt
one is a ``RuleError`` naming the file, the rule and the key. A typo can no
longer turn a rule off in silence.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .facts import FACT_NAMES
from .frames import Frame, FrameError, parse_frame
from .model import CATEGORIES, LANGS, WARNING_POINTS
from .paths import rules_dir
from .vocab import LANGS_WITH_VOCAB, Vocabulary, VocabError, load_vocabulary

SEVERITIES = ("low", "medium", "high")
CONFIDENCES = ("low", "medium", "high")
DEFAULT_FIELDS = ("subject", "body")
# the views a text rule or context may read (guard/parse.py)
FIELDS = ("subject", "body", "from", "sender", "reply_to")
SCOPES = ("sentence", "block")
ID_RE = re.compile(r"^GRD\d{3}$")

# the yes/no sender facts meta rules may read: the bool fields of guard/facts.py SenderFacts
FACTS = FACT_NAMES
WHEN_KEYS = {
    "all_categories": "category", "any_category": "category", "contexts": "context",
    "any_context": "context", "facts": "fact", "any_fact": "fact", "not_facts": "fact",
    "any_rule": "rule",
}
RULE_KEYS = {
    "id", "name", "category", "breaks", "severity", "confidence", "requires", "references",
    "title", "explanation", "frames", "unless", "unless_near", "scope", "fields", "negatable",
    "speaker", "check", "params", "examples", "note", "unless_contexts", "addressed",
}
META_KEYS = {"id", "name", "category", "severity", "confidence", "title", "explanation",
             "when", "level", "examples", "breaks", "note"}
CONTEXT_KEYS = {"id", "description", "concepts", "frames", "fields", "examples", "negatable",
                "speaker", "min_distinct", "implies", "note", "absent",
                "short_words", "short_min_distinct"}
EXAMPLE_KINDS = ("hit", "miss", "todo")


class RuleError(ValueError):
    """A rule file is wrong: the message names the file, the rule and the key."""


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
    speaker: bool = True              # drop matches that are someone else's words
    frames: list[Frame] = field(default_factory=list)
    unless: tuple[str, ...] = ()      # concepts: no finding when one is in the sentence (or the one before)
    unless_near: tuple[str, ...] = () # concepts: no finding when one touches the match
    scope: str = "sentence"
    unless_contexts: tuple[str, ...] = ()  # no finding when one of these contexts holds
    addressed: bool = False           # the match's sentence must address the reader
    check: str | None = None
    params: dict = field(default_factory=dict)
    examples: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    source: str = ""
    when: dict = field(default_factory=dict)
    level: str | None = None

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.examples)


@dataclass(slots=True)
class Context:
    id: str
    description: str
    concepts: tuple[str, ...]
    frames: list[Frame]
    fields: tuple[str, ...]
    examples: dict[str, dict[str, list[str]]]
    source: str = ""
    negatable: bool = False
    speaker: bool = False
    min_distinct: int = 1     # distinct matched words needed for the context to hold
    implies: str | None = None  # another context that holds whenever this one does
    absent: tuple[str, ...] = ()  # contexts (defined before this one) that must not hold
    short_words: int = 0          # a body shorter than this many words ...
    short_min_distinct: int = 1   # ... needs only this many distinct words


@dataclass
class RuleSet:
    rules: list[Rule]
    contexts: dict[str, Context]
    language: dict
    scoring: dict
    advice: dict
    version: str
    vocab: Vocabulary
    derived: dict[str, list[Frame]]

    def by_id(self, rule_id: str) -> Rule:
        got = self._by_id.get(rule_id)
        if got is None:
            raise KeyError(rule_id)
        return got

    @functools.cached_property
    def _by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}


# -- loading ----------------------------------------------------------------------

def _texts(table: dict, key: str, where: str) -> dict[str, str]:
    got = table.get(key, {})
    if not isinstance(got, dict):
        raise RuleError(f"{where}: {key} must be a table of languages")
    _every_language(got, lambda lang: f"{where}: {key}.{lang}")
    return {k: str(v) for k, v in got.items()}


def _every_language(got: dict, label) -> None:
    """``got`` holds a non-empty text for every verdict language and no
    other key; ``label(lang)`` names the entry in the error."""
    for lang in got:
        if lang not in LANGS:
            raise RuleError(f"{label(lang)}: unknown language (one of {LANGS})")
    for lang in LANGS:
        if not str(got.get(lang, "")).strip():
            raise RuleError(f"{label(lang)} is missing or empty")


def _check_translations(table: dict, where: str) -> None:
    """Every text of advice.toml and details.toml in every language of the
    verdict and in no other (a missing one would quietly fall back to
    English). ``where`` names the file and table: "advice.toml
    texts.do_not_pay", "details.toml kind.subdomain"."""
    for name, got in table.items():
        here = f"{where}.{name}" if " " in where else f"{where} {name}"
        if not isinstance(got, dict):
            raise RuleError(f"{here} must be a table of languages")
        if got and all(isinstance(v, dict) for v in got.values()):   # [kind.subdomain], ...
            _check_translations(got, here)
            continue
        _every_language(got, lambda lang, here=here: f"{here}: {lang}")


def _examples(table: dict, where: str) -> dict[str, dict[str, list[str]]]:
    examples = table.get("examples", {})
    if not isinstance(examples, dict):
        raise RuleError(f"{where}: examples must be a table of languages")
    out: dict[str, dict[str, list[str]]] = {}
    for lang, kinds in examples.items():
        if lang not in LANGS_WITH_VOCAB:
            raise RuleError(f"{where}: examples.{lang}: unknown language (one of {LANGS_WITH_VOCAB})")
        extra = set(kinds) - set(EXAMPLE_KINDS)
        if extra:
            raise RuleError(f"{where}: examples.{lang}: unknown kind(s) {sorted(extra)} (hit, miss, todo)")
        out[lang] = {k: list(kinds.get(k, [])) for k in EXAMPLE_KINDS}
    return out


def _keys(table: dict, allowed: set[str], where: str) -> None:
    extra = set(table) - allowed
    if extra:
        raise RuleError(f"{where}: unknown key(s) {sorted(extra)}")


def _names(table: dict, key: str, known, what: str, where: str) -> tuple[str, ...]:
    got = table.get(key, [])
    if isinstance(got, str) or not isinstance(got, list):
        raise RuleError(f"{where}: {key} must be a list")
    for name in got:
        if name not in known:
            raise RuleError(f"{where}: {key}: unknown {what} {name!r}")
    return tuple(got)


def _frames(table: dict, vocab: Vocabulary, where: str) -> list[Frame]:
    srcs = table.get("frames", [])
    if not isinstance(srcs, list):
        raise RuleError(f"{where}: frames must be a list of strings")
    out = []
    for src in srcs:
        try:
            out.append(parse_frame(src, vocab))
        except FrameError as e:
            raise RuleError(f"{where}: frames: {src!r}: {e}") from None
    return out


def _fields(table: dict, where: str, default=DEFAULT_FIELDS) -> tuple[str, ...]:
    got = tuple(table.get("fields", default))
    for f in got:
        if f not in FIELDS:
            raise RuleError(f"{where}: fields: unknown field {f!r} (one of {FIELDS})")
    return got


def _concept_names(vocab: Vocabulary):
    return set(vocab.index) | set(vocab.regex) | set(vocab.derive)


def load_rules(directory: Path | None = None) -> RuleSet:
    directory = directory or rules_dir()
    try:
        vocab = load_vocabulary(directory)
        derived = {name: [parse_frame(f, vocab) for f in fs] for name, fs in vocab.derive.items()}
    except (VocabError, FrameError) as e:
        raise RuleError(str(e)) from None
    concepts = _concept_names(vocab)
    with open(directory / "language.toml", "rb") as fh:
        language = tomllib.load(fh)
    with open(directory / "scoring.toml", "rb") as fh:
        scoring = tomllib.load(fh)
    with open(directory / "advice.toml", "rb") as fh:
        advice = tomllib.load(fh)
    rules: list[Rule] = []
    raw_contexts: list[tuple[dict, str, str]] = []
    raw_rules: list[tuple[dict, str, str]] = []
    for path in sorted(directory.glob("*.toml")):
        if path.name in ("language.toml", "scoring.toml", "advice.toml", "domains.toml", "details.toml", "notes.toml"):
            continue
        with open(path, "rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as e:
                raise RuleError(f"{path.name}: {e}") from None
        _keys(data, {"rule", "context"}, path.name)
        for i, raw in enumerate(data.get("context", [])):
            raw_contexts.append((raw, f"{path.name} context[{i}] {raw.get('id', '?')}", path.name))
        for i, raw in enumerate(data.get("rule", [])):
            raw_rules.append((raw, f"{path.name} rule[{i}] {raw.get('id', '?')}", path.name))
    contexts: dict[str, Context] = {}
    for raw, where, src in raw_contexts:
        _keys(raw, CONTEXT_KEYS, where)
        name = raw.get("id")
        if not name or name in contexts:
            raise RuleError(f"{where}: missing or duplicate context id")
        ctx_concepts = _names(raw, "concepts", concepts, "concept", where)
        frames = _frames(raw, vocab, where)
        if not ctx_concepts and not frames:
            raise RuleError(f"{where}: a context needs concepts or frames")
        contexts[name] = Context(
            name, raw.get("description", ""), ctx_concepts, frames, _fields(raw, where),
            _examples(raw, where), src, bool(raw.get("negatable", False)), bool(raw.get("speaker", False)),
            int(raw.get("min_distinct", 1)), raw.get("implies"),
            _names(raw, "absent", contexts, "context (defined before this one)", where),
            int(raw.get("short_words", 0)), int(raw.get("short_min_distinct", 1)),
        )
    for context in contexts.values():
        if context.implies and context.implies not in contexts:
            raise RuleError(f"{context.source} context {context.id}: implies: unknown context {context.implies!r}")
    from .checks import CHECKS   # the registry of built-in checks, DNS ones too (imports no network code)

    for raw, where, src in raw_rules:
        rules.append(_rule(raw, where, src, vocab, concepts, contexts, CHECKS))
    for raw in scoring.get("meta", []):
        rules.append(_rule(raw, f"scoring.toml meta {raw.get('id', '?')}", "scoring.toml", vocab,
                           concepts, contexts, CHECKS, meta=True))
    _check_ids(rules)
    _check_caps(scoring, rules)
    _check_language(language)
    _check_translations(advice.get("texts", {}), "advice.toml texts")
    with open(directory / "details.toml", "rb") as fh:
        _check_translations(tomllib.load(fh), "details.toml")
    version = _version(directory)
    return RuleSet(rules, contexts, language, scoring, advice, version, vocab, derived)


def _rule(raw: dict, where: str, source: str, vocab, concepts, contexts, checks, meta: bool = False) -> Rule:
    _keys(raw, META_KEYS if meta else RULE_KEYS, where)
    rule_id = raw.get("id", "")
    if not ID_RE.match(rule_id):
        raise RuleError(f"{where}: id must look like GRD123")
    category = raw.get("category", "")
    if category not in CATEGORIES:
        raise RuleError(f"{where}: category: unknown category {category!r}")
    severity, confidence = raw.get("severity", ""), raw.get("confidence", "")
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: severity must be one of {SEVERITIES}")
    if confidence not in CONFIDENCES:
        raise RuleError(f"{where}: confidence must be one of {CONFIDENCES}")
    breaks = raw.get("breaks")
    if breaks is not None and breaks not in WARNING_POINTS:
        raise RuleError(f"{where}: breaks must be one of {WARNING_POINTS}")
    check = raw.get("check")
    kind = "meta" if meta else ("check" if check is not None else "text")
    if kind == "check":
        name = str(check)
        if name not in checks:
            raise RuleError(f"{where}: check: unknown check {name!r}")
    frames = _frames(raw, vocab, where)
    if kind == "text" and not frames:
        raise RuleError(f"{where}: a text rule needs frames")
    if kind != "text" and frames:
        raise RuleError(f"{where}: frames: only text rules have frames")
    requires = tuple(raw.get("requires", ()))
    for req in requires:
        for alt in req.split("|"):
            if alt not in contexts:
                raise RuleError(f"{where}: requires: unknown context {alt!r}")
    scope = raw.get("scope", "sentence")
    if scope not in SCOPES:
        raise RuleError(f"{where}: scope must be one of {SCOPES}")
    when = dict(raw.get("when", {}))
    level = raw.get("level")
    if meta:
        known = {"category": set(CATEGORIES), "context": set(contexts), "fact": FACTS}
        for key, names in when.items():
            if key not in WHEN_KEYS:
                raise RuleError(f"{where}: when: unknown key {key!r} (one of {sorted(WHEN_KEYS)})")
            kinds = WHEN_KEYS[key]
            if kinds == "rule":
                continue   # checked once every rule is loaded (_check_ids)
            if isinstance(names, str) or not isinstance(names, list):
                raise RuleError(f"{where}: when.{key} must be a list")
            for value in names:
                if value not in known[kinds]:
                    hint = f" (one of {sorted(FACTS)}; guard/facts.py)" if kinds == "fact" else ""
                    raise RuleError(f"{where}: when.{key}: unknown {kinds} {value!r}{hint}")
        if level is not None and level not in ("clear", "suspicious", "fraud"):
            raise RuleError(f"{where}: level must be clear, suspicious or fraud")
    rule = Rule(
        id=rule_id, name=raw.get("name", rule_id), kind=kind, category=category,
        severity=severity, confidence=confidence,
        title=_texts(raw, "title", where), explanation=_texts(raw, "explanation", where),
        breaks=breaks, requires=requires, fields=_fields(raw, where),
        negatable=bool(raw.get("negatable", True)), speaker=bool(raw.get("speaker", True)),
        frames=frames,
        unless=_names(raw, "unless", concepts, "concept", where),
        unless_near=_names(raw, "unless_near", concepts, "concept", where),
        scope=scope, addressed=bool(raw.get("addressed", False)), unless_contexts=_names(raw, "unless_contexts", contexts, "context", where),
        check=check, params=dict(raw.get("params", {})),
        examples=_examples(raw, where), references=tuple(raw.get("references", ())),
        source=source, when=when, level=level,
    )
    return rule


def _check_ids(rules: list[Rule]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"{rule.source}: duplicate rule id {rule.id}")
        seen.add(rule.id)
    for rule in rules:
        for other in rule.when.get("any_rule", []):
            if other not in seen:
                raise RuleError(f"{rule.source} {rule.id}: when.any_rule: unknown rule {other!r}")


_CAP_KEYS = {
    "no_request": {"needs_any_category", "unless_any_rule", "max_level"},
    "unnamed": {"max_level"},
    "authenticated": {"max_level"},
}


def _check_caps(scoring: dict, rules: list[Rule]) -> None:
    """The caps of scoring.toml ([no_request], [unnamed], [authenticated]):
    known keys only, known rule ids and categories, a known level."""
    from .model import CATEGORIES

    ids = {r.id for r in rules}
    for table, keys in _CAP_KEYS.items():
        cfg = scoring.get(table, {})
        unknown = sorted(set(cfg) - keys)
        if unknown:
            raise RuleError(f"scoring.toml [{table}]: unknown key {unknown[0]!r} (known: {', '.join(sorted(keys))})")
        for rid in cfg.get("unless_any_rule", []):
            if rid not in ids:
                raise RuleError(f"scoring.toml [{table}]: unless_any_rule: unknown rule {rid!r}")
        for cat in cfg.get("needs_any_category", []):
            if cat not in CATEGORIES:
                raise RuleError(f"scoring.toml [{table}]: needs_any_category: unknown category {cat!r}")
        if "max_level" in cfg and cfg["max_level"] not in ("clear", "suspicious", "fraud"):
            raise RuleError(f"scoring.toml [{table}]: max_level: unknown level {cfg['max_level']!r}")


def _check_language(cfg: dict) -> None:
    negation = cfg.get("negation", {})
    extra = set(cfg) - {"negation"} | set(negation) - {"window", "window_after", "list_window", "list_words"}
    if extra:
        raise RuleError(f"language.toml: unknown key(s) {sorted(extra)}")
    negation.setdefault("list_window", 0)
    for key in ("window", "window_after", "list_window"):
        value = negation.get(key)
        if not isinstance(value, int) or not 0 <= value <= 20:
            raise RuleError(f"language.toml: negation.{key} must be a whole number from 0 to 20")
    words = negation.get("list_words", [])
    if not isinstance(words, (list, frozenset)) or not all(isinstance(w, str) and w == w.lower() and w.isalpha() for w in words):
        raise RuleError("language.toml: negation.list_words must be a list of lower-case words")
    negation["list_words"] = frozenset(words)


def _version(directory: Path) -> str:
    from .cache import sha256

    h = sha256()
    for path in sorted([*directory.glob("*.toml"), *directory.glob("vocab/*.toml")]):
        h.update(path.relative_to(directory).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    """The shipped rule packs, compiled (from the cache when it holds this
    exact rule set; see load_cached)."""
    return load_cached(rules_dir())


def load_cached(directory: Path) -> RuleSet:
    """``load_rules(directory)``, compiled once per rule-set hash (see
    guard/cache.py): a start-up reads the pickled rule set (about 10 ms)
    instead of parsing, checking and compiling the packs (about 200 ms)."""
    from . import cache

    key = _version(directory)

    def build() -> RuleSet:
        ruleset = load_rules(directory)
        ruleset.vocab.source_key = key
        vocab = ruleset.vocab
        for lazy in (False, True):
            vocab.automata(lazy)
            vocab.databases(lazy)
        for name in sorted(vocab.lazy):
            if name in vocab.index:
                vocab.concept_databases(name)     # entries of their own, not in this pickle
        return ruleset

    got = cache.cached("rules", key, build)
    return got if isinstance(got, RuleSet) else build()
