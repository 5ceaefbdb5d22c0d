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

# a numbered item's "1." or "b." at the start of a line is no sentence end
_SENT_END = re.compile(r"(?:(?<!\n\d)(?<!\n\d\d)(?<!\n[a-z])\.|[!?;])(?=[ \n]|$)"
                       r"|(?<!:)\n\n|\n(?=\[?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})")
_BLOCK_END = re.compile(r"(?<!:)\n\n|\n(?=\[?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})")
_QUOTES = re.compile(r"\"|(?:(?<=[ \n(])|^)'(?=[^\W_])|(?<=[^\W_.,!?])'(?=[ \n.,;:!?)]|$)")


def sentence_bounds(text: str) -> list[int]:
    """Offsets where a new sentence starts (after each end)."""
    return [m.end() for m in _SENT_END.finditer(text)]


def block_bounds(text: str) -> list[int]:
    return [m.end() for m in _BLOCK_END.finditer(text)]


@dataclass(slots=True)
class Scopes:
    t: Text
    _sentences: list[int] | None = None
    _blocks: list[int] | None = None
    _judged: tuple[bool, bool] | None = None
    # the text's title (a message's subject) talks about scams: it counts as
    # one sentence of the text for ``warns`` and ``warning_doc``
    title_warns: bool = False

    @classmethod
    def of(cls, t: Text) -> "Scopes":
        return cls(t)

    @property
    def sentences(self) -> list[int]:
        """Where each sentence starts (found the first time a match needs them)."""
        if self._sentences is None:
            self._sentences = sentence_bounds(self.t.text)
        return self._sentences

    @property
    def blocks(self) -> list[int]:
        if self._blocks is None:
            self._blocks = block_bounds(self.t.text)
        return self._blocks

    def _judge(self) -> tuple[bool, bool]:
        if self._judged is None:
            hs = self.t.get("scam_word")
            n = len({self.sentence(h[0])[0] for h in hs}) + self.title_warns
            self._judged = (n >= 1, n >= 2)
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
        end = self.blocks[i] if i < len(self.blocks) else len(self.t.text)
        return start, end

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.sentences, pos)
        start = self.sentences[i - 1] if i else 0
        end = self.sentences[i] if i < len(self.sentences) else len(self.t.text)
        return start, end

    def previous_sentence(self, start: int) -> tuple[int, int] | None:
        """The sentence before the one starting at ``start``, if it is in the
        same paragraph."""
        if start == 0:
            return None
        ps, pe = self.sentence(start - 1)
        if "\n\n" in self.t.text[pe - 2 if pe >= 2 else 0:start + 1]:
            return None
        return ps, pe


def _last_before(hs, a: int, lo: int):
    """Hits of ``hs`` that end by ``a`` and start at or after ``lo``, nearest first."""
    i = bisect_left(hs, (a, -1))
    for j in range(i - 1, -1, -1):
        h = hs[j]
        if h[0] < lo:
            break
        if h[1] <= a:
            yield h


def negated(sc: Scopes, a: int, b: int, window: int, window_after: int) -> bool:
    t = sc.t
    s0, s1 = sc.sentence(a)
    # a cue stands within `window` words: no need to look further back than this
    for c in _last_before(t.get("neg_pre"), b, max(s0, a - 40 * (window + 1))):
        if c[0] >= a:                       # inside the match: "we charge no fee"
            return True
        if t.words_between(c[1], a) <= window and not t.starts_in("neg_stop", c[1], a):
            return True
    hs = t.get("neg_post")
    if hs:
        i = bisect_left(hs, (b, -1))
        while i < len(hs) and hs[i][0] < s1:
            c = hs[i]
            i += 1
            if t.words_between(b, c[0]) > window_after:
                break
            if not t.starts_in("neg_stop", b, c[0]):
                return True
    return False


_QUOTE_REACH = 1500   # a quotation opened further back than this is not followed


def opening_quote(t: Text, a: int, lo: int) -> int:
    """Where the quotation that offset ``a`` stands in was opened (after
    ``lo``), or -1 when ``a`` is outside quotation marks."""
    marks = [m.start() for m in _QUOTES.finditer(t.text, lo, a)]
    return marks[-1] if len(marks) % 2 == 1 else -1


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _speaks_to_reader(t: Text, s0: int, s1: int, p0: int) -> bool:
    """A "you" or an imperative in [s0, s1) outside quotation marks."""
    for c in ("you_word", "imperative"):
        hs = t.get(c)
        i = bisect_left(hs, (s0, -1))
        while i < len(hs) and hs[i][0] < s1:
            if opening_quote(t, hs[i][0], p0) < 0:
                return True
            i += 1
    return False


def reported(sc: Scopes, a: int, b: int) -> bool:
    """Is the match at [a, b) someone else's words (a warning, a report, a
    quotation, a hypothetical) rather than the sender's request?"""
    t = sc.t
    s0, s1 = sc.sentence(a)
    s0 = max(s0, a - _QUOTE_REACH)       # a giant "sentence" (no punctuation): judge its near part
    s1 = min(s1, b + _QUOTE_REACH)
    direct = t.starts_in("request_cue", s0, s1)
    if t.starts_in("scam_word", s0, s1):
        # "Beware: fraudsters ask for a fee" is a warning; "To avoid fraud,
        # kindly pay the fee to our account" is still a request
        if not (direct and t.starts_in("our", s0, s1) and not t.starts_in("report_verb", s0, s1)):
            return True
    prev = sc.previous_sentence(s0)
    if prev and not direct and t.starts_in("scam_word", prev[0], prev[1]):
        return True
    if t.starts_in("report_verb", s0, a):
        return True
    p0 = max(sc.block(a)[0], a - _QUOTE_REACH)
    q = opening_quote(t, a, p0)
    if q < 0 and b - 1 > a:            # the quotation opens inside the match: 'exige de "régler les frais'
        q = opening_quote(t, b - 1, p0)
    if q >= 0 and (sc.warns or any(t.words_between(h[1], q) <= 3
                                   for h in _last_before(t.get("quote_intro"), q + 1, p0))
                   or any(True for _ in _last_before(t.get("report_verb"), q + 1, p0))):
        return True
    if sc.warns and t.text[_line_start(t.text, a):a].lstrip().startswith(">"):
        return True   # a quoted reply line, under a text that warns ("the message below is a scam")
    if sc.warning_doc and not _speaks_to_reader(t, s0, s1, p0):
        # a text that warns about scams in two sentences or more: what it
        # says of fees without addressing the reader is description
        return True
    return False
