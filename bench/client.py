"""Whole-process cost of one message through ``guard-client`` and ``guard
daemon`` (procmail, maildrop and a Postfix pipe start one process a message),
beside ``guard filter``'s. Starts its own daemon on a temporary socket.

    .venv/bin/python bench/client.py [-n 50] [FILE]
    .venv/bin/python bench/client.py --every [--corpora DIR]

Prints the median and the 90th percentile in ms per message (target: the
client at most 25 ms), and checks that both give the same bytes. With
``--every``, each message of tests/fixtures, tests/corpus and the shared
corpora goes through the client (with --exit-verdict) and through guard
filter's own code in this process, and the script prints how many gave a
different output or exit code (target: none) and the client's median.
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


def every_message(corpora: Path) -> list[Path]:
    out = sorted(p for base in ("tests/fixtures", "tests/corpus") for p in (ROOT / base).rglob("*")
                 if p.is_file() and p.suffix in (".eml", ".txt"))
    return out + sorted(p for p in corpora.rglob("*") if p.is_file() and p.suffix in (".eml", ".txt"))


def compare_every(client: list[str], env: dict, corpora: Path) -> int:
    import io

    sys.path.insert(0, str(ROOT))
    from guard import filter as gf

    paths = every_message(corpora)
    differ = []
    times = []
    for path in paths:
        raw = path.read_bytes()
        t0 = time.perf_counter()
        p = subprocess.run(client + ["--exit-verdict"], input=raw, capture_output=True, env=env)
        times.append((time.perf_counter() - t0) * 1000)
        out = io.BytesIO()
        code, _ = gf.filter_stream(io.BytesIO(raw), out, gf.Options(exit_verdict=True))
        if (p.returncode, p.stdout) != (code, out.getvalue()):
            differ.append(path)
    print(line("guard-client, every message", times))
    print(f"messages: {len(paths)}, different output or exit code: {len(differ)}")
    for path in differ[:20]:
        print(f"  differs: {path}")
    return 0 if not differ else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", default=str(SAMPLE))
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--every", action="store_true", help="compare the client with guard filter on every message")
    ap.add_argument("--corpora", type=Path, default=Path(os.environ.get("GUARD_SHARED_DIR", ROOT.parent / "shared")) / "corpora")
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
        if a.every:
            return compare_every(client, env, a.corpora)
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
