"""The interface's words in English, Spanish and French.

The findings' titles, explanations and the advice come from the rule packs
(``guard.check(..., lang=...)``); this module holds only the page's own words.
Every key exists in every language (tests/web/test_i18n.py checks it). Values
are plain text: the templates escape them like any other text.
"""

from __future__ import annotations

LANGS = ("en", "es", "fr")
DEFAULT_LANG = "en"

# Each language's name written in that language, for the switcher.
LANG_NAMES = {"en": "English", "es": "Español", "fr": "Français"}

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "site_name": "ILO job offer check",
        "title": "Is this ILO job offer a scam?",
        "intro": (
            "Paste a message that uses the name of the International Labour "
            "Organization (ILO). This page looks for the known signs of "
            "recruitment fraud and shows you where they are in the message."
        ),
        "privacy": (
            "Your message is checked and then forgotten: it is not stored, "
            "logged or sent anywhere."
        ),
        "skip": "Skip to the form",
        "lang_label": "Language",
        "form_heading": "Check a message",
        "label_message": "The message",
        "hint_message": (
            "Paste the whole message. If your mail program can show the original "
            "message with its headers, paste that: it tells more about the sender."
        ),
        "label_sender": "The sender's address (optional)",
        "hint_sender": "As your mail program shows it, for example name@example.com.",
        "label_file": "Or choose a saved e-mail (.eml file)",
        "hint_file": "If you choose a file, the file is checked instead of pasted text.",
        "submit": "Check the message",
        "checking": "Checking…",
        "result_heading": "Result",
        "verdict_label": "Verdict:",
        "level_fraud": "Fraud",
        "level_suspicious": "Suspicious",
        "level_clear": "No known warning signs",
        "headline_fraud": "This message shows the signs of ILO recruitment fraud.",
        "headline_suspicious": "Warning signs found: be careful with this message.",
        "headline_clear": "No known warning signs found.",
        "summary_fraud": "Do not pay anything and do not send any personal data.",
        "summary_suspicious": (
            "It has signs that scams often have. Check it carefully before you "
            "reply or pay anything."
        ),
        "summary_clear": (
            "That does not prove the message is genuine: this page only knows "
            "the warning signs it looks for."
        ),
        "checked_file": "Checked the file: {name}",
        "checked_file_noname": "Checked the uploaded file.",
        "both_given": "You gave both a file and pasted text: the file was checked.",
        "sender_line": "Sender: {address}",
        "sender_is_ilo": "an ilo.org address",
        "sender_not_ilo": "not an ilo.org address",
        "warning_heading": "The ILO's own warning",
        "warning_intro": "The ILO's vacancy notices say three things. This message:",
        "point_no_fee": "The ILO never charges a fee at any stage of recruitment.",
        "point_ilo_org_only": "The ILO writes to candidates only from ilo.org addresses.",
        "point_no_bank_details": "The ILO never asks candidates for bank details.",
        "point_broken": "goes against this:",
        "point_not_seen": "no sign of this found:",
        "findings_heading": "What was found",
        "finding_n": "Warning sign {n}:",
        "no_findings": "No warning sign from the list this page knows was found.",
        "breaks_prefix": "Goes against the ILO's warning:",
        "seen_in": "Seen in {field}:",
        "show_in_message": "show it in the message",
        "evidence_no_span": "{field}",
        "message_heading": "The message, with the warning signs highlighted",
        "message_heading_plain": "The message you checked",
        "message_intro": (
            "Highlighted text is where a warning sign was seen; the number after "
            "it leads to the explanation."
        ),
        "ref_label": "warning sign {n}",
        "field_subject": "Subject",
        "field_from": "From",
        "field_sender": "Sender you typed",
        "field_reply_to": "Reply-To",
        "field_return_path": "Return-Path",
        "field_authentication_results": "Authentication results",
        "field_body": "Message text",
        "field_from_name": "the sender's name",
        "advice_heading": "What to do now",
        "notes_heading": "About this check",
        "incomplete": "The check could not finish, so some warning signs may be missing.",
        "check_another": "Check another message",
        "error_heading": "The message could not be checked",
        "err_empty": "Paste a message or choose a file to check.",
        "err_too_large": (
            "That is too much to check at once (the limit is {limit}). Paste only "
            "the message that worries you, or save it without its attachments."
        ),
        "err_message_too_long": (
            "The message is too long to check (the limit is {limit} characters). "
            "Paste only the message that worries you."
        ),
        "err_sender_too_long": "The sender's address is too long ({limit} characters at most).",
        "err_bad_file": (
            "This file does not look like a saved e-mail (.eml). Save the message "
            "as .eml, or copy its text and paste it."
        ),
        "err_rate_limited": (
            "Too many checks from your connection in a short time. Wait a minute "
            "and try again."
        ),
        "err_not_found": "There is no page at this address.",
        "err_method": "This page cannot be used that way. Start again from the form.",
        "err_bad_request": "The form could not be read. Start again from the form.",
        "err_internal": (
            "Something went wrong on our side. Your message was not stored. "
            "Please try again."
        ),
        "footer": (
            "This page looks for known warning signs; it cannot prove that a "
            "message is genuine. ILO vacancies are published on jobs.ilo.org."
        ),
        "api_link": "JSON API",
    },
    "es": {
        "site_name": "Verificación de ofertas de la OIT",
        "title": "¿Esta oferta de empleo de la OIT es una estafa?",
        "intro": (
            "Pegue un mensaje que usa el nombre de la Organización Internacional "
            "del Trabajo (OIT). Esta página busca las señales conocidas de fraude "
            "en la contratación y le muestra dónde están en el mensaje."
        ),
        "privacy": (
            "Su mensaje se verifica y luego se olvida: no se guarda, no se "
            "registra ni se envía a ninguna parte."
        ),
        "skip": "Ir al formulario",
        "lang_label": "Idioma",
        "form_heading": "Verificar un mensaje",
        "label_message": "El mensaje",
        "hint_message": (
            "Pegue el mensaje completo. Si su programa de correo puede mostrar "
            "el mensaje original con sus encabezados, pegue eso: dice más sobre "
            "el remitente."
        ),
        "label_sender": "La dirección del remitente (opcional)",
        "hint_sender": "Tal como la muestra su programa de correo, por ejemplo nombre@example.com.",
        "label_file": "O elija un correo guardado (archivo .eml)",
        "hint_file": "Si elige un archivo, se verifica el archivo en lugar del texto pegado.",
        "submit": "Verificar el mensaje",
        "checking": "Verificando…",
        "result_heading": "Resultado",
        "verdict_label": "Veredicto:",
        "level_fraud": "Fraude",
        "level_suspicious": "Sospechoso",
        "level_clear": "Ninguna señal de alerta conocida",
        "headline_fraud": "Este mensaje presenta las señales de un fraude de contratación en nombre de la OIT.",
        "headline_suspicious": "Se encontraron señales de alerta: tenga cuidado con este mensaje.",
        "headline_clear": "No se encontró ninguna señal de alerta conocida.",
        "summary_fraud": "No pague nada y no envíe ningún dato personal.",
        "summary_suspicious": (
            "Tiene señales que las estafas suelen tener. Verifíquelo con cuidado "
            "antes de responder o de pagar cualquier cosa."
        ),
        "summary_clear": (
            "Eso no prueba que el mensaje sea auténtico: esta página solo conoce "
            "las señales de alerta que busca."
        ),
        "checked_file": "Archivo verificado: {name}",
        "checked_file_noname": "Se verificó el archivo enviado.",
        "both_given": "Dio un archivo y también texto pegado: se verificó el archivo.",
        "sender_line": "Remitente: {address}",
        "sender_is_ilo": "una dirección ilo.org",
        "sender_not_ilo": "no es una dirección ilo.org",
        "warning_heading": "La advertencia de la propia OIT",
        "warning_intro": "Los avisos de vacante de la OIT dicen tres cosas. Este mensaje:",
        "point_no_fee": "La OIT nunca cobra ninguna cuota en ninguna etapa de la contratación.",
        "point_ilo_org_only": "La OIT solo escribe a los candidatos desde direcciones ilo.org.",
        "point_no_bank_details": "La OIT nunca pide datos bancarios a los candidatos.",
        "point_broken": "va en contra de esto:",
        "point_not_seen": "no se encontró ninguna señal de esto:",
        "findings_heading": "Lo que se encontró",
        "finding_n": "Señal de alerta {n}:",
        "no_findings": "No se encontró ninguna de las señales de alerta que esta página conoce.",
        "breaks_prefix": "Va en contra de la advertencia de la OIT:",
        "seen_in": "Visto en {field}:",
        "show_in_message": "mostrarlo en el mensaje",
        "evidence_no_span": "{field}",
        "message_heading": "El mensaje, con las señales de alerta resaltadas",
        "message_heading_plain": "El mensaje que verificó",
        "message_intro": (
            "El texto resaltado es donde se vio una señal de alerta; el número "
            "que le sigue lleva a la explicación."
        ),
        "ref_label": "señal de alerta {n}",
        "field_subject": "Asunto",
        "field_from": "De",
        "field_sender": "Remitente que escribió",
        "field_reply_to": "Responder a",
        "field_return_path": "Return-Path",
        "field_authentication_results": "Resultados de autenticación",
        "field_body": "Texto del mensaje",
        "field_from_name": "el nombre del remitente",
        "advice_heading": "Qué hacer ahora",
        "notes_heading": "Sobre esta verificación",
        "incomplete": "La verificación no pudo terminar, así que pueden faltar señales de alerta.",
        "check_another": "Verificar otro mensaje",
        "error_heading": "No se pudo verificar el mensaje",
        "err_empty": "Pegue un mensaje o elija un archivo para verificar.",
        "err_too_large": (
            "Es demasiado para verificar de una vez (el límite es {limit}). Pegue "
            "solo el mensaje que le preocupa, o guárdelo sin sus adjuntos."
        ),
        "err_message_too_long": (
            "El mensaje es demasiado largo para verificarlo (el límite es {limit} "
            "caracteres). Pegue solo el mensaje que le preocupa."
        ),
        "err_sender_too_long": "La dirección del remitente es demasiado larga ({limit} caracteres como máximo).",
        "err_bad_file": (
            "Este archivo no parece un correo guardado (.eml). Guarde el mensaje "
            "como .eml, o copie su texto y péguelo."
        ),
        "err_rate_limited": (
            "Demasiadas verificaciones desde su conexión en poco tiempo. Espere "
            "un minuto y vuelva a intentarlo."
        ),
        "err_not_found": "No hay ninguna página en esta dirección.",
        "err_method": "Esta página no se puede usar así. Vuelva a empezar desde el formulario.",
        "err_bad_request": "No se pudo leer el formulario. Vuelva a empezar desde el formulario.",
        "err_internal": (
            "Algo salió mal de nuestro lado. Su mensaje no se guardó. Vuelva a "
            "intentarlo."
        ),
        "footer": (
            "Esta página busca señales de alerta conocidas; no puede probar que "
            "un mensaje sea auténtico. Las vacantes de la OIT se publican en "
            "jobs.ilo.org."
        ),
        "api_link": "API JSON",
    },
    "fr": {
        "site_name": "Vérification des offres de l'OIT",
        "title": "Cette offre d'emploi de l'OIT est-elle une arnaque ?",
        "intro": (
            "Collez un message qui utilise le nom de l'Organisation internationale "
            "du Travail (OIT). Cette page cherche les signes connus de fraude au "
            "recrutement et vous montre où ils se trouvent dans le message."
        ),
        "privacy": (
            "Votre message est vérifié puis oublié : il n'est ni conservé, ni "
            "journalisé, ni envoyé ailleurs."
        ),
        "skip": "Aller au formulaire",
        "lang_label": "Langue",
        "form_heading": "Vérifier un message",
        "label_message": "Le message",
        "hint_message": (
            "Collez le message entier. Si votre messagerie peut afficher le "
            "message original avec ses en-têtes, collez-le : il en dit plus sur "
            "l'expéditeur."
        ),
        "label_sender": "L'adresse de l'expéditeur (facultatif)",
        "hint_sender": "Telle que votre messagerie l'affiche, par exemple nom@example.com.",
        "label_file": "Ou choisissez un e-mail enregistré (fichier .eml)",
        "hint_file": "Si vous choisissez un fichier, c'est le fichier qui est vérifié et non le texte collé.",
        "submit": "Vérifier le message",
        "checking": "Vérification…",
        "result_heading": "Résultat",
        "verdict_label": "Verdict :",
        "level_fraud": "Fraude",
        "level_suspicious": "Suspect",
        "level_clear": "Aucun signe d'alerte connu",
        "headline_fraud": "Ce message présente les signes d'une fraude au recrutement au nom de l'OIT.",
        "headline_suspicious": "Signes d'alerte trouvés : méfiez-vous de ce message.",
        "headline_clear": "Aucun signe d'alerte connu n'a été trouvé.",
        "summary_fraud": "Ne payez rien et n'envoyez aucune donnée personnelle.",
        "summary_suspicious": (
            "Il présente des signes fréquents dans les arnaques. Vérifiez-le "
            "attentivement avant de répondre ou de payer quoi que ce soit."
        ),
        "summary_clear": (
            "Cela ne prouve pas que le message est authentique : cette page ne "
            "connaît que les signes d'alerte qu'elle cherche."
        ),
        "checked_file": "Fichier vérifié : {name}",
        "checked_file_noname": "Le fichier envoyé a été vérifié.",
        "both_given": "Vous avez donné un fichier et du texte collé : le fichier a été vérifié.",
        "sender_line": "Expéditeur : {address}",
        "sender_is_ilo": "une adresse ilo.org",
        "sender_not_ilo": "pas une adresse ilo.org",
        "warning_heading": "L'avertissement de l'OIT elle-même",
        "warning_intro": "Les avis de vacance de l'OIT disent trois choses. Ce message :",
        "point_no_fee": "L'OIT ne fait jamais payer de frais à aucune étape du recrutement.",
        "point_ilo_org_only": "L'OIT n'écrit aux candidats que depuis des adresses ilo.org.",
        "point_no_bank_details": "L'OIT ne demande jamais de coordonnées bancaires aux candidats.",
        "point_broken": "va à l'encontre de ceci :",
        "point_not_seen": "aucun signe de ceci trouvé :",
        "findings_heading": "Ce qui a été trouvé",
        "finding_n": "Signe d'alerte {n} :",
        "no_findings": "Aucun des signes d'alerte que cette page connaît n'a été trouvé.",
        "breaks_prefix": "Va à l'encontre de l'avertissement de l'OIT :",
        "seen_in": "Vu dans {field} :",
        "show_in_message": "le montrer dans le message",
        "evidence_no_span": "{field}",
        "message_heading": "Le message, avec les signes d'alerte surlignés",
        "message_heading_plain": "Le message vérifié",
        "message_intro": (
            "Le texte surligné est l'endroit où un signe d'alerte a été vu ; le "
            "numéro qui le suit mène à l'explication."
        ),
        "ref_label": "signe d'alerte {n}",
        "field_subject": "Objet",
        "field_from": "De",
        "field_sender": "Expéditeur saisi",
        "field_reply_to": "Répondre à",
        "field_return_path": "Return-Path",
        "field_authentication_results": "Résultats d'authentification",
        "field_body": "Texte du message",
        "field_from_name": "le nom de l'expéditeur",
        "advice_heading": "Que faire maintenant",
        "notes_heading": "À propos de cette vérification",
        "incomplete": "La vérification n'a pas pu aller au bout : des signes d'alerte peuvent manquer.",
        "check_another": "Vérifier un autre message",
        "error_heading": "Le message n'a pas pu être vérifié",
        "err_empty": "Collez un message ou choisissez un fichier à vérifier.",
        "err_too_large": (
            "C'est trop à vérifier en une fois (la limite est de {limit}). Collez "
            "seulement le message qui vous inquiète, ou enregistrez-le sans ses "
            "pièces jointes."
        ),
        "err_message_too_long": (
            "Le message est trop long pour être vérifié (la limite est de {limit} "
            "caractères). Collez seulement le message qui vous inquiète."
        ),
        "err_sender_too_long": "L'adresse de l'expéditeur est trop longue ({limit} caractères au plus).",
        "err_bad_file": (
            "Ce fichier ne ressemble pas à un e-mail enregistré (.eml). Enregistrez "
            "le message au format .eml, ou copiez son texte et collez-le."
        ),
        "err_rate_limited": (
            "Trop de vérifications depuis votre connexion en peu de temps. "
            "Attendez une minute et réessayez."
        ),
        "err_not_found": "Il n'y a pas de page à cette adresse.",
        "err_method": "Cette page ne s'utilise pas ainsi. Recommencez depuis le formulaire.",
        "err_bad_request": "Le formulaire n'a pas pu être lu. Recommencez depuis le formulaire.",
        "err_internal": (
            "Un problème est survenu de notre côté. Votre message n'a pas été "
            "conservé. Veuillez réessayer."
        ),
        "footer": (
            "Cette page cherche des signes d'alerte connus ; elle ne peut pas "
            "prouver qu'un message est authentique. Les offres de l'OIT sont "
            "publiées sur jobs.ilo.org."
        ),
        "api_link": "API JSON",
    },
}


def translate(lang: str, key: str, **values) -> str:
    """The text for ``key`` in ``lang`` (English if missing), formatted with ``values``."""
    table = STRINGS.get(lang) or STRINGS[DEFAULT_LANG]
    text = table.get(key)
    if text is None:
        text = STRINGS[DEFAULT_LANG][key]
    return text.format(**values) if values else text


def field_label(lang: str, field: str) -> str:
    """A readable name for a view ("body" -> "Message text"); unknown views as named."""
    base = field
    if field.startswith("reply_to_"):
        base = "reply_to"
    key = f"field_{base}"
    if key in STRINGS[DEFAULT_LANG]:
        label = translate(lang, key)
        if base != field:
            label = f"{label} ({field.rsplit('_', 1)[1]})"
        return label
    return field.replace("_", " ")


def format_bytes(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024:
        return f"{n // 1024} kB"
    return f"{n} bytes"
