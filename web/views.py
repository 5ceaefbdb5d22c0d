"""The one blueprint: the page (GET/POST /), the JSON API, health, errors.

Privacy: a message only ever arrives in a POST body; it is passed to
``guard.check()``, rendered into the response and dropped. Nothing here
logs request data, and every response says ``Cache-Control: no-store``
(static files aside). Nothing is kept between requests either: the language
switch on a result page re-sends the pasted text from the page's own form.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from urllib.parse import urlsplit
from typing import Any

from babel.units import format_unit
from flask import Blueprint, Flask, current_app, g, jsonify, render_template, request
from flask_babel import Babel, format_date, format_decimal, format_timedelta, get_locale
from werkzeug.exceptions import HTTPException

from guard import __version__, check

from . import organisation, render
from . import catalogs
from .catalogs import DEFAULT_LANG, LANG_NAMES, LANGS, MemoryDomain, load_catalogs
from .catalogs import gettext as _
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
    400: "bad_request", 403: "cross_site", 404: "not_found", 405: "method_not_allowed",
    413: "request_too_large", 415: "unsupported_media_type", 422: "invalid_field",
    429: "rate_limited", 500: "internal_error",
}

# An .eml begins with a header line (after an optional mbox "From " line).
_EML_START = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:From [^\n]*\n)?[!-9;-~]{1,76}:")
_MAX_FILENAME_SHOWN = 200
_MAX_FILENAME_ECHO = 200


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


class CrossSite(Exception):
    """A form POST sent by another web site (Sec-Fetch-Site / Origin)."""


# -- language -------------------------------------------------------------------

def negotiated_lang() -> str:
    """From the URL's ?lang=, else the browser's Accept-Language, else English."""
    q = request.args.get("lang", "")
    if q in LANGS:
        return q
    return accepted_lang()


def accepted_lang() -> str:
    """The browser's most wanted language that the page has, by its main
    subtag and in the browser's order: "pt-AO, es;q=0.5" is Portuguese, which
    werkzeug's best_match would give up for the exact "es"."""
    for tag, _q in request.accept_languages:            # highest quality first
        main = tag.replace("_", "-").split("-", 1)[0].lower()
        if main in LANGS:
            return main
    return DEFAULT_LANG


def _set_lang(lang: str) -> str:
    """Use ``lang`` for this request's words (Flask-Babel reads g.lang)."""
    g.lang = lang
    ctx = getattr(g, "_flask_babel", None)
    if ctx is not None and hasattr(ctx, "babel_locale"):
        del ctx.babel_locale
    return lang


def _select_locale() -> str:
    return getattr(g, "lang", None) or negotiated_lang()


def _form_lang(form) -> str:
    lang = form.get("ui_lang") or form.get("lang") or ""
    return lang if lang in LANGS else negotiated_lang()


# -- formatting (Babel, for the page's locale) ------------------------------------------

def fmt_number(n: int) -> str:
    return format_decimal(n)


def fmt_bytes(n: int) -> str:
    locale = get_locale() or DEFAULT_LANG
    if n >= 1024 * 1024:
        value, unit = n / (1024 * 1024), "digital-megabyte"
    elif n >= 1024:
        value, unit = n / 1024, "digital-kilobyte"
    else:
        value, unit = n, "digital-byte"
    if value != int(value):
        value = round(value, 1)
    else:
        value = int(value)
    return format_unit(value, unit, length="short", locale=locale)


def _checked_on() -> str:
    return format_date(datetime.datetime.now(datetime.timezone.utc).date(), format="long")


# -- the page --------------------------------------------------------------------------------

def _page_context(lang: str, **extra: Any) -> dict[str, Any]:
    cfg = current_app.config
    ctx = {
        "lang": lang,
        "langs": LANGS,
        "lang_names": LANG_NAMES,
        "max_message_chars": fmt_number(cfg["GUARD_MAX_MESSAGE_CHARS"]),
        "max_request": fmt_bytes(cfg["GUARD_MAX_REQUEST_BYTES"]),
        "max_sender_chars": cfg["GUARD_MAX_SENDER_CHARS"],
        "form": {"message": "", "sender": ""},
        "verdict": None,
        "result": None,
        "error": None,
        "error_kind": None,
        "notice": None,
        "links": organisation.links(),
        "r": render,
        "focus_file": False,
    }
    ctx.update(extra)
    return ctx


def _page(lang: str, status: int = 200, **extra: Any):
    _set_lang(lang)
    return render_template("index.html", **_page_context(lang, **extra)), status


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


def _shown_form(form) -> dict[str, str]:
    """What the form shows back: the pasted text and sender, never a NUL byte."""
    return {
        "message": render.showable(form.get("message", "").replace("\r\n", "\n")),
        "sender": render.showable((form.get("sender_inline") or form.get("sender", "")).strip()),
    }


@bp.route("/", methods=["GET", "POST"])
def index():
    if request.method != "POST":      # GET, and HEAD (answered like GET, without a body)
        return _page(negotiated_lang())

    form = request.form
    lang = _set_lang(_form_lang(form))
    cfg = current_app.config
    message = form.get("message", "").replace("\r\n", "\n")
    # the sender typed in the "ILO addresses" point wins over the form's field
    sender = (form.get("sender_inline") or form.get("sender", "")).strip()
    shown_form = _shown_form(form)
    upload = request.files.get("eml")
    data = upload.read() if upload is not None else b""
    filename = render.showable((upload.filename or "")[:_MAX_FILENAME_SHOWN]) if upload is not None else ""

    if not data and not message.strip():
        if form.get("ui_lang"):       # the language switcher with nothing to check
            prev = render.showable(form.get("checked_file", "")[:_MAX_FILENAME_ECHO])
            if form.get("from_file"):
                # the browser cannot send a file again by itself: say so, next to the file field
                return _page(lang, form=shown_form, notice="file_again", notice_file=prev,
                             focus_file=True)
            return _page(lang, form=shown_form)
        return _page(lang, 422, form=shown_form, error=_("Paste a message or choose a file to check."))
    if len(sender) > cfg["GUARD_MAX_SENDER_CHARS"]:
        return _page(lang, 422, form=shown_form, error=_(
            "The sender's address is too long (%(limit)s characters at most).",
            limit=fmt_number(cfg["GUARD_MAX_SENDER_CHARS"])))
    notes = []
    if data:
        if not looks_like_eml(data):
            return _page(lang, 422, form=shown_form, error=not_an_eml_text())
        payload: bytes | str = data
        if message.strip():
            notes.append(_("You gave both a file and pasted text: the file was checked."))
    else:
        if len(message) > cfg["GUARD_MAX_MESSAGE_CHARS"]:
            return _page(lang, 413, form=shown_form, error=_(
                "The message is too long to check (the limit is %(limit)s characters). "
                "Paste only the message that worries you.",
                limit=fmt_number(cfg["GUARD_MAX_MESSAGE_CHARS"])))
        payload = message
    verdict = run_check(payload, sender, lang)
    result = render.build(verdict)
    checked_on = _checked_on()
    return _page(
        lang,
        form=shown_form,
        verdict=verdict,
        result=result,
        filename=filename if data else "",
        from_file=bool(data),
        page_notes=notes,
        checked_on=checked_on,
        summary=render.summary_text(verdict, result, checked_on),
        sender_address=render.showable((verdict.sender or {}).get("address", "")),
    )


def not_an_eml_text() -> str:
    return _("This file does not look like a saved e-mail (.eml). Save the message "
             "as .eml, or copy its text and paste it.")


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
        if not looks_like_eml(payload):
            # the same rule as the page's file upload
            raise ApiError(422, "not_an_email",
                           "the body does not look like an e-mail: it must begin with a "
                           "header line such as 'From: ...'")
    else:
        raise ApiError(415, "unsupported_media_type",
                       "send application/json or message/rfc822")
    if lang is None:
        lang = accepted_lang()
    verdict = run_check(payload, sender, lang)
    return jsonify(verdict.to_dict(include_views=True))


@bp.get("/api/v1/openapi.json")
def openapi():
    cfg = current_app.config
    return jsonify(spec(cfg["GUARD_MAX_MESSAGE_CHARS"], cfg["GUARD_MAX_SENDER_CHARS"]))


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok", "version": __version__})


# -- app-wide: language, cross-site refusal, rate limit, headers, errors -------------------------

def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _json_error(status: int, code: str, message: str, headers=None):
    resp = jsonify({"error": {"status": status, "code": code, "message": message}})
    resp.status_code = status
    if headers:
        resp.headers.extend(headers)
    return resp


def cross_site() -> bool:
    """True when a browser says this POST comes from another site.

    Browsers send Sec-Fetch-Site on every request (Chromium, Firefox,
    Safari 16.4+) and Origin on every cross-origin POST; a form sent from
    this page says "same-origin". Clients that send neither (curl, scripts)
    are not browsers a scam page could drive, and are let through.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.strip().lower() not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    # the host only: a proxy that ends TLS in front makes the scheme differ
    return urlsplit(origin.strip()).netloc.lower() != request.host.lower()


def _safe_form():
    """The form of a request that was answered early (429): read it if possible."""
    try:
        return request.form
    except Exception:      # too large, malformed: nothing to show back
        return None


def _retry_seconds() -> int:
    limiter = current_app.extensions.get("guard_limiter")
    try:
        reset = limiter.current_limit.reset_at
        return max(1, int(reset - time.time()) + 1)
    except Exception:
        return 60


def install(app: Flask) -> None:
    cats = load_catalogs()
    babel = Babel(app, locale_selector=_select_locale)
    babel.domain_instance = MemoryDomain(cats)   # cached_property: set once here
    app.extensions["guard_catalogs"] = cats
    # the templates' _() and ngettext() read the request's catalog directly
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogs.current().ugettext(s),
        ngettext=lambda s, p, n: catalogs.current().ungettext(s, p, n),
        newstyle=True)
    _install_limiter(app)

    @app.before_request
    def _refuse_cross_site():
        if request.method == "POST" and request.endpoint == "web.index" and cross_site():
            raise CrossSite()

    @app.after_request
    def _headers(resp):
        for k, v in SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        if request.endpoint != "static":
            resp.headers["Cache-Control"] = "no-store"
            resp.headers.pop("Expires", None)
        # the page's words depend on these request headers
        resp.vary.add("Accept-Language")
        return resp

    @app.errorhandler(CrossSite)
    def _cross_site(e: CrossSite):
        # The crafted message is not shown back: the form starts empty.
        lang = _set_lang(negotiated_lang())
        body, _s = _page(lang, 403, error_kind="cross_site", error=_(
            "This check was sent to us by another web site, not from this page, so it "
            "was not run. If you want to check a message, paste it here yourself."))
        return body, 403

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
        form = None
        if status == 429:
            # the body was within limits and not read yet: keep what was pasted
            form = _safe_form()
        lang = _set_lang(_form_lang(form) if form is not None else negotiated_lang())
        shown = _shown_form(form) if form is not None else {"message": "", "sender": ""}
        if status == 413:
            error = _("That is too much to check at once (the limit is %(limit)s). Paste only "
                      "the message that worries you, or save it without its attachments.",
                      limit=fmt_bytes(app.config["GUARD_MAX_REQUEST_BYTES"]))
        elif status == 429:
            wait = format_timedelta(datetime.timedelta(seconds=_retry_seconds()),
                                    threshold=1.0, add_direction=False)
            error = _("Too many checks from your connection in a short time. Wait %(wait)s "
                      "and try again: your text is still in the form below.", wait=wait)
        elif status == 404:
            error = _("There is no page at this address.")
        elif status == 405:
            error = _("This page cannot be used that way. Start again from the form.")
        else:
            error = _("The form could not be read. Start again from the form.")
        body, _s = _page(lang, status, error=error, form=shown)
        return body, status, extra

    @app.errorhandler(Exception)
    def _internal(e: Exception):
        # Logged by GuardFlask.log_exception without the exception's text.
        app.log_exception((type(e), e, e.__traceback__))
        if _wants_json():
            return _json_error(500, "internal_error", "internal error; the message was not stored")
        lang = _set_lang(negotiated_lang())
        body, _s = _page(lang, 500, error=_(
            "Something went wrong on our side. Your message was not stored. Please try again."))
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
        # if a shared store (Redis, ...) is down, keep serving with in-memory
        # counters, and go back to the store once it answers again
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        key_prefix="guard",
    )
    shared = limiter.shared_limit(rate, scope="check", methods=["POST"])
    for ep in CHECK_ENDPOINTS:
        app.view_functions[ep] = shared(app.view_functions[ep])
    app.extensions["guard_limiter"] = limiter
