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


@pytest.mark.parametrize("domain", ["outlook.pt", "hotmail.com.br", "mail.live.co.za", "yahoo.co.jp", "gmx.at",
                                    "outlook.com.ar"])
def test_the_big_providers_are_free_mail_under_every_country_ending(domain):
    assert info(domain).is_freemail


@pytest.mark.parametrize("domain", ["outlook-consulting.pt", "liveevents.co.za", "yahoo", "myoutlook.com"])
def test_a_provider_name_inside_another_name_is_not_free_mail(domain):
    assert not info(domain).is_freemail


def test_garbage_domain_gives_an_answer():
    for junk in ["", ".", "a" * 300, "xn--", "-.-", "\udcff.org", "ex ample.com"]:
        d = info(junk)
        assert d.lookalike in (None, "name", "typo", "suffix", "subdomain", "homoglyph")


def test_public_suffix_split_agrees_with_tldextract():
    # guard reads tldextract's bundled list with its own matcher (guard/psl.py);
    # the registered domains must be the ones tldextract gives
    tldextract = pytest.importorskip("tldextract")
    ext = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    names = [
        "ilo.org", "mail.ilo.org", "ilo.org.careers-desk.com", "a.b.c.example.co.uk",
        "mail.yahoo.co.uk", "www.ck", "foo.bar.ck", "x.gov.bd", "xn--il-gmc.org",
        "pages.github.io", "gmail.com", "univ.edu.mx", "correo.gob.mx", "x.kawasaki.jp",
        "city.kawasaki.jp", "a.b.nom.br", "ilo.ch", "site.com.au", "mx.example.com",
        "foo.xn--p1ai", "bar.co.ke", "shop.com.ng", "x.ac.za",
    ]
    from guard import psl

    for name in names:
        r = ext(name)
        if not r.suffix:
            continue
        assert psl.split(name) == (r.domain, r.suffix), name


def test_unknown_suffix_uses_the_last_label():
    from guard import psl

    assert psl.split("ilo-recruitment.example") == ("ilo-recruitment", "example")
    assert psl.split("example") == ("", "example")


def test_which_may_imitate_answers_as_may_imitate_host_by_host():
    """checks.link_lookalike asks which of a page's hosts may imitate the
    ILO in one search over them all: the answers must be may_imitate's, for
    the traces at a host's start, end, across separators, outside ASCII."""
    from guard.domains import may_imitate, which_may_imitate
    from guard.parse import parse
    from messages import message_files

    hosts = ["ilo-org.net", "o-i.t.example", "i_1-0.com", "l.a.b.o.com", "tra-bajo.es", "travail.fr",
             "trabalho.pt", "xn--il-gmc.org", "il\u043e.org", "\u0130lo.com", "example.com", "bit.ly",
             "milo.com", "portfolio.com", "|lo.net", "www.un.org", "x" * 300 + ".com", "oi", "t.example"]
    # plain hosts, so that most answers are "no" without ../shared's corpora
    # (a fresh clone has none of them: its test messages hold few links)
    hosts += [f"{sub}{word}{tld}" for sub in ("", "www.", "mail.") for word in
              ("example", "news", "shop", "bank", "school", "travel", "careers", "jobs", "city")
              for tld in (".com", ".org", ".es", ".fr", ".com.br", ".co.uk")]
    for f in message_files("corpus/**/*.eml", "fixtures/**/*.eml")[:400]:
        hosts += [link.host for link in parse(open(f, "rb").read()).links]
    expect = [i for i, h in enumerate(hosts) if may_imitate(h)]
    assert 10 < len(expect) < len(hosts) - 100
    assert which_may_imitate(hosts) == expect
    # hosts split at every place: no trace is found across two hosts
    assert which_may_imitate(["exampl", "oit", "ll", "o.com"] * 5) == [1, 5, 9, 13, 17]
    for k in range(len(hosts)):
        assert which_may_imitate(hosts[k:k + 20]) == [i for i, h in enumerate(hosts[k:k + 20]) if may_imitate(h)]
