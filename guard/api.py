"""``guard.check()``: one message in, one Verdict out."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from email.message import Message
from typing import Any

from .model import LANGS, Level, Verdict


DEFAULT_TIME_BUDGET = 2.0   # seconds of rule matching per message
DEFAULT_DNS_BUDGET = 2.0    # seconds of DNS per message, when a resolver is given


def check(
    message: bytes | str | Message,
    *,
    sender: str | None = None,
    lang: str = "en",
    resolver: Any = None,
    trusted_authserv_ids: tuple[str, ...] | list[str] | frozenset[str] = (),
    mailbox: bool = False,
    time_budget: float = DEFAULT_TIME_BUDGET,
    dns_budget: float = DEFAULT_DNS_BUDGET,
    ruleset=None,
) -> Verdict:
    """Check one recruitment message for the signs of ILO recruitment fraud.

    ``message``: the raw bytes of an RFC 5322 message, an
    ``email.message.Message``, or a ``str`` (parsed as a message when it
    begins with header lines, otherwise taken as pasted text).
    ``sender``: the sender's address as a user typed it, for pasted text.
    ``lang``: "en", "es", "fr" or "pt": the language of titles, explanations
    and advice in the Verdict (all four are in the rule packs); "auto": the
    language the message is written in, when it is one of those (a message
    in no language recognised is explained in English, with a note saying
    so).
    ``resolver``: a ``dns.resolver.Resolver`` to turn DNS checks on; None
    (the default) means no network at all.
    ``trusted_authserv_ids``: the authserv-ids of your own mail servers whose
    Authentication-Results headers may be believed.
    ``mailbox``: True when a person brings the message from their own
    mailbox (pasted or saved): the topmost Authentication-Results header is
    then believed when a large mailbox provider wrote it
    (rules/data/mailbox_providers.toml). Mail filters leave it False.
    ``time_budget``: seconds the rules may take before the rest are skipped.

    Never raises on message content: an internal error gives a verdict with
    ``complete=False`` and a note (fail open). Raises ``TypeError`` or
    ``ValueError`` for arguments of the wrong type or value.
    """
    if not isinstance(message, (bytes, bytearray, memoryview, str, Message)):
        raise TypeError(
            f"check() takes bytes, str or email.message.Message, not {type(message).__name__}"
        )
    if sender is not None and not isinstance(sender, str):
        raise TypeError("sender must be a str or None")
    if lang != "auto" and lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS} or 'auto'")
    if not isinstance(mailbox, bool):
        raise TypeError("mailbox must be True or False")
    _seconds("time_budget", time_budget)
    _seconds("dns_budget", dns_budget)
    if resolver is not None and not callable(getattr(resolver, "resolve", None)):
        raise TypeError("resolver must be a dns.resolver.Resolver (or have its resolve() method) or None")
    trusted = authserv_ids(trusted_authserv_ids)
    t0 = time.perf_counter()
    try:
        return _check(message, sender, lang, resolver, trusted, t0, time_budget, dns_budget, ruleset, mailbox)
    except Exception as exc:  # fail open: a verdict, never a crash
        _log_internal_error(exc)
        return Verdict(
            level=Level.CLEAR, score=0.0, findings=[], advice=[], lang=lang if lang in LANGS else "en",
            notes=[_internal_note(exc, lang)],
            complete=False, incomplete="internal", elapsed_ms=(time.perf_counter() - t0) * 1000,
        )


def preload(freeze: bool = True) -> None:
    """Make a process ready to check many messages: load and compile the
    rule packs, the domain data and the matchers now (one check of a small
    message) rather than in the first check, then, with ``freeze``, move
    every object alive into the garbage collector's permanent generation
    (``gc.freeze()``). The rule packs are some 34,000 objects that live as
    long as the process; left where they are, each full collection walks
    them all (about 14 ms here), and that lands on whichever message made
    it run. Frozen, they are still freed by reference counting, never
    scanned for cycles. guard scan, daemon and milter call this before
    they fork their workers (the children then share those pages too); a
    program that imports guard to check a stream of mail may call it once
    after its own set-up (it freezes that program's objects as well)."""
    import gc

    check(b"From: warm-up <a@example.com>\nSubject: x\n\nx\n")
    if freeze:
        gc.freeze()


def _internal_note(exc: BaseException, lang: str) -> str:
    from .texts import Note

    try:
        return Note("internal.error", lang if lang in LANGS else "en", error=type(exc).__name__)
    except Exception:   # the texts themselves could not be read: the English words
        return f"internal error: {type(exc).__name__}; the message was not fully checked"


def _seconds(name: str, value) -> None:
    """A budget is a finite number of seconds above zero (``nan`` compares
    false with everything and would switch the budget off; ``inf`` overflows
    the clocks that wait on it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number of seconds above 0, not {value!r}")


def authserv_ids(ids) -> frozenset[str]:
    """``trusted_authserv_ids`` as a set of lower-case strings; TypeError for
    anything that is not a collection of strings (None, one string, numbers)."""
    if isinstance(ids, (str, bytes)):
        raise TypeError("trusted_authserv_ids must be a list of authserv-ids, not one string")
    if not isinstance(ids, Iterable):
        raise TypeError("trusted_authserv_ids must be a list, tuple or set of strings, "
                        f"not {type(ids).__name__}")
    ids = list(ids)
    bad = [i for i in ids if not isinstance(i, str)]
    if bad:
        raise TypeError(f"trusted_authserv_ids must hold strings, not {type(bad[0]).__name__}: {bad[0]!r}")
    return frozenset(i.lower() for i in ids)


def _log_internal_error(exc: BaseException) -> None:
    """Log where an internal error happened, never what it says: an
    exception's message can quote the text being checked. (logging is
    imported here, on the failure path: 2 MB and 8 ms of every start.)"""
    import logging
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))
    logging.getLogger("guard").error("guard: internal error %s at %s", type(exc).__name__, where)


def _check(message, sender, lang, resolver, trusted, t0, time_budget, dns_budget, ruleset,
           mailbox=False) -> Verdict:
    from . import engine
    from .parse import parse
    from .rules import default_ruleset
    from .texts import Note, note_in

    rs = ruleset or default_ruleset()
    try:
        parsed = parse(message, sender)
    except RecursionError:
        from .parse import Parsed
        parsed = Parsed(notes=[Note("structure.too_deep")])
    lang_note = None
    if lang == "auto":
        lang, lang_note = _auto_lang(parsed)
    outcome = engine.run(rs, parsed, lang, t0 + time_budget,
                         notes=parsed.notes + ([lang_note] if lang_note else []),
                         trusted_authserv_ids=trusted, mailbox=mailbox,
                         resolver=resolver, dns_budget=dns_budget)
    state = outcome.state
    total, level = outcome.score.total, outcome.score.level
    state.findings.sort(key=lambda f: (-f.score, f.rule_id))
    return Verdict(
        level=level,
        score=total,
        findings=state.findings,
        advice=_advice(rs, level, state, lang),
        lang=lang,
        claims_ilo="claims_ilo" in state.contexts,
        sender=_sender_info(state),
        unknowns=sorted(set(state.unknowns)),
        notes=[note_in(n, lang) for n in state.notes],
        complete=state.complete,
        elapsed_ms=(time.perf_counter() - t0) * 1000,
        views=dict(parsed.views),
        ruleset=rs.version,
    )


def _auto_lang(parsed) -> tuple[str, str | None]:
    """The verdict's language for lang="auto", and a note when it had to
    fall back to English."""
    from .langdetect import detect
    from .texts import Note, Phrase, entries

    text = parsed.views.get("subject", "") + "\n" + parsed.views.get("body", "")
    found = detect(text)
    if found in LANGS:
        return found, None
    if found is None:
        return "en", Note("language.unknown")
    name = Phrase("notes", f"language.name.{found}") if f"language.name.{found}" in entries("notes") else found
    return "en", Note("language.no_texts", language=name)


def _sender_info(state) -> dict:
    s = state.parsed.sender
    if s is None:
        return {}
    d = state.facts.sender_domain
    return {
        "address": s.address,
        "display_name": s.display,
        "source": state.parsed.sender_source,
        "domain": d.domain if d else "",
        "registered_domain": d.registered if d else "",
        "is_ilo": bool(d and d.is_ilo),
    }


def _advice(rs, level: Level, state, lang: str) -> list[str]:
    adv = rs.advice
    keys = list(adv["levels"][level.value])
    cats = {f.category for f in state.findings}
    for cat, extra in adv.get("categories", {}).items():
        if cat in cats:
            keys.extend(k for k in extra if k not in keys)
    out = []
    params = _advice_params(lang)
    for k in keys:
        texts = adv["texts"][k]
        text = texts.get(lang) or texts["en"]
        out.append(text.format_map(params) if "{" in text else text)
    return out


def _advice_params(lang: str) -> dict:
    """What the advice texts take from the organisation's profile
    (rules/data/org_ilo.toml): {jobs_site}, {jobs_url}, {report}."""
    from .domains import profile

    prof = profile()
    rep = prof.get("report", {})
    return {
        "jobs_site": prof["jobs_site"]["host"],
        "jobs_url": prof["jobs_site"]["url"],
        "report": rep.get(lang) or rep.get("en", ""),
        "report_url": rep.get("url", ""),
    }
