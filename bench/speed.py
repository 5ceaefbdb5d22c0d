#!/usr/bin/env python3
"""Speed: guard, SpamAssassin and rspamd on the same real messages, one core each.

    .venv/bin/python bench/speed.py                 # everything that is installed
    .venv/bin/python bench/speed.py --only guard    # guard's figures only (no SA, no rspamd)
    .venv/bin/python bench/speed.py --profile       # also: where check() spends its time
    .venv/bin/python bench/speed.py --json out.json # for bench/results.py

Whole process, on the 6,046 SpamAssassin messages (ham and spam), all pinned
to CPU 0 with ``taskset`` and measured in this one run:

* guard: ``guard scan --jobs 1 --no-progress`` over the five folders (if
  ``guard scan`` is not installed, a small loop script that reads each file
  and calls ``check()``, and the output says so);
* SpamAssassin: ``spamassassin -L --mbox`` over an mbox of the same messages
  (local tests only, Bayes off);
* rspamd: one warm ``normal`` worker on 127.0.0.1 (controller, proxy and
  fuzzy workers off), configuration in a temporary folder; its DNS goes to a
  dnsmasq on 127.0.0.1 that answers NXDOMAIN at once (``--local=/#/``);
  ``rspamc -n 8`` sends the messages as if received from 192.0.2.10
  (TEST-NET-1, so the IP-based checks run instead of being skipped for
  local senders). Warm: started and given 300 messages before the timed pass.

Then in-process figures in a fresh interpreter pinned to CPU 0: messages per
second, median / 99th percentile / worst time of ``check()`` per message;
peak memory (VmHWM) of a fresh process that reads and checks the
6,046 messages one by one; and the time per message against body size from
1 KB to 10 MB, which must stay linear (time/KB flat or falling).

Also, start-up included, the 300-message sample of issue 14 (the first 150
easy ham, 50 hard ham and 100 spam by name): ``guard scan --jobs 1`` over a
folder of copies against ``spamassassin -L --mbox``.

Targets (issue 14): whole process at least 100x SpamAssassin and 5x a warm
rspamd; at least 80x SpamAssassin on the 300-message sample; in process median <= 0.3 ms, p99 <= 3 ms, worst <= 20 ms; a 1 MB
body <= 30 ms; peak memory <= 40 MB; time linear in size. The report says
met or MISSED for each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CPU = "0"
SIZES_KB = (1, 10, 100, 1024, 10 * 1024)
# issue #14's targets
TARGET_SA_RATIO = 100.0
TARGET_RSPAMD_RATIO = 5.0
TARGET_SAMPLE_SA_RATIO = 80.0
TARGET_MEDIAN_MS = 0.3
TARGET_P99_MS = 3.0
TARGET_WORST_MS = 20.0
TARGET_1MB_MS = 30.0
TARGET_PEAK_MB = 40.0


# -- running a process and measuring it ---------------------------------------------

def pinned(cmd: list[str]) -> list[str]:
    return (["taskset", "-c", CPU] + cmd) if shutil.which("taskset") else cmd


def vm_hwm_mb(pid: int | str = "self") -> float:
    """Peak resident memory of one process (VmHWM), 0 if it is gone.

    Not ``ru_maxrss``: a child's ``ru_maxrss`` starts from its parent's
    resident size at fork/vfork, so a large benchmark process would inflate
    the figures of everything it starts.
    """
    try:
        for line in open(f"/proc/{pid}/status", encoding="ascii"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _tree(pid: int) -> list[int]:
    out = [pid]
    for k in _children(pid):
        out.extend(_tree(k))
    return out


def measure(cmd: list[str], *, stdin=None, stdout=subprocess.DEVNULL, env=None,
            ok_codes=(0,)) -> dict:
    """Wall time and CPU time (os.wait4) of one child process, and its peak memory:
    the sum of VmHWM over the process and its children, sampled while it runs."""
    errf = tempfile.TemporaryFile()
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=errf, env=env)
    peaks: dict[int, float] = {}
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        for q in _tree(p.pid):
            peaks[q] = max(peaks.get(q, 0.0), vm_hwm_mb(q))
        time.sleep(0.05)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    errf.seek(0)
    err = errf.read()[-2000:].decode("utf-8", "replace")
    errf.close()
    out = {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_mb": sum(peaks.values()),
           "returncode": p.returncode}
    if p.returncode not in ok_codes:
        # shown on the console, not kept in the results (it may name local paths)
        print(f"{cmd[0]}... exited with {p.returncode}:\n{err}", file=sys.stderr)
        out["warning"] = f"exit code {p.returncode}"
    return out


def guard_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("guard")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "guard"]


def has_guard_scan() -> bool:
    try:
        r = subprocess.run(guard_cmd() + ["scan", "--help"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and b"--jobs" in r.stdout


def run_guard_process(dirs: list[Path], n_expected: int, out: Path) -> dict:
    """guard over the messages in ``dirs``, whole process, rows to ``out``."""
    dirs = [str(d) for d in dirs]
    if has_guard_scan():
        cmd = pinned(guard_cmd() + ["scan", "--jobs", "1", "--no-progress", "-o", str(out)] + dirs)
        how = "guard scan --jobs 1"
    else:
        cmd = pinned([sys.executable, str(HERE / "guard_loop.py"), "-o", str(out)] + dirs)
        how = "bench/guard_loop.py (guard scan is not installed: a loop calling check() per file)"
    r = measure(cmd, ok_codes=(0, 10, 20))      # guard's exit code is the worst level
    rows = sum(1 for _ in open(out, encoding="utf-8")) if out.exists() else 0
    r.update({"how": how, "rows": rows, "n": n_expected})
    if rows != n_expected:
        r["warning"] = f"expected {n_expected} rows, got {rows}"
    return r


def sample_paths(root: Path) -> list[Path]:
    """Issue 14's 300-message sample: the first 150 easy ham, 50 hard ham and
    100 spam by file name (easy-ham-1, hard-ham-1, spam-1)."""
    def first(d: str, k: int) -> list[Path]:
        return corpora._files(root, d)[:k]
    return first("easy-ham-1", 150) + first("hard-ham-1", 50) + first("spam-1", 100)


def run_guard_sample(paths: list[Path], work: Path) -> dict:
    """guard over a folder holding copies of ``paths``: the whole process,
    start-up included."""
    folder = work / "sample"
    folder.mkdir()
    for i, p in enumerate(paths):
        (folder / f"{i:04d}.eml").write_bytes(p.read_bytes())
    return run_guard_process([folder], len(paths), work / "guard-sample.jsonl")


# -- SpamAssassin --------------------------------------------------------------------

def run_spamassassin_process(paths: list[Path], work: Path) -> dict:
    import evaluate

    mbox = work / "sa.mbox"
    items = [corpora.Item(str(p), p.read_bytes(), 0) for p in paths]
    with open(mbox, "wb") as fh:
        for chunk in corpora.iter_mbox(items, lambda it: it.payload):
            fh.write(chunk)
    cmd = ["spamassassin", "-L", "--mbox", "-x", "-p", str(evaluate.sa_prefs(work))]
    with open(mbox, "rb") as fin:
        r = measure(pinned(cmd), stdin=fin, env=evaluate.sa_env(work))
    r.update({"how": "spamassassin -L --mbox (Bayes off)", "n": len(paths)})
    return r


# -- rspamd --------------------------------------------------------------------------

def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out.append(int(d.name))
    return out


def _cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])     # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


class Rspamd:
    """rspamd with one normal worker on loopback, DNS to a local NXDOMAIN server."""

    def __init__(self, work: Path):
        self.work = work / "rspamd"
        self.procs: list[subprocess.Popen] = []
        self.port = free_port()
        self.dns_port = free_port(socket.SOCK_DGRAM)

    def __enter__(self):
        w = self.work
        for sub in ("local/local.d", "local/override.d", "db", "run", "log"):
            (w / sub).mkdir(parents=True, exist_ok=True)
        (w / "local/local.d/options.inc").write_text(
            f'dns {{ nameserver = ["127.0.0.1:{self.dns_port}"]; timeout = 1s; retransmits = 1; }}\n')
        (w / "local/override.d/worker-normal.inc").write_text(
            f'bind_socket = "127.0.0.1:{self.port}";\ncount = 1;\nmime = true;\n')
        for name in ("worker-controller.inc", "worker-proxy.inc"):
            (w / "local/override.d" / name).write_text("enabled = false;\n")
        # the public fuzzy servers cannot be reached here; say so rather than time out
        (w / "local/local.d/fuzzy_check.conf").write_text("enabled = false;\n")
        dns = subprocess.Popen(
            ["dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
             "--listen-address=127.0.0.1", "--bind-interfaces", f"--port={self.dns_port}",
             "--local=/#/", "--user=" + ("nobody" if os.geteuid() == 0 else str(os.getuid()))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(dns)
        cmd = ["rspamd", "-f", "-c", "/etc/rspamd/rspamd.conf",
               f"--var=LOCAL_CONFDIR={w}/local", f"--var=DBDIR={w}/db",
               f"--var=RUNDIR={w}/run", f"--var=LOGDIR={w}/log"]
        if os.geteuid() == 0:
            import pwd

            try:
                pw = pwd.getpwnam("_rspamd")
                for p in [w] + list(w.rglob("*")):
                    os.chown(p, pw.pw_uid, pw.pw_gid)
                cmd[2:2] = ["-u", "_rspamd", "-g", "_rspamd"]
            except KeyError:
                cmd.insert(2, "-i")
        self.main = subprocess.Popen(pinned(cmd), stdout=open(w / "rspamd.out", "wb"),
                                     stderr=subprocess.STDOUT)
        self.procs.append(self.main)
        if not _wait_port(self.port, 180):
            self.__exit__(None, None, None)
            raise RuntimeError(f"rspamd did not start; see {w}/rspamd.out")
        self.pin_all()
        return self

    def pids(self) -> list[int]:
        main = self.main.pid
        kids = _children(main)
        # taskset runs rspamd via exec, so main is rspamd itself
        return [main] + kids + [g for k in kids for g in _children(k)]

    def pin_all(self) -> None:
        if shutil.which("taskset"):
            for pid in self.pids():
                subprocess.run(["taskset", "-p", "-c", CPU, str(pid)], capture_output=True)

    def scan(self, paths: list[Path], out: Path) -> dict:
        cmd = pinned(["rspamc", "-h", f"127.0.0.1:{self.port}", "-n", "8", "-t", "60",
                      "-i", "192.0.2.10"] + [str(p) for p in paths])
        before = _cpu_seconds(self.pids())
        with open(out, "wb") as fh:
            r = measure(cmd, stdout=fh)
        r["server_cpu_s"] = _cpu_seconds(self.pids()) - before
        r["server_peak_mb"] = sum(vm_hwm_mb(pid) for pid in self.pids())
        data = out.read_bytes()
        r["results"] = data.count(b"\nResults for file: ") + data.startswith(b"Results for file: ")
        r["n"] = len(paths)
        return r

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def rspamd_available() -> bool:
    return all(shutil.which(b) for b in ("rspamd", "rspamc", "dnsmasq")) and Path(
        "/etc/rspamd/rspamd.conf").exists()


def run_rspamd(paths: list[Path], work: Path) -> dict:
    with Rspamd(work) as rs:
        warm = rs.scan(paths[:300], work / "rspamd-warm.txt")
        r = rs.scan(paths, work / "rspamd-out.txt")
    r["how"] = "rspamd 1 normal worker + rspamc -n 8 (warm)"
    r["warmup_s"] = warm["wall_s"]
    if r["results"] != len(paths):
        r["warning"] = f"rspamc printed {r['results']} results for {len(paths)} messages"
    return r


# -- in-process figures (run in a fresh interpreter) ----------------------------------

def _pin_self() -> None:
    try:
        os.sched_setaffinity(0, {int(CPU)})
    except (AttributeError, OSError):
        pass


def worker_timing(root: Path) -> dict:
    _pin_self()
    from guard import check, preload

    preload()          # as guard scan, daemon and milter do before their workers check
    paths = corpora.spamassassin_paths(root)
    data = [p.read_bytes() for p in paths]
    check(data[0])
    check(data[-1])
    times = []
    t0 = time.perf_counter()
    for d in data:
        t = time.perf_counter()
        check(d)
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    order = sorted(range(len(times)), key=times.__getitem__)
    n = len(times)
    worst = order[-1]
    return {
        "n": n, "total_s": total, "msgs_per_s": n / total,
        "mean_ms": 1000 * total / n,
        "median_ms": 1000 * times[order[n // 2]],
        "p99_ms": 1000 * times[order[min(n - 1, int(n * 0.99))]],
        "worst_ms": 1000 * times[worst],
        "worst_id": str(paths[worst].relative_to(root)), "worst_bytes": len(data[worst]),
        "stdlib_parse_median_ms": _stdlib_parse_median(data),
    }


def _stdlib_parse_median(data: list[bytes]) -> float:
    """Median time of the standard library's own parse + body decode, for scale."""
    from email import policy
    from email.parser import BytesParser

    ts = []
    for d in data:
        t = time.perf_counter()
        msg = BytesParser(policy=policy.compat32).parsebytes(d)
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                part.get_payload(decode=True)
        ts.append(time.perf_counter() - t)
    ts.sort()
    return 1000 * ts[len(ts) // 2]


def worker_memory(root: Path, use_tracemalloc: bool) -> dict:
    _pin_self()
    if use_tracemalloc:
        import tracemalloc

        tracemalloc.start()
    from guard import check
    from guard.rules import default_ruleset

    default_ruleset()
    base = vm_hwm_mb()
    n = 0
    for p in corpora.spamassassin_paths(root):
        check(p.read_bytes())
        n += 1
    out = {"n": n, "peak_mb": vm_hwm_mb(), "after_import_mb": base}
    if use_tracemalloc:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return out


_WORDS = ("the candidate selected for the position of programme officer will join our team in "
          "the regional office and work with partners on labour standards social protection "
          "employment policy and skills development the assignment includes travel reports "
          "meetings and training sessions please read the terms of reference carefully before "
          "applying and keep this message for your records").split()


def synthetic_message(body_bytes: int) -> bytes:
    """A plain recruitment-style message with a body of about ``body_bytes`` bytes."""
    import random

    rnd = random.Random(body_bytes)
    words: list[str] = []
    size = 0
    while size < body_bytes:
        w = rnd.choice(_WORDS)
        words.append(w)
        size += len(w) + 1
        if rnd.random() < 0.08:
            words[-1] += "."
        if rnd.random() < 0.01:
            words[-1] += "\n\n"
    body = " ".join(words)[:body_bytes]
    head = ("From: Recruitment Desk <jobs@example.org>\nTo: you@example.com\n"
            "Subject: Your application\nDate: Mon, 06 Jan 2025 10:00:00 +0000\n"
            "Message-ID: <scale@example.org>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n\n")
    return head.encode() + body.encode()


def worker_scaling() -> dict:
    _pin_self()
    from guard import check
    from guard.parse import MAX_VIEW_CHARS

    check(synthetic_message(1024))
    rows = []
    for kb in SIZES_KB:
        msg = synthetic_message(kb * 1024)
        reps = max(3, min(200, int(200 / kb)))
        ts = []
        complete = True
        for _ in range(reps):
            t = time.perf_counter()
            v = check(msg, time_budget=60.0)
            ts.append(time.perf_counter() - t)
            complete = complete and v.complete
        ts.sort()
        med = ts[len(ts) // 2]
        rows.append({"kb": kb, "reps": reps, "median_ms": 1000 * med, "us_per_kb": 1e6 * med / kb,
                     "complete": complete,
                     "checked_kb": min(kb * 1024, MAX_VIEW_CHARS) / 1024})
    return {"rows": rows, "max_view_chars": MAX_VIEW_CHARS}


def in_fresh_process(mode: str, root: Path, *extra: str) -> dict:
    # the worker imports this file as a module (read from its .pyc) rather
    # than running it as a script: compiling it from source raised the
    # process's high-water mark by 1.7 MB before guard was even imported,
    # and the memory figure is meant to be guard's, not the benchmark's
    import py_compile

    try:
        py_compile.compile(str(Path(__file__).resolve()))    # the .pyc, even under PYTHONDONTWRITEBYTECODE
    except OSError:
        pass          # a read-only checkout: the worker compiles it, as before
    boot = ("import sys; sys.path.insert(0, sys.argv[1]); import speed; "
            "sys.exit(speed.main(sys.argv[2:]))")
    cmd = [sys.executable, "-c", boot, str(HERE), "--worker", mode,
           "--corpora", str(root), *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if r.returncode != 0:
        raise RuntimeError(f"{mode} worker failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# -- profile ----------------------------------------------------------------------------

STAGES = [
    ("parse: email.parser (stdlib, compat32)", "email/parser.py", "parsebytes"),
    ("parse: HTML to text (html.parser)", "guard/parse.py", "html_to_text"),
    ("parse: From/Reply-To via policy.default", "guard/parse.py", "parse_address_list"),
    ("parse: addresses and links in the body", "guard/parse.py", "_find_addresses_and_links"),
    ("parse: total", "guard/parse.py", "parse"),
    ("normalise text views", "guard/normalize.py", "of"),
    ("Aho-Corasick prefilter", "guard/rules.py", "active_patterns"),
    ("contexts", "guard/contexts.py", "eval_contexts"),
    ("text rules", "guard/findings.py", "run_text_rule"),
    ("sender facts", "guard/checks.py", "sender_facts"),
    ("meta rules", "guard/meta.py", "run_meta"),
    ("score", "guard/scoring.py", "score"),
    ("check() total", "guard/api.py", "check"),
]


def worker_profile(root: Path, top: int) -> dict:
    import cProfile
    import io
    import pstats

    _pin_self()
    from guard import check
    from guard.rules import default_ruleset

    default_ruleset()
    data = [p.read_bytes() for p in corpora.spamassassin_paths(root)]
    check(data[0])
    prof = cProfile.Profile()
    prof.enable()
    for d in data:
        check(d)
    prof.disable()
    st = pstats.Stats(prof)
    stages = []
    total = None
    for label, fname, func in STAGES:
        cum = 0.0
        for (file, _line, fn), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
            if fn == func and file.replace(os.sep, "/").endswith(fname):
                cum = max(cum, ct)
        stages.append([label, cum])
        if func == "check":
            total = cum
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(top)
    lines = [ln for ln in s.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    import sysconfig

    def clean(line: str) -> str:
        # no machine paths in the output: the repository, the venv and the stdlib by name
        for path, name in ((str(REPO) + os.sep, ""), (sysconfig.get_paths()["stdlib"], "<stdlib>"),
                           (sys.prefix, "<venv>")):
            line = line.replace(path, name)
        return line

    return {"n": len(data), "stages": stages, "total_s": total,
            "top_tottime": [clean(ln) for ln in lines[start:start + top + 1]]}


# -- main -------------------------------------------------------------------------------

def print_report(out: dict) -> None:
    w = out["whole_process"]
    n = out["n"]
    print(f"\nWhole process, {n} SpamAssassin messages, pinned to CPU {CPU} (one run):")
    g = w.get("guard")
    rows = [("guard", g), ("spamassassin", w.get("spamassassin")), ("rspamd", w.get("rspamd"))]
    for name, r in rows:
        if not r:
            print(f"  {name:<13} not run")
            continue
        extra = (f"; server CPU {r['server_cpu_s']:.1f} s, server peak {r['server_peak_mb']:.0f} MB"
                 if "server_cpu_s" in r else "")
        print(f"  {name:<13} {r['wall_s']:8.2f} s wall  {r['cpu_s']:8.2f} s CPU  "
              f"{n / r['wall_s']:8.0f} msg/s  peak RSS {r['peak_mb']:.0f} MB{extra}   [{r['how']}]")
        if r.get("warning"):
            print(f"  {'':<13} warning: {r['warning']}")
    smp = out.get("sample")
    if smp:
        print(f"  300-message sample (150 easy ham, 50 hard ham, 100 spam, first by name), whole process:"
              f" guard {smp['guard']['wall_s']:.2f} s, spamassassin {smp['spamassassin']['wall_s']:.2f} s")
    for k, v in out.get("ratios", {}).items():
        print(f"  {k}: {v:.1f}x")
    t = out.get("timing")
    if t:
        print(f"\nIn process, one core, after guard.preload(): {t['msgs_per_s']:.0f} messages/s; median {t['median_ms']:.3f} ms, "
              f"p99 {t['p99_ms']:.2f} ms, worst {t['worst_ms']:.1f} ms ({t['worst_id']}, "
              f"{t['worst_bytes']} bytes); stdlib parse alone: median {t['stdlib_parse_median_ms']:.3f} ms")
    m = out.get("memory")
    if m:
        tm = f", tracemalloc peak {m['tracemalloc_peak_mb']:.1f} MB" if "tracemalloc_peak_mb" in m else ""
        print(f"Peak memory checking {m['n']} messages one by one: {m['peak_mb']:.0f} MB RSS "
              f"({m['after_import_mb']:.0f} MB after import){tm}")
    s = out.get("scaling")
    if s:
        print("\nScaling (synthetic plain-text body):")
        print(f"  {'body':>8}  {'ms/message':>11}  {'us/KB':>8}  checked")
        for r in s["rows"]:
            print(f"  {r['kb']:>6} KB  {r['median_ms']:>11.2f}  {r['us_per_kb']:>8.1f}  "
                  f"{r['checked_kb']:.0f} KB{'' if r['complete'] else ' (incomplete)'}")
    p = out.get("profile")
    if p:
        print(f"\nProfile of check() over {p['n']} messages (cProfile, cumulative seconds):")
        for label, cum in p["stages"]:
            share = f"{100 * cum / p['total_s']:5.1f}%" if p["total_s"] else ""
            print(f"  {label:<44} {cum:7.2f} s {share}")
        print("  top functions by own time:")
        for ln in p["top_tottime"]:
            print("   " + ln)
    tg = out.get("targets")
    if tg:
        print("\nTargets: " + "; ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in tg.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=corpora.default_corpora())
    ap.add_argument("--only", choices=("guard", "all"), default="all",
                    help="guard: skip SpamAssassin and rspamd")
    ap.add_argument("--no-spamassassin", action="store_true")
    ap.add_argument("--no-rspamd", action="store_true")
    ap.add_argument("--profile", action="store_true", help="profile check() and print the hot spots")
    ap.add_argument("--top", type=int, default=25, help="functions to list with --profile")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="also measure the tracemalloc peak (in another fresh process)")
    ap.add_argument("--json", type=Path, metavar="FILE")
    ap.add_argument("--worker", choices=("timing", "memory", "scaling", "profile"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    root = corpora.require(args.corpora)

    if args.worker:
        res = {"timing": lambda: worker_timing(root),
               "memory": lambda: worker_memory(root, args.tracemalloc),
               "scaling": worker_scaling,
               "profile": lambda: worker_profile(root, args.top)}[args.worker]()
        print(json.dumps(res))
        return 0

    paths = corpora.spamassassin_paths(root)
    n = len(paths)
    out: dict = {"n": n, "whole_process": {}, "cpu": CPU}
    with tempfile.TemporaryDirectory(prefix="guard-bench-speed-") as tmp:
        work = Path(tmp)
        print(f"guard: whole process over {n} messages ...", flush=True)
        out["whole_process"]["guard"] = run_guard_process(
            [root / "spamassassin" / d for d in corpora.SA_DIRS], n, work / "guard-rows.jsonl")
        want_sa = args.only == "all" and not args.no_spamassassin
        if want_sa and shutil.which("spamassassin"):
            print("spamassassin -L --mbox ... (several minutes)", flush=True)
            out["whole_process"]["spamassassin"] = run_spamassassin_process(paths, work)
            sample = sample_paths(root)
            if sample:
                print(f"the {len(sample)}-message sample: guard, then spamassassin -L ...", flush=True)
                (work / "sa-sample").mkdir()
                out["sample"] = {"guard": run_guard_sample(sample, work),
                                 "spamassassin": run_spamassassin_process(sample, work / "sa-sample")}
        elif want_sa:
            print("spamassassin: not installed (bench/setup); skipped")
        want_rs = args.only == "all" and not args.no_rspamd
        if want_rs and rspamd_available():
            print("rspamd: starting one worker on loopback ...", flush=True)
            out["whole_process"]["rspamd"] = run_rspamd(paths, work)
        elif want_rs:
            print("rspamd: rspamd, rspamc or dnsmasq not installed (bench/setup); skipped")
    w = out["whole_process"]
    g = w["guard"]["wall_s"]
    ratios = {}
    if "spamassassin" in w:
        ratios["SpamAssassin time / guard time"] = w["spamassassin"]["wall_s"] / g
    if "rspamd" in w:
        ratios["rspamd time / guard time"] = w["rspamd"]["wall_s"] / g
    if "sample" in out:
        ratios["300-message sample: SpamAssassin time / guard time"] = (
            out["sample"]["spamassassin"]["wall_s"] / out["sample"]["guard"]["wall_s"])
    out["ratios"] = ratios
    print("in-process timing ...", flush=True)
    out["timing"] = in_fresh_process("timing", root)
    print("peak memory ...", flush=True)
    out["memory"] = in_fresh_process("memory", root)
    if args.tracemalloc:
        # a second fresh run: tracemalloc's own bookkeeping would inflate the RSS figure
        out["memory"]["tracemalloc_peak_mb"] = in_fresh_process(
            "memory", root, "--tracemalloc")["tracemalloc_peak_mb"]
    print("scaling 1 KB .. 10 MB ...", flush=True)
    out["scaling"] = in_fresh_process("scaling", root)
    if args.profile:
        print("profile ...", flush=True)
        out["profile"] = in_fresh_process("profile", root, "--top", str(args.top))
    rows = out["scaling"]["rows"]
    one_mb = next((r["median_ms"] for r in rows if r["kb"] == 1024), None)
    tg = {
        f"median <= {TARGET_MEDIAN_MS:g} ms": out["timing"]["median_ms"] <= TARGET_MEDIAN_MS,
        f"p99 <= {TARGET_P99_MS:g} ms": out["timing"]["p99_ms"] <= TARGET_P99_MS,
        f"worst <= {TARGET_WORST_MS:g} ms": out["timing"]["worst_ms"] <= TARGET_WORST_MS,
        f"peak memory <= {TARGET_PEAK_MB:g} MB": out["memory"]["peak_mb"] <= TARGET_PEAK_MB,
        # linear: time per KB at the largest size no more than 1.5x the smallest non-trivial one
        "scaling linear": max(r["us_per_kb"] for r in rows[1:]) <= 1.5 * rows[1]["us_per_kb"],
    }
    if one_mb is not None:
        tg[f"1 MB body <= {TARGET_1MB_MS:g} ms"] = one_mb <= TARGET_1MB_MS
    if "spamassassin" in w:
        tg[f">= {TARGET_SA_RATIO:g}x SpamAssassin"] = ratios["SpamAssassin time / guard time"] >= TARGET_SA_RATIO
    if "sample" in out:
        tg[f">= {TARGET_SAMPLE_SA_RATIO:g}x SpamAssassin on the 300-message sample"] = (
            ratios["300-message sample: SpamAssassin time / guard time"] >= TARGET_SAMPLE_SA_RATIO)
    if "rspamd" in w:
        tg[f">= {TARGET_RSPAMD_RATIO:g}x warm rspamd"] = ratios["rspamd time / guard time"] >= TARGET_RSPAMD_RATIO
    out["targets"] = tg
    print_report(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
