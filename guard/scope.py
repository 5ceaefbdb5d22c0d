"""Where a match stands: sentences and blocks, negation scope, who speaks.

Three questions are asked of every match of a negatable rule, in this order:

1. **Scope units.** Sentences end at ``. ! ? ;`` followed by white space, at a
   blank line, and where a chat export starts a new message line. A line that
   ends with ``:`` ("please provide the following:") is continued by the list
   or form under it, even across a blank line, so the request and its items
   are one unit. Blocks are paragraphs, with the same continuation.
2. **Negation (NegEx, Chapman et al. 2001), as data.** A ``neg_pre`` cue
   negates a match that starts within ``window`` words after it, in the same
   sentence, unless a ``neg_stop`` terminator ("but", "pero", "mais", "mas")
   stands between; a cue inside the match negates it too ("we charge no
   fee"). A ``neg_post`` phrase within ``window_after`` words after the match
   negates it ("the fee is waived"). Pseudo-negations ("don't forget",
   "no olvide", "n'oubliez pas", "não deixe de", "if you do not pay") are
   masked out of ``neg_pre`` by the vocabulary (shared.toml ``[mask]``), so
   they never negate.
3. **Who is speaking.** A match is someone else's words, not a request of
   the sender, when its sentence (or the sentence before it, in the same
   paragraph, unless the match's own sentence addresses the reader with a
   request cue) talks about scams (``scam_word``); when a reporting or
   hypothetical phrase (``report_verb``: "victims were told to", "if anyone
   asks you to") stands before it in its sentence; or when it is inside
   quotation marks in a text that warns about scams or after a word that
   introduces a quotation ("SMS messages reading: ..."). In a text that
   talks about scams in two sentences or more (a warning, a news report), a
   match whose sentence does not speak to the reader ("you", an imperative)
   is description, not a request.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .vocab import Text

# a numbered item's "1." or "b." at the start of a line is no sentence end;
# each branch starts with its character and looks behind after it, so that
# re skips ahead in C to the next ".!?;" or line break (a look-behind first
# is tried at every offset: 2.5x slower on long mail)
_SENT_END = re.compile(r"(?:\.(?<!\n\d\.)(?<!\n\d\d\.)(?<!\n[a-z]\.)|[!?;])(?=[ \n]|$)"
                       r"|\n(?<!:\n)\n|\n(?=\[?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})")
_BLOCK_END = re.compile(r"\n(?<!:\n)\n|\n(?=\[?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})")
_QUOTES = re.compile(r"\"|(?:(?<=[ \n(])|^)'(?=[^\W_])|(?<=[^\W_.,!?])'(?=[ \n.,;:!?)]|$)")


def sentence_bounds(text: str) -> list[int]:
    """Offsets where a new sentence starts (after each end)."""
    return [m.end() for m in _SENT_END.finditer(text)]


def block_bounds(text: str) -> list[int]:
    return [m.end() for m in _BLOCK_END.finditer(text)]


@dataclass(slots=True)
class Scopes:
    text: Text
    _sentences: list[int] | None = None
    _blocks: list[int] | None = None
    _judged: tuple[bool, bool] | None = None
    # the text's title (a message's subject) talks about scams: it counts as
    # one sentence of the text for ``warns`` and ``warning_doc``
    title_warns: bool = False

    @classmethod
    def of(cls, text: Text) -> "Scopes":
        return cls(text)

    @property
    def sentences(self) -> list[int]:
        """Where each sentence starts (found the first time a match needs them)."""
        if self._sentences is None:
            self._sentences = sentence_bounds(self.text.text)
        return self._sentences

    @property
    def blocks(self) -> list[int]:
        if self._blocks is None:
            self._blocks = block_bounds(self.text.text)
        return self._blocks

    def _judge(self) -> tuple[bool, bool]:
        if self._judged is None:
            hits = self.text.get("scam_word")
            sentences = len({self.sentence(hit[0])[0] for hit in hits}) + self.title_warns
            self._judged = (sentences >= 1, sentences >= 2)
        return self._judged

    @property
    def warns(self) -> bool:
        """The text talks about scams."""
        return self._judge()[0]

    @property
    def warning_doc(self) -> bool:
        """... in two sentences or more: a warning, a report, news."""
        return self._judge()[1]

    def block(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.blocks, pos)
        start = self.blocks[i - 1] if i else 0
        end = self.blocks[i] if i < len(self.blocks) else len(self.text.text)
        return start, end

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.sentences, pos)
        start = self.sentences[i - 1] if i else 0
        end = self.sentences[i] if i < len(self.sentences) else len(self.text.text)
        return start, end

    def previous_sentence(self, start: int) -> tuple[int, int] | None:
        """The sentence before the one starting at ``start``, if it is in the
        same paragraph."""
        if start == 0:
            return None
        previous_start, previous_end = self.sentence(start - 1)
        if "\n\n" in self.text.text[previous_end - 2 if previous_end >= 2 else 0:start + 1]:
            return None
        return previous_start, previous_end


def _last_before(hits, pos: int, low: int):
    """Hits of ``hits`` that end by ``pos`` and start at or after ``low``, nearest first."""
    i = bisect_left(hits, (pos, -1))
    for j in range(i - 1, -1, -1):
        hit = hits[j]
        if hit[0] < low:
            break
        if hit[1] <= pos:
            yield hit


_LAST_WORD = re.compile(r"(\w+|,)[^\w,]*\Z")       # the word or comma before a match


def negated(scopes: Scopes, start: int, end: int, window: int, window_after: int,
            list_window: int = 0, list_words=()) -> bool:
    """Is the match [start, end) negated: a ``neg_pre`` cue inside it or at
    most ``window`` words before it in its sentence (``window +
    list_window`` when a comma or one of ``list_words`` stands right
    before the match, the match an item of a list), or a ``neg_post`` cue at
    most ``window_after`` words after it, with no ``neg_stop`` between?"""
    text = scopes.text
    sentence_start, sentence_end = scopes.sentence(start)
    reach_words = window
    if list_window and list_words:
        last = _LAST_WORD.search(text.flat, max(sentence_start, start - 12), start)
        if last is not None and (last.group(1) == "," or last.group(1).lower() in list_words):
            reach_words = window + list_window
    # a cue stands within `reach_words` words: no need to look further back than this
    reach = max(sentence_start, start - 40 * (reach_words + 1))
    for cue in _last_before(text.get("neg_pre"), end, reach):
        if cue[0] >= start:                 # inside the match: "we charge no fee"
            return True
        if text.words_between(cue[1], start) <= reach_words and not text.starts_in("neg_stop", cue[1], start):
            return True
    cues_after = text.get("neg_post")
    if cues_after:
        i = bisect_left(cues_after, (end, -1))
        while i < len(cues_after) and cues_after[i][0] < sentence_end:
            cue = cues_after[i]
            i += 1
            if text.words_between(end, cue[0]) > window_after:
                break
            if not text.starts_in("neg_stop", end, cue[0]):
                return True
    return False


_QUOTE_REACH = 1500   # a quotation opened further back than this is not followed


def opening_quote(text: Text, pos: int, low: int) -> int:
    """Where the quotation that offset ``pos`` stands in was opened (after
    ``low``), or -1 when ``pos`` is outside quotation marks."""
    marks = [m.start() for m in _QUOTES.finditer(text.text, low, pos)]
    return marks[-1] if len(marks) % 2 == 1 else -1


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _speaks_to_reader(text: Text, start: int, end: int, quote_low: int) -> bool:
    """A "you" or an imperative in [start, end) outside quotation marks
    (opened after ``quote_low``)."""
    for concept in ("you_word", "imperative"):
        hits = text.get(concept)
        i = bisect_left(hits, (start, -1))
        while i < len(hits) and hits[i][0] < end:
            if opening_quote(text, hits[i][0], quote_low) < 0:
                return True
            i += 1
    return False


def reported(scopes: Scopes, start: int, end: int) -> bool:
    """Is the match at [start, end) someone else's words (a warning, a
    report, a quotation, a hypothetical) rather than the sender's request?"""
    text = scopes.text
    sentence_start, sentence_end = scopes.sentence(start)
    # a giant "sentence" (no punctuation): judge its near part
    sentence_start = max(sentence_start, start - _QUOTE_REACH)
    sentence_end = min(sentence_end, end + _QUOTE_REACH)
    direct = text.starts_in("request_cue", sentence_start, sentence_end)
    if text.starts_in("scam_word", sentence_start, sentence_end):
        # "Beware: fraudsters ask for a fee" is a warning; "To avoid fraud,
        # kindly pay the fee to our account" is still a request
        if not (direct and text.starts_in("our", sentence_start, sentence_end)
                and not text.starts_in("report_verb", sentence_start, sentence_end)):
            return True
    previous = scopes.previous_sentence(sentence_start)
    if previous and not direct and text.starts_in("scam_word", previous[0], previous[1]):
        return True
    if text.starts_in("report_verb", sentence_start, start):
        return True
    quote_low = max(scopes.block(start)[0], start - _QUOTE_REACH)
    quote = opening_quote(text, start, quote_low)
    if quote < 0 and end - 1 > start:   # the quotation opens inside the match: 'exige de "régler les frais'
        quote = opening_quote(text, end - 1, quote_low)
    if quote >= 0 and (scopes.warns
                       or any(text.words_between(intro[1], quote) <= 3
                              for intro in _last_before(text.get("quote_intro"), quote + 1, quote_low))
                       or any(True for _ in _last_before(text.get("report_verb"), quote + 1, quote_low))):
        return True
    if scopes.warns and text.text[_line_start(text.text, start):start].lstrip().startswith(">"):
        return True   # a quoted reply line, under a text that warns ("the message below is a scam")
    if scopes.warning_doc and not _speaks_to_reader(text, sentence_start, sentence_end, quote_low):
        # a text that warns about scams in two sentences or more: what it
        # says of fees without addressing the reader is description
        return True
    return False
