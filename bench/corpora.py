"""The evaluation corpora in ../shared/corpora: where they are and how to read them.

Every bench script takes ``--corpora DIR``; the default is ``../shared/corpora``
next to the repository (or ``$GUARD_SHARED_DIR/corpora`` when that is set).
Nothing from the corpora is copied into the repository: the scripts read them
where they are and print figures.

Sets (see ../shared/corpora/README.md for their sources and licences):

=====================  =====  ==========================================================
name                   label  what guard is given
=====================  =====  ==========================================================
sa-easy-ham            ham    SpamAssassin easy-ham-1 + easy-ham-2, raw bytes
sa-hard-ham            ham    SpamAssassin hard-ham-1, raw bytes
sa-spam                spam   SpamAssassin spam-1 + spam-2, raw bytes
sa-fee-payment-ham     ham    the 79 ham messages listed in fee_payment_ham.csv, bytes
enron-fee-ham          ham    Enron-Spam ham about payments, as pasted text (``str``)
emscad-fraud           fraud  EMSCAD fraudulent postings, pasted text (``str``) made of
                              title, company_profile, description, requirements and
                              benefits, one blank line between fields
=====================  =====  ==========================================================
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

REPO = Path(__file__).resolve().parent.parent

EMSCAD_FIELDS = ("title", "company_profile", "description", "requirements", "benefits")
# The corpus README's "about 178 mention fees, bank, wire, payment or deposit":
# a case-insensitive match at the start of a word, in the five text fields.
# It also matches "feedback", "feel", "wireless", "bankruptcy" and so on, which
# is why the postings that really ask for money were labelled by reading them
# (bench/data/emscad_labels.csv).
EMSCAD_MONEY_WORDS = re.compile(r"\b(fee|bank|wire|payment|deposit)", re.IGNORECASE)


def default_corpora() -> Path:
    env = os.environ.get("GUARD_SHARED_DIR")
    base = Path(env) if env else REPO.parent / "shared"
    return base / "corpora"


@dataclass(slots=True)
class Item:
    """One message of a set."""

    id: str                 # path relative to the corpora folder, or "emscad:<job_id>"
    payload: bytes | str    # what guard.check() is given
    size: int               # bytes of the source
    subject: str = ""       # for pasted text: what goes in a Subject line for SpamAssassin
    body: str = ""          # for pasted text: the rest


@dataclass(slots=True)
class CorpusSet:
    name: str
    label: str              # "ham" | "spam" | "fraud"
    mode: str               # "email" (bytes) | "pasted" (str)
    description: str
    loader: Callable[[Path], list[Item]]

    def load(self, root: Path) -> list[Item]:
        return self.loader(root)


def _files(root: Path, *dirs: str) -> list[Path]:
    out: list[Path] = []
    for d in dirs:
        folder = root / "spamassassin" / d
        out.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    return out


def _email_items(root: Path, paths: list[Path]) -> list[Item]:
    items = []
    for p in paths:
        data = p.read_bytes()
        items.append(Item(str(p.relative_to(root)), data, len(data)))
    return items


def _sa(*dirs: str) -> Callable[[Path], list[Item]]:
    return lambda root: _email_items(root, _files(root, *dirs))


def fee_payment_paths(root: Path) -> list[Path]:
    out = []
    with open(root / "spamassassin" / "fee_payment_ham.csv", newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if not row or not row[0].strip() or row[0].startswith("#"):
                continue
            rel = row[0].strip()
            if rel.lower() in ("path", "file"):
                continue
            p = root / rel
            if not p.is_file():
                raise FileNotFoundError(f"fee_payment_ham.csv lists a missing file: {rel}")
            out.append(p)
    return out


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def as_pasted(text: str) -> str:
    """Make sure guard reads ``text`` as pasted text, never as a header block.

    This is what ``guard check --text`` does: a leading blank line.
    """
    from guard.parse import looks_like_message

    return "\n" + text if looks_like_message(text) else text


def _enron(root: Path) -> list[Item]:
    items = []
    for p in sorted((root / "enron_fee_ham").glob("*.txt")):
        data = p.read_bytes()
        text = _decode(data).replace("\r\n", "\n")
        first, _, rest = text.partition("\n")
        subject = first[len("Subject:"):].strip() if first.lower().startswith("subject:") else ""
        body = rest if subject or first.lower().startswith("subject:") else text
        items.append(Item(str(p.relative_to(root)), as_pasted(text), len(data), subject, body))
    return items


def emscad_rows(root: Path) -> list[dict[str, str]]:
    path = root / "emscad_fraud" / "emscad_fraudulent_postings.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def emscad_text(row: dict[str, str]) -> str:
    return "\n\n".join(row[f].strip() for f in EMSCAD_FIELDS if row.get(f, "").strip())


def emscad_mentions_money(row: dict[str, str]) -> bool:
    return bool(EMSCAD_MONEY_WORDS.search(" ".join(row.get(f, "") for f in EMSCAD_FIELDS)))


def _emscad(root: Path) -> list[Item]:
    items = []
    for row in emscad_rows(root):
        text = emscad_text(row)
        body = "\n\n".join(row[f].strip() for f in EMSCAD_FIELDS[1:] if row.get(f, "").strip())
        items.append(Item(f"emscad:{row['job_id']}", as_pasted(text), len(text.encode()),
                          row.get("title", "").strip(), body))
    return items


SETS: list[CorpusSet] = [
    CorpusSet("sa-easy-ham", "ham", "email", "SpamAssassin easy-ham-1 + easy-ham-2",
              _sa("easy-ham-1", "easy-ham-2")),
    CorpusSet("sa-hard-ham", "ham", "email", "SpamAssassin hard-ham-1", _sa("hard-ham-1")),
    CorpusSet("sa-spam", "spam", "email", "SpamAssassin spam-1 + spam-2", _sa("spam-1", "spam-2")),
    CorpusSet("sa-fee-payment-ham", "ham", "email",
              "the ham messages listed in spamassassin/fee_payment_ham.csv",
              lambda root: _email_items(root, fee_payment_paths(root))),
    CorpusSet("enron-fee-ham", "ham", "pasted", "Enron-Spam ham about payments (pasted text)", _enron),
    CorpusSet("emscad-fraud", "fraud", "pasted", "EMSCAD fraudulent job postings (pasted text)", _emscad),
]
SET_NAMES = [s.name for s in SETS]


def get_set(name: str) -> CorpusSet:
    for s in SETS:
        if s.name == name:
            return s
    raise KeyError(f"unknown set {name!r}; sets: {', '.join(SET_NAMES)}")


def spamassassin_paths(root: Path) -> list[Path]:
    """The 6,046 SpamAssassin messages, ham and spam, in a stable order."""
    return _files(root, "easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2")


SA_DIRS = ("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2")


def require(root: Path) -> Path:
    if not root.is_dir():
        raise SystemExit(
            f"corpora not found at {root}: pass --corpora DIR (the folder holding "
            "spamassassin/, enron_fee_ham/ and emscad_fraud/)"
        )
    return root


# -- labels ------------------------------------------------------------------------

LABELS_FILE = Path(__file__).resolve().parent / "data" / "emscad_labels.csv"


@dataclass(slots=True)
class Label:
    job_id: str
    label: str
    note: str


def load_labels(path: Path = LABELS_FILE) -> dict[str, Label]:
    out: dict[str, Label] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = (line for line in fh if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(rows):
            jid = row["job_id"].strip()
            if jid in out:
                raise ValueError(f"{path.name}: job_id {jid} is labelled twice")
            out[jid] = Label(jid, row["label"].strip(), row.get("note", "").strip())
    return out


def iter_mbox(items: list[Item], to_bytes: Callable[[Item], bytes]) -> Iterator[bytes]:
    """mboxrd: a From_ line before each message, '>' added before body "From " lines."""
    for it in items:
        data = to_bytes(it)
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1] if b"\n" in data else b""
        data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
        if not data.endswith(b"\n"):
            data += b"\n"
        yield b"From bench@example.invalid Thu Jan  1 00:00:00 2004\n" + data + b"\n"
