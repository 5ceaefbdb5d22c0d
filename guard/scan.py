"""``guard scan PATH...``: check every message in mbox files, Maildir folders
and folders of message files; one output row a message, a summary at the end.

What is a message (README.md, "Mail filters", has the user's version):

* a PATH that is a file: an mbox if it begins with ``From `` (rows
  ``PATH#1``, ``PATH#2``, ...; an mbox of one message is reported as a
  plain message file), else one message (a row even if it is not mail: the
  row says so);
* a Maildir (a folder with ``cur/`` and ``new/``): every file in ``cur/``
  and ``new/``, and Maildir++ sub-folders (``.Name/``); ``tmp/`` (mail
  still being delivered) and the Maildir's own index files are not read;
* any other folder, walked recursively in name order (names beginning with
  a dot are skipped): ``*.eml`` files are messages; an other file that
  begins with ``From `` is an mbox; any other file is a message if it
  begins with a header block, else it is "not mail" and is listed in the
  summary, not given a row (``--all-files`` gives it a row with an error).

Symbolic links: a link to a file is read as that file; a link to a folder
is not followed (it could loop, or count mail twice) and is named in the
summary; a broken link (dangling, or a loop) gets a row with an error. A
PATH given on the command line is always followed.

Nothing is lost: a message that cannot be read, is empty, is too large or
has no header block gets a row with ``error`` set (and no level). The
summary counts every row. Rows come out in the order of discovery, whatever
``--jobs`` is. A file name that is not UTF-8 is shown with ``\\xNN`` escapes
for its odd bytes. If standard output is closed by its reader (``| head``),
the rows stop but the scan goes on, for the summary and the exit code; if
the rows cannot be written (a full disk), the scan stops with exit 74.

Parallelism: the main process finds the messages (it reads the first bytes
of each file and indexes mbox files), then hands chunks of them to worker
processes (forked after the rule packs are loaded, so each worker starts
warm), which read and check them.
"""

from __future__ import annotations

import os
import sys
from typing import NamedTuple

KINDS = ("eml", "maildir", "mbox", "file")
FIELDS = ("location", "kind", "level", "score", "rule_ids", "error")
DEFAULT_MAX_SIZE = 10 * 1024 * 1024
_HEAD_BYTES = 16384
_COMMON = (b"from", b"to", b"subject", b"date", b"received", b"return-path", b"message-id",
           b"mime-version", b"delivered-to", b"reply-to", b"content-type", b"sender", b"x-mailer")


# -- what is a message ---------------------------------------------------------------

def has_header_block(head: bytes) -> bool:
    """True if ``head`` (the first bytes of a file) begins with an RFC 5322
    header block: its first line (after an mbox ``From `` line) is a header
    field and a header every mail has appears before the first empty line.
    Malformed lines further down are tolerated (spam has them)."""
    import re

    if head.startswith(b"From "):
        head = head.split(b"\n", 1)[1] if b"\n" in head else b""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    line_re = re.compile(rb"([!-9;-~]{1,76})[ \t]*:")
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    if not lines or not line_re.match(lines[0]):
        return False
    for line in lines[:300]:
        if not line.strip():
            break
        m = line_re.match(line)
        if m and m.group(1).lower() in _COMMON:
            return True
    return False


class Unit(NamedTuple):
    """One message to check."""

    location: str            # what its row says: the path, or PATH#N in an mbox
    kind: str                # one of KINDS
    path: str                # the file to read
    offset: int = 0          # where the message begins in it
    length: int = -1         # how many bytes; -1: the whole file
    must: bool = True        # False: a file found in a folder, skipped if it is not mail
    top: int = 0             # index of the PATH argument it came from


class Row(NamedTuple):
    """One output row (FIELDS, and the PATH argument it counts for)."""

    location: str
    kind: str
    level: str | None
    score: float | None
    rule_ids: list
    error: str | None
    top: int


class Skip(NamedTuple):
    """A file that is not mail: no row, a count in the summary."""

    location: str
    top: int


_unit = Unit


def _is_maildir(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "cur")) and os.path.isdir(os.path.join(path, "new"))


def _sorted_entries(path: str):
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: e.name)


def _starts_with_from(path: str) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.read(fd, 5) == b"From "
    except OSError:
        return False
    finally:
        os.close(fd)


def mbox_spans(path: str) -> list[tuple[int, int]]:
    """(offset, length) of each message of an mbox: a message begins at a
    line that begins with ``From `` (Python's ``mailbox.mbox`` reads it the
    same way), so an unescaped ``From `` line in a body starts a new piece
    that then shows up as a row (usually "no header block"): never lost.
    Text before the first ``From `` line is a piece of its own. Read in
    1 MB blocks; the search for separators runs in C."""
    import re

    sep = re.compile(rb"\nFrom ")
    starts: list[int] = []
    with open(path, "rb") as fh:
        buf = fh.read(1 << 20)
        if not buf:
            return []
        starts.append(0)
        base = 0                        # file offset of buf[0]
        while True:
            starts.extend(base + m.start() + 1 for m in sep.finditer(buf))
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            keep = buf[-5:]             # a separator cut by the block boundary; too short to hold a whole one
            base += len(buf) - len(keep)
            buf = keep + chunk
        size = base + len(buf)
    ends = starts[1:] + [size]
    return [(a, b - a) for a, b in zip(starts, ends)]


def shown(path: str) -> str:
    """A path as text that any UTF-8 output can take: the bytes of a name
    that is not UTF-8 are shown as ``\\xNN`` (the name of ``caf\\xe9.eml``
    stays readable and tells which byte it was)."""
    try:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    except UnicodeError:
        return path.encode("utf-8", "backslashreplace").decode("utf-8")


def _why(e: OSError) -> str:
    return e.strerror or str(e)


class Discovery:
    def __init__(self, all_files: bool = False) -> None:
        self.all_files = all_files
        self.units: list[tuple] = []
        self.skipped: list[str] = []          # files that are not mail (sniffed in the workers)
        self.missing: list[tuple[str, str]] = []   # (PATH, reason) for arguments that could not be read
        self.errors: list[tuple] = []         # rows for what could not even be listed
        self.not_followed: list[tuple[str, int]] = []   # (symbolic link to a folder, PATH index)
        self._seen_dirs: set[tuple[int, int]] = set()

    def add_path(self, path: str, top: int) -> None:
        if os.path.isdir(path):
            if _is_maildir(path):
                self._maildir(path, top)
            else:
                self._walk(path, top)
        elif os.path.exists(path):
            self._file(path, top, named=True)
        elif os.path.lexists(path):
            try:
                os.stat(path)
            except OSError as e:
                self.missing.append((path, f"broken symbolic link: {_why(e)}"))
            else:
                self.missing.append((path, "cannot be read"))
        else:
            self.missing.append((path, "no such file or folder"))

    def _first_visit(self, path: str) -> bool:
        """False for a folder already walked (a bind mount, a hard-linked loop)."""
        try:
            st = os.stat(path)
        except OSError:
            return True
        key = (st.st_dev, st.st_ino)
        if key in self._seen_dirs:
            return False
        self._seen_dirs.add(key)
        return True

    def _entry_kind(self, e, kind: str, top: int) -> str | None:
        """"dir", "file", or None when the entry was dealt with here: a
        symbolic link to a folder (named, not followed), a broken link (an
        error row), something else (a socket, a fifo: ignored)."""
        try:
            if e.is_symlink():
                try:
                    st = os.stat(e.path)
                except OSError as err:
                    self.errors.append(_error_row(e.path, kind, f"broken symbolic link: {_why(err)}", top))
                    return None
                import stat

                if stat.S_ISDIR(st.st_mode):
                    self.not_followed.append((e.path, top))
                    return None
                return "file" if stat.S_ISREG(st.st_mode) else None
            if e.is_dir(follow_symlinks=False):
                return "dir"
            return "file" if e.is_file(follow_symlinks=False) else None
        except OSError as err:
            self.errors.append(_error_row(e.path, kind, f"cannot read: {_why(err)}", top))
            return None

    def _maildir(self, path: str, top: int) -> None:
        if not self._first_visit(path):
            return
        for sub in ("cur", "new"):
            entries = self._listing(os.path.join(path, sub), "maildir", top)
            for e in entries:
                if e.name.startswith("."):
                    continue
                if self._entry_kind(e, "maildir", top) == "file":
                    self.units.append(_unit(e.path, "maildir", e.path, top=top))
        try:
            entries = _sorted_entries(path)
        except OSError:
            return
        for e in entries:       # Maildir++ folders: .Sent, .Archive.2024, ...
            if not e.name.startswith(".") or e.name in (".", ".."):
                continue
            if self._entry_kind(e, "maildir", top) == "dir" and _is_maildir(e.path):
                self._maildir(e.path, top)

    def _listing(self, path: str, kind: str, top: int) -> list:
        """The entries of a folder in name order; none (and an error row) if it cannot be listed."""
        try:
            return _sorted_entries(path)
        except OSError as e:
            self.errors.append(_error_row(path, kind, f"cannot list: {_why(e)}", top))
            return []

    def _walk(self, path: str, top: int) -> None:
        if not self._first_visit(path):
            return
        for e in self._listing(path, "file", top):
            if e.name.startswith("."):
                continue
            what = self._entry_kind(e, "file", top)
            if what == "dir":
                if _is_maildir(e.path):
                    self._maildir(e.path, top)
                else:
                    self._walk(e.path, top)
            elif what == "file":
                self._file(e.path, top, named=False)

    def _file(self, path: str, top: int, named: bool) -> None:
        if path.lower().endswith(".eml"):
            self.units.append(_unit(path, "eml", path, top=top))
            return
        if _starts_with_from(path):
            try:
                spans = mbox_spans(path)
            except OSError as e:
                self.errors.append(_error_row(path, "mbox", f"cannot read: {_why(e)}", top))
                return
            if len(spans) == 1:     # one message with an mbox "From " line: a message file
                self.units.append(_unit(path, "file", path, top=top))
                return
            for i, (off, n) in enumerate(spans, 1):
                self.units.append(_unit(f"{path}#{i}", "mbox", path, off, n, True, top))
            return
        self.units.append(_unit(path, "file", path, must=named or self.all_files, top=top))


def _error_row(location: str, kind: str, error: str, top: int) -> Row:
    return Row(location, kind, None, None, [], error, top)


# -- checking (runs in the workers) ---------------------------------------------------

_SETTINGS: dict = {}


def _read(path: str, offset: int, length: int, max_size: int) -> tuple[bytes, int]:
    """(the bytes, the full size); at most max_size + 1 bytes are read."""
    with open(path, "rb") as fh:
        if length < 0:
            size = os.fstat(fh.fileno()).st_size
            data = fh.read(max_size + 1)
            return data, max(size, len(data))
        fh.seek(offset)
        return fh.read(min(length, max_size + 1)), length


def check_unit(unit: Unit, settings: dict) -> Row | None:
    """The row for one unit, or None when it is not mail (a sniffed file)."""
    from .api import check
    from .decision import decide

    unit = Unit._make(unit)             # a plain 7-tuple is taken too
    max_size = settings["max_size"]
    try:
        data, size = _read(unit.path, unit.offset, unit.length, max_size)
    except OSError as e:
        return _error_row(unit.location, unit.kind, f"cannot read: {e.strerror or e}", unit.top)
    if not unit.must and not has_header_block(data[:_HEAD_BYTES]):
        return None
    error = None
    if not data:
        error = "empty"
    elif size > max_size:
        error = f"too large: {size} bytes (limit {max_size}); not checked"
    elif not has_header_block(data[:_HEAD_BYTES]):
        error = "not a message: no header block"
    if error is not None:
        return _error_row(unit.location, unit.kind, error, unit.top)
    try:
        v = check(data, time_budget=settings["time_budget"],
                  trusted_authserv_ids=settings["trusted_authserv_ids"])
    except Exception as e:  # noqa: BLE001 - check() should not raise; a row all the same
        return _error_row(unit.location, unit.kind, f"internal error: {type(e).__name__}", unit.top)
    d = decide(v)
    error = None if d.error is None else "; ".join(v.notes) or d.error
    return Row(unit.location, unit.kind, d.level, round(d.score, 2), v.rule_ids, error, unit.top)


def check_chunk(units: list[Unit], settings: dict | None = None) -> list:
    """Rows for a chunk of units; a Skip for each file that is not mail."""
    settings = settings or _SETTINGS
    out = []
    for u in units:
        row = check_unit(u, settings)
        out.append(Skip(u.location, u.top) if row is None else row)
    return out


def _init_worker(settings: dict) -> None:
    _SETTINGS.clear()
    _SETTINGS.update(settings)
    try:
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # the main process handles ^C
    except (ValueError, OSError):
        pass


def _warm_up() -> None:
    """Load the rule packs and the domain data once, before forking, and
    freeze them out of the garbage collector's walks (guard.preload)."""
    from .api import preload

    preload()


# -- the run -----------------------------------------------------------------------------

class Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        import time

        self.total, self.enabled, self.done = total, enabled, 0
        self.t0 = self.last = time.monotonic()
        self._time = time.monotonic

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = self._time()
        if now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.t0, 1e-9)
        width = 30
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(frac * width)
        sys.stderr.write(f"\rscanning [{bar:<{width}}] {self.done}/{self.total} ({frac:4.0%}) {rate:6.0f} msg/s ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()


class OutputFailed(Exception):
    """The rows could not be written (not a closed reader: a full disk...)."""


class Writer:
    """Rows to a text stream. A reader that goes away (EPIPE) stops the
    rows and no more (``closed``); any other write error raises
    OutputFailed."""

    def __init__(self, fh, fmt: str) -> None:
        self.fh, self.fmt = fh, fmt
        self.closed = False
        self.written = 0
        if fmt == "csv":
            import csv

            self.csv = csv.writer(fh, lineterminator="\n")
            self._guarded(self.csv.writerow, FIELDS)
        else:
            import json

            self.json = json

    def _guarded(self, fn, *args) -> None:
        if self.closed:
            return
        try:
            fn(*args)
        except BrokenPipeError:
            self.closed = True
        except (OSError, ValueError) as e:
            raise OutputFailed(str(e) if isinstance(e, ValueError) else (e.strerror or str(e))) from None

    def flush(self) -> None:
        self._guarded(self.fh.flush)

    def write(self, row: tuple) -> None:
        self._guarded(self._write, row)
        if not self.closed:
            self.written += 1

    def _write(self, row: Row) -> None:
        location, kind, level, score, rule_ids, error, _top = row
        location = shown(location)
        if self.fmt == "csv":
            self.csv.writerow([location, kind, level or "", "" if score is None else f"{score:g}",
                               " ".join(rule_ids), error or ""])
        else:
            self.fh.write(self.json.dumps(
                {"location": location, "kind": kind, "level": level, "score": score,
                 "rule_ids": list(rule_ids), "error": error}, ensure_ascii=False) + "\n")


def _chunks(units: list, size: int):
    for i in range(0, len(units), size):
        yield units[i:i + size]


def run_scan(paths: list[str], *, jobs: int = 1, fmt: str = "jsonl", out=None, err=None,
             progress: bool | None = None, settings: dict | None = None, all_files: bool = False,
             chunk_size: int | None = None) -> tuple[int, dict]:
    """Scan ``paths``; rows to ``out`` (text stream), progress and the
    summary to ``err``. Returns (exit code, summary dict)."""
    import time

    out = out or sys.stdout
    err = err or sys.stderr
    settings = dict(settings or {})
    settings.setdefault("max_size", DEFAULT_MAX_SIZE)
    settings.setdefault("time_budget", 2.0)
    settings["trusted_authserv_ids"] = tuple(settings.get("trusted_authserv_ids", ()))
    t0 = time.monotonic()

    disc = Discovery(all_files=all_files)
    for i, p in enumerate(paths):
        disc.add_path(p, i)
    for p, why in disc.missing:
        _say(err, f"guard scan: {shown(p)}: {why}")

    if progress is None:
        progress = err.isatty() if hasattr(err, "isatty") else False
    bar = Progress(len(disc.units), progress and err is sys.stderr)
    writer = Writer(out, fmt)
    counts = [dict.fromkeys(("messages", "clear", "suspicious", "fraud", "errors", "skipped"), 0)
              for _ in paths]
    skipped: list[str] = []

    def emit(results) -> None:
        n = 0
        for r in results:
            if isinstance(r, Skip):
                skipped.append(r.location)
                counts[r.top]["skipped"] += 1
            else:
                writer.write(r)
                c = counts[r.top]
                c["messages"] += 1
                if r.level:
                    c[r.level] += 1
                if r.error:
                    c["errors"] += 1
            n += 1
        bar.update(n)

    for path, top in disc.not_followed:
        counts[top]["skipped"] += 1
    jobs = max(1, jobs)
    try:
        emit(disc.errors)
        if jobs == 1 or len(disc.units) <= 1:
            _warm_up()
            size = chunk_size or 64
            for chunk in _chunks(disc.units, size):
                emit(check_chunk(chunk, settings))
        else:
            size = chunk_size or max(1, min(64, len(disc.units) // (jobs * 8) or 1))
            _run_pool(disc.units, size, jobs, settings, emit)
        writer.flush()
    except KeyboardInterrupt:
        bar.close()
        _say(err, "guard scan: interrupted")
        return 130, {}
    except OutputFailed as e:
        bar.close()
        _say(err, f"guard scan: cannot write the rows: {e}; {writer.written} rows were written, "
                  "the scan stopped")
        return EX_IOERR, {}
    bar.close()
    if writer.closed:
        _say(err, f"guard scan: the reader of the rows went away after {writer.written} rows; "
                  "the scan went on for the summary and the exit code")
    elapsed = time.monotonic() - t0
    summary = _summary(paths, counts, skipped, elapsed, jobs, err, disc.not_followed)
    worst = 0
    for c in counts:
        if c["fraud"]:
            worst = 20
        elif c["suspicious"] and worst < 10:
            worst = 10
    return (66 if disc.missing else worst), summary


EX_IOERR = 74


def _say(err, text: str) -> None:
    try:
        print(text, file=err)
    except (OSError, ValueError):
        pass


def _run_pool(units: list, size: int, jobs: int, settings: dict, emit) -> None:
    """Chunks to a process pool, results in order; a worker that dies takes
    only its own chunk with it: those messages are retried one by one, and a
    message that kills a worker again gets an error row."""
    import collections
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        ctx = multiprocessing.get_context("fork")
        _warm_up()      # forked workers inherit the loaded rule packs
    except ValueError:
        ctx = None
    queue = collections.deque((c, False) for c in _chunks(units, size))
    inflight: collections.deque = collections.deque()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                               initargs=(settings,))
    try:
        while queue or inflight:
            while queue and len(inflight) < jobs * 4:
                # a retried message runs alone, so that if a worker dies again we know on which
                if inflight and (queue[0][1] or inflight[-1][2]):
                    break
                chunk, retry = queue.popleft()
                try:
                    inflight.append((pool.submit(check_chunk, chunk), chunk, retry))
                except BrokenProcessPool:
                    queue.appendleft((chunk, retry))
                    pool = _renew(pool, ctx, jobs, settings)
            fut, chunk, retry = inflight.popleft()
            try:
                emit(fut.result())
            except BrokenProcessPool:
                # every chunk in flight failed with the pool; retry them one message at a time
                failed = [(chunk, retry)] + [(c, r) for _f, c, r in inflight]
                inflight.clear()
                pool = _renew(pool, ctx, jobs, settings)
                retry_units = []
                for c, r in failed:
                    if r:       # already alone, and it killed a worker again
                        u = c[0]
                        emit([_error_row(u.location, u.kind, "the checking process died on this message", u.top)])
                    else:
                        retry_units.extend(c)
                queue.extendleft(reversed([([u], True) for u in retry_units]))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _renew(pool, ctx, jobs, settings):
    from concurrent.futures import ProcessPoolExecutor

    pool.shutdown(wait=False, cancel_futures=True)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                               initargs=(settings,))


def _summary(paths, counts, skipped, elapsed, jobs, err, not_followed=()) -> dict:
    total = {k: sum(c[k] for c in counts) for k in counts[0]} if counts else {}
    cols = ("messages", "clear", "suspicious", "fraud", "errors", "skipped")
    width = max([len("PATH"), len("total")] + [len(p) for p in paths])
    width = min(width, 72)
    lines = [f"{'PATH':<{width}}  " + "  ".join(f"{c:>10}" for c in cols)]
    for p, c in zip(paths, counts):
        p = shown(p)
        p = p if len(p) <= width else "..." + p[-(width - 3):]
        lines.append(f"{p:<{width}}  " + "  ".join(f"{c[k]:>10}" for k in cols))
    if len(paths) > 1:
        lines.append(f"{'total':<{width}}  " + "  ".join(f"{total[k]:>10}" for k in cols))
    rate = total.get("messages", 0) / elapsed if elapsed > 0 else 0.0
    lines.append(f"{total.get('messages', 0)} messages in {elapsed:.1f} s ({rate:.0f} a second, {jobs} job"
                 f"{'s' if jobs != 1 else ''})")
    if skipped:
        names = ", ".join(shown(x) for x in skipped[:10]) + (
            f", ... ({len(skipped) - 10} more)" if len(skipped) > 10 else "")
        lines.append(f"not mail, no row (use --all-files for rows): {names}")
    if not_followed:
        names = ", ".join(shown(x) for x, _top in not_followed[:10]) + (
            f", ... ({len(not_followed) - 10} more)" if len(not_followed) > 10 else "")
        lines.append(f"symbolic links to folders, not followed: {names}")
    try:
        print("\n".join(lines), file=err)
    except (OSError, ValueError):
        pass
    return {"paths": dict(zip(paths, counts)), "total": total, "skipped": skipped,
            "not_followed": [x for x, _top in not_followed], "elapsed_s": elapsed, "jobs": jobs}


# -- the command -----------------------------------------------------------------------

def _jobs(text: str) -> int:
    from .filter import whole_number

    return whole_number(text, 0, "must be >= 0 (0: one per core)")


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def add_arguments(p) -> None:
    from .filter import _positive, parse_size

    p.description = ("Check every message in mbox files, Maildir folders and folders of message "
                     "files. One row a message on standard output (JSON Lines or CSV), a summary "
                     "table on standard error. Exit code: the worst level (0/10/20), 66 if a PATH "
                     "is missing.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="row format (default jsonl)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the rows to FILE instead of standard output")
    p.add_argument("-j", "--jobs", type=_jobs, default=0, metavar="N",
                   help="worker processes (default 0: one per core)")
    p.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show a progress bar even when standard error is not a terminal")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    p.add_argument("--all-files", action="store_true",
                   help="give a row (with an error) to files found in folders that are not mail")
    p.add_argument("--max-size", type=parse_size, default=DEFAULT_MAX_SIZE, metavar="SIZE",
                   help="larger messages get an error row, unchecked (default 10M)")
    p.add_argument("--time-budget", type=_positive, default=2.0, metavar="S",
                   help="seconds of rule matching per message (default 2)")
    p.add_argument("--trusted-authserv-id", action="append", default=[], metavar="ID",
                   help="believe Authentication-Results headers from this server (repeatable)")


def run(args) -> int:
    settings = {"max_size": args.max_size, "time_budget": args.time_budget,
                "trusted_authserv_ids": args.trusted_authserv_id}
    if sys.stdout is None and not args.output:
        print("guard scan: standard output is closed: use -o FILE for the rows", file=sys.stderr)
        return EX_IOERR
    jobs = args.jobs or cpu_count()
    out = None
    code = 70
    try:
        if args.output:
            try:
                out = open(args.output, "w", encoding="utf-8", newline="")
            except OSError as e:
                print(f"guard scan: {shown(args.output)}: {e.strerror or e}", file=sys.stderr)
                return 73  # EX_CANTCREAT
        code, _ = run_scan(args.paths, jobs=jobs, fmt=args.format, out=out or sys.stdout,
                           progress=args.progress, settings=settings, all_files=args.all_files)
    finally:
        if out is not None:
            try:
                out.close()
            except OSError as e:
                print(f"guard scan: cannot write the rows to {shown(args.output)}: {e.strerror or e}",
                      file=sys.stderr)
                code = EX_IOERR
    if out is None:
        _quiet_stdout()
    return code


def _quiet_stdout() -> None:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        from .cli import quiet_stdout

        quiet_stdout()


def _register() -> None:
    from .cli import SUBCOMMANDS

    SUBCOMMANDS["scan"] = ("check every message in mbox files, Maildir folders and folders of .eml files",
                           add_arguments, run)


_register()
