"""Settings: defaults, the environment, bad values, DNS off by default."""

import pytest

from web import SETTINGS, create_app, load_settings
from web_helpers import SCAMS


def test_defaults():
    s = load_settings(environ={})
    assert s["GUARD_DNS"] is False
    assert s["GUARD_RATELIMIT_STORAGE_URI"] == "memory://"
    assert s["GUARD_MAX_REQUEST_BYTES"] == 5 * 1024 * 1024
    assert s["GUARD_MAX_MESSAGE_CHARS"] == 200_000
    assert s["GUARD_PROXY_HOPS"] == 0


def test_environment_then_overrides():
    env = {"GUARD_MAX_MESSAGE_CHARS": "1234", "GUARD_DNS": "yes",
           "GUARD_DNS_NAMESERVER": "127.0.0.1, 127.0.0.2", "GUARD_RATELIMIT": "5/minute"}
    s = load_settings(environ=env, overrides={"GUARD_RATELIMIT": "off"})
    assert s["GUARD_MAX_MESSAGE_CHARS"] == 1234
    assert s["GUARD_DNS"] is True
    assert s["GUARD_DNS_NAMESERVER"] == ["127.0.0.1", "127.0.0.2"]
    assert s["GUARD_RATELIMIT"] == "off"


@pytest.mark.parametrize("name,value", [
    ("GUARD_MAX_REQUEST_BYTES", "lots"),
    ("GUARD_MAX_MESSAGE_CHARS", "0"),
    ("GUARD_DNS", "perhaps"),
    ("GUARD_DNS_BUDGET", "-1"),
    ("GUARD_PROXY_HOPS", "-2"),
])
def test_bad_values_name_the_setting(name, value):
    with pytest.raises(ValueError, match=name):
        load_settings(environ={name: value})


def test_bad_rate_limit_fails_at_start(make_app):
    with pytest.raises(ValueError, match="GUARD_RATELIMIT"):
        make_app(GUARD_RATELIMIT="lots per fortnight")


def test_environment_is_read_by_create_app(make_app, monkeypatch):
    monkeypatch.setenv("GUARD_MAX_MESSAGE_CHARS", "50")
    app = create_app({"TESTING": True, "GUARD_RATELIMIT": "off"})
    r = app.test_client().post("/api/v1/check", json={"message": "x" * 51})
    assert r.status_code == 413


def _capture_check(monkeypatch):
    seen = {}
    import web.views

    real = web.views.check

    def spy(message, **kwargs):
        seen.update(kwargs)
        return real(message, **kwargs)

    monkeypatch.setattr(web.views, "check", spy)
    return seen


def test_dns_is_off_by_default(make_app, monkeypatch):
    app = make_app()
    assert app.config["GUARD_DNS"] is False
    assert app.extensions["guard_resolver"] is None
    seen = _capture_check(monkeypatch)
    client = app.test_client()
    client.post("/api/v1/check", json={"message": SCAMS["en"][0]})
    assert seen.get("resolver") is None
    seen.clear()
    client.post("/", data={"message": SCAMS["en"][0]})
    assert seen.get("resolver") is None and seen["lang"] == "en"


def test_dns_setting_passes_a_resolver_and_budget(make_app, monkeypatch):
    # make_resolver only builds a resolver object; no query is sent here
    monkeypatch.setattr("guard.dnscheck.run", lambda *a, **k: None)
    app = make_app(GUARD_DNS="1", GUARD_DNS_NAMESERVER="127.0.0.1", GUARD_DNS_PORT="5399",
                   GUARD_DNS_BUDGET="0.5")
    resolver = app.extensions["guard_resolver"]
    assert resolver is not None and resolver.port == 5399
    seen = _capture_check(monkeypatch)
    app.test_client().post("/api/v1/check", json={"message": "hello"})
    assert seen["resolver"] is resolver and seen["dns_budget"] == 0.5


def test_settings_table_documented_in_readme():
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name in SETTINGS:
        assert name in readme, f"{name} is not documented in README.md"
    for name in ("GUARD_HOST", "GUARD_PORT", "GUARD_THREADS"):
        assert name in readme
