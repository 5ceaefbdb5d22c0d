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

from web_helpers import GENUINE, SCAM_EML, SCAMS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LOCALES = {"en": "en-GB", "es": "es-ES", "fr": "fr-FR"}
HEADLINE_START = {"en": "This message shows", "es": "Este mensaje presenta", "fr": "Ce message présente"}


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


@pytest.fixture(scope="module")
def base_url():
    """The app under waitress on a free loopback port, in a thread."""
    from waitress import create_server

    from web import SETTINGS, create_app

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k in SETTINGS}
    try:
        app = create_app({"GUARD_RATELIMIT": "off"})
    finally:
        os.environ.update(saved)
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    port = server.effective_port
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}"
    server.close()
    t.join(5)


@pytest.fixture
def page_for(browser):
    """A fresh page; fails the test on any alert() or CSP violation in the console."""
    contexts = []

    def make(lang="en", viewport=DESKTOP, javascript=True):
        ctx = browser.new_context(locale=LOCALES[lang], viewport=viewport,
                                  java_script_enabled=javascript)
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


def shot(page, name):
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


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


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
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


def test_accessibility_axe_core(page_for, base_url):
    found = {}
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = page_for("en", viewport)
        page.goto(base_url + "/")
        found[f"start-{label}"] = _axe_violations(page)
        submit(page, *SCAMS["en"])
        found[f"fraud-{label}"] = _axe_violations(page)
        page.goto(base_url + "/?lang=fr")
        submit(page, *GENUINE)
        found[f"clear-fr-{label}"] = _axe_violations(page)
        page.goto(base_url + "/")
        submit(page, "  ")
        found[f"error-{label}"] = _axe_violations(page)
    summary = {k: [(v["id"], v["impact"], v["help"], len(v["nodes"])) for v in vs]
               for k, vs in found.items() if vs}
    assert summary == {}
