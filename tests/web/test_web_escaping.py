"""Everything a user sends is escaped when shown back, highlights included."""

import pytest

from guard import check
from web_helpers import parse_html, shown_views

PAYLOADS = [
    "<script>alert('xss-1')</script>",
    '"><img src=x onerror=alert("xss-2")>',
    "' onmouseover='alert(3)' x='",
    "javascript:alert('xss-4')",
    "</textarea><script>alert(5)</script>",
    "</mark><a href=javascript:alert(6)>click</a><mark>",
    "{{ 7*7 }} {% raw %}",
    "&lt;b&gt;already escaped&lt;/b&gt; &amp;",
]

# tags the page itself uses; anything else would have come from user text
PAGE_TAGS = {
    "html", "head", "meta", "title", "link", "script", "body", "a", "header", "p", "nav",
    "ul", "li", "span", "button", "main", "section", "div", "svg", "polygon", "path",
    "circle", "h1", "h2", "h3", "strong", "ol", "q", "mark", "form", "input", "label",
    "textarea", "footer", "details", "summary",
}


def assert_no_injection(html: bytes, payloads=PAYLOADS):
    text = html.decode()
    doc, tags = parse_html(html)
    for tag, attrs in tags:
        assert tag in PAGE_TAGS, f"unexpected element <{tag}>"
        for k, v in attrs.items():
            assert not k.startswith("on"), f"event handler attribute {k}"
            if k in ("href", "src", "action", "formaction"):
                assert not (v or "").strip().lower().startswith("javascript:"), v
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/")
    # every script element is the page's own (external, empty)
    for s in doc.find_all("script"):
        assert s.text() == ""
    for p in payloads:
        assert p not in text or "<" not in p and ">" not in p and '"' not in p and "'" not in p
    return doc


def _eml(subject: str, from_: str, body: str) -> bytes:
    return (f"From: {from_}\r\nTo: you@example.net\r\nSubject: {subject}\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_pasted_text_and_sender(client, payload):
    message = (f"The ILO offers you a job {payload}. You must pay a processing fee of 100 USD "
               f"{payload} to ilo.jobs@gmail.com {payload}")
    r = client.post("/", data={"message": message, "sender": f"{payload} <ilo.hr@gmail.com>",
                               "lang": "en"}, content_type="multipart/form-data")
    assert r.status_code == 200
    doc = assert_no_injection(r.data)
    views = shown_views(doc)
    # shown back exactly as typed, as text
    assert payload in views["body"]
    assert views["body"] == message
    assert doc.find("textarea", id="message").text()[1:] == message
    assert doc.find("input", id="sender").attrs["value"] == f"{payload} <ilo.hr@gmail.com>"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_subject_from_and_file_name(client, payload):
    data = _eml(f"ILO offer {payload}", f'"ILO {payload}" <ilo.offers@gmail.com>',
                f"The ILO selected you. You must pay a registration fee of 90 USD. {payload}")
    # built by hand: a browser sends '"' in a file name as %22 or \", which
    # Werkzeug's test client cannot produce
    quoted = f"{payload}.eml".replace("\\", "\\\\").replace('"', '\\"')
    body = (b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"lang\"\r\n\r\nen\r\n"
            b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"eml\"; filename=\""
            + quoted.encode() + b"\"\r\nContent-Type: message/rfc822\r\n\r\n"
            + data + b"\r\n--BOUNDARY--\r\n")
    r = client.post("/", data=body, content_type="multipart/form-data; boundary=BOUNDARY")
    assert r.status_code == 200
    doc = assert_no_injection(r.data)
    views = shown_views(doc)
    assert payload in views["subject"]
    assert payload in views["from"]
    assert f"{payload}.eml" in doc.find("section", id="verdict").text()


def test_payload_in_pasted_headers_is_shown_as_text(client):
    payload = PAYLOADS[1]
    message = (f"From: ILO <ilo.desk@gmail.com>\nSubject: {payload}\nTo: you@example.net\n\n"
               f"Dear candidate, the ILO requires a processing fee of 50 USD. {payload}\n")
    r = client.post("/", data={"message": message, "lang": "en"}, content_type="multipart/form-data")
    doc = assert_no_injection(r.data)
    assert shown_views(doc)["subject"] == payload


def test_highlight_boundaries_next_to_markup_stay_text(client):
    """Evidence spans that start or end right at '<' or '&' are split as text only."""
    sender = '<script>x</script>ilo.recruit@gmail.com<img src=x onerror=alert(1)>'
    message = ("<b>The ILO</b> offers a post. <i>You must pay a processing fee of 300 USD</i>"
               "&amp; send your bank account details</mark>&lt;")
    r = client.post("/", data={"message": message, "sender": sender, "lang": "en"},
                    content_type="multipart/form-data")
    doc = assert_no_injection(r.data, payloads=[sender, message])
    v = check(message, sender=sender)
    assert doc.find_all("mark"), "the test needs highlighted evidence"
    assert shown_views(doc) == {k: t for k, t in v.views.items() if t}
    for m in doc.find_all("mark"):
        assert all(isinstance(c, str) for c in m.children)   # marks hold text only


def test_finding_evidence_quotes_are_escaped(client):
    message = 'The ILO asks you to pay a processing fee of 100 USD"><script>alert(9)</script>'
    r = client.post("/", data={"message": message, "lang": "en"}, content_type="multipart/form-data")
    assert_no_injection(r.data, payloads=['"><script>alert(9)</script>'])


def test_api_answers_json_not_html(client):
    r = client.post("/api/v1/check", json={"message": PAYLOADS[0]})
    assert r.mimetype == "application/json"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
