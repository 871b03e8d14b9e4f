"""One pass over a document (issue 19 item 7): after its schema and rule errors, the semantic
checks still run, on the document without the fields already found wrong.

The parts an error names are taken out (so a later check neither trips over them nor says
the same thing again in other words): a requirement is replaced by one that constrains
nothing, keeping the indexes the messages cite; a broken ``nodeClassRef`` goes whole; any
other field goes with its list item, if it is in a list. An error about the whole document,
``spec`` or ``metadata`` leaves nothing worth checking further.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_REQUIREMENTS = "spec.template.spec.requirements"
_NODE_CLASS_REF = "spec.template.spec.nodeClassRef"
# Constrains nothing: no instance type carries the key, and an absent label satisfies it.
PLACEHOLDER = {"key": "kubectl-karp.invalid/removed", "operator": "DoesNotExist"}
_INDEX = re.compile(r"\[(\d+)\]")


def related(path: str, other: str) -> bool:
    """Whether one field path is the other or lies inside it (``a.b`` and ``a.b[0].c``)."""
    short, long = sorted((path, other), key=len)
    return long == short or (long.startswith(short) and long[len(short)] in ".[") \
        or short == ""


def covered(path: str, error_paths: Iterable[str]) -> bool:
    return any(related(path, e) for e in error_paths)


def repairable(path: str) -> bool:
    return path.startswith("spec.") and path.count(".") >= 1


def _steps(doc: Any, path: str) -> list[str | int] | None:
    """``path`` as keys and indexes into ``doc``; label keys may hold dots, so a mapping
    step takes the longest key that the rest of the path starts with."""
    steps: list[str | int] = []
    node, rest = doc, path
    while rest:
        if isinstance(node, Mapping):
            keys = [k for k in node if isinstance(k, str) and
                    (rest == k or rest.startswith(k + ".") or rest.startswith(k + "["))]
            if not keys:
                return None
            key = max(keys, key=len)
            steps.append(key)
            node, rest = node[key], rest[len(key):].removeprefix(".")
            continue
        match = _INDEX.match(rest)
        if not isinstance(node, Sequence) or isinstance(node, str) or not match:
            return None
        index = int(match.group(1))
        if index >= len(node):
            return None
        steps.append(index)
        node, rest = node[index], rest[match.end():].removeprefix(".")
    return steps


def _target(path: str) -> tuple[str, dict[str, str] | None]:
    """(the field to replace or drop, its replacement; ``None``: drop it)."""
    if path.startswith(_REQUIREMENTS + "["):
        index = _INDEX.match(path, len(_REQUIREMENTS))
        assert index is not None
        return path[:index.end()], PLACEHOLDER
    if related(path, _NODE_CLASS_REF):
        return _NODE_CLASS_REF, None
    first = _INDEX.search(path)
    return (path if first is None else path[:first.end()]), None


def _copy(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def without(doc: Mapping[str, Any], error_paths: Iterable[str]) -> Mapping[str, Any] | None:
    """``doc`` without the parts ``error_paths`` name; None when one is not repairable."""
    out = _copy(doc)
    # Later list items first, so an item dropped does not shift the ones still to go.
    targets = []
    for path in dict.fromkeys(error_paths):
        if not repairable(path):
            return None
        target, replacement = _target(path)
        steps = _steps(out, target)
        if steps is None:
            continue  # a missing field: nothing to take out
        targets.append((steps, replacement))
    dropped: set[tuple[str | int, ...]] = set()
    for steps, replacement in sorted(targets, key=lambda t: [str(s).zfill(9) for s in t[0]],
                                     reverse=True):
        key = tuple(steps)
        if any(key[:n] in dropped for n in range(1, len(key) + 1)):
            continue  # inside something already taken out
        parent = out
        for step in steps[:-1]:
            parent = parent[step]
        if replacement is not None:
            parent[steps[-1]] = dict(replacement)
        else:
            del parent[steps[-1]]
            dropped.add(key)
    return dict(out)
