"""``guard scan`` over a mixed folder: mbox + Maildir + .eml + broken files."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import guard.api
from guard import scan

DATA = Path(__file__).resolve().parent / "data"
SCAM = (DATA / "scam.eml").read_bytes()
GENUINE = (DATA / "genuine.eml").read_bytes()
ROOT = Path(__file__).resolve().parents[2]

NEWSLETTER = b"""From: news@example.net
To: you@example.org
Subject: Monthly garden club news
Date: Wed, 5 Jun 2024 08:00:00 +0000

The tomato seedlings are ready for collection at the community hall.
"""


def mbox_entry(msg: bytes, sender: bytes = b"someone@example.com") -> bytes:
    body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in msg.split(b"\n"))
    return b"From " + sender + b" Thu Jun  6 10:00:00 2024\n" + body.rstrip(b"\n") + b"\n\n"


@pytest.fixture
def mixed(tmp_path: Path) -> tuple[Path, set[str], set[str]]:
    """A mixed folder; returns (root, expected message locations, expected skipped files)."""
    root = tmp_path / "mail"
    root.mkdir()
    expect: set[str] = set()
    # an mbox of three messages
    (root / "archive.mbox").write_bytes(mbox_entry(SCAM) + mbox_entry(GENUINE) + mbox_entry(NEWSLETTER))
    expect |= {f"{root}/archive.mbox#{i}" for i in (1, 2, 3)}
    # a Maildir with a Maildir++ sub-folder; tmp/ and index files are not messages
    md = root / "Maildir"
    for sub in ("cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1717660000.M1P1.host:2,S").write_bytes(GENUINE)
    (md / "cur" / "1717660001.M2P1.host:2,").write_bytes(SCAM.replace(b"\n", b"\r\n"))
    (md / "new" / "1717660002.M3P1.host").write_bytes(NEWSLETTER)
    (md / "tmp" / "1717660003.M4P1.host").write_bytes(b"From: half@example.com\nSubj")
    (md / ".Sent" / "cur" / "1717660004.M5P1.host:2,S").write_bytes(GENUINE)
    (md / "dovecot-uidlist").write_bytes(b"3 V1717660000 N5\n")
    (md / "maildirfolder").write_bytes(b"")
    expect |= {f"{md}/cur/1717660000.M1P1.host:2,S", f"{md}/cur/1717660001.M2P1.host:2,",
               f"{md}/new/1717660002.M3P1.host", f"{md}/.Sent/cur/1717660004.M5P1.host:2,S"}
    # .eml files, one in a sub-folder; a broken and an empty one
    (root / "inbox").mkdir()
    (root / "inbox" / "offer.eml").write_bytes(SCAM)
    (root / "inbox" / "nested").mkdir()
    (root / "inbox" / "nested" / "reply.eml").write_bytes(GENUINE)
    (root / "inbox" / "broken.eml").write_bytes(b"\x00\x01\x02PK\x03\x04 not mail at all \xff\xfe")
    (root / "inbox" / "empty.eml").write_bytes(b"")
    expect |= {f"{root}/inbox/offer.eml", f"{root}/inbox/nested/reply.eml",
               f"{root}/inbox/broken.eml", f"{root}/inbox/empty.eml"}
    # a message file without the .eml name, a text file that is not mail, a hidden file
    (root / "inbox" / "saved-message.txt").write_bytes(NEWSLETTER)
    expect.add(f"{root}/inbox/saved-message.txt")
    (root / "notes.md").write_bytes(b"# My notes\n\nNothing to see: not a message.\n")
    (root / ".hidden.eml").write_bytes(SCAM)
    return root, expect, {f"{root}/notes.md"}


def scan_rows(paths, **kw) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    code, _ = scan.run_scan([str(p) for p in paths], out=out, err=err, **kw)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    return code, rows, err.getvalue()


def test_mixed_folder_gives_one_row_per_message(mixed):
    root, expect, skipped = mixed
    code, rows, err = scan_rows([root], jobs=1)
    locations = [r["location"] for r in rows]
    assert len(locations) == len(set(locations))
    assert set(locations) == expect
    by = {r["location"]: r for r in rows}
    assert by[f"{root}/archive.mbox#1"]["level"] == "fraud"
    assert by[f"{root}/archive.mbox#2"]["level"] == "clear"
    assert by[f"{root}/Maildir/cur/1717660001.M2P1.host:2,"]["level"] == "fraud"
    assert by[f"{root}/inbox/offer.eml"]["rule_ids"] and by[f"{root}/inbox/offer.eml"]["score"] > 0
    assert by[f"{root}/inbox/broken.eml"] == {
        "location": f"{root}/inbox/broken.eml", "kind": "eml", "level": None, "score": None,
        "rule_ids": [], "error": "not a message: no header block"}
    assert by[f"{root}/inbox/empty.eml"]["error"] == "empty"
    assert {r["kind"] for r in rows} == {"mbox", "maildir", "eml", "file"}
    assert all(r["error"] is None for r in rows if r["location"] not in
               {f"{root}/inbox/broken.eml", f"{root}/inbox/empty.eml"})
    assert code == 20          # the worst level found
    # the summary: one line per PATH with every row counted, and the skipped file named
    line = next(x for x in err.splitlines() if x.split() and x.split()[0].endswith("/mail"))
    assert line.split()[1:] == [str(len(expect)), "7", "0", "3", "2", "1"]
    assert "notes.md" in err and f"{len(expect)} messages in" in err


def test_all_files_gives_rows_to_files_that_are_not_mail(mixed):
    root, expect, skipped = mixed
    _, rows, _ = scan_rows([root], jobs=1, all_files=True)
    by = {r["location"]: r for r in rows}
    assert set(by) == expect | skipped
    assert by[f"{root}/notes.md"]["error"] == "not a message: no header block"


def test_parallel_rows_are_the_same_in_the_same_order(mixed):
    root, expect, _ = mixed
    _, one, _ = scan_rows([root], jobs=1)
    _, two, err = scan_rows([root], jobs=2, chunk_size=2)
    assert two == one
    assert "2 jobs" in err


def test_named_files_and_missing_paths(mixed, tmp_path):
    root, _, _ = mixed
    notes = root / "notes.md"
    code, rows, err = scan_rows([root / "inbox" / "offer.eml", notes, tmp_path / "nope"], jobs=1)
    assert [r["location"] for r in rows] == [str(root / "inbox" / "offer.eml"), str(notes)]
    assert rows[1]["error"] == "not a message: no header block"   # named: always a row
    assert code == 66
    assert "nope: no such file or folder" in err


def test_too_large_and_vanished_messages_get_error_rows(tmp_path):
    big = tmp_path / "big.eml"
    big.write_bytes(GENUINE + b"x" * 5000)
    code, rows, _ = scan_rows([big], settings={"max_size": 1000})
    assert rows[0]["error"].startswith(f"too large: {big.stat().st_size} bytes (limit 1000)")
    assert rows[0]["level"] is None
    row = scan.check_unit((str(tmp_path / "gone.eml"), "eml", str(tmp_path / "gone.eml"), 0, -1, True, 0),
                          {"max_size": 100, "time_budget": 1.0, "trusted_authserv_ids": ()})
    assert row[2] is None and row[5].startswith("cannot read:")


def test_mbox_spans_cover_the_file(tmp_path):
    data = b"stray text before the first separator\n" + mbox_entry(SCAM) + mbox_entry(GENUINE) + b"From x"
    p = tmp_path / "m"
    p.write_bytes(data)
    spans = scan.mbox_spans(str(p))
    assert b"".join(data[o:o + n] for o, n in spans) == data      # every byte in exactly one piece
    assert len(spans) == 4


def test_crashed_worker_loses_no_message(tmp_path, monkeypatch):
    folder = tmp_path / "f"
    folder.mkdir()
    for i in range(12):
        body = SCAM if i % 3 else GENUINE
        if i == 7:
            body = body.replace(b"Dear Candidate", b"Dear Candidate CRASH-ME")
        (folder / f"{i:02d}.eml").write_bytes(body)
    real = guard.api.check

    def crashing(message, **kw):
        if isinstance(message, bytes) and b"CRASH-ME" in message:
            os._exit(3)          # the worker dies as from a segfault
        return real(message, **kw)

    monkeypatch.setattr(guard.api, "check", crashing)   # forked workers inherit it
    code, rows, _ = scan_rows([folder], jobs=2, chunk_size=3)
    assert [r["location"] for r in rows] == [str(folder / f"{i:02d}.eml") for i in range(12)]
    assert rows[7]["error"] == "the checking process died on this message"
    assert all(r["error"] is None and r["level"] in ("fraud", "clear") for i, r in enumerate(rows) if i != 7)


def test_csv_command_output(mixed):
    root, expect, _ = mixed
    p = subprocess.run([sys.executable, "-m", "guard", "scan", str(root), "--format", "csv", "--jobs", "2"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 20, p.stderr
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert list(rows[0]) == list(scan.FIELDS)
    assert {r["location"] for r in rows} == expect
    fraud = [r for r in rows if r["level"] == "fraud"]
    assert len(fraud) == 3 and all(r["rule_ids"].startswith("GRD") for r in fraud)
    assert "scanning [" not in p.stderr           # no progress bar when stderr is not a terminal
    assert "messages in" in p.stderr


def test_progress_bar_on_a_terminal(mixed, tmp_path):
    import pty

    root, expect, _ = mixed
    primary, secondary = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "guard", "scan", str(root), "-o", str(tmp_path / "rows.jsonl")],
                           stderr=secondary, stdout=subprocess.DEVNULL, cwd=ROOT, timeout=120)
        os.close(secondary)
        secondary = -1
        chunks = []
        while True:
            try:
                b = os.read(primary, 65536)
            except OSError:
                break
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(primary)
        if secondary >= 0:
            os.close(secondary)
    text = b"".join(chunks).decode()
    assert p.returncode == 20
    assert "scanning [" in text and "messages in" in text
    assert len((tmp_path / "rows.jsonl").read_text().splitlines()) == len(expect)


def test_usage_errors(tmp_path):
    p = subprocess.run([sys.executable, "-m", "guard", "scan", str(tmp_path), "--jobs", "-1"],
                       capture_output=True, cwd=ROOT, timeout=60)
    assert p.returncode == 64
    p = subprocess.run([sys.executable, "-m", "guard", "scan"], capture_output=True, cwd=ROOT, timeout=60)
    assert p.returncode == 64


def test_spamassassin_corpus_has_a_row_per_message(shared_dir):
    corpus = shared_dir / "corpora" / "spamassassin"
    if not corpus.is_dir():
        pytest.skip("the spamassassin corpus is not present")
    n = sum(1 for d in corpus.iterdir() if d.is_dir() for f in d.iterdir() if f.is_file())
    code, rows, err = scan_rows([corpus], jobs=2)
    assert len(rows) == n == 6046
    assert all(r["error"] is None for r in rows)
    assert "not mail, no row" in err and "LICENSE" in err


def test_a_maildir_named_directly(mixed):
    root, expect, _ = mixed
    _, rows, err = scan_rows([root / "Maildir"], jobs=1)
    assert {r["location"] for r in rows} == {x for x in expect if "/Maildir/" in x}
    assert all(r["kind"] == "maildir" for r in rows)
    assert "skipped" in err and "not mail" not in err      # index files are not reported as skipped mail


def _spans_by_lines(data: bytes) -> list[tuple[int, int]]:
    """Reference: a piece starts at every line that begins with "From "."""
    starts, pos = [], 0
    for line in re.split(rb"(?<=\n)", data):
        if not line:
            continue
        if line.startswith(b"From ") or not starts:
            starts.append(pos)
        pos += len(line)
    return [(a, b - a) for a, b in zip(starts, starts[1:] + [len(data)])]


def test_mbox_spans_match_a_line_by_line_reading(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    p = tmp_path / "m"
    pieces = st.sampled_from([b"From a\n", b"x\n", b"From", b"\n", b"From \n", b"yFrom z\n", b"\nFrom ", b"\r\n"])

    @settings(max_examples=200, deadline=None)
    @given(st.lists(pieces, max_size=40))
    def check(parts):
        data = b"".join(parts)
        p.write_bytes(data)
        assert scan.mbox_spans(str(p)) == _spans_by_lines(data)

    check()
    # separators across the 1 MB read blocks
    big = b"".join(b"From s@example.com Thu Jun  6 10:00:00 2024\nSubject: %d\n\n" % i + b"y" * (i * 37 % 5000) + b"\n"
                   for i in range(1500))
    p.write_bytes(big)
    assert len(big) > 3 * (1 << 20)
    spans = scan.mbox_spans(str(p))
    assert spans == _spans_by_lines(big) and len(spans) == 1500


# -- links, names, closed and full outputs (issue 13) ---------------------------------------

def guard_scan(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "guard", "scan", "-j1", *args], capture_output=True,
                          cwd=ROOT, timeout=120, **kw)


def test_symbolic_links_loops_and_dangling_links(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "ok.eml").write_bytes(SCAM)
    os.symlink("b", d / "a")                 # a -> b -> a
    os.symlink("a", d / "b")
    os.symlink("nowhere", d / "dangling.eml")
    os.symlink(".", d / "self")              # a folder link: not followed
    os.symlink("ok.eml", d / "link-to-file.eml")
    code, rows, err = scan_rows([d], jobs=1)
    by = {r["location"]: r for r in rows}
    assert by[f"{d}/ok.eml"]["level"] == "fraud"
    assert by[f"{d}/link-to-file.eml"]["level"] == "fraud"       # a link to a file is read
    for name in ("a", "b", "dangling.eml"):
        assert by[f"{d}/{name}"]["error"].startswith("broken symbolic link"), by[f"{d}/{name}"]
        assert by[f"{d}/{name}"]["level"] is None
    assert len(rows) == 5
    assert f"symbolic links to folders, not followed: {d}/self" in err
    assert code == 20


def test_maildir_plus_plus_link_to_itself_is_not_followed(tmp_path):
    md = tmp_path / "md"
    for sub in ("cur", "new", "tmp", ".Sent/cur", ".Sent/new"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1").write_bytes(SCAM)
    (md / ".Sent" / "cur" / "2").write_bytes(GENUINE)
    os.symlink(".", md / ".Loop")
    os.symlink("nowhere", md / "new" / "3")
    code, rows, err = scan_rows([md], jobs=1)
    assert sorted(r["location"] for r in rows) == sorted([f"{md}/cur/1", f"{md}/.Sent/cur/2", f"{md}/new/3"])
    assert "broken symbolic link" in next(r for r in rows if r["location"].endswith("/new/3"))["error"]
    assert f"not followed: {md}/.Loop" in err
    p = guard_scan(str(md))
    assert p.returncode == 20 and b"Traceback" not in p.stderr


def test_a_broken_link_named_on_the_command_line(tmp_path):
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    code, rows, err = scan_rows([tmp_path / "loop"], jobs=1)
    assert code == 66 and rows == []
    assert "broken symbolic link" in err


@pytest.fixture
def latin1_name(tmp_path):
    d = tmp_path / "names"
    d.mkdir()
    with open(os.fsencode(str(d)) + b"/caf\xe9.eml", "wb") as fh:
        fh.write(SCAM)
    return d


def test_a_file_name_that_is_not_utf8(latin1_name, tmp_path):
    d = latin1_name
    rows_file = tmp_path / "rows.jsonl"
    p = guard_scan("-o", str(rows_file), str(d))
    assert p.returncode == 20, p.stderr
    rows = [json.loads(line) for line in rows_file.read_text("utf-8").splitlines()]
    assert [r["location"] for r in rows] == [f"{d}/caf\\xe9.eml"] and rows[0]["level"] == "fraud"
    strict = dict(os.environ, PYTHONIOENCODING="utf-8:strict", LC_ALL="C.UTF-8")
    p = guard_scan(str(d), env=strict)
    assert p.returncode == 20 and b"Traceback" not in p.stderr, p.stderr
    assert json.loads(p.stdout)["location"] == f"{d}/caf\\xe9.eml"
    p = guard_scan("--format", "csv", str(d), env=strict)
    assert p.returncode == 20 and b"Traceback" not in p.stderr, p.stderr
    assert f"{d}/caf\\xe9.eml,eml,fraud".encode() in p.stdout
    p = subprocess.run([sys.executable, "-m", "guard", "check", os.fsencode(str(d)) + b"/caf\xe9.eml"],
                       capture_output=True, env=strict, cwd=ROOT, timeout=60)
    assert p.returncode == 20 and b"Traceback" not in p.stderr
    assert b"caf\\xe9.eml: FRAUD" in p.stdout


@pytest.fixture
def thirty(tmp_path):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(30):
        (d / f"{i:02}.eml").write_bytes(SCAM)
    return d


def test_a_reader_that_goes_away_does_not_change_the_exit_code(thirty):
    p = subprocess.run(["bash", "-c", f"{sys.executable} -m guard scan -j1 {thirty} | head -c 1 >/dev/null; "
                        "echo ${PIPESTATUS[0]}"], capture_output=True, cwd=ROOT, timeout=120)
    assert p.stdout.strip() == b"20", p.stderr
    assert b"Traceback" not in p.stderr and b"30 messages in" in p.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_exit_74(thirty):
    p = subprocess.run(["bash", "-c", f"{sys.executable} -m guard scan -j1 {thirty} >/dev/full"],
                       capture_output=True, cwd=ROOT, timeout=120)
    assert p.returncode == 74 and b"Traceback" not in p.stderr
    assert b"cannot write the rows: No space left on device" in p.stderr
    p = guard_scan("-o", "/dev/full", str(thirty))
    assert p.returncode == 74 and b"Traceback" not in p.stderr
    p = guard_scan("--format", "csv", "-j2", "-o", "/dev/full", str(thirty))
    assert p.returncode == 74 and b"Traceback" not in p.stderr


def test_time_budget_must_be_finite(tmp_path):
    for value in ("inf", "nan", "0", "-1"):
        p = guard_scan("--time-budget", value, str(tmp_path))
        assert p.returncode == 64 and b"--time-budget" in p.stderr
