"""A lint for the few regular expressions left in the rule packs.

Almost everything in rules/ is words and frames, matched without
backtracking (guard/vocab.py, guard/frames.py). The handful of shapes a word
list cannot write (an amount, a blank on a form: rules/vocab/shared.toml
``[regex]``) run in Python's backtracking ``re``, so ``unsafe_reason()``
refuses the constructs that can backtrack catastrophically: a repeat inside
a repeat unless a separator forces every split, back-references, repeats in
look-arounds. The tests also time each of them on adversarial strings.

The lint needs no private module: ``re.compile`` (public) says whether a
pattern compiles, and ``parse_pattern()`` below, a small parser of its own,
turns it into a tree for the analysis. It reads the subset the rule packs
use: literals and escapes, character classes, ``.``, anchors and ``\\b``,
inline flags other than ``x``, groups (capturing, ``(?:``, ``(?P<name>``),
look-arounds, alternation, greedy and lazy repeats. Anything else (verbose
``(?x)``, scoped flags, atomic groups, possessive repeats) is refused as
outside the subset, never guessed at: a pattern the lint cannot read is not
proved safe. Back-references and conditionals are read, and refused.
"""

from __future__ import annotations

import re

# the items of a parsed pattern: (op, argument), in the shapes of CPython's
# own parser (sre) so that the analysis reads like its documentation
LITERAL = "literal"              # a code point
NOT_LITERAL = "not_literal"      # a code point
ANY = "any"                      # None
IN = "in"                        # [(NEGATE, None) | (LITERAL, cp) | (RANGE, (lo, hi)) | (CATEGORY, name)]
NEGATE = "negate"
RANGE = "range"
CATEGORY = "category"            # "CATEGORY_DIGIT" ...
MAX_REPEAT = "max_repeat"        # (low, high, items)
MIN_REPEAT = "min_repeat"
SUBPATTERN = "subpattern"        # (None, items)
BRANCH = "branch"                # (None, [items, items, ...])
AT = "at"                        # an anchor: "^", "$", "\\b" ...
ASSERT = "assert"                # (direction, items)
ASSERT_NOT = "assert_not"
GROUPREF = "groupref"            # a back-reference
GROUPREF_EXISTS = "groupref_exists"
UNBOUNDED = 1 << 31

_CLASS_ESCAPES = {"d": "CATEGORY_DIGIT", "D": "CATEGORY_NOT_DIGIT", "s": "CATEGORY_SPACE",
                  "S": "CATEGORY_NOT_SPACE", "w": "CATEGORY_WORD", "W": "CATEGORY_NOT_WORD"}
_CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_ANCHOR_ESCAPES = set("bBAZ")


class OutsideSubset(ValueError):
    """The pattern uses a construct the lint does not read."""


def parse_pattern(pattern: str) -> list:
    """The items of ``pattern`` (which must compile), or OutsideSubset."""
    parser = _Parser(pattern)
    items = parser.alternation()
    if parser.pos != len(pattern):
        raise OutsideSubset(f"unexpected {pattern[parser.pos]!r} at {parser.pos}")
    return items


class _Parser:
    def __init__(self, pattern: str):
        self.text = pattern
        self.pos = 0

    def _peek(self, ahead: int = 0) -> str:
        at = self.pos + ahead
        return self.text[at] if at < len(self.text) else ""

    def alternation(self) -> list:
        branches = [self.sequence()]
        while self._peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else [(BRANCH, (None, branches))]

    def sequence(self) -> list:
        items: list = []
        while self._peek() not in ("", "|", ")"):
            atom = self.atom()
            repeat = self.quantifier()
            if repeat is None:
                items.append(atom)
                continue
            if atom[0] is AT:
                raise OutsideSubset("a repeated anchor")
            low, high, lazy = repeat
            items.append((MIN_REPEAT if lazy else MAX_REPEAT, (low, high, [atom])))
        return items

    def quantifier(self):
        char = self._peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = {"*": (0, UNBOUNDED), "+": (1, UNBOUNDED), "?": (0, 1)}[char]
        elif char == "{" and (found := re.match(r"\{(\d*)(?:(,)(\d*))?\}", self.text[self.pos:])):
            if not found.group(1) and not found.group(2):
                return None                        # "{}" is two literals
            self.pos += found.end()
            low = int(found.group(1) or 0)
            high = int(found.group(3)) if found.group(3) else (UNBOUNDED if found.group(2) else low)
        else:
            return None
        lazy = self._peek() == "?"
        if lazy:
            self.pos += 1
        if self._peek() == "+":
            raise OutsideSubset("a possessive repeat")
        return low, high, lazy

    def atom(self):
        char = self._peek()
        self.pos += 1
        if char == "(":
            return self.group()
        if char == "[":
            return (IN, self.char_class())
        if char == ".":
            return (ANY, None)
        if char in ("^", "$"):
            return (AT, char)
        if char == "\\":
            return self.escape(in_class=False)
        return (LITERAL, ord(char))

    def group(self):
        kind = None
        if self._peek() == "?":
            rest = self.text[self.pos + 1:]
            for prefix, what in ((":", SUBPATTERN), ("=", ASSERT), ("!", ASSERT_NOT),
                                 ("<=", ASSERT), ("<!", ASSERT_NOT)):
                if rest.startswith(prefix):
                    kind = what
                    self.pos += 1 + len(prefix)
                    break
            else:
                named = re.match(r"P<\w+>", rest)
                flags = re.match(r"[aimsuL]+\)", rest)
                if flags:           # (?i): case and the like change no repeat ((?x) would: refused)
                    self.pos += 1 + flags.end()
                    return (AT, "flags")
                if named:
                    kind = SUBPATTERN
                    self.pos += 1 + named.end()
                elif rest.startswith("P="):
                    return self._skip_group(GROUPREF)
                elif rest.startswith("("):
                    return self._skip_group(GROUPREF_EXISTS)
                else:
                    raise OutsideSubset(f"the group (?{rest[:1]} ...")
        items = self.alternation()
        if self._peek() != ")":
            raise OutsideSubset("an unclosed group")
        self.pos += 1
        if kind in (ASSERT, ASSERT_NOT):
            return (kind, (1, items))
        return (SUBPATTERN, (None, items))

    def _skip_group(self, op):
        depth = 1
        while depth and self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\":
                self.pos += 1
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            self.pos += 1
        return (op, None)

    def escape(self, in_class: bool):
        char = self._peek()
        self.pos += 1
        if char in _CLASS_ESCAPES:
            return (CATEGORY, _CLASS_ESCAPES[char]) if in_class else (IN, [(CATEGORY, _CLASS_ESCAPES[char])])
        if char in _CHAR_ESCAPES:
            return (LITERAL, ord(_CHAR_ESCAPES[char]))
        if char in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[char]
            code = self.text[self.pos:self.pos + width]
            self.pos += width
            return (LITERAL, int(code, 16))
        if char.isdigit():
            if in_class or char == "0":
                raise OutsideSubset("an octal escape")
            return (GROUPREF, int(char))
        if char in _ANCHOR_ESCAPES and not in_class:
            return (AT, "\\" + char)
        if char.isalnum():
            raise OutsideSubset(f"the escape \\{char}")
        return (LITERAL, ord(char))

    def char_class(self) -> list:
        members: list = []
        if self._peek() == "^":
            members.append((NEGATE, None))
            self.pos += 1
        first = True
        while True:
            char = self._peek()
            if char == "":
                raise OutsideSubset("an unclosed class")
            if char == "]" and not first:
                self.pos += 1
                return members
            first = False
            self.pos += 1
            member = self.escape(in_class=True) if char == "\\" else (LITERAL, ord(char))
            if member[0] is LITERAL and self._peek() == "-" and self._peek(1) not in ("]", ""):
                self.pos += 1
                end_char = self._peek()
                self.pos += 1
                end = self.escape(in_class=True) if end_char == "\\" else (LITERAL, ord(end_char))
                if end[0] is not LITERAL:
                    raise OutsideSubset("a range to a class")
                member = (RANGE, (member[1], end[1]))
            members.append(member)


_SAMPLE = [chr(i) for i in range(0x09, 0x250)] + ["\u2019", "\u20ac", "\u0430"]
_SINGLE = (LITERAL, NOT_LITERAL, IN, ANY)


def _chars(op, av) -> frozenset[str]:
    """The sample characters a single-character item matches."""
    if op is LITERAL:
        return frozenset({chr(av)})
    if op is NOT_LITERAL:
        return frozenset(c for c in _SAMPLE if c != chr(av))
    if op is ANY:
        return frozenset(c for c in _SAMPLE if c != "\n")
    neg = False
    got: set[str] = set()
    for o, a in av:
        if o is NEGATE:
            neg = True
        elif o is LITERAL:
            got.add(chr(a))
        elif o is RANGE:
            got.update(c for c in _SAMPLE if a[0] <= ord(c) <= a[1])
        elif o is CATEGORY:
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
        re.compile(pattern)
    except re.error as e:
        return f"does not compile: {e}"
    try:
        tree = parse_pattern(pattern)
    except OutsideSubset as e:
        return f"outside what the lint reads: {e}"
    return _unsafe(tree)


def _inner_repeats(items) -> list:
    out = []
    for op, av in items:
        if op in (MAX_REPEAT, MIN_REPEAT):
            out.append(av)
            out.extend(_inner_repeats(list(av[2])))
        elif op is SUBPATTERN:
            out.extend(_inner_repeats(list(av[-1])))
        elif op is BRANCH:
            for b in av[1]:
                out.extend(_inner_repeats(list(b)))
    return out


def _first_single(items):
    """The first item if it matches one character, or is a repeat of one
    character class (a separator such as ``[ \\n]+``); else None."""
    for op, av in items:
        if op is AT:
            continue
        if op is SUBPATTERN:
            return _first_single(list(av[-1]))
        if op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:
            sub = list(av[2])
            if len(sub) == 1 and sub[0][0] in _SINGLE:
                return sub[0]
            return None
        return (op, av) if op in _SINGLE else None
    return None


def _unsafe(items) -> str | None:
    for op, av in items:
        if op in (MAX_REPEAT, MIN_REPEAT):
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
        elif op is SUBPATTERN:
            r = _unsafe(list(av[-1]))
            if r:
                return r
        elif op is BRANCH:
            for b in av[1]:
                r = _unsafe(list(b))
                if r:
                    return r
        elif op in (GROUPREF, GROUPREF_EXISTS):
            return "a back-reference"
        elif op in (ASSERT, ASSERT_NOT):
            if _inner_repeats(list(av[1])):
                return "a repeat inside a look-around"
    return None


def _starts_with_repeat(items) -> bool:
    for op, av in items:
        if op is AT:
            continue
        if op is SUBPATTERN:
            return _starts_with_repeat(list(av[-1]))
        return op in (MAX_REPEAT, MIN_REPEAT)
    return False


def _after_first(items) -> list:
    """The items of a sequence after its first consuming item."""
    for k, (op, av) in enumerate(items):
        if op is AT:
            continue
        if op is SUBPATTERN:
            return _after_first(list(av[-1])) + list(items[k + 1:])
        return list(items[k + 1:])
    return []


def _all_chars(items) -> frozenset[str]:
    """Every sample character any item of ``items`` can match."""
    got: set[str] = set()
    for op, av in items:
        if op in _SINGLE:
            got |= _chars(op, av)
        elif op in (MAX_REPEAT, MIN_REPEAT):
            got |= _all_chars(list(av[2]))
        elif op is SUBPATTERN:
            got |= _all_chars(list(av[-1]))
        elif op is BRANCH:
            for b in av[1]:
                got |= _all_chars(list(b))
        elif op in (AT, ASSERT, ASSERT_NOT):
            continue
        else:
            got |= set(_SAMPLE)
    return frozenset(got)


def _first_chars(items) -> frozenset[str]:
    first = _first_single(items)
    if first is None:
        for op, av in items:
            if op is BRANCH:
                return frozenset().union(*(_first_chars(list(b)) for b in av[1]))
            if op is not AT:
                break
        return frozenset(_SAMPLE)
    return _chars(*first)


def _ambiguous_branch(items) -> bool:
    for op, av in items:
        if op is BRANCH:
            firsts = [_first_chars(list(b)) for b in av[1]]
            for i, a in enumerate(firsts):
                for b in firsts[i + 1:]:
                    if a & b:
                        return True
            if any(_ambiguous_branch(list(b)) for b in av[1]):
                return True
        elif op is SUBPATTERN and _ambiguous_branch(list(av[-1])):
            return True
    return False


def _can_be_empty(items) -> bool:
    for op, av in items:
        if op in (MAX_REPEAT, MIN_REPEAT):
            if av[0] > 0 and not _can_be_empty(list(av[2])):
                return False
        elif op is SUBPATTERN:
            if not _can_be_empty(list(av[-1])):
                return False
        elif op is BRANCH:
            if not any(_can_be_empty(list(b)) for b in av[1]):
                return False
        elif op in (AT, ASSERT, ASSERT_NOT):
            continue
        else:
            return False
    return True


