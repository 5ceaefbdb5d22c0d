"""DNS details and DNS notes are said in the verdict's language
(rules/details.toml [dns], rules/notes.toml [dns]); English stays as it was."""

from __future__ import annotations

import pytest

from guard import check
from guard.dnscheck import make_resolver

pytestmark = pytest.mark.dnsserver

LOOKALIKE_NX = (
    "From: ILO Recruitment Unit <jobs@ilo-recruitment.example>\n"
    "Subject: Your appointment\n\n"
    "Dear candidate,\nThe ILO is pleased to offer you the post of Programme Officer.\n"
)
GENUINE = (
    "From: ILO Human Resources <recruitment@ilo.org>\n"
    "Subject: Vacancy notice\n\nThe ILO is pleased to inform you about a new vacancy.\n"
)

# the words the detail of a missing sender domain and the policy note start with, per language
NXDOMAIN = {"en": "no record (NXDOMAIN: the domain does not exist)",
            "es": "sin registro (NXDOMAIN: el dominio no existe)",
            "fr": "aucun enregistrement (NXDOMAIN : le domaine n'existe pas)"}
POLICY = {"en": "a mail server that enforces DMARC rejects mail",
          "es": "un servidor de correo que aplica DMARC rechaza el correo",
          "fr": "un serveur de messagerie qui applique DMARC rejette le courrier"}
UNANSWERED = {"en": "DNS could not answer, so these were not checked:",
              "es": "El DNS no pudo responder, así que no se comprobó:",
              "fr": "Le DNS n'a pas pu répondre, ceci n'a donc pas été vérifié :"}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_dns_detail_is_in_the_verdicts_language(resolver, lang):
    v = check(LOOKALIKE_NX, resolver=resolver, lang=lang)
    [f] = [f for f in v.findings if f.rule_id == "GRD350"]
    detail = f.evidence[0].detail
    assert detail.startswith("ilo-recruitment.example") and "MX: " + NXDOMAIN[lang] in detail, detail
    if lang == "en":
        assert detail.startswith("ilo-recruitment.example: MX: no record (NXDOMAIN")


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_ilo_policy_note_is_in_the_verdicts_language(resolver, lang):
    v = check(GENUINE, resolver=resolver, lang=lang)
    [n] = [n for n in v.notes if "_dmarc.ilo.org" in n]
    assert POLICY[lang] in n and "p=reject" in n, n


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_could_not_answer_note_is_in_the_verdicts_language(servfail, lang):
    r = make_resolver(["127.0.0.1"], port=servfail.port, timeout=2.0)
    v = check(LOOKALIKE_NX, resolver=r, dns_budget=2.0, lang=lang)
    [n] = [n for n in v.notes if "ilo-recruitment.example" in n]
    assert n.startswith(UNANSWERED[lang]) and "SERVFAIL" in n, n
    if lang != "en":
        assert "no server could answer" not in n
