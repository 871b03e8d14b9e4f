"""The one place that knows how wide the terminal is and how to fit text into it.

Every text renderer (simulate, explain, consolidate and its rollout, catalog, verify, apply)
fits its output through here, so they agree on three things:

- the width: ``COLUMNS`` when set (as kubectl and most CLIs honour it), else the terminal's
  size when stdout is a TTY, else none at all: piped output stays unwrapped for scripts;
- colour escapes have no width (the line is measured as the reader sees it);
- nothing is cut mid-word without an ellipsis: table cells are elided with ``…`` and
  prose is wrapped at word boundaries with a hanging indent.

The width in force is a context variable set once per command by the CLI entry point
(``cli/app.py``), so deep renderers need no extra parameter; tests set it with
:func:`output_width`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import IO, Any

ELLIPSIS = "…"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_GAP = 2          # spaces between table columns, as tabulate's "plain" format had
_HEADER_PAD = 2   # tabulate's minimum padding after a header, kept so wide tables look alike
_MIN_CELL = 6     # a shrunk column keeps at least this much (or its header) before dropping

_MORE = re.compile(r" \(\+\d+\)$")  # elide_list's "(+2)": kept when the cell is elided

_width: ContextVar[int | None] = ContextVar("kubectl_karp_width", default=None)


def terminal_width(stream: IO[str] | None = None,
                   environ: dict[str, str] | os._Environ[str] | None = None) -> int | None:
    """``COLUMNS`` (a positive integer), else the TTY's width, else None (unwrapped)."""
    env = os.environ if environ is None else environ
    text = env.get("COLUMNS", "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    target = stream if stream is not None else sys.stdout
    isatty = getattr(target, "isatty", None)
    if not (isatty and isatty()):
        return None
    try:
        columns = os.get_terminal_size(target.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return None
    return columns if columns > 0 else None


def current_width() -> int | None:
    """The width the current command fits to (None: do not wrap or elide)."""
    return _width.get()


@contextlib.contextmanager
def output_width(width: int | None) -> Iterator[None]:
    """Fit everything rendered inside to ``width`` columns (None: unwrapped)."""
    token = _width.set(width if width is None else max(width, 20))
    try:
        yield
    finally:
        _width.reset(token)


def visible(text: str) -> str:
    """``text`` without colour escapes."""
    return _ANSI.sub("", text)


def visible_len(text: str) -> int:
    return len(_ANSI.sub("", text))


def ellipsize(text: str, width: int) -> str:
    """``text`` cut to ``width`` visible columns, ending in ``…`` when cut; escapes kept
    (and closed) so a cut coloured cell does not colour the rest of the line."""
    if visible_len(text) <= width:
        return text
    if width <= 0:
        return ""
    out: list[str] = []
    room = width - 1
    pos = 0
    coloured = False
    while pos < len(text) and room > 0:
        match = _ANSI.match(text, pos)
        if match:
            out.append(match.group())
            coloured = match.group() != "\x1b[0m"
            pos = match.end()
            continue
        out.append(text[pos])
        room -= 1
        pos += 1
    cut = "".join(out).rstrip()
    return cut + ELLIPSIS + ("\x1b[0m" if coloured else "")


def _elide_cell(cell: str, width: int) -> str:
    """Elide a table cell, keeping a trailing ``(+N)`` count when there is room for it."""
    more = _MORE.search(visible(cell))
    if more and cell.endswith(more.group()) and width > len(more.group()) + 6:
        return ellipsize(cell[: -len(more.group())], width - len(more.group())) + more.group()
    return ellipsize(cell, width)


def elide_list(items: Sequence[str], noun: str = "") -> str:
    """``3 pods: sample-app-7c9d… (+2)``-style summary: the count, the first item, how many
    more. The cell is shortened further by the table when it still does not fit."""
    if not items:
        return "0"
    head = f"{len(items)} {noun}: " if noun else f"{len(items)}: "
    more = f" (+{len(items) - 1})" if len(items) > 1 else ""
    return f"{head}{items[0]}{more}"


def wrap(text: str, width: int | None, *, indent: int = 0, hang: int = 0) -> list[str]:
    """Word-wrap ``text`` (which may hold colour escapes) to ``width`` visible columns.

    The first line is indented by ``indent``, the next ones by ``indent + hang``. A single
    word longer than a line is elided with ``…`` rather than split. ``width`` None: one line.
    """
    pad = " " * indent
    if width is None:
        return [pad + text]
    words = text.split(" ")
    lines: list[str] = []
    line = ""
    line_len = 0
    first = True
    for word in words:
        if not word:
            continue
        room = width - indent - (0 if first and not lines else hang)
        wl = visible_len(word)
        if line and line_len + 1 + wl <= room:
            line += " " + word
            line_len += 1 + wl
            continue
        if line:
            lines.append(line)
            first = False
            room = width - indent - hang
        line, line_len = (word, wl) if wl <= room else (ellipsize(word, room), room)
    lines.append(line)
    return [pad + lines[0]] + [pad + " " * hang + rest for rest in lines[1:]]


def fit_text(text: str, width: int | None = None) -> str:
    """The safety net every command's text passes through: each line wider than the width
    is wrapped at word boundaries, continuation lines indented two more than the line."""
    limit = current_width() if width is None else width
    if limit is None:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        if visible_len(line) <= limit:
            out.append(line)
            continue
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        out += wrap(body, limit, indent=min(indent, limit // 2), hang=2)
    return "\n".join(out)


def echo(text: str, *, nl: bool = True, fit: bool = True, err: bool = False) -> None:
    """``click.echo`` of text fitted to the current width (``fit=False`` for -o wide;
    ``err`` for the notes and warnings on stderr, which wrap like the rest)."""
    import click

    click.echo(fit_text(text) if fit else text, nl=nl, err=err)


def note(text: str) -> None:
    """One ``note: …`` line on stderr, wrapped at the width."""
    echo(f"note: {text}", err=True)


def warning(text: str) -> None:
    """One ``warning: …`` line on stderr, wrapped at the width."""
    echo(f"warning: {text}", err=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *,
          width: int | None = None, fit: bool = True,
          keep: Sequence[int] = (), drop: Sequence[int] = ()) -> str:
    """A kubectl-like table (upper-case headers, plain columns, no borders) fitted to the
    width: the widest columns shrink first (their cells elided with ``…``), columns in
    ``keep`` never shrink (cost, names), and when the headers alone do not fit, columns in
    ``drop`` go in that order (their detail is in ``-o wide``). ``fit=False``: full width."""
    if not rows:
        return ""
    cells = [["" if c is None else str(c) for c in row] for row in rows]
    heads = [h.upper() for h in headers]
    n = len(heads)
    cols = list(range(n))
    limit = (current_width() if width is None else width) if fit else None

    def natural(i: int) -> int:
        return max([len(heads[i]) + _HEADER_PAD] + [visible_len(r[i]) for r in cells])

    widths = {i: natural(i) for i in cols}

    def total(active: list[int]) -> int:
        # The last column is not padded (lines are right-stripped).
        last = active[-1]
        last_w = min(widths[last],
                     max([len(heads[last])] + [visible_len(r[last]) for r in cells]))
        return sum(widths[i] for i in active[:-1]) + last_w + _GAP * (len(active) - 1)

    if limit is not None:
        # A shrunk column keeps its header readable; kept columns never shrink.
        floor = {i: widths[i] if i in keep else min(widths[i], max(len(heads[i]), _MIN_CELL))
                 for i in cols}
        pending_drop = [i for i in drop if i in cols]
        while total(cols) > limit:
            shrinkable = [i for i in cols if i not in keep and widths[i] > floor[i]]
            if shrinkable:
                widest = max(shrinkable, key=lambda i: (widths[i], i))
                over = total(cols) - limit
                others = [widths[i] for i in shrinkable if i != widest]
                step = max(1, min(over, widths[widest] - max([floor[widest], *others])))
                widths[widest] = max(floor[widest], widths[widest] - step)
                continue
            if pending_drop and len(cols) > 1:
                cols.remove(pending_drop.pop(0))
                widths = {i: natural(i) for i in cols}
                continue
            break
    lines = []
    for row in [heads, *cells]:
        parts = []
        for pos, i in enumerate(cols):
            cell = row[i]
            w = widths[i]
            if limit is not None and pos == len(cols) - 1:
                used = sum(widths[j] for j in cols[:-1]) + _GAP * (len(cols) - 1)
                w = min(max(limit - used, 1), max(w, visible_len(cell)))
            shown = _elide_cell(cell, w) if visible_len(cell) > w else cell
            parts.append(shown + " " * (w - visible_len(shown)))
        lines.append((" " * _GAP).join(parts).rstrip())
    return "\n".join(lines) + "\n"
