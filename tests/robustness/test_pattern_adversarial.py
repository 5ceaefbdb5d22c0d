"""Every pattern guard runs, on strings built to make a backtracking engine work hard.

tests/test_rule_lint.py already times each rule and context pattern on a
fixed list of strings. This extends it to:

* strings built from each pattern's own required literals (many near-matches,
  a literal followed by a long tail that never completes the match);
* the patterns that list does not reach: each rule's ``unless`` patterns, the
  negation / warning / boundary cues of rules/language.toml, and every
  regular expression at module level in guard/ (address, URL and header
  finders, the normaliser's joiners, clause splitters, ...);
* the whole check() on those strings, within the bound of conftest.py.
"""

from __future__ import annotations

import importlib
import re
import time

import pytest

from guard import engine
from guard.rules import default_ruleset

from hostile import run

RS = default_ruleset()
PER_PATTERN = 0.5      # seconds per pattern and string: catastrophic cases take minutes

GENERIC = [
    "a" * 50_000,
    "a." * 25_000,
    "a-" * 25_000 + "@",
    "a@" * 25_000,
    "@" + "a." * 25_000,
    ("x" * 64 + "@") * 700,
    ("a" * 63 + ".") * 800 + "1",
    "www." * 12_000,
    "http://" + "a" * 50_000,
    "=?" * 25_000,
    "From: " + "a" * 50_000,
    "From:" * 10_000,
    " " * 50_000 + "x",
    "\n" * 50_000 + "x",
    ". " * 25_000,
    "a " * 25_000,
    "a.b.c." * 8_000,
    "f e e " * 8_000,
    "f*e*e*" * 8_000,
    "ab|" * 16_000,
    "1," * 25_000,
    "$" * 50_000,
    "é " * 25_000,
    "<a " * 16_000,
    "no " * 16_000 + "fee",
    "ne pas " * 8_000 + "frais",
]


def _literal_strings(literals) -> list[str]:
    lits = sorted(literals or ())
    if not lits:
        return []
    soup = " ".join(lits)
    one = lits[0]
    return [
        (soup + " ") * max(1, 40_000 // (len(soup) + 1)),
        one + " " + "x " * 25_000,
        one * max(1, 40_000 // len(one)),
        (one + " " + "y" * 50 + " ") * max(1, 40_000 // (len(one) + 52)),
        ".".join(one) * max(1, 20_000 // len(one)),
    ]


def _patterns():
    for r in RS.rules:
        for p in r.patterns:
            yield pytest.param(p.regex, _literal_strings(p.literals), id=f"{r.id}-{p.lang}")
        for lang, rx in r.unless.items():
            yield pytest.param(rx, [], id=f"{r.id}-unless-{lang}")
    for c in RS.contexts.values():
        for p in c.patterns:
            yield pytest.param(p.regex, _literal_strings(p.literals), id=f"ctx-{c.id}-{p.lang}")
    lang = engine._lang(RS.language)
    for name in ("before", "after", "warning", "boundary"):
        yield pytest.param(getattr(lang, name), [], id=f"language-{name}")
    for mod_name in ("guard.parse", "guard.normalize", "guard.engine", "guard.checks",
                     "guard.domains", "guard.dnscheck", "guard.filter", "guard.scan", "guard.api"):
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        for name, value in sorted(vars(mod).items()):
            if isinstance(value, re.Pattern):
                yield pytest.param(value, [], id=f"{mod_name}.{name}")


# Patterns the code only ever anchors with .match() at the start of one
# header line (a search over a whole text would be quadratic, and is never
# done): they are timed the way they are used, once per line.
MATCH_PER_LINE = {
    "guard.filter._HEADER_LINE",    # filter.py: _HEADER_LINE.match(raw, pos, end) per line
    "guard.parse._HEADER_LINE",     # parse.py: looks_like_message, .match(line)
}


@pytest.mark.parametrize("regex,extra", list(_patterns()))
def test_every_pattern_is_fast_on_adversarial_text(request, regex, extra):
    per_line = request.node.callspec.id in MATCH_PER_LINE
    for text in GENERIC + extra:
        subject = text.encode() if isinstance(regex.pattern, bytes) else text
        t = time.perf_counter()
        if per_line:
            nl = b"\n" if isinstance(subject, bytes) else "\n"
            for line in subject.split(nl):
                regex.match(line)
        else:
            for _ in regex.finditer(subject):
                pass
        took = time.perf_counter() - t
        assert took < PER_PATTERN, f"{regex.pattern!r} took {took:.2f} s on {text[:40]!r}..."


OPENER = ("Dear candidate, the International Labour Organization (ILO) recruitment office has "
          "selected you after your job interview for the vacancy. ")


@pytest.mark.parametrize("rule", RS.rules, ids=lambda r: r.id)
def test_check_on_each_rules_literals(rule):
    lits = sorted({lit for p in rule.patterns for lit in (p.literals or ())}) or ["fee"]
    soup = " ".join(lits)
    text = OPENER + (soup + ". ") * max(1, 30_000 // (len(soup) + 2))
    run(text)
    run(OPENER + " ".join(lits) + " " + "z " * 30_000)
