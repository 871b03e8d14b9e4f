"""``kubectl karp snapshot``: save exactly what kubectl-karp reads, as one List.

A snapshot of a large cluster holds tens of thousands of objects. PyYAML's emitter needs
tens of seconds for 10,000 pods and ``json.dumps(indent=...)`` drops to the pure-Python
encoder, so this command writes the List item by item: JSON with one compact item per
line, YAML through the small block-style emitter below (it handles exactly the JSON data
model and quotes every string YAML could read as something else).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import IO, Any

import click

from kubectl_karp.cli.options import ClusterOptions, cluster_options, output_option
from kubectl_karp.sources import load_snapshot


@click.command("snapshot")
@cluster_options(selector=False)
@output_option(("yaml", "json"), default="yaml")
def snapshot(cluster: ClusterOptions, output: str) -> int:
    """Write the cluster state kubectl-karp reads as one List document.

    The result can be attached to a bug report or used offline with --snapshot FILE by
    every other command. Secrets and ConfigMaps are never read; managedFields and
    last-applied-configuration annotations are left out.

    \b
    Examples:
      kubectl karp snapshot > cluster.yaml
      kubectl karp snapshot -o json --context prod > prod.json
      kubectl karp simulate --snapshot cluster.yaml
    """
    if cluster.offline:
        snap = load_snapshot(cluster)
    else:
        from kubectl_karp.sources.live import read_cluster

        # A snapshot of a cluster without Karpenter still helps a bug report: note it only.
        snap = read_cluster(cluster, require_karpenter=False)
    for note in snap.notes:
        click.echo(f"note: {note}", err=True)
    write_list(snap.documents, output, sys.stdout)
    return 0


def write_list(items: Iterable[Mapping[str, Any]], fmt: str, out: IO[str]) -> None:
    """Write ``{"apiVersion": "v1", "kind": "List", "items": [...]}`` as JSON or YAML."""
    items = list(items)
    if fmt == "json":
        out.write('{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [')
        for i, item in enumerate(items):
            out.write(",\n    " if i else "\n    ")
            out.write(json.dumps(item, ensure_ascii=False, default=_plain))
        out.write("\n  ]\n}\n" if items else "]\n}\n")
        return
    out.write("apiVersion: v1\nkind: List\n")
    if not items:
        out.write("items: []\n")
        return
    out.write("items:\n")
    for item in items:
        lines: list[str] = []
        _yaml_item(item, 0, lines)
        out.write("".join(lines))


# --------------------------------------------------------------------------- YAML emitter

# Plain (unquoted) only when no YAML 1.1/1.2 resolver can read the text as anything else.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESERVED = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan",
                       "inf"})


# Characters json.dumps leaves raw that YAML forbids or reads as line breaks (NEL, LS, PS)
# or a byte-order mark; they are written as \\uXXXX escapes.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff"
                            "\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _yaml_str(text: str) -> str:
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    # A JSON string is a valid YAML double-quoted scalar (same escapes).
    quoted = json.dumps(text, ensure_ascii=False)
    if _NON_PRINTABLE.search(quoted):
        quoted = _NON_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)
    return quoted


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if exponent and "." not in mantissa:  # YAML 1.1 floats need the dot
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, str):
        return _yaml_str(value)
    return _yaml_str(_plain(value))


def _plain(value: Any) -> str:
    """Non-JSON values met in YAML input (unquoted timestamps) as Kubernetes writes them."""
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return str(value)


def _yaml_value(value: Mapping[str, Any], indent: int, lines: list[str], *,
                in_list: bool = False) -> None:
    """Append block-style lines for a non-empty mapping whose keys sit at ``indent``.

    With ``in_list`` the mapping is a sequence item: its first key shares the ``- `` line."""
    pad = " " * indent
    for i, (key, child) in enumerate(value.items()):
        prefix = " " * (indent - 2) + "- " if in_list and i == 0 else pad
        name = _yaml_str(str(key))
        if isinstance(child, Mapping) and child:
            lines.append(f"{prefix}{name}:\n")
            _yaml_value(child, indent + 2, lines)
        elif _is_list(child) and child:
            lines.append(f"{prefix}{name}:\n")
            for element in child:
                _yaml_item(element, indent, lines)
        else:
            lines.append(f"{prefix}{name}: {_yaml_leaf(child)}\n")


def _yaml_item(element: Any, indent: int, lines: list[str]) -> None:
    """One sequence item whose dash sits at ``indent``."""
    if isinstance(element, Mapping) and element:
        _yaml_value(element, indent + 2, lines, in_list=True)
    elif _is_list(element) and element:
        inner: list[str] = []
        for sub in element:
            _yaml_item(sub, indent + 2, inner)
        # "- - a": the first nested item shares the outer dash's line.
        inner[0] = " " * indent + "- " + inner[0].lstrip(" ")
        lines.extend(inner)
    else:
        lines.append(f"{' ' * indent}- {_yaml_leaf(element)}\n")


def _yaml_leaf(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if _is_list(value):
        return "[]"
    return _yaml_scalar(value)


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))
