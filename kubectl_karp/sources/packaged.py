"""Package data (the demo cluster, the bundled catalogues) read fast.

The YAML files under kubectl_karp/data/ are the source; ``data/compiled.json`` holds the same
documents decoded, written by scripts/gen_package_data.py (CI checks it is current). PyYAML
spends most of `simulate --demo`'s own time on them; ``json`` reads the same in a few
milliseconds. Each entry carries the SHA-256 of the YAML it came from, so an edited YAML file
is read as YAML until the file is regenerated: the answer never depends on a stale copy.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from kubectl_karp.sources.files import parse_text

PACKAGE = "kubectl_karp.data"
COMPILED = "compiled.json"


@lru_cache(maxsize=1)
def _compiled() -> dict[str, Any]:
    entry = resources.files(PACKAGE).joinpath(COMPILED)
    if not entry.is_file():
        return {}
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=64)
def _encoded(path: str) -> tuple[str, str] | None:
    """(sha256, the documents as JSON text) of one entry: each caller decodes its own copy,
    as it would parse its own from the YAML, so no caller sees another's edits."""
    entry = _compiled().get(path)
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        return None
    return entry["sha256"], json.dumps(entry.get("documents"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compile_text(text: str, label: str) -> dict[str, Any]:
    """The entry ``data/compiled.json`` keeps for one YAML file."""
    docs = parse_text(text, label)
    prefix = f"{label} document "
    return {"sha256": digest(text),
            "documents": [[int(origin[len(prefix):]), doc] for doc, origin in docs]}


def package_documents(path: str, label: str) -> list[tuple[Any, str]]:
    """The ``(document, origin)`` pairs of package data file ``path`` (relative to
    kubectl_karp/data/), exactly as ``parse_text`` gives them for its YAML."""
    text = resources.files(PACKAGE).joinpath(path).read_text(encoding="utf-8")
    encoded = _encoded(path)
    if encoded is not None and encoded[0] == digest(text):
        return [(doc, f"{label} document {index}") for index, doc in json.loads(encoded[1])]
    return parse_text(text, label)
