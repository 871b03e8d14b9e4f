"""The layout issue 13 promises: ``cli/`` wires commands, ``render/`` builds every output.

import-linter (pyproject.toml) keeps tabulate, yaml and json out of ``kubectl_karp.cli``; these
tests catch what an import contract cannot see: a command module that builds a ``-o json``
document (a dict literal with an ``apiVersion`` or ``kind`` key) or a table itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parent.parent / "kubectl_karp" / "cli"
PACKAGE = CLI.parent

# No exemptions: explain's reading of a live workload (which stamps apiVersion/kind) lives in
# sources/workloads.py. Keep the set for a future input normalisation that must stay here.
_INPUT_NORMALISATION: set[tuple[str, str]] = set()


def _document_literals(source: str, filename: str) -> list[str]:
    """``file:line (function)`` of every dict literal with an ``apiVersion``/``kind`` key."""
    tree = ast.parse(source, filename)
    found: list[str] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if keys & {"apiVersion", "kind"} and (filename, function) not in \
                    _INPUT_NORMALISATION:
                found.append(f"{filename}:{node.lineno} ({function})")
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "")
    return found


def _table_calls(source: str, filename: str) -> list[str]:
    """``file:line`` of every call of a function named ``table`` (render/'s table builder)."""
    return [f"{filename}:{node.lineno}" for node in ast.walk(ast.parse(source, filename))
            if isinstance(node, ast.Call)
            and ((isinstance(node.func, ast.Name) and node.func.id == "table")
                 or (isinstance(node.func, ast.Attribute) and node.func.attr == "table"))]


def test_cli_builds_no_documents() -> None:
    found = [hit for path in sorted(CLI.glob("*.py"))
             for hit in _document_literals(path.read_text(encoding="utf-8"), path.name)]
    assert found == [], "documents belong in kubectl_karp/render/: " + ", ".join(found)


def test_cli_builds_no_tables() -> None:
    found = [hit for path in sorted(CLI.glob("*.py"))
             for hit in _table_calls(path.read_text(encoding="utf-8"), path.name)]
    assert found == [], "tables belong in kubectl_karp/render/: " + ", ".join(found)


@pytest.mark.parametrize(("source", "hits"), [
    ('def f():\n    return {"kind": "ConsolidationPlan", "actions": []}\n', 1),
    ('def f(x):\n    return {**x, "apiVersion": "v1"}\n', 1),
    ('def f():\n    return {"nodes": [{"kind": "Node"}]}\n', 1),
    ('def f(doc):\n    return doc.get("kind") == "Pod"\n', 0),
    ('def live_workload(doc):\n    return {**doc, "kind": "Job"}\n', 1),
])
def test_the_document_check_can_fail(source: str, hits: int) -> None:
    assert len(_document_literals(source, "explain.py")) == hits


def test_the_table_check_can_fail() -> None:
    assert _table_calls("from x import table\ntable(['a'], [])\n", "x.py") == ["x.py:2"]
    assert _table_calls("import x\nx.table(['a'], [])\n", "x.py") == ["x.py:2"]


def test_renderers_modules_stay_small() -> None:
    """No module issue 13's move created or touched is over 500 lines."""
    touched = [*sorted((PACKAGE / "render").glob("*.py")), *sorted(CLI.glob("*.py")),
               PACKAGE / "core" / "disruption" / "plan.py", PACKAGE / "model" / "prices.py",
               *sorted((PACKAGE / "core" / "validation").glob("*.py"))]
    long = {p.relative_to(PACKAGE).as_posix(): n for p in touched
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}
