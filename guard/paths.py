"""Where the rule packs are: inside the installed package, or the checkout."""

from __future__ import annotations

import functools
import os
from pathlib import Path


@functools.lru_cache(maxsize=1)
def rules_dir() -> Path:
    """``GUARD_RULES_DIR`` if set; else the packs shipped in the wheel
    (``guard/_rules``); else ``rules/`` beside the package in a checkout."""
    env = os.environ.get("GUARD_RULES_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if (candidate / "domains.toml").is_file():
            return candidate
    raise FileNotFoundError("guard: rule packs not found (looked in guard/_rules and rules/)")
