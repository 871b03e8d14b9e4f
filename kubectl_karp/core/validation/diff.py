"""What applying a manifest would change: the live object against the object after apply.

Server-side apply merges our fields into the live object, so "after" is approximated as the
live object with our document merged in (maps merged key by key, lists replaced), after both
lose the fields the server owns (status, managedFields, resourceVersion, …).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from typing import Any

import yaml

SERVER_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp",
                   "generation", "selfLink")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def clean(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``obj`` without status and the server-owned metadata."""
    out = copy.deepcopy(dict(obj))
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in SERVER_METADATA:
            meta.pop(key, None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)
            if not annotations:
                meta.pop("annotations")
    return out


def merge(live: Mapping[str, Any], ours: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(live)
    for key, value in ours.items():
        if value is None:
            continue
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            out[key] = merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def after_apply(live: Mapping[str, Any] | None, ours: Mapping[str, Any]) -> dict[str, Any]:
    return clean(ours) if live is None else merge(clean(live), clean(ours))


def is_unchanged(live: Mapping[str, Any] | None, ours: Mapping[str, Any]) -> bool:
    return live is not None and after_apply(live, ours) == clean(live)


def _yaml(obj: Mapping[str, Any] | None) -> list[str]:
    if obj is None:
        return []
    text = yaml.safe_dump(dict(obj), sort_keys=False, default_flow_style=False,
                          allow_unicode=True, width=100)
    return text.splitlines(keepends=True)


def unified(ident: str, live: Mapping[str, Any] | None, ours: Mapping[str, Any]) -> str:
    """A unified diff of YAML; a new object shows as all added, an unchanged one as ""."""
    before = clean(live) if live is not None else None
    after = after_apply(live, ours)
    lines = difflib.unified_diff(_yaml(before), _yaml(after),
                                 fromfile=f"live/{ident}" if live is not None else "/dev/null",
                                 tofile=f"applied/{ident}", n=3)
    return "".join(lines)
