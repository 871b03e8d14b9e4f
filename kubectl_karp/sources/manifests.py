"""The manifests ``kubectl karp apply`` reads: files (or stdin), placeholders filled, split
into documents, names checked before any request is built from them.

Only reading lives here (sources/ is read-only); the requests that change the cluster are in
``kubectl_karp.writers.apply``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_karp.core.validation.findings import Manifest
from kubectl_karp.core.validation.placeholders import substitute
from kubectl_karp.core.validation.schemas import BY_API
from kubectl_karp.errors import InputError
from kubectl_karp.model.names import check_name
from kubectl_karp.model.parse import flatten
from kubectl_karp.sources.files import document_nodes, expand_paths, read_input


def split_documents(text: str, label: str) -> list[Manifest]:
    """The documents of a YAML (or JSON) text with their number and first line."""
    out: list[Manifest] = []
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"{label}:{err.lineno}: malformed JSON at column {err.colno}: "
                             f"{err.msg}") from None
        except RecursionError:
            raise InputError(f"{label}: malformed JSON: nested too deeply") from None
        except ValueError:  # a number of more than 4300 digits
            raise InputError(f"{label}: malformed JSON: a number is too long") from None
        for index, doc in enumerate(data if isinstance(data, list) else [data], start=1):
            out.extend(Manifest(item, label, index) for item, _ in flatten(doc, label))
        return out
    for index, line, doc in document_nodes(text, label, line_style=True):
        for item, _ in flatten(doc, label):
            out.append(Manifest(item, label, index, line))
    return out


def check_names(manifests: Sequence[Manifest]) -> None:
    """Refuse, before any request, a NodePool or node class whose name (or nodeClassRef)
    the API server would reject: names go into request paths."""
    for m in manifests:
        if (m.api_version, m.kind) not in BY_API:
            continue  # refused by validation; never requested
        meta = m.doc.get("metadata")
        name = meta.get("name") if isinstance(meta, Mapping) else None
        if name is not None and name != "":
            check_name(name, f"{m.origin}: metadata.name")
        if m.kind == "NodePool":
            ref = node_class_ref_name(m.doc)
            if ref is not None and ref != "":
                check_name(ref, f"{m.origin}: spec.template.spec.nodeClassRef.name")


def node_class_ref_name(doc: Mapping[str, Any]) -> object:
    value: Any = doc
    for key in ("spec", "template", "spec", "nodeClassRef"):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value.get("name") if isinstance(value, Mapping) else None


def read_manifests(paths: Sequence[str], values: Mapping[str, str], env: Mapping[str, str],
                   *, stdin: Any = None) -> list[Manifest]:
    """Every document of every file, placeholders filled; errors name file and line."""
    out: list[Manifest] = []
    problems: list[str] = []
    for name, path in expand_paths(paths):
        label = "stdin" if path is None else name
        text = read_input(path, label, stdin=stdin)
        try:
            text, _ = substitute(text, label, values, env)
        except InputError as err:
            problems.append(str(err).removesuffix(" — nothing was applied"))
            continue
        out.extend(split_documents(text, label))
    if problems:
        raise InputError("; ".join(problems) + " — nothing was applied")
    if not out:
        raise InputError(f"no objects in {', '.join(paths)}")
    check_names(out)
    return out
