"""The one blueprint: the page (GET/POST /), the JSON API, health, errors.

Privacy: a message only ever arrives in a POST body; it is passed to
``guard.check()``, rendered into the response and dropped. Nothing here
logs request data, and every response says ``Cache-Control: no-store``
(static files aside).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from guard import __version__, check

from . import render
from .i18n import LANG_NAMES, LANGS, field_label, format_bytes, translate
from .openapi import spec

bp = Blueprint("web", __name__)

CHECK_ENDPOINTS = ("web.index", "web.api_check")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

_STATUS_CODES = {
    400: "bad_request", 404: "not_found", 405: "method_not_allowed",
    413: "request_too_large", 415: "unsupported_media_type", 422: "invalid_field",
    429: "rate_limited", 500: "internal_error",
}
_PAGE_ERRORS = {
    400: "err_bad_request", 404: "err_not_found", 405: "err_method",
    413: "err_too_large", 429: "err_rate_limited", 500: "err_internal",
}

# An .eml begins with a header line (after an optional mbox "From " line).
_EML_START = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:From [^\n]*\n)?[!-9;-~]{1,76}:")
_MAX_FILENAME_SHOWN = 200


# What JSON Schema's (ECMA-262) \s matches: a message of only these is empty,
# the same rule the OpenAPI document states with the pattern \S.
_BLANK = (" \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
          "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")


def _blank(text: str) -> bool:
    return not text.strip(_BLANK)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# -- language -------------------------------------------------------------------

def negotiated_lang() -> str:
    """From the URL's ?lang=, else the browser's Accept-Language, else English."""
    q = request.args.get("lang", "")
    if q in LANGS:
        return q
    return request.accept_languages.best_match(LANGS, default="en")


def _page_context(lang: str, **extra: Any) -> dict[str, Any]:
    ctx = {
        "lang": lang,
        "langs": LANGS,
        "lang_names": LANG_NAMES,
        "t": lambda key, **kw: translate(lang, key, **kw),
        "field_label": lambda f: field_label(lang, f),
        "max_message_chars": current_app.config["GUARD_MAX_MESSAGE_CHARS"],
        "max_sender_chars": current_app.config["GUARD_MAX_SENDER_CHARS"],
        "form": {"message": "", "sender": ""},
        "verdict": None,
        "error": None,
    }
    ctx.update(extra)
    return ctx


def _page(lang: str, status: int = 200, **extra: Any):
    return render_template("index.html", **_page_context(lang, **extra)), status


# -- checking -------------------------------------------------------------------

def run_check(payload, sender: str | None, lang: str):
    """guard.check() with this server's settings (DNS only when configured).

    Whatever reaches the page or the API was brought by a person from their
    own mailbox, so a large provider's topmost Authentication-Results header
    is believed (``mailbox=True``, see guard/auth.py)."""
    cfg = current_app.config
    kwargs: dict[str, Any] = {
        "sender": sender or None,
        "lang": lang,
        "mailbox": True,
        "time_budget": cfg["GUARD_TIME_BUDGET"],
    }
    resolver = current_app.extensions.get("guard_resolver")
    if resolver is not None:
        kwargs["resolver"] = resolver
        kwargs["dns_budget"] = cfg["GUARD_DNS_BUDGET"]
    return check(payload, **kwargs)


def _clean(text: str) -> str:
    """Lone surrogates (possible in JSON) cannot be encoded: make them '?'."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def looks_like_eml(data: bytes) -> bool:
    return bool(_EML_START.match(data.lstrip(b"\r\n\t ")[:1024]))


# -- the page -----------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
def index():
    if request.method == "GET":
        return _page(negotiated_lang())

    form = request.form
    lang = form.get("ui_lang") or form.get("lang") or ""
    if lang not in LANGS:
        lang = negotiated_lang()
    cfg = current_app.config
    message = form.get("message", "").replace("\r\n", "\n")
    sender = form.get("sender", "").strip()
    shown_form = {"message": message, "sender": sender}
    upload = request.files.get("eml")
    data = upload.read() if upload is not None else b""
    filename = (upload.filename or "")[:_MAX_FILENAME_SHOWN] if upload is not None else ""

    if not data and not message.strip():
        if form.get("ui_lang"):       # the language switcher with nothing to check
            return _page(lang, form=shown_form)
        return _page(lang, 422, form=shown_form, error=translate(lang, "err_empty"))
    if len(sender) > cfg["GUARD_MAX_SENDER_CHARS"]:
        return _page(lang, 422, form=shown_form, error=translate(
            lang, "err_sender_too_long", limit=cfg["GUARD_MAX_SENDER_CHARS"]))
    notes = []
    if data:
        if not looks_like_eml(data):
            return _page(lang, 422, form=shown_form, error=translate(lang, "err_bad_file"))
        payload: bytes | str = data
        if message.strip():
            notes.append(translate(lang, "both_given"))
    else:
        if len(message) > cfg["GUARD_MAX_MESSAGE_CHARS"]:
            return _page(lang, 413, form=shown_form, error=translate(
                lang, "err_message_too_long", limit=f"{cfg['GUARD_MAX_MESSAGE_CHARS']:,}"))
        payload = message
    verdict = run_check(payload, sender, lang)
    sections, findings = render.build(verdict, lang)
    return _page(
        lang,
        form=shown_form,
        verdict=verdict,
        sections=sections,
        findings=findings,
        broken=render.broken_points(verdict),
        filename=filename if data else "",
        from_file=bool(data),
        page_notes=notes,
    )


# -- the API ------------------------------------------------------------------------

@bp.post("/api/v1/check")
def api_check():
    cfg = current_app.config
    mimetype = request.mimetype
    qlang = request.args.get("lang")
    if qlang is not None and qlang not in LANGS:
        raise ApiError(422, "invalid_field", f"lang must be one of {', '.join(LANGS)}")
    lang = qlang
    sender = None
    if mimetype == "application/json" or (mimetype.startswith("application/")
                                          and mimetype.endswith("+json")):
        raw = request.get_data(cache=False)
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(400, "bad_json", "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(422, "invalid_field", "the body must be a JSON object")
        message = body.get("message")
        if message is None:
            raise ApiError(422, "invalid_field", "message is required")
        if not isinstance(message, str):
            raise ApiError(422, "invalid_field", "message must be a string")
        if _blank(message):
            raise ApiError(422, "message_empty", "message is empty")
        if len(message) > cfg["GUARD_MAX_MESSAGE_CHARS"]:
            raise ApiError(413, "message_too_long",
                           f"message is longer than {cfg['GUARD_MAX_MESSAGE_CHARS']} characters")
        sender = body.get("sender")
        if sender is not None:
            if not isinstance(sender, str):
                raise ApiError(422, "invalid_field", "sender must be a string or null")
            if len(sender) > cfg["GUARD_MAX_SENDER_CHARS"]:
                raise ApiError(422, "sender_too_long",
                               f"sender is longer than {cfg['GUARD_MAX_SENDER_CHARS']} characters")
            sender = _clean(sender)
        blang = body.get("lang")
        if blang is not None:
            if blang not in LANGS:
                raise ApiError(422, "invalid_field", f"lang must be one of {', '.join(LANGS)}")
            lang = blang
        payload: bytes | str = _clean(message)
    elif mimetype == "message/rfc822":
        payload = request.get_data(cache=False)
        if not payload.strip():
            raise ApiError(422, "message_empty", "message is empty")
    else:
        raise ApiError(415, "unsupported_media_type",
                       "send application/json or message/rfc822")
    if lang is None:
        lang = request.accept_languages.best_match(LANGS, default="en")
    verdict = run_check(payload, sender, lang)
    return jsonify(verdict.to_dict(include_views=True))


@bp.get("/api/v1/openapi.json")
def openapi():
    cfg = current_app.config
    return jsonify(spec(cfg["GUARD_MAX_MESSAGE_CHARS"], cfg["GUARD_MAX_SENDER_CHARS"]))


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "version": __version__})


# -- app-wide: rate limit, headers, errors --------------------------------------------

def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _json_error(status: int, code: str, message: str, headers=None):
    resp = jsonify({"error": {"status": status, "code": code, "message": message}})
    resp.status_code = status
    if headers:
        resp.headers.extend(headers)
    return resp


def install(app: Flask) -> None:
    _install_limiter(app)

    @app.after_request
    def _headers(resp):
        for k, v in SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        if request.endpoint != "static":
            resp.headers["Cache-Control"] = "no-store"
            resp.headers.pop("Expires", None)
        return resp

    @app.errorhandler(ApiError)
    def _api_error(e: ApiError):
        return _json_error(e.status, e.code, e.message)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        status = e.code or 500
        extra = [(k, v) for k, v in e.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            if status == 413:
                msg = f"the request is larger than {app.config['GUARD_MAX_REQUEST_BYTES']} bytes"
            elif status == 429:
                msg = "too many requests from this client; try again later"
            else:
                msg = e.description or e.name
            return _json_error(status, _STATUS_CODES.get(status, "error"), msg, extra)
        lang = negotiated_lang()
        key = _PAGE_ERRORS.get(status, "err_bad_request")
        error = translate(lang, key, limit=format_bytes(app.config["GUARD_MAX_REQUEST_BYTES"])) \
            if key == "err_too_large" else translate(lang, key)
        body, _ = _page(lang, status, error=error)
        return body, status, extra

    @app.errorhandler(Exception)
    def _internal(e: Exception):
        # Logged by GuardFlask.log_exception without the exception's text.
        app.log_exception((type(e), e, e.__traceback__))
        if _wants_json():
            return _json_error(500, "internal_error", "internal error; the message was not stored")
        lang = negotiated_lang()
        body, _ = _page(lang, 500, error=translate(lang, "err_internal"))
        return body, 500


def _install_limiter(app: Flask) -> None:
    rate = app.config["GUARD_RATELIMIT"]
    if rate.lower() in ("", "off", "0", "none", "no"):
        return
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    from limits import parse_many

    try:
        parse_many(rate)
    except ValueError as exc:
        raise ValueError(f"setting GUARD_RATELIMIT: {exc}") from None
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=app.config["GUARD_RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
        # if a shared store (Redis, ...) is down, keep serving with in-memory counters
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        key_prefix="guard",
    )
    shared = limiter.shared_limit(rate, scope="check", methods=["POST"])
    for ep in CHECK_ENDPOINTS:
        app.view_functions[ep] = shared(app.view_functions[ep])
    app.extensions["guard_limiter"] = limiter

