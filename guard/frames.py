"""Phrase frames: short patterns over concepts, matched over concept hits.

A frame is a line of elements and gaps (rules/README.md, "Frames")::

    pay_verb ..5 fee_noun          a pay verb, then a fee noun with at most 5 words between
    step fee_noun ..4 amount       a step, the fee noun right after it, an amount within 4 words
    designated_adj ~1 agent_noun   both, in either order, at most 1 word apart
    give_verb|request_cue ..12 bank_item   either concept first
    ^ilo_name ..3 colon            the ILO's name starting a line, a colon within 3 words ("ILO Dakar: ...")
    ^ilo_name ..3 $                the ILO's name starting a line that ends within 3 words (a letterhead)

An element is a concept name (or several joined by ``|``), optionally with
``^`` (the hit starts its line: nothing but punctuation before it) or a
trailing ``$`` (it ends its line). A bare ``$`` as the last element means
"the line ends within the gap". ``..N`` puts the next element after the
previous one with at most N words between; ``~N`` allows either order;
two elements side by side are adjacent (``..0``). All elements stand in one
scope unit: the sentence by default, or the block (a paragraph, a list and
the line that introduces it) for rules that say ``scope = "block"``.

Frames are compiled once by the loader, which checks every concept name
against the vocabularies. Matching walks the sorted hit lists with bisect:
time grows with the number of hits, never with backtracking.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .vocab import Text, Vocabulary

_GAP = re.compile(r"^(\.\.|~)(\d{1,2})$")
_ELEM = re.compile(r"^(\^?)([a-z][a-z0-9_]*(?:\|[a-z][a-z0-9_]*)*)(\$?)$")
MAX_GAP = 40
_CHARS_PER_WORD = 40


class FrameError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Element:
    concepts: tuple[str, ...]     # () for a bare "$" (end of line)
    bol: bool = False
    eol: bool = False


@dataclass(frozen=True, slots=True)
class Frame:
    source: str
    elements: tuple[Element, ...]
    gaps: tuple[tuple[str, int], ...]    # ("seq"|"any", N) between element i and i+1
    # for each element made only of concepts searched up front: its concepts.
    # One of each must have hits, which a dict lookup tells before any search.
    needs: tuple[tuple[str, ...], ...] = ()

    @property
    def concepts(self) -> set[str]:
        return {c for e in self.elements for c in e.concepts}


def parse_frame(source: str, vocab: Vocabulary | None = None) -> Frame:
    """Compile one frame; FrameError says what is wrong with it."""
    toks = source.split()
    if not toks:
        raise FrameError("empty frame")
    elements: list[Element] = []
    gaps: list[tuple[str, int]] = []
    pending: tuple[str, int] | None = None
    for tok in toks:
        g = _GAP.match(tok)
        if g:
            if not elements or pending is not None:
                raise FrameError(f"gap {tok!r} must stand between two elements")
            n = int(g.group(2))
            if n > MAX_GAP:
                raise FrameError(f"gap {tok!r} is wider than {MAX_GAP} words")
            pending = ("seq" if g.group(1) == ".." else "any", n)
            continue
        if tok == "$":
            el = Element((), eol=True)
        else:
            m = _ELEM.match(tok)
            if not m:
                raise FrameError(f"{tok!r} is neither a concept, '$', nor a gap like ..3 or ~3")
            el = Element(tuple(m.group(2).split("|")), bool(m.group(1)), bool(m.group(3)))
            if vocab is not None:
                for c in el.concepts:
                    if not vocab.has(c) and c not in vocab.derive:
                        raise FrameError(f"unknown concept {c!r}")
        if elements:
            gaps.append(pending or ("seq", 0))
        elif not el.concepts:
            raise FrameError("a frame cannot start with '$'")
        pending = None
        elements.append(el)
    if pending is not None:
        raise FrameError("a frame cannot end with a gap")
    for i, el in enumerate(elements):
        if not el.concepts and i != len(elements) - 1:
            raise FrameError("'$' can only be the last element")
        if not el.concepts and gaps[i - 1][0] != "seq":
            raise FrameError("'$' takes an ordered gap (..N)")
    needs: tuple[tuple[str, ...], ...] = ()
    if vocab is not None:
        needs = tuple(el.concepts for el in elements if el.concepts and all(
            c in vocab.index and c not in vocab.lazy and c not in vocab.derive for c in el.concepts))
    return Frame(source, tuple(elements), tuple(gaps), needs)


def may_match(frame: Frame, hits: dict) -> bool:
    """False when an element searched up front has no hit: the frame cannot
    match (the cheap test before any search or sort)."""
    for names in frame.needs:
        for c in names:
            if hits.get(c):
                break
        else:
            return False
    return True


# -- matching -------------------------------------------------------------------------

def _no_word(s: str) -> bool:
    return not any(c.isalnum() for c in s)


_EDGE = 64   # a line start or end further than this from a hit is not looked for


def _at_line_start(text: str, pos: int) -> bool:
    lo = max(0, pos - _EDGE)
    ls = text.rfind("\n", lo, pos) + 1
    if ls == 0 and lo > 0:
        return False
    return _no_word(text[ls:pos])


def _at_line_end(text: str, pos: int) -> bool:
    hi = min(len(text), pos + _EDGE)
    le = text.find("\n", pos, hi)
    if le < 0:
        if hi < len(text):
            return False
        le = hi
    return _no_word(text[pos:le])


def _hits(t: Text, el: Element) -> list[tuple[int, int]]:
    if len(el.concepts) == 1:
        hs = t.get(el.concepts[0])
    else:
        hs = sorted({h for c in el.concepts for h in t.get(c)})
    if el.bol or el.eol:
        text = t.text
        hs = [h for h in hs
              if (not el.bol or _at_line_start(text, h[0]))
              and (not el.eol or _at_line_end(text, h[1]))]
    return hs


_ORDER: dict[int, tuple[Element, ...]] = {}   # id(frame) -> its elements, eager concepts first


class Matcher:
    """Matches frames over one Text, within the given scope units."""

    __slots__ = ("t", "_bounds", "_cache")

    def __init__(self, t: Text, bounds):
        self.t = t
        # sorted offsets where a new scope unit starts, or a function that
        # finds them (called the first time a frame gets that far)
        self._bounds = bounds
        self._cache: dict[int, list[tuple[int, int]]] = {}

    @property
    def bounds(self) -> list[int]:
        if callable(self._bounds):
            self._bounds = self._bounds()
        return self._bounds

    def hits(self, el: Element) -> list[tuple[int, int]]:
        key = id(el)              # elements live as long as their rule set; id() spares a deep hash
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = _hits(self.t, el)
        return got

    def unit(self, pos: int) -> int:
        return bisect_right(self.bounds, pos)

    def can_match(self, frame: Frame) -> bool:
        """Every element has hits. Elements of concepts searched up front are
        asked first, so a frame that cannot match never starts the search
        for the lazy concepts (guard/vocab.py)."""
        if not may_match(frame, self.t.hits):
            return False
        els = _ORDER.get(id(frame))
        if els is None:
            lazy = self.t.vocab.lazy if self.t.vocab is not None else frozenset()
            els = _ORDER[id(frame)] = tuple(sorted(
                (el for el in frame.elements if el.concepts),
                key=lambda el: any(c in lazy for c in el.concepts)))
        hits = self.hits
        for el in els:
            if not hits(el):
                return False
        return True

    def find(self, frame: Frame, limit: int = 8) -> list[tuple[int, int]]:
        """Non-overlapping (start, end) spans of ``frame``, leftmost first."""
        if not self.can_match(frame):
            return []
        out: list[tuple[int, int]] = []
        last = -1
        for h in self.hits(frame.elements[0]):
            if h[0] < last:
                continue
            span = self._extend(frame, 1, h[0], h[1], h, self.unit(h[0]))
            if span is not None:
                out.append(span)
                last = span[1]
                if len(out) >= limit:
                    break
        return out

    def _extend(self, frame, i, a, b, prev, unit):
        if i == len(frame.elements):
            return a, b
        kind, n = frame.gaps[i - 1]
        el = frame.elements[i]
        t = self.t
        if not el.concepts:                      # "$": the line ends within n words
            reach = (n + 1) * _CHARS_PER_WORD + 4
            le = t.text.find("\n", prev[1], prev[1] + reach)
            if le < 0:
                le = len(t.text) if len(t.text) - prev[1] <= reach else -1
            if le >= 0 and t.words_between(prev[1], le) <= n:
                return a, b
            return None
        hs = self.hits(el)
        reach = (n + 1) * _CHARS_PER_WORD + 4
        # after the previous element
        j = bisect_left(hs, (prev[1], -1))
        while j < len(hs) and hs[j][0] <= prev[1] + reach:
            c = hs[j]
            j += 1
            if self.unit(c[0]) != unit or t.words_between(prev[1], c[0]) > n:
                continue
            got = self._extend(frame, i + 1, a, max(b, c[1]), c, unit)
            if got is not None:
                return got
        if kind == "any":                        # or before the span so far
            j = bisect_left(hs, (a, -1)) - 1
            while j >= 0 and hs[j][1] >= a - reach:
                c = hs[j]
                j -= 1
                if c[1] > a or self.unit(c[0]) != unit or t.words_between(c[1], a) > n:
                    continue
                got = self._extend(frame, i + 1, min(a, c[0]), b, c, unit)
                if got is not None:
                    return got
        return None


def derive(t: Text, frames: list[Frame]) -> list[tuple[int, int]]:
    """The hits of one derived concept (vocab ``[derive]``): the spans of its
    frames, matched with no scope bounds (they are a few words long)."""
    hits = t.hits
    got: set[tuple[int, int]] = set()
    m = None
    for f in frames:
        if not may_match(f, hits):
            continue
        if m is None:
            m = Matcher(t, [])
        got.update(m.find(f, limit=10_000))
    return sorted(got)
