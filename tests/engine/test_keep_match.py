"""Keep or drop one match (guard/keep.py)."""

from guard.keep import addresses_reader, kept

from stagekit import RULES, span_of, state_of

NEGATION = RULES.language["negation"]


def match(text: str, word: str = "fee"):
    """The body view of ``text`` and the span of ``word`` in it."""
    state = state_of(text, contexts=False)
    return (state.view("body"), *span_of(state, word))


def test_a_negated_match_is_dropped_only_for_negatable_rules():
    view, start, end = match("We never ask for a fee.")
    assert not kept(view, start, end, NEGATION, negatable=True, speaker=False)
    assert kept(view, start, end, NEGATION, negatable=False, speaker=False)


def test_someone_elses_words_are_dropped_only_for_speaker_rules():
    view, start, end = match("Beware: scammers ask victims to pay a fee.")
    assert not kept(view, start, end, NEGATION, negatable=False, speaker=True)
    assert kept(view, start, end, NEGATION, negatable=False, speaker=False)


def test_an_unless_concept_in_the_sentence_drops_the_match():
    view, start, end = match("Please pay the fee to our bank.")
    present = next(c for c in ("you_word", "request_cue", "imperative") if view.text.get(c))
    assert not kept(view, start, end, NEGATION, False, False, unless=(present,))
    assert kept(view, start, end, NEGATION, False, False, unless=("scam_word",))


def test_an_imperative_or_a_you_speaks_to_the_reader():
    view, start, _ = match("Pay 300 USD today.", "pay")
    assert addresses_reader(view, start)
    view, start, _ = match("The company said that the payment of 300 USD was made last year.", "300")
    assert not addresses_reader(view, start)
