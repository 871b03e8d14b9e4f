"""Machine output (JSON/YAML) and kubectl-style tables.

Machine output is stable and documented (README): nothing but the document goes to
stdout, never colour. Tables follow kubectl: upper-case headers, plain columns.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence

# The C string escaper json.dumps(ensure_ascii=False) uses (its Python twin without the C part).
from json.encoder import encode_basestring as _encode_str
from typing import IO, TYPE_CHECKING, Any

import yaml

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
        text = indented_json(data, allow_nan=False)
    except ValueError:
        # NaN/Infinity are not JSON (jq and Go refuse them): an unknown number is null.
        text = indented_json(_finite(data), allow_nan=True)
    return text + "\n"


_INFINITY = float("inf")


def indented_json(data: Any, *, allow_nan: bool = True) -> str:
    """Exactly ``json.dumps(data, indent=2, ensure_ascii=False, default=str, allow_nan=…)``
    (tests/test_output_json.py compares them), three times as fast: with an indent the
    standard library falls back to its pure-Python encoder, which yields every token through
    nested generators. Here each container is one join and strings go to the C escaper."""

    def number(value: float) -> str:
        if value != value or value == _INFINITY or value == -_INFINITY:
            if not allow_nan:
                raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
            return "NaN" if value != value else "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)

    def key(value: Any) -> str:
        # The standard library's key rules, in its order.
        if isinstance(value, str):
            return value
        if isinstance(value, float):
            return number(value)
        if value is True:
            return "true"
        if value is False:
            return "false"
        if value is None:
            return "null"
        if isinstance(value, int):
            return int.__repr__(value)
        raise TypeError(f"keys must be str, int, float, bool or None, not "
                        f"{value.__class__.__name__}")

    def encode(value: Any, indent: str) -> str:
        kind = type(value)
        if kind is str:
            return _encode_str(value)
        if kind is dict or (kind is not list and kind is not tuple and isinstance(value, dict)):
            if not value:
                return "{}"
            inner = indent + "  "
            return "{\n" + inner + (",\n" + inner).join([
                _encode_str(k if type(k) is str else key(k)) + ": "
                + (_encode_str(v) if type(v) is str else encode(v, inner))
                for k, v in value.items()]) + "\n" + indent + "}"
        if kind is list or kind is tuple or isinstance(value, list | tuple):
            if not value:
                return "[]"
            inner = indent + "  "
            return "[\n" + inner + (",\n" + inner).join([
                _encode_str(v) if type(v) is str else encode(v, inner)
                for v in value]) + "\n" + indent + "]"
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, str):
            return _encode_str(value)
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            return number(value)
        return encode(str(value), indent)  # default=str

    return encode(data, "")


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


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, fit: bool = True,
          keep: Sequence[int] = (), drop: Sequence[int] = ()) -> str:
    """A kubectl-like table: upper-case headers, two-space gaps, no borders, fitted to the
    terminal width (render/width.py; ``fit=False`` for -o wide)."""
    from kubectl_karp.render.width import table as fitted

    return fitted(headers, rows, fit=fit, keep=keep, drop=drop)


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


