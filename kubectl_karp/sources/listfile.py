"""The List file ``kubectl karp snapshot`` writes, and a fast reader for its YAML form.

A snapshot of a large cluster holds tens of thousands of objects. PyYAML's emitter needs
tens of seconds for 10,000 pods and ``json.dumps(indent=...)`` drops to the pure-Python
encoder, so the List is written item by item: JSON with one compact item per line, YAML
through the small block-style emitter below (it handles exactly the JSON data model and
quotes every string YAML could read as something else). ``read_list`` reads that YAML
subset back without PyYAML and declines anything else.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import IO, Any


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
    # YAML has no closing bracket: a copy cut at a line break still parses, one object short
    # or with half a Pod. The opening and closing comments make such a cut detectable
    # (``check_complete``); YAML readers ignore them.
    out.write(OPENING + "apiVersion: v1\nkind: List\n")
    if not items:
        out.write("items: []\n")
    else:
        out.write("items:\n")
        for item in items:
            lines: list[str] = []
            _yaml_item(item, 0, lines)
            out.write("".join(lines))
    out.write(f"{CLOSING}{len(items)} objects\n")


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


# --------------------------------------------------------------------------- fast reader

HEADER = "apiVersion: v1\nkind: List\n"
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_./-]*):(?: (.*))?")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*(?:e[-+][0-9]+)?")
_CONSTANTS: dict[str, Any] = {"null": None, "true": True, "false": False, ".nan": math.nan,
                              ".inf": math.inf, "-.inf": -math.inf}
_DECODER = json.JSONDecoder()


class _NotOurs(Exception):
    """The text leaves the subset write_list produces: let a full YAML parser read it."""


def _scalar(text: str) -> Any:
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    if text.startswith('"'):
        value, end = _DECODER.raw_decode(text)
        if end != len(text):
            raise _NotOurs
        return value
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    raise _NotOurs


def _key(content: str) -> tuple[str, str | None] | None:
    """``(key, rest)`` if ``content`` is ``key:`` or ``key: value``; None for a scalar."""
    if content.startswith('"'):
        try:
            key, end = _DECODER.raw_decode(content)
        except ValueError:
            raise _NotOurs from None
        if content[end:end + 1] != ":":
            return None
        rest = content[end + 1:]
        if rest and not rest.startswith(" "):
            raise _NotOurs
        return key, rest[1:] if rest else None
    match = _KEY.fullmatch(content)
    if match is None:
        return None
    if match.group(1).lower() in _RESERVED:
        raise _NotOurs
    return match.group(1), match.group(2)


OPENING = "# kubectl-karp snapshot\n"
CLOSING = "# end of kubectl-karp snapshot: "
_CLOSING_LINE = re.compile(r"# end of kubectl-karp snapshot: (\d+) objects\n?\Z")


def check_complete(text: str) -> str | None:
    """Why a YAML snapshot written by ``write_list`` is incomplete, or None when it is whole
    (or was not written by it: older snapshots and kubectl's output carry no markers)."""
    if not text.startswith(OPENING):
        return None
    if _CLOSING_LINE.search(text) is None:
        return ("it was cut short: a kubectl-karp snapshot ends with "
                f"'{CLOSING}N objects' and this one does not (a truncated copy?)")
    return None


def read_list(text: str) -> list[Any] | None:
    """The items of a List written by ``write_list(..., "yaml")``, parsed without PyYAML.

    libyaml's loader still builds every object in Python and needs about a minute for a
    50,000-pod snapshot; this reads the same file several times faster. It accepts only
    the exact subset write_list produces (no comments, flow collections, anchors, tags,
    multi-line scalars or unquoted strings YAML could read differently) and returns None
    for anything else, so the caller falls back to a real YAML parser.
    """
    if text.startswith(OPENING):
        closing = _CLOSING_LINE.search(text)
        if closing is None:
            return None
        text = text[len(OPENING):closing.start()]
    if not text.startswith(HEADER):
        return None
    try:
        root = _parse(text)
    except (_NotOurs, ValueError, IndexError):
        return None
    items = root.get("items")
    if set(root) != {"apiVersion", "kind", "items"} or not isinstance(items, list):
        return None
    return items


def _parse(text: str) -> dict[str, Any]:
    root: dict[str, Any] = {}
    # Open containers: (column, is_mapping, object).
    stack: list[tuple[int, bool, Any]] = [(0, True, root)]
    pending: tuple[dict[str, Any], str, int] | None = None  # "key:" awaiting its block
    for line in text.splitlines():
        content = line.lstrip(" ")
        col = len(line) - len(content)
        if not content or content[0] in "#\t":
            raise _NotOurs
        first = True
        while True:
            dash = content.startswith("- ") or content == "-"
            if pending is not None:
                parent, key, key_col = pending
                pending = None
                if first and dash and col == key_col:
                    child: Any = []
                elif first and not dash and col == key_col + 2:
                    child = {}
                else:
                    raise _NotOurs
                parent[key] = child
                stack.append((col, not dash, child))
            elif first:
                while stack and (stack[-1][0] > col or (stack[-1][0] == col
                                                         and stack[-1][1] == dash)):
                    stack.pop()
                if not stack or stack[-1][0] != col or stack[-1][1] == dash:
                    raise _NotOurs
            # else: content following "- " on the same line opens the item itself.
            _, is_map, container = stack[-1]
            if dash:
                if is_map or content == "-":
                    raise _NotOurs
                content, col, first = content[2:], col + 2, False
                keyed = _key(content)
                if content.startswith("- "):
                    item: Any = []
                elif keyed is not None:
                    item = {}
                else:
                    container.append(_scalar(content))
                    break
                container.append(item)
                stack.append((col, keyed is not None, item))
                continue
            if not is_map:
                raise _NotOurs
            keyed = _key(content)
            if keyed is None:
                raise _NotOurs
            key, value = keyed
            if key in container:
                raise _NotOurs
            if value is None:
                pending = (container, key, col)
            else:
                container[key] = _scalar(value)
            break
    if pending is not None:
        raise _NotOurs
    return root
