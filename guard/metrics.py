"""Counts and latency for monitoring, in Prometheus text format, and a
health check (``--metrics HOST:PORT`` of ``guard milter`` and ``guard
daemon``; needs the ``metrics`` extra, ``prometheus_client``).

    GET /metrics   guard_messages_total{level,action,error}, guard_check_seconds (histogram)
    GET /health    200 "ok" while the process serves; 503 when it has no worker

``level`` is clear/suspicious/fraud, or ``none`` when nothing was learnt
(an error, a skipped message); ``error`` is timeout/internal/too-large, or
``none``; ``action`` is accept/reject/quarantine/tempfail. Labels never hold
anything from a message.
"""

from __future__ import annotations

import threading

_LOCK = threading.Lock()
_STATE: dict = {}


def start(spec: str, healthy=lambda: True) -> tuple[str, int]:
    """Serve /metrics and /health on ``HOST:PORT`` (a thread); returns the address bound."""
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    import prometheus_client as pc

    host, _, port = spec.rpartition(":")
    registry = pc.CollectorRegistry()
    with _LOCK:
        _STATE["messages"] = pc.Counter("guard_messages", "Messages seen, by level, action and error",
                                        ("level", "action", "error"), registry=registry)
        _STATE["seconds"] = pc.Histogram("guard_check_seconds", "Wall time per message, seconds",
                                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
                                         registry=registry)
    metrics_app = pc.make_wsgi_app(registry)

    def app(environ, start_response):
        if environ.get("PATH_INFO") == "/health":
            ok = bool(healthy())
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ok else b"no worker\n"]
        return metrics_app(environ, start_response)

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):  # no access log on standard error
            pass

    class Threaded(WSGIServer):
        daemon_threads = True

    server = make_server(host or "127.0.0.1", int(port), app, server_class=Threaded, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, name="guard-metrics", daemon=True).start()
    return server.server_address[:2]


def observe(decision, seconds: float) -> None:
    """Count one message (a Decision from guard/decision.py); nothing when metrics are off."""
    messages = _STATE.get("messages")
    if messages is None or decision is None:
        return
    error = {"size": "too-large"}.get(decision.error, decision.error) if decision.error else "none"
    messages.labels(decision.level or "none", decision.action, error).inc()
    _STATE["seconds"].observe(seconds)


def add_metrics_argument(p) -> None:
    p.add_argument("--metrics", metavar="HOST:PORT", default=None,
                   help="serve /metrics (Prometheus text) and /health there (needs the 'metrics' extra)")


def start_from_args(args, name: str, healthy=lambda: True) -> bool:
    """Start the endpoint if ``--metrics`` was given; False after a one-line error."""
    import sys

    if not getattr(args, "metrics", None):
        return True
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        print(f"{name}: --metrics needs prometheus_client: pip install 'guard[metrics]'", file=sys.stderr)
        return False
    try:
        start(args.metrics, healthy)
    except (OSError, ValueError) as e:
        print(f"{name}: cannot serve metrics on {args.metrics}: {getattr(e, 'strerror', None) or e}",
              file=sys.stderr)
        return False
    return True
