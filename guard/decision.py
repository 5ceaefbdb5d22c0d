"""One decision for every mail front end: a Verdict in, the header values
and the action out. ``guard filter``, ``guard milter``, ``guard daemon``
and ``guard scan`` all call ``decide()``; none of them looks at a verdict's
notes or level to choose what to do.

    d = decide(verdict, Policy(on_fraud="reject", headers="full"))
    d.action        # "accept" | "reject" | "quarantine" | "tempfail"
    d.headers       # [(name, value), ...] to add at the top, in order
    d.error         # None | "timeout" | "internal" | "size"

The headers (README.md, "Mail filters", "Headers"):

* ``X-Guard-Status`` always: ``Yes, level=fraud score=... tests=...
  version=...``, ``No, level=clear|suspicious ...``, or ``Unknown,
  error=too-large|timeout|internal ...`` when the check could not finish
  and found no fraud (a fraud found before the budget ran out is still
  ``Yes``, with ``incomplete=timeout``);
* ``X-Guard-Flag: FRAUD`` on fraud;
* with ``headers="full"`` also ``X-Guard-Flag: SUSPICIOUS`` on suspicious
  mail, ``X-Guard-Level: clear|suspicious|fraud`` (one token, for Sieve's
  ``:is``) and ``X-Guard-Score: 13.7`` (a number, for ``:value "ge"``),
  both only when there is a level to tell (not on ``Unknown``). The default,
  ``classic``, writes exactly what guard wrote before these existed, so
  that installed filters see the same bytes;
* an optional Subject tag (``subject_tag``) for mail at or above
  ``subject_tag_level``: ``Decision.subject_tag`` is the text to put in
  front of the Subject, None for none.

This module imports nothing heavy: the thin client and every ``guard``
start-up may import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import __version__

STATUS = "X-Guard-Status"
FLAG = "X-Guard-Flag"
LEVEL = "X-Guard-Level"
SCORE = "X-Guard-Score"

HEADER_STYLES = ("classic", "full")
ON_FRAUD = ("tag", "reject", "quarantine")
ON_ERROR = ("accept", "tempfail")
_RANK = {"clear": 0, "suspicious": 1, "fraud": 2}
# the word of X-Guard-Status for each reason a verdict is incomplete
_ERROR_WORD = {"timeout": "timeout", "internal": "internal", "size": "too-large"}


@dataclass(frozen=True)
class Policy:
    """What the operator chose: the front ends' options and settings."""

    on_fraud: str = "tag"            # tag | reject | quarantine (the milter; a pipe can only tag)
    on_error: str = "accept"         # accept | tempfail ("pass" is taken for accept)
    headers: str = "classic"         # classic | full
    subject_tag: str | None = None   # e.g. "[FRAUD]"; None: the Subject is left alone
    subject_tag_level: str = "fraud"  # suspicious | fraud: the lowest level tagged

    def __post_init__(self) -> None:
        if self.on_error == "pass":
            object.__setattr__(self, "on_error", "accept")
        if self.on_fraud not in ON_FRAUD:
            raise ValueError(f"on_fraud must be one of {', '.join(ON_FRAUD)}, not {self.on_fraud!r}")
        if self.on_error not in ON_ERROR:
            raise ValueError(f"on_error must be accept (pass) or tempfail, not {self.on_error!r}")
        if self.headers not in HEADER_STYLES:
            raise ValueError(f"headers must be one of {', '.join(HEADER_STYLES)}, not {self.headers!r}")
        if self.subject_tag_level not in ("suspicious", "fraud"):
            raise ValueError("subject_tag_level must be suspicious or fraud")
        tag = self.subject_tag
        if tag is not None:
            if not isinstance(tag, str) or not tag.strip():
                raise ValueError("subject_tag must be a non-empty text")
            if any(c in tag for c in "\r\n") or not tag.isascii():
                raise ValueError("subject_tag must be one line of ASCII text")
            object.__setattr__(self, "subject_tag", tag.strip())


@dataclass
class Decision:
    """What a front end does with one message."""

    action: str                                  # accept | reject | quarantine | tempfail
    headers: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None                     # None | timeout | internal | size
    level: str | None = None                     # None when nothing is known
    score: float | None = None
    tests: str = "none"
    subject_tag: str | None = None

    skipped: str | None = None                   # why it was not checked (settings file)

    def log_fields(self) -> dict[str, str]:
        """key=value pairs for the log line: never content."""
        if self.skipped is not None:
            return {"skipped": self.skipped}
        if self.error is not None and self.level != "fraud":
            return {"error": _ERROR_WORD[self.error]}
        out = {"level": self.level, "score": f"{self.score:.1f}", "tests": self.tests}
        if self.error is not None:
            out["incomplete"] = _ERROR_WORD[self.error]
        return out


def unknown_value(error: str, **extra) -> str:
    """``Unknown, error=ERROR [key=value ...] version=...``: not checked."""
    more = "".join(f" {k.replace('_', '-')}={v}" for k, v in extra.items())
    return f"Unknown, error={error}{more} version={__version__}"


def skipped(reason: str) -> Decision:
    """Accepted unchecked, as the settings file says (``allowlist``,
    ``authenticated``, ``network``): ``X-Guard-Status: Skipped, reason=...``."""
    return Decision(action="accept", skipped=reason,
                    headers=[(STATUS, f"Skipped, reason={reason} version={__version__}")])


def status_value(verdict) -> str:
    """The X-Guard-Status value for a verdict, unfolded."""
    level = verdict.level.value
    tail = f"level={level} score={verdict.score:.1f} tests={','.join(verdict.rule_ids) or 'none'}"
    if verdict.incomplete is not None:
        err = _ERROR_WORD[verdict.incomplete]
        if level == "fraud":
            return f"Yes, {tail} incomplete={err} version={__version__}"
        return f"Unknown, error={err} {tail} version={__version__}"
    head = "Yes" if level == "fraud" else "No"
    return f"{head}, {tail} version={__version__}"


def decide(verdict, policy: Policy = Policy(), *, error: str | None = None, **extra) -> Decision:
    """The action and the headers for ``verdict`` under ``policy``.

    ``verdict`` is None when there is none to read: ``error`` then says why
    (``size``: above the size cap, not checked; ``timeout``: the check was
    ended at the budget; ``internal``: it failed), and ``extra`` goes into
    the ``Unknown`` status line (``max_size=N``, ``time_budget="5s"``).
    A fraud found before the budget ran out is acted on as a fraud;
    otherwise an incomplete verdict is an error: accepted with ``Unknown``,
    or tempfailed (no headers) with ``on_error="tempfail"``, except a
    message too large to check, which is always accepted (retrying would
    not make it smaller).
    """
    if verdict is None:
        if error not in _ERROR_WORD:
            raise ValueError("decide() without a verdict needs error='timeout', 'internal' or 'size'")
        if error != "size" and policy.on_error == "tempfail":
            return Decision(action="tempfail", error=error)
        return Decision(action="accept", error=error, headers=[(STATUS, unknown_value(_ERROR_WORD[error], **extra))])
    level = verdict.level.value
    error = verdict.incomplete
    d = Decision(action="accept", error=error, level=level, score=verdict.score,
                 tests=",".join(verdict.rule_ids) or "none")
    if error is not None and level != "fraud":
        if error != "size" and policy.on_error == "tempfail":
            d.action = "tempfail"
            return d
        d.headers = [(STATUS, status_value(verdict))]
        return d
    d.headers = [(STATUS, status_value(verdict))]
    if level == "fraud":
        d.headers.append((FLAG, "FRAUD"))
        if policy.on_fraud != "tag":
            d.action = policy.on_fraud
    elif level == "suspicious" and policy.headers == "full":
        d.headers.append((FLAG, "SUSPICIOUS"))
    if policy.headers == "full":
        d.headers.append((LEVEL, level))
        d.headers.append((SCORE, f"{verdict.score:.1f}"))
    if policy.subject_tag and _RANK[level] >= _RANK[policy.subject_tag_level]:
        d.subject_tag = policy.subject_tag
    return d
