"""Machine output (JSON/YAML) and kubectl-style tables.

Machine output is stable and documented (README): nothing but the document goes to
stdout, never colour. Tables follow kubectl: upper-case headers, plain columns.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

import yaml
from tabulate import tabulate

if TYPE_CHECKING:  # pragma: no cover
    from kubectl_karp.core.releases import KarpenterRules


class _Dumper(yaml.SafeDumper):
    """Block-style YAML that keeps key order and never emits aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=100)


def to_json(data: Any) -> str:
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        # NaN/Infinity are not JSON (jq and Go refuse them): an unknown number is null.
        text = json.dumps(_finite(data), indent=2, ensure_ascii=False, default=str)
    return text + "\n"


def _finite(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, Mapping):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


def emit_document(data: Any, fmt: str, stream: IO[str] | None = None) -> None:
    """Write ``data`` as JSON or YAML to stdout."""
    out = stream or sys.stdout
    out.write(to_json(data) if fmt == "json" else to_yaml(data))


def rules_fields(rules: KarpenterRules) -> dict[str, str]:
    """The fields every -o json|yaml document carries about the Karpenter release followed
    (README: "Which Karpenter release"): ``karpenterVersion`` "v1.9", ``versionSource``
    detected|snapshot|flag|default, ``versionReason`` in words."""
    return {"karpenterVersion": rules.release.short, "versionSource": rules.source,
            "versionReason": rules.reason}


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A kubectl-like table: upper-case headers, two-space gaps, no borders."""
    if not rows:
        return ""
    text = tabulate([["" if c is None else c for c in row] for row in rows],
                    headers=[h.upper() for h in headers], tablefmt="plain",
                    disable_numparse=True)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def use_color(stream: IO[str] | None = None) -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    target = stream or sys.stdout
    isatty = getattr(target, "isatty", None)
    return bool(isatty and isatty())


class Style:
    """ANSI styling that collapses to plain text when colour is off."""

    _CODES: Mapping[str, str] = {"bold": "1", "dim": "2", "red": "31", "green": "32",
                                 "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def apply(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(self._CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def bold(self, text: str) -> str:
        return self.apply(text, "bold")

    def dim(self, text: str) -> str:
        return self.apply(text, "dim")

    def ok(self, text: str) -> str:
        return self.apply(text, "green")

    def bad(self, text: str) -> str:
        return self.apply(text, "red")

    def warn(self, text: str) -> str:
        return self.apply(text, "yellow")

    def fix(self, text: str) -> str:
        return self.apply(text, "cyan")


