"""Several instances behind a load balancer: the rate limit in a real Redis.

Two ``python -m web`` processes share GUARD_RATELIMIT_STORAGE_URI=redis://...
(Debian's redis-server on loopback, started here); a client's checks count
once across both. When Redis goes away mid-run, each instance keeps serving
with its own in-memory counters (the documented fall-back: no error page, the
limit still holds per instance), and goes back to Redis once it answers again.
"""

import time

import pytest

from test_web_server import _request, served_process

LIMIT = 3


def _check(port, lang="en"):
    status, headers, body = _request(port, "POST", "/api/v1/check", b'{"message": "hi"}',
                                     {"Content-Type": "application/json"})
    return status


def _page(port, message):
    import urllib.parse

    form = urllib.parse.urlencode({"message": message, "lang": "es"}).encode()
    return _request(port, "POST", "/?lang=es", form,
                    {"Content-Type": "application/x-www-form-urlencoded"})


@pytest.fixture
def two_instances(redis_server):
    env = {"GUARD_RATELIMIT": f"{LIMIT} per minute",
           "GUARD_RATELIMIT_STORAGE_URI": redis_server.uri}
    with served_process(env) as (a, pa), served_process(env) as (b, pb):
        yield a, b, redis_server, (pa, pb)


def test_two_instances_share_the_counters(two_instances):
    a, b, redis_server, _ = two_instances
    assert [_check(a), _check(b), _check(a)] == [200, 200, 200]
    # the client's fourth check is refused by either instance
    assert _check(b) == 429
    assert _check(a) == 429
    # the page too, in the form's language, keeping the text
    status, _, body = _page(b, "Mensaje-7731 de la OIT")
    assert status == 429
    assert "Demasiadas verificaciones".encode() in body and b"Mensaje-7731" in body


def test_redis_going_away_mid_run_falls_back_to_each_instances_memory(two_instances):
    a, b, redis_server, procs = two_instances
    assert [_check(a), _check(b), _check(a), _check(b)] == [200, 200, 200, 429]
    redis_server.stop()
    # no error page: each instance now counts on its own, from zero
    got_a = [_check(a) for _ in range(LIMIT + 1)]
    got_b = [_check(b) for _ in range(LIMIT + 1)]
    assert got_a == [200] * LIMIT + [429]
    assert got_b == [200] * LIMIT + [429]
    # Redis back (empty): the instances return to the shared store
    redis_server.start()
    deadline = time.monotonic() + 20
    while _check(a) == 429:
        assert time.monotonic() < deadline, "instance A never went back to Redis"
        time.sleep(0.5)
    # that check was counted in Redis; whichever instance answers next, only
    # LIMIT - 1 more get through (B's memory is spent too, if it has not switched back yet)
    seen = [_check(b) for _ in range(LIMIT)] + [_check(a) for _ in range(LIMIT)]
    assert seen.count(200) == LIMIT - 1, seen
    for p in procs:
        assert p.poll() is None
