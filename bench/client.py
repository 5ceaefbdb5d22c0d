"""Whole-process cost of one message through ``guard-client`` and ``guard
daemon`` (procmail, maildrop and a Postfix pipe start one process a message),
beside ``guard filter``'s. Starts its own daemon on a temporary socket.

    .venv/bin/python bench/client.py [-n 50] [FILE]

Prints the median and the 90th percentile in ms per message (target: the
client at most 25 ms), and checks that both give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "filters" / "data" / "scam.eml"


def timed(cmd: list[str], data: bytes, n: int, env: dict) -> tuple[list[float], bytes]:
    out = b""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, input=data, capture_output=True, env=env)
        times.append((time.perf_counter() - t0) * 1000)
        out = p.stdout
    return times, out


def line(name: str, ts: list[float]) -> str:
    ts = sorted(ts)
    return f"{name:<28} median {statistics.median(ts):7.1f} ms   p90 {ts[int(len(ts) * 0.9) - 1]:7.1f} ms   ({len(ts)} runs)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", default=str(SAMPLE))
    ap.add_argument("-n", type=int, default=50)
    a = ap.parse_args()
    data = Path(a.file).read_bytes()
    bindir = Path(sys.executable).parent
    client = [str(bindir / "guard-client")] if (bindir / "guard-client").exists() else [sys.executable, "-m", "guard_client"]
    folder = tempfile.mkdtemp(prefix="guard-bench-")
    sock = os.path.join(folder, "guard.sock")
    env = dict(os.environ, GUARD_SOCKET=sock)
    d = subprocess.Popen([sys.executable, "-m", "guard", "daemon", "--socket", sock, "--allow-root"],
                         cwd=ROOT, stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 30
        while not os.path.exists(sock) and time.monotonic() < end:
            time.sleep(0.05)
        timed(client, data, 3, env)                       # warm the workers
        ct, cout = timed(client, data, a.n, env)
        ft, fout = timed([sys.executable, "-m", "guard", "filter"], data, max(5, a.n // 5), env)
        pt, _ = timed([sys.executable, "-c", "pass"], data, a.n, env)
    finally:
        d.terminate()
        d.wait(15)
    print(line("guard-client (daemon)", ct))
    print(line("guard filter", ft))
    print(line("python -c pass (start-up)", pt))
    print("same output: " + ("yes" if cout == fout else "NO"))
    return 0 if cout == fout else 1


if __name__ == "__main__":
    sys.exit(main())
