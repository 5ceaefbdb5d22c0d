"""Match the rule packs against a parsed message and score the findings.

Order of work for one message:

1. each text view (subject, body, From, the typed sender) is normalised
   (guard/normalize.py) and squeezed (guard/vocab.py ``Text``);
2. one Aho-Corasick pass per view finds every term of every concept, the
   few shared regular expressions find amounts and blanks, derived concepts
   are added and masks applied (guard/vocab.py);
3. contexts (sub-rules that never score alone: "recruitment", "ilo_named",
   "claims_ilo" ...) are evaluated;
4. text rules match their frames over the concept hits (guard/frames.py); a
   match is dropped when the rule's ``requires`` contexts are absent, when
   it is negated (NegEx scope, guard/scope.py), when it is someone else's
   words (a warning, a report, a quotation, a hypothetical), or when one of
   the rule's ``unless`` concepts stands in its sentence;
5. check rules (sender, links, contact addresses, authentication results)
   run their built-in checks (guard/checks.py);
6. meta rules (scoring.toml ``[[meta]]``) combine findings;
7. the score and level come from ``scoring.toml``.

The engine keeps a deadline: past it, the remaining rules are skipped and the
verdict says the check was incomplete.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass, field

from .facts import SenderFacts
from .frames import Matcher, derive
from .model import Evidence, Finding, Level
from .normalize import NormView
from .parse import Parsed
from .rules import Rule, RuleSet
from .scope import Scopes, negated, reported
from .vocab import Text, apply_masks, scan

_MAX_HITS_PER_RULE = 5


@dataclass(slots=True)
class View:
    """One text view, matched: its concept hits, scope units and matchers."""

    name: str
    t: Text
    scopes: Scopes
    sentence: Matcher
    block: Matcher

    def matcher(self, scope: str) -> Matcher:
        return self.block if scope == "block" else self.sentence


@dataclass(slots=True)
class State:
    ruleset: RuleSet
    parsed: Parsed
    lang: str
    deadline: float
    views: dict[str, View | None] = field(default_factory=dict)
    contexts: dict[str, list[Evidence]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)
    complete: bool = True
    # what checks learn about the sender, for meta rules and the verdict (guard/facts.py)
    facts: SenderFacts = field(default_factory=SenderFacts)

    def view(self, name: str) -> View | None:
        if name in self.views:
            return self.views[name]
        text = self.parsed.views.get(name)
        v = None
        if text:
            rs = self.ruleset
            t = Text.of(NormView.of(text, turns=name == "body"))
            scan(rs.vocab, t)
            sc = Scopes.of(t)
            if name == "body":
                subject = self.view("subject")
                sc.title_warns = bool(subject and subject.t.get("scam_word"))
            # derived concepts are matched when first asked for, over the
            # masked hits ("n° 2026" makes no amount); a mask by a derived
            # concept ("your new job at the ILO") waits until then
            if rs.derived:
                derived = rs.derived
                t.derive_fn = lambda t, name: derive(t, derived[name])
            apply_masks(rs.vocab, t)
            v = View(name, t, sc, Matcher(t, lambda: sc.sentences), Matcher(t, lambda: sc.blocks))
        self.views[name] = v
        return v

    def reported_at(self, field: str, original_pos: int) -> bool:
        """Is the text at ``original_pos`` of view ``field`` someone else's
        words (a warning, a report, a quotation)? For checks that find
        addresses in the original text."""
        v = self.view(field)
        if v is None:
            return False
        k = min(v.t.from_original(original_pos), max(0, len(v.t.text) - 1))
        return reported(v.scopes, k, k + 1)

    def short_body(self, words: int) -> bool:
        """Has the body fewer than ``words`` words (no body: yes)?"""
        v = self.view("body")
        return v is None or v.t.fewer_words_than(words)

    def over_budget(self) -> bool:
        if time.perf_counter() > self.deadline:
            if self.complete:
                self.complete = False
                self.notes.append("time budget exceeded: some rules were skipped")
            return True
        return False


def evidence(v: View, a: int, b: int, detail: str | None = None) -> Evidence:
    oa, ob = v.t.original_span(a, b)
    return Evidence(v.name, oa, ob, v.t.norm.original[oa:ob], detail)


# -- one match, judged --------------------------------------------------------------

def _kept(st: State, v: View, a: int, b: int, negatable: bool, speaker: bool,
          unless=(), unless_near=()) -> bool:
    neg = st.ruleset.language["negation"]
    if negatable and negated(v.scopes, a, b, neg["window"], neg["window_after"]):
        return False
    if speaker and reported(v.scopes, a, b):
        return False
    if unless:
        s0, s1 = v.scopes.sentence(a)
        prev = v.scopes.previous_sentence(s0)
        lo = prev[0] if prev else s0
        for c in unless:
            if v.t.starts_in(c, lo, s1):
                return False
    if unless_near:
        # touching the match: within 3 words either side, same sentence
        s0, s1 = v.scopes.sentence(a)
        lo, hi = max(s0, a - 200), min(s1, b + 200)
        if v.t.norm.chat:        # in a chat, each line of a message is its own remark
            text = v.t.text
            lo = max(lo, text.rfind("\n", 0, a) + 1)
            le = text.find("\n", b)
            hi = min(hi, le if le >= 0 else len(text))
        for c in unless_near:
            hs = v.t.get(c)
            i = bisect_left(hs, (lo - 100, -1))
            while i < len(hs) and hs[i][0] < hi:
                h = hs[i]
                i += 1
                if h[1] < lo:
                    continue
                if (h[0] < b and h[1] > a) or (h[1] <= a and v.t.words_between(h[1], a) <= 3) \
                        or (h[0] >= b and v.t.words_between(b, h[0]) <= 3):
                    return False
    return True


_ADDRESS = ("you_word", "your", "request_cue", "for_the_job", "imperative")


def addresses_reader(v: View, a: int) -> bool:
    """Does the sentence of the match at ``a`` speak to the reader ("you",
    "your", "please", "debe", "veuillez") or start with the match (an
    imperative: "Pay 300 USD", "Pague la cuota")? A money frame that does
    neither is a description: news, a company's accounts."""
    s0, s1 = v.scopes.sentence(a)
    s0, s1 = max(s0, a - 600), min(s1, a + 600)     # the near part of a very long sentence
    # a chat line's speaker label ("Agent Shahid: Visa + medical 50,000") starts the utterance
    label = v.t.text.rfind(": ", s0, a)
    start = s0 if label < 0 else label + 1
    if v.t.norm.chat:          # in a chat, each line of a message is said to the reader
        start = max(start, v.t.text.rfind("\n", s0, a) + 1)
    if v.t.words_between(start, a) <= 1:
        return True
    return any(v.t.starts_in(c, s0, s1) for c in _ADDRESS)


# -- contexts ---------------------------------------------------------------------

def eval_contexts(st: State) -> None:
    for cid, ctx in st.ruleset.contexts.items():
        if st.over_budget():
            return
        if any(c in st.contexts for c in ctx.absent):
            continue
        ev: list[Evidence] = []
        distinct: set[str] = set()
        need = ctx.min_distinct
        if ctx.short_words and st.short_body(ctx.short_words):
            need = min(need, ctx.short_min_distinct)
        want = max(3, need)
        for f in ctx.fields:
            v = st.view(f)
            if v is None:
                continue
            spans = [h for c in ctx.concepts for h in v.t.get(c)]
            for fr in ctx.frames:
                spans.extend(v.sentence.find(fr))
            for a, b in sorted(spans):
                word = v.t.text[a:b]
                if word in distinct:
                    continue
                if not _kept(st, v, a, b, ctx.negatable, ctx.speaker):
                    continue
                distinct.add(word)
                ev.append(evidence(v, a, b))
                if len(ev) >= want:
                    break
            if len(ev) >= want:
                break
        if ev and len(distinct) >= need:
            st.contexts[cid] = ev
    changed = True
    while changed:            # implications may chain (sender name -> claim -> named)
        changed = False
        for cid, ctx in st.ruleset.contexts.items():
            if ctx.implies and cid in st.contexts and ctx.implies not in st.contexts:
                st.contexts[ctx.implies] = st.contexts[cid]
                changed = True


# -- text rules -------------------------------------------------------------------

def requirements_met(rule: Rule, contexts) -> bool:
    """Every entry of ``requires`` must hold; ``"a|b"`` holds when a or b does."""
    return all(any(c in contexts for c in req.split("|")) for req in rule.requires)


def run_text_rule(st: State, rule: Rule) -> Finding | None:
    if not requirements_met(rule, st.contexts):
        return None
    if any(c in st.contexts for c in rule.unless_contexts):
        return None
    ev: list[Evidence] = []
    seen: set[tuple[str, int]] = set()
    for f in rule.fields:
        v = st.view(f)
        if v is None:
            continue
        m = v.matcher(rule.scope)
        for fr in rule.frames:
            for a, b in m.find(fr):
                if (f, a) in seen:
                    continue
                if not _kept(st, v, a, b, rule.negatable, rule.speaker, rule.unless, rule.unless_near):
                    continue
                if rule.addressed and not addresses_reader(v, a):
                    continue
                seen.add((f, a))
                ev.append(evidence(v, a, b))
                if len(ev) >= _MAX_HITS_PER_RULE:
                    return make_finding(rule, st.lang, ev)
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
        evidence=_dedupe(ev), breaks=rule.breaks,
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
        if not st.facts.holds(fact):
            return False
    anyf = when.get("any_fact", [])
    if anyf and not any(st.facts.holds(f) for f in anyf):
        return False
    for fact in when.get("not_facts", []):
        if st.facts.holds(fact):
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
        st.findings.append(make_finding(rule, st.lang, ev))


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
    # nothing asked yet: at most "suspicious" (see scoring.toml [no_request])
    no_req = cfg.get("no_request", {})
    cats = {f.category for f in st.findings}
    if no_req and level is Level.FRAUD and not cats & set(no_req.get("needs_any_category", ())):
        level = Level(no_req.get("max_level", "suspicious"))
    # no ILO name anywhere: at most "suspicious" (see scoring.toml [unnamed])
    unnamed = cfg.get("unnamed", {})
    if unnamed and "ilo_named" not in st.contexts and level is Level.FRAUD:
        level = Level(unnamed.get("max_level", "suspicious"))
    # authenticated ilo.org mail: never "fraud" (see scoring.toml [authenticated])
    auth = cfg.get("authenticated", {})
    if st.facts.authenticated_ilo and level is Level.FRAUD:
        level = Level(auth.get("max_level", "suspicious"))
    return total, level
