"""Every pointer in the project's documents is true: each file, folder and
test the README, rules/README.md and docs/architecture.md name exists, and
each section they send the reader to ("see "DNS checks"", a markdown link to
"#anchor" or to another file) is there.

What counts as a pointer (outside fenced code blocks, which hold commands
and configuration for other machines):

* a backticked path that starts with one of the project's folders
  (``guard/``, ``tests/``, ``bench/``, ``rules/``, ``docs/``, ``web/``,
  ``scripts/``, ``.ci/``); in rules/README.md also a path inside rules/
  (``vocab/en.toml``). ``<lang>`` in a path stands for any one name;
* a backticked bare file name of the project's kinds (``test_scope.py``,
  ``scoring.toml``, ``architecture.md``): some file of that name exists;
* ``see "Title"`` and ``"Title" section``: a heading of that document
  (or, after a document's name, ``README.md, "Title"``, of that one);
* markdown links ``[text](#anchor)`` and ``[text](relative/path)``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("README.md", "rules/README.md", "docs/architecture.md")
FOLDERS = ("guard/", "tests/", "bench/", "rules/", "docs/", "web/", "scripts/", ".ci/")
BARE = re.compile(r"^[\w.-]+\.(?:py|toml|md|txt|cfg|po|json)$")
# files a document names that an operator creates: the code that reads them is named
OPTIONAL = {"rules/organisation.toml": "web/organisation.py"}
_SKIP_DIRS = {".venv", ".git", "node_modules", "__pycache__", "test-output"}


def _text_outside_code(text: str) -> str:
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        out.append("" if fenced else line)
    return "\n".join(out)


def headings(text: str) -> list[str]:
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)):
            out.append(m.group(1).replace("`", ""))
    return out


def slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    s = re.sub(r"[^\w\- ]", "", title.lower().replace("`", ""))
    return s.replace(" ", "-")


def _exists(path: str, base: Path) -> bool:
    path = path.rstrip(".,;:")
    if "<" in path or "*" in path:                   # web/translations/<lang>/..., rules/*.toml
        pattern = re.sub(r"<[^>]*>", "*", path)
        return any(base.glob(pattern.rstrip("/")))
    return (base / path).exists()


_FILES: set[str] | None = None


def _file_names() -> set[str]:
    global _FILES
    if _FILES is None:
        _FILES = set()
        for p in ROOT.rglob("*"):
            if not _SKIP_DIRS & set(p.relative_to(ROOT).parts):
                _FILES.add(p.name)
    return _FILES


def pointers(doc: str) -> list[str]:
    """What is wrong with ``doc``'s pointers (empty: all true)."""
    path = ROOT / doc
    text = path.read_text(encoding="utf-8")
    prose = _text_outside_code(text)
    wrong: list[str] = []
    here = path.parent
    for span in re.findall(r"`([^`\n]+)`", prose):
        for token in span.split():
            token = token.strip("\"'(),;")
            if token in OPTIONAL:
                if token not in (ROOT / OPTIONAL[token]).read_text(encoding="utf-8"):
                    wrong.append(f"{doc}: `{token}`: {OPTIONAL[token]} no longer reads it")
            elif token.startswith(FOLDERS):
                if not _exists(token, ROOT):
                    wrong.append(f"{doc}: `{token}` does not exist")
            elif doc == "rules/README.md" and "/" in token and BARE.match(token.rsplit("/", 1)[-1]):
                if not _exists(token, here):
                    wrong.append(f"{doc}: `{token}` does not exist in rules/")
            elif BARE.match(token) and "*" not in token and not token.startswith("."):
                if token not in _file_names():
                    wrong.append(f"{doc}: no file is named `{token}`")
    titles = {t.lower() for t in headings(text)}
    other_docs = {d: {t.lower() for t in headings((ROOT / d).read_text(encoding="utf-8"))}
                  for d in DOCS if (ROOT / d).exists()}
    for m in re.finditer(r'(?:(README\.md|architecture\.md),\s*)?\bsee\s+"([^"]+)"|"([^"]+)"\s+section', prose):
        other, title = m.group(1), (m.group(2) or m.group(3))
        title = title.rstrip(".,")
        known = titles
        if other:
            known = other_docs.get("docs/architecture.md" if other == "architecture.md" else "README.md", set())
        if title.lower() not in known:
            wrong.append(f'{doc}: "{title}" is not a section of {other or doc}')
    anchors = {slug(t) for t in headings(text)}
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        if target.startswith("#"):
            if target[1:] not in anchors:
                wrong.append(f"{doc}: link to #{target[1:]}: no such heading")
            continue
        file, _, anchor = target.partition("#")
        if not (here / file).exists():
            wrong.append(f"{doc}: link to {file}: no such file")
        elif anchor and file.endswith(".md"):
            there = {slug(t) for t in headings((here / file).read_text(encoding="utf-8"))}
            if anchor not in there:
                wrong.append(f"{doc}: link to {file}#{anchor}: no such heading")
    return wrong


@pytest.mark.parametrize("doc", DOCS)
def test_every_pointer_of_the_document_is_true(doc):
    assert (ROOT / doc).exists(), f"{doc} is missing"
    assert pointers(doc) == []


def test_the_checker_finds_a_stale_pointer(tmp_path, monkeypatch):
    """The test above would fail on each kind of stale pointer."""
    doc = tmp_path / "README.md"
    doc.write_text('# Title\n\n## Real part\n\nSee `guard/nothing_here.py` and `tests/test_nothing.py`,\n'
                   '`test_i18n.py`, see "Sender rules", the "Real part" section, see "Real part",\n'
                   '[a link](#no-anchor), [ok](#real-part) and [gone](docs/gone.md).\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "_FILES", None)
    got = pointers("README.md")
    assert got == [
        "README.md: `guard/nothing_here.py` does not exist",
        "README.md: `tests/test_nothing.py` does not exist",
        "README.md: no file is named `test_i18n.py`",
        'README.md: "Sender rules" is not a section of README.md',
        "README.md: link to #no-anchor: no such heading",
        "README.md: link to docs/gone.md: no such file",
    ]


def test_the_readme_links_the_architecture_map_at_its_top():
    top = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "docs/architecture.md" in top
