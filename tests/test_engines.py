"""Hyperscan and pyahocorasick find the same hits (guard/vocab.py).

guard uses Hyperscan where it is installed and falls back to pyahocorasick
elsewhere (a text outside Latin-1 is scanned by Hyperscan with byte 0x80 for
each such character, its few non-Latin-1 keys by str.find); a verdict must not
depend on which one ran. These tests check the whole verdict, message by
message, over every corpus and fixture, and the raw hits on texts chosen to
reach every branch of the scan (prefix terms, upper-case terms, terms next to
digits and letters, text outside Latin-1).
"""

import os
from pathlib import Path

import pytest

import guard
from guard import vocab
from guard.normalize import NormView
from guard.rules import default_ruleset
from messages import message_files

pytestmark = pytest.mark.skipif(not vocab.hyperscan_available(), reason="Hyperscan is not installed here")

ROOT = Path(__file__).resolve().parent.parent


def _files() -> list[str]:
    return message_files("corpus/**/*.txt", "corpus/**/*.eml", "fixtures/**/*.eml", "fixtures/**/*.txt")


def _verdict(data: bytes, engine: str):
    vocab.set_engine(engine)
    try:
        v = guard.check(data, time_budget=60)
    finally:
        vocab.set_engine("auto")
    return (v.level, v.score, v.notes, v.complete,
            [(f.rule_id, [(e.field, e.start, e.end, e.text) for e in f.evidence]) for f in v.findings])


def test_same_verdict_on_every_message():
    files = _files()
    assert len(files) > 500
    differ = []
    for f in files:
        data = open(f, "rb").read()
        if _verdict(data, "hyperscan") != _verdict(data, "aho-corasick"):
            differ.append(os.path.relpath(f, ROOT))
    assert differ == []


TEXTS = [
    "Pay the application fee of USD 150 via M-Pesa to our agent.",
    "Les frais de dossier (150 000 FCFA) sont à régler par Orange Money.",
    "Transferencia de la cuota: 350 soles por Yape; transferido, transfers, transferring.",
    "A BIT of the ILO and the BIT in Geneva; a bit of help.",
    "150usd, us$200, R$ 900,00, ₦85,000, 200€, KSh 12,000 — the fee.",
    "Envie o PIX de R$ 1.250,00 para a caução reembolsável até amanhã.",
    "feeless, fees, fee-paying, refee, fee's, fee.",
    "Оплатите сбор: pay the fee 100 USD — 手数料 (non-Latin-1 text)",
    "fee ₹500, ₱1,200, ৳900, ₵300 and €75 — ₦₦ 2,000; x€y, ILO€ the visa fee€",
    "€",
    "pay the fee​ now: ₹ 5000 💰 via UPI, فيزا fee 100€",
    "",
    "x",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("lazy", [False, True])
def test_same_hits(text, lazy):
    v = default_ruleset().vocab
    got = {}
    for engine in ("hyperscan", "aho-corasick"):
        vocab.set_engine(engine)
        try:
            t = vocab.Text.of(NormView.of(text))
            vocab.scan(v, t, lazy=lazy)
            got[engine] = dict(t.hits)
        finally:
            vocab.set_engine("auto")
    assert got["hyperscan"] == got["aho-corasick"]
    if "fee" in text and not lazy:
        assert got["hyperscan"].get("fee_noun")      # the comparison is not between two empty results


def test_text_outside_latin1_stays_with_hyperscan(monkeypatch):
    # the automata are not needed (nor unpickled) for such a text
    v = default_ruleset().vocab

    def refuse(self, lazy):
        raise AssertionError("the automata were used")

    monkeypatch.setattr(vocab.Vocabulary, "automata", refuse)
    t = vocab.Text.of(NormView.of("Оплатите: the visa fee is ₹5000, pay now"))
    vocab.scan(v, t)
    assert t.hits.get("fee_noun") and t.hits.get("currency")


def test_hyperscan_is_the_engine_by_default_here():
    assert vocab.engine() == "hyperscan"


# -- a long text's lazy concepts, one by one (vocab.LAZY_ONE_CHARS) ------------------

def _verdict_split(data: bytes, threshold: int, monkeypatch):
    monkeypatch.setattr(vocab, "LAZY_ONE_CHARS", threshold)
    return _verdict(data, "hyperscan")


def test_lazy_concepts_one_by_one_give_the_same_verdict(monkeypatch):
    # threshold 0: every text finds its lazy concepts one by one; a huge one:
    # all in one pass, as a short text does
    differ = []
    for f in _files():
        data = open(f, "rb").read()
        if _verdict_split(data, 0, monkeypatch) != _verdict_split(data, 10**12, monkeypatch):
            differ.append(os.path.relpath(f, ROOT))
    assert differ == []


LAZY_TEXTS = TEXTS + [
    "Don't forget to pay the processing fee; we do not charge candidates. "
    "No olvide pagar la cuota. N'oubliez pas de payer les frais. "
    "Não se esqueça: no programa não há taxa. Police clearance fee: pay now. "
    "What you need to know: send your bank details to our HR unit.",
]


@pytest.mark.parametrize("text", LAZY_TEXTS)
def test_lazy_concepts_one_by_one_give_the_same_hits(text, monkeypatch):
    v = default_ruleset().vocab
    names = sorted(n for n in v.lazy if n in v.index)
    got = {}
    for threshold in (0, 10**12):
        monkeypatch.setattr(vocab, "LAZY_ONE_CHARS", threshold)
        t = vocab.Text.of(NormView.of(text))
        vocab.scan(v, t)
        vocab.apply_masks(v, t)
        got[threshold] = {n: list(t.get(n)) for n in names}
        assert t._lazy_one == (threshold == 0)
    assert got[0] == got[10**12]
    if "forget" in text:
        # the masks ran: "don't forget" is no negation, "do not charge" is one
        assert got[0]["pseudo_neg"] and got[0]["neg_pre"]
        assert not any(a <= h[0] < b for h in got[0]["neg_pre"] for a, b in got[0]["pseudo_neg"])


def test_a_long_text_searches_only_the_lazy_concepts_asked_for():
    v = default_ruleset().vocab
    text = "Our HR unit will send the job offer for the programme. " * 800
    t = vocab.Text.of(NormView.of(text))
    assert len(t.flat) >= vocab.LAZY_ONE_CHARS
    vocab.scan(v, t)
    assert t.get("offer_noun")
    assert t._lazy_one and not t._lazy_done
    assert "hr_unit" not in t.hits and "programme" not in t.hits
    assert t.get("programme")
