"""The HTML page through Flask's test client: form, verdicts, highlights, languages."""

import io
import logging

import pytest

from guard import check
from web_helpers import GENUINE, GENUINE_PT, SCAM_EML, SCAMS, marked_offsets, parse_html, shown_views

HEADLINES = {
    "en": {"fraud": "This message shows the signs of ILO recruitment fraud.",
           "clear": "No known warning signs found."},
    "es": {"fraud": "Este mensaje presenta las señales de un fraude de contratación en nombre de la OIT.",
           "clear": "No se encontró ninguna señal de alerta conocida."},
    "fr": {"fraud": "Ce message présente les signes d'une fraude au recrutement au nom de l'OIT.",
           "clear": "Aucun signe d'alerte connu n'a été trouvé."},
    "pt": {"fraud": "Esta mensagem tem os sinais de uma fraude de recrutamento em nome da OIT.",
           "clear": "Não foi encontrado nenhum sinal de alerta conhecido."},
}


def post(client, message="", sender="", lang=None, **extra):
    data = {"message": message, "sender": sender}
    if lang:
        data["lang"] = lang
    data.update(extra)
    return client.post("/", data=data, content_type="multipart/form-data")


# -- the start page ---------------------------------------------------------------

def test_start_page_has_a_post_form_that_works_without_javascript(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    doc, tags = parse_html(r.data)
    form = doc.find("form", id="check-form")
    assert form.attrs["method"] == "post"          # the message never goes in a URL
    assert form.attrs["enctype"] == "multipart/form-data"
    names = {n.attrs.get("name") for n in form.find_all()}
    assert {"message", "sender", "eml", "lang"} <= names
    assert form.find("button", type="submit") is not None
    # every form control has a label
    labels = {n.attrs["for"] for n in doc.find_all("label")}
    assert {"message", "sender", "eml"} <= labels
    # only local assets
    assets = [(tag, attrs.get("src") or attrs.get("href") or "")
              for tag, attrs in tags if tag in ("script", "link", "img", "iframe")]
    assert {t for t, _ in assets} == {"script", "link"}
    for tag, url in assets:
        assert url.startswith("/static/"), (tag, url)


@pytest.mark.parametrize("header,lang,word", [
    ("en-GB,en;q=0.9", "en", "Check the message"),
    ("es-MX,es;q=0.9,en;q=0.5", "es", "Verificar el mensaje"),
    ("fr-CA,fr;q=0.8", "fr", "Vérifier le message"),
    ("pt-BR", "pt", "Verificar a mensagem"),
    ("pt-PT,pt;q=0.9,en;q=0.5", "pt", "Verificar a mensagem"),
    ("pt", "pt", "Verificar a mensagem"),
    ("pt-AO,es;q=0.5", "pt", "Verificar a mensagem"),     # the browser's first choice, by main subtag
    ("es;q=0.4,pt-BR;q=0.8", "pt", "Verificar a mensagem"),
    ("fr-CA,en;q=0.5", "fr", "Vérifier le message"),
    ("pt;q=0,en", "en", "Check the message"),              # q=0: not wanted
    ("de-DE,de;q=0.9", "en", "Check the message"),
])
def test_language_follows_accept_language(client, header, lang, word):
    r = client.get("/", headers={"Accept-Language": header})
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == lang
    assert doc.find("button", id="check-button").text() == word


def test_language_switcher_links_and_query(client):
    r = client.get("/", headers={"Accept-Language": "en"})
    doc, _ = parse_html(r.data)
    nav = doc.find("nav", cls="langs")
    links = {a.attrs["hreflang"]: a.attrs["href"] for a in nav.find_all("a")}
    assert set(links) == {"es", "fr", "pt"}
    assert nav.find("span", cls="lang-current").text() == "English"
    assert nav.find("a", hreflang="pt").text() == "Português"
    r = client.get(links["fr"])
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "fr"
    assert doc.find("input", name="lang").attrs["value"] == "fr"


def test_a_message_in_the_url_is_not_checked(client):
    r = client.get("/", query_string={"message": SCAMS["en"][0]})
    assert r.status_code == 200
    assert b"verdict-headline" not in r.data
    assert b"Western Union" not in r.data


# -- verdicts ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "es", "fr", "pt"])
def test_scam_in_each_language_gets_fraud_headline_and_highlights(client, lang):
    message, sender = SCAMS[lang]
    r = post(client, message, sender, lang=lang)
    assert r.status_code == 200
    doc, _ = parse_html(r.data)
    verdict = doc.find("section", id="verdict")
    assert verdict.attrs["data-level"] == "fraud"
    assert doc.find("h1", id="verdict-headline").text() == HEADLINES[lang]["fraud"]
    # the words say the level; the icon only repeats it
    assert doc.find("svg").attrs.get("aria-hidden") == "true"
    # the findings and advice are in the page's language (from the rule packs)
    v = check(message, sender=sender, lang=lang)
    shown = {li.attrs["data-rule"]: li.find("h3").text() for li in doc.find_all("li", cls="finding")}
    assert len(shown) == len(v.findings) > 0
    for f in v.findings:
        assert f.title in shown[f.rule_id]
    advice = [li.text() for li in doc.find("ul", cls="advice").find_all("li")]
    assert advice == v.advice
    # at least one finding says which point of the ILO's warning it breaks
    assert doc.find_all("p", cls="breaks")
    found = {li.attrs["data-point"] for li in doc.find_all("li", cls="point")
             if li.attrs["data-status"] == "found"}
    assert found >= {f.breaks for f in v.findings if f.breaks}
    assert found == {"no_fee", "ilo_org_only", "no_bank_details"}
    assert doc.find_all("mark")


def test_genuine_message_is_clear_and_never_called_safe(client):
    message, sender = GENUINE
    r = post(client, message, sender, lang="en")
    doc, _ = parse_html(r.data)
    assert doc.find("section", id="verdict").attrs["data-level"] == "clear"
    assert doc.find("h1", id="verdict-headline").text() == HEADLINES["en"]["clear"]
    text = doc.find("main").text().lower()
    assert "safe" not in text
    assert "does not prove" in text
    assert not doc.find_all("mark")


def test_shown_message_is_the_checked_text_with_every_evidence_span_marked(client):
    message, sender = SCAMS["en"]
    r = post(client, message, sender, lang="en")
    doc, _ = parse_html(r.data)
    v = check(message, sender=sender, lang="en")
    shown = shown_views(doc)
    # the page numbers findings in its own reading order
    number = {li.attrs["data-rule"]: int(li.attrs["id"].split("-")[1])
              for li in doc.find_all("li", cls="finding")}
    # every view is shown back exactly (escaping round-trips, nothing added or lost)
    assert shown == {k: t for k, t in v.views.items() if t}
    spans = 0
    for f in v.findings:
        n = number[f.rule_id]
        for i, e in enumerate(f.evidence, 1):
            if not e.text:
                continue
            spans += 1
            marks = marked_offsets(doc, e.field)
            for pos in range(e.start, e.end):
                assert n in marks.get(pos, set()), (f.rule_id, e)
            # the evidence is linked both ways: mark -> finding, finding -> mark
            # (a span inside another quoted span of the same finding is not quoted twice)
            assert doc.find("span", id=f"ev-{n}-{i}") is not None
            # every piece of evidence has its "show it in the message" link (repeated
            # ones inside a folded <details>)
            assert doc.find("a", href=f"#ev-{n}-{i}") is not None
    assert spans > 0
    # text outside every span is not marked
    for field_name, text in shown.items():
        covered = set()
        for f in v.findings:
            for e in f.evidence:
                if e.field == field_name:
                    covered.update(range(e.start, e.end))
        assert set(marked_offsets(doc, field_name)) == covered
    # each run of highlighted text ends with links to its findings
    refs = {a.attrs["href"] for a in doc.find_all("a", cls="ref")}
    assert refs == {f"#finding-{number[f.rule_id]}" for f in v.findings
                    if any(e.text for e in f.evidence)}
    for ref in refs:
        assert doc.find("li", id=ref[1:]) is not None


def test_pasted_whole_message_shows_headers_as_fields(client):
    r = post(client, SCAM_EML.decode().replace("\r\n", "\n"))
    doc, _ = parse_html(r.data)
    fields = [d.attrs["data-field"] for d in doc.find_all("div", cls="msg-field")]
    assert fields[0] == "subject" and "from" in fields and fields[-1] == "body"
    assert shown_views(doc)["subject"] == "ILO job offer - processing fee required"
    assert doc.find("section", id="verdict").attrs["data-level"] != "clear"


def test_textarea_keeps_the_message_for_a_second_look(client):
    message = "\nLeading newline kept & <angle> \"quotes\"\n"
    r = post(client, message)
    doc, _ = parse_html(r.data)
    ta = doc.find("textarea", id="message")
    # the HTML parser drops one newline right after <textarea>, as browsers do
    assert ta.text()[1:] == message


def test_genuine_portuguese_message_is_clear_in_portuguese(client):
    message, sender = GENUINE_PT
    r = post(client, message, sender, lang="pt")
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "pt"
    assert doc.find("section", id="verdict").attrs["data-level"] == "clear"
    assert doc.find("h1", id="verdict-headline").text() == HEADLINES["pt"]["clear"]
    assert not doc.find_all("mark") and not doc.find_all("li", cls="finding")
    advice = [li.text() for li in doc.find("ul", cls="advice").find_all("li")]
    assert advice == check(message, sender=sender, lang="pt").advice
    assert advice[0].startswith("Não foi encontrado nenhum sinal de alerta conhecido.")
    assert "segur" not in doc.find("main").text().lower()       # never "seguro" / "segura" (safe)


def test_portuguese_result_shows_portuguese_titles_details_and_advice(client):
    message, sender = SCAMS["pt"]
    r = post(client, message, sender, lang="pt")
    page = r.get_data(as_text=True)
    assert "Pede que pague uma taxa" in page                               # a title
    assert "A OIT nunca pede dados bancários aos candidatos." in page      # the warning's point
    assert "gmail.com é um serviço de e-mail gratuito" in page             # an evidence detail
    assert "Não pague nada." in page                                       # advice
    for english in ("Asks you to pay a fee", "is a free-mail provider", "Do not pay anything"):
        assert english not in page


def test_switch_to_and_from_portuguese_rechecks_the_same_form(client):
    message, sender = SCAMS["pt"]
    r = post(client, message, sender, lang="en", ui_lang="pt")
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "pt"
    assert doc.find("h1", id="verdict-headline").text() == HEADLINES["pt"]["fraud"]
    buttons = {b.attrs["value"] for b in doc.find("nav", cls="langs").find_all("button")}
    assert buttons == {"en", "es", "fr"}
    assert doc.find("input", name="lang").attrs["value"] == "pt"
    r = post(client, message, sender, lang="pt", ui_lang="es")
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "es"
    assert doc.find("h1", id="verdict-headline").text() == HEADLINES["es"]["fraud"]
    assert doc.find("textarea", id="message").text()[1:] == message


def test_result_page_language_buttons_recheck_the_same_form(client):
    message, sender = SCAMS["es"]
    r = post(client, message, sender, lang="en")
    doc, _ = parse_html(r.data)
    buttons = {b.attrs["value"]: b for b in doc.find("nav", cls="langs").find_all("button")}
    assert set(buttons) == {"es", "fr", "pt"}
    assert all(b.attrs["form"] == "check-form" and b.attrs["name"] == "ui_lang"
               for b in buttons.values())
    # what the browser sends when "Español" is pressed
    r = post(client, message, sender, lang="en", ui_lang="es")
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "es"
    assert doc.find("h1", id="verdict-headline").text() == HEADLINES["es"]["fraud"]
    # the switcher with nothing to check just changes the language
    r = post(client, "", "", lang="en", ui_lang="fr")
    assert r.status_code == 200
    doc, _ = parse_html(r.data)
    assert doc.find("html").attrs["lang"] == "fr" and doc.find("div", cls="error") is None


# -- the .eml upload --------------------------------------------------------------

def test_eml_upload_is_checked(client):
    r = client.post("/", data={"message": "", "sender": "", "lang": "en",
                               "eml": (io.BytesIO(SCAM_EML), "offer.eml")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    doc, _ = parse_html(r.data)
    assert doc.find("section", id="verdict").attrs["data-level"] == check(SCAM_EML).level.value
    assert doc.find("section", id="verdict").attrs["data-level"] != "clear"
    assert "File: offer.eml" in doc.find("section", id="verdict").text()
    assert "ilo.jobs.desk@gmail.com" in shown_views(doc)["from"]
    # the textarea stays empty: the file was not copied into the page's form
    assert doc.find("textarea", id="message").text().strip() == ""


def test_file_wins_over_pasted_text_and_says_so(client):
    r = client.post("/", data={"message": "something else", "lang": "en",
                               "eml": (io.BytesIO(SCAM_EML), "offer.eml")},
                    content_type="multipart/form-data")
    doc, _ = parse_html(r.data)
    assert "the file was checked" in doc.find("section", id="verdict").text()
    assert "something else" not in shown_views(doc).get("body", "")


def test_a_file_that_is_not_an_email_gets_a_friendly_error(client):
    r = client.post("/", data={"message": "", "lang": "en",
                               "eml": (io.BytesIO(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "cv.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 422
    doc, _ = parse_html(r.data)
    err = doc.find("div", cls="error")
    assert err.attrs["role"] == "alert"
    assert "does not look like a saved e-mail" in err.text()


# -- errors on the page --------------------------------------------------------------

def test_empty_form_is_422_with_a_friendly_message(client):
    r = post(client, "   \n ", "", lang="fr")
    assert r.status_code == 422
    doc, _ = parse_html(r.data)
    assert "Collez un message" in doc.find("div", cls="error").text()


def test_message_over_the_character_limit_is_413(make_app):
    client = make_app(GUARD_MAX_MESSAGE_CHARS=100).test_client()
    r = post(client, "x" * 101, lang="en")
    assert r.status_code == 413
    assert "the limit is 100 characters" in parse_html(r.data)[0].find("div", cls="error").text()
    assert post(client, "ILO " * 25, lang="en").status_code == 200


def test_request_over_the_byte_limit_is_413_page(make_app):
    client = make_app(GUARD_MAX_REQUEST_BYTES=2048).test_client()
    r = post(client, "y" * 5000, lang="en")
    assert r.status_code == 413
    doc, _ = parse_html(r.data)
    assert "too much to check at once" in doc.find("div", cls="error").text()
    assert "2 kB" in doc.find("div", cls="error").text()


def test_sender_over_the_limit_is_422(client):
    r = post(client, "hello", "a" * 1001 + "@example.com", lang="en")
    assert r.status_code == 422


@pytest.mark.parametrize("path,status", [("/nope", 404), ("/static/nope.css", 404)])
def test_unknown_page_is_a_friendly_404(client, path, status):
    r = client.get(path, headers={"Accept-Language": "es"})
    assert r.status_code == status
    assert "No hay ninguna página" in r.get_data(as_text=True)


def test_wrong_method_is_405_with_allow_header(client):
    r = client.put("/")
    assert r.status_code == 405
    assert "POST" in r.headers["Allow"]


# -- privacy and headers ---------------------------------------------------------------

SECURITY = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _assert_security_headers(r):
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    for k, v in SECURITY.items():
        assert r.headers[k] == v, k


def test_security_headers_on_every_kind_of_response(make_app):
    client = make_app(GUARD_MAX_REQUEST_BYTES=4096).test_client()
    responses = [
        client.get("/"),
        post(client, *SCAMS["en"], lang="en"),
        post(client, ""),                                   # 422
        post(client, "z" * 10000),                          # 413
        client.get("/static/style.css"),
        client.get("/static/app.js"),
        client.get("/missing"),                             # 404
        client.delete("/"),                                 # 405
        client.get("/healthz"),
        client.get("/api/v1/openapi.json"),
        client.post("/api/v1/check", json={"message": "hi"}),
        client.post("/api/v1/check", data="x", content_type="text/csv"),  # 415
    ]
    for r in responses:
        _assert_security_headers(r)


def test_pages_and_answers_are_not_cached(client):
    for r in (client.get("/"), post(client, *SCAMS["en"], lang="en"), post(client, ""),
              client.post("/api/v1/check", json={"message": "hi"}), client.get("/healthz")):
        assert r.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/style.css").headers.get("Cache-Control", "")


def test_no_cookies_are_set(client):
    for r in (client.get("/?lang=es"), post(client, *SCAMS["en"], lang="en")):
        assert "Set-Cookie" not in r.headers


def test_the_message_is_not_logged_even_on_an_internal_error(client, monkeypatch, caplog):
    marker = "Secret-Marker-7781 pay the fee to ilo.marker@gmail.com"
    caplog.set_level(logging.DEBUG)
    post(client, marker, "marker.sender@gmail.com")

    def boom(*a, **k):
        raise RuntimeError(f"failed on {a[0]!r}")   # an error whose text quotes the message

    monkeypatch.setattr("web.views.check", boom)
    r = post(client, marker, "marker.sender@gmail.com", lang="en")
    assert r.status_code == 500
    assert "Your message was not stored" in r.get_data(as_text=True)
    assert marker not in r.get_data(as_text=True)
    r = client.post("/api/v1/check", json={"message": marker})
    assert r.status_code == 500 and r.json["error"]["code"] == "internal_error"
    assert "Secret-Marker-7781" not in caplog.text
    assert "marker.sender" not in caplog.text
    assert "RuntimeError" in caplog.text       # the error itself is still reported


def test_uploaded_file_stays_in_memory(client, monkeypatch):
    """Werkzeug spools uploads over 500 kB to a temporary file; this app must not."""
    import werkzeug.formparser
    import werkzeug.wrappers.request

    def no_disk(*a, **k):
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(werkzeug.formparser, "default_stream_factory", no_disk)
    monkeypatch.setattr(werkzeug.wrappers.request, "default_stream_factory", no_disk, raising=False)
    big = SCAM_EML + b"padding line to make the file large\r\n" * 20000   # ~740 kB
    r = client.post("/", data={"lang": "en", "eml": (io.BytesIO(big), "big.eml")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    assert "big.eml" in r.get_data(as_text=True)
