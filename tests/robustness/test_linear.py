"""The cost of every hostile shape grows linearly with its size.

Parsing cannot be interrupted by the time budget (the standard library's
parser runs to its end), so it is bounded by size caps instead
(guard/parse.py): this test is what shows that those caps make the whole
check linear. Each shape of hostile.SHAPES is checked at 1x, 2x, 4x and 8x
its base size, with a budget too large to cut anything, and the time at 8x
must stay within LIMIT times the time at 1x: linear growth gives at most
8x (less where a cap flattens it), quadratic growth 64x. Ratios of times
taken in one run, never absolute times, so a slow or busy machine does not
fail it.
"""

from __future__ import annotations

import gc
import time

import pytest

from guard import check

from hostile import SHAPES

LIMIT = 20.0
FACTORS = (1, 2, 4, 8)
FLOOR = 0.0005          # seconds: below this a time is mostly the call's fixed cost


def _time(message) -> float:
    """The best of a few runs (more runs for short ones: noise is a larger
    share), with the garbage collector held off."""
    best = float("inf")
    spent = 0.0
    runs = 0
    gc.collect()
    gc.disable()
    try:
        while runs < 4 and (runs < 2 or spent < 0.02):
            t = time.perf_counter()
            check(message, time_budget=600.0)
            took = time.perf_counter() - t
            best = min(best, took)
            spent += took
            runs += 1
            if took > 0.3:
                break
    finally:
        gc.enable()
    return best


@pytest.fixture(scope="module", autouse=True)
def _warm():
    check(b"From: a@example.org\nSubject: warm up\n\nx\n")


@pytest.mark.parametrize("name", list(SHAPES))
def test_time_grows_linearly_with_size(name):
    build = SHAPES[name]
    times = {}
    for k in FACTORS:
        times[k] = _time(build(k))
        if k > 1 and times[k] / max(times[1], FLOOR) > LIMIT:
            break                       # already super-linear: no need to wait for 8x
    top = max(times)
    ratio = times[top] / max(times[1], FLOOR)
    if ratio > LIMIT:
        # a busy machine (other jobs on the same cores) can slow one size down:
        # measure the two ends again, one after the other, before failing
        big = build(top)
        small = build(1)
        for _ in range(2):
            times[top] = min(times[top], _time(big))
            times[1] = min(times[1], _time(small))
        ratio = times[top] / max(times[1], FLOOR)
    shown = ", ".join(f"{k}x {t * 1000:.1f} ms" for k, t in times.items())
    assert ratio <= LIMIT, f"{name}: {shown}: {ratio:.1f} times the 1x time"
