"""A lint for the few regular expressions left in the rule packs.

Almost everything in rules/ is words and frames, matched without
backtracking (guard/vocab.py, guard/frames.py). The handful of shapes a word
list cannot write (an amount, a blank on a form: rules/vocab/shared.toml
``[regex]``) run in Python's backtracking ``re``, so ``unsafe_reason()``
refuses the constructs that can backtrack catastrophically: a repeat inside
a repeat unless a separator forces every split, back-references, repeats in
look-arounds. The tests also time each of them on adversarial strings.
"""

from __future__ import annotations

import re
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

_SAMPLE = [chr(i) for i in range(0x09, 0x250)] + ["\u2019", "\u20ac", "\u0430"]
_SINGLE = (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY)


def _chars(op, av) -> frozenset[str]:
    """The sample characters a single-character item matches."""
    if op is sre_c.LITERAL:
        return frozenset({chr(av)})
    if op is sre_c.NOT_LITERAL:
        return frozenset(c for c in _SAMPLE if c != chr(av))
    if op is sre_c.ANY:
        return frozenset(c for c in _SAMPLE if c != "\n")
    neg = False
    got: set[str] = set()
    for o, a in av:
        if o is sre_c.NEGATE:
            neg = True
        elif o is sre_c.LITERAL:
            got.add(chr(a))
        elif o is sre_c.RANGE:
            got.update(c for c in _SAMPLE if a[0] <= ord(c) <= a[1])
        elif o is sre_c.CATEGORY:
            got.update(c for c in _SAMPLE if _in_category(a, c))
        else:
            got.update(_SAMPLE)  # unknown: assume the worst
    return frozenset(c for c in _SAMPLE if c not in got) if neg else frozenset(got)


def _in_category(cat, c: str) -> bool:
    name = str(cat)
    word = c.isalnum() or c == "_"
    table = {
        "CATEGORY_DIGIT": c.isdecimal(), "CATEGORY_NOT_DIGIT": not c.isdecimal(),
        "CATEGORY_SPACE": c.isspace(), "CATEGORY_NOT_SPACE": not c.isspace(),
        "CATEGORY_WORD": word, "CATEGORY_NOT_WORD": not word,
    }
    return table.get(name, True)


def unsafe_reason(pattern: str) -> str | None:
    """Why a pattern could backtrack catastrophically, or None if it is safe.

    Allowed: repeats of one character or character class; repeats of a group
    with no repeat inside; and one proximity shape, a repeated group that
    starts with a separator character no inner repeat can match, such as
    ``(?: [^ ]+){0,6}``, where every split of the text is forced. Refused:
    any other repeat inside a repeat, a repeat of something that can match
    nothing, back-references, repeats inside look-arounds.
    """
    try:
        tree = sre_parse.parse(pattern)
    except re.error as e:
        return f"does not compile: {e}"
    return _unsafe(list(tree))


def _inner_repeats(items) -> list:
    out = []
    for op, av in items:
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            out.append(av)
            out.extend(_inner_repeats(list(av[2])))
        elif op is sre_c.SUBPATTERN:
            out.extend(_inner_repeats(list(av[-1])))
        elif op is sre_c.BRANCH:
            for b in av[1]:
                out.extend(_inner_repeats(list(b)))
    return out


def _first_single(items):
    """The first item if it matches one character, or is a repeat of one
    character class (a separator such as ``[ \\n]+``); else None."""
    for op, av in items:
        if op is sre_c.AT:
            continue
        if op is sre_c.SUBPATTERN:
            return _first_single(list(av[-1]))
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and av[0] >= 1:
            sub = list(av[2])
            if len(sub) == 1 and sub[0][0] in _SINGLE:
                return sub[0]
            return None
        return (op, av) if op in _SINGLE else None
    return None


def _unsafe(items) -> str | None:
    for op, av in items:
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            lo, hi, sub = av
            sub = list(sub)
            if hi > 1 and _can_be_empty(sub):
                return "a repeat of something that can match nothing"
            if hi > 1 and _ambiguous_branch(sub):
                return "a repeat of alternatives that can start the same way"
            inner = _inner_repeats(sub)
            if hi > 1 and inner:
                first = _first_single(sub)
                if first is None:
                    return "a repeat inside a repeat (no separator first)"
                sep = _chars(*first)
                if _starts_with_repeat(sub):
                    # a separator run S+: the rest of each iteration must be
                    # non-empty and unable to match any character of S, so
                    # every maximal S run starts exactly one iteration
                    rest = _after_first(sub)
                    if _can_be_empty(rest) or sep & _all_chars(rest):
                        return "a repeat inside a repeat whose separator run is not forced"
                    inner = _inner_repeats(rest)
                for _lo, ihi, isub in inner:
                    isub = list(isub)
                    if len(isub) != 1 or isub[0][0] not in _SINGLE:
                        return "a repeated group inside a repeat"
                    if ihi > 1 and sep & _chars(*isub[0]):
                        return "a repeat inside a repeat that can match its separator"
            r = _unsafe(sub)
            if r:
                return r
        elif op is sre_c.SUBPATTERN:
            r = _unsafe(list(av[-1]))
            if r:
                return r
        elif op is sre_c.BRANCH:
            for b in av[1]:
                r = _unsafe(list(b))
                if r:
                    return r
        elif op in (sre_c.GROUPREF, sre_c.GROUPREF_EXISTS):
            return "a back-reference"
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            if _inner_repeats(list(av[1])):
                return "a repeat inside a look-around"
    return None


def _starts_with_repeat(items) -> bool:
    for op, av in items:
        if op is sre_c.AT:
            continue
        if op is sre_c.SUBPATTERN:
            return _starts_with_repeat(list(av[-1]))
        return op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT)
    return False


def _after_first(items) -> list:
    """The items of a sequence after its first consuming item."""
    for k, (op, av) in enumerate(items):
        if op is sre_c.AT:
            continue
        if op is sre_c.SUBPATTERN:
            return _after_first(list(av[-1])) + list(items[k + 1:])
        return list(items[k + 1:])
    return []


def _all_chars(items) -> frozenset[str]:
    """Every sample character any item of ``items`` can match."""
    got: set[str] = set()
    for op, av in items:
        if op in _SINGLE:
            got |= _chars(op, av)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            got |= _all_chars(list(av[2]))
        elif op is sre_c.SUBPATTERN:
            got |= _all_chars(list(av[-1]))
        elif op is sre_c.BRANCH:
            for b in av[1]:
                got |= _all_chars(list(b))
        elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        else:
            got |= set(_SAMPLE)
    return frozenset(got)


def _first_chars(items) -> frozenset[str]:
    first = _first_single(items)
    if first is None:
        for op, av in items:
            if op is sre_c.BRANCH:
                return frozenset().union(*(_first_chars(list(b)) for b in av[1]))
            if op is not sre_c.AT:
                break
        return frozenset(_SAMPLE)
    return _chars(*first)


def _ambiguous_branch(items) -> bool:
    for op, av in items:
        if op is sre_c.BRANCH:
            firsts = [_first_chars(list(b)) for b in av[1]]
            for i, a in enumerate(firsts):
                for b in firsts[i + 1:]:
                    if a & b:
                        return True
            if any(_ambiguous_branch(list(b)) for b in av[1]):
                return True
        elif op is sre_c.SUBPATTERN and _ambiguous_branch(list(av[-1])):
            return True
    return False


def _can_be_empty(items) -> bool:
    for op, av in items:
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            if av[0] > 0 and not _can_be_empty(list(av[2])):
                return False
        elif op is sre_c.SUBPATTERN:
            if not _can_be_empty(list(av[-1])):
                return False
        elif op is sre_c.BRANCH:
            if not any(_can_be_empty(list(b)) for b in av[1]):
                return False
        elif op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        else:
            return False
    return True


