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


# -- a real Redis on loopback (Debian's redis-server, scripts/apt-test-packages.txt) ----------

class RedisServer:
    """redis-server on 127.0.0.1 and a free port, no persistence; can be stopped
    and started again on the same port (a store that goes away mid-run)."""

    def __init__(self, exe: str):
        import socket

        self.exe = exe
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = None

    @property
    def uri(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        import socket
        import subprocess
        import time

        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture
def redis_server():
    import os
    import shutil

    exe = shutil.which("redis-server") or ("/usr/bin/redis-server"
                                           if os.path.exists("/usr/bin/redis-server") else None)
    try:
        import redis  # noqa: F401  (the client flask-limiter's storage needs)
    except ImportError:
        exe = None
    if exe is None:
        reason = "redis-server or the redis package is missing (scripts/setup --test installs both)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    server = RedisServer(exe)
    server.start()
    try:
        yield server
    finally:
        server.stop()
