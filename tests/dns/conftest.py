"""Fixtures for the DNS tests: a real dnsmasq on loopback and fault servers.

dnsmasq comes from Debian's dnsmasq-base (scripts/apt-test-packages.txt).
Without it the tests that need it skip, except on CI (CI=true), where
scripts/setup --test must have installed it, so they fail instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dnsserver import Blackhole, Dnsmasq, Responder, dnsmasq_path  # noqa: E402


def _need_dnsmasq() -> None:
    if dnsmasq_path() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("dnsmasq is missing on CI: scripts/setup --test must install dnsmasq-base")
        pytest.skip("dnsmasq is not installed (Debian package dnsmasq-base)")


@pytest.fixture(scope="session")
def dnsmasq():
    _need_dnsmasq()
    with Dnsmasq() as d:
        yield d


@pytest.fixture
def resolver(dnsmasq):
    """A resolver on the fixture dnsmasq, with an empty cache."""
    from guard.dnscheck import clear_caches, make_resolver

    clear_caches()
    return make_resolver(["127.0.0.1"], port=dnsmasq.port, timeout=2.0)


@pytest.fixture
def blackhole():
    with Blackhole() as b:
        yield b


@pytest.fixture
def servfail():
    with Responder("SERVFAIL") as r:
        yield r


@pytest.fixture
def truncating():
    with Responder(truncated=True) as r:
        yield r


class QueryLog:
    """Every DNS query sent over the network (UDP or TCP), as (name, type)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def clear(self) -> None:
        self.sent.clear()

    def __len__(self) -> int:
        return len(self.sent)


@pytest.fixture
def querylog(monkeypatch):
    import dns.query
    import dns.rdatatype

    log = QueryLog()

    def spy(orig):
        def wrapper(q, *args, **kwargs):
            for question in q.question:
                log.sent.append((question.name.to_text(omit_final_dot=True).lower(),
                                 dns.rdatatype.to_text(question.rdtype)))
            return orig(q, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(dns.query, "udp", spy(dns.query.udp))
    monkeypatch.setattr(dns.query, "tcp", spy(dns.query.tcp))
    return log
