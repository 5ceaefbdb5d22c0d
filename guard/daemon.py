"""``guard daemon``: ``guard filter`` as a service on a unix socket, for the
thin client (``guard-client``, ``guard_client.py``) that procmail, maildrop
and a Postfix pipe run instead of ``guard filter``: the rule packs load once,
and each message costs a small process instead of a whole guard start-up.

The client sends its command line and the message; the daemon parses that
command line with ``guard filter``'s own parser and runs ``guard filter``'s
own code (``filter.filter_stream``) on it, with the checks in warm worker
processes (the milter's ``WorkerPool``), and sends back the output, the
lines for standard error and the exit code. So the output and the exit
codes are those of ``guard filter``, byte for byte.

Wire format (both ways over one connection): the client sends the
filter's arguments (four bytes of length, big-endian, then the arguments
joined by NUL bytes, UTF-8), then the message, then shuts down its sending
side. The daemon answers with frames: one byte of type, four bytes
of length (big-endian), the data: ``O`` output bytes, ``E`` a line for
standard error, ``X`` the exit code (ASCII digits), last.

Service behaviour (shared with the milter in guard/service.py): refuses to
run as root unless ``--allow-root``; the socket gets ``--socket-mode``
(default 0660) and ``--group``; one clear line and exit 71 when the socket
is in use or its folder is missing; SIGHUP reloads the rule packs (new
workers); SIGTERM stops; the start-up log line names the version and the
rule packs' hash; never any message content in the log.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import struct
import sys
import threading
import time

log = logging.getLogger("guard.daemon")

DEFAULT_SOCKET = "/run/guard/guard.sock"
MAX_ARGS_LINE = 64 * 1024


class _Frames:
    """A binary stream for filter_stream whose writes go to the client as ``O`` frames."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.lock = threading.Lock()

    def send(self, kind: bytes, data: bytes) -> None:
        with self.lock:
            self.sock.sendall(kind + struct.pack(">I", len(data)) + bytes(data))

    def write(self, data) -> int:
        self.send(b"O", data)
        return len(data)

    def flush(self) -> None:
        pass


class _Usage(Exception):
    pass


def _filter_parser():
    from .cli import _Parser
    from .filter import add_arguments

    class Parser(_Parser):
        def error(self, message):
            raise _Usage(f"{self.format_usage()}{self.prog}: error: {message}")

        def exit(self, status=0, message=None):
            raise _Usage(message or "")

    p = Parser(prog="guard filter", add_help=False)
    add_arguments(p)
    return p


class Daemon:
    def __init__(self, pool_factory, skips=None) -> None:
        self.skips = skips              # the daemon's --settings (Watched), or None
        self.pool_factory = pool_factory
        self.pool = pool_factory()
        self.parser = _filter_parser()
        self.lock = threading.Lock()

    def reload(self) -> None:
        """New workers, forked from a new spawner that loads the rule packs afresh."""
        with self.lock:
            old, self.pool = self.pool, self.pool_factory()
        old.close()
        log.info("reloaded: %s", _ruleset_line())

    def serve_one(self, conn: socket.socket) -> None:
        from . import metrics
        from .cli import resolver_from_args
        from .filter import EX_IOERR, filter_stream, options_from_args

        frames = _Frames(conn)
        code = 70
        try:
            inp = conn.makefile("rb")
            size = int.from_bytes(inp.read(4) or b"\xff\xff\xff\xff", "big")
            if size > MAX_ARGS_LINE:
                frames.send(b"E", b"guard daemon: the client sent no command line")
                frames.send(b"X", b"64")
                return
            line = inp.read(size).decode("utf-8", "surrogateescape")
            argv = line.split("\0") if line else []
            try:
                args = self.parser.parse_args(argv)
            except _Usage as e:
                frames.send(b"E", str(e).rstrip("\n").encode())
                frames.send(b"X", b"64")
                return

            def say(msg: str) -> None:
                frames.send(b"E", f"guard filter: {msg}".encode("utf-8", "replace"))

            try:
                resolver = resolver_from_args(args)
            except Exception as e:  # noqa: BLE001 - as guard filter: a bad DNS setting must not lose mail
                say(f"DNS checks off: {e}")
                resolver = None
            with self.lock:
                pool = self.pool
            try:
                opts = options_from_args(args, resolver, checker=pool.check, skips=self.skips, log=say)
            except ValueError as e:
                say(f"usage: {e}")
                frames.send(b"X", b"64")
                return
            t0 = time.perf_counter()
            code, _ = filter_stream(inp, frames, opts)
            metrics.observe(opts.decision, time.perf_counter() - t0)
            if code == EX_IOERR:
                log.info("a client went away before its answer was written")
            frames.send(b"X", str(code).encode())
        except OSError:
            pass                        # the client went away; it fails open on its side
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self.pool.close()


def _ruleset_line() -> str:
    from . import __version__
    from .paths import rules_dir
    from .rules import _version

    try:
        packs = _version(rules_dir())
    except Exception as e:  # noqa: BLE001 - still start; say why
        packs = f"unknown ({type(e).__name__})"
    return f"guard {__version__}, rule packs {packs}"


def add_arguments(p) -> None:
    from .filter import whole_number
    from .metrics import add_metrics_argument
    from .service import add_service_arguments

    p.description = ("Serve 'guard filter' on a unix socket for guard-client (procmail, maildrop, a Postfix "
                     "pipe): the same output and exit codes, without a guard start-up per message.")
    p.add_argument("--socket", default=DEFAULT_SOCKET, metavar="PATH",
                   help=f"the unix socket to listen on (default {DEFAULT_SOCKET})")
    p.add_argument("--workers", type=lambda t: whole_number(t, 1), default=2, metavar="N",
                   help="worker processes that run the checks (default 2)")
    p.add_argument("--settings", metavar="FILE", default=None,
                   help="TOML settings file: [allow] senders and sender_domains pass unchecked when the "
                        "client gives --envelope-from; re-read when it changes (a client's own --settings "
                        "is used only when the daemon has none)")
    add_service_arguments(p)
    add_metrics_argument(p)


def run(args) -> int:
    from .milter import WorkerPool
    from .service import bind_unix, refuse_root, setup_logging

    setup_logging(args, "guard-daemon")
    if refuse_root(args, "guard daemon"):
        return 77
    from .settings import SettingsError, Watched

    try:
        skips = Watched(args.settings) if args.settings else None
    except SettingsError as e:
        print(f"guard daemon: settings: {e}", file=sys.stderr)
        return 78  # EX_CONFIG, as guard milter
    listener = bind_unix(args.socket, args.socket_mode, args.group, "guard daemon")
    if listener is None:
        return 71
    d = Daemon(lambda: WorkerPool(args.workers), skips)
    from .metrics import start_from_args

    if not start_from_args(args, "guard daemon", healthy=lambda: d.pool.alive()):
        d.close()
        listener.close()
        return 69
    stop = threading.Event()
    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=d.reload, daemon=True).start())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("starting on %s (%s, %d workers)", args.socket, _ruleset_line(), args.workers)
    listener.settimeout(0.5)
    try:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            conn.settimeout(None)
            threading.Thread(target=d.serve_one, args=(conn,), daemon=True).start()
    finally:
        listener.close()
        try:
            os.unlink(args.socket)
        except OSError:
            pass
        d.close()
    log.info("stopped")
    return 0


def _register() -> None:
    from .cli import SUBCOMMANDS

    SUBCOMMANDS["daemon"] = ("serve 'guard filter' on a unix socket for guard-client", add_arguments, run)


_register()
