"""What a domain name is: the ILO's own, a free-mail provider, a look-alike.

Registered domains come from the Public Suffix List snapshot that ships
inside the tldextract package, read by guard/psl.py (no network, no cache on
disk, and no import of tldextract itself: see that module). The lists of
free-mail providers and ILO-affiliated domains are data, in
``rules/domains.toml``.

Look-alike decisions (documented in README.md, "Sender rules"):

* ``ilo.org`` and its subdomains are the ILO. Affiliated domains (the ILO's
  training centre ``itcilo.org``) are genuine but are *not* ilo.org; they are
  never called look-alikes.
* ``ilo.org.<anything>`` where the registered domain is not ilo.org is the
  subdomain trick.
* A registered domain whose name part is ``ilo`` under another suffix
  (``ilo.com``, ``ilo.ch``) is a suffix swap.
* A name part made of the token ``ilo`` (or ``oit``) joined to recruiting or
  organisational words, with or without hyphens (``ilo-org``, ``iloorg``,
  ``ilo-careers``, ``oit-empleos``), or spelling the Organization's name out,
  is a name variant.
* A name part whose visual skeleton equals ``ilo`` or ``iloorg`` (``i1o``,
  ``il0``, ``llo``, Cyrillic ``ilо`` in punycode) is a typo or homoglyph.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass

from . import psl
from .normalize import fold_char
from .paths import rules_dir

ILO_DOMAIN = "ilo.org"


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    with open(rules_dir() / "domains.toml", "rb") as fh:
        return tomllib.load(fh)


def freemail_domains() -> frozenset[str]:
    return frozenset(_data()["freemail"]["domains"])


def affiliated_domains() -> frozenset[str]:
    return frozenset(_data()["affiliated"]["domains"])


def shortener_domains() -> frozenset[str]:
    return frozenset(_data()["shorteners"]["domains"])


def to_ascii(domain: str) -> str:
    """Lower-case IDNA (punycode) form of a domain, or '' if it is not one."""
    d = domain.strip().strip(".").lower()
    if not d or len(d) > 253:
        return ""
    if d.isascii():
        return d
    try:
        return d.encode("idna").decode("ascii")
    except UnicodeError:
        # IDNA 2003 refuses some names browsers show; keep them comparable.
        try:
            return ".".join(
                lab if lab.isascii() else "xn--" + lab.encode("punycode").decode("ascii")
                for lab in d.split(".")
            )
        except UnicodeError:
            return ""


def to_unicode(domain: str) -> str:
    out = []
    for lab in domain.split("."):
        if lab.startswith("xn--"):
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


@functools.lru_cache(maxsize=4096)
def info(domain: str) -> DomainInfo:
    d = to_ascii(domain)
    name, suffix = psl.split(d) if d else ("", "")
    if name and suffix:
        registered = f"{name}.{suffix}"
    else:
        registered, name, suffix = d, d.split(".")[0] if d else "", ""
    is_ilo = registered == ILO_DOMAIN
    affiliated = registered in affiliated_domains()
    return DomainInfo(
        domain=d,
        registered=registered,
        name=name,
        suffix=suffix,
        is_ilo=is_ilo,
        is_affiliated=affiliated,
        is_freemail=registered in freemail_domains(),
        lookalike=None if (is_ilo or affiliated) else _lookalike(d, name, suffix),
        shortener=registered in shortener_domains(),
    )


# visual skeleton: letters that are hard to tell apart map to one form
_SKELETON = str.maketrans({"1": "l", "i": "l", "|": "l", "!": "l", "0": "o", "q": "o"})


def skeleton(s: str) -> str:
    s = "".join(fold_char(c) for c in to_unicode(s))
    s = s.replace("rn", "m").replace("vv", "w")
    return s.translate(_SKELETON)


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
)


def _lookalike(domain: str, name: str, suffix: str) -> str | None:
    if not domain:
        return None
    # ilo.org.<anything>: the subdomain trick
    if domain.startswith("ilo.org.") or ".ilo.org." in domain:
        return "subdomain"
    if name == "ilo":
        return "suffix"           # ilo.com, ilo.ch, ilo.int, ...
    uname = to_unicode(name)
    tokens = [t for t in re.split(r"[-_.]+", uname) if t]
    joined = "".join(tokens)
    # the Organization's name spelled out in the domain
    if _NAME_SPELLED.search(uname) or _NAME_SPELLED.search(joined):
        return "name"
    # ilo joined to other words: ilo-org, iloorg, ilo-careers, careers-ilo
    for tok in tokens:
        if tok in ("ilo", "oit") and len(tokens) > 1:
            return "name"
    for word in _JOIN_WORDS:
        for head in ("ilo", "oit"):
            if joined == head + word or joined == word + head:
                return "name"
    sk = skeleton(joined)
    if sk in (_ILO_SK, _ILOORG_SK) or (sk.startswith(_ILO_SK) and sk[3:] in _JOIN_WORDS):
        return "homoglyph" if not uname.isascii() or name.startswith("xn--") else "typo"
    # labels to the left that spell ilo.org (ilo-org.secure-mail.com)
    left = domain[: -len(name + "." + suffix)] if suffix else ""
    for lab in left.split("."):
        lt = [t for t in re.split(r"[-_]+", to_unicode(lab)) if t]
        if "ilo" in lt and len(lt) > 1 and skeleton("".join(lt)) == _ILOORG_SK:
            return "subdomain"
    return None


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower() if "@" in address else ""
