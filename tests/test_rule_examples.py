"""Every example in every rule pack, checked by machine.

* ``hit``: the example, run through the full ``check()``, must produce the
  rule's finding. Nothing is assumed: an example carries the context its
  rule requires (two recruitment words, or the ILO's name), as a real
  message would.
* ``miss``: the example, run through the full ``check()``, must not produce
  the finding.
* ``todo``: a known gap, reported as an expected failure (xfail); it fails
  the suite once it starts to hit, so it gets promoted to ``hit``.

Check rules and meta rules take whole messages: every kind of example runs
through ``check()``.
"""

import time

import pytest

from guard import check
from guard.contexts import eval_contexts
from guard.state import State
from guard.parse import parse
from guard.rules import default_ruleset

RS = default_ruleset()
TRUSTED = ("mx.example",)  # the authserv-id the examples' Authentication-Results use


def _state(text: str) -> State:
    st = State(RS, parse(text), "en", deadline=time.perf_counter() + 5)
    eval_contexts(st)
    return st


def fires(rule, text: str) -> bool:
    return rule.id in check(text, trusted_authserv_ids=TRUSTED).rule_ids


def _cases():
    for r in RS.rules:
        if (r.check or "").startswith("dns:"):
            continue  # run against a real DNS server in tests/dns
        for lang, kinds in r.examples.items():
            for kind in ("hit", "miss", "todo"):
                for i, text in enumerate(kinds[kind]):
                    yield pytest.param(r, kind, text, id=f"{r.id}-{lang}-{kind}{i}")


@pytest.mark.parametrize("rule,kind,text", list(_cases()))
def test_rule_example(rule, kind, text):
    if kind == "hit":
        assert fires(rule, text), f"{rule.id} should hit: {text!r}"
    elif kind == "miss":
        assert not fires(rule, text), f"{rule.id} should miss: {text!r}"
    else:
        if not fires(rule, text):
            pytest.xfail(f"known gap of {rule.id}")
        pytest.fail(f"{rule.id} now hits its todo example: move it to hit: {text!r}")


def _context_cases():
    for cid, c in RS.contexts.items():
        for lang, kinds in c.examples.items():
            for kind in ("hit", "miss"):
                for i, text in enumerate(kinds[kind]):
                    yield pytest.param(cid, kind, text, id=f"{cid}-{lang}-{kind}{i}")


@pytest.mark.parametrize("cid,kind,text", list(_context_cases()))
def test_context_example(cid, kind, text):
    got = cid in _state(text).contexts
    assert got == (kind == "hit"), f"context {cid} {'should' if kind == 'hit' else 'should not'} hold: {text!r}"
