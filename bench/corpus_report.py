"""Figures of the blind corpus (tests/corpus/): per language, how many scams
are flagged, how many at the expected level, how many legitimate messages
are called "fraud" or "suspicious".

    .venv/bin/python bench/corpus_report.py            # the table
    .venv/bin/python bench/corpus_report.py --misses   # and every case off its level

The corpus was written by helpers who saw only the ILO's warning and issue
#9's "Breadth" list, never rules/ (see tests/corpus/README.md).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard import check  # noqa: E402
from guard.model import LANGS  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
TRUSTED = ("mx.example",)


def cases(which: str = "main"):
    """``main``: the language folders (tuned on); ``holdout``: the sets kept
    aside (holdout/, holdout2/ ...); ``all``: both."""
    for manifest in sorted(CORPUS.glob("*/cases.toml")):
        is_holdout = manifest.parent.name not in ("en", "es", "fr", "pt")
        if (which == "main" and is_holdout) or (which == "holdout" and not is_holdout):
            continue
        with manifest.open("rb") as fh:
            for case in tomllib.load(fh)["case"]:
                case["path"] = manifest.parent / case["file"]
                yield case


def verdict(case):
    if case["kind"] == "eml":
        msg = case["path"].read_bytes()
    else:
        msg = case["path"].read_text(encoding="utf-8")
    lang = case["lang"] if case["lang"] in LANGS else "en"
    return check(msg, sender=case.get("sender"), lang=lang, trusted_authserv_ids=TRUSTED)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", action="store_true", help="list every case whose level differs")
    ap.add_argument("--set", choices=("main", "holdout", "all"), default="main",
                    help="which part of the corpus (default: main, the language folders)")
    args = ap.parse_args()
    rows = defaultdict(lambda: defaultdict(int))
    off = []
    for case in cases(args.set):
        v = verdict(case)
        r = rows[case["lang"]]
        got, want = v.level.value, case["level"]
        if want == "clear":
            r["legit"] += 1
            r["legit_fraud"] += got == "fraud"
            r["legit_suspicious"] += got == "suspicious"
        else:
            r["scam"] += 1
            r["flagged"] += got != "clear"
            r["at_level"] += got == want
        if got != want:
            off.append((case, v))
    print(f"{'lang':5} {'scams':>5} {'flagged':>9} {'at level':>9} {'legit':>5} {'fraud':>5} {'susp.':>5}")
    tot = defaultdict(int)
    for lang in sorted(rows):
        r = rows[lang]
        for k, n in r.items():
            tot[k] += n
        _line(lang, r)
    _line("all", tot)
    if args.misses:
        for case, v in off:
            print(f"\n{case['path'].relative_to(CORPUS)}: want {case['level']}, got {v.level.value} "
                  f"({v.score:.1f}) {' '.join(v.rule_ids)}\n  {case['description']}")
    return 0


def _line(lang, r):
    s = r["scam"] or 1
    print(f"{lang:5} {r['scam']:5} {r['flagged']:4} {100*r['flagged']/s:3.0f}% {r['at_level']:4} "
          f"{100*r['at_level']/s:3.0f}% {r['legit']:5} {r['legit_fraud']:5} {r['legit_suspicious']:5}")


if __name__ == "__main__":
    raise SystemExit(main())
