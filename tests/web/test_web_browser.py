"""The page in a real browser: Debian's headless Chromium driven by Playwright.

Pastes a scam in each language and a genuine ILO message, checks the
verdict, the highlighted evidence and the language switch, works with
JavaScript off, runs axe-core, and saves screenshots (desktop and phone) under
test-output/web/. Skips when Chromium or Playwright is missing, except on CI
(CI=true), where scripts/setup --test installs both and the tests must run.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest

from web_helpers import GENUINE, GENUINE_PT, SCAM_EML, SCAMS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LOCALES = {"en": "en-GB", "es": "es-ES", "fr": "fr-FR", "pt": "pt-BR"}
HEADLINE_START = {"en": "This message shows", "es": "Este mensaje presenta", "fr": "Ce message présente",
                  "pt": "Esta mensagem tem"}


def _missing(reason):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI must run the browser tests: scripts/setup --test installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pw():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing("Debian's chromium is not installed")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(pw):
    exe = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


def _serve(config):
    """The app under waitress on a free loopback port, in a thread."""
    from waitress import create_server

    from web import SETTINGS, create_app

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k in SETTINGS}
    try:
        app = create_app(config)
    finally:
        os.environ.update(saved)
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    return server, t


@pytest.fixture(scope="module")
def base_url():
    server, t = _serve({"GUARD_RATELIMIT": "off"})
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    t.join(5)


@pytest.fixture
def tight_url():
    """A server of its own with small limits: 3 checks a minute per client, 4 kB per request."""
    server, t = _serve({"GUARD_RATELIMIT": "3 per minute", "GUARD_MAX_REQUEST_BYTES": 4096})
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    t.join(5)


@pytest.fixture
def page_for(browser):
    """A fresh page; fails the test on any alert() or CSP violation in the console."""
    contexts = []

    def make(lang="en", viewport=DESKTOP, javascript=True, scheme="light", **kw):
        ctx = browser.new_context(locale=LOCALES[lang], viewport=viewport,
                                  java_script_enabled=javascript, color_scheme=scheme, **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        page.problems = []
        page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("console", lambda m: page.problems.append(f"console: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
        return page

    yield make
    for c in contexts:
        c.close()


def shot(page, name, full_page=True):
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)


def submit(page, message, sender=""):
    page.fill("#message", message)
    if sender:
        page.fill("#sender", sender)
    with page.expect_navigation():
        page.click("#check-button")


def assert_highlights(page):
    marks = page.locator(".msg-text mark")
    assert marks.count() > 0
    # every highlighted run ends with a link to a finding that exists
    refs = page.locator("a.ref")
    assert refs.count() > 0
    for i in range(refs.count()):
        target = refs.nth(i).get_attribute("href")
        assert page.locator(f"li{target}.finding").count() == 1
    # following a link lands on the finding
    first = refs.first.get_attribute("href")
    refs.first.click()
    page.wait_for_function("h => location.hash === h", arg=first)
    assert page.locator(f"li{first}").is_visible()


@pytest.mark.parametrize("lang", ["en", "es", "fr", "pt"])
def test_scam_in_each_language(page_for, base_url, lang):
    message, sender = SCAMS[lang]
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = page_for(lang, viewport)
        page.goto(base_url + "/")
        assert page.get_attribute("html", "lang") == lang
        submit(page, message, sender)
        assert page.get_attribute("#verdict", "data-level") == "fraud"
        assert page.inner_text("#verdict-headline").startswith(HEADLINE_START[lang])
        assert page.locator(".finding .breaks").count() > 0
        shot(page, f"scam-{lang}-{label}")
        assert_highlights(page)
        if label == "phone":
            # nothing wider than the phone's screen
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], width
        assert page.problems == []


def test_genuine_message_is_clear(page_for, base_url):
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = page_for("en", viewport)
        page.goto(base_url + "/")
        submit(page, *GENUINE)
        assert page.get_attribute("#verdict", "data-level") == "clear"
        assert page.inner_text("#verdict-headline") == "No known warning signs found."
        assert page.locator(".msg-text mark").count() == 0
        assert "safe" not in page.inner_text("main").lower()
        shot(page, f"genuine-en-{label}")
        assert page.problems == []


def test_genuine_portuguese_message_is_clear(page_for, base_url):
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = page_for("pt", viewport)                 # the browser asks for pt-BR
        page.goto(base_url + "/")
        assert page.get_attribute("html", "lang") == "pt"
        submit(page, *GENUINE_PT)
        assert page.get_attribute("#verdict", "data-level") == "clear"
        assert page.inner_text("#verdict-headline") == "Não foi encontrado nenhum sinal de alerta conhecido."
        assert page.locator(".msg-text mark").count() == 0
        assert "segur" not in page.inner_text("main").lower()     # never "seguro/segura" (safe)
        shot(page, f"genuine-pt-{label}")
        assert page.problems == []


def test_language_switch_to_and_from_portuguese(page_for, base_url):
    page = page_for("en", PHONE)
    page.goto(base_url + "/")
    with page.expect_navigation():
        page.click("nav.langs >> text=Português")
    assert page.get_attribute("html", "lang") == "pt"
    assert page.inner_text("#check-button") == "Verificar a mensagem"
    submit(page, *SCAMS["pt"])
    assert page.get_attribute("#verdict", "data-level") == "fraud"
    assert page.inner_text("#verdict-headline").startswith(HEADLINE_START["pt"])
    assert "Pede que pague uma taxa" in page.inner_text("section.findings")
    assert "Não pague nada." in page.inner_text("section.act")
    shot(page, "scam-pt-phone-switched")
    # and back to English: the same message, re-checked
    with page.expect_navigation():
        page.click("nav.langs >> text=English")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#verdict-headline").startswith(HEADLINE_START["en"])
    assert page.input_value("#message") == SCAMS["pt"][0]
    assert "Asks you to pay a fee" in page.inner_text("section.findings")
    assert page.problems == []


def test_language_switch(page_for, base_url):
    page = page_for("en")
    page.goto(base_url + "/")
    assert page.inner_text("#check-button") == "Check the message"
    with page.expect_navigation():
        page.click("nav.langs >> text=Español")
    assert page.get_attribute("html", "lang") == "es"
    assert page.inner_text("#check-button") == "Verificar el mensaje"
    submit(page, *SCAMS["fr"])
    assert page.inner_text("#verdict-headline").startswith(HEADLINE_START["es"])
    # on the result page the switcher re-checks the same message in French
    with page.expect_navigation():
        page.click("nav.langs >> text=Français")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("#verdict-headline").startswith(HEADLINE_START["fr"])
    assert page.input_value("#message") == SCAMS["fr"][0]
    assert page.get_attribute("#verdict", "data-level") == "fraud"
    shot(page, "switched-to-fr")
    assert page.problems == []


def test_works_with_javascript_off(page_for, base_url):
    page = page_for("en", PHONE, javascript=False)
    page.goto(base_url + "/")
    submit(page, *SCAMS["en"])
    assert page.get_attribute("#verdict", "data-level") == "fraud"
    assert page.locator(".msg-text mark").count() > 0
    with page.expect_navigation():
        page.click("nav.langs >> text=Español")
    assert page.get_attribute("html", "lang") == "es"
    shot(page, "scam-en-phone-no-javascript")


def test_eml_upload_and_hostile_text_stay_text(page_for, base_url):
    page = page_for("en")
    page.goto(base_url + "/")
    page.set_input_files("#eml", files=[{
        "name": '"><img src=x onerror=alert(1)>.eml', "mimeType": "message/rfc822",
        "buffer": SCAM_EML.replace(b"Subject: ILO job offer",
                                   b"Subject: <script>alert(2)</script> ILO job offer"),
    }])
    page.fill("#sender", "<img src=x onerror=alert(3)>")
    with page.expect_navigation():
        page.click("#check-button")
    assert page.get_attribute("#verdict", "data-level") != "clear"
    assert "<script>alert(2)</script>" in page.inner_text("[data-field=subject] .msg-text")
    assert "onerror=alert(1)>.eml" in page.inner_text("#verdict")
    assert page.locator("img").count() == 0
    assert page.problems == []
    page.goto(base_url + "/")
    hostile = ('The ILO asks you to pay a processing fee of 100 USD '
               '<script>alert(4)</script> "><svg onload=alert(5)> javascript:alert(6)')
    submit(page, hostile, "ilo.hr@gmail.com")
    assert page.locator(".msg-text svg, .msg-text script").count() == 0
    assert "<script>alert(4)</script>" in page.inner_text("[data-field=body] .msg-text")
    assert page.problems == []


def _axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


SIZES = {"phone": PHONE, "desktop": DESKTOP}
CLEAR_WITH_A_SIGN = {
    "en": "Dear candidate, thank you for your interest in the job. Please reply within 24 hours.",
    "es": "Estimado candidato: gracias por su interés en el puesto. Responda dentro de las próximas 24 horas.",
    "fr": "Cher candidat, merci de votre intérêt pour le poste. Répondez sous 24 heures.",
}
BODY_ONLY = {
    "en": "Dear candidate, the ILO invites you to an interview in Geneva next month.",
    "es": "Estimado candidato: la OIT le invita a una entrevista en Ginebra el mes próximo.",
    "fr": "Cher candidat, l'OIT vous invite à un entretien à Genève le mois prochain.",
}
NO_SIGN = {"en": "no sign", "es": "no se encontró ninguna señal", "fr": "aucun signe"}
CLEAR_HEADLINE = {"en": "No known warning signs found.",
                  "es": "No se encontró ninguna señal de alerta conocida.",
                  "fr": "Aucun signe d'alerte connu n'a été trouvé."}
LANG_NAME = {"en": "English", "es": "Español", "fr": "Français"}
OTHER = {"en": "fr", "es": "en", "fr": "es"}


def point(page, name):
    return page.locator(f"li.point[data-point={name}]")


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_headline_and_points_match_the_findings(page_for, base_url, lang, size):
    """Points 1 and 2: never calm next to a finding; an unknown sender is asked for in place."""
    page = page_for(lang, SIZES[size])
    page.goto(f"{base_url}/?lang={lang}")
    submit(page, CLEAR_WITH_A_SIGN[lang])
    assert page.get_attribute("#verdict", "data-level") == "clear"
    assert page.locator("li.finding").count() == 1
    assert page.inner_text("#verdict-headline") != CLEAR_HEADLINE[lang]
    shot(page, f"clear-with-a-sign-{lang}-{size}")
    # the sender was not given: that point says so and offers the field right there
    page.goto(f"{base_url}/?lang={lang}")
    submit(page, BODY_ONLY[lang])
    ilo = point(page, "ilo_org_only")
    assert ilo.get_attribute("data-status") == "not_checked"
    assert NO_SIGN[lang] not in ilo.inner_text().lower()
    field = ilo.locator("#sender-inline")
    assert field.is_visible()
    shot(page, f"sender-unknown-{lang}-{size}")
    field.fill("ILO Recruitment <ilo.recruit.desk@gmail.com>")
    with page.expect_navigation():
        ilo.locator("#recheck-button").click()
    assert page.input_value("#message") == BODY_ONLY[lang]
    assert point(page, "ilo_org_only").get_attribute("data-status") == "found"
    assert page.get_attribute("#verdict", "data-level") != "clear"
    assert page.problems == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_language_switch_after_an_upload_explains(page_for, base_url, lang, size):
    """Point 3."""
    page = page_for(lang, SIZES[size])
    page.goto(f"{base_url}/?lang={lang}")
    page.set_input_files("#eml", files=[{"name": "offer.eml", "mimeType": "message/rfc822",
                                         "buffer": SCAM_EML}])
    with page.expect_navigation():
        page.click("#check-button")
    assert page.get_attribute("#verdict", "data-level") == "fraud"
    other = OTHER[lang]
    with page.expect_navigation():
        page.click(f"nav.langs >> text={LANG_NAME[other]}")
    assert page.get_attribute("html", "lang") == other
    notice = page.locator("#notice")
    assert notice.is_visible() and "offer.eml" in notice.inner_text()
    assert page.evaluate("document.activeElement && document.activeElement.id") == "eml"
    assert page.locator("#error").count() == 0
    shot(page, f"upload-then-{other}-{size}")
    # choosing the file again gives the result in the new language
    page.set_input_files("#eml", files=[{"name": "offer.eml", "mimeType": "message/rfc822",
                                         "buffer": SCAM_EML}])
    with page.expect_navigation():
        page.click("#check-button")
    assert page.get_attribute("html", "lang") == other
    assert page.inner_text("#verdict-headline").startswith(HEADLINE_START[other])


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_413_and_429_in_the_chosen_language(page_for, tight_url, lang):
    """Point 4: the browser's Accept-Language is English; the page was switched to ``lang``."""
    words_413 = {"en": "too much to check", "es": "demasiado para verificar", "fr": "trop à vérifier"}
    words_429 = {"en": "Too many checks", "es": "Demasiadas verificaciones", "fr": "Trop de vérifications"}
    page = page_for("en", PHONE)
    page.goto(f"{tight_url}/?lang={lang}")
    submit(page, "z" * 6000)                         # over the 4 kB request limit
    assert page.get_attribute("html", "lang") == lang
    assert words_413[lang] in page.inner_text("#error")
    shot(page, f"error-413-{lang}")
    page.goto(f"{tight_url}/?lang={lang}")
    message, sender = SCAMS[lang]
    statuses = []
    while not statuses or statuses[-1] != 429 and len(statuses) < 5:
        page.fill("#message", message)
        with page.expect_navigation() as nav:
            page.click("#check-button")
        statuses.append(nav.value.status)
    assert statuses[-1] == 429, statuses
    assert page.get_attribute("html", "lang") == lang
    assert words_429[lang] in page.inner_text("#error")
    assert page.input_value("#message") == message
    shot(page, f"error-429-{lang}")


def _anchor_groups(page):
    """Evidence links whose anchor shares its spot with other anchors."""
    return page.evaluate("""() => [...document.querySelectorAll('.anchors')]
        .filter(g => g.children.length > 1)
        .map(g => g.lastElementChild.id === g.firstElementChild.id ? null : g.firstElementChild.id)""")


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_show_it_in_the_message_outlines_the_evidence_away_from_the_edge(page_for, base_url,
                                                                         size, javascript):
    """Point 5, in each language."""
    for lang in ("en", "es", "fr"):
        page = page_for(lang, SIZES[size], javascript=javascript)
        page.goto(f"{base_url}/?lang={lang}")
        submit(page, *SCAMS[lang])
        firsts = [i for i in _anchor_groups(page) if i]
        assert firsts, "the scam should have several pieces of evidence starting at one spot"
        # the first of several anchors at one spot: the old CSS outlined nothing for it
        target = firsts[0]
        link = page.locator(f'a.show-in-message[href="#{target}"]').first
        if not link.is_visible():                    # a repeated quote, folded away
            page.locator("li.finding details.repeated", has=link).locator("summary").click()
        link.click()
        page.wait_for_function("h => location.hash === h", arg="#" + target)
        page.wait_for_timeout(400)                   # smooth scrolling
        mark = page.locator(f"#{target}").locator("xpath=../following-sibling::mark[1]")
        assert mark.evaluate("m => getComputedStyle(m).outlineStyle") != "none"
        top = mark.evaluate("m => m.getBoundingClientRect().top")
        height = SIZES[size]["height"]
        assert 0.1 * height < top < 0.9 * height, top
        shot(page, f"show-in-message-{lang}-{size}{'' if javascript else '-nojs'}", full_page=False)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_print_shows_the_whole_message_and_phone_has_no_nested_scroll(page_for, base_url, lang):
    """Point 6."""
    long_message = SCAMS[lang][0] + "\n" + "\n".join(f"Line {i} of a long message." for i in range(120))
    page = page_for(lang, PHONE)
    page.goto(f"{base_url}/?lang={lang}")
    submit(page, long_message, SCAMS[lang][1])
    body = page.locator("[data-field=body] .msg-text")
    assert body.evaluate("e => getComputedStyle(e).overflowY") == "visible"
    assert body.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    desktop = page_for(lang, DESKTOP)
    desktop.goto(f"{base_url}/?lang={lang}")
    submit(desktop, long_message, SCAMS[lang][1])
    dbody = desktop.locator("[data-field=body] .msg-text")
    assert dbody.evaluate("e => e.scrollHeight > e.clientHeight")    # scrolls on screen
    desktop.emulate_media(media="print")
    assert dbody.evaluate("e => e.scrollHeight <= e.clientHeight + 1")   # not cut in print
    assert desktop.locator("#check-form").is_hidden()
    assert "Line 119 of a long message." in dbody.inner_text()
    shot(desktop, f"print-{lang}")
    pdf = desktop.pdf()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 3


@pytest.mark.parametrize("lang", ["en", "es", "fr", "pt"])
def test_fraud_result_fits_in_three_phone_screens_above_the_message(page_for, base_url, lang):
    """Point 7: measured in the browser (390x844)."""
    page = page_for(lang, PHONE)
    page.goto(f"{base_url}/?lang={lang}")
    submit(page, *SCAMS[lang])
    assert page.get_attribute("#verdict", "data-level") == "fraud"
    top = page.evaluate("document.querySelector('section.message').getBoundingClientRect().top"
                        " + window.scrollY")
    print(f"fraud result above the message, {lang}: {top:.0f} px = {top / PHONE['height']:.2f} screens")
    assert top <= 3 * PHONE["height"], top
    # the "goes against" line is said once per point, not under every finding
    assert page.locator(".finding .breaks").count() <= 3
    for i in range(3):
        page.screenshot(path=str(OUT / f"three-screens-{lang}-{i + 1}.png"),
                        clip={"x": 0, "y": i * PHONE["height"], "width": PHONE["width"],
                              "height": PHONE["height"]}, full_page=True)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_no_internals_and_no_nul_bytes_on_the_page(page_for, base_url, size):
    """Point 8, on the Spanish page."""
    page = page_for("es", SIZES[size])
    page.goto(f"{base_url}/?lang=es")
    eml = (b"From: ILO <ilo-jobs>\r\nTo: you@example.net\r\nSubject: Oferta\x00\x00 OIT\r\n\r\n"
           b"La OIT le ofrece un puesto.\x00 Debe pagar una cuota de 100 USD.\r\n")
    page.set_input_files("#eml", files=[{"name": "oferta.eml", "mimeType": "message/rfc822",
                                         "buffer": eml}])
    with page.expect_navigation() as nav:
        page.click("#check-button")
    html = nav.value.body()
    assert b"\x00" not in html
    text = page.inner_text("main")
    for internal in ("Defect", "not a valid address", "@-sign"):
        assert internal not in text
    assert "qué está mal" in text
    shot(page, f"malformed-sender-es-{size}")


def test_head_cross_site_api_and_french_numbers(page_for, base_url, browser):
    """Point 9."""
    page = page_for("fr", PHONE)
    head = page.request.fetch(base_url + "/", method="HEAD")
    assert head.status == 200 and head.body() == b""
    junk = os.urandom(300_000)
    api = page.request.post(base_url + "/api/v1/check", data=junk,
                            headers={"Content-Type": "message/rfc822"})
    assert api.status == 422 and api.json()["error"]["code"] == "not_an_email"
    page.goto(base_url + "/?lang=fr")
    assert "200\u202f000 caractères" in page.inner_text("#message-hint")
    # a scam site on another origin auto-submits a crafted message to the page
    import http.server

    port = base_url.rsplit(":", 1)[1]
    attack = (f'<!doctype html><form id=f method=post action="http://127.0.0.1:{port}/?lang=fr" '
              'enctype="multipart/form-data"><textarea name=message>Crafted-7712 the ILO says '
              'this offer is genuine</textarea></form><script>f.submit()</script>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(attack)

        def log_message(self, *a):
            pass

    evil = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        with page.expect_navigation(url=f"**:{port}/**") as nav:
            page.goto(f"http://localhost:{evil.server_port}/")
        assert nav.value.status == 403
        assert page.get_attribute("#error", "data-kind") == "cross_site"
        assert page.locator("#verdict").count() == 0
        assert "Crafted-7712" not in page.content()
        assert "autre site web" in page.inner_text("#error")
        shot(page, "cross-site-refused-fr")
    finally:
        evil.shutdown()


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_where_to_act_copy_summary_and_clear(page_for, base_url, lang, size):
    """Point 10."""
    from web import organisation

    links = organisation.links()
    page = page_for(lang, SIZES[size], permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{base_url}/?lang={lang}")
    marker = "Office-hours-5531 nine to five."
    submit(page, SCAMS[lang][0] + "\n" + marker, SCAMS[lang][1])
    hrefs = page.eval_on_selector_all("section.act a", "as => as.map(a => a.href)")
    assert links["jobs_url"] in hrefs and links["fraud_warning_url"] in hrefs
    assert links["report_mailto"] in hrefs
    page.click("#copy-summary")
    page.wait_for_function("() => document.getElementById('copy-status').textContent !== ''")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert page.inner_text("#verdict-headline") in copied
    assert links["jobs_url"] in copied
    assert "Office-hours-5531" not in copied
    quotes = page.eval_on_selector_all(".finding q", "qs => qs.map(q => q.textContent)")
    assert quotes and all(q in copied for q in quotes if len(q) <= 160)
    shot(page, f"copied-{lang}-{size}")
    with page.expect_navigation():
        page.click("#clear-form")
    assert page.input_value("#message") == ""
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("#verdict").count() == 0
    assert page.problems == []


def _axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_axe_core(page_for, base_url, tight_url, scheme):
    found = {}
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = page_for("en", viewport, scheme=scheme)
        page.goto(base_url + "/")
        found[f"start-{label}"] = _axe_violations(page)
        submit(page, *SCAMS["en"])
        found[f"fraud-{label}"] = _axe_violations(page)
        shot(page, f"fraud-en-{label}-{scheme}")
        page.goto(base_url + "/?lang=fr")
        submit(page, *GENUINE)
        found[f"clear-fr-{label}"] = _axe_violations(page)
        page.goto(base_url + "/?lang=es")
        submit(page, BODY_ONLY["es"])
        found[f"sender-unknown-es-{label}"] = _axe_violations(page)
        page.goto(base_url + "/?lang=pt")
        found[f"start-pt-{label}"] = _axe_violations(page)
        submit(page, *SCAMS["pt"])
        found[f"fraud-pt-{label}"] = _axe_violations(page)
        page.goto(base_url + "/?lang=pt")
        submit(page, *GENUINE_PT)
        found[f"clear-pt-{label}"] = _axe_violations(page)
        page.goto(base_url + "/?lang=fr")
        submit(page, CLEAR_WITH_A_SIGN["fr"])
        page.click("details.summary-box > summary")
        found[f"clear-signs-fr-{label}"] = _axe_violations(page)
        page.goto(base_url + "/")
        submit(page, "  ")
        found[f"error-422-{label}"] = _axe_violations(page)
        shot(page, f"error-422-{label}-{scheme}")
        page.goto(base_url + "/nope")
        found[f"error-404-{label}"] = _axe_violations(page)
        page.goto(tight_url + "/?lang=es")
        submit(page, "z" * 6000)
        found[f"error-413-{label}"] = _axe_violations(page)
    summary = {k: [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in vs]
               for k, vs in found.items() if vs}
    assert summary == {}
