import pytest

from guard.domains import info


@pytest.mark.parametrize("domain", ["ilo.org", "mail.ilo.org", "ILO.ORG", "jobs.ilo.org."])
def test_the_ilo(domain):
    d = info(domain)
    assert d.is_ilo and d.lookalike is None


@pytest.mark.parametrize("domain,kind", [
    ("ilo-org.net", "name"), ("iloorg.org", "name"), ("ilo-careers.com", "name"),
    ("oit-empleos.com", "name"), ("international-labour-organization.com", "name"),
    ("ilo.org.careers-desk.com", "subdomain"), ("ilo-org.secure-mail.com", "subdomain"),
    ("ilo.com", "suffix"), ("ilo.ch", "suffix"), ("ilo.int", "suffix"),
    ("i1o.org", "typo"), ("il0-org.com", "typo"),
    ("xn--il-gmc.org", "homoglyph"), ("il\u043e.org", "homoglyph"),
])
def test_lookalikes(domain, kind):
    d = info(domain)
    assert not d.is_ilo
    assert d.lookalike == kind


@pytest.mark.parametrize("domain", [
    "milo.com", "silo.io", "kilo.com", "iso.org", "bit.ly", "philo.fr", "iloveyou.com",
    "itcilo.org", "example.com", "un.org", "who.int",
])
def test_not_lookalikes(domain):
    assert info(domain).lookalike is None


def test_affiliate_is_not_ilo_but_not_a_lookalike():
    d = info("itcilo.org")
    assert d.is_affiliated and not d.is_ilo and d.lookalike is None


@pytest.mark.parametrize("domain", ["gmail.com", "mail.yahoo.co.uk", "hotmail.fr", "proton.me"])
def test_freemail(domain):
    assert info(domain).is_freemail


def test_garbage_domain_gives_an_answer():
    for junk in ["", ".", "a" * 300, "xn--", "-.-", "\udcff.org", "ex ample.com"]:
        d = info(junk)
        assert d.lookalike in (None, "name", "typo", "suffix", "subdomain", "homoglyph")
