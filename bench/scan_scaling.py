"""Speed of the mail filters: ``guard scan`` with --jobs 1 vs --jobs 2, and
the start-up time of ``guard filter`` (a procmail filter starts one process
per message).

    .venv/bin/python bench/scan_scaling.py                 # both, default corpus
    .venv/bin/python bench/scan_scaling.py --pairs 5 --corpus DIR
    .venv/bin/python bench/scan_scaling.py --startup-only
    .venv/bin/python bench/scan_scaling.py --scan-only --wait-idle 600   # on a shared machine

Scan: whole-process wall time of ``python -m guard scan CORPUS --jobs N``
(rows to /dev/null), the two runs of a pair back to back, in alternating
order, so that a neighbour's load hits both; every pair is printed with its
ratio, the CPU time (user + system, workers included) of each run and the
1-minute load average before the pair, then the median ratio. CPU time
shows the cost of parallelism apart from the neighbours' load: if jobs 2
uses about the CPU of jobs 1, a slow pair was slowed by other work. The acceptance target is jobs 2 >= 1.7x
jobs 1 on the SpamAssassin corpus (6,046 messages). The machine has 2 cores
that other people may be using: look at all the pairs, not the best one.

Start-up: wall time of ``python -m guard filter`` on one small message,
median of N runs, beside ``python -c pass`` and ``import guard`` for scale.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpora import REPO, default_corpora  # noqa: E402

SMALL = (b"From: Talent <talent@ilo.org>\nTo: you@example.org\nSubject: Your application\n"
         b"Message-ID: <bench@ilo.org>\n\nThank you for applying.\n")


def wall(cmd: list[str], stdin: bytes | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t, _cpu, p = timed(cmd, stdin)
    return t, p


def timed(cmd: list[str], stdin: bytes | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the process and its workers, result)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), p


def idle_fraction(seconds: float = 2.0) -> float:
    """Share of CPU time the whole machine left idle over ``seconds`` (/proc/stat)."""
    def sample():
        with open("/proc/stat") as fh:
            v = [int(x) for x in fh.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = sample()
    time.sleep(seconds)
    i1, t1 = sample()
    return (i1 - i0) / max(t1 - t0, 1)


def wait_idle(limit: float) -> float:
    """Wait (at most ``limit`` seconds) until the machine is >= 90% idle."""
    end = time.monotonic() + limit
    idle = idle_fraction()
    while idle < 0.9 and time.monotonic() < end:
        idle = idle_fraction(5.0)
    return idle


def scan_pairs(corpus: Path, pairs: int, wait: float = 0.0) -> None:
    base = [sys.executable, "-m", "guard", "scan", str(corpus), "--no-progress"]
    print(f"guard scan {corpus}: whole-process wall time, {pairs} pairs")
    ratios = []
    for i in range(pairs):
        order = (1, 2) if i % 2 == 0 else (2, 1)
        times, cpu = {}, {}
        idle = wait_idle(wait) if wait else None
        load = os.getloadavg()[0]
        for jobs in order:
            t, c, p = timed(base + ["--jobs", str(jobs)])
            if p.returncode not in (0, 10, 20):
                sys.exit(f"scan failed ({p.returncode}): {p.stderr.decode(errors='replace')[-2000:]}")
            summary = p.stderr.decode(errors="replace").strip().splitlines()
            n = next((line.split()[0] for line in summary if " messages in " in line), "?")
            times[jobs], cpu[jobs] = t, c
        ratio = times[1] / times[2]
        ratios.append(ratio)
        print(f"  pair {i + 1}: jobs 1 {times[1]:6.2f} s   jobs 2 {times[2]:6.2f} s   speed-up {ratio:.2f}x   "
              f"CPU {cpu[1]:5.1f} s / {cpu[2]:5.1f} s   load before {load:.1f}"
              + (f", idle before {idle:.0%}" if idle is not None else "") + f"   ({n} messages)")
    print(f"  median speed-up {statistics.median(ratios):.2f}x (min {min(ratios):.2f}x, max {max(ratios):.2f}x)")


def startup(runs: int) -> None:
    print(f"start-up: median wall time of {runs} runs")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("python -c 'import guard'", [sys.executable, "-c", "import guard"], None),
        ("guard filter < small message", [sys.executable, "-m", "guard", "filter"], SMALL),
        ("guard check - < small message", [sys.executable, "-m", "guard", "check", "-"], SMALL),
    ]
    for name, cmd, stdin in rows:
        ts = []
        for _ in range(runs):
            t, p = wall(cmd, stdin)
            if p.returncode not in (0, 10, 20):
                sys.exit(f"{name} failed: {p.stderr.decode(errors='replace')[-1000:]}")
            ts.append(t)
        print(f"  {name:<32} {1000 * statistics.median(ts):7.1f} ms  (min {1000 * min(ts):.1f} ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, help="folder to scan (default: CORPORA/spamassassin)")
    ap.add_argument("--corpora", type=Path, help="the corpora folder (default ../shared/corpora)")
    ap.add_argument("--pairs", type=int, default=3, help="jobs-1/jobs-2 pairs to run (default 3)")
    ap.add_argument("--runs", type=int, default=15, help="runs per start-up figure (default 15)")
    ap.add_argument("--wait-idle", type=float, default=0.0, metavar="S",
                    help="before each pair, wait up to S seconds for the machine to be 90%% idle")
    ap.add_argument("--startup-only", action="store_true")
    ap.add_argument("--scan-only", action="store_true")
    a = ap.parse_args()
    if not a.scan_only:
        startup(a.runs)
    if not a.startup_only:
        corpus = a.corpus or (a.corpora or default_corpora()) / "spamassassin"
        if not corpus.is_dir():
            sys.exit(f"no corpus at {corpus} (give --corpus DIR)")
        scan_pairs(corpus, a.pairs, a.wait_idle)


if __name__ == "__main__":
    main()
