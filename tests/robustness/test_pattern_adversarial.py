"""Every pattern guard runs, on strings built to make a backtracking engine work hard.

Rules are words and frames, matched without backtracking; the only
regular expressions are the few shapes of rules/vocab/shared.toml
(amounts, blanks) and the module-level ones in guard/ (address, URL and
header finders, the normaliser's joiners, sentence splitters ...).
tests/test_rule_lint.py times the vocabulary's on a fixed list of strings.
This extends it to:

* strings built from the vocabulary's own terms (many near-matches, a term
  followed by a long tail that never completes a match);
* every regular expression at module level in guard/;
* the whole check() on a soup of the terms of every concept each rule's
  frames name, within the bound of conftest.py.
"""

from __future__ import annotations

import importlib
import re
import time

import pytest

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


def _term_strings(terms) -> list[str]:
    lits = sorted(t.lstrip("=").rstrip("*").lower() for t in terms)
    if not lits:
        return []
    soup = " ".join(lits)
    one = lits[0]
    return [
        (soup + " ") * max(1, 40_000 // (len(soup) + 1)),
        one + " " + "x " * 25_000,
        one * max(1, 40_000 // len(one)),
        (one + " " + "1" * 50 + " ") * max(1, 40_000 // (len(one) + 52)),
        ".".join(one) * max(1, 20_000 // len(one)),
    ]


def _concept_terms(name: str) -> list[str]:
    return [t for ts in RS.vocab.terms.get(name, {}).values() for t in ts]


def _patterns():
    currency = _term_strings(_concept_terms("currency"))
    for name, rx in sorted(RS.vocab.regex.items()):
        yield pytest.param(rx, currency, id=f"vocab-{name}")
    for mod_name in ("guard.parse", "guard.normalize", "guard.engine", "guard.checks", "guard.vocab",
                     "guard.scope", "guard.frames", "guard.domains", "guard.dnscheck", "guard.filter",
                     "guard.scan", "guard.api"):
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


# Patterns the code only ever applies with .fullmatch() to one address
# header value, cut to parse.MAX_ADDRESS_CHARS first: timed that way.
FULLMATCH_ADDRESS = {
    "guard.parse._PLAIN_BARE",      # parse.py: _plain_address(value)
    "guard.parse._PLAIN_NAMED",
}


# Patterns the code only ever applies with .match() to the start of one
# value (a URL, a domain): timed that way, on the whole string.
MATCH_AT_START = {
    "guard.parse._URL_HOST",        # parse.py: _host(url)
    "guard.domains._SUBDOMAIN_TRICK",   # domains.py: _lookalike_full(domain), 253 characters at most
}


@pytest.mark.parametrize("regex,extra", list(_patterns()))
def test_every_pattern_is_fast_on_adversarial_text(request, regex, extra):
    from guard.parse import MAX_ADDRESS_CHARS

    per_line = request.node.callspec.id in MATCH_PER_LINE
    whole_value = request.node.callspec.id in FULLMATCH_ADDRESS
    for text in GENERIC + extra:
        subject = text.encode() if isinstance(regex.pattern, bytes) else text
        t = time.perf_counter()
        if whole_value:
            regex.fullmatch(subject[:MAX_ADDRESS_CHARS])
        elif request.node.callspec.id in MATCH_AT_START:
            regex.match(subject)
        elif per_line:
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
def test_check_on_each_rules_terms(rule):
    names = {c for f in rule.frames for c in f.concepts}
    lits = sorted({t.lstrip("=").rstrip("*").lower() for c in names for t in _concept_terms(c)})[:400] or ["fee"]
    soup = " ".join(lits)
    text = OPENER + (soup + ". ") * max(1, 30_000 // (len(soup) + 2))
    run(text)
    run(OPENER + " ".join(lits) + " " + "z " * 30_000)
