"""Keep or drop one match: the judgement shared by contexts and text rules.

Takes: a matched ``View`` (guard/state.py), the span [start, end) of one
match in its normalised text, and what the rule asks of it (``negatable``,
``speaker``, ``unless``, ``unless_near``, ``addressed``) plus the negation
windows of rules/language.toml.
Gives: yes or no. A match is dropped when

* it is negated (``negatable``; NegEx scope, guard/scope.py ``negated``);
* it is someone else's words (``speaker``; a warning, a report, a
  quotation, a hypothetical: guard/scope.py ``reported``);
* one of the ``unless`` concepts starts in its sentence or the sentence
  before it;
* one of the ``unless_near`` concepts touches it: within 3 words either
  side, in its sentence (in a chat, on its line);
* for ``addressed`` rules, its sentence neither speaks to the reader nor
  starts with the match (``addresses_reader``).

Nothing here builds objects per match: each test is a few look-ups in the
view's sorted concept hits.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .scope import negated, reported
from .state import View

_NEAR_CHARS = 200          # how far "touching" looks, in characters, before counting words
_NEAR_WORDS = 3


def kept(view: View, start: int, end: int, negation: dict, negatable: bool, speaker: bool,
         unless=(), unless_near=()) -> bool:
    """Does the match [start, end) of ``view`` stand? ``negation`` is
    rules/language.toml ``[negation]`` (``window``, ``window_after``,
    ``list_window``, ``list_words``)."""
    scopes = view.scopes
    text = view.text
    if negatable and negated(scopes, start, end, negation["window"], negation["window_after"],
                             negation.get("list_window", 0), negation.get("list_words", ())):
        return False
    if speaker and reported(scopes, start, end):
        return False
    if unless:
        sentence_start, sentence_end = scopes.sentence(start)
        previous = scopes.previous_sentence(sentence_start)
        low = previous[0] if previous else sentence_start
        for concept in unless:
            if text.starts_in(concept, low, sentence_end):
                return False
    if unless_near and _touched(view, start, end, unless_near):
        return False
    return True


def _touched(view: View, start: int, end: int, concepts) -> bool:
    """Does a hit of one of ``concepts`` touch the match [start, end)?"""
    text = view.text
    sentence_start, sentence_end = view.scopes.sentence(start)
    low, high = max(sentence_start, start - _NEAR_CHARS), min(sentence_end, end + _NEAR_CHARS)
    if text.norm.chat:        # in a chat, each line of a message is its own remark
        folded = text.text
        low = max(low, folded.rfind("\n", 0, start) + 1)
        line_end = folded.find("\n", end)
        high = min(high, line_end if line_end >= 0 else len(folded))
    for concept in concepts:
        hits = text.get(concept)
        i = bisect_left(hits, (low - 100, -1))
        while i < len(hits) and hits[i][0] < high:
            hit_start, hit_end = hits[i]
            i += 1
            if hit_end < low:
                continue
            if (hit_start < end and hit_end > start) \
                    or (hit_end <= start and text.words_between(hit_end, start) <= _NEAR_WORDS) \
                    or (hit_start >= end and text.words_between(end, hit_start) <= _NEAR_WORDS):
                return True
    return False


# a list item's marker at the start of a line: "- ", "* ", "· " (a folded
# bullet), "1. ", "2) ", "a) "
_ITEM = re.compile(r" *(?:[-*·]|\d{1,2}[.)]|[a-z]\))(?= )")

_ADDRESS = ("you_word", "your", "request_cue", "for_the_job", "imperative")
_ADDRESS_REACH = 600     # the near part of a very long sentence, in characters


def addresses_reader(view: View, start: int) -> bool:
    """Does the sentence of the match at ``start`` speak to the reader
    ("you", "your", "please", "debe", "veuillez") or start with the match
    (an imperative: "Pay 300 USD", "Pague la cuota")? A money frame that
    does neither is a description: news, a company's accounts."""
    text = view.text
    sentence_start, sentence_end = view.scopes.sentence(start)
    sentence_start = max(sentence_start, start - _ADDRESS_REACH)
    sentence_end = min(sentence_end, start + _ADDRESS_REACH)
    # a chat line's speaker label ("Agent Shahid: Visa + medical 50,000") starts the utterance
    label = text.text.rfind(": ", sentence_start, start)
    utterance = sentence_start if label < 0 else label + 1
    line = text.text.rfind("\n", sentence_start, start) + 1
    if text.norm.chat:          # in a chat, each line of a message is said to the reader
        utterance = max(utterance, line)
    elif line > 0 and (_ITEM.match(text.text, line) or text.text[max(0, line - 9):line - 1].rstrip(" ").endswith(":")):
        # an item of a list or of a form ("Conditions:\n- Deposit ... 150 000 FCFA",
        # "1. Visa stamping 45 000"): each item stands on its own, as a chat line does
        utterance = max(utterance, line)
    if text.words_between(utterance, start) <= 1:
        return True
    return any(text.starts_in(concept, sentence_start, sentence_end) for concept in _ADDRESS)
