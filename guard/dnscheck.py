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
from .checks import DNS_CHECKS
from .engine import State
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
        self.unanswered: dict[tuple[str, str], str] = {}   # (type, name) -> why
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
            return None, self._fail(name, rtype, "not asked: the DNS budget for this message was spent")
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
            return None, self._fail(name, rtype, f"no answer within {left:.1f} s")
        except dns.resolver.NoNameservers as e:
            return None, self._fail(name, rtype, _servers_said(e))
        except dns.exception.DNSException as e:
            return None, self._fail(name, rtype, f"{type(e).__name__}: {e}"[:200])
        except Exception as e:  # a broken resolver object, a socket error, ...
            log.debug("DNS lookup of %s %s failed", rtype, name, exc_info=True)
            return None, self._fail(name, rtype, f"lookup failed ({type(e).__name__})")

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

    def _fail(self, name: str, rtype: str, why: str) -> Unanswered:
        self.unanswered.setdefault((rtype, name), why)
        return Unanswered(reason=why)


def _servers_said(e: dns.resolver.NoNameservers) -> str:
    """What the servers answered, for the note: "SERVFAIL", "truncated", ..."""
    said = []
    for err in (e.kwargs.get("errors") or [])[:3]:
        what = err[3] if len(err) > 3 else err
        text = str(what)
        if isinstance(what, BaseException) and not text:
            text = type(what).__name__
        if isinstance(what, dns.message.Truncated) or "truncat" in text.lower():
            text = "truncated answer"
        said.append(text[:80])
    return "no server could answer" + (f" ({'; '.join(dict.fromkeys(said))})" if said else "")


# -- what the records say -----------------------------------------------------------

@dataclass(slots=True)
class MailStatus:
    kind: str      # "nxdomain" | "null_mx" | "no_host" | "mx" | "a" | "aaaa" | "unknown"
    detail: str    # which record, what it said

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
            return MailStatus("null_mx", 'MX: 0 . (a "null MX": the domain accepts no mail, RFC 7505)')
        shown = ", ".join(f"{p} {h.to_text(omit_final_dot=True)}" for p, h in real[:3])
        return MailStatus("mx", f"MX: {shown}")
    except dns.resolver.NXDOMAIN:
        return MailStatus("nxdomain", "MX: no record (NXDOMAIN: the domain does not exist)")
    except dns.resolver.NoAnswer:
        pass
    except Unanswered as e:
        return MailStatus("unknown", f"MX: {e.kwargs.get('reason', 'no answer')}")
    seen: list[str] = []
    for rtype in ("A", "AAAA"):
        try:
            ans = lk.resolve(domain, rtype)
        except dns.resolver.NXDOMAIN:
            return MailStatus("nxdomain", f"{rtype}: no record (NXDOMAIN: the domain does not exist)")
        except dns.resolver.NoAnswer:
            continue
        except Unanswered as e:
            return MailStatus("unknown", f"MX: no record; {rtype}: {e.kwargs.get('reason', 'no answer')}")
        addrs = [r.address for r in ans]
        public = [a for a in addrs if _is_global(a)]
        if public:
            return MailStatus(rtype.lower(), f"MX: no record; {rtype}: {public[0]} (mail goes to the domain itself, RFC 5321 5.1)")
        seen.append(f"{rtype}: {addrs[0]} (not a public address)")
    rest = "; ".join(seen) if seen else "A/AAAA: no record"
    return MailStatus("no_host", f"MX: no record; {rest}: the domain cannot receive mail")


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
    detail: str = ""


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
            return Dmarc(None, detail=f"DMARC: {name} could not be read")
        recs = [t for t in txt if t.replace(" ", "").lower().startswith("v=dmarc1")]
        if len(recs) == 1:
            return Dmarc(True, recs[0], name, _tags(recs[0]), f'DMARC: {name} "{recs[0][:120]}"')
        tried.append(name)
    return Dmarc(False, detail=f"DMARC: no record at {' or '.join(tried)}")


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

def _relevant(st: State) -> bool:
    if "claims_ilo" in st.contexts:
        return True
    d = st.facts.sender_domain
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


def _span(st: State, field: str, start: int, end: int, detail: str) -> Evidence:
    text = st.parsed.views.get(field, "")
    if not (0 <= start < end <= len(text)):
        return Evidence(field, 0, 0, "", detail)
    return Evidence(field, start, end, text[start:end], detail)


def _add(st: State, name: str, ev: list[Evidence]) -> None:
    """What the DNS check ``name`` found; its registered check (guard/checks.py)
    makes the finding of the rule that names it."""
    if ev:
        st.facts.dns_found.setdefault(name, []).extend(ev)


def run(st: State, resolver, budget: float = DEFAULT_BUDGET) -> None:
    """Do the DNS lookups of one message: what each DNS check found goes into
    ``st.facts`` (``dns_found`` and the dns_* facts), unknowns and notes into
    ``st``; the dns:* checks of the registry then make the findings."""
    if not _relevant(st):
        return
    try:
        budget = float(budget)
    except (TypeError, ValueError):
        budget = 0.0
    if not budget > 0 or math.isnan(budget):
        st.unknowns.append("dns")
        st.notes.append("DNS checks not run: the DNS budget is not a positive number of seconds")
        return
    if not callable(getattr(resolver, "resolve", None)):
        st.unknowns.append("dns")
        st.notes.append(f"DNS checks not run: the resolver ({type(resolver).__name__}) has no resolve()")
        return
    t0 = time.monotonic()
    lk = Lookups(resolver, budget)
    try:
        _run(st, lk)
    except Exception:
        log.exception("guard: internal error in the DNS checks")
        st.unknowns.append("dns")
        st.notes.append("DNS checks stopped by an internal error: the results are incomplete")
    st.facts.dns_asked = lk.asked
    st.facts.dns_ms = (time.monotonic() - t0) * 1000
    if lk.unanswered:
        st.unknowns.append("dns")
        items = [f"{t} {n} ({why})" for (t, n), why in list(lk.unanswered.items())[:8]]
        more = len(lk.unanswered) - len(items)
        st.notes.append(
            "DNS could not answer, so these were not checked: " + "; ".join(items)
            + (f"; and {more} more" if more > 0 else "")
        )


def _run(st: State, lk: Lookups) -> None:
    p = st.parsed
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
    info = st.facts.sender_domain
    dom = _queryable(s.domain) if s is not None and s.domain else ""
    if s is not None and dom and info is not None and not _known_to_exist(info) and take(dom):
        if info.is_ilo:
            _ilo_sender(st, lk, s, dom, status_of)
        else:
            _other_sender(st, lk, s, dom, info, status_of)

    # 2 and 3. Reply-To and addresses written in the body
    ev: list[Evidence] = []
    seen_addr: set[str] = set()
    for role, addrs in (("Reply-To", p.reply_to), ("address in the message", p.body_addresses)):
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
            st_ = status_of(d)
            if st_.receives_mail is not False:
                continue
            said_kind, said = validator_says(lk, a.address)
            if said_kind == "deliverable":
                st.notes.append(f"DNS: {d}: {st_.detail}, but email-validator found it deliverable; not reported")
                continue
            detail = f"{d} ({role}): {st_.detail}"
            if said_kind == "undeliverable":
                detail += f"; email-validator: {said}"
            ev.append(_span(st, a.field, a.start, a.end, detail))
            if len(ev) >= 5:
                break
    if ev:
        st.facts.dns_contact_undeliverable = True
        _add(st, "contact_undeliverable", ev)

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
            what = gone.detail.split(":", 1)[0]
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
            ev.append(_span(st, link.field, link.start, link.end,
                            f"link to {h}: {what}: no record (NXDOMAIN: the host does not exist)"
                            + ("" if link.start < link.end else f" ({link.url[:200]})")))
        if len(ev) >= 5:
            break
    if ev:
        st.facts.dns_link_nxdomain = True
        _add(st, "link_nxdomain", ev)

    if skipped:
        st.notes.append(
            f"DNS: only the first {MAX_NAMES} domains were looked up; not looked up: "
            + ", ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else "")
        )


def _sender_ev(st: State, s, detail: str) -> list[Evidence]:
    return [_span(st, s.field, s.start, s.end, detail)]


def _ilo_sender(st: State, lk: Lookups, s, dom: str, status_of) -> None:
    """From ilo.org or a subdomain of it."""
    if dom != domains.ILO_DOMAIN:
        # a subdomain of ilo.org: existence only (no-reply subdomains need not take mail)
        stt = status_of(dom)
        if stt.kind == "nxdomain":
            st.facts.dns_sender_nxdomain = True
            st.facts.forged_ilo = True
            _add(st, "sender_nxdomain", _sender_ev(st, s, f"{dom}: {stt.detail}"))
            return
    _ilo_posture(st, lk, dom)


def _ilo_posture(st: State, lk: Lookups, dom: str) -> None:
    """Compare a message "from ilo.org" with ilo.org's published DMARC policy.

    With a trusted Authentication-Results header the receiving server's
    result says more than any policy: nothing to add. Without one, the
    policy tells the user what a From: ilo.org line is worth.
    """
    from .checks import auth_results

    if auth_results(st):
        return
    d = dmarc_policy(lk, dom)
    spf, _ok = spf_record(lk, domains.ILO_DOMAIN)
    if d.found is None:
        return  # named in the "could not answer" note
    spf_text = f' SPF: "{spf[:120]}".' if spf else ""
    if not d.found:
        st.facts.ilo_dmarc_policy = "none-published"
        st.notes.append(
            f"DNS: {d.detail}: ilo.org publishes no DMARC policy, so a From line "
            f"showing {dom} proves nothing without authentication.{spf_text}")
        return
    tags = d.tags or {}
    policy = (tags.get("sp") if dom != domains.ILO_DOMAIN and tags.get("sp") else tags.get("p", "")).lower()
    st.facts.ilo_dmarc_policy = policy or "invalid"
    if policy in ("reject", "quarantine"):
        what = "rejects" if policy == "reject" else "sends to spam"
        st.notes.append(
            f"DNS: {d.detail}: a mail server that enforces DMARC {what} mail that falsely "
            f"uses {dom}; this message has no trusted Authentication-Results, so whether "
            f"it passed is unknown here.{spf_text}")
    else:
        st.notes.append(
            f"DNS: {d.detail}: the policy is p={policy or '?'}, so mail servers are not asked to "
            f"refuse mail that falsely uses {dom}; without trusted Authentication-Results "
            f"the From line proves nothing.{spf_text}")


def _other_sender(st: State, lk: Lookups, s, dom: str, info, status_of) -> None:
    stt = status_of(dom)
    if stt.kind == "unknown":
        return
    if stt.receives_mail is False:
        said_kind, said = validator_says(lk, s.address)
        if said_kind == "deliverable":
            st.notes.append(f"DNS: {dom}: {stt.detail}, but email-validator found it deliverable; not reported")
        else:
            detail = f"{dom}: {stt.detail}"
            if said_kind == "undeliverable":
                detail += f"; email-validator: {said}"
            if stt.kind == "nxdomain":
                st.facts.dns_sender_nxdomain = True
                _add(st, "sender_nxdomain", _sender_ev(st, s, detail))
                return
            st.facts.dns_sender_no_mail = True
            _add(st, "sender_no_mail", _sender_ev(st, s, detail))
    spf, answered = spf_record(lk, dom)
    if _spf_rejects_all(spf):
        st.facts.dns_sender_sends_no_mail = True
        _add(st, "sender_sends_no_mail", _sender_ev(
            st, s, f'{dom}: SPF "{spf}": the domain says it sends no mail at all'))
    if info.lookalike:
        d = dmarc_policy(lk, dom)
        if d.found is False:
            spf_text = f'SPF: "{spf}"' if spf else ("SPF: no record" if answered else "SPF: not read")
            st.facts.dns_lookalike_no_dmarc = True
            _add(st, "lookalike_no_dmarc", _sender_ev(st, s, f"{dom}: {d.detail}; {spf_text}"))
