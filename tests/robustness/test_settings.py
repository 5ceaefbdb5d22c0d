"""Settings that would fail every message are refused where they are given."""

from __future__ import annotations

import pytest

from guard import check
from guard import filter as gf
from guard import milter as gm

MSG = b"From: a@example.org\nSubject: x\n\nhello\n"


@pytest.mark.parametrize("name", ["time_budget", "dns_budget"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 0, -1])
def test_budgets_must_be_finite_and_positive(name, value):
    with pytest.raises(ValueError, match=name):
        check(MSG, **{name: value})


@pytest.mark.parametrize("value", ["2", None, True, [1.0]])
def test_budgets_must_be_numbers(value):
    with pytest.raises(TypeError, match="time_budget"):
        check(MSG, time_budget=value)


@pytest.mark.parametrize("value", [None, [1], ["mx.example", None], 5, "mx.example", b"mx"])
def test_trusted_authserv_ids_must_be_strings(value):
    with pytest.raises(TypeError, match="trusted_authserv_ids"):
        check(MSG, trusted_authserv_ids=value)


def test_trusted_authserv_ids_accept_any_collection_of_strings():
    for ids in (["MX.example"], ("mx.example",), {"mx.example"}, frozenset(), (i for i in ["mx.example"])):
        assert check(MSG, trusted_authserv_ids=ids).complete


@pytest.mark.parametrize("kw", [{"time_budget": float("inf")}, {"time_budget": float("nan")},
                                {"dns_budget": 0.0}, {"trusted_authserv_ids": None},
                                {"trusted_authserv_ids": [1]}, {"max_size": -1}, {"max_size": 1.5}])
def test_filter_options_refuse_them(kw):
    with pytest.raises((TypeError, ValueError)):
        gf.Options(**kw)


@pytest.mark.parametrize("kw", [{"time_budget": float("inf")}, {"time_budget": float("nan")},
                                {"trusted_authserv_ids": None}, {"trusted_authserv_ids": [1]},
                                {"workers": 0}, {"max_size": -5}])
def test_milter_settings_refuse_them(kw):
    with pytest.raises((TypeError, ValueError)):
        gm.Settings(**kw)
