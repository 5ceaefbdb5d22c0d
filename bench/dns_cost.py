#!/usr/bin/env python3
"""What DNS checks add to the time of one message, cold and warm cache.

Starts dnsmasq (Debian's dnsmasq-base) on 127.0.0.1 and a free port, serving
the test fixture records (tests/dns/dnsserver.py ZONE; every other name is
NXDOMAIN), and checks the same messages three ways:

* off:   ``check(msg)``, no DNS;
* cold:  ``check(msg, resolver=r)`` with the cache emptied before each message;
* warm:  the same, second pass, every answer in the cache.

It prints per-message times (median, p95, mean) and the cost DNS adds
(on minus off, per message), plus the queries sent per message; then, with
a server that never answers, how long a message takes against the budget.

    .venv/bin/python bench/dns_cost.py [-n 60] [--budget 2.0] [--files 'GLOB']

The default messages are synthetic ILO-recruitment scams and genuine ILO
notices (sender, Reply-To, a contact address and a link each; fresh
non-existent names per message so the cold pass really asks). ``--files``
checks real messages instead (only those that speak as the ILO are looked
up, so on ordinary mail the added cost is near zero). Loopback only; the
number of messages is capped at 2000.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _dnsserver():
    spec = importlib.util.spec_from_file_location("guard_bench_dnsserver", ROOT / "tests" / "dns" / "dnsserver.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SENDERS = ["ilo-careers.example", "careers-desk.example", "global-staffing.example",
           "staffing-bureau.example", "ilo.org"]


def synthetic(n: int) -> list[str]:
    out = []
    for i in range(n):
        kind = i % 5
        if kind == 4:   # genuine: ilo.org, links and addresses on ilo.org
            out.append(
                "From: ILO Human Resources <recruitment@ilo.org>\nSubject: Vacancy notice\n\n"
                "The ILO is pleased to inform you about a new vacancy. Read it on "
                f"https://jobs.ilo.org/vacancy/{i} and write to recruitment@ilo.org.\n")
            continue
        sender = f"ilo-recruit{i}.example" if kind == 0 else SENDERS[kind]
        out.append(
            f"From: ILO Recruitment Unit <jobs@{sender}>\n"
            f"Reply-To: desk@ilo-desk{i}.example\nSubject: Offer {i}\n\n"
            "Dear candidate,\nThe ILO is pleased to offer you the post of Programme Officer. "
            f"Send your documents to selection@careers-desk.example and fill in "
            f"https://apply{i}.example/form or https://jobs-portal.example/apply.\n")
    return out


def from_files(pattern: str, n: int) -> list[bytes]:
    paths = sorted(p for p in glob.glob(pattern, recursive=True) if Path(p).is_file())[:n]
    return [Path(p).read_bytes() for p in paths]


def stats(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return f"median {statistics.median(xs):7.2f}  p95 {p95:7.2f}  mean {statistics.mean(xs):7.2f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=60, help="messages (default 60, at most 2000)")
    ap.add_argument("--budget", type=float, default=2.0, help="DNS budget per message, s (default 2)")
    ap.add_argument("--files", help="glob of real messages to check instead of the synthetic ones")
    ap.add_argument("--fault-messages", type=int, default=3,
                    help="messages to time against a server that never answers (default 3; 0: skip)")
    a = ap.parse_args(argv)
    n = max(1, min(a.n, 2000))

    import dns.query

    import guard
    from guard.dnscheck import clear_caches, make_resolver

    srv = _dnsserver()
    if srv.dnsmasq_path() is None:
        print("dns_cost: dnsmasq is not installed (Debian package dnsmasq-base)", file=sys.stderr)
        return 2
    msgs = from_files(a.files, n) if a.files else synthetic(n)
    if not msgs:
        print("dns_cost: no messages", file=sys.stderr)
        return 2

    sent = [0]
    orig_udp, orig_tcp = dns.query.udp, dns.query.tcp

    def counting(orig):
        def f(*args, **kw):
            sent[0] += 1
            return orig(*args, **kw)
        return f

    dns.query.udp, dns.query.tcp = counting(orig_udp), counting(orig_tcp)

    def timed(fn):
        t = time.perf_counter()
        v = fn()
        return (time.perf_counter() - t) * 1000, v

    with srv.Dnsmasq() as d:
        r = make_resolver(["127.0.0.1"], port=d.port, timeout=a.budget)
        guard.check(msgs[0])                         # load rules and the suffix list
        guard.check(msgs[0], resolver=r, dns_budget=a.budget)
        off = [timed(lambda m=m: guard.check(m))[0] for m in msgs]

        cold, cold_q, unknown = [], [], 0
        for m in msgs:
            clear_caches()
            q0 = sent[0]
            ms, v = timed(lambda m=m: guard.check(m, resolver=r, dns_budget=a.budget))
            cold.append(ms)
            cold_q.append(sent[0] - q0)
            unknown += "dns" in v.unknowns
        for m in msgs:                               # fill the cache (the cold pass emptied it)
            guard.check(m, resolver=r, dns_budget=a.budget)
        warm, warm_q = [], []
        for m in msgs:                               # every answer is now cached
            q0 = sent[0]
            ms, v = timed(lambda m=m: guard.check(m, resolver=r, dns_budget=a.budget))
            warm.append(ms)
            warm_q.append(sent[0] - q0)
            unknown += "dns" in v.unknowns
        looked = sum(1 for q in cold_q if q)

    print(f"DNS cost per message: {len(msgs)} messages ({'files' if a.files else 'synthetic'}), "
          f"{looked} looked up; dnsmasq on 127.0.0.1; budget {a.budget} s")
    print(f"  off                  {stats(off)} ms")
    print(f"  on, cold cache       {stats(cold)} ms   queries/msg {statistics.mean(cold_q):.1f}")
    print(f"  on, warm cache       {stats(warm)} ms   queries/msg {statistics.mean(warm_q):.1f}")
    print(f"  added by DNS, cold   {stats([c - o for c, o in zip(cold, off)])} ms")
    print(f"  added by DNS, warm   {stats([w - o for w, o in zip(warm, off)])} ms")
    if unknown:
        print(f"  (DNS was unknown in {unknown} checks: the figures are not all answers)")

    if a.fault_messages > 0:
        scam = synthetic(1)[0]
        with srv.Blackhole() as b:
            rb = make_resolver(["127.0.0.1"], port=b.port, timeout=a.budget)
            times = []
            for _ in range(min(a.fault_messages, 10)):
                ms, v = timed(lambda: guard.check(scam, resolver=rb, dns_budget=a.budget))
                times.append(ms)
                assert "dns" in v.unknowns
        print(f"  server never answers {stats(times)} ms   (budget {a.budget * 1000:.0f} ms, "
              f"worst {max(times) / (a.budget * 1000) * 100:.1f}% of it)")
    dns.query.udp, dns.query.tcp = orig_udp, orig_tcp
    return 0


if __name__ == "__main__":
    sys.exit(main())
