"""The normalised view of a text, with a map back to the original characters.

Rules match on a view in which the usual disguises are undone:

* letters are lower-cased, accents dropped ("Inscripción" -> "inscripcion"),
  compatibility forms folded (full-width "ＦＥＥ" -> "fee", ligatures);
* Cyrillic and Greek letters that look like Latin ones become Latin
  ("fеe" with a Cyrillic "е" -> "fee");
* invisible characters (zero-width spaces and joiners, soft hyphens, other
  format characters) are removed;
* ``*``, ``_`` and ``|`` between two letters are removed ("f*e*e" -> "fee");
* a run of three or more single letters split by one space or one of
  ``. - _ * · /`` is joined ("f e e", "I.B.A.N" -> "fee", "iban");
* every white-space character becomes a space, or a line break for the
  line-breaking ones (CR is a space, so CRLF folds like LF). Runs are kept
  as they are, so white space costs no rewriting: a space in a rule pattern
  matches any run of spaces and line breaks (guard/rules.py), and a blank
  line ends a sentence (guard/engine.py).

``NormView.span(start, end)`` maps a span of the normalised text back to the
span of the original text that produced it, so evidence can be highlighted
where the user sees it. Most mail is plain ASCII with no disguise: then the
view is built with ``str.translate`` and two regex passes, in C.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

# Latin look-alikes among Cyrillic and Greek lower-case letters (after
# casefold). Sources: Unicode confusables.txt (facts, picked by hand).
_CONFUSABLE = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "и": "u", "і": "i",
    "ї": "i", "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d",
    "һ": "h", "ԛ": "q", "ԝ": "w", "ь": "b", "ӏ": "l", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "c", "σ": "o",
    "η": "n", "μ": "u",
    # Latin extras that look like plain letters
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l",
    # Dashes, quotes and spaces folded to their ASCII forms
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2022": "·", "\u2027": "·", "\u30fb": "·",
}

_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

_cache: dict[str, str] = {}


def fold_char(c: str) -> str:
    """The normalised form of one character ('' when it is to be dropped)."""
    got = _cache.get(c)
    if got is not None:
        return got
    if c in _SPACES:
        # CR is a space: CRLF then folds like LF, a blank line like a blank line
        out = "\n" if c in "\n\x0b\x0c\x85\u2028\u2029" else " "
    elif c == "\u00ad" or unicodedata.category(c) in ("Cf", "Cc", "Cs", "Co", "Cn"):
        out = ""
    else:
        s = unicodedata.normalize("NFKC", c).casefold()
        s = "".join(
            ch for ch in unicodedata.normalize("NFKD", s)
            if not unicodedata.combining(ch)
        )
        s = "".join(_CONFUSABLE.get(ch, ch) for ch in s)
        # A lone combining mark or a character that folds to spaces only.
        if s.strip() == "" and s != "":
            s = " "
        out = s
    if len(_cache) < 200_000:
        _cache[c] = out
    return out


def fold(text: str) -> str:
    """Normalise a short string (a pattern literal, a domain) without offsets."""
    return NormView.of(text).text



# single letters split by one separator, at least three letters long
_SPACED = re.compile(r"(?<![^\W\d_])[^\W\d_](?:[ .\-_*·/][^\W\d_](?![^\W\d_]|['\u2019])){2,}")
# A necessary condition for _SPACED (two of its separator-letter steps) that
# starts with a character class: re then skips ahead in C to each separator
# instead of trying the look-behind at every offset (3x faster on real mail).
_SPACED_HINT = re.compile(r"[ .\-_*·/][^\W\d_][ .\-_*·/][^\W\d_](?![^\W\d_]|['\u2019])")
# Every match of _SPACED starts one character before a separator that
# _SPACED_AT finds (its first step): _spaced_matches tries _SPACED only
# there, a search that skips ahead in C to each separator, where _SPACED's
# leading look-behind is tried at every offset of the text.
_SPACED_AT = re.compile(r"[ .\-_*·/](?=[^\W\d_][ .\-_*·/][^\W\d_](?![^\W\d_]|['\u2019]))")


def _spaced_matches(text: str):
    """The matches of _SPACED.finditer(text), found from _SPACED_AT's."""
    pos = 0
    match = _SPACED.match
    for h in _SPACED_AT.finditer(text):
        s = h.start() - 1
        if s < pos:
            continue
        m = match(text, s)
        if m is not None:
            yield m
            pos = m.end()


# "*", "_" or "|" between two letters; written to start with the character
# class (then the look-behind) so that re skips ahead to each candidate
_INWORD = re.compile(r"[*_|](?<=[^\W\d_][*_|])[*_|]*(?=[^\W\d_])")

_table: dict[int, str] = {i: (fold_char(chr(i)) or " ")[:1] for i in range(128)}


class _Stage:
    """A piecewise-linear map from one text's offsets to its input's."""

    __slots__ = ("ns", "os")

    def __init__(self, ns: list[int], os_: list[int]) -> None:
        self.ns = ns
        self.os = os_

    def __call__(self, j: int) -> int:
        k = bisect.bisect_right(self.ns, j) - 1
        return self.os[k] + (j - self.ns[k])


@dataclass(slots=True)
class NormView:
    """A normalised text and the map from its offsets to the original's."""

    original: str
    text: str
    _stages: list[_Stage]
    chat: bool = False        # a chat export (message lines with a time and a speaker)

    @classmethod
    def of(cls, original: str, turns: bool = False) -> "NormView":
        """``turns``: the text may be a chat export; consecutive messages of
        one speaker are joined into one (see ``_join_turns``)."""
        stages: list[_Stage] = []
        text = _fold(original, stages)
        # half the texts hold none of "*", "_", "|": three memchr scans
        # spare them _INWORD's search (30 times as long)
        if ("*" in text or "_" in text or "|" in text) and _INWORD.search(text) is not None:
            text = _rewrite(text, _INWORD.finditer(text), _drop, stages)
        if _SPACED_HINT.search(text) is not None:
            text = _rewrite(text, _spaced_matches(text), _join_letters, stages)
        chat = False
        if turns and "\n" in text and _TURN_HINT.search(text) is not None and _TURN.search(text) is not None:
            chat = True
            text = _join_turns(text, stages)
        return cls(original, text, stages, chat)

    def orig(self, j: int) -> int:
        """Original offset of normalised offset ``j`` (0 <= j <= len(text))."""
        for stage in reversed(self._stages):
            j = stage(j)
        return j

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original span of the normalised span [start, end)."""
        a = self.orig(start)
        if end <= start:
            return a, a
        last = self.orig(end - 1)
        b = self.orig(end) if end < len(self.text) else len(self.original)
        if b <= last:
            b = last + 1
        # leave out characters dropped after the last one kept
        while b > last + 1 and self.original[b - 1] in _DROPPABLE_TAIL:
            b -= 1
        return a, min(b, len(self.original))


_DROPPABLE_TAIL = frozenset(_SPACES) | {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold(original: str, stages: list[_Stage]) -> str:
    """Fold every character; record a stage only where lengths change."""
    if original.isascii():
        return original.translate(_table)
    odd: list[str] = []
    # every ASCII character is in the table already; a set of the others
    # only (found in C) is cheaper than a set of the whole text
    for c in set(_BEYOND_ASCII.findall(original)):
        o = ord(c)
        if o not in _table:
            f = fold_char(c)
            _table[o] = f
        if len(_table[o]) != 1:
            odd.append(c)
    text = original.translate(_table)
    if not odd:
        return text
    # characters that fold to 0 or 2+ characters shift the offsets after them
    ns, os_ = [0], [0]
    n = 0
    pos = 0
    for m in re.finditer("[" + "".join(re.escape(c) for c in odd) + "]", original):
        i = m.start()
        n += i - pos
        f = _table[ord(original[i])]
        for _ in f:               # each output character maps to the input one
            ns.append(n)
            os_.append(i)
            n += 1
        pos = i + 1
        ns.append(n)
        os_.append(pos)
    return _checked(text, n + len(original) - pos, _Stage(ns, os_), stages)


def _checked(text: str, expected_len: int, stage: _Stage, stages: list[_Stage]) -> str:
    assert len(text) == expected_len, "offset map out of step"
    stages.append(stage)
    return text


def _drop(m: re.Match[str]) -> str | list[int]:
    return []


def _join_letters(m: re.Match[str]) -> str | list[int]:
    s = m.group()
    return [i for i, ch in enumerate(s) if ch not in " .-_*·/"]


# The head of a message line in a chat export (WhatsApp, Telegram, Signal
# copies), normalised: "[09/11/2026 14:03] name: ", "[09/11/26, 2:03 p. m.]
# +51 987...: ", "09/11/2026, 14:03 - name: ", "[14:03, 09/11/2026] name: ".
_TURN = re.compile(
    r"^(?:\[?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:,| a| as| um| a las)? ?\d{1,2}[:h.]\d{2}(?::\d{2})?"
    r"(?: ?[ap]\.? ?m\.?)?\]?(?: -)?|\[\d{1,2}:\d{2}(?: ?[ap]\.? ?m\.?)?, \d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\])"
    r" ([^:\n]{1,60}?): ", re.MULTILINE)

# Every head has a time ("14:03", "2h03"): a search that starts with a
# digit class skips ahead in C, where _TURN's "^" tries every line
_TURN_HINT = re.compile(r"\d[:h.]\d\d")


def _join_turns(text: str, stages: list[_Stage]) -> str:
    """One speaker's consecutive chat messages become one: the head of each
    follow-up message ("[09/11/2026 14:11] Juliana: ") is dropped, its line
    break kept. A request split over several messages ("the only thing left
    is the registration fee" / "R$ 900,00" / "via PIX") then reads as the one
    sentence it is (a lone line break ends no sentence); another speaker's
    message still starts a new one."""
    spans: list[tuple[int, int]] = []
    prev = None
    for m in _TURN.finditer(text):
        who = m.group(1).strip()
        if who == prev and m.start() > 0:
            spans.append((m.start(), m.end()))
        prev = who
    if not spans:
        return text
    return replace_spans(text, [(a, b, "") for a, b in spans], stages)


def replace_spans(text: str, items: list[tuple[int, int, str]], stages: list[_Stage]) -> str:
    """``text`` with each sorted, disjoint span [a, b) replaced by its string;
    the offset map is recorded as a stage (a replaced span maps as a whole
    onto its replacement)."""
    parts: list[str] = []
    ns, os_ = [0], [0]
    n = pos = 0
    for a, b, rep in items:
        parts.append(text[pos:a])
        n += a - pos
        if rep:
            ns.append(n)
            os_.append(a)
            parts.append(rep)
            n += len(rep)
        ns.append(n)
        os_.append(b)
        pos = b
    parts.append(text[pos:])
    return _checked("".join(parts), n + len(text) - pos, _Stage(ns, os_), stages)


def _rewrite(text: str, matches, repl, stages: list[_Stage]) -> str:
    """Replace each of ``matches`` (in order, disjoint); record the offset
    map as a stage.

    ``repl(m)`` gives either a one-character string that stands for the whole
    match, or the indexes of the match's characters to keep.
    """
    parts: list[str] = []
    ns, os_ = [0], [0]
    n = 0
    pos = 0
    for m in matches:
        a, b = m.span()
        n += a - pos
        parts.append(text[pos:a])
        r = repl(m)
        if isinstance(r, str):
            ns.append(n)
            os_.append(a)
            parts.append(r)
            n += len(r)
        else:
            for i in r:
                ns.append(n)
                os_.append(a + i)
                parts.append(text[a + i])
                n += 1
        ns.append(n)
        os_.append(b)
        pos = b
    parts.append(text[pos:])
    out = "".join(parts)
    return _checked(out, n + len(text) - pos, _Stage(ns, os_), stages)
