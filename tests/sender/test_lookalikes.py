"""Look-alikes of ilo.org: Unicode's confusables (UTS #39), IDNA 2008, and
every permutation a dnstwist-style generator makes of ilo.org.

The generator below is written for this test: the same fuzzers as dnstwist
(omission, repetition, transposition, replacement by keyboard neighbours,
homoglyph, hyphenation, subdomain, TLD swap, bitsquatting, insertion,
addition, vowel swap), applied to the name "ilo".
"""

import pytest

from guard import Level, check
from guard.domains import _ASCII_PROTO, confusable_prototypes, info, skeleton, to_ascii, to_unicode

NAME, TLD = "ilo", "org"

_KEYBOARD = {  # QWERTY neighbours of the letters of "ilo"
    "i": "uojk89", "l": "kop.", "o": "iplk90",
}
_HOMOGLYPHS = {  # what dnstwist-style lists give for these letters, plus Unicode's confusables
    "i": ["1", "l", "í", "ï", "ı", "ɩ", "ι", "ꙇ", "ǐ", "ĭ", "ɪ", "і", "Ι"],
    "l": ["1", "i", "ɫ", "ł", "I", "ⅼ", "ӏ", "|"],
    "o": ["0", "ο", "о", "ø", "ö", "ó", "ò", "ô", "õ", "ō", "ŏ", "ő", "ǒ", "ọ", "ɵ", "ᴏ", "օ", "ｏ"],
}
_TLDS = ["com", "net", "int", "info", "co", "ch", "us", "uk", "co.uk", "org.uk", "jobs", "careers",
         "online", "site", "xyz", "top", "io", "eu", "fr", "es", "biz", "work", "ngo", "ong"]
_VALID = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def _omission(n):
    return {n[:i] + n[i + 1:] for i in range(len(n))}


def _repetition(n):
    return {n[:i] + n[i] + n[i:] for i in range(len(n))}


def _transposition(n):
    return {n[:i] + n[i + 1] + n[i] + n[i + 2:] for i in range(len(n) - 1)}


def _replacement(n):
    return {n[:i] + k + n[i + 1:] for i, c in enumerate(n) for k in _KEYBOARD[c] if k != "."}


def _insertion(n):
    return {n[:i] + k + n[i:] for i, c in enumerate(n) for k in _KEYBOARD[c] if k != "."} | {
        n[:i + 1] + k + n[i + 1:] for i, c in enumerate(n) for k in _KEYBOARD[c] if k != "."}


def _addition(n):
    return {n + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"}


def _vowel_swap(n):
    return {n[:i] + v + n[i + 1:] for i, c in enumerate(n) if c in "aeiou" for v in "aeiou" if v != c}


def _bitsquatting(n):
    out = set()
    for i, c in enumerate(n):
        for bit in range(8):
            flipped = chr(ord(c) ^ (1 << bit)).lower()
            if flipped in _VALID and flipped != c:
                out.add(n[:i] + flipped + n[i + 1:])
    return out


def _hyphenation(n):
    return {n[:i] + "-" + n[i:] for i in range(1, len(n))}


def _homoglyph(n):
    out = set()
    for i, c in enumerate(n):
        for g in _HOMOGLYPHS[c]:
            out.add(n[:i] + g + n[i + 1:])
    # two letters at once (ilо with і)
    out |= {_HOMOGLYPHS["i"][k] + "l" + _HOMOGLYPHS["o"][k] for k in range(5)}
    return out


def _subdomain(n):
    return {n[:i] + "." + n[i:] for i in range(1, len(n))}


FUZZERS = {
    "omission": _omission, "repetition": _repetition, "transposition": _transposition,
    "replacement": _replacement, "insertion": _insertion, "addition": _addition,
    "vowel-swap": _vowel_swap, "bitsquatting": _bitsquatting, "hyphenation": _hyphenation,
    "homoglyph": _homoglyph, "subdomain": _subdomain,
}

# dnstwist lists these too, but they are genuine UN-system domains
# (rules/data/un_system.toml): imo.org is the International Maritime Organization
GENUINE = {"imo.org"}


def generated() -> list[tuple[str, str]]:
    out = {}
    for kind, fn in FUZZERS.items():
        for n in fn(NAME):
            if not n or n == NAME or n.startswith("-") or n.endswith("-") or n.startswith(".") or ".." in n:
                continue
            out.setdefault(f"{n}.{TLD}", kind)
    for t in _TLDS:
        out.setdefault(f"{NAME}.{t}", "tld-swap")
    # the subdomain trick and the name joined to words
    for d in ["ilo.org.verify-desk.com", "ilo.org.careers.example.net", "ilo-org.com", "iloorg.net",
              "ilo-jobs.com", "careers-ilo.org", "ilo.org-recruitment.com"]:
        out.setdefault(d, "various")
    return sorted((d, k) for d, k in out.items() if d not in GENUINE)


ALL = generated()


def test_the_generator_makes_the_expected_set():
    kinds = {k for _, k in ALL}
    assert kinds == set(FUZZERS) | {"tld-swap", "various"}
    assert len(ALL) > 150
    for d in ["io.org", "illo.org", "lio.org", "ilp.org", "i-lo.org", "i.lo.org", "ilo.com", "ilm.org",
              "iloa.org", "iulo.org", "ilо.org", "ilօ.org"]:
        assert d in dict(ALL), d


def _claim_from(domain: str) -> str:
    return (f"From: ILO Recruitment <recruitment@{domain}>\nSubject: Your application\n\n"
            "Dear candidate,\nThe ILO is pleased to offer you the post of field assistant.\n")


@pytest.mark.parametrize("domain,kind", ALL)
def test_every_generated_lookalike_is_flagged_as_the_sender_of_an_ilo_claim(domain, kind):
    v = check(_claim_from(domain))
    assert v.level.rank >= Level.SUSPICIOUS.rank, (domain, kind, v.rule_ids)
    assert "GRD301" in v.rule_ids, (domain, kind, v.rule_ids)     # "imitates ilo.org"
    assert not v.sender["is_ilo"]


@pytest.mark.parametrize("domain", [
    "ilօ.org",                  # Armenian small oh
    "ɪlo.org",                  # Latin small capital I
    "iIo.org",                  # capital I for l
    "ilo.org.verify-desk.com",  # the subdomain trick
    "xn--il-hfd.org",           # ilօ.org in punycode
    "xn--lo-9gb.org",           # ɪlo.org in punycode
    "xn--il-gmc.org",           # Cyrillic о
    "ΙLO.org",                  # Greek capital iota
    "ilo.org",                  # sanity: the genuine one (below) must not be flagged
])
def test_named_lookalikes_are_strong_without_any_claim(domain):
    d = info(domain)
    if domain == "ilo.org":
        assert d.is_ilo and d.lookalike is None
        return
    assert d.lookalike is not None, domain
    msg = f"From: Careers <careers@{domain}>\nSubject: Interview\n\nYour interview is on Monday.\n"
    assert "GRD301" in check(msg).rule_ids


def test_ilo_org_with_dmarc_pass_stays_clear():
    from .mail import message, saved_from

    v = check(saved_from("gmail", "dkim=pass header.d=ilo.org; spf=pass smtp.mailfrom=ilo.org; "
                                  "dmarc=pass header.from=ilo.org", message()), mailbox=True)
    assert v.level is Level.CLEAR and not v.findings and v.sender["is_ilo"]


@pytest.mark.parametrize("domain", ["milo.com", "kilo.com", "iso.org", "silo.io", "io.org", "lo.org", "ila.org"])
def test_near_misses_without_an_ilo_claim_are_not_flagged(domain):
    # one letter from "ilo", but most such names belong to someone else:
    # only a message that speaks as the ILO makes them a sign
    d = info(domain)
    assert d.lookalike is None and d.near_miss
    v = check(f"From: Sales <sales@{domain}>\nSubject: Order 1182\n\nYour order has shipped.\n")
    assert v.level is Level.CLEAR and "GRD301" not in v.rule_ids


@pytest.mark.parametrize("domain", ["imo.org", "un.org", "who.int", "itcilo.org", "unicef.org"])
def test_genuine_neighbours_are_never_lookalikes(domain):
    d = info(domain)
    assert d.lookalike is None and not d.near_miss


def test_links_to_the_ilos_own_web_aliases_are_not_lookalike_links():
    v = check("From: Ana <ana@example.net>\nSubject: normlex\n\nSee http://ilo.ch/dyn/normlex/en and https://www.oit.org/x\n")
    assert "GRD401" not in v.rule_ids and not any(f.category == "link" for f in v.findings)


def test_idna_2008_not_2003():
    # IDNA 2003 maps ß to ss; IDNA 2008 keeps it (xn--fa-hia.de)
    assert to_ascii("faß.de") == "xn--fa-hia.de"
    assert to_unicode("xn--il-hfd.org") == "ilօ.org"
    assert to_ascii("ILO.ORG") == "ilo.org"
    # a label IDNA 2008 refuses stays comparable
    assert to_ascii("i¡o.org").startswith("xn--")


def test_the_ascii_table_is_unicodes():
    data = {k: v for k, v in confusable_prototypes().items() if k.isascii()}
    assert data == _ASCII_PROTO


def test_skeletons_use_unicodes_confusables():
    assert skeleton("ilօ") == skeleton("ilo") == skeleton("ɪlo") == skeleton("iIo") == skeleton("il0")
    assert skeleton("ilo") != skeleton("ilp")


def test_ascii_skeletons_take_a_short_way_to_the_same_look():
    # host names in links go through the translate shortcut; the long way
    # (UTS #39 rounds) must agree on every ASCII character a label or a
    # typed address may hold, alone and in the pairs that merge (rn, vv)
    import random

    from guard.domains import _skeleton_rounds

    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.|`\"'"
    rnd = random.Random(14)
    samples = [c for c in alphabet] + ["rnm", "vvw", "I1l|0O", "il0-0rg", "m0rn1ng"]
    samples += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 20))) for _ in range(3000)]
    for s in samples:
        assert skeleton(s) == _skeleton_rounds(s.lower()), s
    assert skeleton("rn1l0") == skeleton("mllo")


def test_the_quick_pass_over_plain_host_names_lets_every_lookalike_through():
    # _lookalike skips the full reading for an ASCII host with no trace of
    # "ilo", "oit" or the spelt-out name; on hosts made of exactly the
    # letters that matter, it must agree with the full reading everywhere
    import random

    from guard import psl
    from guard.domains import _lookalike, _lookalike_full

    rnd = random.Random(9)
    parts = ["i", "l", "o", "1", "|", "0", "rn", "m", "vv", "org", "oit", "ilo", "labo", "ur", "trabajo",
             "travail", "trabalho", "organization", "careers", "jobs", "-", "_", ".", "x", "int", "un"]
    hosts = ["ilo.org.jobs-desk.com", "i-lo.org", "il0.org", "1lo-careers.net", "careers-ilo.com", "oit.com",
             "i.lo.org", "ilo-org.secure-mail.com", "international-labour-organization.net", "example.com",
             "weblogs.com", "xn--lo-8fc.org"]
    for _ in range(4000):
        hosts.append("".join(rnd.choice(parts) for _ in range(rnd.randint(1, 6))).strip(".") + "." + rnd.choice(
            ["com", "org", "net", "co.uk", "org.ng"]))
    hits = 0
    for h in hosts:
        d = to_ascii(h)
        if not d:
            continue
        name, suffix = psl.split(d)
        full = _lookalike_full(d, name, suffix)
        assert _lookalike(d, name, suffix) == full, h
        hits += full is not None
    assert hits > 50


def test_a_host_passed_over_by_the_quick_check_imitates_nothing():
    from guard.domains import info, may_imitate

    hosts = ["ilo.org.jobs-desk.com", "I-LO.org", "il0.org", "careers-ilo.com", "OIT-empleos.net", "weblogs.com",
             "www.example.com", "xn--lo-8fc.org", "mail.ilo-org.net", "international-labour-organization.net",
             "trabajo.gob.es", "news.bbc.co.uk", "ilo.org", "ilo.ch", "iloorg.com"]
    for h in hosts:
        if not may_imitate(h):
            assert info(h).lookalike is None, h
    assert not may_imitate("weblogs.com") and may_imitate("I-LO.org") and may_imitate("xn--lo-8fc.org")
