"""make_resolver(): settings, validation, the shared cache. No query is sent."""

from __future__ import annotations

import dns.resolver
import pytest

from guard.dnscheck import CACHE_SIZE, make_resolver


def test_settings_are_applied():
    r = make_resolver(["127.0.0.1", "::1"], port=5300, timeout=0.7)
    assert isinstance(r, dns.resolver.Resolver)
    assert [str(getattr(n, "address", n)) for n in r.nameservers] == ["127.0.0.1", "::1"]
    assert r.port == 5300
    # dnspython fixes each nameserver's port when it is set: it must be ours
    assert all(getattr(n, "port", 5300) == 5300 for n in r.nameservers)
    assert r.timeout == 0.7 and r.lifetime == 0.7
    assert isinstance(r.cache, dns.resolver.LRUCache) and r.cache.max_size == CACHE_SIZE


def test_one_string_is_one_nameserver():
    r = make_resolver("127.0.0.1", port=5301)
    assert [str(getattr(n, "address", n)) for n in r.nameservers] == ["127.0.0.1"]


def test_cache_is_shared_per_server_set():
    a = make_resolver(["127.0.0.1"], port=5302)
    b = make_resolver(["127.0.0.1"], port=5302, timeout=1.0)
    c = make_resolver(["127.0.0.1"], port=5303)
    d = make_resolver(["127.0.0.2"], port=5302)
    assert a is not b and a.cache is b.cache
    assert c.cache is not a.cache and d.cache is not a.cache


@pytest.mark.parametrize("kwargs,match", [
    ({"nameservers": ["not-an-ip"]}, "not an IP address"),
    ({"nameservers": ["127.0.0.1", "dns.example"]}, "not an IP address"),
    ({"nameservers": []}, "empty"),
    ({"nameservers": ["127.0.0.1"], "port": 0}, "port"),
    ({"nameservers": ["127.0.0.1"], "port": 70000}, "port"),
    ({"nameservers": ["127.0.0.1"], "port": True}, "port"),
    ({"nameservers": ["127.0.0.1"], "port": "53"}, "port"),
    ({"nameservers": ["127.0.0.1"], "timeout": 0}, "timeout"),
    ({"nameservers": ["127.0.0.1"], "timeout": -1}, "timeout"),
    ({"nameservers": ["127.0.0.1"], "timeout": float("inf")}, "timeout"),
    ({"nameservers": ["127.0.0.1"], "timeout": float("nan")}, "timeout"),
    ({"nameservers": ["127.0.0.1"], "timeout": "2"}, "timeout"),
])
def test_bad_arguments_are_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_resolver(**kwargs)


def test_none_reads_the_system_configuration(monkeypatch):
    class FakeSystem(dns.resolver.Resolver):
        def __init__(self, filename="/etc/resolv.conf", configure=True):
            super().__init__(configure=False)
            if configure:
                self.nameservers = ["192.0.2.53"]

    monkeypatch.setattr(dns.resolver, "Resolver", FakeSystem)
    r = make_resolver(None, port=5354, timeout=1.5)
    assert [str(getattr(n, "address", n)) for n in r.nameservers] == ["192.0.2.53"]
    assert r.port == 5354 and all(getattr(n, "port", 5354) == 5354 for n in r.nameservers)
    assert r.cache is not None


def test_no_system_configuration_is_a_value_error(monkeypatch):
    class NoSystem(dns.resolver.Resolver):
        def __init__(self, filename="/etc/resolv.conf", configure=True):
            if configure:
                raise dns.resolver.NoResolverConfiguration("no nameservers")
            super().__init__(configure=False)

    monkeypatch.setattr(dns.resolver, "Resolver", NoSystem)
    with pytest.raises(ValueError, match="no DNS configuration"):
        make_resolver()


def test_a_string_may_list_several_nameservers():
    # as a web setting would give them
    r = make_resolver("127.0.0.1, 127.0.0.2 ::1", port=5304)
    assert [str(getattr(n, "address", n)) for n in r.nameservers] == ["127.0.0.1", "127.0.0.2", "::1"]
