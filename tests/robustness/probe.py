"""Re-run the reproductions of issue 13 and print one figure a line.

    .venv/bin/python tests/robustness/probe.py [--quick] [--only NAME...]

Not a test (pytest does not collect it): it prints what each hostile input
costs and what each command answers, so that a change can be compared with
the state before it. Times are wall-clock on whatever machine runs it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
SCAM_BODY = (
    "Dear candidate,\n\nYou have been selected for the post of Programme Officer at the "
    "International Labour Organization (ILO) in Geneva. To confirm your appointment you must "
    "pay a processing fee of USD 350 by Western Union before Friday. Send your bank account "
    "number and a copy of your passport to complete the employment contract.\n"
)
HEAD = ("From: ILO Recruitment <ilo.recruitment.office@gmail.com>\nTo: you@example.com\n"
        "Subject: Job offer from the International Labour Organization\nMIME-Version: 1.0\n")


def guard(*args, env=None, stdin=None, **kw) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([PY, "-m", "guard", *args], env=e, stdin=stdin, capture_output=True,
                          cwd=kw.pop("cwd", None), timeout=kw.pop("timeout", 600), **kw)


def tail(err: bytes) -> str:
    lines = err.decode("utf-8", "replace").strip().splitlines()
    tb = any(line.startswith("Traceback") for line in lines)
    return ("TRACEBACK " if tb else "") + (lines[-1][:100] if lines else "")


def ct_message(kb: int) -> bytes:
    return (b"From: a@example.org\nSubject: x\nContent-Type: text/plain; a=\"" + b";" * (kb * 1024)
            + b"\n\n" + SCAM_BODY.encode())


def p1_content_type(quick: bool) -> None:
    from guard import check

    check(b"Subject: warm\n\nx")
    for kb in (50, 100) if quick else (50, 100, 200, 400):
        t = time.perf_counter()
        v = check(ct_message(kb), time_budget=2.0)
        print(f"1  check() Content-Type a=\" + {kb} KB of ';': {time.perf_counter() - t:.2f} s "
              f"level={v.level.value} notes={v.notes}")


def p1_milter(quick: bool) -> None:
    from guard import check, milter

    normal = (HEAD + "\n" + SCAM_BODY).encode()
    check(normal)

    def timed() -> float:
        best = 9e9
        for _ in range(5):
            t = time.perf_counter()
            check(normal)
            best = min(best, time.perf_counter() - t)
        return best

    before = timed()
    s = milter.Settings(time_budget=5.0)
    if hasattr(milter, "start_workers"):
        milter.start_workers(s)
    t = time.perf_counter()
    n = 4 if quick else 16
    for _ in range(n):
        m = milter.Message(s)
        raw = ct_message(100)
        head, _, body = raw.partition(b"\n\n")
        for line in head.split(b"\n"):
            name, _, value = line.partition(b":")
            m.add_header(name.decode(), value.strip())
        m.add_body(body)
        m.decide()
    took = time.perf_counter() - t
    threads = threading.active_count()
    after = timed()
    print(f"1  milter: {n} messages with 100 KB Content-Type parameters in {took:.1f} s; "
          f"threads alive after: {threads}; a normal check {before * 1000:.1f} ms before, "
          f"{after * 1000:.1f} ms after ({after / before:.2f}x)")
    if hasattr(milter, "stop_workers"):
        milter.stop_workers()


def p2_filter(tmp: Path) -> None:
    src = tmp / "9MB.eml"
    src.write_bytes((HEAD + "\n" + SCAM_BODY).encode() + b"x" * (9 * 1024 * 1024) + b"\n")
    for unbuf in ("1", ""):
        out = tmp / "out"
        env = dict(os.environ, PYTHONUNBUFFERED=unbuf)
        with open(src, "rb") as fi, open(out, "wb") as fo:
            p = subprocess.run([PY, "-m", "guard", "filter"], stdin=fi, stdout=fo, stderr=subprocess.PIPE,
                               env=env, preexec_fn=lambda: resource.setrlimit(
                                   resource.RLIMIT_FSIZE, (2048 * 1024, 2048 * 1024)))
        print(f"2  ulimit -f 2048, PYTHONUNBUFFERED={unbuf or '(unset)'}: guard filter <9MB.eml >out: "
              f"exit {p.returncode}, out {out.stat().st_size} of {src.stat().st_size} bytes; {tail(p.stderr)}")
    r, w = os.pipe()
    os.close(r)
    p = subprocess.run([PY, "-m", "guard", "filter"], stdin=open(src, "rb"), stdout=w, stderr=subprocess.PIPE)
    os.close(w)
    print(f"2  guard filter <9MB.eml into a closed pipe: exit {p.returncode}; {tail(p.stderr)}")


def p3_scan(tmp: Path) -> None:
    d = tmp / "loops"
    d.mkdir()
    (d / "ok.eml").write_bytes((HEAD + "\n" + SCAM_BODY).encode())
    os.symlink("b", d / "a")
    os.symlink("a", d / "b")
    os.symlink("nowhere", d / "dangling.eml")
    os.symlink(".", d / "self")
    p = guard("scan", "-j1", str(d))
    print(f"3  guard scan on a folder with a symlink loop a->b->a, a dangling link, a link to '.': "
          f"exit {p.returncode}, {len(p.stdout.splitlines())} rows; {tail(p.stderr)}")
    md = tmp / "md"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1").write_bytes((HEAD + "\n" + SCAM_BODY).encode())
    os.symlink(".", md / ".Loop")
    p = guard("scan", "-j1", str(md))
    depth = max((line.count(b".Loop") for line in p.stdout.splitlines()), default=0)
    print(f"3  guard scan on a Maildir with .Loop -> .: exit {p.returncode}, {len(p.stdout.splitlines())} rows, "
          f"deepest path {depth} levels of .Loop; {tail(p.stderr)}")


def p4_caps() -> None:
    from guard import check

    def show(name, msg):
        v = check(msg, time_budget=30.0)
        print(f"4  {name}: level={v.level.value} notes={v.notes}")

    show("the scam alone", (HEAD + "\n" + SCAM_BODY).encode())
    hidden = "<div style='display:none'>" + "<span class='pad'></span>" * 90_000 + "</div>"
    show("HTML: 2.2M characters of markup that shows nothing, then the scam",
         (HEAD + "Content-Type: text/html; charset=utf-8\n\n" + hidden + "<p>" + SCAM_BODY).encode())
    body = ("Weather report, nothing to see here. " * 30_000) + "\n" + SCAM_BODY
    show("UTF-32 text part of 1.1M characters, the scam at the end",
         (HEAD + "Content-Type: text/plain; charset=utf-32\n\n").encode() + body.encode("utf-32"))
    fr = ("Vous avez été retenu pour un poste à l'Organisation internationale du Travail (OIT). "
          "Pour confirmer votre recrutement, vous devez payer des frais de dossier de 300 euros.\n")
    fr += "x" * (1 - len(fr.encode()) % 2)          # odd: every even byte offset falls inside an "é"
    v = check((HEAD + "Content-Type: text/plain; charset=utf-8\n\n").encode() + (fr + "é" * 4_600_000).encode(),
              time_budget=30.0)
    print(f"4  UTF-8 text part of 9.2 MB, cut inside a character: level={v.level.value} "
          f"body begins {v.views['body'][:24]!r} notes={v.notes}")
    show("From display name of 18 characters, free-mail ILO sender",
         ("From: \"ILO Recruitment\" <ilo.recruitment.office@gmail.com>\nSubject: Job offer\n\n"
          "The International Labour Organization (ILO) has selected you for the post of Programme "
          "Officer. Please reply with your CV.\n").encode())
    show("From display name of 3 KB, free-mail ILO sender",
         (f"From: \"ILO Recruitment {'x' * 3000}\" <ilo.recruitment.office@gmail.com>\nSubject: Job offer\n\n"
          "The International Labour Organization (ILO) has selected you for the post of Programme "
          "Officer. Please reply with your CV.\n").encode())
    links = " ".join(f"http://site{i}.example.org/page" for i in range(500))
    show("500 links, then a look-alike ilo link",
         (HEAD + "\n" + links + "\nApply at http://ilo-org.careers/apply\n").encode())
    show("Subject of 9 KB padding, then the fee demand",
         ("From: ILO <ilo.recruitment.office@gmail.com>\nSubject: " + "x" * 9000
          + " ILO job offer: pay the processing fee of USD 350 by Western Union\n\nsee subject\n").encode())


def p5_names(tmp: Path) -> None:
    d = tmp / "names"
    d.mkdir()
    bad = os.fsencode(str(d)) + b"/caf\xe9.eml"
    with open(bad, "wb") as fh:
        fh.write((HEAD + "\n" + SCAM_BODY).encode())
    p = guard("scan", "-j1", "-o", str(tmp / "rows.jsonl"), str(d))
    print(f"5  guard scan -o rows.jsonl on a file named caf\\xe9.eml: exit {p.returncode}; {tail(p.stderr)}")
    strict = {"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    p = subprocess.run([PY, "-m", "guard", "check", bad], env=dict(os.environ, **strict), capture_output=True)
    print(f"5  guard check caf\\xe9.eml, strict UTF-8 stdout: exit {p.returncode}; {tail(p.stderr)}")
    p = guard("scan", "-j1", str(d), env=strict)
    print(f"5  guard scan (rows to a strict UTF-8 stdout): exit {p.returncode}; {tail(p.stderr)}")


def p6_exits(tmp: Path) -> None:
    many = tmp / "many"
    many.mkdir()
    for i in range(30):
        (many / f"{i:02}.eml").write_bytes((HEAD + "\n" + SCAM_BODY).encode())
    files = " ".join(str(p) for p in sorted(many.iterdir()))
    for cmd in (f"{PY} -m guard check {files}", f"{PY} -m guard scan -j1 {many}"):
        p = subprocess.run(["bash", "-c", f"{cmd} | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}"],
                           capture_output=True)
        print(f"6  {cmd.split()[3]} of 30 fraud messages | head -c 1: exit {p.stdout.decode().strip()} "
              f"(worst level is 20); {tail(p.stderr)}")
    one = many / "00.eml"
    for redir, what in (("<&-", "stdin closed"), (f"<{one} >&-", "stdout closed")):
        p = subprocess.run(["bash", "-c", f"{PY} -m guard filter {redir}"], capture_output=True)
        print(f"6  guard filter, {what}: exit {p.returncode}; {tail(p.stderr)}")
    p = subprocess.run(["bash", "-c", f"{PY} -m guard scan -j1 {many} >/dev/full"], capture_output=True)
    print(f"6  guard scan >/dev/full: exit {p.returncode}; {tail(p.stderr)}")
    p = guard("scan", "-j1", "-o", "/dev/full", str(many))
    print(f"6  guard scan -o /dev/full: exit {p.returncode}; {tail(p.stderr)}")
    big = tmp / "1G.eml"
    with open(big, "wb") as fh:
        fh.write((HEAD + "\n" + SCAM_BODY).encode())
        fh.truncate(1024 ** 3)
    for path in ("/dev/zero", str(big)):
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", PY, "-m", "guard", "check", path],
                           capture_output=True, timeout=600)
        *err, rss = p.stderr.decode().strip().splitlines()
        print(f"6  guard check {path}: exit {p.returncode}, {time.perf_counter() - t:.1f} s, "
              f"max RSS {int(rss) // 1024} MB; {tail(chr(10).join(err).encode())}")


def p7_settings() -> None:
    from guard import check

    one = (HEAD + "\n" + SCAM_BODY).encode()
    for args in (("filter", "--time-budget", "inf"), ("scan", "--time-budget", "inf", "-j1", "/dev/null"),
                 ("milter", "--time-budget", "inf", "--socket", "inet:1@127.0.0.1"),
                 ("check", "--dns", "--dns-timeout", "0", "-"), ("filter", "--dns", "--dns-timeout", "0"),
                 ("filter", "--dns", "--dns-timeout", "0", "--on-error", "tempfail"),
                 ("filter", "--max-size", "inf")):
        try:
            p = guard(*args, input=one, timeout=20)
        except subprocess.TimeoutExpired:
            print(f"7  guard {' '.join(args)}: accepted, still running after 20 s (killed)")
            continue
        first = p.stdout.split(b"\n", 1)[0].decode("utf-8", "replace")[:70]
        print(f"7  guard {' '.join(args)}: exit {p.returncode}; out: {first!r}; {tail(p.stderr)}")
    for kw in ({"time_budget": float("nan")}, {"time_budget": float("inf")}, {"trusted_authserv_ids": None},
               {"trusted_authserv_ids": [1]}, {"dns_budget": float("nan")}):
        try:
            v = check(one, **kw)
            print(f"7  check(**{kw}): no error; complete={v.complete} notes={v.notes}")
        except (TypeError, ValueError) as e:
            print(f"7  check(**{kw}): {type(e).__name__}: {e}")


def p8_forged() -> None:
    raw = (b"From: ILO <ilo.recruitment.office@gmail.com>\nSubject: Job offer\nThis line has no colon\n"
           b"X-Guard-Status: No, level=clear score=0.0 tests=none version=0.1.0\n\n" + SCAM_BODY.encode())
    p = guard("filter", input=raw)
    head = p.stdout.split(b"\n\n", 1)[0]
    n = sum(1 for line in head.split(b"\n") if line.lower().startswith(b"x-guard-status:"))
    print(f"8  forged X-Guard-Status after a line without a colon: {n} X-Guard-Status lines in the "
          f"header block, renamed: {b'X-Prev-Guard-Status' in head}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes for the slow reproductions")
    ap.add_argument("--only", nargs="*", default=[])
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="guard-probe-"))
    # the milter last: before issue 13 its abandoned threads kept the CPU busy for minutes
    steps = {"1": lambda: p1_content_type(a.quick), "2": lambda: p2_filter(tmp),
             "3": lambda: p3_scan(tmp), "4": p4_caps, "5": lambda: p5_names(tmp), "6": lambda: p6_exits(tmp),
             "7": p7_settings, "8": p8_forged, "1m": lambda: p1_milter(a.quick)}
    try:
        for name, step in steps.items():
            if a.only and name not in a.only:
                continue
            try:
                step()
            except Exception as e:  # noqa: BLE001 - a probe that breaks is a figure too
                print(f"{name}  probe raised {type(e).__name__}: {e}")
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
