"""The fast path of guard.checks.address_problem agrees with email-validator.

Addresses of the plain shape skip email-validator (its import is a fifth of
a mail filter's start-up); these tests hold the shortcut to the library's
own answer, so that no address the library refuses is waved through.
"""

import glob
import os
import re
from email.utils import getaddresses

import email_validator
import pytest

from guard.checks import SPECIAL_USE_DOMAINS, _plainly_valid, address_problem

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _library(address: str) -> str | None:
    try:
        email_validator.validate_email(address, check_deliverability=False, allow_quoted_local=True,
                                       allow_domain_literal=True, allow_smtputf8=True)
    except email_validator.EmailNotValidError as e:
        return str(e)
    return None


def test_the_special_use_names_are_the_librarys():
    # a name the library adds must be added here too, or it would pass unchecked
    assert set(email_validator.SPECIAL_USE_DOMAIN_NAMES) <= set(SPECIAL_USE_DOMAINS)


TRICKY = [
    "a@b.co", "first.last@example.org", "x+tag@mail.example.com", "_@a-b.example.net",
    ".lead@example.com", "trail.@example.com", "two..dots@example.com", "a@-bad.com", "a@bad-.com",
    "a@ab--cd.com", "a@xn--ls8h.la", "a@xn--zz.com", "a@example.c", "a@example.123", "a@example",
    "a@host.local", "a@printer.localhost", "a@x.onion", "a@10.in-addr.arpa", "a@site.test",
    "a@site.invalid", "a@" + "l" * 64 + ".com", "a@" + "l" * 63 + ".com", "l" * 65 + "@example.com",
    "l" * 64 + "@example.com", "a@" + ".".join(["abcdefghij"] * 24) + ".com", "\u212aelvin@example.com",
    "a@exa\u017fmple.com", "a@EXAMPLE.COM", "A.B@Example.Org", "a b@example.com", "a@exa mple.com",
    "\"quoted\"@example.com", "a@[192.0.2.1]", "ilo@ilo.org", "recrutement@ilo-org.net", "a@b.c.d.e.fg",
]


def _corpus_addresses() -> list[str]:
    out = set()
    pats = [os.path.join(ROOT, "tests", "corpus", "**", "*.eml"), os.path.join(ROOT, "tests", "fixtures", "**", "*.eml")]
    for pat in pats:
        for f in glob.glob(pat, recursive=True):
            head = open(f, "rb").read(8192).decode("latin-1").split("\n\n", 1)[0]
            for line in re.findall(r"(?im)^(?:from|reply-to|sender|to):.*$", head):
                for _, addr in getaddresses([line.split(":", 1)[1]]):
                    if addr:
                        out.add(addr)
    return sorted(out)


@pytest.mark.parametrize("address", TRICKY + _corpus_addresses())
def test_plain_shape_never_passes_what_the_library_refuses(address):
    if _plainly_valid(address):
        assert _library(address) is None, address
    # and the answer the check gives is the library's either way
    assert (address_problem(address) is None) == (_library(address) is None)


def test_most_real_addresses_take_the_fast_path():
    addrs = _corpus_addresses()
    assert len(addrs) > 50
    assert sum(map(_plainly_valid, addrs)) / len(addrs) > 0.9
