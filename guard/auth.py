"""Who vouches for the From address: Authentication-Results, judged by DMARC.

Two questions, kept apart:

1. **Which headers to believe** (RFC 8601 section 5 and 7). Anyone who sends
   a message can write Authentication-Results into it, naming any server;
   nobody can write above the headers the receiving servers prepend.

   * Operator mode (``check(trusted_authserv_ids=[...])``, mail filters):
     the topmost headers whose authserv-id the operator listed, down to the
     first one that is not listed.
   * Mailbox mode (``check(mailbox=True)``: the web page, ``guard check
     --mailbox``): a person brings a message from their own
     mailbox, so the topmost header is their provider's. It is believed when
     its authserv-id is one of the large providers in
     ``rules/data/mailbox_providers.toml``: only that header (or that
     provider's topmost run of headers, for providers that write one per
     method), the first result of each method winning. A *pass* from a
     provider also needs the Received headers above it to show that
     provider's servers received the message; a *fail* needs nothing more (a
     forged fail only hurts the forger).

2. **What the believed results say about the From domain** (RFC 7489):

   * ``dmarc=pass`` for the From domain: authenticated, whatever SPF said
     (mail forwarded by a list fails SPF and passes DMARC on its DKIM
     signature);
   * ``dmarc=fail`` for the From domain: forged;
   * no usable DMARC result (absent, ``none``, ``temperror``, or about
     another domain): a DKIM pass whose ``header.d`` is aligned with the From
     domain (same organisational domain, relaxed alignment), or an SPF pass
     whose ``smtp.mailfrom`` is aligned, counts as a pass; passes only for
     other domains (nothing aligned) count as forged, as DMARC itself would
     judge them; otherwise unknown.

ARC (RFC 8617): ``ARC-Authentication-Results`` are not believed. A valid ARC
chain proves only which intermediary sealed the message; whether that
intermediary is honest is a local decision the receiving server makes and
records in its own header (Gmail writes ``arc=pass`` and may then deliver),
and the common forwarded-list case already passes DMARC on the author's DKIM
signature. guard does not verify ARC seals (no DNS or crypto by default).

Headers are parsed with ``authres``; a header it refuses (Yahoo's
``dmarc=pass(p=REJECT)``, Microsoft's header without authserv-id, vendor
properties) is cleaned and parsed again, one result at a time if need be.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field

from .paths import rules_dir

_NO_ID = "x-guard-no-authserv-id"


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    ids: frozenset[str]
    id_suffixes: tuple[str, ...]
    no_id: bool
    run: bool
    received_by: tuple[str, ...]

    def matches(self, servid: str) -> bool:
        if servid == "":
            return self.no_id
        return servid in self.ids or any(servid.endswith(s) for s in self.id_suffixes)


@functools.lru_cache(maxsize=1)
def providers() -> tuple[Provider, ...]:
    with open(rules_dir() / "data" / "mailbox_providers.toml", "rb") as fh:
        data = tomllib.load(fh)
    out = []
    for p in data.get("provider", []):
        out.append(Provider(
            name=p["name"],
            ids=frozenset(s.lower() for s in p.get("ids", [])),
            id_suffixes=tuple(s.lower() for s in p.get("id_suffixes", [])),
            no_id=bool(p.get("no_id", False)),
            run=bool(p.get("run", False)),
            received_by=tuple(s.lower() for s in p.get("received_by", [])),
        ))
    return tuple(out)


def provider_for(servid: str) -> Provider | None:
    for p in providers():
        if p.matches(servid):
            return p
    return None


@dataclass(slots=True)
class Result:
    method: str           # dmarc, dkim, spf, arc, ...
    result: str           # pass, fail, none, ...
    domain: str           # header.from (dmarc), header.d (dkim), smtp.mailfrom's domain (spf)
    header: int           # index of the header, 0 = topmost
    start: int = -1       # span of "method=result" in that header, or -1
    end: int = -1


@dataclass(slots=True)
class Header:
    index: int
    servid: str           # lower case; "" when the header has none
    results: list[Result] = field(default_factory=list)


@dataclass(slots=True)
class Judgement:
    status: str = "unknown"        # "pass" | "fail" | "unknown"
    reason: str = ""               # e.g. "dmarc=pass", "dkim=pass header.d=ilo.org", "unaligned"
    source: str = ""               # "operator" | "mailbox" | ""
    servid: str = ""               # the authserv-id believed
    provider: str = ""             # the provider's name (mailbox mode)
    evidence: list[Result] = field(default_factory=list)
    headers_read: int = 0


# -- parsing ---------------------------------------------------------------------------

_RESINFO_START = re.compile(r"\s*[A-Za-z][\w.-]*(?:/\d+)?\s*=")


def _strip_comments(s: str) -> str:
    out, depth, quoted = [], 0, False
    for c in s:
        if c == '"' and depth == 0:
            quoted = not quoted
        if not quoted:
            if c == "(":
                depth += 1
                continue
            if c == ")" and depth:
                depth -= 1
                continue
        if depth == 0:
            out.append(c)
    return "".join(out)


_PROP = re.compile(r"^[A-Za-z][\w-]*\.[A-Za-z][\w.-]*=\S+$")
_METHOD = re.compile(r"^[A-Za-z][\w-]*(?:/\d+)?=[A-Za-z][\w-]*$")


def _clean_segment(seg: str) -> str:
    """One resinfo reduced to what RFC 8601 allows: method=result and
    ptype.property=value pairs (reasons and vendor tokens dropped)."""
    toks = seg.split()
    if not toks:
        return ""
    first = toks[0]
    m = re.match(r"^([A-Za-z][\w-]*(?:/\d+)?=[A-Za-z][\w-]*)", first)
    if not m:
        return ""
    keep = [m.group(1)]
    keep += [t for t in toks[1:] if _PROP.match(t)]
    return " ".join(keep)


def _authres_parse(value: str):
    import authres

    return authres.AuthenticationResultsHeader.parse("Authentication-Results: " + value)


def parse_header(value: str, index: int = 0) -> Header:
    """One Authentication-Results value (without the field name)."""
    v = value.strip()
    if _RESINFO_START.match(v) and not re.match(r"\s*[\w.-]+\s*;", v):
        # no authserv-id (Microsoft's Exchange Online writes it so)
        v = f"{_NO_ID}; {v}"
    results: list = []
    servid = ""
    parsed = None
    try:
        parsed = _authres_parse(v)
    except Exception:
        parsed = None
    if parsed is not None:
        servid = (parsed.authserv_id or "").lower()
        results = list(parsed.results)
    else:
        bare = _strip_comments(v)
        head, _, rest = bare.partition(";")
        servid = head.strip().split()[0].lower() if head.strip() else ""
        segs = [_clean_segment(s) for s in rest.split(";")]
        segs = [s for s in segs if s]
        try:
            results = list(_authres_parse(f"{servid or _NO_ID}; " + "; ".join(segs)).results) if segs else []
        except Exception:
            for s in segs:
                try:
                    results.extend(_authres_parse(f"{servid or _NO_ID}; {s}").results)
                except Exception:
                    continue
    if servid == _NO_ID:
        servid = ""
    h = Header(index, servid)
    low = value.lower()
    pos = 0
    for r in results:
        method = (getattr(r, "method", "") or "").lower()
        result = (getattr(r, "result", "") or "").lower()
        if not method:
            continue
        domain = _result_domain(method, r)
        m = re.compile(rf"\b{re.escape(method)}\s*=\s*{re.escape(result)}\b").search(low, pos)
        start = end = -1
        if m:
            start, end, pos = m.start(), m.end(), m.end()
        h.results.append(Result(method, result, domain, index, start, end))
    return h


def _result_domain(method: str, r) -> str:
    props = {(p.type.lower(), p.name.lower()): (p.value or "") for p in getattr(r, "properties", [])}
    if method == "dmarc":
        v = props.get(("header", "from"), "")
    elif method == "dkim":
        v = props.get(("header", "d"), "") or props.get(("header", "i"), "")
    elif method == "spf":
        v = props.get(("smtp", "mailfrom"), "") or props.get(("smtp", "helo"), "")
    else:
        v = ""
    v = v.strip().strip("<>\"'").lower()
    if "@" in v:
        v = v.rpartition("@")[2]
    return v.strip(".")


# -- which headers ----------------------------------------------------------------------

_RECEIVED_BY = re.compile(r"\bby\s+([^\s;()]+)", re.I)
_IP_LITERAL = re.compile(r"^\[?(?:[0-9.]+|[0-9a-f:.]*:[0-9a-f:.]*)\]?$", re.I)


def _corroborated(received_above: list[str], prov: Provider) -> bool:
    """The Received headers above the provider's header name its servers
    (at least one) and no other named server."""
    seen = False
    for r in received_above:
        m = _RECEIVED_BY.search(r)
        if not m:
            continue
        host = m.group(1).lower().strip(".")
        if _IP_LITERAL.match(host) or "." not in host:
            continue          # an address or an internal short name: says nothing
        if any(host == d or host.endswith("." + d) for d in prov.received_by):
            seen = True
        else:
            return False
    return seen


def believed(values: list[str], trusted: frozenset[str], mailbox: bool) -> tuple[list[Header], str, Provider | None]:
    """The headers to believe, top first, and why ("operator" | "mailbox")."""
    if not values:
        return [], "", None
    headers = [parse_header(v, i) for i, v in enumerate(values)]
    if trusted and headers[0].servid and headers[0].servid in trusted:
        out = []
        for h in headers:
            if h.servid not in trusted:
                break
            out.append(h)
        return out, "operator", None
    if mailbox:
        prov = provider_for(headers[0].servid)
        if prov is None:
            return [], "", None
        out = [headers[0]]
        if prov.run:
            for h in headers[1:]:
                if not prov.matches(h.servid):
                    break
                out.append(h)
        return out, "mailbox", prov
    return [], "", None


# -- what they say ---------------------------------------------------------------------

def _aligned(d: str, from_domain: str, org) -> bool:
    return bool(d) and (d == from_domain or org(d) == org(from_domain))


def judge(values: list[str], from_domain: str, *, trusted: frozenset[str] = frozenset(),
          mailbox: bool = False, received_above: list[str] | None = None, org=None) -> Judgement:
    """Judge the From domain by the believed Authentication-Results.

    ``org`` maps a domain to its organisational (registered) domain."""
    if org is None:
        from .domains import info
        org = lambda d: info(d).registered  # noqa: E731
    from_domain = from_domain.lower().strip(".")
    headers, source, prov = believed(values, trusted, mailbox)
    j = Judgement(source=source, headers_read=len(headers))
    if not headers or not from_domain:
        return j
    j.servid = headers[0].servid
    j.provider = prov.name if prov else ""
    # first result per method wins (top first); DKIM keeps every signature
    dmarc: Result | None = None
    dkim: list[Result] = []
    spf: Result | None = None
    for h in headers:
        for r in h.results:
            if r.method == "dmarc" and dmarc is None:
                dmarc = r
            elif r.method == "dkim":
                dkim.append(r)
            elif r.method == "spf" and spf is None:
                spf = r
    status, reason, ev = "unknown", "", []
    if dmarc is not None and dmarc.result in ("pass", "fail") and (
            not dmarc.domain or _aligned(dmarc.domain, from_domain, org)):
        status, reason, ev = dmarc.result, f"dmarc={dmarc.result}", [dmarc]
    else:
        aligned_pass = [r for r in dkim if r.result == "pass" and _aligned(r.domain, from_domain, org)]
        if spf is not None and spf.result == "pass" and _aligned(spf.domain, from_domain, org):
            aligned_pass.append(spf)
        other_pass = [r for r in dkim + ([spf] if spf else []) if r.result == "pass" and r not in aligned_pass]
        aligned_fail = [r for r in dkim + ([spf] if spf else [])
                        if r.result in ("fail", "softfail")
                        and _aligned(r.domain, from_domain, org)]
        if aligned_pass:
            r = aligned_pass[0]
            status, reason, ev = "pass", f"{r.method}=pass {r.domain}", [r]
        elif aligned_fail:
            status, reason, ev = "fail", f"{aligned_fail[0].method}={aligned_fail[0].result}", aligned_fail[:2]
        elif other_pass:
            # passes only for other domains: nothing vouches for the From domain
            status, reason, ev = "fail", "unaligned", other_pass[:2]
    if status == "pass" and source == "mailbox" and prov is not None:
        if not _corroborated(received_above or [], prov):
            return Judgement(source=source, servid=j.servid, provider=j.provider,
                             headers_read=j.headers_read, reason="uncorroborated")
    j.status, j.reason, j.evidence = status, reason, ev
    return j
