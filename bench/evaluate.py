#!/usr/bin/env python3
"""Detection quality on real corpora, guard and SpamAssassin side by side.

    .venv/bin/python bench/evaluate.py                  # all sets, SpamAssassin if installed
    .venv/bin/python bench/evaluate.py --sets sa-hard-ham enron-fee-ham --no-spamassassin
    .venv/bin/python bench/evaluate.py --json out.json  # machine-readable, for bench/results.py

For each set (bench/corpora.py) it prints: messages, clear / suspicious /
fraud counts and rates, the ten most frequent rule ids, and, when the Debian
``spamassassin`` is installed (bench/setup), how many SpamAssassin marks as
spam (``spamassassin -L``: local tests only, Bayes off, its default threshold
5.0) and its ten most frequent tests.

EMSCAD is also reported by subset: the postings that mention fee / bank /
wire / payment / deposit (the corpus README's 178), each label of
bench/data/emscad_labels.csv, and the recall on the postings that ask the
candidate for money (target: at least 80% flagged) with every miss and why.

Targets for the ham sets: "fraud" at most 0.1%, "suspicious" at most 1%.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from corpora import Item  # noqa: E402

HAM_FRAUD_MAX = 0.001
HAM_SUSPICIOUS_MAX = 0.01
ASKS_MONEY_RECALL_MIN = 0.80
SA_THRESHOLD = 5.0


# -- guard ---------------------------------------------------------------------------

@dataclass(slots=True)
class GuardResult:
    level: str
    score: float
    rule_ids: list[str]
    claims_ilo: bool
    complete: bool
    internal_error: bool
    ms: float


def run_guard(items: list[Item]) -> list[GuardResult]:
    from guard import check

    out = []
    for it in items:
        t = time.perf_counter()
        v = check(it.payload)
        ms = (time.perf_counter() - t) * 1000
        out.append(GuardResult(
            v.level.value, round(v.score, 2), list(v.rule_ids), v.claims_ilo, v.complete,
            any(n.startswith("internal error") for n in v.notes), ms,
        ))
    return out


# -- SpamAssassin ----------------------------------------------------------------------

@dataclass(slots=True)
class SAResult:
    spam: bool
    score: float
    tests: list[str] = field(default_factory=list)


def spamassassin_available() -> bool:
    return shutil.which("spamassassin") is not None


def sa_message(it: Item) -> bytes:
    """What SpamAssassin is given: the raw message, or pasted text in a minimal message.

    Pasted text has no headers; SpamAssassin scores missing headers, so it gets
    the same fixed, plain header block for every item (documented in
    docs/results.md).
    """
    if isinstance(it.payload, bytes):
        return it.payload
    subject = " ".join(it.subject.split())[:200]
    head = (
        "From: sender@example.com\n"
        "To: candidate@example.com\n"
        f"Subject: {subject}\n"
        "Date: Mon, 06 Jan 2025 10:00:00 +0000\n"
        "Message-ID: <bench@example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    )
    return (head + it.body.lstrip("\n")).encode("utf-8", errors="replace")


SEPARATOR = b"From bench@example.invalid Thu Jan  1 00:00:00 2004\n"


def sa_prefs(workdir: Path) -> Path:
    p = workdir / "user_prefs"
    p.write_text("use_bayes 0\nbayes_auto_learn 0\nuse_auto_welcomelist 0\n")
    return p


def sa_command(workdir: Path) -> list[str]:
    cmd = ["spamassassin", "-L", "--mbox", "-x", "-p", str(sa_prefs(workdir)),
           "--cf", "add_header all Bench _YESNO_ _SCORE_ _TESTS(,)_"]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    return cmd


def sa_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(workdir)   # SpamAssassin writes ~/.spamassassin; keep it in the temp dir
    return env


def run_spamassassin(items: list[Item]) -> tuple[list[SAResult], float]:
    with tempfile.TemporaryDirectory(prefix="guard-bench-sa-") as tmp:
        work = Path(tmp)
        mbox = work / "in.mbox"
        with open(mbox, "wb") as fh:
            for chunk in corpora.iter_mbox(items, sa_message):
                fh.write(chunk)
        t = time.perf_counter()
        with open(mbox, "rb") as fin, open(work / "out.mbox", "wb") as fout:
            subprocess.run(sa_command(work), stdin=fin, stdout=fout, stderr=subprocess.DEVNULL,
                           env=sa_env(work), check=True)
        seconds = time.perf_counter() - t
        results = parse_sa_output((work / "out.mbox").read_bytes())
    if len(results) != len(items):
        raise RuntimeError(f"SpamAssassin returned {len(results)} results for {len(items)} messages")
    return results, seconds


def parse_sa_output(data: bytes) -> list[SAResult]:
    out = []
    chunks = data.split(b"\n" + SEPARATOR)
    if chunks and chunks[0].startswith(SEPARATOR):
        chunks[0] = chunks[0][len(SEPARATOR):]
    for chunk in chunks:
        head = chunk.split(b"\n\n", 1)[0].decode("latin-1")
        lines = head.replace("\r\n", "\n").split("\n")
        value = None
        for i, line in enumerate(lines):
            if line.lower().startswith("x-spam-bench:"):
                value = line.split(":", 1)[1]
                for cont in lines[i + 1:]:
                    if cont[:1] in (" ", "\t"):
                        value += cont.strip()
                    else:
                        break
                break
        if value is None:
            out.append(SAResult(False, 0.0, ["(no SpamAssassin result)"]))
            continue
        parts = value.split()
        yesno, score = parts[0], float(parts[1]) if len(parts) > 1 else 0.0
        tests = [t for t in "".join(parts[2:]).split(",") if t and t != "none"]
        out.append(SAResult(yesno.lower() == "yes", score, tests))
    return out


# -- summaries -------------------------------------------------------------------------

def _rate(k: int, n: int) -> float:
    return k / n if n else 0.0


def summarize(results: list[GuardResult]) -> dict:
    n = len(results)
    c = collections.Counter(r.level for r in results)
    rules: collections.Counter[str] = collections.Counter()
    for r in results:
        rules.update(set(r.rule_ids))
    ms = sorted(r.ms for r in results)
    return {
        "n": n,
        "clear": c["clear"], "suspicious": c["suspicious"], "fraud": c["fraud"],
        "clear_rate": _rate(c["clear"], n), "suspicious_rate": _rate(c["suspicious"], n),
        "fraud_rate": _rate(c["fraud"], n),
        "flagged": c["suspicious"] + c["fraud"], "flagged_rate": _rate(c["suspicious"] + c["fraud"], n),
        "top_rules": rules.most_common(10),
        "incomplete": sum(1 for r in results if not r.complete),
        "internal_errors": sum(1 for r in results if r.internal_error),
        "median_ms": ms[n // 2] if n else 0.0,
    }


def summarize_sa(results: list[SAResult], seconds: float) -> dict:
    n = len(results)
    spam = sum(1 for r in results if r.spam)
    tests: collections.Counter[str] = collections.Counter()
    for r in results:
        tests.update(set(r.tests))
    return {"n": n, "spam": spam, "spam_rate": _rate(spam, n), "top_tests": tests.most_common(10),
            "seconds": seconds}


def ham_targets(s: dict) -> dict:
    return {
        "fraud_ok": s["fraud_rate"] <= HAM_FRAUD_MAX,
        "suspicious_ok": s["suspicious_rate"] <= HAM_SUSPICIOUS_MAX,
    }


def why_missed(r: GuardResult) -> str:
    """A short, mechanical account of why guard left a posting clear."""
    from guard.rules import default_ruleset

    th = default_ruleset().scoring["levels"]
    bits = []
    if not r.claims_ilo:
        bits.append("no ILO claim (guard's scoring is built around messages that use the ILO's name)")
    fee = [i for i in r.rule_ids if i.startswith(("GRD1", "GRD2"))]
    if fee:
        bits.append(f"fee/bank rules {', '.join(fee)} matched but the score {r.score:g} is below "
                    f"the suspicious threshold {th['suspicious']}")
    else:
        bits.append("no fee or bank-detail rule matched the wording")
    if r.rule_ids and not fee:
        bits.append(f"only {', '.join(r.rule_ids)} matched (score {r.score:g})")
    return "; ".join(bits)


def emscad_report(items: list[Item], results: list[GuardResult], root: Path,
                  sa: list[SAResult] | None) -> dict:
    rows = {r["job_id"]: r for r in corpora.emscad_rows(root)}
    labels = corpora.load_labels()
    by_id = {it.id.split(":", 1)[1]: (it, r) for it, r in zip(items, results)}
    sa_by_id = ({it.id.split(":", 1)[1]: s for it, s in zip(items, sa)} if sa else {})
    unknown = sorted(set(labels) - set(by_id), key=int)
    if unknown:
        raise SystemExit(f"emscad_labels.csv names job_ids not in the corpus: {unknown[:10]}")

    def sub(ids: list[str]) -> dict:
        s = summarize([by_id[i][1] for i in ids])
        if sa_by_id:
            s["sa_spam"] = sum(1 for i in ids if sa_by_id[i].spam)
            s["sa_spam_rate"] = _rate(s["sa_spam"], len(ids))
        return s

    mention_ids = [j for j, row in rows.items() if corpora.emscad_mentions_money(row)]
    by_label: dict[str, dict] = {}
    for lab in ("asks_money", "money_handling", "no_fee_statement", "pay_or_benefits",
                "job_duty", "industry_or_tech", "word_part"):
        ids = [j for j, lb in labels.items() if lb.label == lab]
        if ids:
            by_label[lab] = sub(ids)
    asks = [j for j, lb in labels.items() if lb.label == "asks_money"]
    misses = []
    for j in sorted(asks, key=int):
        r = by_id[j][1]
        if r.level == "clear":
            misses.append({"job_id": j, "asks": labels[j].note, "rule_ids": r.rule_ids,
                           "score": r.score, "why": why_missed(r)})
    flagged = sum(1 for j in asks if by_id[j][1].level != "clear")
    return {
        "mentions_money": sub(mention_ids),
        "mentions_money_n": len(mention_ids),
        "mentions_money_in_labels": sum(1 for j in mention_ids if j in labels),
        "by_label": by_label,
        "asks_money": {
            "n": len(asks), "flagged": flagged, "recall": _rate(flagged, len(asks)),
            "target": ASKS_MONEY_RECALL_MIN, "target_ok": _rate(flagged, len(asks)) >= ASKS_MONEY_RECALL_MIN,
            "sa_spam": sum(1 for j in asks if sa_by_id.get(j) and sa_by_id[j].spam) if sa_by_id else None,
            "misses": misses[:30],
        },
    }


# -- output ---------------------------------------------------------------------------

def pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def print_set(res: dict) -> None:
    g = res["guard"]
    print(f"\n== {res['name']} ({res['label']}, {res['mode']}): {res['description']}")
    print(f"   messages {g['n']}   clear {g['clear']} ({pct(g['clear_rate'])})   "
          f"suspicious {g['suspicious']} ({pct(g['suspicious_rate'])})   "
          f"fraud {g['fraud']} ({pct(g['fraud_rate'])})   [{res['seconds']:.1f} s]")
    if g["incomplete"] or g["internal_errors"]:
        print(f"   incomplete verdicts {g['incomplete']}, internal errors {g['internal_errors']}")
    print("   top rules: " + (", ".join(f"{r} {n}" for r, n in g["top_rules"]) or "none"))
    if "targets" in res:
        t = res["targets"]
        print(f"   target fraud <= {pct(HAM_FRAUD_MAX)}: {'met' if t['fraud_ok'] else 'MISSED'};"
              f" suspicious <= {pct(HAM_SUSPICIOUS_MAX)}: {'met' if t['suspicious_ok'] else 'MISSED'}")
    sa = res.get("spamassassin")
    if sa:
        print(f"   SpamAssassin -L: spam {sa['spam']} ({pct(sa['spam_rate'])})   [{sa['seconds']:.1f} s]")
        print("   SA top tests: " + (", ".join(f"{r} {n}" for r, n in sa["top_tests"]) or "none"))
    if res.get("flagged_ham"):
        print("   flagged: " + "; ".join(f"{f['id']} {f['level']} {','.join(f['rule_ids'])}"
                                        for f in res["flagged_ham"][:10]))


def print_emscad(e: dict) -> None:
    m = e["mentions_money"]
    print(f"\n-- EMSCAD postings that mention fee/bank/wire/payment/deposit: {m['n']}; "
          f"flagged {m['flagged']} ({pct(m['flagged_rate'])})")
    for lab, s in e["by_label"].items():
        extra = f"   SA spam {s['sa_spam']}" if "sa_spam" in s else ""
        print(f"   {lab:<18} {s['n']:>4}  flagged {s['flagged']:>3} ({pct(s['flagged_rate'])}){extra}")
    a = e["asks_money"]
    print(f"-- asks the candidate for money: {a['n']}; flagged {a['flagged']}; recall {pct(a['recall'])} "
          f"(target >= {pct(a['target'])}: {'met' if a['target_ok'] else 'MISSED'})")
    for m in a["misses"]:
        print(f"   miss {m['job_id']}: asks: {m['asks']}; why: {m['why']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=corpora.default_corpora(),
                    help="folder holding spamassassin/, enron_fee_ham/, emscad_fraud/ "
                         "(default: ../shared/corpora next to the repository)")
    ap.add_argument("--sets", nargs="+", choices=corpora.SET_NAMES, default=corpora.SET_NAMES)
    sa = ap.add_mutually_exclusive_group()
    sa.add_argument("--spamassassin", dest="sa", action="store_true", default=None,
                    help="also run SpamAssassin (fail if it is not installed)")
    sa.add_argument("--no-spamassassin", dest="sa", action="store_false",
                    help="guard only (default when spamassassin is not installed)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    args = ap.parse_args(argv)

    root = corpora.require(args.corpora)
    use_sa = spamassassin_available() if args.sa is None else args.sa
    if use_sa and not spamassassin_available():
        ap.error("spamassassin is not installed (bench/setup installs it)")
    if not use_sa:
        print("SpamAssassin: not run" + ("" if args.sa is False else " (not installed; see bench/setup)"))

    import guard
    from guard.rules import default_ruleset

    default_ruleset()
    out = {"sets": [], "spamassassin": use_sa, "ruleset": default_ruleset().version,
           "guard_version": getattr(guard, "__version__", "")}
    for name in args.sets:
        cs = corpora.get_set(name)
        items = cs.load(root)
        t = time.perf_counter()
        results = run_guard(items)
        res = {"name": cs.name, "label": cs.label, "mode": cs.mode, "description": cs.description,
               "seconds": time.perf_counter() - t, "guard": summarize(results)}
        if cs.label == "ham":
            res["targets"] = ham_targets(res["guard"])
            res["flagged_ham"] = [
                {"id": it.id, "level": r.level, "score": r.score, "rule_ids": r.rule_ids}
                for it, r in zip(items, results) if r.level != "clear"
            ]
        sa_results = None
        if use_sa:
            sa_results, secs = run_spamassassin(items)
            res["spamassassin"] = summarize_sa(sa_results, secs)
        print_set(res)
        if name == "emscad-fraud":
            res["emscad"] = emscad_report(items, results, root, sa_results)
            print_emscad(res["emscad"])
        out["sets"].append(res)
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
