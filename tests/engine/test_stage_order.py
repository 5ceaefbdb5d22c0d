"""The engine's stages are one module each and data flows one way: no stage
imports a stage after it (docs/architecture.md, guard/engine.py), and the
architecture document names every stage the engine runs."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# the order of guard/engine.py's docstring and of docs/architecture.md's picture
STAGES = ["state", "keep", "contexts", "findings", "checks", "dnscheck", "meta", "scoring", "engine"]


def guard_imports(module: str) -> set[str]:
    """The guard modules ``guard/<module>.py`` imports, at the top or inside a function."""
    tree = ast.parse((ROOT / "guard" / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_no_stage_imports_a_later_stage():
    for i, stage in enumerate(STAGES):
        later = set(STAGES[i + 1:])
        assert not guard_imports(stage) & later, f"guard/{stage}.py imports {guard_imports(stage) & later}"


def test_the_engine_runs_every_stage():
    assert set(STAGES[:-1]) - {"state", "keep", "dnscheck"} <= guard_imports("engine")


def test_the_architecture_document_names_every_stage():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    picture = doc.split("## The pipeline", 1)[1].split("```", 2)[1]
    for stage in STAGES:
        assert re.search(rf"\bguard/{stage}\.py\b", picture), f"guard/{stage}.py is not in the pipeline picture"
