import pytest

from web import SETTINGS, create_app


@pytest.fixture
def make_app(monkeypatch):
    """create_app() with the rate limit off unless a test asks for one.

    GUARD_* variables of the environment running the tests are cleared so
    that only the defaults and the test's own settings apply.
    """
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)

    def make(**config):
        cfg = {"TESTING": True, "GUARD_RATELIMIT": "off"}
        cfg.update(config)
        return create_app(cfg)

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
