"""The normalised view undoes disguises and maps every span back exactly."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.normalize import NormView, fold
from guard.vocab import Text


@pytest.mark.parametrize("original,expected", [
    ("Pay the FEE", "pay the fee"),
    ("Ｐａｙ　ｔｈｅ　ｆｅｅ", "pay the fee"),                 # full-width forms and space
    ("f\u200be\u00ade", "fee"),                                # zero-width space, soft hyphen
    ("f\u0435e", "fee"),                                       # Cyrillic e
    ("\u0456ban", "iban"),                                     # Cyrillic i
    ("cuota de inscripción", "cuota de inscripcion"),
    ("frais de traitement, coordonnées", "frais de traitement, coordonnees"),
    ("f e e", "fee"),
    ("I.B.A.N", "iban"),
    ("S-W-I-F-T code", "swift code"),
    ("f*e*e", "fee"),
    ("e\u0301tat", "etat"),                                    # combining accent
    ("ﬁnal", "final"),                                         # ligature
])
def test_folds_disguises(original, expected):
    assert NormView.of(original).text == expected


def test_white_space_is_kept_one_for_one():
    v = NormView.of("pay\r\nthe\t\tfee")
    assert v.text == "pay \nthe  fee"


def test_ordinary_words_are_not_joined():
    assert NormView.of("a plan to go").text == "a plan to go"
    assert NormView.of("e-mail pre-employment").text == "e-mail pre-employment"


@pytest.mark.parametrize("original,word", [
    ("please pay the f\u200be\u00ade now", "fee"),
    ("send your I.B.A.N today", "iban"),
    ("Ｓｅｎｄ ｔｈｅ ｆｅｅ", "fee"),
    ("the f\u0435e is due", "fee"),
    ("frais d'inscripción", "inscripcion"),
])
def test_span_maps_back_to_the_original_characters(original, word):
    v = NormView.of(original)
    i = v.text.index(word)
    a, b = v.span(i, i + len(word))
    shown = original[a:b]
    assert NormView.of(shown).text == word
    assert fold(shown) == word


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_every_span_is_inside_the_original(text):
    v = NormView.of(text)
    n = len(v.text)
    for i in range(0, n, max(1, n // 7)):
        for j in (i, min(n, i + 1), min(n, i + 5), n):
            a, b = v.span(i, j)
            assert 0 <= a <= b <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_folding_the_shown_span_gives_back_the_match(text):
    v = NormView.of(text)
    words = v.text.split()
    if not words:
        return
    w = max(words, key=len)
    i = v.text.index(w)
    a, b = v.span(i, i + len(w))
    assert w in NormView.of(text[a:b]).text


# -- the squeeze's offset map (guard/vocab.py Text.stages) ----------------------

_WORDS = st.sampled_from(["fee", "IBAN", "pago", "frais", "ILO", "bank", "a", "é", "x1"])
_GAPS = st.sampled_from([" ", "  ", "\n", " \n ", "\n\n", "\n \n\n  ", "\t", "\r\n", "\r\n\r\n"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_GAPS, _WORDS), min_size=1, max_size=40))
def test_every_squeezed_word_maps_back_to_itself_in_the_original(parts):
    """Evidence is highlighted where the user sees it: each word of the
    squeezed view maps back to the same word of the original, whatever the
    white space around it (blank lines, CRLF, tabs, runs of spaces)."""
    original = "".join(gap + word for gap, word in parts)
    text = Text.of(NormView.of(original))
    pos = 0
    for _gap, word in parts:
        folded = NormView.of(word).text
        at = text.text.index(folded, pos)
        a, b = text.original_span(at, at + len(folded))
        assert original[a:b] == word
        pos = at + len(folded)


@pytest.mark.parametrize("text,hits", [
    ("B.I.T Dakar : votre dossier", ["B.I.T"]),
    ("un bit de données, puis le B I T de Genève", ["B I T"]),   # the lower-case word is no hit
    ("un bit de données", []),
    ("Le BIT Dakar", ["BIT"]),
])
def test_a_capital_only_term_hits_where_the_original_is_in_capitals(text, hits):
    """"=BIT" (the ILO's French initials) is the ILO only in capitals, even
    spaced or dotted; the word "bit" elsewhere in the text does not count."""
    from guard.rules import default_ruleset
    from guard.vocab import scan

    vocab = default_ruleset().vocab
    t = Text.of(NormView.of(text))
    scan(vocab, t)
    got = []
    for a, b in t.hits.get("ilo_name", []):
        if t.text[a:b] == "bit":
            oa, ob = t.original_span(a, b)
            got.append(text[oa:ob])
    assert got == hits


_CAPITAL_TEXTS = [
    "Le BIT de Genève vous écrit", "un bit de données à Genève", "B.I.T™ — Genève", "le ＢＩＴ à Dakar",
    "Ｂ I T, Genève", "BÍT ou BIT? café", "un bit™ de café", "le B-I-T… à Genève", "l'OIT et le BIT, Genève",
    "b i t é", "OIT™", "le Bıt", "le BİT", "ﬁn du BIT", "B\u00adI\u200bT à Genève", "BIT\u00e9", "\u00c9BIT",
]


@pytest.mark.parametrize("text", _CAPITAL_TEXTS)
def test_the_capital_term_pre_check_changes_no_hit(text, monkeypatch):
    """The shape search before the offset map (vocab._upper_possible) may
    only spare work: with it and without it, the hits are the same, on
    texts outside ASCII where capitals come from accented, full-width or
    ligature characters."""
    from guard import vocab
    from guard.rules import default_ruleset

    v = default_ruleset().vocab

    def hits():
        t = Text.of(NormView.of(text))
        vocab.scan(v, t)
        return {k: sorted(h) for k, h in t.hits.items()}

    with_check = hits()
    monkeypatch.setattr(vocab, "_upper_possible", lambda t, term: True)
    assert with_check == hits()


def test_the_pre_check_answers_no_on_an_accented_text_without_the_capitals():
    from guard import vocab

    t = Text.of(NormView.of("un bit de données à Genève, Café™"))
    assert vocab._upper_possible(t, "bit") is False
    assert vocab._upper_possible(Text.of(NormView.of("le ＢＩＴ à Genève")), "bit") is True
    assert vocab._upper_possible(Text.of(NormView.of("à B.I.T")), "bit") is True


def _squeeze_by_hand(text: str) -> tuple[str, list[int]]:
    """The squeeze one character at a time: the squeezed text and, for each
    of its characters, the offset in ``text`` it stands at."""
    out, where = [], []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] in " \n":
            j += 1
        if j - i >= 2:
            rep = "\n\n" if text.count("\n", i, j) >= 2 else ("\n" if "\n" in text[i:j] else " ")
            out.append(rep)
            where.extend(range(i, i + len(rep)))
            i = j
        else:
            out.append(text[i])
            where.append(i)
            i += 1
    return "".join(out), where


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bc", " ", "  ", "\n", "\n\n", " \n ", "\n \n\n", "   \n"]), max_size=60),
       st.randoms(use_true_random=False))
def test_the_squeeze_map_grows_as_asked_and_maps_every_offset(pieces, rnd):
    """The squeezed view maps each offset back to where its character stands
    in the normalised text, asked in any order (the map is made only as far
    as the offsets asked for so far)."""
    text = "x" + "".join(pieces) + "y"
    view = Text.of(NormView.of(text))
    squeezed, where = _squeeze_by_hand(view.norm.text)
    assert view.text == squeezed
    order = list(range(len(squeezed)))
    rnd.shuffle(order)
    for j in order[: len(order) // 2] + sorted(order):
        assert view.to_norm(j) == where[j]
    assert view.to_norm(len(squeezed)) == len(view.norm.text)
