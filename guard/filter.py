"""``guard filter``: one message on stdin, the same message on stdout with
guard's headers added (for procmail ``:0fw``, maildrop ``xfilter``, a Postfix
``pipe``). README.md, "Mail filters", is the user's documentation.

What changes in the bytes, and nothing else:

* ``X-Guard-Status`` (always) and ``X-Guard-Flag: FRAUD`` (on fraud) are
  inserted at the top of the header block (after an mbox ``From `` line),
  with the message's own line ending (CRLF or LF);
* header fields the message already had whose name begins with ``X-Guard-``
  are renamed ``X-Prev-Guard-...`` in place, so that a sender cannot forge a
  verdict that downstream filing rules would believe.

Fail open (the default): an internal error, the time budget or the size cap
passes the message through with ``X-Guard-Status: Unknown, error=...`` and
exit 0. ``--on-error tempfail`` exits 75 (EX_TEMPFAIL) with nothing on stdout
instead, so the caller keeps or requeues the message. A failed or short write
always exits 74 (EX_IOERR): the output is incomplete and must not replace the
mail. Every byte is written and flushed before exit 0, whether standard
output is buffered or not (``PYTHONUNBUFFERED=1`` makes ``write()`` return
after writing only part of the data, without an error).

The check runs in a child process (``fork``) that is ended when the time
budget runs out, so no check goes on after the filter has answered, and a
check stuck in one long C call cannot delay the answer.

This module is imported by every ``guard`` start-up (the CLI registers its
subcommands), so it imports nothing heavy at module level.
"""

from __future__ import annotations

import math
import os
import re
import sys

from . import __version__  # noqa: F401 - part of this module's names
from .decision import FLAG, STATUS, Policy, decide, skipped, status_value, unknown_value  # noqa: F401

PREFIX = b"x-guard-"
RENAMED_PREFIX = b"X-Prev-Guard-"

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
DEFAULT_TIME_BUDGET = 5.0

EX_OK, EX_IOERR, EX_TEMPFAIL = 0, 74, 75
_SUBJECT = b"subject:"
VERDICT_EXIT = {"clear": 0, "suspicious": 10, "fraud": 20}

_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_FOLD_AT = 78


# -- header values ------------------------------------------------------------
# the values and the action come from guard/decision.py, shared by every front end

def verdict_headers(verdict) -> list[tuple[str, str]]:
    """(name, value) pairs to add for a verdict under the default policy."""
    return decide(verdict).headers


def fold(name: str, value: str, eol: bytes = b"\n") -> bytes:
    """``Name: value`` + eol, folded before a word (or after a comma in a
    long list) so that lines stay within 78 characters where possible.
    Continuation lines begin with a tab, as SpamAssassin's do."""
    pieces: list[tuple[str, str]] = []          # (separator, text)
    for w in value.split(" "):
        parts = w.split(",")
        for i, p in enumerate(parts):
            text = p + ("," if i < len(parts) - 1 else "")
            pieces.append((" " if i == 0 else "", text))
    lines: list[str] = []
    cur = f"{name}:"
    first = True
    for sep, text in pieces:
        sep = " " if first else sep
        first = False
        if len(cur) + len(sep) + len(text) > _FOLD_AT and cur.strip() and not cur.endswith(":"):
            lines.append(cur)
            cur = "\t" + text
        else:
            cur += sep + text
    lines.append(cur)
    return eol.join(s.encode("ascii", "replace") for s in lines) + eol


# -- raw message surgery ---------------------------------------------------------

def header_start(raw: bytes) -> int:
    """Where the header block begins: after an mbox ``From `` line, else 0."""
    if raw.startswith(b"From "):
        i = raw.find(b"\n")
        if i >= 0:
            return i + 1
    return 0


def line_ending(raw: bytes, start: int = 0) -> bytes:
    """The message's line ending: that of its first header line (or of the
    first line at all); CR when it has CRs but no LF; else LF."""
    i = raw.find(b"\n", start)
    if i < 0:
        i = raw.find(b"\n")
    if i < 0:
        return b"\r" if b"\r" in raw else b"\n"      # old Mac style: CR alone
    if i > 0 and raw[i - 1:i] == b"\r":
        return b"\r\n"
    return b"\n"


def header_lines(raw: bytes, start: int):
    """Offsets of the lines of the header block that are not continuation
    lines. The block ends at the first empty line, as procmail and maildrop
    see it: a line that is not a header field (no colon) does not end it."""
    pos, n = start, len(raw)
    while pos < n:
        nl = raw.find(b"\n", pos)
        end = n if nl < 0 else nl + 1
        first = raw[pos:pos + 1]
        if first in (b"\n", b"\r") and raw[pos:end].strip(b"\r\n") == b"":
            return                                  # the empty line
        if first not in (b" ", b"\t"):
            yield pos
        pos = end


def forged_headers(raw: bytes, start: int) -> list[int]:
    """Offsets of the lines of the header block that begin with ``X-Guard-``
    (any case), also after a line that is not a header field."""
    return [pos for pos in header_lines(raw, start) if raw[pos:pos + len(PREFIX)].lower() == PREFIX]


def add_headers(raw: bytes, headers: list[tuple[str, str]], *, rename: bool = True,
                subject_tag: str | None = None) -> list[bytes]:
    """The output message as a list of byte strings to write in order:
    ``raw`` with ``headers`` inserted at the top of its header block and any
    incoming ``X-Guard-*`` field renamed ``X-Prev-Guard-*``. Nothing else of
    ``raw`` changes. ``raw`` may be just the first part of a larger message
    (the rest is streamed after it).

    ``subject_tag``: put this text and a space in front of the value of the
    first Subject field (after the blanks that follow its colon), unless the
    value already begins with it; a message without a Subject gets
    ``Subject: TAG`` among the inserted headers."""
    start = header_start(raw)
    eol = line_ending(raw, start)
    block = b"".join(fold(n, v, eol) for n, v in headers)
    edits: list[tuple[int, int, bytes]] = []      # (offset, bytes replaced, new bytes)
    if rename:
        edits.extend((off, len(PREFIX), RENAMED_PREFIX) for off in forged_headers(raw, start))
    if subject_tag:
        tag = subject_tag.encode("ascii")
        off = _subject_value(raw, start)
        if off is None:
            block += b"Subject: " + tag + eol
        elif not raw.startswith(tag, off):
            edits.append((off, 0, tag + b" "))
    out = [raw[:start], block] if start else [block]
    pos = start
    for off, n, new in sorted(edits):
        out.append(raw[pos:off])
        out.append(new)
        pos = off + n
    out.append(raw[pos:])
    return out


def _subject_value(raw: bytes, start: int) -> int | None:
    """Where the value of the first Subject field of the header block begins."""
    for off in header_lines(raw, start):
        if raw[off:off + len(_SUBJECT)].lower() == _SUBJECT:
            pos = off + len(_SUBJECT)
            while raw[pos:pos + 1] in (b" ", b"\t"):
                pos += 1
            return pos
    return None


# -- the check, bounded ------------------------------------------------------------

def check_bounded(raw: bytes, budget: float, **kwargs):
    """Run ``guard.check`` for at most ``budget`` seconds of wall time.

    Returns ``(verdict, error)`` where error is None, "timeout" or
    "internal". The check runs in a forked child process that is killed
    when the budget runs out: nothing of it runs on after the answer. The
    rules get 80% of the budget (the engine stops itself); the rest is a
    margin for parsing and for the verdict's way back. The verdict comes
    back without its ``views``. Without ``fork`` (not POSIX) a helper
    thread is used instead, which can only be abandoned, not ended.
    """
    if not hasattr(os, "fork"):
        return _check_in_thread(raw, budget, **kwargs)
    import pickle
    import select
    import signal
    import time

    from .api import check

    rfd, wfd = os.pipe()
    deadline = time.monotonic() + budget
    pid = os.fork()
    if pid == 0:                                        # the child: check, answer, leave
        try:
            os.close(rfd)
            try:
                v = check(raw, time_budget=max(budget * 0.8, 0.01), **kwargs)
                v.views = {}
                data = pickle.dumps(("ok", v), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as e:  # noqa: BLE001 - reported as "internal"
                data = pickle.dumps(("error", type(e).__name__))
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view):]
        finally:
            os._exit(0)
    os.close(wfd)
    chunks: list[bytes] = []
    finished = False
    try:
        poller = select.poll()
        poller.register(rfd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(max(1, int(left * 1000))):
                if time.monotonic() >= deadline:
                    break
                continue
            chunk = os.read(rfd, 1 << 16)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(rfd)
        if not finished:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(pid, 0)
    if not finished:
        return None, "timeout"
    try:
        status, value = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - the child died before answering
        return None, "internal"
    if status != "ok":
        return None, "internal"
    return value, None


class _Result:
    __slots__ = ("verdict", "error")

    def __init__(self) -> None:
        self.verdict = None
        self.error: BaseException | None = None


def _check_in_thread(raw: bytes, budget: float, **kwargs):
    import threading

    from .api import check

    res = _Result()

    def work() -> None:
        try:
            res.verdict = check(raw, time_budget=max(budget * 0.8, 0.01), **kwargs)
        except BaseException as e:  # noqa: BLE001 - reported as "internal"
            res.error = e

    t = threading.Thread(target=work, name="guard-check", daemon=True)
    t.start()
    t.join(budget)
    if t.is_alive():
        return None, "timeout"
    if res.error is not None or res.verdict is None:
        return None, "internal"
    return res.verdict, None


def seconds(value, name: str = "time_budget") -> float:
    """A budget: a finite number of seconds above 0 (ValueError otherwise)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number of seconds above 0, not {value!r}")
    return float(value)


def write_all(out, data) -> None:
    """Write every byte of ``data`` to the binary stream ``out``, or raise
    OSError. A raw (unbuffered) stream may write only part of the data and
    say so in its return value alone; a full disk then fails on the next
    write, which raises."""
    view = memoryview(data)
    while view:
        n = out.write(view)
        if n is None:
            raise BlockingIOError(11, "standard output is non-blocking and full")
        if n <= 0:
            raise OSError(5, "the output took no data")
        if n >= len(view):
            return
        view = view[n:]


# -- the filter ----------------------------------------------------------------------

class Options:
    """Settings of one filter run (the command-line options)."""

    def __init__(self, *, max_size: int = DEFAULT_MAX_SIZE, time_budget: float = DEFAULT_TIME_BUDGET,
                 on_error: str = "pass", exit_verdict: bool = False, trusted_authserv_ids=(),
                 resolver=None, dns_budget: float = 2.0, headers: str = "classic",
                 subject_tag: str | None = None, subject_tag_level: str = "fraud", checker=None,
                 skips=None, envelope_from: str | None = None) -> None:
        from .api import authserv_ids

        if on_error not in ("pass", "tempfail"):
            raise ValueError("on_error must be 'pass' or 'tempfail'")
        self.policy = Policy(on_error=on_error, headers=headers, subject_tag=subject_tag,
                             subject_tag_level=subject_tag_level)
        # how to run the check: check_bounded (a forked child), or a worker pool's check (the daemon)
        self.checker = checker or check_bounded
        self.log = _log             # one line for the caller's standard error (the daemon sends it back)
        self.decision = None        # the Decision on the last message filtered
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
            raise ValueError("max_size must be a whole number of bytes >= 0")
        self.max_size = max_size
        self.time_budget = seconds(time_budget)
        self.on_error = on_error
        self.exit_verdict = exit_verdict
        self.trusted_authserv_ids = tuple(sorted(authserv_ids(trusted_authserv_ids)))
        self.resolver = resolver
        self.dns_budget = seconds(dns_budget, "dns_budget")
        # the settings file (guard/settings.py Watched, or None) and the
        # envelope sender its allowlist is matched against
        self.skips = skips
        self.envelope_from = envelope_from

    def skip_reason(self) -> str | None:
        """``allowlist`` when the settings file's [allow] names the envelope
        sender, else None. A pipe knows no SMTP authentication and no client
        address, so [skip] does not apply here, and the From header is never
        used: anybody can write it."""
        if self.skips is None or not self.envelope_from:
            return None
        return self.skips.get().reason(self.envelope_from, None, None)


def _log(msg: str) -> None:
    try:
        print(f"guard filter: {msg}", file=sys.stderr)
    except Exception:  # noqa: BLE001 - stderr gone: nothing to do
        pass


def filter_stream(inp, out, opts: Options) -> tuple[int, bool]:
    """Filter one message from binary stream ``inp`` to ``out``.

    Returns ``(exit code, timed_out)``. The check ran in a child process that
    is gone by then, timed out or not (without ``fork`` it ran in a thread
    that may still be running: the caller should then end the process).
    """
    _log = opts.log
    try:
        raw = inp.read(opts.max_size + 1)
    except OSError as e:
        _log(f"cannot read the message: {e}")
        return EX_IOERR, False
    if not raw:
        _log("no message on standard input: nothing written")
        return EX_OK, False

    timed_out = False
    over = len(raw) > opts.max_size
    code = EX_OK
    try:
        reason = opts.skip_reason()
        if reason is not None:
            d = skipped(reason)
        elif over:
            d = decide(None, opts.policy, error="size", max_size=opts.max_size)
            _log(f"message larger than {opts.max_size} bytes: passed through unchecked")
        else:
            budget = opts.time_budget + (opts.dns_budget if opts.resolver is not None else 0.0)
            verdict, err = opts.checker(
                raw, budget, trusted_authserv_ids=opts.trusted_authserv_ids,
                resolver=opts.resolver, dns_budget=opts.dns_budget)
            timed_out = verdict is None and err == "timeout"
            extra = {"time_budget": f"{budget:g}s"} if timed_out else {}
            d = decide(verdict, opts.policy, error=err, **extra)
            if d.error is not None and d.level != "fraud":
                _log(f"the check failed ({d.error}): "
                     + ("exiting 75 (tempfail)" if d.action == "tempfail" else "passing the message through"))
            elif opts.exit_verdict:
                code = VERDICT_EXIT[d.level]
        opts.decision = d              # for the daemon's metrics
        if d.action == "tempfail":
            return EX_TEMPFAIL, timed_out
        parts = add_headers(raw, d.headers, subject_tag=d.subject_tag)
    except Exception as e:  # noqa: BLE001 - fail open on our own bugs too
        _log(f"internal error: {type(e).__name__}: {e}")
        if opts.on_error == "tempfail":
            return EX_TEMPFAIL, timed_out
        # the simplest possible pass-through: no renaming, one fixed header
        start = header_start(raw)
        parts = [raw[:start], f"{STATUS}: {unknown_value('internal')}".encode() + line_ending(raw, start),
                 raw[start:]]
        code = EX_OK
    try:
        for p in parts:
            write_all(out, p)
        if over:
            while True:
                try:
                    chunk = inp.read(1 << 16)
                except OSError as e:
                    _log(f"cannot read the rest of the message: {e}")
                    return EX_IOERR, timed_out
                if not chunk:
                    break
                write_all(out, chunk)
        out.flush()
    except (OSError, ValueError) as e:      # ValueError: the stream was closed
        _log(f"cannot write the message: {e}")
        return EX_IOERR, timed_out
    return code, timed_out


def parse_size(text: str) -> int:
    """``10485760``, ``10M``, ``512K``, ``1G`` -> bytes."""
    import argparse

    t = text.strip().upper().removesuffix("B")
    mult = 1
    if t[-1:] in ("K", "M", "G"):
        mult = 1024 ** ("KMG".index(t[-1]) + 1)
        t = t[:-1]
    try:
        n = int(float(t) * mult)
    except (ValueError, OverflowError):     # "lots", "nan"; "inf"
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10M, 512K, 1048576)") from None
    if n < 0:
        raise argparse.ArgumentTypeError("size must be >= 0")
    return n


def whole_number(text: str, least: int, why: str | None = None) -> int:
    """An option's whole number, at least ``least`` (argparse's error otherwise)."""
    import argparse

    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < least:
        raise argparse.ArgumentTypeError(why or f"must be >= {least}")
    return n


def _positive(text: str) -> float:
    import argparse

    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, not {text!r}")
    return v


def add_arguments(p) -> None:
    from .cli import add_dns_arguments

    p.description = ("Read one RFC 5322 message on standard input and write it to standard output "
                     "with X-Guard-Status (and X-Guard-Flag: FRAUD on fraud) added at the top. "
                     "Fails open: on an error the message passes through with "
                     "'X-Guard-Status: Unknown, error=...' and exit 0.")
    p.add_argument("--max-size", type=parse_size, default=DEFAULT_MAX_SIZE, metavar="SIZE",
                   help="larger messages pass through unchecked with error=too-large "
                        "(default 10M; K/M/G suffixes)")
    p.add_argument("--time-budget", type=_positive, default=DEFAULT_TIME_BUDGET, metavar="S",
                   help="seconds the check may take before the message passes with error=timeout (default 5)")
    p.add_argument("--on-error", choices=("pass", "tempfail"), default="pass",
                   help="pass: add an Unknown header and exit 0 (default); "
                        "tempfail: write nothing and exit 75 (EX_TEMPFAIL)")
    p.add_argument("--exit-verdict", action="store_true",
                   help="exit 0 clear / 10 suspicious / 20 fraud (not for procmail :0fw, which "
                        "ignores the output of a filter that exits non-zero)")
    p.add_argument("--trusted-authserv-id", action="append", default=[], metavar="ID",
                   help="believe Authentication-Results headers from this server (repeatable)")
    p.add_argument("--settings", metavar="FILE", default=None,
                   help="TOML settings file whose [allow] senders and sender_domains pass unchecked "
                        "(matched against --envelope-from only; a bad file is logged and ignored)")
    p.add_argument("--envelope-from", metavar="ADDR", default=None,
                   help="the envelope sender (a Postfix pipe's ${sender}), for the settings' allowlist")
    add_header_arguments(p)
    add_dns_arguments(p)


def add_header_arguments(p) -> None:
    """The header options shared by filter, milter and daemon."""
    p.add_argument("--headers", choices=("classic", "full"), default="classic",
                   help="classic: X-Guard-Status and X-Guard-Flag: FRAUD (default); full: also "
                        "X-Guard-Level, X-Guard-Score and X-Guard-Flag: SUSPICIOUS")
    p.add_argument("--subject-tag", metavar="TEXT", default=None,
                   help="put TEXT (e.g. '[FRAUD]') in front of the Subject of fraud mail")
    p.add_argument("--subject-tag-level", choices=("suspicious", "fraud"), default="fraud",
                   help="the lowest level whose Subject is tagged (default fraud)")


def options_from_args(args, resolver=None, checker=None, skips=None, log=None) -> Options:
    """The filter's Options from its parsed command line (also the daemon's,
    which parses the client's command line with the same parser). ``skips``:
    settings already loaded (the daemon's own ``--settings``), used instead
    of the command line's; ``log``: where the lines for standard error go
    (the daemon sends them to its client)."""
    if skips is None and getattr(args, "settings", None):
        from .settings import SettingsError, Watched

        try:
            skips = Watched(args.settings)
        except SettingsError as e:      # fail open: a typo in the file must not hold mail
            (log or _log)(f"settings not used: {e}")
    opts = Options(max_size=args.max_size, time_budget=args.time_budget, on_error=args.on_error,
                   exit_verdict=args.exit_verdict, trusted_authserv_ids=args.trusted_authserv_id,
                   resolver=resolver, dns_budget=getattr(args, "dns_timeout", 2.0),
                   headers=args.headers, subject_tag=args.subject_tag,
                   subject_tag_level=args.subject_tag_level, checker=checker,
                   skips=skips, envelope_from=getattr(args, "envelope_from", None))
    if log is not None:
        opts.log = log              # where the run's lines for standard error go
    return opts


def run(args) -> int:
    from .cli import resolver_from_args

    if sys.stdin is None or sys.stdout is None:
        # started with a closed descriptor (<&- or >&-): Python leaves them None
        _log("standard " + ("input" if sys.stdin is None else "output")
             + " is closed: nothing read, nothing written")
        return EX_IOERR
    try:
        resolver = resolver_from_args(args)
    except Exception as e:  # noqa: BLE001 - a bad DNS setting must not lose mail
        _log(f"DNS checks off: {e}")
        resolver = None
    try:
        opts = options_from_args(args, resolver)
    except ValueError as e:             # e.g. a --subject-tag that is not one line of ASCII
        _log(f"usage: {e}")
        return 64
    try:
        sys.stdout.flush()          # nothing of ours is in the text layer; the bytes go below it
    except (OSError, ValueError):
        pass
    code, timed_out = filter_stream(sys.stdin.buffer, sys.stdout.buffer, opts)
    if code == EX_IOERR:
        # stdout may be a broken pipe or a full disk: keep Python from failing again at exit
        try:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    if timed_out and not hasattr(os, "fork"):
        # the check thread may be stuck; the message is written: leave now
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)
    return code


def _register() -> None:
    from .cli import SUBCOMMANDS

    SUBCOMMANDS["filter"] = ("add X-Guard-* headers to one message (stdin -> stdout), for procmail, "
                             "maildrop, a Postfix pipe", add_arguments, run)


_register()
