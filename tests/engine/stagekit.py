"""Inputs for the engine stages' own tests, built through the public
loaders: the shipped rule packs (``default_ruleset()``) and a message parsed
by ``guard.parse.parse``, never rule data copied by hand."""

from __future__ import annotations

import time

from guard.contexts import eval_contexts
from guard.parse import parse
from guard.rules import default_ruleset
from guard.state import State

RULES = default_ruleset()


def state_of(text: str, *, contexts: bool = True, lang: str = "en") -> State:
    """The engine's state for pasted ``text``, with its contexts evaluated
    unless ``contexts`` is False."""
    state = State(RULES, parse(text), lang, deadline=time.perf_counter() + 30)
    if contexts:
        eval_contexts(state)
    return state


def span_of(state: State, word: str, field: str = "body", nth: int = 0) -> tuple[int, int]:
    """The span of the ``nth`` occurrence of ``word`` in the normalised text
    of view ``field``."""
    folded = state.view(field).text.text
    at = -1
    for _ in range(nth + 1):
        at = folded.find(word, at + 1)
        assert at >= 0, f"{word!r} not in {folded!r}"
    return at, at + len(word)

