#!/usr/bin/env python3
"""Which multi-pattern engine finds the vocabulary's terms: a measurement.

    .venv/bin/python bench/engines.py [--corpora DIR]

Every text view (subject, body, names) of the 6,046 SpamAssassin messages is
normalised once; then each engine finds every term of the up-front concepts
(the first pass of guard/vocab.py ``scan``) in all of them, and the time of
that pass alone is printed (CPU time, best of three, one core):

* pyahocorasick: the automata's ``iter`` (guard's fallback engine);
* Hyperscan: the same literals in two block-mode databases, a Python
  callback per match (guard's engine where it is installed);
* RE2 sets (google-re2, if installed): ``Set.Match`` tells which patterns
  occur but not where, so a second pass would be needed for positions; the
  time of that first, incomplete pass is shown for comparison only.

Then the time of the whole ``scan`` (hits built, words checked) with each of
guard's two engines, and their agreement on every text.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpora  # noqa: E402


def best(fn, runs: int = 3) -> float:
    out = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        out.append(time.process_time() - t)
    return min(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=None, help="the shared corpora folder (default: ../shared/corpora)")
    args = ap.parse_args()
    from guard import vocab
    from guard.normalize import NormView
    from guard.parse import parse
    from guard.rules import load_rules

    rs = load_rules()
    v = rs.vocab
    texts = []
    root = Path(args.corpora) if args.corpora else corpora.default_corpora()
    for path in corpora.spamassassin_paths(root):
        p = parse(path.read_bytes(), None)
        texts.extend(vocab.Text.of(NormView.of(t)) for t in p.views.values() if t)
    mb = sum(len(t.flat) for t in texts) / 1e6
    print(f"{len(texts)} text views, {mb:.1f} MB of normalised text")
    spaced = [" " + vocab._spaced(t.flat) for t in texts]
    flats = [t.flat for t in texts]
    words, raw, _values = v.automata(False)

    def ac():
        n = 0
        for s in spaced:
            for _ in words.iter(s):
                n += 1
        for s in flats:
            for _ in raw.iter(s):
                n += 1
        return n

    rows = [("pyahocorasick iter", best(ac), ac())]
    if vocab.hyperscan_available():
        dbs = v.databases(False)
        wdb, rdb = dbs.dbs()
        count = [0]

        def cb(*_a):
            count[0] += 1

        def hs():
            for s in spaced:
                try:
                    wdb.scan(s.encode("latin-1"), match_event_handler=cb, scratch=dbs.scratch(0))
                except UnicodeEncodeError:
                    pass
            for s in flats:
                try:
                    rdb.scan(s.encode("latin-1"), match_event_handler=cb, scratch=dbs.scratch(1))
                except UnicodeEncodeError:
                    pass

        count[0] = 0
        hs()
        n = count[0]
        rows.append(("Hyperscan block scan", best(hs), n))
    else:
        print("Hyperscan: not installed")
    try:
        import re2

        keys = [k for k, _w, _v in vocab._keys(v, False)]
        st = re2.Set.SearchSet(re2.Options())
        for k in keys:
            st.Add(re.escape(k))
        st.Compile()

        def r2():
            n = 0
            for s in spaced:
                n += len(st.Match(s) or ())
            return n

        rows.append(("RE2 Set.Match (which, not where)", best(r2), r2()))
    except ImportError:
        print("RE2: google-re2 not installed (bench/setup installs it)")
    print(f"\n{'first pass':36s} {'CPU s':>7s} {'MB/s':>7s} {'matches':>9s}")
    for name, sec, n in rows:
        print(f"{name:36s} {sec:7.3f} {mb / sec:7.1f} {n:9d}")

    print(f"\n{'whole scan (hits built)':36s} {'CPU s':>7s}")
    results = {}
    for eng in ("aho-corasick", "hyperscan") if vocab.hyperscan_available() else ("aho-corasick",):
        vocab.set_engine(eng)

        def whole():
            out = []
            for t in texts:
                t2 = vocab.Text(t.norm, t.text, t.flat)
                vocab.scan(v, t2)
                out.append(t2.hits)
            return out

        sec = best(whole)
        results[eng] = whole()
        print(f"{eng:36s} {sec:7.3f}")
    vocab.set_engine("auto")
    if len(results) == 2:
        same = sum(a == b for a, b in zip(results["aho-corasick"], results["hyperscan"]))
        print(f"\nsame hits on {same} of {len(texts)} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
