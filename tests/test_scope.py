"""Negation scope, requests across lists and forms, and who is speaking:
each both ways, in every language the vocabularies know (issue #9).

Every case is a whole check(): ``fee`` means a fee_request finding, ``bank``
a bank_details finding, ``none`` neither.
"""

import pytest

from guard import check

JOB = {"en": "Job offer for the interview candidate. ", "es": "Oferta de empleo para el candidato de la entrevista. ",
       "fr": "Offre d'emploi pour le candidat à l'entretien. ", "pt": "Oferta de emprego para o candidato da entrevista. "}


def kinds(text: str, lang: str) -> set[str]:
    v = check(JOB[lang] + text)
    cats = {f.category for f in v.findings}
    return {"fee" for c in cats if c == "fee_request"} | {"bank" for c in cats if c == "bank_details"}


NEGATION = [
    # real denials: misses
    ("en", "The ILO does not charge any fee at any stage of the recruitment process.", set()),
    ("en", "No fee is charged for the application or the interview.", set()),
    ("en", "We never ask candidates to pay a processing fee.", set()),
    ("es", "La OIT no cobra ninguna cuota en ninguna etapa del proceso.", set()),
    ("es", "Nunca le pediremos pagar una tasa de inscripción.", set()),
    ("fr", "Le BIT ne perçoit aucun frais de dossier à aucune étape du recrutement.", set()),
    ("fr", "Vous n'avez jamais à payer de frais d'inscription.", set()),
    ("pt", "A OIT não cobra qualquer taxa de inscrição em nenhuma fase.", set()),
    ("pt", "Nunca pedimos que pague uma taxa de processamento.", set()),
    # pseudo-negations and threats: hits
    ("en", "Don't forget to pay the processing fee of USD 150 before Friday.", {"fee"}),
    ("en", "Do not delay the payment of the registration fee of USD 90.", {"fee"}),
    ("en", "If you do not pay the visa fee of USD 300 by Monday, your place will be given to another candidate.", {"fee"}),
    ("es", "No olvide pagar la cuota de inscripción de 150 dólares antes del viernes.", {"fee"}),
    ("es", "No deje de abonar la tasa de trámite de 80 dólares hoy mismo.", {"fee"}),
    ("fr", "N'oubliez pas de régler les frais de dossier de 25 000 FCFA avant vendredi.", {"fee"}),
    ("fr", "Si vous ne payez pas les frais de traitement de 50 000 FCFA, votre place sera attribuée à un autre candidat.", {"fee"}),
    ("pt", "Não se esqueça de pagar a taxa de inscrição de R$ 250,00 até sexta.", {"fee"}),
    ("pt", "Não deixe de efetuar o pagamento da taxa de processamento de 2 500 MZN.", {"fee"}),
    # the scope ends at a terminator or a new sentence
    ("en", "The ILO charges no fee; however, you must pay the medical centre a fee of USD 120 before the interview.", {"fee"}),
    ("es", "La OIT no cobra cuotas, pero la clínica exige pagar la tasa de examen de 60 dólares.", {"fee"}),
    ("fr", "Le BIT ne demande rien. Veuillez régler les frais de visa de 90 000 FCFA.", {"fee"}),
    ("pt", "A OIT não cobra nada, mas deve pagar a taxa do visto de R$ 900,00.", {"fee"}),
]


@pytest.mark.parametrize("lang,text,want", NEGATION, ids=[f"{c[0]}-{i}" for i, c in enumerate(NEGATION)])
def test_negation_scope(lang, text, want):
    assert kinds(text, lang) == want, text


STRUCTURE = [
    ("en", "Please provide the following:\na) account holder\nb) sort code\nc) account number", {"bank"}),
    ("en", "Complete the form and return it:\nAccount holder: ________\nIBAN: ________\nBIC: ________", {"bank"}),
    ("es", "Por favor envíe los siguientes datos:\n1. Titular de la cuenta\n2. Número de cuenta\n3. CLABE interbancaria", {"bank"}),
    ("fr", "Merci de compléter le formulaire :\n\nTitulaire : ........\nIBAN : ........\nBIC : ........", {"bank"}),
    ("pt", "Preencha e devolva:\n  Nome do banco: ________\n  Número da conta: ________\n  NIB / IBAN: ________", {"bank"}),
    # bank details given for a payment, not asked
    ("en", "Our bank account for the conference fee: account number 0123456789, sort code 12-34-56.", set()),
    ("fr", "Notre RIB pour le paiement : IBAN FR76 3000 6000 0112 3456 7890 189.", set()),
]


@pytest.mark.parametrize("lang,text,want", STRUCTURE, ids=[f"{c[0]}-{i}" for i, c in enumerate(STRUCTURE)])
def test_requests_across_lists_and_forms(lang, text, want):
    assert want <= kinds(text, lang) and (want or "bank" not in kinds(text, lang)), text


SPEAKER = [
    # reported, quoted or warned about: misses
    ("en", "Candidates told us they received e-mails telling them to 'pay the processing fee of GHS 900 by mobile money'. The ILO never charges fees.", set()),
    ("en", "Beware of fraudsters who ask for a registration fee of USD 100 for an interview.", set()),
    ("en", "If you receive a message asking you to pay a fee of USD 200, it is a scam.", set()),
    ("es", "Los estafadores les pedían \"pagar la cuota de inscripción de 300 soles por Yape\". La OIT no cobra.", set()),
    ("fr", "Attention aux escrocs qui demandent des frais de dossier de 50 000 FCFA.", set()),
    ("pt", "Cuidado com golpistas que pedem uma taxa de inscrição de R$ 300,00.", set()),
    # the sender's own request: hits
    ("en", "Kindly pay the processing fee of USD 150 to confirm your job.", {"fee"}),
    ("es", "Usted debe pagar la cuota de inscripción de 150 dólares.", {"fee"}),
    ("fr", "Vous devez payer les frais de dossier de 200 euros.", {"fee"}),
    ("pt", "Você deve pagar a taxa de inscrição de R$ 250,00.", {"fee"}),
]


@pytest.mark.parametrize("lang,text,want", SPEAKER, ids=[f"{c[0]}-{i}" for i, c in enumerate(SPEAKER)])
def test_who_is_speaking(lang, text, want):
    assert kinds(text, lang) == want, text


def test_a_third_party_mentioning_the_readers_ilo_job_is_not_the_ilo():
    landlord = ("Congratulations on your new job at the ILO! The rent for the flat is EUR 900 a month, "
                "to my usual account as always.")
    assert check(landlord).level.value != "fraud"
    scam = ("ILO Recruitment Unit: congratulations, you are selected for the job. "
            "Pay the processing fee of USD 150 to confirm.")
    assert check(scam).level.value == "fraud"


def test_the_ilo_name_anywhere_makes_a_fee_request_fraud():
    body = "Your job interview is confirmed. Kindly settle the USD 120 file charge through Ria before Monday."
    assert check(body).level.value == "suspicious"            # no ILO name: at least suspicious
    for named in ("ILO Dakar: " + body, body + "\n\nRegards,\nILO Green Jobs Fellowship",
                  "INTERNATIONAL LABOUR ORGANIZATION\n\n" + body):
        assert check(named).level.value == "fraud", named
    assert check(body, sender="ilo.jobs.desk@gmail.com").level.value == "fraud"


def test_the_readmes_worked_examples():
    """README.md, "How a level is reached": the figures it prints."""
    ex1 = ("From: ILO Recruitment Unit <ilo.recruit.unit@gmail.com>\nSubject: Job offer\n\nDear candidate,\n"
           "The ILO Recruitment Unit is pleased to offer you the position. Please pay the processing fee "
           "of USD 350 through our travel agent.\n")
    v = check(ex1)
    assert (v.level.value, round(v.score, 2)) == ("fraud", 13.45)
    assert sorted(v.rule_ids) == ["GRD101", "GRD105", "GRD302", "GRD901", "GRD902"]
    ex2 = ("Dear candidate, thank you for your job application. For the interview, contact the hiring "
           "manager on WhatsApp. The position will be given to another candidate if you do not confirm "
           "within 48 hours.")
    v = check(ex2)
    assert (v.level.value, round(v.score, 2), sorted(v.rule_ids)) == ("suspicious", 2.05, ["GRD502", "GRD503"])
    ex3 = "Your job interview is confirmed. Kindly settle the USD 120 file charge through Ria before Monday."
    v = check(ex3)
    assert (v.level.value, round(v.score, 2), sorted(v.rule_ids)) == ("suspicious", 5.7, ["GRD101", "GRD104", "GRD105"])
