"""Negation scope and who speaks (guard/scope.py), asked of one span of a
normalised body, with the windows of rules/language.toml."""

import pytest

from guard.scope import negated, reported

from stagekit import RULES, span_of, state_of

WINDOW = RULES.language["negation"]["window"]
WINDOW_AFTER = RULES.language["negation"]["window_after"]


def is_negated(text: str, word: str = "fee", nth: int = 0) -> bool:
    state = state_of(text, contexts=False)
    start, end = span_of(state, word, nth=nth)
    return negated(state.view("body").scopes, start, end, WINDOW, WINDOW_AFTER)


@pytest.mark.parametrize("text", [
    "We never ask for a fee.",
    "The ILO does not charge any fee.",
    "No fee is charged at any stage.",
])
def test_a_cue_before_the_match_negates_it(text):
    assert is_negated(text)


@pytest.mark.parametrize("text", [
    "Don't forget to pay the fee.",
    "Do not forget to pay the fee before Friday.",
    "If you do not pay the fee, your place goes to another candidate.",
])
def test_a_pseudo_negation_does_not_negate(text):
    assert not is_negated(text)


def test_a_cue_after_the_match_negates_within_its_window():
    assert is_negated("The registration fee is waived for all candidates.")


def test_a_cue_further_than_the_window_does_not_negate():
    filler = " ".join(["word"] * (WINDOW + 2))
    assert not is_negated(f"We never {filler} fee.")
    near = " ".join(["word"] * (WINDOW - 1))
    assert is_negated(f"We never {near} fee.")


def test_a_terminator_closes_the_scope():
    text = "We do not charge a registration fee but you must pay the visa fee today."
    assert is_negated(text, nth=0)
    assert not is_negated(text, nth=1)


def test_a_sentence_end_closes_the_scope():
    assert not is_negated("We never lie. Pay the fee today.")


def is_reported(text: str, word: str = "fee") -> bool:
    state = state_of(text, contexts=False)
    start, end = span_of(state, word)
    return reported(state.view("body").scopes, start, end)


def test_a_warning_about_scams_is_someone_elses_words():
    assert is_reported("Beware: scammers ask victims to pay a fee for a job.")


def test_a_request_to_the_reader_is_the_senders_own():
    assert not is_reported("Please pay the processing fee to confirm your place.")
