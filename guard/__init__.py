"""guard: tells whether a recruitment message that uses the ILO's name is a fraud.

    >>> from guard import check
    >>> v = check(raw_bytes_or_text)
    >>> v.level            # Level.CLEAR | Level.SUSPICIOUS | Level.FRAUD
    >>> v.findings         # what was found, why it matters, where
    >>> v.to_dict()        # JSON-ready (README.md, "Verdict fields")
"""

__version__ = "0.1.0"

from .api import check, preload  # noqa: E402
from .model import CATEGORIES, Evidence, Finding, Level, Verdict  # noqa: E402

__all__ = ["check", "preload", "Verdict", "Finding", "Evidence", "Level", "CATEGORIES", "__version__"]
