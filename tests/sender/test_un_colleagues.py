"""A UN-system colleague who writes about the ILO is not a false ILO sender;
the same address presenting itself as the ILO is."""

import pytest

from guard import Level, check
from guard.checks import names_the_ilo
from guard.domains import info

from .mail import saved_from

WORKSHOP = ("Dear colleagues,\n\nFollowing our call, the joint workshop with the ILO on labour migration "
            "statistics will take place in Geneva on 12 June. The ILO will present its new estimates and we "
            "will cover the health side. The registration fee for external participants is USD 50, payable "
            "at the venue.\n\nBest regards,\n{name}\n{org}\n")


def _mail(address, display, org="World Health Organization", body=None, extra=""):
    body = body or WORKSHOP.format(name=display, org=org)
    return (f"{extra}From: {display} <{address}>\nTo: team@example.net\nSubject: Joint workshop with the ILO\n"
            f"Date: Tue, 8 Apr 2025 10:00:00 +0200\nMessage-ID: <w1@{address.split('@')[1]}>\n\n{body}")


@pytest.mark.parametrize("address,org", [
    ("m.keller@who.int", "World Health Organization"),
    ("j.osei@un.org", "United Nations Secretariat"),
    ("p.lima@undp.org", "UNDP"),
    ("a.haddad@iom.int", "IOM"),
    ("r.costa@imo.org", "International Maritime Organization"),
])
def test_colleague_mentioning_the_ilo_is_clear(address, org):
    v = check(_mail(address, "Maria Keller", org))
    assert v.level is Level.CLEAR, v.rule_ids
    assert not v.claims_ilo


def test_the_same_text_from_elsewhere_still_claims_the_ilo():
    # the rule the exemption relaxes: "with the ILO" from any other domain is a claim
    v = check(_mail("m.keller@health-events.example", "Maria Keller", "Events"))
    assert v.claims_ilo and v.level is not Level.CLEAR


@pytest.mark.parametrize("display", ["ILO Recruitment", "ILO Human Resources", "International Labour Organization",
                                     "OIT Recursos Humanos", "Recrutement BIT", "ІLO Recruitment"])
def test_colleague_address_signing_as_the_ilo_is_flagged(display):
    v = check(_mail("m.keller@who.int", display))
    assert v.claims_ilo
    assert "GRD303" in v.rule_ids and v.level.rank >= Level.SUSPICIOUS.rank


def test_colleague_address_with_an_ilo_recruitment_signature_is_flagged():
    body = ("Dear candidate,\n\nWe are pleased to offer you the post. Please pay the processing fee of USD 200 "
            "to confirm.\n\nILO Recruitment Unit\n")
    v = check(_mail("hr.desk@un.org", "HR Desk", body=body))
    assert v.claims_ilo and "GRD303" in v.rule_ids and v.level is Level.FRAUD


def test_colleague_whose_own_provider_says_forged_gets_no_exemption():
    sent = _mail("m.keller@who.int", "Maria Keller")
    v = check(saved_from("gmail", "dmarc=fail (p=REJECT) header.from=who.int", sent), mailbox=True)
    assert v.claims_ilo and v.level is not Level.CLEAR


def test_un_domains_are_data():
    for d in ["un.org", "who.int", "undp.org", "unicef.org", "iom.int", "unhcr.org", "wfp.org", "fao.org",
              "unesco.org", "unops.org", "unfpa.org", "ohchr.org", "wipo.int", "itu.int", "wto.org",
              "unido.org", "ifad.org", "unaids.org", "unwomen.org", "worldbank.org", "mail.who.int"]:
        assert info(d).is_un_system, d
    assert not info("ilo.org").is_un_system and not info("un-jobs.org").is_un_system


@pytest.mark.parametrize("display,want", [
    ("ILO Recruitment", True), ("ilo careers", True), ("Organización Internacional del Trabajo", True),
    ("Recrutement BIT", True), ("Maria Keller", False), ("Maria Keller (ILO liaison)", False),
    ("Milo Recruitment", False), ("WHO/ILO joint programme", False),
])
def test_names_the_ilo(display, want):
    assert names_the_ilo(display) is want
