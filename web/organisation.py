"""Where a candidate can act: the ILO's jobs site, its fraud warning, an address to report to.

One place for these for now. The sender work adds an organisation profile
to the rule packs (``rules/organisation.toml``); when that file exists and
names these links, its values win, so the page and the engine cannot drift
apart. Each value is checked to be an https:// address on ilo.org (or an
address @ilo.org) before it is used: a profile with anything else is
ignored for that value.

The fraud-warning page and the reporting address below are the best known
at the time of writing and must be confirmed against the ILO's site by
whoever maintains the organisation profile.
"""

from __future__ import annotations

import functools
import re
import tomllib

JOBS_URL = "https://jobs.ilo.org/"
FRAUD_WARNING_URL = "https://www.ilo.org/about-ilo/careers/fraud-warning"
# the ILO's general contact address (until the profile names a dedicated one)
REPORT_ADDRESS = "ilo@ilo.org"

_ILO_URL = re.compile(r"\Ahttps://(?:[a-z0-9-]+\.)*ilo\.org(?:/[!#-;=?-~]*)?\Z")
_ILO_MAIL = re.compile(r"\A[A-Za-z0-9._%+-]+@ilo\.org\Z")

_KEYS = {
    "jobs_url": (JOBS_URL, _ILO_URL),
    "fraud_warning_url": (FRAUD_WARNING_URL, _ILO_URL),
    "report_address": (REPORT_ADDRESS, _ILO_MAIL),
}


def _profile() -> dict:
    try:
        from guard.paths import rules_dir   # where the installed rule packs are
    except ImportError:
        return {}
    try:
        path = rules_dir() / "organisation.toml"
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, TypeError):
        return {}
    # accept the values at the top level or in a [links] / [organisation] table
    out: dict = {}
    for table in (data, data.get("organisation") or {}, data.get("links") or {}):
        if isinstance(table, dict):
            out.update({k: v for k, v in table.items() if k in _KEYS and isinstance(v, str)})
    return out


@functools.lru_cache(maxsize=1)
def links() -> dict[str, str]:
    prof = _profile()
    out = {}
    for key, (default, pattern) in _KEYS.items():
        value = prof.get(key, default).strip()
        out[key] = value if pattern.match(value) else default
    out["report_mailto"] = "mailto:" + out["report_address"]
    return out
