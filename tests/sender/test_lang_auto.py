"""lang="auto": the verdict explains in the message's own language."""

import json

import pytest

from guard import check
from guard.cli import main
from guard.langdetect import detect

TEXTS = {
    "en": "Dear candidate, thank you for your application. We are pleased to invite you to the interview "
          "for the post. Please confirm that you will be available on Monday.",
    "es": "Estimado candidato: le agradecemos su postulación. Tenemos el agrado de invitarle a la entrevista "
          "para el puesto. Por favor confirme si está disponible el lunes con el equipo de selección.",
    "fr": "Madame, Monsieur, nous vous remercions de votre candidature. Nous avons le plaisir de vous inviter "
          "à un entretien pour le poste. Merci de nous confirmer votre disponibilité lundi.",
    "pt": "Prezado candidato, agradecemos a sua candidatura. Temos o prazer de o convidar para uma entrevista "
          "para o cargo. Por favor confirme se você está disponível na segunda-feira, não se esqueça.",
}


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_detect(lang):
    assert detect(TEXTS[lang]) == lang


def test_too_little_text_is_not_guessed():
    assert detect("OK") is None and detect("") is None


SCAMS = {
    "en": "The ILO Recruitment Unit is pleased to offer you the job. Please pay the processing fee of USD 300 "
          "to confirm your employment with us and send it today.",
    "es": "La OIT tiene el placer de ofrecerle el puesto. Para confirmar su contratación debe pagar la cuota "
          "de inscripción de 150 dólares por Western Union y enviar el recibo.",
    "fr": "Le BIT a le plaisir de vous proposer le poste. Pour finaliser votre recrutement, vous devez payer "
          "les frais de dossier de 200 euros et nous envoyer le reçu.",
    "pt": "A OIT tem o prazer de lhe oferecer o cargo. Para confirmar a sua contratação, deve pagar a taxa "
          "de inscrição de R$ 350,00 via PIX e enviar o comprovativo.",
}


@pytest.mark.parametrize("lang", sorted(SCAMS))
def test_auto_explains_in_the_messages_language(lang):
    v = check(SCAMS[lang], sender="x@gmail.com", lang="auto")
    assert v.lang == lang
    same = check(SCAMS[lang], sender="x@gmail.com", lang=lang)
    assert [f.title for f in v.findings] == [f.title for f in same.findings]
    assert v.advice == same.advice


# Spanish and Portuguese share many words ("de", "que", "para", "com"/"con"):
# close pairs, the same message in each, must each get their own language.
NEIGHBOURS = [
    ("Parabéns! Você foi aprovado para trabalhar em Genebra. Pague a taxa de R$ 450,00 via PIX hoje.",
     "¡Felicidades! Usted fue aprobado para trabajar en Ginebra. Pague la cuota de 450 dólares hoy."),
    ("Bom dia. Segue em anexo a fatura de novembro. O pagamento pode ser feito por boleto ou pela chave PIX da empresa.",
     "Buenos días. Adjunto la factura de noviembre. El pago se puede hacer por transferencia a la cuenta de la empresa."),
    ("A OIT não cobra qualquer taxa em nenhuma fase do processo de recrutamento.",
     "La OIT no cobra ninguna cuota en ninguna etapa del proceso de contratación."),
    ("Caro candidato, para continuar o processo de seleção precisamos de uma cópia do seu passaporte.",
     "Para continuar el proceso de selección necesitamos una copia de su pasaporte y de sus datos."),
]


@pytest.mark.parametrize("pt,es", NEIGHBOURS, ids=range(len(NEIGHBOURS)))
def test_portuguese_and_spanish_are_told_apart(pt, es):
    assert detect(pt) == "pt"
    assert detect(es) == "es"


def test_portuguese_is_explained_in_portuguese():
    v = check(TEXTS["pt"], lang="auto")
    assert v.lang == "pt" and not any("language" in n for n in v.notes)
    s = check(SCAMS["pt"], sender="x@gmail.com", lang="auto")
    assert s.lang == "pt" and s.level == "fraud"
    assert s.advice[0].startswith("Não pague nada.")
    assert "Pede que pague uma taxa" in [f.title for f in s.findings]


def test_spanish_is_not_explained_in_portuguese():
    v = check(SCAMS["es"], sender="x@gmail.com", lang="auto")
    assert v.lang == "es" and v.advice[0].startswith("No pague nada.")


def test_unknown_language_falls_back_to_english_with_a_note():
    v = check("Sehr geehrte Damen und Herren, wir freuen uns, Ihnen die Stelle anzubieten. "
              "Bitte zahlen Sie die Gebühr bis Freitag.", lang="auto")
    assert v.lang == "en"
    assert any("not recognised" in n for n in v.notes)


def test_cli_lang_auto(tmp_path, capsys):
    f = tmp_path / "m.txt"
    f.write_text(SCAMS["es"], encoding="utf-8")
    code = main(["check", "--json", "--lang", "auto", "--sender", "x@gmail.com", str(f)])
    out = json.loads(capsys.readouterr().out)
    assert code == 20 and out["level"] == "fraud"
    assert out["findings"][0]["title"] == check(SCAMS["es"], sender="x@gmail.com", lang="es").findings[0].title


def test_bad_lang_is_an_error():
    with pytest.raises(ValueError):
        check("hello", lang="de")
