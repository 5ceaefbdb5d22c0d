"""The whole messages the equality tests read: files of this repository's
tests matching the given patterns, then ../shared's corpora and seeds
(when present; GUARD_SHARED_DIR overrides where)."""

import glob
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GUARD_SHARED_DIR", ROOT.parent / "shared"))


def message_files(*test_patterns: str) -> list[str]:
    """Sorted per pattern: ``test_patterns`` under tests/ ("corpus/**/*.eml"),
    then the SpamAssassin and Enron corpora and the seeds."""
    pats = [ROOT / "tests" / p for p in test_patterns]
    pats += [SHARED / "corpora" / "spamassassin" / "*" / "*", SHARED / "corpora" / "enron_fee_ham" / "*",
             SHARED / "seeds" / "*"]
    out = []
    for p in pats:
        out += sorted(f for f in glob.glob(str(p), recursive=True) if os.path.isfile(f))
    return out
