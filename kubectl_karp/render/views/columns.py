"""The TUI's table machinery as plain data: columns, cell formatting, filter and sort.

Pure (no textual): a view is a tuple of ``Column``s over frozen row dataclasses; the TUI turns
``arrange``'s cell texts into table cells, and tests check them as tables. Quantities stay in
milli-units until formatted here; ages come from an injected ``now`` so a rendered screen is
reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, Generic, TypeVar

R = TypeVar("R")


# --------------------------------------------------------------------------- formatting

def format_age(created: datetime | None, now: datetime) -> str:
    """kubectl's human duration (``45s``, ``3m12s``, ``5h``, ``2d4h``, ``40d``)."""
    if created is None:
        return "-"
    seconds = int((now - created).total_seconds())
    if seconds < 0:
        return "0s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y{days % 365}d"


def percent(used: int, total: int) -> int | None:
    """Whole percent, rounded down; None when there is no total to compare against."""
    if total <= 0:
        return None
    return used * 100 // total


def bar(used: int, total: int, width: int = 10) -> str:
    """``████▌░░░░░  45%`` — requests against allocatable, eks-node-viewer style."""
    pct = percent(used, total)
    if pct is None:
        return "░" * width + "    -"
    eighths = min(used * width * 8 // total, width * 8)
    full, part = divmod(eighths, 8)
    cells = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    cells = cells + "░" * (width - len(cells))
    return f"{cells} {pct:3d}%"


def cpu_text(milli: int) -> str:
    """Cores for people: ``2``, ``7.78`` (display only)."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli / 1000:.2f}".rstrip("0")


def memory_text(milli: int) -> str:
    """GiB with one decimal for people (``3.5Gi``); Mi below 1Gi (display only)."""
    value = milli // 1000
    if value >= 2**30 or value == 0:
        return f"{value / 2**30:.1f}Gi".replace(".0Gi", "Gi")
    return f"{value // 2**20}Mi"



# --------------------------------------------------------------------------- columns

@dataclass(frozen=True)
class Column(Generic[R]):
    """One table column: title, how a row renders in it, and how it sorts.

    ``sort`` returns a value comparable across rows of the view (never None: tuples put
    missing values last). ``shortcut`` is the Shift+letter that sorts by it.
    """

    key: str
    title: str
    text: Callable[[R, datetime], str]
    sort: Callable[[R], Any]
    shortcut: str = ""


def plain(key: str, title: str, attr: str, shortcut: str) -> Column[Any]:
    """A column that shows one string attribute of the row and sorts by it."""
    get = attrgetter(attr)
    return Column(key, title, lambda row, _: str(get(row)), get, shortcut)


def placement(*, zone: bool = True, capacity: bool = True) -> tuple[Column[Any], ...]:
    """NODEPOOL, INSTANCE TYPE, ZONE, CAPACITY: where a node or claim is, the same in every
    view that shows them (rows with ``node_pool``, ``instance_type``, ``zone``,
    ``capacity_type``)."""
    return (plain("nodepool", "NODEPOOL", "node_pool", "P"),
            plain("type", "INSTANCE TYPE", "instance_type", "T"),
            *((plain("zone", "ZONE", "zone", "Z"),) if zone else ()),
            *((plain("capacity", "CAPACITY", "capacity_type", "K"),) if capacity else ()))


def missing_last(value: Any) -> tuple[int, Any]:
    return (1, 0) if value is None else (0, value)


def newest_first_age(created: datetime | None) -> tuple[int, float]:
    return (1, 0.0) if created is None else (0, -created.timestamp())


# --------------------------------------------------------------------------- table helpers

def cells(row: R, columns: Sequence[Column[R]], now: datetime) -> tuple[str, ...]:
    return tuple(col.text(row, now) for col in columns)


def matches(texts: Sequence[str], query: str) -> bool:
    """Case-insensitive; every whitespace-separated word must occur in some cell."""
    words = query.lower().split()
    if not words:
        return True
    joined = "\t".join(texts).lower()
    return all(word in joined for word in words)


def arrange(rows: Sequence[R], columns: Sequence[Column[R]], now: datetime, *,
            query: str = "", sort_by: str | None = None, reverse: bool = False
            ) -> list[tuple[R, tuple[str, ...]]]:
    """Rows with their cells, filtered by ``query`` and sorted by column ``sort_by``.

    The sort is stable and falls back to the row order the view computed.
    """
    rendered = [(row, cells(row, columns, now)) for row in rows]
    if query:
        rendered = [item for item in rendered if matches(item[1], query)]
    if sort_by is not None:
        col = next((c for c in columns if c.key == sort_by), None)
        if col is not None:
            rendered.sort(key=lambda item: col.sort(item[0]), reverse=reverse)
    return rendered
