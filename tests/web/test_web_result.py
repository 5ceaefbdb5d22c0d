"""The result page as a candidate reads it (issue 12's points, through the test client).

The browser-only points (where "show it in the message" lands, printing,
three phone screens) are in test_web_browser.py.
"""

import io
import os

import pytest

from guard import Evidence, Finding, Level, Verdict, check
from web_helpers import SCAM_EML, SCAMS, parse_html, shown_views

# A real message the engine calls "clear" while listing one finding (a deadline).
CLEAR_WITH_A_SIGN = "Dear candidate, thank you for your interest in the job. Please reply within 24 hours."
BODY_ONLY = "Dear candidate, the ILO invites you to an interview in Geneva next month."


def post(client, message="", sender="", lang="en", **extra):
    data = {"message": message, "sender": sender, "lang": lang}
    data.update(extra)
    return client.post("/", data=data, content_type="multipart/form-data")


def points(doc):
    return {li.attrs["data-point"]: li for li in doc.find_all("li", cls="point")}


# -- 1. the headline matches the findings; the box never says "no sign" next to one ----

def test_a_clear_verdict_with_a_finding_does_not_say_nothing_was_found(client):
    v = check(CLEAR_WITH_A_SIGN, lang="en")
    assert v.level == Level.CLEAR and len(v.findings) == 1     # what the engine says today
    doc, _ = parse_html(post(client, CLEAR_WITH_A_SIGN).data)
    headline = doc.find("h1", id="verdict-headline").text()
    assert "No known warning signs found" not in headline
    assert "1 warning sign was found" in headline
    assert "No known warning signs" not in doc.find("section", id="verdict").text()
    assert doc.find("h2", id="findings-heading").text() == "What was found (1)"


def _clear_fee_verdict(message, **kwargs):
    """What the engine's point-1 bug looked like: a visible fee request, level clear,
    and a fee finding whose ``breaks`` is not set."""
    i = message.index("fee")
    f = Finding(rule_id="GRD101", category="fee_request", severity="low", confidence="low",
                title="Asks you to pay a fee", explanation="why",
                evidence=[Evidence("body", i, i + 3, "fee")], breaks=None)
    return Verdict(level=Level.CLEAR, score=1, findings=[f], advice=[], views={"body": message},
                   lang=kwargs.get("lang", "en"))


def test_the_warning_box_never_says_no_sign_for_a_point_with_a_finding(client, monkeypatch):
    monkeypatch.setattr("web.views.check", _clear_fee_verdict)
    message = "The ILO offers you a post. A small fee of 50 USD is needed."
    doc, _ = parse_html(post(client, message).data)
    fee = points(doc)["no_fee"]
    assert fee.attrs["data-status"] == "found"
    assert "no sign" not in fee.text().lower()
    assert fee.find("a", href="#finding-1") is not None
    assert "No known warning signs found" not in doc.find("h1", id="verdict-headline").text()


# -- 2. an unknown sender is "not checked", with the sender field right there ----------------

def test_pasted_body_only_says_the_sender_was_not_checked_and_asks_for_it(client):
    doc, _ = parse_html(post(client, BODY_ONLY).data)
    ilo = points(doc)["ilo_org_only"]
    assert ilo.attrs["data-status"] == "not_checked"
    assert "no sign" not in ilo.text().lower()
    assert "not known" in ilo.text()
    field = ilo.find("input", id="sender-inline")
    assert field.attrs["form"] == "check-form" and field.attrs["name"] == "sender_inline"
    assert ilo.find("label", **{"for": "sender-inline"}) is not None
    button = ilo.find("button", id="recheck-button")
    assert button.attrs["form"] == "check-form" and button.attrs["type"] == "submit"


def test_rechecking_with_the_typed_sender_keeps_the_pasted_text(client):
    # what the browser sends when the sender is typed in the point and the button pressed
    r = post(client, BODY_ONLY, sender="", sender_inline="ILO HR <ilo.hr@gmail.com>")
    doc, _ = parse_html(r.data)
    assert doc.find("textarea", id="message").text()[1:] == BODY_ONLY
    assert doc.find("input", id="sender").attrs["value"] == "ILO HR <ilo.hr@gmail.com>"
    assert points(doc)["ilo_org_only"].attrs["data-status"] == "found"
    assert doc.find("section", id="verdict").attrs["data-level"] != "clear"


def test_a_known_sender_is_checked(client):
    doc, _ = parse_html(post(client, BODY_ONLY, sender="hrd@ilo.org").data)
    assert points(doc)["ilo_org_only"].attrs["data-status"] == "checked"
    assert doc.find("input", id="sender-inline") is None


# -- 3. switching language after an upload explains that the file must be chosen again -------

def test_language_switch_after_an_upload_explains_and_offers_the_file_field(client):
    r = client.post("/", data={"lang": "en", "eml": (io.BytesIO(SCAM_EML), "offer.eml")},
                    content_type="multipart/form-data")
    doc, _ = parse_html(r.data)
    form = doc.find("form", id="check-form")
    assert form.find("input", name="from_file").attrs["value"] == "1"
    assert form.find("input", name="checked_file").attrs["value"] == "offer.eml"
    # the browser re-sends the form (its file field now empty) with the language pressed
    r = post(client, "", lang="en", ui_lang="fr", from_file="1", checked_file="offer.eml")
    assert r.status_code == 200
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "fr"
    notice = doc.find("div", id="notice").text()
    assert "offer.eml" in notice and "choisissez à nouveau le fichier" in notice
    assert "autofocus" in doc.find("input", id="eml").attrs
    assert doc.find("div", cls="error") is None


# -- 4. 413 and 429 in the chosen language; 429 keeps the pasted text -------------------------

def test_the_form_posts_to_a_url_that_names_its_language(client):
    doc, _ = parse_html(client.get("/?lang=es").data)
    assert doc.find("form", id="check-form").attrs["action"] == "/?lang=es"


def test_413_for_a_too_large_form_is_in_the_forms_language(make_app):
    client = make_app(GUARD_MAX_REQUEST_BYTES=2048).test_client()
    # the body is never read, so the language comes from the form's action URL
    r = client.post("/?lang=es", data={"message": "y" * 5000, "lang": "es"},
                    headers={"Accept-Language": "en"})
    assert r.status_code == 413
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "es"
    assert "Es demasiado para verificar" in doc.find("div", cls="error").text()


def test_429_is_in_the_forms_language_and_keeps_the_pasted_text(make_app):
    client = make_app(GUARD_RATELIMIT="1 per minute").test_client()
    message, sender = SCAMS["fr"]
    assert post(client, message, sender, lang="fr").status_code == 200
    r = client.post("/?lang=fr", data={"message": message, "sender": sender, "lang": "fr"},
                    headers={"Accept-Language": "en"})
    assert r.status_code == 429
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "fr"
    err = doc.find("div", cls="error").text()
    assert "Trop de vérifications" in err and "minute" in err
    assert doc.find("textarea", id="message").text()[1:] == message
    assert doc.find("input", id="sender").attrs["value"] == sender
    assert int(r.headers["Retry-After"]) > 0


# -- 8. no Python internals, no NUL bytes --------------------------------------------------

def test_a_malformed_sender_is_explained_in_the_pages_language(client):
    eml = (b"From: ILO <ilo-jobs>\r\nTo: you@example.net\r\nSubject: Offer\r\n\r\n"
           b"La OIT le ofrece un puesto. Debe pagar una cuota de 100 USD.\r\n")
    r = client.post("/", data={"lang": "es", "eml": (io.BytesIO(eml), "oferta.eml")},
                    content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    for internal in ("Defect", "not a valid address", "@-sign", "Traceback"):
        assert internal not in page
    doc, _ = parse_html(r.data)
    details = [d.text() for d in doc.find_all("span", cls="detail")]
    assert any("qué está mal" in d for d in details), details


def test_a_typed_sender_with_control_characters_is_explained_not_dumped(client):
    r = post(client, "The ILO asks a processing fee of 100 USD", sender="ilo\x00x@@gmail.com",
             lang="fr")
    page = r.get_data(as_text=True)
    assert "Defect" not in page and "U+0000" not in page
    assert "\x00" not in page and "&#0;" not in page


def test_nul_bytes_from_an_upload_are_never_echoed(client):
    eml = (b"From: ILO Jobs <ilo.jobs\x00desk@gmail.com>\r\nSubject: Offer\x00\x00 now\r\n\r\n"
           b"The ILO selected you.\x00 You must pay a registration fee of 200 USD.\r\n")
    r = client.post("/", data={"lang": "en", "eml": (io.BytesIO(eml), "of\x00fer.eml")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    assert b"\x00" not in r.data and b"&#0;" not in r.data and b"&#x0;" not in r.data.lower()
    doc, _ = parse_html(r.data)
    assert "\ufffd" in shown_views(doc)["subject"]
    assert doc.find("section", id="verdict").attrs["data-level"] != "clear"


# -- 9. HEAD, cross-site POSTs, raw bytes to the API, French numbers ----------------------------

def test_head_answers_like_get(client):
    get, head = client.get("/?lang=fr"), client.head("/?lang=fr")
    assert head.status_code == get.status_code == 200
    assert head.data == b""
    for h in ("Content-Type", "Content-Security-Policy", "Cache-Control", "Content-Length"):
        assert head.headers[h] == get.headers[h], h


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://scam.example"},
    {"Origin": "null"},
])
def test_cross_site_form_posts_are_refused_with_a_friendly_page(client, headers, monkeypatch):
    calls = []
    monkeypatch.setattr("web.views.check", lambda *a, **k: calls.append(a))
    message, sender = SCAMS["es"]
    r = client.post("/", data={"message": message, "sender": sender, "lang": "es"},
                    headers={**headers, "Accept-Language": "es"})
    assert r.status_code == 403
    assert calls == []                                # nothing was checked
    doc, _ = parse_html(r.data)
    assert doc.find("section", id="verdict") is None
    err = doc.find("div", cls="error")
    assert err.attrs["data-kind"] == "cross_site" and "otro sitio web" in err.text()
    # the crafted message is not shown back
    assert message[:40] not in r.get_data(as_text=True)
    assert doc.find("textarea", id="message").text().strip() == ""


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    {"Origin": "http://localhost"},
    {"Sec-Fetch-Site": "none"},
    {},                                               # curl and scripts send neither
])
def test_same_origin_and_non_browser_posts_are_checked(client, headers):
    r = client.post("/", data={"message": SCAMS["en"][0], "lang": "en"}, headers=headers)
    assert r.status_code == 200
    assert parse_html(r.data)[0].find("section", id="verdict") is not None


def test_random_bytes_get_the_same_not_an_email_answer_from_the_api_and_the_page(client):
    junk = os.urandom(300_000)
    api = client.post("/api/v1/check", data=junk, content_type="message/rfc822")
    assert api.status_code == 422
    assert api.json["error"]["code"] == "not_an_email"
    page = client.post("/", data={"lang": "en", "eml": (io.BytesIO(junk), "x.eml")},
                       content_type="multipart/form-data")
    assert page.status_code == 422
    assert "does not look like a saved e-mail" in page.get_data(as_text=True)
    # a real message is still checked
    assert client.post("/api/v1/check", data=SCAM_EML,
                       content_type="message/rfc822").status_code == 200


def test_french_page_writes_the_character_limit_as_a_french_number(client):
    hint = parse_html(client.get("/?lang=fr").data)[0].find("p", id="message-hint").text()
    assert "200\u202f000 caractères" in hint
    assert "200,000" not in hint


# -- 10. where to act, copy summary, clear the form ------------------------------------------------

def test_what_to_do_now_has_real_links(client):
    from web import organisation

    links = organisation.links()
    doc, _ = parse_html(post(client, *SCAMS["en"]).data)
    act = doc.find("section", cls="act")
    hrefs = {a.attrs["href"] for a in act.find_all("a")}
    assert links["jobs_url"] in hrefs and links["jobs_url"].startswith("https://jobs.ilo.org")
    assert links["fraud_warning_url"] in hrefs
    assert links["fraud_warning_url"].startswith("https://www.ilo.org/")
    assert "mailto:" + links["report_address"] in hrefs
    # the rule pack's advice names jobs.ilo.org: it is a link there too
    advice_links = [a for a in act.find("ul", cls="advice").find_all("a")]
    assert advice_links and all(a.attrs["href"] == links["jobs_url"] for a in advice_links)


def test_summary_quotes_only_the_evidence(client):
    message, sender = SCAMS["en"]
    marker = "Kindly note our office hours are nine to five."
    doc, _ = parse_html(post(client, message + "\n" + marker, sender).data)
    summary = doc.find("textarea", id="summary-text").text()
    assert "This message shows the signs of ILO recruitment fraud." in summary
    assert "Western Union" in summary                 # evidence
    assert "No fee, ever: Found" in summary
    assert "https://jobs.ilo.org" in summary
    assert marker not in summary and "office hours" not in summary
    assert "Dear candidate" not in summary            # not evidence
    assert doc.find("button", id="copy-summary") is not None


def test_there_is_a_way_to_clear_the_form_without_javascript(client):
    doc, _ = parse_html(post(client, *SCAMS["es"], lang="es").data)
    clear = doc.find("a", id="clear-form")
    assert clear.attrs["href"] == "/?lang=es"
    assert doc.find("a", id="start-again").attrs["href"] == "/?lang=es"
