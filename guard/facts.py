"""What the checks learn about a message's sender: one typed value per message.

The checks of guard/checks.py (and the DNS pass of guard/dnscheck.py) fill a
``SenderFacts``; meta rules (``rules/scoring.toml``, ``when.facts``,
``when.any_fact``, ``when.not_facts``) read its yes/no facts by name, and the
rule loader (guard/rules.py) refuses a name that is not one of them, with the
file, the rule and the key in the message. The class has slots, so a check
that writes a misspelt fact fails at once instead of setting a fact no rule
reads.

Each field says which check sets it and what it means. A yes/no fact starts
False and is only ever set to True; a fact that is not yes/no (the sender's
domain, the authentication judgement, a policy) is for the checks and the
verdict, not for meta rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth import Judgement
    from .domains import DomainInfo
    from .model import Evidence


def _fact(doc: str, default: Any = False, factory=None):
    if factory is not None:
        return field(default_factory=factory, metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


@dataclass(slots=True)
class SenderFacts:
    """What the sender checks learnt about one message (see the module docstring)."""

    # -- checks.sender_facts: who the sender is (once per message, after the contexts)
    no_sender: bool = _fact("checks.sender_facts: no sender address is known (no From, no typed sender).")
    sender_invalid: str = _fact(
        "checks.sender_facts: why email-validator refuses the From or typed address ('' when it is valid).", "")
    sender_domain: DomainInfo | None = _fact(
        "checks.sender_facts: what guard/domains.py knows of the sender's domain (None without a sender).", None)
    sender_is_ilo: bool = _fact("checks.sender_facts: the sender's address is on ilo.org (or a subdomain).")
    sender_freemail: bool = _fact("checks.sender_facts: the sender's address is at a free-mail provider.")
    sender_affiliated: bool = _fact(
        "checks.sender_facts: the sender's domain is one of the ILO's affiliated domains (rules/domains.toml).")
    sender_lookalike: bool = _fact(
        "checks.sender_facts: the sender's domain imitates ilo.org, or is one letter away from it in a "
        "message that speaks as the ILO.")
    auth: Judgement | None = _fact(
        "checks.sender_facts: guard/auth.py's judgement of the believed Authentication-Results for the "
        "From domain (None: none to judge).", None)
    authenticated_ilo: bool = _fact(
        "checks.sender_facts: an ilo.org From that a believed Authentication-Results header says passed "
        "DMARC (scoring.toml [authenticated]: never 'fraud').")
    forged_ilo: bool = _fact(
        "an ilo.org From that is forged: believed Authentication-Results say fail (checks.sender_facts), "
        "an ilo.org or look-alike address shown in the display name (check display_name_address), "
        "replies or the envelope going elsewhere (reply_to_elsewhere, return_path_elsewhere), or an "
        "ilo.org subdomain that does not exist (DNS check sender_nxdomain).")
    un_colleague: bool = _fact(
        "checks.sender_facts: a sender on a UN-system domain writing about the ILO, not as the ILO "
        "(the claims_ilo context is then dropped).")

    # -- offline checks (guard/checks.py)
    freemail_claim: bool = _fact("check sender_freemail: a free-mail sender in a message that speaks as the ILO.")
    ilo_replies_elsewhere: bool = _fact(
        "check reply_to_elsewhere: an ilo.org From whose Reply-To is a free-mail or look-alike address "
        "(the forgery of GRD905, beside forged_ilo).")
    ilo_shown_in_name: bool = _fact(
        "check display_name_address: the display name shows an ilo.org or look-alike address that is not "
        "the real one (GRD905).")
    display_spoof: bool = _fact(
        "check display_name_address: the display name shows another address than the real one.")

    # -- the DNS pass (guard/dnscheck.py run; only with a resolver)
    dns_sender_nxdomain: bool = _fact("DNS check sender_nxdomain: the sender's domain does not exist.")
    dns_sender_no_mail: bool = _fact("DNS check sender_no_mail: the sender's domain cannot receive mail.")
    dns_sender_sends_no_mail: bool = _fact(
        "DNS check sender_sends_no_mail: the sender's domain publishes SPF 'v=spf1 -all' (sends no mail).")
    dns_contact_undeliverable: bool = _fact(
        "DNS check contact_undeliverable: a Reply-To or written address cannot receive mail.")
    dns_link_nxdomain: bool = _fact("DNS check link_nxdomain: a link's host does not exist.")
    dns_lookalike_no_dmarc: bool = _fact(
        "DNS check lookalike_no_dmarc: a look-alike sender domain publishes no DMARC record.")
    ilo_dmarc_policy: str = _fact(
        "DNS pass, for an ilo.org From without trusted Authentication-Results: ilo.org's published DMARC "
        "policy ('reject', 'quarantine', 'none', 'none-published', 'invalid'; '' when not looked up).", "")
    dns_found: dict[str, list[Evidence]] = _fact(
        "DNS pass: the evidence each DNS check found, by check name (rules/dns.toml check = 'dns:NAME'); "
        "the registered dns:* checks of guard/checks.py turn it into findings.", factory=dict)
    dns_asked: int = _fact("DNS pass: how many queries were sent.", 0)
    dns_ms: float = _fact("DNS pass: milliseconds spent on DNS.", 0.0)

    def holds(self, name: str) -> bool:
        """Is the yes/no fact ``name`` true? A name that is not a yes/no
        fact is a KeyError (the loader refuses such names in rules)."""
        if name not in FACT_NAMES:
            raise KeyError(f"unknown sender fact {name!r}")
        return getattr(self, name)


def _bool_facts() -> frozenset[str]:
    return frozenset(f.name for f in fields(SenderFacts) if f.type in ("bool", bool))


# the yes/no facts meta rules may name (rules/scoring.toml when.facts / any_fact / not_facts)
FACT_NAMES: frozenset[str] = _bool_facts()


def describe() -> dict[str, str]:
    """Every fact and what it means, in declaration order (for docs and tests)."""
    return {f.name: f.metadata["doc"] for f in fields(SenderFacts)}
