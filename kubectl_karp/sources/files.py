"""Cluster state from saved YAML/JSON: files, directories, or stdin (``-``).

Accepts multi-document YAML, JSON, and ``kind: List`` output of ``kubectl get -o yaml|json``.

Hostile files fail fast with one line, before any output: binary data, YAML whose aliases
expand beyond ``MAX_ALIAS_EXPANSION`` nodes ("billion laughs": the objects share structure in
memory but every later walk over them would not), recursive aliases, and nesting deeper than
libyaml's C composer survives (it recurses without a limit and would crash the process).
"""

from __future__ import annotations

import codecs
import gc
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from kubectl_karp.errors import InputError
from kubectl_karp.model.parse import build_snapshot
from kubectl_karp.model.snapshot import ClusterSnapshot
from kubectl_karp.sources.listfile import check_complete, read_list

SUFFIXES = (".yaml", ".yml", ".json")
# Nodes that aliases may add beyond the nodes actually written (yaml.v3 in kubectl refuses
# "excessive aliasing" by a similar ratio test).
MAX_ALIAS_EXPANSION = 1_000_000
# Snapshots from this many pods and nodes on are frozen out of the cyclic collector.
_FREEZE_FROM = 5_000
# Deeper than any Kubernetes object; libyaml's composer recurses per level in C.
MAX_DEPTH = 200
_DEEP_INDENT = "\n" + " " * 400
_DASHES = re.compile(r"-[ \t]+-[ \t]+-[ \t]+-")
_DEEP_DASHES = re.compile(r"(?:-[ \t]+){64}")
_BRACKET = re.compile(r"[\[\]{}]")

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


def read_input(path: Path | None, label: str, *, stdin: Any = None) -> str:
    """The text of one file (``None``: stdin), decoded; binary data is refused."""
    try:
        data = _read_stdin(stdin) if path is None else path.read_bytes()
        if b"\x00" in data[:65536] and not data.startswith(
                (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "NUL byte")
        return _decode(data)
    except UnicodeDecodeError:
        raise InputError(f"{label}: not a UTF-8 text file") from None
    except OSError as err:
        raise InputError(f"{label}: {err.strerror or err}") from None


def read_documents(paths: Sequence[str], *, notes: list[str] | None = None
                   ) -> list[tuple[Any, str]]:
    """``(document, origin)`` pairs from every file; origin is ``file document N``.

    ``notes`` (when given) receives what the reader suspects, e.g. a file cut short.
    """
    out: list[tuple[Any, str]] = []
    for name, path in expand_paths(paths):
        label = "stdin" if path is None else name
        out.extend(parse_text(read_input(path, label), label, notes=notes))
    return out


def _read_stdin(stdin: Any = None) -> bytes:
    # With stdin closed (`<&-`, some CI runners) Python sets sys.stdin to None.
    stream = stdin if stdin is not None else sys.stdin
    if stream is None:
        raise InputError("stdin: it is closed, so there is nothing to read for '-'")
    binary = getattr(stream, "buffer", None)
    data = binary.read() if binary is not None else stream.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


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


def _too_deep(text: str) -> bool:
    """Whether the text may nest deeper than MAX_DEPTH (cheap; errs on the safe side)."""
    if _DEEP_INDENT in text:
        return True
    for match in _DASHES.finditer(text):  # rare: "- - - -" starts a run of nested lists
        if _DEEP_DASHES.match(text, match.start()):
            return True
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for char in "".join(_BRACKET.findall(text)):
        depth = depth + 1 if char in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            return True
    return False


def _has_token(text: str, char: str) -> bool:
    """Whether ``char`` (``&`` or ``*``) may start an anchor or alias somewhere in the text."""
    pos = text.find(char)
    while pos != -1:
        before = text[pos - 1] if pos else "\n"
        after = text[pos + 1:pos + 2]
        if before in " \t\r\n[{,:-?" and after and after not in " \t\r\n,[]{}":
            return True
        pos = text.find(char, pos + 1)
    return False


def _expansion(root: Any) -> int | None:
    """How many nodes the document has once every alias is expanded (None: an alias
    refers to its own ancestor, so it would never end). Iterative: no recursion."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            children = _children(node)
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), 10**12)
            active.discard(key)
            continue
        if key in sizes:
            continue
        if key in active:
            return None
        active.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in active:
                return None
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _value_problem(err: ValueError) -> str:
    if "digits" in str(err):
        return "a number is too long (more than 4300 digits)"
    return " ".join(str(err).split())[:200]


def _yaml_problem(err: yaml.YAMLError) -> str:
    problem = getattr(err, "problem", None) or getattr(err, "reason", None) \
        or (str(err).splitlines() or [type(err).__name__])[0]
    return " ".join(str(problem).split())


def document_nodes(text: str, label: str, *, line_style: bool = False
                   ) -> Iterator[tuple[int, int, Any]]:
    """``(document number, first line, document)`` for each YAML document of ``text``.

    Errors are one InputError: ``label: malformed YAML in document N at line L column C: …``
    (``label:L: malformed YAML in document N: …`` with ``line_style``, as apply writes).
    """
    deep = _too_deep(text)
    # The pure-Python loader fails on deep nesting with RecursionError; libyaml would crash.
    loader = (yaml.SafeLoader if deep else YAML_LOADER)(text)
    index = done = 0
    # Only a text with both an anchor and an alias can expand; walking every document of a
    # large snapshot for nothing would cost seconds.
    anchors = _has_token(text, "&") and _has_token(text, "*")

    def fail(problem: str, line: int | None = None, column: int | None = None) -> InputError:
        if line_style:
            return InputError(f"{label}{f':{line}' if line else ''}: malformed YAML in "
                              f"document {done + 1}: {problem}")
        where = (f" at line {line}" + (f" column {column}" if column else "")) if line else ""
        return InputError(f"{label}: malformed YAML in document {done + 1}{where}: {problem}")

    try:
        while loader.check_node():
            index += 1
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else 1
            if node is not None and anchors:
                size = _expansion(node)
                if size is None:
                    raise fail("an alias refers to its own parent (a recursive alias)", line)
                if size > MAX_ALIAS_EXPANSION:
                    raise fail(f"aliases expand it to more than {MAX_ALIAS_EXPANSION:,} "
                               "nodes (an alias bomb?); refusing to read it", line)
            doc = loader.construct_document(node) if node is not None else None
            done = index
            yield index, line, doc
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise fail(_yaml_problem(err), mark.line + 1 if mark else None,
                   mark.column + 1 if mark else None) from None
    except RecursionError:
        raise fail(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:  # the constructor: an integer of more than 4300 digits
        raise fail(_value_problem(err)) from None
    finally:
        loader.dispose()


def parse_text(text: str, label: str, *, notes: list[str] | None = None
               ) -> list[tuple[Any, str]]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            values = _json_stream(text)
        except json.JSONDecodeError as err:
            raise InputError(f"{label}: malformed JSON at line {err.lineno} column "
                             f"{err.colno}: {err.msg}") from None
        except RecursionError:
            raise InputError(f"{label}: malformed JSON: nested too deeply") from None
        except ValueError as err:  # e.g. a number of more than 4300 digits
            raise InputError(f"{label}: malformed JSON: {_value_problem(err)}") from None
        data = values[0] if len(values) == 1 else values
        docs = data if isinstance(data, list) else [data]
        return [(d, f"{label} document {i + 1}") for i, d in enumerate(docs)]
    if notes is not None and stripped and not text.endswith(("\n", "\r")):
        # kubectl, `snapshot` and editors end files with a line break; a file that stops
        # mid-line was most likely cut short, and its last object may be incomplete.
        notes.append(f"{label} does not end with a line break: it may have been cut short "
                     "(its last object may be incomplete)")
    cut = check_complete(text)
    if cut is not None:
        raise InputError(f"{label}: {cut}")
    items = read_list(text)  # `kubectl karp snapshot` output, read without PyYAML
    if items is not None:
        return [({"apiVersion": "v1", "kind": "List", "items": items}, f"{label} document 1")]
    return [(doc, f"{label} document {index}") for index, _line, doc
            in document_nodes(text, label) if doc is not None]


def load_paths(paths: Sequence[str], *, source: str | None = None) -> ClusterSnapshot:
    notes: list[str] = []
    # Decoding builds every document's containers at once and keeps them all: the cyclic
    # collector would walk them again and again for nothing (build_snapshot, which then
    # reads them, pauses it too).
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        docs = read_documents(paths, notes=notes)
    finally:
        if paused:
            gc.enable()
    # An empty file is valid YAML; say so rather than silently showing an empty cluster.
    names = ", ".join("stdin" if p == "-" else p for p in paths)
    if not docs:
        notes.append(f"{names} holds no Kubernetes objects")
    snapshot = build_snapshot(docs, source=source or f"snapshot {', '.join(paths)}",
                              notes=tuple(notes))
    if len(snapshot.pods) + len(snapshot.nodes) >= _FREEZE_FROM:
        # A command reads one file, and the snapshot (with the documents it was read from)
        # lives until the command ends: every later full collection would walk it all again
        # (a third of a 50,000-pod simulate). Frozen objects are still freed by reference
        # counting; a long-running reader (the TUI's live store) does not come this way.
        gc.freeze()
    return snapshot
