"""Shared pieces of the hostile-input suite (tests/robustness) and the fuzzers.

The time bound each hostile input must meet, whatever the machine:

* ``check(msg, time_budget=BUDGET)`` is called; the engine stops matching
  rules once ``BUDGET`` seconds have passed (the verdict then says
  ``complete=False`` with a note). Parsing is bounded by size, not time:
  25 MB per message, 8 KB per header value, 200 MIME parts, 20 levels of
  nesting, 2,000,000 characters per text view (guard/parse.py).
* so a verdict must come back within ``BOUND`` seconds of wall-clock time:
  the budget, plus the bounded parse, plus one rule that was already running
  when the budget ran out. ``BOUND`` is generous (CI machines are shared and
  slow); a catastrophic case (backtracking, quadratic parsing) takes minutes
  or hours, not seconds. Set GUARD_ROBUSTNESS_BOUND to change it.

Nothing here limits time from the outside (no thread, no alarm): if the
engine did not bound itself, the test would hang, and pytest's own timeout
(none) would not save it. That is the point.
"""

from __future__ import annotations

import json
import os
import time

from guard import Level, Verdict, check

BUDGET = 1.0
BOUND = float(os.environ.get("GUARD_ROBUSTNESS_BOUND", "20"))


def assert_sound(v: Verdict) -> None:
    """What every verdict must satisfy, however hostile the input."""
    assert isinstance(v, Verdict)
    assert v.level in (Level.CLEAR, Level.SUSPICIOUS, Level.FRAUD)
    # check() fails open on an internal error: for this suite that is a bug
    assert not any(n.startswith("internal error") for n in v.notes), v.notes
    for f in v.findings:
        for e in f.evidence:
            view = v.views[e.field]
            assert 0 <= e.start <= e.end <= len(view), (f.rule_id, e)
            assert view[e.start:e.end] == e.text, (f.rule_id, e)
    # the JSON form must always be producible (the web page and scan print it)
    json.dumps(v.to_dict(include_views=True))


def run(message, **kw) -> tuple[Verdict, float]:
    kw.setdefault("time_budget", BUDGET)
    t = time.perf_counter()
    v = check(message, **kw)
    elapsed = time.perf_counter() - t
    assert_sound(v)
    assert elapsed < BOUND, f"took {elapsed:.1f} s (bound {BOUND} s)"
    return v, elapsed
