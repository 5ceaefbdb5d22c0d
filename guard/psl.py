"""Registered domains from the Public Suffix List that ships inside tldextract.

Why not call tldextract: importing it imports ``requests`` and so
``urllib3``, whose import binds a probe socket on ``::1``. guard promises no
socket at all unless the caller turns DNS on, so it reads tldextract's
bundled snapshot of the list (``.tld_set_snapshot``, found without importing
the package) and applies the list's algorithm itself: the longest matching
rule wins, ``*.`` rules match one more label, ``!`` exceptions beat both,
and a name under no rule takes its last label as suffix. Like tldextract's
default, only the ICANN section is used. Upgrading tldextract updates the
list; tests/test_domains.py checks the two agree.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

_END_ICANN = "// ===END ICANN DOMAINS==="


def _snapshot_path() -> Path:
    spec = importlib.util.find_spec("tldextract")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("guard: tldextract (for its Public Suffix List snapshot) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / ".tld_set_snapshot"


def _idna(rule: str) -> str:
    if rule.isascii():
        return rule.lower()
    try:
        return rule.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return ".".join(
            lab if lab.isascii() else "xn--" + lab.encode("punycode").decode("ascii")
            for lab in rule.lower().split(".")
        )


@functools.lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The list's ICANN rules as three sets, from the cache (guard/cache.py)
    when it holds this snapshot: IDNA-encoding its 7,000 rules costs about
    100 ms of a start-up."""
    from . import cache

    path = _snapshot_path()
    st = path.stat()
    return cache.cached("psl", f"{path}\0{st.st_size}\0{st.st_mtime_ns}", lambda: _read_rules(path))


def _read_rules(path: Path) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    exact: set[str] = set()
    wild: set[str] = set()
    exceptions: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line.startswith(_END_ICANN):
                break
            if not line or line.startswith("//"):
                continue
            rule = line.split()[0]
            if rule.startswith("!"):
                exceptions.add(_idna(rule[1:]))
            elif rule.startswith("*."):
                wild.add(_idna(rule[2:]))
            else:
                exact.add(_idna(rule))
    return frozenset(exact), frozenset(wild), frozenset(exceptions)


@functools.lru_cache(maxsize=8192)
def split(domain: str) -> tuple[str, str]:
    """(name, suffix) of a lower-case IDNA domain: ``mail.ilo.org.x.co.uk`` ->
    ``("x", "co.uk")``. ``name`` is '' when the domain is itself a suffix."""
    exact, wild, exceptions = _rules()
    labels = [lab for lab in domain.strip(".").split(".") if lab]
    if not labels:
        return "", ""
    n = len(labels)
    for i in range(n):
        candidate = ".".join(labels[i:])
        if candidate in exceptions:
            return labels[i], ".".join(labels[i + 1:])
        parent = ".".join(labels[i + 1:])
        if candidate in exact or (i + 1 < n and parent in wild):
            return (labels[i - 1] if i > 0 else ""), candidate
    # no rule: the default rule "*" makes the last label the suffix
    return (labels[-2] if n > 1 else ""), labels[-1]
