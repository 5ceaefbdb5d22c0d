"""Keep or drop one match (guard/keep.py)."""

from guard.keep import addresses_reader, kept

from conftest import RULES, span_of, state_of

NEGATION = RULES.language["negation"]


def test_a_negated_match_is_dropped_only_for_negatable_rules():
    state = state_of("We never ask for a fee.", contexts=False)
    view = state.view("body")
    start, end = span_of(state, "fee")
    assert not kept(view, start, end, NEGATION, negatable=True, speaker=False)
    assert kept(view, start, end, NEGATION, negatable=False, speaker=False)


def test_someone_elses_words_are_dropped_only_for_speaker_rules():
    state = state_of("Beware: scammers ask victims to pay a fee.", contexts=False)
    view = state.view("body")
    start, end = span_of(state, "fee")
    assert not kept(view, start, end, NEGATION, negatable=False, speaker=True)
    assert kept(view, start, end, NEGATION, negatable=False, speaker=False)


def test_an_unless_concept_in_the_sentence_drops_the_match():
    state = state_of("Please pay the fee to our bank.", contexts=False)
    view = state.view("body")
    start, end = span_of(state, "fee")
    present = next(c for c in ("you_word", "request_cue", "imperative") if view.text.get(c))
    assert not kept(view, start, end, NEGATION, False, False, unless=(present,))
    assert kept(view, start, end, NEGATION, False, False, unless=("scam_word",))


def test_an_imperative_or_a_you_speaks_to_the_reader():
    state = state_of("Pay 300 USD today.", contexts=False)
    assert addresses_reader(state.view("body"), span_of(state, "pay")[0])
    state = state_of("The company said that the payment of 300 USD was made last year.", contexts=False)
    assert not addresses_reader(state.view("body"), span_of(state, "300")[0])
