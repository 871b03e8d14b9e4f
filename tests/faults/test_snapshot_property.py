"""Property: any mutation of a valid snapshot yields a result or exactly one ``error:`` line,
never ``internal error:`` or a traceback (hypothesis; the demo cluster is the valid base).

Mutations replace or delete one value anywhere in one document (with hostile values:
Unicode digits, overflowing numbers and durations, far timestamps, NaN, wrong types,
escapes), duplicate a document, or cut the YAML text at any point.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_karp.cli.app import run
from kubectl_karp.sources.demo import demo_documents
from kubectl_karp.sources.listfile import write_list

COMMANDS = ("simulate", "consolidate", "explain")
HOSTILE = st.sampled_from([
    "²", "²%", "-1", "--5", "1e999", "99999999999h", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z", "Never", "", "../../x", "\x1b[2J", "0", "100%", "101%", "1.5",
    "NaN", "-0", "9" * 40, "true", "1h1h", "5m", "10%", "In", "Exists", "Gt",
])
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), HOSTILE,
    st.lists(st.integers(-3, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "key", "name", "values"]), st.integers(-1, 1),
                    max_size=2),
)


def _base() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for doc, _origin in demo_documents():
        if isinstance(doc, dict):
            items = doc.get("items") if doc.get("kind") == "List" else None
            docs.extend(items if isinstance(items, list) else [doc])
    return docs


BASE = _base()


def _mutate(data: st.DataObject, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    docs = copy.deepcopy(docs)
    index = data.draw(st.integers(0, len(docs) - 1), label="document")
    if data.draw(st.integers(0, 9), label="duplicate?") == 0:
        docs.append(copy.deepcopy(docs[index]))
        return docs
    node: Any = docs[index]
    for _ in range(data.draw(st.integers(1, 8), label="depth")):
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) \
            if isinstance(node, list) else []
        if not keys:
            break
        key = data.draw(st.sampled_from(keys), label="key")
        child = node[key]
        if not isinstance(child, dict | list) or not child or data.draw(st.booleans()):
            if isinstance(node, dict) and data.draw(st.integers(0, 4), label="delete?") == 0:
                del node[key]
            else:
                node[key] = data.draw(VALUES, label="value")
            return docs
        node = child
    return docs


def _check(path: Path) -> None:
    for command in COMMANDS:
        out, err = io.StringIO(), io.StringIO()
        import contextlib

        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = run([command, "--snapshot", str(path), "-o", "json"])
        text = err.getvalue()
        errors = [line for line in text.splitlines() if line.startswith("error:")]
        assert "internal error" not in text and "Traceback" not in text, text
        if errors:
            assert len(errors) == 1 and status in (1, 2), text
        else:
            assert status in (0, 3), text
            json.loads(out.getvalue())  # complete, valid JSON (no NaN)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("property")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(data=st.data())
def test_any_mutation_gives_a_result_or_one_error(data: st.DataObject, folder: Path) -> None:
    docs = _mutate(data, BASE)
    path = folder / "mutated.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}),
                    encoding="utf-8")
    _check(path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(cut=st.floats(0.0, 1.0), fast=st.booleans())
def test_a_snapshot_cut_anywhere_gives_a_result_or_one_error(cut: float, fast: bool,
                                                             folder: Path) -> None:
    if fast:  # the List as `snapshot -o yaml` writes it (read without PyYAML)
        stream = io.StringIO()
        write_list(BASE, "yaml", stream)
        text = stream.getvalue()
    else:
        import yaml

        text = yaml.safe_dump_all(BASE, sort_keys=False)
    path = folder / "cut.yaml"
    path.write_text(text[: int(len(text) * cut)], encoding="utf-8")
    _check(path)
