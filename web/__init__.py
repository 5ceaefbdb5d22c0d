"""The web page and JSON API of guard.

    from web import create_app
    app = create_app()            # settings from GUARD_* environment variables
    app = create_app({"GUARD_RATELIMIT": "off"})   # or given here (tests)

``python -m web`` serves it with waitress (see web/__main__.py). Settings are
described in README.md, "Web page and API". The app only calls
``guard.check()`` and renders the Verdict; it never stores, logs or caches a
message.
"""

from __future__ import annotations

import io
import logging
import os
from typing import Any

from flask import Flask, Request, request

log = logging.getLogger("guard.web")

MiB = 1024 * 1024

# name -> (default, parser); every setting can come from the environment.
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {v!r}")


def _pos_int(v: Any) -> int:
    n = int(v)
    if n <= 0:
        raise ValueError(f"must be a positive integer: {v!r}")
    return n


def _nonneg_int(v: Any) -> int:
    n = int(v)
    if n < 0:
        raise ValueError(f"must be zero or more: {v!r}")
    return n


def _pos_float(v: Any) -> float:
    x = float(v)
    if not x > 0:
        raise ValueError(f"must be a positive number: {v!r}")
    return x


def _str(v: Any) -> str:
    return str(v).strip()


def _list(v: Any) -> list[str]:
    if isinstance(v, (list, tuple)):
        return [str(x).strip() for x in v if str(x).strip()]
    return [x.strip() for x in str(v).split(",") if x.strip()]


SETTINGS: dict[str, tuple[Any, Any]] = {
    # bytes in one request (a pasted message, a JSON body, an uploaded .eml)
    "GUARD_MAX_REQUEST_BYTES": (5 * MiB, _pos_int),
    # characters in a pasted or JSON message (an .eml or raw body is bounded by the above)
    "GUARD_MAX_MESSAGE_CHARS": (200_000, _pos_int),
    # characters in the optional sender field
    "GUARD_MAX_SENDER_CHARS": (1_000, _pos_int),
    # per-client limit on checks (page and API together), flask-limiter syntax;
    # "off" turns it off
    "GUARD_RATELIMIT": ("30 per minute;300 per day", _str),
    # where the rate-limit counters live: memory:// (one process),
    # redis://host:6379 or memcached://host:11211 for several instances
    "GUARD_RATELIMIT_STORAGE_URI": ("memory://", _str),
    # how many reverse proxies in front set X-Forwarded-For (0: none, trust no header)
    "GUARD_PROXY_HOPS": (0, _nonneg_int),
    # seconds of rule matching per message
    "GUARD_TIME_BUDGET": (2.0, _pos_float),
    # DNS checks (off by default: no network at all); nameservers are IP
    # addresses, comma-separated; none means the system's (/etc/resolv.conf)
    "GUARD_DNS": (False, _bool),
    "GUARD_DNS_NAMESERVER": ([], _list),
    "GUARD_DNS_PORT": (53, _pos_int),
    "GUARD_DNS_TIMEOUT": (1.0, _pos_float),
    "GUARD_DNS_BUDGET": (1.0, _pos_float),
}


def load_settings(environ: dict[str, str] | None = None,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings from defaults, then the environment, then ``overrides``.

    Raises ValueError naming the setting when a value does not parse.
    """
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for name, (default, parse) in SETTINGS.items():
        raw: Any = default
        if name in env:
            raw = env[name]
        if overrides and name in overrides:
            raw = overrides[name]
        try:
            out[name] = parse(raw)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"setting {name}: {exc}") from None
    return out


class _MemoryRequest(Request):
    """Uploaded files stay in memory (never spooled to a temporary file on disk).

    The request size is bounded by MAX_CONTENT_LENGTH before this is used.
    """

    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):
        return io.BytesIO()


class GuardFlask(Flask):
    request_class = _MemoryRequest

    def log_exception(self, exc_info) -> None:
        # Flask's default logs the traceback, whose exception text may quote
        # the message. Log only where and what kind of error.
        exc_type = exc_info[0].__name__ if exc_info and exc_info[0] else "error"
        log.error("internal error on %s %s: %s", request.method, request.path, exc_type)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The Flask app. ``test_config`` overrides settings and Flask config keys."""
    settings = load_settings(overrides=test_config)
    app = GuardFlask(__name__)
    app.config.update(settings)
    app.config.update(
        MAX_CONTENT_LENGTH=settings["GUARD_MAX_REQUEST_BYTES"],
        MAX_FORM_MEMORY_SIZE=settings["GUARD_MAX_REQUEST_BYTES"],
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k not in SETTINGS})
    app.json.sort_keys = False

    if settings["GUARD_PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings["GUARD_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    app.extensions["guard_resolver"] = _make_resolver(settings) if settings["GUARD_DNS"] else None

    from . import views

    app.register_blueprint(views.bp)
    views.install(app)
    return app


def _make_resolver(settings: dict[str, Any]):
    """A DNS resolver for guard.check(); imported only when DNS is turned on."""
    try:
        from guard import dnscheck
    except ImportError as exc:
        raise RuntimeError(f"GUARD_DNS is on but guard.dnscheck cannot be imported: {exc}") from exc
    return dnscheck.make_resolver(
        settings["GUARD_DNS_NAMESERVER"] or None,     # none given: the system's resolvers
        port=settings["GUARD_DNS_PORT"],
        timeout=settings["GUARD_DNS_TIMEOUT"],
    )
