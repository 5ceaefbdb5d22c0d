"""What a domain name is: the ILO's own, a UN-system colleague's, a free-mail
provider, a look-alike.

Registered domains come from the Public Suffix List snapshot that ships
inside the tldextract package, read by guard/psl.py (no network, no cache on
disk). The organisation is data: ``rules/data/org_ilo.toml`` (official
domains, affiliates, web aliases, names, jobs site, where to report) and
``rules/data/un_system.toml`` (the UN system's own domains); free-mail
providers and link shorteners are in ``rules/domains.toml``.

Names are encoded and decoded with the ``idna`` package (IDNA 2008 with the
UTS #46 mapping, as browsers and mail programs do), not the standard
library's IDNA 2003 codec; a label IDNA 2008 refuses is kept comparable as
raw punycode.

Look-alike decisions (README.md, "Look-alike domains"):

* ``ilo.org`` and its subdomains are the ILO. Affiliates (``itcilo.org``)
  are genuine but are *not* ilo.org; the UN system's domains are
  colleagues: neither is ever called a look-alike. The ILO's web aliases
  (``oit.org``, ``ilo.ch``) are its own web sites (``is_ilo_web``: a link
  there is not a look-alike link) but not its mail domains: as a sender,
  ``ilo.ch`` is still a suffix swap.
* strong look-alikes, flagged whatever the message says: ``ilo.org.<x>``
  (subdomain trick), ``ilo.<other suffix>``, the name joined to other words
  (``ilo-org``, ``iloorg``, ``ilo-careers``, ``oit-empleos``) or spelt out,
  labels that read ``ilo`` once dots and hyphens are dropped (``i-lo.org``,
  ``i.lo.org``), and names whose visual skeleton is ``ilo``/``iloorg``.
  The skeleton is UTS #39's (Unicode's confusables data, read offline from
  the ``confusable_homoglyphs`` package) with accents dropped, case folded
  and the ``i``/``l`` pair merged: ``ilօ.org`` (Armenian oh), ``ɪlo.org``,
  ``iIo.org``, ``i1o.org``, ``il0.org``, ``xn--il-gmc.org``.
* near misses (``near_miss``): one edit (omission, repetition, swap,
  replacement, insertion, addition, a flipped bit) away from ``ilo`` or
  ``iloorg``: ``io.org``, ``illo.org``, ``iol.org``, ``ilp.org``,
  ``iloa.org``. Short names one letter from "ilo" are often real
  organisations, so these count only as the sender of a message that claims
  the ILO (guard/checks.py).
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass

from . import psl
from .paths import rules_dir

ILO_DOMAIN = "ilo.org"


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    with open(rules_dir() / "domains.toml", "rb") as fh:
        return tomllib.load(fh)


@functools.lru_cache(maxsize=1)
def profile() -> dict:
    """The ILO's profile (rules/data/org_ilo.toml)."""
    with open(rules_dir() / "data" / "org_ilo.toml", "rb") as fh:
        return tomllib.load(fh)


@functools.lru_cache(maxsize=1)
def official_domains() -> frozenset[str]:
    return frozenset(profile()["domains"]["official"])


@functools.lru_cache(maxsize=1)
def affiliated_domains() -> frozenset[str]:
    return frozenset(profile()["domains"]["affiliates"])


@functools.lru_cache(maxsize=1)
def web_alias_domains() -> frozenset[str]:
    return frozenset(profile()["domains"].get("web_aliases", []))


@functools.lru_cache(maxsize=1)
def un_system_domains() -> frozenset[str]:
    with open(rules_dir() / "data" / "un_system.toml", "rb") as fh:
        return frozenset(tomllib.load(fh)["domains"])


@functools.lru_cache(maxsize=1)
def freemail_domains() -> frozenset[str]:
    return frozenset(_data()["freemail"]["domains"])


@functools.lru_cache(maxsize=1)
def freemail_names() -> frozenset[str]:
    """Provider names that are free mail under any public suffix
    (outlook.pt, hotmail.com.br, yahoo.co.jp): rules/domains.toml
    [freemail] names."""
    return frozenset(_data()["freemail"].get("names", ()))


@functools.lru_cache(maxsize=1)
def shortener_domains() -> frozenset[str]:
    return frozenset(_data()["shorteners"]["domains"])


def _label_to_ascii(lab: str) -> str:
    lab = lab.lower()
    if lab.isascii():
        return lab
    import idna

    try:
        # strict IDNA 2008, no UTS #46 mapping: a label that only maps to
        # a valid one (full-width "ｏ", the roman numeral "ⅼ") is not that
        # name; a header carrying it is imitating it
        return idna.encode(lab).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        # IDNA 2008 refuses it (a symbol, a mapped or mixed label...): a mail
        # header can still carry it, so keep it comparable as raw punycode
        try:
            return "xn--" + lab.encode("punycode").decode("ascii")
        except UnicodeError:
            return ""


def to_ascii(domain: str) -> str:
    """Lower-case IDNA (punycode) form of a domain, or '' if it is not one."""
    d = domain.strip().strip(".")
    if not d or len(d) > 253:
        return ""
    if d.isascii():
        return d.lower()
    d = unicodedata.normalize("NFC", d).replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".")
    out = []
    for lab in d.split("."):
        a = _label_to_ascii(lab)
        if not a and lab:
            return ""
        out.append(a.lower())
    return ".".join(out)


def to_unicode(domain: str) -> str:
    """The Unicode form of each xn-- label (IDNA 2008; raw punycode as a fallback)."""
    if "xn--" not in domain.lower():
        return domain
    out = []
    for lab in domain.split("."):
        if lab[:4].lower() == "xn--":
            try:
                import idna

                lab = idna.decode(lab)
            except (UnicodeError, ValueError, Exception):
                try:
                    lab = lab[4:].encode("ascii").decode("punycode")
                except (UnicodeError, ValueError):
                    pass
        out.append(lab)
    return ".".join(out)


@dataclass(frozen=True, slots=True)
class DomainInfo:
    domain: str             # lower-case, IDNA
    registered: str         # registered domain (name + public suffix), IDNA
    name: str               # the label just below the public suffix
    suffix: str
    is_ilo: bool
    is_affiliated: bool
    is_freemail: bool
    lookalike: str | None   # why it imitates ilo.org, or None
    shortener: bool
    is_un_system: bool = False   # a UN-system organisation's own domain
    is_ilo_web: bool = False     # the ILO's web pages are served here (oit.org, ilo.ch)
    near_miss: bool = False      # one edit from ilo / iloorg: a sign only with an ILO claim


@functools.lru_cache(maxsize=4096)
def info(domain: str) -> DomainInfo:
    d = to_ascii(domain)
    name, suffix = psl.split(d) if d else ("", "")
    if name and suffix:
        registered = f"{name}.{suffix}"
    else:
        registered, name, suffix = d, d.split(".")[0] if d else "", ""
    is_ilo = registered in official_domains()
    affiliated = registered in affiliated_domains()
    web = registered in web_alias_domains()
    un = registered in un_system_domains()
    free = registered in freemail_domains() or (bool(suffix) and name in freemail_names())
    short = registered in shortener_domains()
    # web aliases are the ILO's own web sites but not its mail domains: as a
    # sender or contact address ilo.ch is still "another ending than .org"
    # (checks skip them for links)
    genuine = is_ilo or affiliated or un
    lookalike = None if genuine else _lookalike(d, name, suffix)
    return DomainInfo(
        domain=d,
        registered=registered,
        name=name,
        suffix=suffix,
        is_ilo=is_ilo,
        is_affiliated=affiliated,
        is_freemail=free,
        lookalike=lookalike,
        shortener=short,
        is_un_system=un,
        is_ilo_web=web,
        near_miss=not (genuine or web or free or short or lookalike) and _near_miss(name),
    )


# -- visual skeletons (UTS #39) ---------------------------------------------------------

# What Unicode's confusables data maps these ASCII characters to (the test
# suite checks this table against the data); any other character is looked
# up in the data itself, loaded on first need.
_ASCII_PROTO = {"`": "'", '"': "''", "|": "l", "1": "l", "I": "l", "0": "O", "m": "rn", "%": "\u00ba/\u2080"}


@functools.lru_cache(maxsize=1)
def confusable_prototypes() -> dict[str, str]:
    """Character -> prototype, from Unicode's confusables.txt as shipped in
    the confusable_homoglyphs package (its JSON lists each pair both ways: the
    prototype is the side with several confusables; a lone pair keeps its
    lower code point)."""
    from importlib import resources

    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    data = json.loads(raw)
    proto: dict[str, str] = {}
    for k, entries in data.items():
        if len(k) != 1 or len(entries) != 1:
            continue
        t = entries[0]["c"].replace("\u200e", "")
        if not t or t == k:
            continue
        back = data.get(t, [])
        if len(back) > 1:
            proto[k] = t
        elif min(k, t) == t:
            proto[k] = t
    return proto


def _proto(c: str) -> str:
    if c.isascii():
        return _ASCII_PROTO.get(c, c)
    return confusable_prototypes().get(c, c)


def uts39_skeleton(s: str) -> str:
    """UTS #39 skeleton: NFD, each character to its prototype, NFD."""
    s = unicodedata.normalize("NFD", s)
    return unicodedata.normalize("NFD", "".join(_proto(c) for c in s))


# The two rounds of skeleton() on a lower-case ASCII string without '%' (the
# one ASCII character whose prototype is not ASCII): round one maps through
# _ASCII_PROTO and lowers ("0" -> "O" -> "o"), round two finds nothing left
# to map. One translate does both; a test compares it with the long way.
_ASCII_ROUNDS = str.maketrans({c: t.lower() for c, t in _ASCII_PROTO.items() if c != "%"})


def skeleton(s: str) -> str:
    """A domain label's look: UTS #39 skeleton of its Unicode form with
    accents dropped and case folded (twice, so that 0 -> O -> o), vv read
    as w and the i/l pair merged."""
    s = to_unicode(s).lower()
    if s.isascii() and "%" not in s:
        # a link-heavy message holds thousands of plain host names: the
        # long way costs tens of microseconds each
        s = s.translate(_ASCII_ROUNDS)
        return s.replace("rn", "m").replace("vv", "w").replace("i", "l")
    return _skeleton_rounds(s)


def _skeleton_rounds(s: str) -> str:
    """skeleton() the long way, on a lower-cased Unicode string."""
    for _ in range(2):
        s = uts39_skeleton(s)
        s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("rn", "m").replace("vv", "w")
    return s.replace("i", "l")


_ILO_SK = skeleton("ilo")
_ILOORG_SK = skeleton("iloorg")
_JOIN_WORDS = (
    "org", "int", "un", "jobs", "job", "career", "careers", "recruit",
    "recruitment", "recrutement", "reclutamiento", "hr", "rh", "rrhh", "hrm",
    "office", "mail", "geneva", "geneve", "ginebra", "online", "portal",
    "empleo", "empleos", "emploi", "emplois", "vacancy", "vacancies", "staff",
    "work", "employment", "official", "secure", "support", "team", "desk",
    "info", "global", "intl", "worldwide", "africa", "asia", "americas",
    "europe", "arab", "pacific", "travel", "visa", "grant", "programme",
    "program",
)
_NAME_SPELLED = re.compile(
    r"internationa?l?-?labou?r-?(organi[sz]ation|office)|labou?r-?organi[sz]ation"
    r"|organi[sz]acion-?internacional-?del?-?trabajo"
    r"|organisation-?internationale-?du-?travail"
    r"|organizacao-?internacional-?do-?trabalho"
)


_SUBDOMAIN_TRICK = re.compile(r"(?:[^.]+\.)*ilo\.org[.\-_]")
_LABEL_SEPS = re.compile(r"[-_.]+")
_WORD_SEPS = re.compile(r"[-_]+")
_JOINED_NAMES = frozenset(h + w for w in _JOIN_WORDS for h in ("ilo", "oit")) | frozenset(
    w + h for w in _JOIN_WORDS for h in ("ilo", "oit"))


# Every way _lookalike_full finds leaves a trace in a plain ASCII domain
# with its separators taken out: "ilo" read through its look-alike letters
# (i, 1, | as l; 0 as o: skeleton() only ever merges letters into one, as
# rn -> m, never drops one), "oit", or the start of the Organization's name
# spelled out. A link-heavy message holds thousands of other host names.
_AS_L = str.maketrans("i1|0", "lllo")
_NAME_STARTS = ("labo", "trabajo", "travail", "trabalho")


def _no_trace(domain: str) -> bool:
    """True when ``domain`` (lower-case) is plain ASCII and holds no trace
    of the ILO's name: then it imitates nothing (see _lookalike)."""
    if not domain.isascii() or "xn--" in domain:
        return False
    joined = domain.replace("-", "").replace("_", "").replace(".", "")
    return ("oit" not in joined and "llo" not in joined.translate(_AS_L)
            and not any(w in joined for w in _NAME_STARTS))


def may_imitate(host: str) -> bool:
    """False when ``info(host).lookalike`` is surely None, decided without
    the full reading (a page of links holds thousands of hosts)."""
    return not _no_trace(host.lower())


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def which_may_imitate(hosts: list[str]) -> list[int]:
    """The indices, in order, of the hosts for which may_imitate holds: the
    same answers, from a few searches in C over all of them joined by line
    breaks (the 2,000 hosts of a link-heavy page), then may_imitate on the
    few hosts they point at. _no_trace's tests read the same on the joined
    text: taking out separators and reading look-alike letters keep the line
    breaks, and no trace spans one."""
    if len(hosts) < 16:
        return [i for i, h in enumerate(hosts) if may_imitate(h)]
    joined = "\n".join(h.lower() for h in hosts)
    bare = joined.replace("-", "").replace("_", "").replace(".", "")
    picked: set[int] = set()

    def lines_with(text: str, needle: str | None) -> None:
        # the line of each occurrence, counted by the line breaks before it
        line = 0
        last = 0
        pos = text.find(needle) if needle is not None else -1
        if needle is None:
            m = _NOT_ASCII.search(text)
            pos = m.start() if m else -1
        while pos >= 0:
            line += text.count("\n", last, pos)
            picked.add(line)
            last = text.find("\n", pos)
            if last < 0:
                break
            if needle is None:
                m = _NOT_ASCII.search(text, last)
                pos = m.start() if m else -1
            else:
                pos = text.find(needle, last)

    if not joined.isascii():
        lines_with(joined, None)
    lines_with(joined, "xn--")
    lines_with(bare, "oit")
    lines_with(bare.translate(_AS_L), "llo")
    for w in _NAME_STARTS:
        lines_with(bare, w)
    return [i for i in sorted(picked) if may_imitate(hosts[i])]


def _lookalike(domain: str, name: str, suffix: str) -> str | None:
    if _no_trace(domain):
        return None
    return _lookalike_full(domain, name, suffix)


def _lookalike_full(domain: str, name: str, suffix: str) -> str | None:
    if not domain:
        return None
    # ilo.org.<anything>, ilo.org-<anything>: the subdomain trick
    if _SUBDOMAIN_TRICK.match(domain):
        return "subdomain"
    if name == "ilo":
        return "suffix"           # ilo.com, ilo.ch, ilo.int, ...
    uname = to_unicode(name)
    tokens = [t for t in _LABEL_SEPS.split(uname) if t]
    joined = "".join(tokens)
    # the Organization's name spelled out in the domain
    if joined.isascii():
        ascii_joined = joined
    else:
        ascii_joined = "".join(c for c in unicodedata.normalize("NFKD", joined) if not unicodedata.combining(c))
    if _NAME_SPELLED.search(uname) or _NAME_SPELLED.search(joined) or _NAME_SPELLED.search(ascii_joined):
        return "name"
    # ilo joined to other words: ilo-org, iloorg, ilo-careers, careers-ilo
    for tok in tokens:
        if tok in ("ilo", "oit") and len(tokens) > 1:
            return "name"
    if joined in _JOINED_NAMES:      # iloorg, careersilo, oitempleo ...
        return "name"
    sk = skeleton(joined)
    if sk in (_ILO_SK, _ILOORG_SK) or (sk.startswith(_ILO_SK) and sk[3:] in _JOIN_WORDS):
        return "homoglyph" if not uname.isascii() else "typo"
    left = domain[: -len(name + "." + suffix)].rstrip(".") if suffix else ""
    if left:
        # the labels to the left and the name read ilo once the dots go
        # (i.lo.org, il.o-org.net) or a left label spells ilo.org
        # (ilo-org.secure-mail.com)
        lefts = left.split(".")
        whole = skeleton("".join(_WORD_SEPS.split(to_unicode(lefts[-1] + name))))
        if whole in (_ILO_SK, _ILOORG_SK):
            return "subdomain"
        for lab in lefts:
            lt = [t for t in _WORD_SEPS.split(to_unicode(lab)) if t]
            if len(lt) > 1 and skeleton("".join(lt)) == _ILOORG_SK and skeleton(lt[0]) == _ILO_SK:
                return "subdomain"
    return None


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance exactly 1 (one deletion, insertion,
    substitution or swap of neighbours)."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    # b is a with one character inserted
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _near_miss(name: str) -> bool:
    if not name or len(name) > 12:
        return False
    plain = to_unicode(name).lower().replace("-", "").replace("_", "")
    sk = skeleton(plain)
    # one edit from a word of 3 or 6 letters: 2 to 7 letters long
    return any(_one_edit(x, t) for x in (plain, sk) if 2 <= len(x) <= 7
               for t in ("ilo", "iloorg", _ILO_SK, _ILOORG_SK))


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower() if "@" in address else ""
