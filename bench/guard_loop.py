#!/usr/bin/env python3
"""The smallest whole-process use of guard: read each file, check it, print a row.

bench/speed.py uses it only when ``guard scan`` is not installed, and says so.

    python bench/guard_loop.py [-o FILE] DIR_OR_FILE...
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("-o", "--output", type=Path)
    args = ap.parse_args(argv)
    from guard import check

    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        for top in args.paths:
            files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
            for p in files:
                v = check(p.read_bytes())
                out.write(json.dumps({"location": str(p), "level": v.level.value,
                                      "rule_ids": v.rule_ids}) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
