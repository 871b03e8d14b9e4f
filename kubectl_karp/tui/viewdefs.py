"""The TUI's five views: ids, titles, number keys, columns, aliases for ``:``, and the help
text, all derived from the one table ``VIEWS`` so the keys, the prompt and the help never
disagree about which views exist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_karp.render import views


@dataclass(frozen=True)
class ViewSpec:
    id: str
    title: str
    number: str
    columns: Sequence[views.Column[Any]]
    aliases: tuple[str, ...]  # for ``:name``; the first is the one the prompt suggests


# How each view's columns give way on a narrow terminal (k9s-like, tui/table.py
# fit_columns): the widest shrink first, then these drop in this order; cost never does.
COLUMN_FIT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nodes": (("age", "capacity", "zone", "memory", "nodepool", "cpu", "type"),
              ("name", "price")),
    "nodeclaims": (("age", "capacity", "zone", "conditions", "nodepool", "node", "type"),
                   ("name",)),
    "nodepools": (("weight", "ready", "memory", "disruptions", "cpu"), ("name", "cost")),
    "pending": (("age", "memory", "cpu", "namespace", "pods"), ()),
    "consolidation": (("nodepool", "type", "pods"), ("node", "price", "savings")),
}

VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec("nodes", "Nodes", "1", views.NODE_COLUMNS, ("nodes", "node", "no")),
    ViewSpec("nodeclaims", "NodeClaims", "2", views.NODE_CLAIM_COLUMNS,
             ("nc", "nodeclaims", "nodeclaim")),
    ViewSpec("nodepools", "NodePools", "3", views.NODE_POOL_COLUMNS,
             ("np", "nodepools", "nodepool")),
    ViewSpec("pending", "Pending pods", "4", views.PENDING_COLUMNS,
             ("pods", "pending", "pod", "po")),
    ViewSpec("consolidation", "Consolidation", "5", views.CONSOLIDATION_COLUMNS,
             ("co", "consolidation", "consolidate")),
)
VIEW_BY_ID = {v.id: v for v in VIEWS}
SIDE_PANELS = {"pending": "explanation", "consolidation": "plan"}
# The consolidation panel's rollout timeline: how big a cluster, how many rounds at most.
TIMELINE_MAX_NODES = 200
TIMELINE_MAX_ROUNDS = 12

_NUMBER_WORDS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}


def view_names() -> str:
    """``nodes | nc | np | pods | co``: every view's short name, for the ``:`` prompt."""
    return " | ".join(v.aliases[0] for v in VIEWS)


def _sort_keys(view: ViewSpec) -> list[str]:
    """``N name, P nodepool, …`` for ``view``, in lines that fit the help box."""
    items = [f"{c.shortcut} {c.title.lower()}" for c in view.columns if c.shortcut]
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) > 62:
            lines.append(line.rstrip(", "))
            line = ""
        line += item + ", "
    return [*lines, line.rstrip(", ")]


def help_text(current: str = "nodes") -> str:
    view = VIEW_BY_ID.get(current, VIEWS[0])
    count = _NUMBER_WORDS.get(len(VIEWS), str(len(VIEWS)))
    titles = ", ".join(f"{v.number} {v.title}" for v in VIEWS)
    sort_lines = "\n".join("             " + line for line in _sort_keys(view))
    return f"""\
[b]kubectl karp tui[/b]: {count} read-only views of Karpenter (nothing here writes
to the cluster): {titles}.

[b]1[/b]-[b]{VIEWS[-1].number}[/b]          switch view
[b]:[/b]name        jump to a view (:{view_names().replace(" | ", " :")}), :q quits
[b]/[/b]            filter rows (every word must match some column); Esc clears
[b]j[/b]/[b]k[/b] [b]g[/b]/[b]G[/b]      down/up, top/bottom (arrows, Home/End too)
[b]Enter[/b]        drill down: node → its pods; NodeClaim → its node;
             NodePool → its nodes; pending group → explanation;
             consolidation node → its checks; pod → describe
[b]d[/b]            describe the object, with Karpenter's events about it
[b]y[/b]            the object's YAML, as read
[b]s[/b]            sort by the next column;  [b]Shift+letter[/b] sort by a column
             of {view.title} (again to reverse):
{sort_lines}
[b]Esc[/b]          back (leave describe or drill-down, clear filter)
[b]?[/b]            this help;  [b]q[/b] quit

Press Esc to close.
"""
