"""Built-in checks for the rules that look at addresses, links and headers.

A check rule in ``rules/*.toml`` names one of these with ``check = "..."``;
its id, category, severity, messages and examples stay in the TOML. Each
check returns the evidence of a hit (an empty list for a miss) and may set
facts about the sender (``st.facts``, a guard/facts.py ``SenderFacts``) that
meta rules combine.

Every check is in one registry, ``CHECKS``, the DNS checks too: ``stage``
says when a check runs. ``"offline"`` checks run in rule order with the
text rules; ``"dns"`` checks (``check = "dns:NAME"`` in rules/dns.toml) run
only when the caller gives a resolver, after guard/dnscheck.py's lookups
(one bounded pass over every name, so the DNS budget goes to the sender
first) have put what they found into ``st.facts.dns_found``.

Authentication-Results (RFC 8601) can be forged by whoever sends the
message; which headers are believed and what they say about the From domain
(DMARC, RFC 7489) is guard/auth.py's job. ``sender_facts`` asks it once per
message. With nothing believed, authentication is "unknown" (listed in
``Verdict.unknowns`` for an ilo.org From), never "pass".

UN-system colleagues: a sender on one of the UN system's own domains
(rules/data/un_system.toml) who writes about the ILO does not make the
message "speak as the ILO"; the claim stands only when the sender claims to
be the ILO itself (a From name that begins with the ILO's name or pairs it
with a recruiting unit, or a signature line such as "ILO Recruitment") or
when the believed Authentication-Results say the From address is forged.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

from . import auth, domains, texts
from .state import State
from .model import Evidence
from .parse import Address
from .rules import Rule

CheckFn = Callable[[State, Rule], list[Evidence]]
STAGES = ("offline", "dns")


@dataclass(frozen=True, slots=True)
class Check:
    """A built-in check: its name in the rule packs, when it runs, what it does."""

    name: str
    fn: CheckFn
    stage: str = "offline"

    def __call__(self, state: State, rule: Rule) -> list[Evidence]:
        return self.fn(state, rule)


CHECKS: dict[str, Check] = {}


def check(name: str, stage: str = "offline"):
    """Register ``fn`` as the check ``name`` (``check = "name"`` in a rule)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")

    def deco(fn: CheckFn) -> CheckFn:
        CHECKS[name] = Check(name, fn, stage)
        return fn
    return deco


def stage_of(rule: Rule) -> str | None:
    """When check rule ``rule`` runs ("offline", "dns"); None for other rules."""
    c = CHECKS.get(rule.check or "") if rule.kind == "check" else None
    return c.stage if c is not None else None


def run_check(state: State, rule: Rule):
    """The finding of check rule ``rule`` on this message, or None."""
    from .findings import make_finding

    c = CHECKS.get(rule.check or "")
    if c is None:
        return None
    ev = c(state, rule)
    return make_finding(rule, state.lang, ev) if ev else None


# the DNS checks of rules/dns.toml (``check = "dns:NAME"``); guard/dnscheck.py fills their evidence
DNS_CHECKS = (
    "sender_nxdomain", "sender_no_mail", "sender_sends_no_mail",
    "contact_undeliverable", "link_nxdomain", "lookalike_no_dmarc",
)


def _register_dns(name: str) -> None:
    def found(state: State, rule: Rule) -> list[Evidence]:
        return list(state.facts.dns_found.get(name, ()))
    found.__doc__ = f"What the DNS pass found for {name} (guard/dnscheck.py)."
    check(f"dns:{name}", stage="dns")(found)


for _name in DNS_CHECKS:
    _register_dns(_name)


def detail(state: State, key: str, **params: str) -> str:
    """An evidence detail in the verdict's language (rules/details.toml, guard/texts.py)."""
    return texts.say("details", key, state.lang, params)


def _lookalike_detail(state: State, d) -> str:
    return detail(state, "lookalike", domain=d.domain, kind=detail(state, f"kind.{d.lookalike}"))


def _addr_evidence(state: State, a: Address, detail: str | None = None) -> Evidence:
    text = state.parsed.views.get(a.field, "")
    start, end = max(0, a.start), min(len(text), a.end)
    if end <= start:
        start, end = 0, len(text)
    return Evidence(a.field, start, end, text[start:end], detail)


def _claim(state: State) -> list[Evidence]:
    return state.contexts.get("claims_ilo", [])[:1]


# The plain shape most addresses have: letters, digits and ._+- before the
# @ (no dot first, last or twice), LDH labels after it (no hyphen at either
# end, none in the third and fourth places, as IDNA forbids) and a top-level
# label of letters. email-validator accepts every such address unless its
# domain is special-use (below), so these skip it: importing it costs about
# 20 ms, a fifth of a mail filter's start-up. tests/sender checks the two agree.
_LOCAL = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*", re.IGNORECASE | re.ASCII)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", re.IGNORECASE | re.ASCII)
_TLD = re.compile(r"[a-z]{2,63}", re.IGNORECASE | re.ASCII)
# email-validator's SPECIAL_USE_DOMAIN_NAMES (2.x): refused even without DNS
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")


def _plainly_valid(address: str) -> bool:
    if len(address) > 254 or address.count("@") != 1:
        return False
    local, _, domain = address.partition("@")
    if len(local) > 64 or not _LOCAL.fullmatch(local):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not _TLD.fullmatch(labels[-1]):
        return False
    for lab in labels[:-1]:
        if len(lab) > 63 or not _LABEL.fullmatch(lab) or lab[2:4] == "--":
            return False
    domain = domain.lower()
    return not any(domain == n or domain.endswith("." + n) for n in SPECIAL_USE_DOMAINS)


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a valid e-mail address (email-validator's
    syntax check, no DNS), or None."""
    if _plainly_valid(address):
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False, allow_quoted_local=True,
                       allow_domain_literal=True, allow_smtputf8=True)
    except EmailNotValidError as e:
        return str(e)
    except Exception:  # a bug in the validator must not stop the check
        return None
    return None


def sender_facts(state: State, trusted_authserv_ids: frozenset[str] = frozenset(),
                 mailbox: bool = False) -> None:
    """Note who the sender is (run once, after the contexts, before the checks).

    ``trusted_authserv_ids`` and ``mailbox`` are the caller's settings of
    ``guard.check()``: which Authentication-Results headers are believed.
    """
    p = state.parsed
    s = p.sender
    f = state.facts
    if s is None or not s.domain:
        f.no_sender = True
        return
    if p.sender_source in ("header", "argument"):
        problem = address_problem(s.address)
        if problem:
            f.sender_invalid = problem
    d = domains.info(s.domain)
    f.sender_domain = d
    f.sender_is_ilo = d.is_ilo
    f.sender_freemail = d.is_freemail
    f.sender_affiliated = d.is_affiliated
    j = None
    if p.is_message and p.sender_source == "header" and p.auth_results:
        j = auth.judge(p.auth_results, d.domain, trusted=trusted_authserv_ids,
                       mailbox=bool(mailbox), received_above=p.received)
        f.auth = j
    if d.is_ilo:
        if j is not None and j.status == "pass":
            f.authenticated_ilo = True
        elif j is not None and j.status == "fail":
            f.forged_ilo = True
        elif p.is_message and p.sender_source == "header":
            state.unknowns.append("authentication")
    if d.is_un_system and not (j is not None and j.status == "fail") and not claims_to_be_ilo(state):
        # a colleague writing about the ILO, not the ILO writing
        f.un_colleague = True
        state.contexts.pop("claims_ilo", None)
        state.contexts.pop("ilo_sender_name", None)
    f.sender_lookalike = bool(d.lookalike is not None or (d.near_miss and "claims_ilo" in state.contexts))


# -- does the sender claim to be the ILO itself? ---------------------------------------

_UNIT_WORDS = (
    "recruitment recruiting recruiter human resources hr hrd careers career jobs job "
    "selection personnel hiring talent staffing vacancies vacancy unit team department desk "
    "section division committee board panel services service "
    "contratacion reclutamiento recursos humanos rrhh seleccion personal empleo empleos "
    "departamento unidad equipo oficina comite "
    "recrutement ressources humaines rh emplois emploi equipe departement comite "
    "recrutamento selecao departamento equipa"
)
_LINKS = ("of", "the", "de", "la", "del", "du", "l", "da", "do", "des", "d")


def _word_skeletons(text: str) -> list[str]:
    return [domains.skeleton(w) for w in re.findall(r"[^\W_]+", text[:300])]


@functools.lru_cache(maxsize=1)
def _org_names() -> tuple[tuple[str, ...], ...]:
    names = set()
    for lang_names in domains.profile()["names"].values():
        for n in lang_names:
            names.add(tuple(_word_skeletons(n)))
    return tuple(sorted(names, key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _unit_skeletons() -> frozenset[str]:
    return frozenset(domains.skeleton(w) for w in _UNIT_WORDS.split())


@functools.lru_cache(maxsize=1)
def _link_skeletons() -> frozenset[str]:
    return frozenset(domains.skeleton(w) for w in _LINKS)


def _find_name(words: list[str]) -> tuple[int, int] | None:
    for name in _org_names():
        n = len(name)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) == name:
                return i, i + n
    return None


def names_the_ilo(display: str) -> bool:
    """A From name that presents the sender as the ILO: it begins with the
    ILO's name ("ILO Recruitment", "Organización Internacional del Trabajo")
    or pairs the name with a recruiting unit ("Recrutement BIT"). Words are
    compared by their visual skeleton, so "ІLO" in Cyrillic counts."""
    words = _word_skeletons(display)
    at = _find_name(words)
    if at is None:
        return False
    if at[0] == 0:
        return True
    units = _unit_skeletons()
    return any(w in units for w in words)


def _signature_line(line: str) -> bool:
    """A line made only of the ILO's name and recruiting-unit words
    ("ILO Recruitment Unit", "Recursos Humanos de la OIT")."""
    if len(line) > 80:
        return False
    words = _word_skeletons(line)
    if not words or len(words) > 8:
        return False
    at = _find_name(words)
    if at is None:
        return False
    rest = words[:at[0]] + words[at[1]:]
    units, links = _unit_skeletons(), _link_skeletons()
    return bool(rest) and all(w in units or w in links for w in rest) and any(w in units for w in rest)


def claims_to_be_ilo(state: State) -> bool:
    p = state.parsed
    if p.sender is not None and p.sender.display and names_the_ilo(p.sender.display):
        return True
    body = p.views.get("body", "")
    return any(_signature_line(line.strip()) for line in body[:20000].splitlines() if line.strip())


@check("sender_lookalike")
def _sender_lookalike(state: State, rule: Rule) -> list[Evidence]:
    d = state.facts.sender_domain
    if d is None or not state.facts.sender_lookalike:
        return []
    if d.lookalike is None:   # a near miss, with an ILO claim
        return [_addr_evidence(state, state.parsed.sender, detail(state, "lookalike", domain=d.domain,
                                                            kind=detail(state, "kind.near")))] + _claim(state)
    return [_addr_evidence(state, state.parsed.sender, _lookalike_detail(state, d))]


@check("sender_freemail")
def _sender_freemail(state: State, rule: Rule) -> list[Evidence]:
    d = state.facts.sender_domain
    if d is None or not d.is_freemail or "claims_ilo" not in state.contexts:
        return []
    state.facts.freemail_claim = True
    return [_addr_evidence(state, state.parsed.sender, detail(state, "freemail", domain=d.registered))] + _claim(state)


@check("sender_not_ilo")
def _sender_not_ilo(state: State, rule: Rule) -> list[Evidence]:
    d = state.facts.sender_domain
    if (d is None or d.is_ilo or d.is_freemail or state.facts.sender_lookalike or d.is_affiliated
            or "claims_ilo" not in state.contexts):
        return []
    return [_addr_evidence(state, state.parsed.sender, detail(state, "registered", domain=d.registered))] + _claim(state)


@check("display_name_address")
def _display_name_address(state: State, rule: Rule) -> list[Evidence]:
    p = state.parsed
    if not p.display_addresses or p.sender is None:
        return []
    shown_ilo = any(
        (d := domains.info(domains.domain_of(a))).is_ilo or d.lookalike for a in p.display_addresses
    )
    # newsletters put their own address in the display name: a sign only
    # when the message speaks as the ILO or the shown address is ilo.org
    if not shown_ilo and "claims_ilo" not in state.contexts:
        return []
    view = p.sender.field
    text = p.views.get(view, "")
    ev = []
    for shown in p.display_addresses[:3]:
        i = text.find(shown)
        if i >= 0:
            ev.append(Evidence(view, i, i + len(shown), shown, detail(state, "real_address", address=p.sender.address)))
    if ev:
        state.facts.display_spoof = True
        if shown_ilo:
            state.facts.forged_ilo = True
            state.facts.ilo_shown_in_name = True
    return ev


@check("from_malformed")
def _from_malformed(state: State, rule: Rule) -> list[Evidence]:
    p = state.parsed
    invalid = state.facts.sender_invalid
    if p.sender_source not in ("header", "argument") or not (p.from_defects or invalid):
        return []
    if p.sender_source == "argument" and "@" not in (p.sender.address if p.sender else ""):
        return []   # a phone number typed beside an SMS or a chat: no address to judge
    view = "from" if p.sender_source == "header" else "sender"
    text = p.views.get(view, "")
    why = sorted(set(p.from_defects)) + ([f"not a valid address: {invalid}"] if invalid else [])
    return [Evidence(view, 0, len(text), text, detail(state, "malformed", why="; ".join(why)))]


def _other_org(state: State, a: Address) -> bool:
    """True when ``a`` is on another organisation than the From address."""
    if not a.domain:
        return False
    s = state.facts.sender_domain
    d = domains.info(a.domain)
    if d.is_ilo:
        return False
    return s is None or d.registered != s.registered


@check("reply_to_elsewhere")
def _reply_to_elsewhere(state: State, rule: Rule) -> list[Evidence]:
    """From says ilo.org (or the message claims the ILO) but replies go elsewhere."""
    s = state.facts.sender_domain
    from_ilo = bool(s and s.is_ilo)
    if not from_ilo and "claims_ilo" not in state.contexts:
        return []
    ev = []
    for a in state.parsed.reply_to:
        if not _other_org(state, a):
            continue
        d = domains.info(a.domain)
        if from_ilo and (d.is_freemail or d.lookalike):
            state.facts.ilo_replies_elsewhere = True
        if from_ilo or d.is_freemail or d.lookalike:
            why = "freemail" if d.is_freemail else ("lookalike" if d.lookalike else "other")
            ev.append(_addr_evidence(state, a, detail(state, "replies_to", domain=d.registered, why=detail(state, f"why.{why}"))))
    if ev and from_ilo:
        state.facts.forged_ilo = True
    return ev


@check("return_path_elsewhere")
def _return_path_elsewhere(state: State, rule: Rule) -> list[Evidence]:
    s = state.facts.sender_domain
    rp = state.parsed.return_path
    if not (s and s.is_ilo) or rp is None or not _other_org(state, rp):
        return []
    if state.facts.authenticated_ilo:
        # DMARC passed: a list or mailing service's envelope is expected
        return []
    d = domains.info(rp.domain)
    if d.is_freemail or d.lookalike:
        state.facts.forged_ilo = True
    return [_addr_evidence(state, rp, detail(state, "envelope", domain=d.registered))]


def auth_results(state: State, trusted: frozenset[str] | None = None) -> list:
    """The results that decided the sender's authentication (empty when it
    is unknown). ``trusted`` is ignored: the judgement made in
    ``sender_facts`` already applied the caller's settings."""
    j = state.facts.auth
    return list(j.evidence) if j is not None and j.status != "unknown" else []


@check("auth_fail")
def _auth_fail(state: State, rule: Rule) -> list[Evidence]:
    """The believed Authentication-Results say the ilo.org From is forged."""
    s = state.facts.sender_domain
    j = state.facts.auth
    if not (s and s.is_ilo) or j is None or j.status != "fail":
        return []
    text = state.parsed.auth_results[0] if state.parsed.auth_results else ""
    server = j.provider or j.servid or "?"
    ev = []
    for r in j.evidence:
        why = detail(state, "auth_unaligned" if j.reason == "unaligned" else "auth_failed",
                     method=r.method, result=r.result, domain=r.domain or "?", server=server)
        if r.header == 0 and 0 <= r.start < r.end <= len(text):
            ev.append(Evidence("authentication_results", r.start, r.end, text[r.start:r.end], why))
        else:
            ev.append(Evidence("authentication_results", 0, 0, "", why))
    return ev


def _contact_addresses(state: State):
    seen = set()
    for a in state.parsed.body_addresses:
        key = a.address.lower()
        if key in seen:
            continue
        seen.add(key)
        yield a


@check("contact_outside_ilo")
def _contact_outside_ilo(state: State, rule: Rule) -> list[Evidence]:
    """A message that speaks as the ILO gives a free-mail or look-alike address to write to."""
    if "claims_ilo" not in state.contexts:
        return []
    ev = []
    for a in _contact_addresses(state):
        if a.field in ("body", "subject") and state.reported_at(a.field, max(0, a.start)):
            continue     # "scammers write from hr.desk@gmail.com": quoted in a warning
        d = domains.info(a.domain)
        if d.is_freemail:
            ev.append(_addr_evidence(state, a, detail(state, "freemail", domain=d.registered)))
        elif d.lookalike:
            ev.append(_addr_evidence(state, a, _lookalike_detail(state, d)))
        elif d.near_miss:
            ev.append(_addr_evidence(state, a, detail(state, "lookalike", domain=d.domain, kind=detail(state, "kind.near"))))
        if len(ev) >= 5:
            break
    return ev


@check("link_lookalike")
def _link_lookalike(state: State, rule: Rule) -> list[Evidence]:
    ev = []
    links = state.parsed.links
    for i in domains.which_may_imitate([link.host for link in links]):
        link = links[i]
        d = domains.info(link.host)
        if d.lookalike and not d.is_ilo_web:   # ilo.ch, oit.org: the ILO's own web sites
            ev.append(_link_evidence(state, link, _lookalike_detail(state, d)))
        if len(ev) >= 5:
            break
    return ev


_SHOWS_ILO = re.compile(r"(?i)(?:^|[\s/@.])ilo\.org\b")


@check("link_disguised")
def _link_disguised(state: State, rule: Rule) -> list[Evidence]:
    """The visible text of a link shows ilo.org; the link goes elsewhere."""
    ev = []
    for link in state.parsed.links:
        if not link.anchor or not _SHOWS_ILO.search(link.anchor):
            continue
        d = domains.info(link.host)
        if not d.is_ilo:
            ev.append(_link_evidence(state, link, detail(state, "disguised", domain=d.registered or link.host)))
    return ev


@check("link_shortener")
def _link_shortener(state: State, rule: Rule) -> list[Evidence]:
    if "claims_ilo" not in state.contexts:
        return []
    ev = []
    for link in state.parsed.links:
        if domains.info(link.host).shortener:
            ev.append(_link_evidence(state, link, detail(state, "shortener", domain=link.host)))
    return ev[:3]


def _link_evidence(state: State, link, note: str) -> Evidence:
    text = state.parsed.views.get(link.field, "")
    a, b = link.start, link.end
    if not (0 <= a < b <= len(text)) or text[a:b] == "":
        # an HTML link whose text was not found in the body view
        return Evidence(link.field, 0, 0, "", f"{note} ({link.url[:200]})")
    return Evidence(link.field, a, b, text[a:b], note)
