"""Match the rule packs against a parsed message and score the findings.

Order of work for one message:

1. normalise each text view (subject, body, From display name);
2. one Aho-Corasick pass per view finds which patterns can match at all;
3. contexts (sub-rules that never score alone: "recruitment",
   "claims_ilo", ...) are evaluated;
4. text rules run their patterns; a hit is dropped when the rule's
   ``requires`` contexts are absent, when a negation cue stands just before
   it in the same clause ("does not charge any fee", "no cobra ninguna
   cuota", "ne perçoit aucun frais"), when a denial follows it ("... is not
   required", "... est gratuit"), when its sentence talks about scams
   ("beware of fraudsters who ask for a fee"), or when the rule's own
   ``unless`` patterns match in the sentence;
5. check rules (sender, links, contact addresses, authentication results)
   run their built-in checks (guard/checks.py);
6. meta rules (scoring.toml ``[[meta]]``) combine findings;
7. the score and level come from ``scoring.toml``.

The engine keeps a deadline: past it, the remaining rules are skipped and the
verdict says the check was incomplete.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from .model import Evidence, Finding, Level
from .normalize import NormView
from .parse import Parsed
from .rules import Context, Pattern, Rule, RuleSet

# a sentence ends at . ! ? ; followed by white space (not the dots of
# "ilo.hr@gmail.com" or "1.300"), or at a blank line
_CLAUSE_END = re.compile(r"[.!?;](?=\s|$)|\n[ ]*\n")
_PARA_END = re.compile(r"\n[ ]*\n")
_MAX_HITS_PER_RULE = 5


@dataclass(slots=True)
class State:
    ruleset: RuleSet
    parsed: Parsed
    lang: str
    deadline: float
    norm: dict[str, NormView] = field(default_factory=dict)
    active: dict[str, dict] = field(default_factory=dict)
    contexts: dict[str, list[Evidence]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)
    complete: bool = True
    # what checks learn about the sender, for meta rules and the verdict
    facts: dict = field(default_factory=dict)

    def view(self, name: str) -> NormView | None:
        nv = self.norm.get(name)
        if nv is None:
            text = self.parsed.views.get(name)
            if text is None:
                return None
            nv = self.norm[name] = NormView.of(text)
            self.active[name] = self.ruleset.active_patterns(nv.text)
        return nv

    def over_budget(self) -> bool:
        if time.perf_counter() > self.deadline:
            if self.complete:
                self.complete = False
                self.notes.append("time budget exceeded: some rules were skipped")
            return True
        return False


def _matches(st: State, pats: list[Pattern], fields: tuple[str, ...]):
    """(field, NormView, match) for every match of ``pats`` in ``fields``."""
    for f in fields:
        nv = st.view(f)
        if nv is None:
            continue
        active = st.active[f]
        text = nv.text
        for p in pats:
            key = id(p)
            if key not in active:
                continue
            spans = active[key]
            if spans is None:
                yield from ((f, nv, p, m) for m in p.regex.finditer(text))
                continue
            last_end = -1
            for a, b in spans:
                for m in p.regex.finditer(text, a, b):
                    if m.start() >= last_end:   # spans are disjoint; be safe
                        last_end = m.end()
                        yield f, nv, p, m


def evidence(nv: NormView, field_name: str, a: int, b: int, detail: str | None = None) -> Evidence:
    oa, ob = nv.span(a, b)
    return Evidence(field_name, oa, ob, nv.original[oa:ob], detail)


# -- contexts ---------------------------------------------------------------------

def eval_contexts(st: State) -> None:
    lang_cfg = st.ruleset.language
    for cid, ctx in st.ruleset.contexts.items():
        if st.over_budget():
            return
        ev: list[Evidence] = []
        distinct: set[str] = set()
        for f, nv, p, m in _matches(st, ctx.patterns, ctx.fields):
            if ctx.negatable and _negated(nv.text, m.start(), m.end(), lang_cfg, None):
                continue
            if m.group() in distinct:
                continue
            distinct.add(m.group())
            ev.append(evidence(nv, f, m.start(), m.end()))
            if len(ev) >= max(3, ctx.min_distinct):
                break
        if ev and len(distinct) >= ctx.min_distinct:
            st.contexts[cid] = ev
    for cid, ctx in st.ruleset.contexts.items():
        if ctx.implies and cid in st.contexts:
            st.contexts.setdefault(ctx.implies, st.contexts[cid])


# -- negation -----------------------------------------------------------------------

def _clause(text: str, a: int, b: int) -> tuple[int, int]:
    lo = max(0, a - 300)
    start = lo
    for m in _CLAUSE_END.finditer(text, lo, a):
        start = m.end()
    m = _CLAUSE_END.search(text, b, min(len(text), b + 300))
    end = m.start() if m else min(len(text), b + 300)
    return start, end


@dataclass(slots=True)
class _Lang:
    before: re.Pattern[str]
    after: re.Pattern[str]
    warning: re.Pattern[str]
    boundary: re.Pattern[str]


_lang_cache: dict[int, _Lang] = {}


def _lang(cfg: dict) -> _Lang:
    got = _lang_cache.get(id(cfg))
    if got is None:
        def alt(key: str) -> re.Pattern[str]:
            return re.compile("|".join(f"(?:{p})" for lang in cfg[key].values() for p in lang))
        got = _Lang(alt("negation_before"), alt("negation_after"), alt("warning"), alt("boundary"))
        _lang_cache[id(cfg)] = got
    return got


_WORD = re.compile(r"[^\s]+")


def _previous_sentence(text: str, cs: int) -> str:
    """The sentence before the clause starting at ``cs``, in the same
    paragraph ('' if none).

    A warning often names the scam in one sentence and the request in the
    next ("Fraudsters pose as the ILO. They then ask for a fee.")."""
    lo = max(0, cs - 400)
    ends = list(_CLAUSE_END.finditer(text, lo, cs))
    if not ends:
        return ""
    last = ends[-1]
    if "\n" in last.group():        # a blank line: a new paragraph
        return ""
    start = ends[-2].end() if len(ends) >= 2 else lo
    return text[start:last.end()]


def _negated(text: str, a: int, b: int, cfg: dict, unless: dict | None) -> bool:
    L = _lang(cfg)
    cs, ce = _clause(text, a, b)
    window = int(cfg.get("window_words", 5))
    before = text[cs:a]
    # only the words after the last boundary word ("but", "pero", "mais")
    last = None
    for last in L.boundary.finditer(before):
        pass
    if last is not None:
        before = before[last.end():]
    words = _WORD.findall(before)[-window:]
    if words and L.before.search(" " + " ".join(words) + " "):
        return True
    after_words = _WORD.findall(text[b:ce])[: window + 1]
    if after_words and L.after.search(" " + " ".join(after_words) + " "):
        return True
    sentence = text[cs:ce]
    previous = _previous_sentence(text, cs)
    if L.warning.search(sentence) or L.warning.search(previous):
        return True
    if unless:
        for pat in unless.values():
            if pat.search(sentence) or pat.search(previous):
                return True
    return False


# -- text rules -------------------------------------------------------------------

def requirements_met(rule: Rule, contexts) -> bool:
    """Every entry of ``requires`` must hold; ``"a|b"`` holds when a or b does."""
    return all(any(c in contexts for c in req.split("|")) for req in rule.requires)


def run_text_rule(st: State, rule: Rule) -> Finding | None:
    if not requirements_met(rule, st.contexts):
        return None
    ev: list[Evidence] = []
    seen: set[tuple[str, int]] = set()
    for f, nv, p, m in _matches(st, rule.patterns, rule.fields):
        a, b = m.span()
        if rule.negatable and _negated(nv.text, a, b, st.ruleset.language, rule.unless):
            continue
        if (f, a) in seen:
            continue
        seen.add((f, a))
        ev.append(evidence(nv, f, a, b))
        if len(ev) >= _MAX_HITS_PER_RULE:
            break
    if not ev:
        return None
    return make_finding(rule, st.lang, ev)


def make_finding(rule: Rule, lang: str, ev: list[Evidence]) -> Finding:
    ev.sort(key=lambda e: (e.field != "subject", e.field, e.start))
    return Finding(
        rule_id=rule.id, category=rule.category, severity=rule.severity,
        confidence=rule.confidence,
        title=rule.title.get(lang) or rule.title["en"],
        explanation=rule.explanation.get(lang) or rule.explanation["en"],
        evidence=ev, breaks=rule.breaks,
    )


# -- meta rules and scoring ---------------------------------------------------------

def _meta_holds(when: dict, st: State, have_cats: set[str], have_ids: set[str]) -> bool:
    for cat in when.get("all_categories", []):
        if cat not in have_cats:
            return False
    anyc = when.get("any_category", [])
    if anyc and not (set(anyc) & have_cats):
        return False
    for ctx in when.get("contexts", []):
        if ctx not in st.contexts:
            return False
    anyctx = when.get("any_context", [])
    if anyctx and not any(c in st.contexts for c in anyctx):
        return False
    for fact in when.get("facts", []):
        if not st.facts.get(fact):
            return False
    anyf = when.get("any_fact", [])
    if anyf and not any(st.facts.get(f) for f in anyf):
        return False
    for fact in when.get("not_facts", []):
        if st.facts.get(fact):
            return False
    anyr = when.get("any_rule", [])
    if anyr and not (set(anyr) & have_ids):
        return False
    return True


def run_meta(st: State) -> None:
    have_cats = {f.category for f in st.findings}
    have_ids = {f.rule_id for f in st.findings}
    for rule in st.ruleset.rules:
        if rule.kind != "meta":
            continue
        if not _meta_holds(rule.when, st, have_cats, have_ids):
            continue
        # evidence: the strongest piece of each finding it combines
        cats = set(rule.when.get("all_categories", [])) | set(rule.when.get("any_category", []))
        ev: list[Evidence] = []
        for f in st.findings:
            if (f.category in cats or f.rule_id in rule.when.get("any_rule", [])) and f.evidence:
                ev.append(f.evidence[0])
        for ctx in rule.when.get("contexts", []) + rule.when.get("any_context", []):
            if ctx in st.contexts:
                ev.append(st.contexts[ctx][0])
                break
        st.findings.append(make_finding(rule, st.lang, _dedupe(ev)))


def _dedupe(ev: list[Evidence]) -> list[Evidence]:
    seen = set()
    out = []
    for e in ev:
        k = (e.field, e.start, e.end)
        if k not in seen:
            seen.add(k)
            out.append(e)
    return out


def score(st: State) -> tuple[float, Level]:
    cfg = st.ruleset.scoring
    sev = cfg["severity"]
    conf = cfg["confidence"]
    floor = Level.CLEAR
    by_cat: dict[str, float] = {}
    for f in st.findings:
        f.score = float(sev[f.severity]) * float(conf[f.confidence])
        rule = st.ruleset.by_id(f.rule_id)
        if rule.level:
            lv = Level(rule.level)
            if lv.rank > floor.rank:
                floor = lv
        # several findings of one category add up to at most the category cap
        by_cat[f.category] = by_cat.get(f.category, 0.0) + f.score
    cap = float(cfg.get("category_cap", 1e9))
    total = sum(min(v, cap) for v in by_cat.values())
    th = cfg["levels"]
    level = Level.CLEAR
    if total >= float(th["fraud"]):
        level = Level.FRAUD
    elif total >= float(th["suspicious"]):
        level = Level.SUSPICIOUS
    if floor.rank > level.rank:
        level = floor
    # authenticated ilo.org mail: never "fraud" (see scoring.toml [authenticated])
    auth = cfg.get("authenticated", {})
    if st.facts.get("authenticated_ilo") and level is Level.FRAUD:
        level = Level(auth.get("max_level", "suspicious"))
    return total, level
