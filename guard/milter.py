"""``guard milter``: a milter (Postfix, Sendmail) on pymilter.

    pip install 'guard[milter]'        # builds pymilter against libmilter-dev
    guard milter --socket inet:8899@127.0.0.1

Per message it adds the same headers as ``guard filter`` (X-Guard-Status at
the top, X-Guard-Flag: FRAUD on fraud), renames incoming X-Guard-* fields
to X-Prev-Guard-* (deleted, then re-added at the end: a milter cannot rename
in place), and on fraud tags (default), rejects with 550 5.7.1, or
quarantines (Postfix: the hold queue), as set by ``--on-fraud``.

The checks run in worker processes (``--workers``, started before the first
message from a fork server, so each starts clean and warm). A check that
overruns the time budget is answered ``error=timeout`` and its worker is
killed and replaced: no check runs on after its message has been answered,
and abandoned work cannot slow down the next messages. A message waits at
most one budget for a free worker (then ``error=timeout``), and its check
then gets the whole budget.

Fail open (default): an internal error or the per-message time budget gives
``X-Guard-Status: Unknown, error=...`` and the message is accepted;
``--on-error tempfail`` answers 451 4.7.1 instead. Messages above
``--max-size`` are accepted with ``error=too-large``, unchecked. What the MTA
does when the milter is down is its own setting (Postfix:
``milter_default_action``; README.md, "Mail filters").

The log says per message: queue id, level, score, rule ids, action, time.
It never logs message content, subjects or addresses.

pymilter is imported only when the milter runs, so that ``guard`` starts
fast and works without the extra.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from .decision import STATUS, Policy, decide, skipped, unknown_value
from .filter import DEFAULT_MAX_SIZE, DEFAULT_TIME_BUDGET, PREFIX, RENAMED_PREFIX, check_bounded, fold, seconds

log = logging.getLogger("guard.milter")

REJECT_REPLY = ("550", "5.7.1", "Message rejected: it shows the signs of ILO recruitment fraud")
TEMPFAIL_REPLY = ("451", "4.7.1", "Message could not be checked; try again later")
QUARANTINE_REASON = "guard: ILO recruitment fraud"


class Settings:
    def __init__(self, *, on_fraud: str = "tag", on_error: str = "accept", time_budget: float = DEFAULT_TIME_BUDGET,
                 max_size: int = DEFAULT_MAX_SIZE, trusted_authserv_ids=(), workers: int = 2,
                 headers: str = "classic", subject_tag: str | None = None,
                 subject_tag_level: str = "fraud") -> None:
        from .api import authserv_ids

        if on_error not in ("accept", "tempfail"):
            raise ValueError("on_error must be 'accept' or 'tempfail'")
        self.policy = Policy(on_fraud=on_fraud, on_error=on_error, headers=headers, subject_tag=subject_tag,
                             subject_tag_level=subject_tag_level)
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
            raise ValueError("max_size must be a whole number of bytes >= 0")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError("workers must be a whole number >= 1")
        self.on_fraud = on_fraud
        self.on_error = on_error
        self.time_budget = seconds(time_budget)
        self.max_size = max_size
        self.trusted_authserv_ids = tuple(sorted(authserv_ids(trusted_authserv_ids)))
        self.workers = workers


SETTINGS = Settings()
POOL: "WorkerPool | None" = None
SKIPS = None        # settings.Watched: who is not checked (--settings FILE)


# -- the worker processes ------------------------------------------------------------------

def _serve(conn) -> None:
    """A worker: check the messages that come on ``conn`` until it closes."""
    from .api import check

    while True:
        try:
            req = conn.recv()
        except (EOFError, OSError):
            return
        if req is None:
            return
        raw, budget, kwargs = req
        try:
            v = check(raw, time_budget=budget, **kwargs)
            v.views = {}
            answer = ("ok", v)
        except Exception as e:  # noqa: BLE001 - reported as "internal"
            answer = ("error", type(e).__name__)
        try:
            conn.send(answer)
        except (OSError, ValueError):
            return


def _spawner_main(sock) -> None:
    """The spawner: a process forked once, before libmilter starts its
    threads, with the rule packs loaded. For each byte it reads it forks a
    worker and sends back the worker's pid and one end of a socket pair.
    Its children are reaped by the kernel (SIGCHLD ignored)."""
    import signal
    import socket
    from multiprocessing.connection import Connection

    from .scan import _warm_up

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    _warm_up()
    while True:
        try:
            if not sock.recv(1):
                return                                  # the milter is gone
        except OSError:
            return
        mine, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                sock.close()
                mine.close()
                _serve(Connection(theirs.detach()))
            finally:
                os._exit(0)
        theirs.close()
        try:
            socket.send_fds(sock, [str(pid).encode().ljust(16)], [mine.fileno()])
        except OSError:
            return
        finally:
            mine.close()


class _Worker:
    __slots__ = ("pid", "conn")

    def __init__(self, pid: int, conn) -> None:
        self.pid, self.conn = pid, conn

    def end(self) -> None:
        import signal

        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.conn.close()
        except OSError:
            pass


class WorkerPool:
    """Worker processes for the checks. ``check()`` is safe to call from
    libmilter's threads; a worker that overruns its budget or dies is killed
    and a new one takes its place (forked by the spawner, not by this
    threaded process)."""

    def __init__(self, size: int) -> None:
        import socket
        import threading

        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                _spawner_main(theirs)
            finally:
                os._exit(0)
        theirs.close()
        self._spawner, self._spawner_pid = ours, pid
        self._spawn_lock = threading.Lock()
        self._cond = threading.Condition()
        self._free: list[_Worker] = []
        self._closed = False
        self.ended: list[int] = []          # pids of the workers killed after a timeout or a failure
        for _ in range(size):
            self._free.append(self._start())

    def _start(self) -> _Worker:
        import socket
        from multiprocessing.connection import Connection

        with self._spawn_lock:
            self._spawner.sendall(b"w")
            msg, fds, _flags, _addr = socket.recv_fds(self._spawner, 16, 1)
        if not fds:
            raise OSError("the spawner process is gone")
        return _Worker(int(msg), Connection(fds[0]))

    def alive(self) -> bool:
        """True while the pool is open and its spawner can start workers (the health check)."""
        if self._closed:
            return False
        try:
            return os.waitpid(self._spawner_pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in self._free]

    def check(self, raw: bytes, budget: float, **kwargs):
        """(verdict, error) as ``filter.check_bounded`` gives them."""
        import time

        wait_until = time.monotonic() + budget
        with self._cond:
            while not self._free:
                left = wait_until - time.monotonic()
                if self._closed or left <= 0:
                    return None, "timeout"
                self._cond.wait(left)
            w = self._free.pop()
        healthy = False
        try:
            w.conn.send((raw, max(budget * 0.8, 0.01), kwargs))
            if not w.conn.poll(budget):
                return None, "timeout"
            status, value = w.conn.recv()
            healthy = True
            return (value, None) if status == "ok" else (None, "internal")
        except Exception:  # noqa: BLE001 - the worker died (EOF) or its answer was unreadable
            return None, "internal"
        finally:
            if not healthy:
                self.ended.append(w.pid)
                w.end()
                try:
                    w = self._start()
                except Exception as e:  # noqa: BLE001 - one worker fewer; logged
                    log.error("cannot start a worker process: %s", e)
                    w = None
            with self._cond:
                if w is not None and self._closed:
                    w.end()
                elif w is not None:
                    self._free.append(w)
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers, self._free = self._free, []
            self._cond.notify_all()
        for w in workers:
            w.end()
        try:
            self._spawner.close()
        finally:
            _reap(self._spawner_pid)


def _reap(pid: int, grace: float = 2.0) -> None:
    """Wait for a child to leave; kill it after ``grace`` seconds. (A spawner
    forked later, as on a reload, holds a copy of the older spawner's socket,
    so the older one may never see it close.)"""
    import signal

    end = time.monotonic() + grace
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > end:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.02)
    except (ChildProcessError, ProcessLookupError):
        pass


def start_workers(settings: Settings) -> WorkerPool:
    """Start the worker processes (``run`` does it before the first message)."""
    global POOL
    if POOL is None:
        POOL = WorkerPool(settings.workers)
    return POOL


def reload_workers() -> None:
    """New rule packs: a new spawner (it loads the packs afresh) and its
    workers take the next messages; the old ones are closed. A message in
    flight keeps the pool it started with."""
    global POOL
    if POOL is None or SETTINGS is None:
        return
    old, POOL = POOL, WorkerPool(SETTINGS.workers)
    old.close()
    from .daemon import _ruleset_line

    log.info("reloaded: %s", _ruleset_line())


def _reload_on_sigusr1() -> None:
    """libmilter keeps SIGHUP (it stops the milter on it), so the milter
    reloads on SIGUSR1 (``systemctl reload`` sends it, see the unit file).
    The signal is blocked before libmilter starts its threads, so every
    thread inherits the block, and one thread of ours takes it with sigwait:
    the main thread sits in libmilter's C code and would never run a Python
    signal handler."""
    import signal
    import threading

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})

    def wait() -> None:
        while True:
            signal.sigwait({signal.SIGUSR1})
            try:
                reload_workers()
            except Exception as e:  # noqa: BLE001 - keep the old workers and say so
                log.error("reload failed: %s: %s", type(e).__name__, e)

    threading.Thread(target=wait, name="guard-reload", daemon=True).start()


def stop_workers() -> None:
    global POOL
    pool, POOL = POOL, None
    if pool is not None:
        pool.close()


def header_value(name: str, value: str) -> str:
    """The value as the milter hands it to the MTA: folded with LF + tab
    (the MTA writes its own line endings), without the ``Name: `` part."""
    return fold(name, value, b"\n").decode("ascii")[len(name) + 2:].rstrip("\n")


class Message:
    """What the milter collects for one message, and the decision on it.
    Kept apart from pymilter so that it can be tested on its own."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.mail_from = b""
        self.headers: list[tuple[str, bytes]] = []
        self.body = bytearray()
        self.size = 0
        self.skip: str | None = None        # why it is not checked (the settings file), or None
        self.decision = None

    def add_header(self, name: str, value: bytes) -> None:
        self.headers.append((name, value))
        self.size += len(name) + len(value) + 4

    def add_body(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= self.settings.max_size:
            self.body += chunk

    def raw(self) -> bytes:
        parts = []
        if self.mail_from:
            parts.append(b"Return-Path: <" + self.mail_from + b">\r\n")
        for name, value in self.headers:
            parts.append(name.encode("ascii", "replace") + b": " + value.replace(b"\n", b"\r\n") + b"\r\n")
        parts.append(b"\r\n")
        parts.append(bytes(self.body))
        return b"".join(parts)

    def forged(self) -> list[tuple[str, int, bytes]]:
        """(name, 1-based index among the fields of that name, value) of the
        incoming X-Guard-* fields, last first (so deleting keeps indexes valid)."""
        seen: dict[str, int] = {}
        out = []
        for name, value in self.headers:
            key = name.lower()
            seen[key] = seen.get(key, 0) + 1
            if key.encode("ascii", "replace").startswith(PREFIX):
                out.append((name, seen[key], value))
        return out[::-1]

    def decide(self) -> tuple[str, list[tuple[str, str]], dict]:
        """(action, headers to add, log fields); action is one of
        "accept", "reject", "quarantine", "tempfail". The whole Decision
        (with its Subject tag) is kept in ``self.decision``."""
        s = self.settings
        if self.skip is not None:
            d = skipped(self.skip)
        elif self.size > s.max_size:
            d = decide(None, s.policy, error="size", max_size=s.max_size)
        else:
            bounded = POOL.check if POOL is not None else check_bounded
            verdict, err = bounded(self.raw(), s.time_budget, trusted_authserv_ids=s.trusted_authserv_ids)
            extra = {"time_budget": f"{s.time_budget:g}s"} if verdict is None and err == "timeout" else {}
            d = decide(verdict, s.policy, error=err, **extra)
        self.decision = d
        return d.action, d.headers, d.log_fields()

    def subject(self) -> tuple[int, str] | None:
        """(1-based index, value) of the first Subject field, or None."""
        for name, value in self.headers:
            if name.lower() == "subject":
                return 1, value.decode("utf-8", "surrogateescape")
        return None


def make_milter_class():
    """The pymilter class (built on demand: pymilter is an optional extra)."""
    import Milter

    class GuardMilter(Milter.Base):
        def __init__(self) -> None:
            self.msg: Message | None = None
            self.client_ip: str | None = None

        @Milter.noreply
        def connect(self, hostname, family, hostaddr):
            if isinstance(hostaddr, tuple) and hostaddr:
                self.client_ip = str(hostaddr[0])
            return Milter.CONTINUE

        def envfrom(self, mailfrom, *params):
            self.msg = Message(SETTINGS)
            self.msg.mail_from = mailfrom.strip("<>").encode("utf-8", "surrogateescape")
            if SKIPS is not None:
                try:
                    auth = self.getsymval("{auth_authen}")
                except Exception:  # noqa: BLE001 - no macro: not authenticated
                    auth = None
                self.msg.skip = SKIPS.get().reason(mailfrom, auth, self.client_ip)
            return Milter.CONTINUE

        @Milter.decode("bytes")
        @Milter.noreply
        def header(self, name, value):
            if self.msg is not None:
                self.msg.add_header(name, value)
            return Milter.CONTINUE

        @Milter.noreply
        def body(self, chunk):
            if self.msg is not None:
                self.msg.add_body(chunk)
            return Milter.CONTINUE

        def eom(self):
            t0 = time.perf_counter()
            qid = _queue_id(self)
            msg, self.msg = self.msg, None
            try:
                if msg is None:
                    raise RuntimeError("end of message without a message")
                action, headers, info = msg.decide()
                if action == "tempfail":
                    self.setreply(*TEMPFAIL_REPLY)
                    _log_result(qid, "tempfail", info, t0, msg.decision)
                    return Milter.TEMPFAIL
                if action == "reject":
                    self.setreply(*REJECT_REPLY)
                    _log_result(qid, "reject", info, t0, msg.decision)
                    return Milter.REJECT
                for name, idx, value in msg.forged():
                    self.chgheader(name, idx, None)
                for name, idx, value in reversed(msg.forged()):
                    new = RENAMED_PREFIX.decode() + name[len(PREFIX):]
                    self.addheader(new, value.decode("utf-8", "surrogateescape"))
                for i, (name, value) in enumerate(headers):
                    self.addheader(name, header_value(name, value), i)
                tag = msg.decision.subject_tag
                if tag:
                    subj = msg.subject()
                    if subj is None:
                        self.addheader("Subject", tag)
                    elif not subj[1].startswith(tag):
                        self.chgheader("Subject", subj[0], f"{tag} {subj[1]}")
                if action == "quarantine":
                    self.quarantine(QUARANTINE_REASON)
                _log_result(qid, action, info, t0, msg.decision)
                return Milter.ACCEPT
            except Exception as e:  # noqa: BLE001 - fail as configured, never crash the MTA's mail
                log.error("queue id %s: internal error: %s", qid, type(e).__name__)
                if SETTINGS.on_error == "tempfail":
                    try:
                        self.setreply(*TEMPFAIL_REPLY)
                    except Exception:  # noqa: BLE001
                        pass
                    return Milter.TEMPFAIL
                try:
                    self.addheader(STATUS, unknown_value("internal"), 0)
                except Exception:  # noqa: BLE001 - still accept the mail
                    pass
                return Milter.ACCEPT

        def abort(self):
            self.msg = None
            return Milter.CONTINUE

        def close(self):
            self.msg = None
            return Milter.CONTINUE

    return GuardMilter


def _queue_id(m) -> str:
    try:
        return m.getsymval("i") or "-"
    except Exception:  # noqa: BLE001
        return "-"


def _log_result(qid: str, action: str, info: dict, t0: float, decision=None) -> None:
    from .metrics import observe

    observe(decision, time.perf_counter() - t0)
    fields = " ".join(f"{k}={v}" for k, v in info.items())
    log.info("queue id %s: %s %s (%.0f ms)", qid, action, fields, (time.perf_counter() - t0) * 1000)


# -- the command -----------------------------------------------------------------------

def add_arguments(p) -> None:
    from .filter import _positive, add_header_arguments, parse_size
    from .metrics import add_metrics_argument
    from .service import add_service_arguments

    p.description = ("Run guard as a milter for Postfix or Sendmail (needs the 'milter' extra: "
                     "pip install 'guard[milter]').")
    p.add_argument("--socket", default="inet:8899@127.0.0.1", metavar="SPEC",
                   help="where to listen: inet:PORT@HOST or unix:/path (default inet:8899@127.0.0.1)")
    p.add_argument("--on-fraud", choices=("tag", "reject", "quarantine"), default="tag",
                   help="tag: add the headers and accept (default); reject: 550 5.7.1; "
                        "quarantine: accept into the MTA's quarantine (Postfix: hold queue)")
    p.add_argument("--on-error", choices=("accept", "tempfail"), default="accept",
                   help="on an internal error or timeout: accept with 'Unknown' (default) or 451 4.7.1")
    p.add_argument("--time-budget", type=_positive, default=DEFAULT_TIME_BUDGET, metavar="S",
                   help="seconds per message before error=timeout (default 5)")
    p.add_argument("--max-size", type=parse_size, default=DEFAULT_MAX_SIZE, metavar="SIZE",
                   help="larger messages are accepted unchecked with error=too-large (default 10M)")
    p.add_argument("--trusted-authserv-id", action="append", default=[], metavar="ID",
                   help="believe Authentication-Results headers from this server (repeatable)")
    p.add_argument("--workers", type=_count, default=2, metavar="N",
                   help="worker processes that run the checks (default 2)")
    p.add_argument("--mta-timeout", type=_count, default=600, metavar="S",
                   help="seconds to wait for the MTA before dropping a connection (default 600)")
    p.add_argument("--name", default="guard", help="milter name (Sendmail's X line; default guard)")
    add_header_arguments(p)
    add_service_arguments(p)
    add_metrics_argument(p)
    p.add_argument("--settings", metavar="FILE", default=None,
                   help="TOML settings file: allowlists, skipping authenticated senders and client networks "
                        "(read again when it changes)")


def _count(text: str) -> int:
    from .filter import whole_number

    return whole_number(text, 1)


def _unix_socket(args) -> bool:
    """Check a ``unix:`` socket's place before libmilter opens it (its own
    error is only "cannot opensocket"); set the umask for ``--socket-mode``
    and hand the socket to ``--group`` once it exists. False after a
    one-line error."""
    import threading

    from .service import bind_unix

    spec = args.socket
    if not (spec.startswith("unix:") or spec.startswith("local:") or spec.startswith("/")):
        return True
    path = spec.split(":", 1)[1] if ":" in spec else spec
    probe = bind_unix(path, args.socket_mode, args.group, "guard milter")   # the same checks and messages
    if probe is None:
        return False
    probe.close()
    os.unlink(path)                     # libmilter makes its own
    os.umask(0o777 & ~args.socket_mode)
    if args.group is not None:
        import grp

        gid = grp.getgrnam(args.group).gr_gid

        def chown_when_there() -> None:
            for _ in range(200):
                if os.path.exists(path):
                    try:
                        os.chown(path, -1, gid)
                    except OSError as e:
                        log.error("cannot give %s to group %s: %s", path, args.group, e.strerror or e)
                    return
                time.sleep(0.05)

        threading.Thread(target=chown_when_there, daemon=True).start()
    return True


def run(args) -> int:
    global SETTINGS
    from .daemon import _ruleset_line
    from .service import refuse_root, setup_logging

    setup_logging(args, "guard-milter")
    if refuse_root(args, "guard milter"):
        return 77
    global SKIPS
    from .settings import SettingsError, Watched

    try:
        SKIPS = Watched(args.settings)
    except SettingsError as e:
        print(f"guard milter: settings: {e}", file=sys.stderr)
        return 78  # EX_CONFIG
    if not _unix_socket(args):
        return 71
    try:
        import Milter
    except ImportError:
        print("guard milter: pymilter is not installed: pip install 'guard[milter]' "
              "(it builds against libmilter-dev)", file=sys.stderr)
        return 69  # EX_UNAVAILABLE
    SETTINGS = Settings(on_fraud=args.on_fraud, on_error=args.on_error, time_budget=args.time_budget,
                        max_size=args.max_size, trusted_authserv_ids=args.trusted_authserv_id,
                        workers=args.workers, headers=args.headers, subject_tag=args.subject_tag,
                        subject_tag_level=args.subject_tag_level)
    start_workers(SETTINGS)     # warm workers before the first message
    from .metrics import start_from_args

    if not start_from_args(args, "guard milter", healthy=lambda: POOL is not None and POOL.alive()):
        stop_workers()
        return 69
    Milter.factory = make_milter_class()
    flags = Milter.ADDHDRS | Milter.CHGHDRS
    if args.on_fraud == "quarantine":
        flags |= Milter.QUARANTINE
    Milter.set_flags(flags)
    import milter as _milter

    # an exception that escapes a callback: accept, or tempfail, as set
    _milter.set_exception_policy(Milter.TEMPFAIL if args.on_error == "tempfail" else Milter.ACCEPT)
    log.info("starting on %s (%s; on fraud: %s, on error: %s, time budget %gs, max size %d, %d workers)",
             args.socket, _ruleset_line(), args.on_fraud, args.on_error, args.time_budget, args.max_size,
             args.workers)
    _reload_on_sigusr1()
    try:
        Milter.runmilter(args.name, args.socket, args.mta_timeout)
    except Exception as e:  # noqa: BLE001 - e.g. the port is taken
        print(f"guard milter: cannot run on {args.socket}: {e}", file=sys.stderr)
        return 71  # EX_OSERR
    finally:
        stop_workers()
    log.info("stopped")
    return 0


def _register() -> None:
    from .cli import SUBCOMMANDS

    SUBCOMMANDS["milter"] = ("run as a milter for Postfix/Sendmail (needs the 'milter' extra)",
                             add_arguments, run)


_register()
