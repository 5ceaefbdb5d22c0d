"""The OpenAPI 3.1 description of the JSON API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from guard import CATEGORIES, __version__
from guard.model import INCOMPLETE, SCHEMA, WARNING_POINTS

from .catalogs import LANGS

# What web.views.looks_like_eml accepts, as an ECMA-262 pattern.
EML_PATTERN = r"^[\r\n\t ]*\uFEFF?(From [^\n]*\n)?[!-9;-~]{1,76}:"

_ERROR_CODES = {
    "400": ("The body is not valid JSON.", ["bad_json", "bad_request"]),
    "413": ("The request or the message is larger than the server's limits.",
            ["request_too_large", "message_too_long"]),
    "415": ("The body is neither application/json nor message/rfc822.",
            ["unsupported_media_type"]),
    "422": ("The JSON is valid but its fields are not (missing or empty message, "
            "wrong types, unknown language, sender too long), or a message/rfc822 "
            "body does not begin like an e-mail (the page's upload gives the same answer).",
            ["invalid_field", "message_empty", "sender_too_long", "not_an_email"]),
    "429": ("Too many requests from this client; see Retry-After.", ["rate_limited"]),
}


def _error_response(description: str, codes: list[str], retry: bool = False) -> dict:
    resp: dict = {
        "description": description,
        "content": {"application/json": {"schema": {
            "allOf": [{"$ref": "#/components/schemas/Error"}],
            "properties": {"error": {"properties": {"code": {"enum": codes}}}},
        }}},
    }
    if retry:
        resp["headers"] = {"Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "string"},
        }}
    return resp


def spec(max_message_chars: int, max_sender_chars: int) -> dict:
    """The OpenAPI document; the limits are the running server's."""
    evidence = {
        "type": "object",
        "required": ["field", "start", "end", "text"],
        "properties": {
            "field": {"type": "string", "description": "The view (see `views`) the offsets index into."},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
            "text": {"type": "string", "description": "Exactly views[field][start:end]; may be empty."},
            "detail": {"type": "string"},
        },
    }
    finding = {
        "type": "object",
        "required": ["rule_id", "category", "severity", "confidence", "title",
                     "explanation", "breaks", "score", "evidence"],
        "properties": {
            "rule_id": {"type": "string"},
            "category": {"enum": list(CATEGORIES)},
            "severity": {"enum": ["low", "medium", "high"]},
            "confidence": {"enum": ["low", "medium", "high"]},
            "title": {"type": "string"},
            "explanation": {"type": "string"},
            "breaks": {"enum": [*WARNING_POINTS, None],
                       "description": "Which point of the ILO's warning the finding breaks."},
            "score": {"type": "number"},
            "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}},
        },
    }
    verdict = {
        "type": "object",
        "required": ["schema", "level", "score", "claims_ilo", "lang", "findings", "advice",
                     "sender", "unknowns", "notes", "complete", "incomplete", "elapsed_ms", "version",
                     "ruleset", "views"],
        "properties": {
            "schema": {"const": SCHEMA},
            "level": {"enum": ["clear", "suspicious", "fraud"],
                      "description": "clear means no known warning sign was found, never 'safe'."},
            "score": {"type": "number"},
            "claims_ilo": {"type": "boolean"},
            "lang": {"enum": list(LANGS)},
            "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
            "advice": {"type": "array", "items": {"type": "string"}},
            "sender": {
                "type": "object",
                "properties": {
                    "address": {"type": "string"},
                    "display_name": {"type": "string"},
                    "source": {"type": "string"},
                    "domain": {"type": "string"},
                    "registered_domain": {"type": "string"},
                    "is_ilo": {"type": "boolean"},
                },
            },
            "unknowns": {"type": "array", "items": {"type": "string"}},
            "notes": {"type": "array", "items": {"type": "string"}},
            "complete": {"type": "boolean"},
            "incomplete": {"enum": [*INCOMPLETE, None],
                           "description": "Why the check stopped early (null when it completed)."},
            "elapsed_ms": {"type": "number", "minimum": 0},
            "version": {"type": "string"},
            "ruleset": {"type": "string"},
            "views": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "The texts evidence offsets index into."},
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
            },
        }},
    }
    check_request = {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {
                "type": "string", "minLength": 1, "maxLength": max_message_chars,
                "pattern": r"\S",
                "description": "The message: pasted text, or a whole RFC 5322 message with its headers.",
            },
            "sender": {"type": ["string", "null"], "maxLength": max_sender_chars,
                       "description": "The sender's address as the user saw it (optional)."},
            "lang": {"enum": [*LANGS, None],
                     "description": "Language of titles, explanations and advice."},
        },
    }
    errors = {code: _error_response(desc, codes, retry=(code == "429"))
              for code, (desc, codes) in _ERROR_CODES.items()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "guard: ILO recruitment fraud check",
            "version": __version__,
            "description": (
                "Checks one recruitment message that uses the ILO's name for the "
                "signs of fraud. Messages are never stored or logged. Requests are "
                "rate-limited per client."
            ),
        },
        "paths": {
            "/api/v1/check": {"post": {
                "operationId": "check",
                "summary": "Check one message",
                "parameters": [{
                    "name": "lang", "in": "query", "required": False,
                    "description": "Language of the answer when the body does not say "
                                   "(default: from Accept-Language, else en).",
                    "schema": {"enum": list(LANGS)},
                }],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CheckRequest"}},
                    "message/rfc822": {"schema": {
                        "type": "string", "minLength": 1,
                        # after blank lines, an optional mbox "From " line, then a header field name and ':'
                        "pattern": EML_PATTERN,
                        "description": "A whole RFC 5322 message (an .eml file's bytes): it must "
                                       "begin with a header line such as `From: ...`, else the "
                                       "answer is 422 `not_an_email`."}},
                }},
                "responses": {
                    "200": {"description": "The verdict.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Verdict"}}}},
                    **errors,
                },
            }},
            "/api/v1/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
            "/healthz": {"get": {
                "operationId": "healthz",
                "summary": "Liveness check",
                "responses": {"200": {"description": "The server is up.", "content": {
                    "application/json": {"schema": {
                        "type": "object", "required": ["status"],
                        "properties": {"status": {"const": "ok"}, "version": {"type": "string"}},
                    }}}}},
            }},
        },
        "components": {"schemas": {
            "CheckRequest": check_request,
            "Verdict": verdict,
            "Finding": finding,
            "Evidence": evidence,
            "Error": error,
        }},
    }
