"""The filter and the milter answer within their budget and leave nothing
running behind them; the filter's output is whole or its exit says not."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import guard
from guard import filter as gf
from guard import milter as gm

DATA = Path(__file__).resolve().parent / "data"
SCAM = (DATA / "scam.eml").read_bytes()
ROOT = Path(__file__).resolve().parents[2]
BUDGET = 0.3
# a real message that takes longer than BUDGET to read: 5 MB of HTML markup
# in the namespaced tags a word processor writes ("<o:p>"), which
# guard/parse.py leaves to html.parser (its one-loop reader takes plain
# tags only); html.parser cannot be interrupted, so the budget cannot stop
# it from inside
SLOW = (b"From: ILO <ilo.hr@gmail.com>\r\nSubject: Job offer\r\nContent-Type: text/html\r\n\r\n"
        + b"<o:p class=x></o:p>" * 260_000 + b"<p>Pay the processing fee of USD 300.</p>\r\n")


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _children() -> set[int]:
    me = str(os.getpid())
    out = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    if fh.read().rsplit(")", 1)[1].split()[1] == me:
                        out.add(int(d))
            except (OSError, IndexError):
                pass
    return out


def _best(fn, n: int = 7) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _collected(raw: bytes, settings: gm.Settings) -> gm.Message:
    m = gm.Message(settings)
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    for line in head.split(b"\n"):
        name, _, value = line.partition(b":")
        m.add_header(name.decode(), value.strip())
    m.add_body(body.replace(b"\n", b"\r\n"))
    return m


@pytest.fixture
def pool():
    need_linux()
    settings = gm.Settings(time_budget=BUDGET, max_size=20 * 1024 * 1024, workers=2)
    p = gm.start_workers(settings)
    yield settings, p
    gm.stop_workers()


def need_linux():
    if not os.path.isdir("/proc/self/task") or not hasattr(os, "fork"):
        pytest.skip("needs Linux /proc and fork")


def test_milter_ends_a_slow_check_and_stays_fast(pool):
    settings, p = pool
    threads = threading.active_count()
    normal = lambda: _collected(SCAM, settings).decide()          # noqa: E731
    assert normal()[1][0][1].startswith("Yes, level=fraud")
    before = _best(normal)
    t0 = time.monotonic()
    for _ in range(20):
        action, headers, info = _collected(SLOW, settings).decide()
        assert action == "accept" and info == {"error": "timeout"}
        assert headers[0][1].startswith("Unknown, error=timeout")
    took = time.monotonic() - t0
    assert took < 20 * (BUDGET + 1.0)
    # nothing of the 20 checks runs on: no thread here, each worker that ran one is gone
    assert threading.active_count() == threads
    assert len(p.ended) == 20
    time.sleep(0.2)
    assert not [pid for pid in p.ended if _running(pid)]
    assert len(p.pids()) == 2 and all(_running(pid) for pid in p.pids())
    after = _best(normal)
    assert normal()[1][0][1].startswith("Yes, level=fraud")
    assert after < 3 * before + 0.005, f"a normal message took {before * 1000:.1f} ms before, {after * 1000:.1f} after"


def test_milter_waits_at_most_a_budget_for_a_free_worker(pool):
    settings, p = pool
    results = []
    workers = [threading.Thread(target=lambda: results.append(_collected(SLOW, settings).decide()))
               for _ in range(4)]
    t0 = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
    assert time.monotonic() - t0 < 2 * BUDGET + 2
    assert [r[2] for r in results] == [{"error": "timeout"}] * 4


def test_filter_ends_a_slow_check_and_stays_fast():
    need_linux()
    threads = threading.active_count()
    kids = _children()
    opts = gf.Options(time_budget=BUDGET, max_size=20 * 1024 * 1024)
    guard.check(SCAM)       # the rule packs loaded before the fork, as in the daemon (cold, 0.3 s is too short)

    def normal():
        out = io.BytesIO()
        assert gf.filter_stream(io.BytesIO(SCAM), out, opts)[0] == 0
        assert out.getvalue().startswith(b"X-Guard-Status: Yes")

    before = _best(normal)
    for _ in range(20):
        out = io.BytesIO()
        t = time.monotonic()
        code, timed_out = gf.filter_stream(io.BytesIO(SLOW), out, opts)
        assert time.monotonic() - t < BUDGET + 1.0
        assert (code, timed_out) == (0, True)
        assert out.getvalue() == b"X-Guard-Status: Unknown, error=timeout time-budget=0.3s version=" + \
            gf.__version__.encode() + b"\r\n" + SLOW
    assert threading.active_count() == threads
    assert _children() == kids                     # every check process was ended and reaped
    after = _best(normal)
    assert after < 3 * before + 0.01, f"a normal message took {before * 1000:.1f} ms before, {after * 1000:.1f} after"


# -- every byte written, or exit 74 --------------------------------------------------------

class _Short(io.RawIOBase):
    """A raw stream that takes at most ``step`` bytes a write (as an unbuffered
    stdout does on a pipe or a file near its size limit), failing after ``limit``."""

    def __init__(self, step: int, limit: int | None = None):
        self.data = bytearray()
        self.step, self.limit = step, limit

    def writable(self):
        return True

    def write(self, b):
        if self.limit is not None and len(self.data) >= self.limit:
            raise OSError(27, "File too large")
        n = min(len(b), self.step)
        if self.limit is not None:
            n = min(n, self.limit - len(self.data))
        self.data += bytes(b[:n])
        return n


def test_short_writes_are_completed():
    out = _Short(step=100)
    code, _ = gf.filter_stream(io.BytesIO(SCAM), out, gf.Options())
    assert code == 0
    assert out.data.endswith(SCAM) and out.data.startswith(b"X-Guard-Status: Yes")


def test_a_short_write_then_a_failure_is_exit_74():
    out = _Short(step=100, limit=len(SCAM) // 2)
    code, _ = gf.filter_stream(io.BytesIO(SCAM), out, gf.Options())
    assert code == 74


def test_a_short_write_of_a_streamed_too_large_message_is_exit_74():
    raw = SCAM + b"x" * 200_000
    out = _Short(step=4096, limit=100_000)
    code, _ = gf.filter_stream(io.BytesIO(raw), out, gf.Options(max_size=10_000))
    assert code == 74


def _limited(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize("unbuffered", ["1", ""])
@pytest.mark.parametrize("size", [300_000, 3_000_000])
def test_filter_on_a_size_limited_file(tmp_path, unbuffered, size):
    """ulimit -f: the README's Postfix recipe writes the filter's output to a file."""
    raw = SCAM + b"y" * size + b"\n"
    src, dst = tmp_path / "in.eml", tmp_path / "out"
    src.write_bytes(raw)
    env = dict(os.environ, PYTHONUNBUFFERED=unbuffered)
    limit = 100_000
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        p = subprocess.run([sys.executable, "-m", "guard", "filter", "--max-size", "1M"], stdin=fi, stdout=fo,
                           stderr=subprocess.PIPE, env=env, cwd=ROOT, preexec_fn=_limited(limit), timeout=60)
    assert p.returncode == 74, p.stderr
    assert dst.stat().st_size <= limit
    assert b"cannot write the message" in p.stderr and b"Traceback" not in p.stderr
    # under the limit the same command writes everything and exits 0
    small = SCAM
    src.write_bytes(small)
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        p = subprocess.run([sys.executable, "-m", "guard", "filter"], stdin=fi, stdout=fo, stderr=subprocess.PIPE,
                           env=env, cwd=ROOT, preexec_fn=_limited(limit), timeout=60)
    assert p.returncode == 0, p.stderr
    assert dst.read_bytes().endswith(small) and dst.read_bytes().startswith(b"X-Guard-Status: Yes")


@pytest.mark.parametrize("fd", [0, 1])
def test_filter_with_a_closed_standard_stream_exits_74(fd):
    p = subprocess.run([sys.executable, "-m", "guard", "filter"], stdin=open(DATA / "scam.eml", "rb"),
                       stdout=subprocess.PIPE if fd else None, stderr=subprocess.PIPE, cwd=ROOT,
                       preexec_fn=lambda: os.close(fd), timeout=60)
    assert p.returncode == 74
    assert b"is closed" in p.stderr and b"Traceback" not in p.stderr


def test_forged_header_after_a_line_without_colon_is_renamed():
    raw = (b"From: ILO <ilo.hr@gmail.com>\nSubject: Job offer\nThis line has no colon\n"
           b"X-Guard-Status: No, level=clear score=0.0 tests=none version=0.1.0\nx-guard-flag: CLEAN\n\n"
           b"body\nX-Guard-Status: quoted in the body stays\n")
    out = io.BytesIO()
    assert gf.filter_stream(io.BytesIO(raw), out, gf.Options())[0] == 0
    head, _, body = out.getvalue().partition(b"\n\n")
    names = [line.split(b":")[0].lower() for line in head.split(b"\n") if b":" in line]
    assert names.count(b"x-guard-status") == 1 and b"x-guard-flag" not in names[1:]
    assert b"X-Prev-Guard-Status: No" in head and b"X-Prev-Guard-flag: CLEAN" in head
    assert body == b"body\nX-Guard-Status: quoted in the body stays\n"
