"""Helpers for the web tests: sample messages and a tiny HTML tree.

The sample messages are written for these tests (not taken from any corpus).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Clearly fraudulent: claims the ILO, writes from free mail, asks for a fee and
# bank details, with a deadline. One per interface language.
SCAMS = {
    "en": (
        "Dear candidate,\n"
        "The International Labour Organization (ILO) is pleased to offer you the post "
        "of Project Assistant in Geneva. To complete your file you must pay a "
        "processing fee of 350 USD by Western Union within 48 hours. Send your bank "
        "account details and a copy of your passport to "
        "ilo.recruitment.office@gmail.com.\n"
        "Regards, ILO Human Resources",
        "ilo.recruitment.office@gmail.com",
    ),
    "es": (
        "Estimado candidato:\n"
        "La Organización Internacional del Trabajo (OIT) le ofrece el puesto de "
        "asistente de proyecto en Ginebra. Para finalizar su contratación debe pagar "
        "una cuota de inscripción de 300 USD antes de 48 horas. Envíe sus datos "
        "bancarios a oit.empleo@gmail.com.\n"
        "Atentamente, Recursos Humanos de la OIT",
        "oit.empleo@gmail.com",
    ),
    "fr": (
        "Cher candidat,\n"
        "L'Organisation internationale du Travail (OIT) a le plaisir de vous proposer "
        "le poste d'assistant de projet à Genève. Vous devez régler des frais de "
        "dossier de 250 euros sous 48 heures. Envoyez vos coordonnées bancaires à "
        "oit.recrutement@gmail.com.\n"
        "Cordialement, Ressources humaines de l'OIT",
        "oit.recrutement@gmail.com",
    ),
    "pt": (
        "Prezado candidato,\n"
        "A Organização Internacional do Trabalho (OIT) tem o prazer de lhe oferecer o cargo "
        "de assistente de projetos em Genebra. Para concluir a sua contratação, pague a taxa "
        "de inscrição de R$ 350,00 via PIX no prazo de 48 horas. Envie os seus dados "
        "bancários para oit.recrutamento.brasil@gmail.com.\n"
        "Atenciosamente, Recursos Humanos da OIT",
        "oit.recrutamento.brasil@gmail.com",
    ),
}

# A genuine-looking ILO message: from ilo.org, points to the jobs site, and
# repeats the ILO's own warning (the words a naive checker would flag).
GENUINE = (
    "Dear applicant,\n"
    "Thank you for your interest in the ILO vacancy for a Programme Officer. "
    "Please submit your application through the ILO jobs site, jobs.ilo.org. "
    "The ILO does not charge any fee at any stage of the recruitment process and "
    "does not request bank details.\n"
    "Human Resources Development, International Labour Office",
    "hrd-recruitment@ilo.org",
)

# The same in Portuguese: a genuine ILO reply that ends with the ILO's warning.
GENUINE_PT = (
    "Prezada candidata,\n"
    "Agradecemos o seu interesse na vaga de Oficial de Programa da OIT. "
    "A candidatura deve ser feita apenas pelo site de emprego da OIT, jobs.ilo.org. "
    "A OIT não cobra qualquer taxa em nenhuma fase do processo de recrutamento, nunca "
    "solicita dados bancários e pede que ignore mensagens que não venham de um endereço ilo.org.\n"
    "Recursos Humanos, Organização Internacional do Trabalho",
    "rh-recrutamento@ilo.org",
)

# A whole message with headers, as a mail program saves it (.eml).
SCAM_EML = (
    b"From: ILO Recruitment <ilo.jobs.desk@gmail.com>\r\n"
    b"To: candidate@example.net\r\n"
    b"Subject: ILO job offer - processing fee required\r\n"
    b"Date: Mon, 3 Jun 2024 10:00:00 +0000\r\n"
    b"Message-ID: <offer-1@example.net>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Dear candidate,\r\n"
    b"The International Labour Organization (ILO) has selected you for the post of "
    b"Field Officer. You must pay a registration fee of 200 USD before Friday "
    b"and send us your bank account number.\r\n"
)


# -- a tiny HTML tree ------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list = field(default_factory=list)
    parent: "Node | None" = None

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list["Node"]:
        out = []
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes():
                continue
            if any(n.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> "Node | None":
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def text(self, skip=lambda n: False) -> str:
        parts = []
        for c in self.children:
            if isinstance(c, str):
                parts.append(c)
            elif not skip(c):
                parts.append(c.text(skip))
        return "".join(parts)


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.cur = self.root
        self.all_tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.cur)
        self.all_tags.append((tag, dict(attrs)))
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.all_tags.append((tag, dict(attrs)))
        self.cur.children.append(Node(tag, dict(attrs), parent=self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_html(html: str | bytes) -> tuple[Node, list[tuple[str, dict]]]:
    """The document tree and every start tag with its attributes, in order."""
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    b = _TreeBuilder()
    b.feed(html)
    b.close()
    return b.root, b.all_tags


def is_ref(n: Node) -> bool:
    return n.tag == "a" and "ref" in n.classes()


def shown_views(doc: Node) -> dict[str, str]:
    """The message as the page shows it: field -> text (reference links left out)."""
    out = {}
    for f in doc.find_all("div", cls="msg-field"):
        body = f.find("div", cls="msg-text")
        out[f.attrs["data-field"]] = body.text(skip=is_ref)
    return out


def marked_offsets(doc: Node, field_name: str) -> dict[int, set[int]]:
    """For one shown field: character offset -> numbers of the findings highlighting it."""
    f = doc.find("div", cls="msg-field", data_field=field_name)
    body = f.find("div", cls="msg-text")
    marks: dict[int, set[int]] = {}
    pos = 0

    def walk(node: Node, current: set[int] | None):
        nonlocal pos
        for c in node.children:
            if isinstance(c, str):
                if current is not None:
                    for i in range(pos, pos + len(c)):
                        marks[i] = set(current)
                pos += len(c)
            elif is_ref(c):
                continue
            elif c.tag == "mark":
                walk(c, {int(x) for x in c.attrs["data-findings"].split()})
            else:
                walk(c, current)

    walk(body, None)
    return marks
