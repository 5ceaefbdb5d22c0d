"""Built-in checks for the rules that look at addresses, links and headers.

A check rule in ``rules/*.toml`` names one of these with ``check = "..."``;
its id, category, severity, messages and examples stay in the TOML. Each
check returns the evidence of a hit (an empty list for a miss) and may note
facts about the message (``st.facts``) that meta rules combine.

Authentication-Results (RFC 8601) can be forged by whoever sends the
message: a header is trusted only when its authserv-id is one the caller
listed (``check(..., trusted_authserv_ids=[...])``), and only the topmost
headers are read, down to the first one that is not trusted. With none
trusted, authentication is "unknown" (listed in ``Verdict.unknowns``), never
"pass".
"""

from __future__ import annotations

import functools
import re
import tomllib
from typing import Callable

from . import domains
from .engine import State
from .model import Evidence
from .parse import Address
from .paths import rules_dir
from .rules import Rule

Check = Callable[[State, Rule], list[Evidence]]
CHECKS: dict[str, Check] = {}


def check(name: str):
    def deco(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn
    return deco


@functools.lru_cache(maxsize=1)
def _details() -> dict:
    with open(rules_dir() / "details.toml", "rb") as fh:
        return tomllib.load(fh)


def detail(st: State, key: str, **params: str) -> str:
    """An evidence detail in the verdict's language (rules/details.toml)."""
    texts = _details()
    for k in key.split("."):
        texts = texts[k]
    return (texts.get(st.lang) or texts["en"]).format(**params)


def _lookalike_detail(st: State, d) -> str:
    return detail(st, "lookalike", domain=d.domain, kind=detail(st, f"kind.{d.lookalike}"))


def _addr_evidence(st: State, a: Address, detail: str | None = None) -> Evidence:
    text = st.parsed.views.get(a.field, "")
    start, end = max(0, a.start), min(len(text), a.end)
    if end <= start:
        start, end = 0, len(text)
    return Evidence(a.field, start, end, text[start:end], detail)


def _claim(st: State) -> list[Evidence]:
    return st.contexts.get("claims_ilo", [])[:1]


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a valid e-mail address (email-validator's
    syntax check, no DNS), or None."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False, allow_quoted_local=True,
                       allow_domain_literal=True, allow_smtputf8=True)
    except EmailNotValidError as e:
        return str(e)
    except Exception:  # a bug in the validator must not stop the check
        return None
    return None


def sender_facts(st: State) -> None:
    """Note what the sender's domain is (run once, before the checks)."""
    p = st.parsed
    s = p.sender
    f = st.facts
    if s is None or not s.domain:
        f["no_sender"] = True
        return
    if p.sender_source in ("header", "argument"):
        problem = address_problem(s.address)
        if problem:
            f["sender_invalid"] = problem
    d = domains.info(s.domain)
    f["sender_domain"] = d
    f["sender_is_ilo"] = d.is_ilo
    f["sender_lookalike"] = d.lookalike is not None
    f["sender_freemail"] = d.is_freemail
    f["sender_affiliated"] = d.is_affiliated


@check("sender_lookalike")
def _sender_lookalike(st: State, rule: Rule) -> list[Evidence]:
    d = st.facts.get("sender_domain")
    if d is None or d.lookalike is None:
        return []
    return [_addr_evidence(st, st.parsed.sender, _lookalike_detail(st, d))]


@check("sender_freemail")
def _sender_freemail(st: State, rule: Rule) -> list[Evidence]:
    d = st.facts.get("sender_domain")
    if d is None or not d.is_freemail or "claims_ilo" not in st.contexts:
        return []
    st.facts["freemail_claim"] = True
    return [_addr_evidence(st, st.parsed.sender, detail(st, "freemail", domain=d.registered))] + _claim(st)


@check("sender_not_ilo")
def _sender_not_ilo(st: State, rule: Rule) -> list[Evidence]:
    d = st.facts.get("sender_domain")
    if (d is None or d.is_ilo or d.is_freemail or d.lookalike or d.is_affiliated
            or "claims_ilo" not in st.contexts):
        return []
    return [_addr_evidence(st, st.parsed.sender, detail(st, "registered", domain=d.registered))] + _claim(st)


@check("display_name_address")
def _display_name_address(st: State, rule: Rule) -> list[Evidence]:
    p = st.parsed
    if not p.display_addresses or p.sender is None:
        return []
    shown_ilo = any(
        (d := domains.info(domains.domain_of(a))).is_ilo or d.lookalike for a in p.display_addresses
    )
    # newsletters put their own address in the display name: a sign only
    # when the message speaks as the ILO or the shown address is ilo.org
    if not shown_ilo and "claims_ilo" not in st.contexts:
        return []
    view = p.sender.field
    text = p.views.get(view, "")
    ev = []
    for shown in p.display_addresses[:3]:
        i = text.find(shown)
        if i >= 0:
            ev.append(Evidence(view, i, i + len(shown), shown, detail(st, "real_address", address=p.sender.address)))
    if ev:
        st.facts["display_spoof"] = True
        if shown_ilo:
            st.facts["forged_ilo"] = True
    return ev


@check("from_malformed")
def _from_malformed(st: State, rule: Rule) -> list[Evidence]:
    p = st.parsed
    invalid = st.facts.get("sender_invalid")
    if p.sender_source not in ("header", "argument") or not (p.from_defects or invalid):
        return []
    view = "from" if p.sender_source == "header" else "sender"
    text = p.views.get(view, "")
    why = sorted(set(p.from_defects)) + ([f"not a valid address: {invalid}"] if invalid else [])
    return [Evidence(view, 0, len(text), text, detail(st, "malformed", why="; ".join(why)))]


def _other_org(st: State, a: Address) -> bool:
    """True when ``a`` is on another organisation than the From address."""
    if not a.domain:
        return False
    s = st.facts.get("sender_domain")
    d = domains.info(a.domain)
    if d.is_ilo:
        return False
    return s is None or d.registered != s.registered


@check("reply_to_elsewhere")
def _reply_to_elsewhere(st: State, rule: Rule) -> list[Evidence]:
    """From says ilo.org (or the message claims the ILO) but replies go elsewhere."""
    s = st.facts.get("sender_domain")
    from_ilo = bool(s and s.is_ilo)
    if not from_ilo and "claims_ilo" not in st.contexts:
        return []
    ev = []
    for a in st.parsed.reply_to:
        if not _other_org(st, a):
            continue
        d = domains.info(a.domain)
        if from_ilo or d.is_freemail or d.lookalike:
            why = "freemail" if d.is_freemail else ("lookalike" if d.lookalike else "other")
            ev.append(_addr_evidence(st, a, detail(st, "replies_to", domain=d.registered, why=detail(st, f"why.{why}"))))
    if ev and from_ilo:
        st.facts["forged_ilo"] = True
    return ev


@check("return_path_elsewhere")
def _return_path_elsewhere(st: State, rule: Rule) -> list[Evidence]:
    s = st.facts.get("sender_domain")
    rp = st.parsed.return_path
    if not (s and s.is_ilo) or rp is None or not _other_org(st, rp):
        return []
    d = domains.info(rp.domain)
    if d.is_freemail or d.lookalike:
        st.facts["forged_ilo"] = True
    return [_addr_evidence(st, rp, detail(st, "envelope", domain=d.registered))]


_AR_RESULT = re.compile(r"\b(dmarc|spf|dkim)\s*=\s*([a-z]+)", re.I)
_AR_FROM = re.compile(r"header\.from\s*=\s*([^\s;()]+)", re.I)


def auth_results(st: State, trusted: frozenset[str]) -> list[tuple[str, str, str, int, int, int]]:
    """(method, result, header.from, start, end, header index) from trusted
    headers, top first."""
    out = []
    for i, value in enumerate(st.parsed.auth_results):
        servid = value.split(";", 1)[0].strip().split()[0].lower() if value.strip() else ""
        if servid not in trusted:
            break
        for m in _AR_RESULT.finditer(value):
            hf = _AR_FROM.search(value, m.end())
            out.append((m.group(1).lower(), m.group(2).lower(),
                        hf.group(1).lower() if hf else "", m.start(), m.end(), i))
    return out


@check("auth_fail")
def _auth_fail(st: State, rule: Rule) -> list[Evidence]:
    s = st.facts.get("sender_domain")
    if not (s and s.is_ilo):
        return []
    trusted = st.facts.get("trusted_authserv_ids", frozenset())
    results = auth_results(st, trusted)
    if not results:
        if st.parsed.is_message and st.parsed.sender_source == "header":
            st.unknowns.append("authentication")
        return []
    ev = []
    for method, result, _hf, a, b, i in results:
        if method == "dmarc" and result == "pass":
            st.facts["authenticated_ilo"] = True
        if result in ("fail", "softfail", "permerror") and method in ("dmarc", "spf", "dkim"):
            if i == 0:
                text = st.parsed.auth_results[0]
                ev.append(Evidence("authentication_results", a, b, text[a:b],
                                   detail(st, "auth_failed", method=method, result=result)))
    if ev:
        st.facts["forged_ilo"] = True
        st.facts.pop("authenticated_ilo", None)
    return ev


def _contact_addresses(st: State):
    seen = set()
    for a in st.parsed.body_addresses:
        key = a.address.lower()
        if key in seen:
            continue
        seen.add(key)
        yield a


@check("contact_outside_ilo")
def _contact_outside_ilo(st: State, rule: Rule) -> list[Evidence]:
    """A message that speaks as the ILO gives a free-mail or look-alike address to write to."""
    if "claims_ilo" not in st.contexts:
        return []
    ev = []
    for a in _contact_addresses(st):
        d = domains.info(a.domain)
        if d.is_freemail:
            ev.append(_addr_evidence(st, a, detail(st, "freemail", domain=d.registered)))
        elif d.lookalike:
            ev.append(_addr_evidence(st, a, _lookalike_detail(st, d)))
        if len(ev) >= 5:
            break
    return ev


@check("link_lookalike")
def _link_lookalike(st: State, rule: Rule) -> list[Evidence]:
    ev = []
    for link in st.parsed.links:
        d = domains.info(link.host)
        if d.lookalike:
            ev.append(_link_evidence(st, link, _lookalike_detail(st, d)))
        if len(ev) >= 5:
            break
    return ev


_SHOWS_ILO = re.compile(r"(?i)(?:^|[\s/@.])ilo\.org\b")


@check("link_disguised")
def _link_disguised(st: State, rule: Rule) -> list[Evidence]:
    """The visible text of a link shows ilo.org; the link goes elsewhere."""
    ev = []
    for link in st.parsed.links:
        if not link.anchor or not _SHOWS_ILO.search(link.anchor):
            continue
        d = domains.info(link.host)
        if not d.is_ilo:
            ev.append(_link_evidence(st, link, detail(st, "disguised", domain=d.registered or link.host)))
    return ev


@check("link_shortener")
def _link_shortener(st: State, rule: Rule) -> list[Evidence]:
    if "claims_ilo" not in st.contexts:
        return []
    ev = []
    for link in st.parsed.links:
        if domains.info(link.host).shortener:
            ev.append(_link_evidence(st, link, detail(st, "shortener", domain=link.host)))
    return ev[:3]


def _link_evidence(st: State, link, note: str) -> Evidence:
    text = st.parsed.views.get(link.field, "")
    a, b = link.start, link.end
    if not (0 <= a < b <= len(text)) or text[a:b] == "":
        # an HTML link whose text was not found in the body view
        return Evidence(link.field, 0, 0, "", f"{note} ({link.url[:200]})")
    return Evidence(link.field, a, b, text[a:b], note)
