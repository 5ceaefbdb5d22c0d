"""The benchmarks feed real mail to guard and SpamAssassin: check that plumbing.

bench/evaluate.py's side-by-side figures are only as good as the mbox it
writes (a body line starting with "From " must not split a message) and the
way it reads SpamAssassin's answers back; the EMSCAD labels must cover the
postings the README counts. These tests need no corpus; the last ones use
../shared when it is there and skip when it is not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import corpora  # noqa: E402
import evaluate  # noqa: E402
from corpora import Item  # noqa: E402


def test_mbox_escapes_from_lines_and_keeps_one_message_per_item():
    items = [
        Item("a", b"From someone@example.org Mon Jan 1 00:00:00 2024\nSubject: a\n\nFrom here on\n>From x\n", 0),
        Item("b", b"Subject: b\n\nno newline at the end", 0),
    ]
    data = b"".join(corpora.iter_mbox(items, lambda it: it.payload))
    assert data.count(evaluate.SEPARATOR) == 2
    # the original From_ line is dropped, body lines are escaped mboxrd-style
    assert b"someone@example.org" not in data
    assert b"\n>From here on\n" in data and b"\n>>From x\n" in data
    assert data.endswith(b"no newline at the end\n\n")


def test_spamassassin_answers_are_read_back_in_order():
    sep = evaluate.SEPARATOR
    out = (
        sep + b"X-Spam-Bench: Yes 7.3 BAYES_99,HTML_MESSAGE,\n\tLOTS_OF_MONEY\nSubject: a\n\nbody\n\n"
        + sep + b"Subject: b\nX-Spam-Bench: No -0.5 none\n\nbody\n\n"
        + sep + b"Subject: c\n\nSpamAssassin gave no answer for this one\n"
    )
    got = evaluate.parse_sa_output(out)
    assert [r.spam for r in got] == [True, False, False]
    assert got[0].score == 7.3 and got[0].tests == ["BAYES_99", "HTML_MESSAGE", "LOTS_OF_MONEY"]
    assert got[1].score == -0.5 and got[1].tests == []
    assert got[2].tests == ["(no SpamAssassin result)"]


def test_pasted_text_reaches_spamassassin_as_a_minimal_message():
    it = Item("x", "ignored for SA", 0, subject="Invoice  for\tMarch", body="\nPlease pay the attached invoice. é\n")
    msg = evaluate.sa_message(it)
    head, _, body = msg.partition(b"\n\n")
    assert b"Subject: Invoice for March" in head and b"From: " in head and b"Date: " in head
    assert body.decode("utf-8") == "Please pay the attached invoice. é\n"


def test_text_that_looks_like_a_message_is_still_read_as_pasted_text():
    from guard.parse import looks_like_message

    text = "Subject: hello\nFrom: a@example.org\n\nbody"
    assert looks_like_message(text)
    assert not looks_like_message(corpora.as_pasted(text))
    assert corpora.as_pasted("just some words\nand more") == "just some words\nand more"


def test_emscad_labels_file_is_well_formed():
    labels = corpora.load_labels()
    allowed = {"asks_money", "money_handling", "no_fee_statement", "pay_or_benefits", "job_duty",
               "industry_or_tech", "word_part"}
    assert labels and {lb.label for lb in labels.values()} <= allowed
    assert all(j.isdigit() for j in labels)
    asks = [lb for lb in labels.values() if lb.label == "asks_money"]
    assert asks and all(lb.note for lb in asks)          # every "asks" label says what is asked
    # notes are our own short paraphrases, never pasted postings
    assert all(len(lb.note) <= 200 for lb in labels.values())


def test_money_words_match_like_the_corpus_readme():
    row = {f: "" for f in corpora.EMSCAD_FIELDS}
    row["description"] = "We value your feedback."
    assert corpora.emscad_mentions_money(row)            # "fee" at the start of a word: why we label by hand
    row["description"] = "Coffee and a friendly team."
    assert not corpora.emscad_mentions_money(row)


@pytest.fixture
def corpus_root(shared_dir):
    root = shared_dir / "corpora"
    if not (root / "emscad_fraud").is_dir():
        pytest.skip("../shared/corpora/emscad_fraud is not present")
    return root


def test_every_posting_that_mentions_money_is_labelled(corpus_root):
    rows = corpora.emscad_rows(corpus_root)
    labels = corpora.load_labels()
    ids = {r["job_id"] for r in rows}
    mentions = {r["job_id"] for r in rows if corpora.emscad_mentions_money(r)}
    assert len(rows) == 856 and len(mentions) == 178      # the corpus README's counts
    assert mentions <= set(labels)
    assert set(labels) <= ids


def test_the_sets_load_with_the_sizes_the_readme_gives(corpus_root):
    sizes = {s.name: len(s.load(corpus_root)) for s in corpora.SETS}
    assert sizes == {"sa-easy-ham": 3900, "sa-hard-ham": 250, "sa-spam": 1896, "sa-fee-payment-ham": 79,
                     "enron-fee-ham": 838, "emscad-fraud": 856}
