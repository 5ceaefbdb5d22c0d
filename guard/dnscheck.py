"""What only DNS can tell about a message's domains (on when a resolver is given).

``guard.check(message, resolver=r)`` calls ``run()`` after the offline rules
and before the meta rules and scoring. This module (and dnspython) is
imported only then: with DNS off the library opens no socket and never loads
``dns``.

Which messages: those that speak as the ILO (the "claims_ilo" context), or
whose sender is on ilo.org or on a look-alike of it. Other mail is not looked
up at all.

Which names, in this order (the budget goes to the first ones first), at most
``MAX_NAMES`` distinct domains per message:

1. the sender's domain: does it exist, can it receive mail, does its SPF
   record say it sends no mail at all; for a look-alike of ilo.org, does it
   publish DMARC; for ilo.org itself, what ilo.org's published DMARC policy
   says about a message that carries no trusted Authentication-Results (a
   note, not a finding: the policy is a fact about ilo.org, not about this
   message);
2. the Reply-To domains and 3. the domains of addresses written in the body:
   does the domain exist and can it receive mail;
4. the hosts of links: does the name exist.

Skipped: ilo.org itself (a subdomain of ilo.org in the sender is checked for
existence only, since the ILO's own no-reply subdomains need not take mail;
ilo.org addresses and links elsewhere in the message are not checked: the
sender of a scam does not control them), free-mail providers, the ILO's
affiliated domains and link shorteners (known to exist), IP literals and
names without a dot.

"Can receive mail" follows RFC 5321 section 5.1 and RFC 7505, as
email-validator does: the MX records decide; a single MX of preference 0 and
host "." (null MX) means the domain accepts no mail; with no MX at all the
domain itself is the mail host if it has a globally routable A or AAAA
address (private, loopback and documentation addresses do not count).
email-validator's own deliverability check (``validate_email(addr,
check_deliverability=True, dns_resolver=...)``) runs on the same, memoised,
answers as a cross-check; its words go into the evidence. A finding needs
both to agree.

Bounds: the whole DNS time of one message is ``budget`` seconds. Each query
is given ``lifetime`` = what is left of the budget (passed per call, so one
resolver can be shared by threads), no query is started once it is spent,
and each (name, type) is asked at most once per message. ``make_resolver``
gives resolvers a process-wide LRU cache (one per nameserver set) that
respects TTLs; dnspython caches answers, NXDOMAIN and NoAnswer, never
timeouts or failures. A timeout, SERVFAIL, a truncated answer that could not
be fetched over TCP, or a spent budget makes the check "unknown": ``"dns"``
goes into ``Verdict.unknowns`` and a note names what was not checked. It is
never a pass, and never an exception.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import threading
import time
from dataclasses import dataclass

import dns.exception
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.resolver

from . import domains
from .texts import Joined, Note, Phrase, detail
from .checks import DNS_CHECKS
from .state import State
from .model import Evidence

log = logging.getLogger("guard.dns")

DEFAULT_BUDGET = 2.0      # seconds of DNS per message (guard.check's dns_budget)
MAX_NAMES = 12            # distinct domains looked up per message
CACHE_SIZE = 10_000       # answers kept per cache (dnspython LRUCache)
_MIN_LIFETIME = 0.01      # with less time left than this, no query is started

# the names of the checks in rules/dns.toml (``check = "dns:<name>"``), registered in guard/checks.py
CHECK_NAMES = DNS_CHECKS


# -- resolvers ---------------------------------------------------------------------

_caches: dict[tuple, dns.resolver.LRUCache] = {}
_caches_lock = threading.Lock()


def make_resolver(nameservers=None, port: int = 53, timeout: float = 2.0) -> dns.resolver.Resolver:
    """A dnspython resolver for ``guard.check(resolver=...)``.

    ``nameservers``: IP addresses of the DNS servers to ask (a list, or a
    string of addresses separated by commas or spaces); None reads the
    system's configuration (/etc/resolv.conf).
    ``port``: their port. ``timeout``: seconds per query (each query is also
    held to what is left of the message's DNS budget).

    Resolvers made here for the same servers and port share one process-wide
    cache (``dns.resolver.LRUCache``, TTL-respecting). Raises ValueError for
    a bad argument or when the system has no DNS configuration.
    """
    if isinstance(nameservers, str):
        nameservers = [n for n in re.split(r"[,\s]+", nameservers) if n]
    ns: list[str] | None = None
    if nameservers is not None:
        ns = []
        for n in nameservers:
            try:
                ns.append(str(ipaddress.ip_address(str(n).strip())))
            except ValueError:
                raise ValueError(f"nameserver {n!r} is not an IP address") from None
        if not ns:
            raise ValueError("nameservers is empty: give at least one IP address, or None for the system's")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be an integer from 1 to 65535, not {port!r}")
    if (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
            or not timeout > 0 or math.isinf(timeout)):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if ns is None:
        try:
            r = dns.resolver.Resolver(configure=True)
        except dns.resolver.NoResolverConfiguration as e:
            raise ValueError("the system has no DNS configuration: give nameservers") from e
        ns = [str(getattr(n, "address", n)) for n in r.nameservers]
    else:
        r = dns.resolver.Resolver(configure=False)
    # the port first: dnspython fixes each nameserver's port when it is set
    r.port = port
    r.nameservers = ns
    r.timeout = float(timeout)
    r.lifetime = float(timeout)
    r.use_search_by_default = False
    r.cache = _cache_for(tuple(ns), port)
    return r


def _cache_for(nameservers: tuple[str, ...], port: int) -> dns.resolver.LRUCache:
    # one cache per set of servers: answers from one server are not
    # answers from another
    key = (nameservers, port)
    with _caches_lock:
        c = _caches.get(key)
        if c is None:
            c = _caches[key] = dns.resolver.LRUCache(max_size=CACHE_SIZE)
        return c


def clear_caches() -> None:
    """Empty the process-wide caches (for tests and benchmarks)."""
    with _caches_lock:
        for c in _caches.values():
            c.flush()


# -- bounded, memoised lookups for one message ---------------------------------------

class Unanswered(dns.exception.Timeout):
    """DNS gave no usable answer (timeout, SERVFAIL, spent budget, ...).

    A subclass of ``dns.exception.Timeout`` so that email-validator, which
    is handed the same lookups, reports "unknown deliverability" for it
    instead of calling the address undeliverable.
    """

    msg = "DNS gave no usable answer"
    supp_kwargs = {"reason"}
    fmt = "DNS gave no usable answer: {reason}"


class Lookups:
    """The DNS queries of one message: bounded by a deadline, each asked once.

    ``resolve(qname, rdtype)`` has the shape of dnspython's, so it is also
    the ``dns_resolver`` handed to email-validator: its queries share the
    budget and the answers already fetched.
    """

    def __init__(self, resolver, budget: float) -> None:
        self.resolver = resolver
        self.budget = budget
        self.deadline = time.monotonic() + budget
        self._memo: dict[tuple[str, str], tuple[object, BaseException | None]] = {}
        self._nx: dict[str, BaseException] = {}
        self.unanswered: dict[tuple[str, str], Phrase] = {}   # (type, name) -> why
        self.asked = 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def resolve(self, qname, rdtype="A", *args, **kwargs):
        name = str(qname).rstrip(".").lower()
        rtype = dns.rdatatype.to_text(dns.rdatatype.RdataType.make(rdtype))
        nx = self._nx.get(name)
        if nx is not None:        # NXDOMAIN holds for every type of the name
            raise nx
        key = (name, rtype)
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = self._ask(name, rtype)
        answer, exc = got
        if exc is not None:
            raise exc
        return answer

    def _ask(self, name: str, rtype: str) -> tuple[object, BaseException | None]:
        left = self.remaining()
        if left < _MIN_LIFETIME:
            return None, self._fail(name, rtype, detail("dns_why.budget"))
        self.asked += 1
        try:
            ans = self._resolve(name, rtype, left)
            return ans, None
        except dns.resolver.NXDOMAIN as e:
            self._nx[name] = e
            return None, e
        except dns.resolver.NoAnswer as e:
            return None, e
        except dns.exception.Timeout:
            return None, self._fail(name, rtype, detail("dns_why.timeout", seconds=f"{left:.1f}"))
        except dns.resolver.NoNameservers as e:
            return None, self._fail(name, rtype, _servers_said(e))
        except dns.exception.DNSException as e:
            return None, self._fail(name, rtype, detail("dns_why.error", error=type(e).__name__,
                                                         text=str(e)[:200]))
        except Exception as e:  # a broken resolver object, a socket error, ...
            log.debug("DNS lookup of %s %s failed", rtype, name, exc_info=True)
            return None, self._fail(name, rtype, detail("dns_why.failed", error=type(e).__name__))

    def _resolve(self, name: str, rtype: str, left: float):
        """``resolver.resolve`` with ``lifetime`` = what is left, held to the deadline.

        dnspython sleeps between retries (0.1 s, doubling) before it checks
        the lifetime, so it can overrun it; a query that is not cached runs
        in a helper thread and is abandoned at the deadline (the thread ends
        by itself when dnspython's lifetime expires).
        """
        if self._cached(name, rtype):
            return self.resolver.resolve(name, rtype, lifetime=left, search=False)
        box: list = []

        def work() -> None:
            try:
                box.append((self.resolver.resolve(name, rtype, lifetime=left, search=False), None))
            except BaseException as e:  # handed to the caller's thread
                box.append((None, e))

        th = threading.Thread(target=work, name=f"guard-dns {rtype} {name}"[:60], daemon=True)
        th.start()
        th.join(max(0.0, self.deadline - time.monotonic()))
        if not box:
            raise dns.exception.Timeout(timeout=left)
        ans, exc = box[0]
        if exc is not None:
            raise exc
        return ans

    def _cached(self, name: str, rtype: str) -> bool:
        cache = getattr(self.resolver, "cache", None)
        if cache is None:
            return False
        try:
            qname = dns.name.from_text(name)
            rd = dns.rdatatype.RdataType.make(rtype)
            return (cache.get((qname, rd, dns.rdataclass.IN)) is not None
                    or cache.get((qname, dns.rdatatype.ANY, dns.rdataclass.IN)) is not None)
        except Exception:
            return False

    def _fail(self, name: str, rtype: str, why: Phrase) -> Unanswered:
        self.unanswered.setdefault((rtype, name), why)
        return Unanswered(reason=why.say("en"))


def _servers_said(e: dns.resolver.NoNameservers) -> Phrase:
    """What the servers answered, for the note: "SERVFAIL", "truncated", ..."""
    said: list = []
    for err in (e.kwargs.get("errors") or [])[:3]:
        what = err[3] if len(err) > 3 else err
        text = str(what)
        if isinstance(what, BaseException) and not text:
            text = type(what).__name__
        if isinstance(what, dns.message.Truncated) or "truncat" in text.lower():
            said.append(detail("dns_why.truncated"))
        else:
            said.append(text[:80])
    if not said:
        return detail("dns_why.no_server")
    return detail("dns_why.no_server_said", said=Joined(said))


# -- what the records say -----------------------------------------------------------

@dataclass(slots=True)
class MailStatus:
    kind: str        # "nxdomain" | "null_mx" | "no_host" | "mx" | "a" | "aaaa" | "unknown"
    detail: Phrase   # which record, what it said (rules/details.toml [dns_mail])

    @property
    def exists(self) -> bool | None:
        return None if self.kind == "unknown" else self.kind != "nxdomain"

    @property
    def receives_mail(self) -> bool | None:
        if self.kind == "unknown":
            return None
        return self.kind in ("mx", "a", "aaaa")


def _is_global(addr: str) -> bool:
    try:
        return ipaddress.ip_address(addr).is_global
    except ValueError:
        return False


def mail_status(lk: Lookups, domain: str) -> MailStatus:
    """Can ``domain`` receive mail? (RFC 5321 5.1 with the A/AAAA fallback, RFC 7505)."""
    try:
        ans = lk.resolve(domain, "MX")
        mx = sorted((r.preference, r.exchange) for r in ans)
        real = [(p, h) for p, h in mx if h != dns.name.root]
        if not real:
            return MailStatus("null_mx", detail("dns_mail.null_mx"))
        shown = ", ".join(f"{p} {h.to_text(omit_final_dot=True)}" for p, h in real[:3])
        return MailStatus("mx", detail("dns_mail.mx", hosts=shown))
    except dns.resolver.NXDOMAIN:
        return MailStatus("nxdomain", detail("dns_mail.nxdomain", rtype="MX"))
    except dns.resolver.NoAnswer:
        pass
    except Unanswered as e:
        return MailStatus("unknown", detail("dns_mail.unknown_mx", reason=e.kwargs.get("reason", "no answer")))
    seen: list[Phrase] = []
    for rtype in ("A", "AAAA"):
        try:
            ans = lk.resolve(domain, rtype)
        except dns.resolver.NXDOMAIN:
            return MailStatus("nxdomain", detail("dns_mail.nxdomain", rtype=rtype))
        except dns.resolver.NoAnswer:
            continue
        except Unanswered as e:
            return MailStatus("unknown", detail("dns_mail.unknown_host", rtype=rtype,
                                                reason=e.kwargs.get("reason", "no answer")))
        addrs = [r.address for r in ans]
        public = [a for a in addrs if _is_global(a)]
        if public:
            return MailStatus(rtype.lower(), detail("dns_mail.host", rtype=rtype, address=public[0]))
        seen.append(detail("dns_mail.private", rtype=rtype, address=addrs[0]))
    if not seen:
        rest = detail("dns_mail.no_address")
    elif len(seen) == 1:
        rest = seen[0]
    else:
        rest = detail("dns_mail.private_two", first=seen[0], second=seen[1])
    return MailStatus("no_host", detail("dns_mail.no_host", rest=rest))


def _txt(lk: Lookups, name: str) -> list[str] | None:
    """The TXT strings of ``name``: [] for none, None when DNS could not answer."""
    try:
        ans = lk.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except Unanswered:
        return None
    out = []
    for r in ans:
        out.append(b"".join(r.strings).decode("utf-8", errors="replace"))
    return out


def spf_record(lk: Lookups, domain: str) -> tuple[str | None, bool]:
    """(the domain's SPF record or None, answered?)."""
    txt = _txt(lk, domain)
    if txt is None:
        return None, False
    spf = [t for t in txt if t.lower().startswith("v=spf1")]
    return (spf[0] if len(spf) == 1 else None), True


def _spf_rejects_all(record: str | None) -> bool:
    return record is not None and " ".join(record.lower().split()) == "v=spf1 -all"


@dataclass(slots=True)
class Dmarc:
    found: bool | None      # None: DNS could not answer
    record: str = ""
    where: str = ""         # the _dmarc name the record was read from
    tags: dict | None = None
    detail: Phrase | None = None   # rules/details.toml [dns_dmarc]


def org_domain(domain: str) -> str:
    info = domains.info(domain)
    if info.suffix:
        return info.registered
    labels = info.domain.split(".")
    return ".".join(labels[-2:])


def dmarc_policy(lk: Lookups, domain: str) -> Dmarc:
    """The DMARC record for ``domain`` (RFC 7489 6.6.3: the domain, then its organisational domain)."""
    names = [f"_dmarc.{domain}"]
    org = org_domain(domain)
    if org and org != domain:
        names.append(f"_dmarc.{org}")
    tried = []
    for name in names:
        txt = _txt(lk, name)
        if txt is None:
            return Dmarc(None, detail=detail("dns_dmarc.unread", name=name))
        recs = [t for t in txt if t.replace(" ", "").lower().startswith("v=dmarc1")]
        if len(recs) == 1:
            return Dmarc(True, recs[0], name, _tags(recs[0]), detail("dns_dmarc.record", name=name, record=recs[0][:120]))
        tried.append(name)
    if len(tried) == 1:
        return Dmarc(False, detail=detail("dns_dmarc.none", name=tried[0]))
    return Dmarc(False, detail=detail("dns_dmarc.none_either", name=tried[0], org=tried[1]))


def _tags(record: str) -> dict[str, str]:
    out = {}
    for part in record.split(";"):
        k, sep, v = part.partition("=")
        if sep:
            out[k.strip().lower()] = v.strip()
    return out


def validator_says(lk: Lookups, address: str) -> tuple[str, str]:
    """email-validator's deliverability check of ``address``, on the same lookups.

    ("deliverable" | "undeliverable" | "unknown" | "syntax", its message).
    On a DNS timeout email-validator returns without ``mx`` instead of
    raising: that is "unknown".
    """
    from email_validator import EmailSyntaxError, EmailUndeliverableError, validate_email

    try:
        r = validate_email(address, check_deliverability=True, dns_resolver=lk,
                           test_environment=False)
    except EmailUndeliverableError as e:
        return "undeliverable", str(e)
    except EmailSyntaxError as e:
        return "syntax", str(e)
    except Exception as e:  # never let a library problem become a crash
        log.debug("email-validator failed on %r", address, exc_info=True)
        return "unknown", type(e).__name__
    if getattr(r, "mx", None):
        return "deliverable", ""
    return "unknown", "email-validator could not tell (no DNS answer)"


# -- the checks ----------------------------------------------------------------------

def _relevant(state: State) -> bool:
    if "claims_ilo" in state.contexts:
        return True
    d = state.facts.sender_domain
    return bool(d and (d.is_ilo or d.lookalike))


def _queryable(domain: str) -> str:
    """The IDNA form of ``domain`` if it is a name DNS can be asked about, else ''."""
    d = domains.to_ascii(domain)
    if not d or "." not in d or len(d) > 253:
        return ""
    if any(not lab or len(lab) > 63 for lab in d.split(".")):
        return ""
    try:
        ipaddress.ip_address(d.strip("[]"))
        return ""
    except ValueError:
        pass
    return d


def _known_to_exist(info) -> bool:
    return info.is_freemail or info.is_affiliated or info.shortener


def _span(state: State, field: str, start: int, end: int, said: Phrase) -> Evidence:
    """Evidence at ``field[start:end]`` with ``said`` as its detail, in the verdict's language."""
    text = state.parsed.views.get(field, "")
    why = said.say(state.lang)
    if not (0 <= start < end <= len(text)):
        return Evidence(field, 0, 0, "", why)
    return Evidence(field, start, end, text[start:end], why)


def _add(state: State, name: str, ev: list[Evidence]) -> None:
    """What the DNS check ``name`` found; its registered check (guard/checks.py)
    makes the finding of the rule that names it."""
    if ev:
        state.facts.dns_found.setdefault(name, []).extend(ev)


def run(state: State, resolver, budget: float = DEFAULT_BUDGET) -> None:
    """Do the DNS lookups of one message: what each DNS check found goes into
    ``st.facts`` (``dns_found`` and the dns_* facts), unknowns and notes into
    ``st``; the dns:* checks of the registry then make the findings."""
    if not _relevant(state):
        return
    try:
        budget = float(budget)
    except (TypeError, ValueError):
        budget = 0.0
    if not budget > 0 or math.isnan(budget):
        state.unknowns.append("dns")
        state.notes.append(Note("dns.bad_budget"))
        return
    if not callable(getattr(resolver, "resolve", None)):
        state.unknowns.append("dns")
        state.notes.append(Note("dns.bad_resolver", kind=type(resolver).__name__))
        return
    t0 = time.monotonic()
    lk = Lookups(resolver, budget)
    try:
        _run(state, lk)
    except Exception:
        log.exception("guard: internal error in the DNS checks")
        state.unknowns.append("dns")
        state.notes.append(Note("dns.internal_error"))
    state.facts.dns_asked = lk.asked
    state.facts.dns_ms = (time.monotonic() - t0) * 1000
    if lk.unanswered:
        state.unknowns.append("dns")
        items = [Phrase("notes", "dns.unanswered_item", rtype=t, name=n, why=why)
                 for (t, n), why in list(lk.unanswered.items())[:8]]
        more = len(lk.unanswered) - len(items)
        state.notes.append(Note("dns.unanswered", items=Joined(items),
                             more=Phrase("notes", "dns.more", n=more) if more > 0 else ""))


def _run(state: State, lk: Lookups) -> None:
    p = state.parsed
    names: list[str] = []          # distinct domains, in the order they are checked
    skipped: list[str] = []

    def take(domain: str) -> bool:
        if domain in names:
            return True
        if len(names) >= MAX_NAMES:
            if domain not in skipped:
                skipped.append(domain)
            return False
        names.append(domain)
        return True

    statuses: dict[str, MailStatus] = {}

    def status_of(domain: str) -> MailStatus:
        s = statuses.get(domain)
        if s is None:
            s = statuses[domain] = mail_status(lk, domain)
        return s

    # 1. the sender
    s = p.sender
    info = state.facts.sender_domain
    dom = _queryable(s.domain) if s is not None and s.domain else ""
    if s is not None and dom and info is not None and not _known_to_exist(info) and take(dom):
        if info.is_ilo:
            _ilo_sender(state, lk, s, dom, status_of)
        else:
            _other_sender(state, lk, s, dom, info, status_of)

    # 2 and 3. Reply-To and addresses written in the body
    ev: list[Evidence] = []
    seen_addr: set[str] = set()
    for role, addrs in (("reply_to", p.reply_to), ("body", p.body_addresses)):
        for a in addrs:
            d = _queryable(a.domain)
            key = a.address.lower()
            if not d or key in seen_addr:
                continue
            seen_addr.add(key)
            ainfo = domains.info(d)
            if ainfo.is_ilo or _known_to_exist(ainfo):
                continue
            if s is not None and d == dom:
                # the sender's own domain: already judged above
                continue
            if not take(d):
                continue
            domain_status = status_of(d)
            if domain_status.receives_mail is not False:
                continue
            said_kind, said = validator_says(lk, a.address)
            if said_kind == "deliverable":
                state.notes.append(Note("dns.deliverable", domain=d, status=domain_status.detail))
                continue
            why = _with_validator(detail("dns.contact", domain=d, role=detail(f"dns_role.{role}"),
                                         status=domain_status.detail), said_kind, said)
            ev.append(_span(state, a.field, a.start, a.end, why))
            if len(ev) >= 5:
                break
    if ev:
        state.facts.dns_contact_undeliverable = True
        _add(state, "contact_undeliverable", ev)

    # 4. link hosts
    ev = []
    seen_host: set[str] = set()
    for link in p.links:
        h = _queryable(link.host)
        if not h or h in seen_host:
            continue
        seen_host.add(h)
        hinfo = domains.info(h)
        if hinfo.is_ilo or _known_to_exist(hinfo):
            continue
        if not take(h):
            continue
        gone = statuses.get(h)
        if gone is not None and gone.kind == "nxdomain":
            nx = True
            what = gone.detail.params["rtype"]
        else:
            try:
                lk.resolve(h, "A")
                nx = False
            except dns.resolver.NXDOMAIN:
                nx = True
            except (dns.resolver.NoAnswer, Unanswered):
                nx = False
            what = "A"
        if nx:
            url = detail("dns.link_url", url=link.url[:200]) if link.start >= link.end else ""
            ev.append(_span(state, link.field, link.start, link.end,
                            Joined([detail("dns.link", host=h, rtype=what), url], sep="")))
        if len(ev) >= 5:
            break
    if ev:
        state.facts.dns_link_nxdomain = True
        _add(state, "link_nxdomain", ev)

    if skipped:
        state.notes.append(Note("dns.too_many", n=MAX_NAMES,
                             names=", ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else "")))


def _sender_ev(state: State, s, said: Phrase) -> list[Evidence]:
    return [_span(state, s.field, s.start, s.end, said)]


def _with_validator(said: Phrase, said_kind: str, validator: str) -> Phrase:
    """``said``, followed by email-validator's own words when it too found
    the address undeliverable."""
    if said_kind != "undeliverable":
        return said
    return Joined([said, detail("dns.validator", said=validator)], sep="")


def _ilo_sender(state: State, lk: Lookups, s, dom: str, status_of) -> None:
    """From ilo.org or a subdomain of it."""
    if dom != domains.ILO_DOMAIN:
        # a subdomain of ilo.org: existence only (no-reply subdomains need not take mail)
        sender_status = status_of(dom)
        if sender_status.kind == "nxdomain":
            state.facts.dns_sender_nxdomain = True
            state.facts.forged_ilo = True
            _add(state, "sender_nxdomain", _sender_ev(state, s, detail("dns.sender", domain=dom, status=sender_status.detail)))
            return
    _ilo_posture(state, lk, dom)


def _ilo_posture(state: State, lk: Lookups, dom: str) -> None:
    """Compare a message "from ilo.org" with ilo.org's published DMARC policy.

    With a trusted Authentication-Results header the receiving server's
    result says more than any policy: nothing to add. Without one, the
    policy tells the user what a From: ilo.org line is worth.
    """
    from .checks import auth_results

    if auth_results(state):
        return
    d = dmarc_policy(lk, dom)
    spf, _ok = spf_record(lk, domains.ILO_DOMAIN)
    if d.found is None:
        return  # named in the "could not answer" note
    spf_text = Phrase("notes", "dns.ilo_spf", record=spf[:120]) if spf else ""
    if not d.found:
        state.facts.ilo_dmarc_policy = "none-published"
        state.notes.append(Note("dns.ilo_no_policy", dmarc=d.detail, domain=dom, spf=spf_text))
        return
    tags = d.tags or {}
    policy = (tags.get("sp") if dom != domains.ILO_DOMAIN and tags.get("sp") else tags.get("p", "")).lower()
    state.facts.ilo_dmarc_policy = policy or "invalid"
    if policy in ("reject", "quarantine"):
        state.notes.append(Note("dns.ilo_enforced", dmarc=d.detail, what=Phrase("notes", f"dns.what.{policy}"),
                             domain=dom, spf=spf_text))
    else:
        state.notes.append(Note("dns.ilo_lax", dmarc=d.detail, policy=policy or "?", domain=dom, spf=spf_text))


def _other_sender(state: State, lk: Lookups, s, dom: str, info, status_of) -> None:
    sender_status = status_of(dom)
    if sender_status.kind == "unknown":
        return
    if sender_status.receives_mail is False:
        said_kind, said = validator_says(lk, s.address)
        if said_kind == "deliverable":
            state.notes.append(Note("dns.deliverable", domain=dom, status=sender_status.detail))
        else:
            why = _with_validator(detail("dns.sender", domain=dom, status=sender_status.detail), said_kind, said)
            if sender_status.kind == "nxdomain":
                state.facts.dns_sender_nxdomain = True
                _add(state, "sender_nxdomain", _sender_ev(state, s, why))
                return
            state.facts.dns_sender_no_mail = True
            _add(state, "sender_no_mail", _sender_ev(state, s, why))
    spf, answered = spf_record(lk, dom)
    if _spf_rejects_all(spf):
        state.facts.dns_sender_sends_no_mail = True
        _add(state, "sender_sends_no_mail", _sender_ev(state, s, detail("dns.sends_no_mail", domain=dom, record=spf)))
    if info.lookalike:
        d = dmarc_policy(lk, dom)
        if d.found is False:
            spf_said = (detail("dns_spf.record", record=spf) if spf
                        else detail("dns_spf.none") if answered else detail("dns_spf.unread"))
            state.facts.dns_lookalike_no_dmarc = True
            _add(state, "lookalike_no_dmarc", _sender_ev(state, s, detail("dns.no_dmarc", domain=dom, dmarc=d.detail,
                                                                    spf=spf_said)))
