"""Contexts (guard/contexts.py over rules/contexts.toml)."""

from stagekit import RULES, state_of

JOB = "Job offer for the interview candidate. Please send your CV to our recruitment team. " * 3


def test_recruitment_words_make_the_recruitment_context():
    state = state_of(JOB)
    assert "recruitment" in state.contexts
    evidence = state.contexts["recruitment"]
    assert 1 <= len(evidence) <= max(3, RULES.contexts["recruitment"].min_distinct)
    body = state.parsed.views["body"]
    assert all(body[e.start:e.end] == e.text for e in evidence)


def test_an_absent_context_blocks_the_one_that_names_it():
    blocked = [name for name, context in RULES.contexts.items() if "recruitment" in context.absent]
    assert blocked, "rules/contexts.toml has a context that needs recruitment absent"
    state = state_of(JOB)
    assert not set(blocked) & set(state.contexts)


def test_implications_chain():
    # the ILO's name as the sender's name claims to be the ILO, which names it
    assert RULES.contexts["ilo_sender_name"].implies == "claims_ilo"
    assert RULES.contexts["claims_ilo"].implies == "ilo_named"
    state = state_of("From: ILO <offers@example.net>\nSubject: hello\n\nHello.\n")
    assert {"ilo_sender_name", "claims_ilo", "ilo_named"} <= set(state.contexts)


def test_talking_about_the_ilo_names_it_without_claiming_to_be_it():
    state = state_of("The International Labour Organization published a report on wages.")
    assert "ilo_named" in state.contexts
    assert "claims_ilo" not in state.contexts


def test_no_words_no_context():
    assert state_of("See you at lunch tomorrow.").contexts == {}
