"""Cluster state from saved YAML/JSON: files, directories, or stdin (``-``).

Accepts multi-document YAML, JSON, and ``kind: List`` output of ``kubectl get -o yaml|json``.
"""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from kubectl_karp.errors import InputError
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.sources.listfile import read_list

SUFFIXES = (".yaml", ".yml", ".json")

try:  # the C loader is several times faster on large snapshots
    YAML_LOADER: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    YAML_LOADER = yaml.SafeLoader


def expand_paths(paths: Sequence[str]) -> Iterator[tuple[str, Path | None]]:
    """``(name, path)`` for every file the arguments name; ``("-", None)`` is stdin.

    Directories expand to their YAML/JSON files, recursively and in sorted order.
    """
    for raw in paths:
        if raw == "-":
            yield "-", None
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
            if not files:
                raise InputError(f"directory {raw} holds no .yaml, .yml or .json files")
            for file in files:
                yield str(file), file
        elif path.is_file():
            yield raw, path
        else:
            raise InputError(f"{raw}: no such file or directory")


def read_documents(paths: Sequence[str]) -> list[tuple[Any, str]]:
    """``(document, origin)`` pairs from every file; origin is ``file document N``."""
    out: list[tuple[Any, str]] = []
    for name, path in expand_paths(paths):
        label = "stdin" if path is None else name
        try:
            data = _read_stdin() if path is None else path.read_bytes()
            text = _decode(data)
        except UnicodeDecodeError:
            raise InputError(f"{label}: not a UTF-8 text file") from None
        except OSError as err:
            raise InputError(f"{label}: {err.strerror or err}") from None
        out.extend(parse_text(text, label))
    return out


def _read_stdin() -> bytes:
    # With stdin closed (`<&-`, some CI runners) Python sets sys.stdin to None.
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("stdin: it is closed, so there is nothing to read for '-'")
    data: bytes = stream.read()
    return data


def _decode(data: bytes) -> str:
    # PowerShell's `>` writes UTF-16 with a byte-order mark; editors add a UTF-8 one.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def _json_stream(text: str) -> list[Any]:
    """One JSON value, or several written back to back (``jq -c``, ``--watch`` output)."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return values
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)


def parse_text(text: str, label: str) -> list[tuple[Any, str]]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            values = _json_stream(text)
        except json.JSONDecodeError as err:
            raise InputError(f"{label}: malformed JSON at line {err.lineno} column "
                             f"{err.colno}: {err.msg}") from None
        data = values[0] if len(values) == 1 else values
        docs = data if isinstance(data, list) else [data]
        return [(d, f"{label} document {i + 1}") for i, d in enumerate(docs)]
    items = read_list(text)  # `kubectl karp snapshot` output, read without PyYAML
    if items is not None:
        return [({"apiVersion": "v1", "kind": "List", "items": items}, f"{label} document 1")]
    out = []
    index = 0
    try:
        for index, doc in enumerate(yaml.load_all(text, Loader=YAML_LOADER), start=1):
            if doc is not None:
                out.append((doc, f"{label} document {index}"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(f"{label}: malformed YAML in document {index + 1}{where}: "
                         f"{problem}") from None
    return out


def load_paths(paths: Sequence[str], *, source: str | None = None) -> ClusterSnapshot:
    docs = read_documents(paths)
    # An empty file is valid YAML; say so rather than silently showing an empty cluster.
    names = ", ".join("stdin" if p == "-" else p for p in paths)
    notes = () if docs else (f"{names} holds no Kubernetes objects",)
    return build_snapshot(docs, source=source or f"snapshot {', '.join(paths)}", notes=notes)
