"""The JSON API: answers, errors and their statuses, the OpenAPI document."""

import json

import jsonschema
import pytest
from openapi_spec_validator import validate

from guard import check
from web_helpers import GENUINE, SCAM_EML, SCAMS


@pytest.fixture
def spec(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json


def schema_validator(spec, name):
    """A jsonschema validator for one component schema, resolving $refs in the document."""
    schema = {"$ref": f"#/components/schemas/{name}", **{k: v for k, v in spec.items() if k == "components"}}
    return jsonschema.Draft202012Validator(schema)


def response_validator(spec, path, status):
    op = spec["paths"][path]["post" if path == "/api/v1/check" else "get"]
    schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": spec["components"]})


def test_openapi_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)     # raises on an invalid document
    responses = spec["paths"]["/api/v1/check"]["post"]["responses"]
    assert {"200", "400", "413", "415", "422", "429"} <= set(responses)


def test_check_json_answers_the_verdict_with_views(client, spec):
    message, sender = SCAMS["en"]
    r = client.post("/api/v1/check", json={"message": message, "sender": sender})
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    body = r.json
    response_validator(spec, "/api/v1/check", 200).validate(body)
    expected = check(message, sender=sender).to_dict(include_views=True)
    for d in (body, expected):
        d.pop("elapsed_ms")
    assert body == expected
    assert body["level"] == "fraud"
    # evidence offsets index into the views that come with the answer
    for f in body["findings"]:
        for e in f["evidence"]:
            assert body["views"][e["field"]][e["start"]:e["end"]] == e["text"]


def test_check_genuine_is_clear(client, spec):
    message, sender = GENUINE
    r = client.post("/api/v1/check", json={"message": message, "sender": sender, "lang": None})
    assert r.status_code == 200
    response_validator(spec, "/api/v1/check", 200).validate(r.json)
    assert r.json["level"] == "clear" and r.json["findings"] == []


def test_check_raw_rfc822_body(client, spec):
    r = client.post("/api/v1/check", data=SCAM_EML, content_type="message/rfc822")
    assert r.status_code == 200
    response_validator(spec, "/api/v1/check", 200).validate(r.json)
    assert r.json["level"] == check(SCAM_EML).level.value != "clear"
    assert r.json["sender"]["address"] == "ilo.jobs.desk@gmail.com"


@pytest.mark.parametrize("how,expected", [
    ({"json": {"message": SCAMS["es"][0], "lang": "es"}}, "es"),
    ({"json": {"message": SCAMS["es"][0]}, "query_string": {"lang": "fr"}}, "fr"),
    ({"json": {"message": SCAMS["es"][0], "lang": "en"}, "query_string": {"lang": "fr"}}, "en"),
    ({"json": {"message": SCAMS["es"][0]}, "headers": {"Accept-Language": "fr-FR"}}, "fr"),
    ({"json": {"message": SCAMS["pt"][0], "lang": "pt"}}, "pt"),
    ({"json": {"message": SCAMS["pt"][0]}, "headers": {"Accept-Language": "pt-BR,en;q=0.5"}}, "pt"),
    ({"data": SCAM_EML, "content_type": "message/rfc822", "query_string": {"lang": "pt"}}, "pt"),
    ({"json": {"message": SCAMS["es"][0]}}, "en"),
    ({"data": SCAM_EML, "content_type": "message/rfc822", "query_string": {"lang": "es"}}, "es"),
])
def test_language_of_the_answer(client, how, expected):
    r = client.post("/api/v1/check", **how)
    assert r.status_code == 200
    assert r.json["lang"] == expected
    # the titles and advice really are in that language
    payload = how["json"]["message"] if "json" in how else how["data"]
    v = check(payload, lang=expected)
    assert r.json["advice"] == v.advice
    assert [f["title"] for f in r.json["findings"]] == [f.title for f in v.findings]


def _err(r, status, code):
    assert r.status_code == status, r.data
    assert r.mimetype == "application/json"
    assert r.json["error"]["status"] == status
    assert r.json["error"]["code"] == code
    assert r.json["error"]["message"]
    return r.json


@pytest.mark.parametrize("body,code", [
    (b"{not json", "bad_json"),
    (b"\xff\xfe\x00garbage", "bad_json"),
    (b"[" * 100000, "bad_json"),
    (b"", "bad_json"),
])
def test_400_for_a_body_that_is_not_json(client, spec, body, code):
    r = client.post("/api/v1/check", data=body, content_type="application/json")
    response_validator(spec, "/api/v1/check", 400).validate(_err(r, 400, code))


@pytest.mark.parametrize("payload,code", [
    ([], "invalid_field"),
    ("a string", "invalid_field"),
    ({}, "invalid_field"),
    ({"message": None}, "invalid_field"),
    ({"message": 42}, "invalid_field"),
    ({"message": ["a"]}, "invalid_field"),
    ({"message": ""}, "message_empty"),
    ({"message": " \n\t "}, "message_empty"),
    ({"message": "hi", "sender": 5}, "invalid_field"),
    ({"message": "hi", "lang": "de"}, "invalid_field"),
    ({"message": "hi", "lang": 1}, "invalid_field"),
    ({"message": "hi", "sender": "a" * 1001}, "sender_too_long"),
])
def test_422_for_json_with_bad_fields(client, spec, payload, code):
    r = client.post("/api/v1/check", data=json.dumps(payload), content_type="application/json")
    response_validator(spec, "/api/v1/check", 422).validate(_err(r, 422, code))


def test_422_for_a_bad_lang_query_and_an_empty_raw_body(client):
    _err(client.post("/api/v1/check?lang=xx", json={"message": "hi"}), 422, "invalid_field")
    _err(client.post("/api/v1/check", data=b"\r\n \r\n", content_type="message/rfc822"),
         422, "message_empty")


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", ""])
def test_415_for_other_media_types(client, spec, ctype):
    r = client.post("/api/v1/check", data=b'{"message": "hi"}', content_type=ctype)
    response_validator(spec, "/api/v1/check", 415).validate(_err(r, 415, "unsupported_media_type"))


def test_json_with_charset_parameter_is_accepted(client):
    r = client.post("/api/v1/check", data=json.dumps({"message": "hi"}).encode(),
                    content_type="application/json; charset=utf-8")
    assert r.status_code == 200


def test_413_for_a_request_or_message_over_the_limits(make_app):
    app = make_app(GUARD_MAX_REQUEST_BYTES=1000, GUARD_MAX_MESSAGE_CHARS=300)
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").json
    v413 = response_validator(spec, "/api/v1/check", 413)
    v413.validate(_err(client.post("/api/v1/check", json={"message": "x" * 2000}),
                       413, "request_too_large"))
    v413.validate(_err(client.post("/api/v1/check", data=b"Subject: x\r\n\r\n" + b"y" * 2000,
                                   content_type="message/rfc822"), 413, "request_too_large"))
    v413.validate(_err(client.post("/api/v1/check", json={"message": "x" * 301}),
                       413, "message_too_long"))
    assert client.post("/api/v1/check", json={"message": "x" * 300}).status_code == 200
    # the limit is published in the document
    assert spec["components"]["schemas"]["CheckRequest"]["properties"]["message"]["maxLength"] == 300


def test_429_after_the_rate_limit_with_retry_after(make_app):
    app = make_app(GUARD_RATELIMIT="3 per minute")
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").json
    for _ in range(2):
        assert client.post("/api/v1/check", json={"message": "hi"}).status_code == 200
    # the page and the API share one budget per client
    assert client.post("/", data={"message": "hi"}).status_code == 200
    r = client.post("/api/v1/check", json={"message": "hi"})
    response_validator(spec, "/api/v1/check", 429).validate(_err(r, 429, "rate_limited"))
    assert int(r.headers["Retry-After"]) > 0
    page = client.post("/", data={"message": "hi"}, headers={"Accept-Language": "es"})
    assert page.status_code == 429
    assert "Demasiadas verificaciones" in page.get_data(as_text=True)
    # reading pages and the health check are not limited
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200
    # another client still gets through
    other = client.post("/api/v1/check", json={"message": "hi"},
                        environ_overrides={"REMOTE_ADDR": "127.0.0.2"})
    assert other.status_code == 200


def test_rate_limit_is_on_by_default(make_app):
    app = make_app(GUARD_RATELIMIT="30 per minute;300 per day")
    assert "guard_limiter" in app.extensions
    from web import SETTINGS
    assert SETTINGS["GUARD_RATELIMIT"][0] != "off"
    assert "guard_limiter" not in make_app().extensions     # the tests' "off"


def test_api_404_and_405_are_json(client):
    _err(client.get("/api/v1/nope"), 404, "not_found")
    r = client.get("/api/v1/check")
    _err(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]


def test_healthz(client, spec):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["status"] == "ok"
    jsonschema.Draft202012Validator(
        spec["paths"]["/healthz"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    ).validate(r.json)


def test_lone_surrogates_in_json_do_not_break_the_answer(client):
    r = client.post("/api/v1/check", data=b'{"message": "pay the fee \\ud800 now", "sender": "\\udfff"}',
                    content_type="application/json")
    assert r.status_code == 200
    assert "\ud800" not in r.json["views"]["body"]
