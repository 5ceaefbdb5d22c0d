"""Every example in every rule pack, checked by machine.

A ``hit`` example must produce the rule's finding; a ``miss`` example must
not; a ``todo`` example is a known gap: an expected failure, reported by
pytest as xfail (and as a failure if it starts to hit, so it gets promoted).
Context examples are checked against the context alone.
"""

import pytest

from guard import check
from guard.engine import State, eval_contexts
from guard.parse import parse
from guard.rules import default_ruleset

RS = default_ruleset()
TRUSTED = ("mx.example",)  # the authserv-id the examples' Authentication-Results use


def _cases():
    for r in RS.rules:
        if (r.check or "").startswith("dns:"):
            continue  # run against a real DNS server in tests/dns
        for lang, kinds in r.examples.items():
            for kind in ("hit", "miss", "todo"):
                for i, text in enumerate(kinds[kind]):
                    yield pytest.param(r.id, kind, text, id=f"{r.id}-{lang}-{kind}{i}")


@pytest.mark.parametrize("rule_id,kind,text", list(_cases()))
def test_rule_example(rule_id, kind, text):
    v = check(text, trusted_authserv_ids=TRUSTED)
    fired = rule_id in v.rule_ids
    if kind == "hit":
        assert fired, f"{rule_id} should hit: {text!r}\nfound: {v.rule_ids}"
    elif kind == "miss":
        assert not fired, f"{rule_id} should miss: {text!r}"
    else:
        if not fired:
            pytest.xfail(f"known gap of {rule_id}")
        pytest.fail(f"{rule_id} now hits its todo example: move it to hit: {text!r}")


def contexts_of(text: str) -> set[str]:
    import time

    st = State(RS, parse(text), "en", deadline=time.perf_counter() + 5)
    eval_contexts(st)
    return set(st.contexts)


def _context_cases():
    for cid, c in RS.contexts.items():
        for lang, kinds in c.examples.items():
            for kind in ("hit", "miss"):
                for i, text in enumerate(kinds[kind]):
                    yield pytest.param(cid, kind, text, id=f"{cid}-{lang}-{kind}{i}")


@pytest.mark.parametrize("cid,kind,text", list(_context_cases()))
def test_context_example(cid, kind, text):
    got = cid in contexts_of(text)
    assert got == (kind == "hit"), f"context {cid} {'should' if kind == 'hit' else 'should not'} hold: {text!r}"
