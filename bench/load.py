#!/usr/bin/env python3
"""Load test of POST /api/v1/check on loopback: requests per second and latency.

Starts the real server (``python -m web``: waitress + the Flask app, rate
limiter included with a ceiling the run cannot reach) on 127.0.0.1 and a free
port, then sends a typical message from several keep-alive connections for a
bounded time and number of requests, and prints throughput and latency
percentiles. Target (issue 3): at least 300 requests/s with p99 under 50 ms.

    .venv/bin/python bench/load.py                      # defaults: 10 s, 20000 requests max
    .venv/bin/python bench/load.py --seconds 5 --connections 4
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000   # an already running server
    .venv/bin/python bench/load.py --page                 # the HTML page's form instead of the API

Only loopback addresses are accepted. The client runs in this process, the
server in another one, so on a 2-core machine both share the same two cores
(and whatever else runs there): the figures are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A typical message (written for this script): an ILO-claiming offer asking
# for a fee and bank details, about 500 characters, with the sender typed.
MESSAGE = (
    "Dear candidate,\n"
    "Following your interview, the International Labour Organization (ILO) is "
    "pleased to offer you the position of Logistics Assistant in our Nairobi "
    "office, with a monthly salary of 4,800 USD. To finalise your contract you "
    "must pay a processing fee of 280 USD for your work permit within 72 hours, "
    "by Western Union. Please also send your bank account details so that we can "
    "pay your relocation allowance. Reply only to ilo.hr.department@gmail.com.\n"
    "Kind regards,\nILO Recruitment Unit"
)
SENDER = "ILO Recruitment <ilo.hr.department@gmail.com>"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _wait_ready(host: str, port: int, proc, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"load: the server exited with status {proc.returncode}")
        try:
            c = http.client.HTTPConnection(host, port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                c.close()
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("load: the server did not answer /healthz in time")


class Worker(threading.Thread):
    def __init__(self, host, port, body, stop_at, budget, lock, target=None):
        super().__init__(daemon=True)
        self.host, self.port, self.body = host, port, body
        self.path, self.headers = target or API_TARGET
        self.stop_at, self.budget, self.lock = stop_at, budget, lock
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0

    def _take(self) -> bool:
        with self.lock:
            if self.budget[0] <= 0:
                return False
            self.budget[0] -= 1
            return True

    def run(self):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        headers = self.headers
        while time.perf_counter() < self.stop_at and self._take():
            t0 = time.perf_counter()
            try:
                conn.request("POST", self.path, body=self.body, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                continue
            self.latencies.append(time.perf_counter() - t0)
            self.statuses[status] = self.statuses.get(status, 0) + 1
        conn.close()


API_TARGET = ("/api/v1/check", {"Content-Type": "application/json", "Accept-Language": "en"})
# the page's form as a browser on the page sends it (same-origin), answered with the result page
PAGE_TARGET = ("/?lang=en", {"Content-Type": "application/x-www-form-urlencoded",
                             "Accept-Language": "en", "Sec-Fetch-Site": "same-origin"})


def run_load(host, port, seconds, max_requests, connections, body, target=None) -> dict:
    lock = threading.Lock()
    budget = [max_requests]
    t0 = time.perf_counter()
    workers = [Worker(host, port, body, t0 + seconds, budget, lock, target)
               for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(seconds + 30)
    elapsed = time.perf_counter() - t0
    lat = sorted(x for w in workers for x in w.latencies)
    statuses: dict[int, int] = {}
    for w in workers:
        for k, v in w.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    return {
        "elapsed": elapsed,
        "latencies": lat,
        "statuses": statuses,
        "errors": sum(w.errors for w in workers),
    }


def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the measured run (max 120)")
    ap.add_argument("--requests", type=int, default=20000, help="most requests to send (max 200000)")
    ap.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections (max 64)")
    ap.add_argument("--warmup", type=int, default=200, help="requests sent before measuring")
    ap.add_argument("--threads", type=int, default=4, help="waitress threads of the started server")
    ap.add_argument("--url", help="measure a server already running on loopback instead")
    ap.add_argument("--page", action="store_true",
                    help="POST the page's form to / (the HTML result page) instead of the JSON API")
    args = ap.parse_args(argv)
    if not (0 < args.seconds <= 120 and 0 < args.requests <= 200_000 and 0 < args.connections <= 64):
        ap.error("bounds: 0 < --seconds <= 120, 0 < --requests <= 200000, 0 < --connections <= 64")

    if args.page:
        target = PAGE_TARGET
        body = urllib.parse.urlencode({"message": MESSAGE, "sender": SENDER, "lang": "en"}).encode()
    else:
        target = API_TARGET
        body = json.dumps({"message": MESSAGE, "sender": SENDER}).encode()
    proc = None
    if args.url:
        u = urllib.parse.urlsplit(args.url)
        host, port = u.hostname or "", u.port or 80
        if u.scheme != "http" or not _loopback(host):
            ap.error("--url must be http:// on a loopback address (127.0.0.1, ::1, localhost)")
    else:
        host, port = "127.0.0.1", _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUARD_")}
        env.update(GUARD_HOST=host, GUARD_PORT=str(port), GUARD_THREADS=str(args.threads),
                   # the limiter runs on every request, with a ceiling this run cannot reach
                   GUARD_RATELIMIT="100000000 per minute")
        # the server's output goes to a file: an unread pipe would fill up and
        # block the server in the middle of the run
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(host, port, proc)
        if args.warmup:
            run_load(host, port, 30, args.warmup, min(args.connections, 4), body, target)
        res = run_load(host, port, args.seconds, args.requests, args.connections, body, target)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    lat = res["latencies"]
    n = len(lat)
    ok = res["statuses"].get(200, 0)
    rps = n / res["elapsed"] if res["elapsed"] else 0.0
    ms = lambda x: x * 1000  # noqa: E731
    print(f"POST {target[0]} on {host}:{port}  message {len(MESSAGE)} chars, "
          f"{args.connections} connections, {'waitress threads ' + str(args.threads) if proc else 'external server'}, "
          f"{os.cpu_count()} CPUs")
    print(f"requests   {n} in {res['elapsed']:.2f} s  (status {dict(sorted(res['statuses'].items()))}, "
          f"connection errors {res['errors']})")
    print(f"throughput {rps:.0f} requests/s")
    if n:
        print(f"latency    p50 {ms(pct(lat, 50)):.2f} ms  p90 {ms(pct(lat, 90)):.2f} ms  "
              f"p99 {ms(pct(lat, 99)):.2f} ms  max {ms(lat[-1]):.2f} ms  "
              f"mean {ms(statistics.fmean(lat)):.2f} ms")
    met = n > 0 and ok == n and rps >= 300 and ms(pct(lat, 99)) < 50
    print(f"target     >= 300 requests/s and p99 < 50 ms, all 200: {'met' if met else 'NOT met'}")
    return 0 if ok == n and res["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
