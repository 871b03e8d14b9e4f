"""The lines around every view: the header (source, status, totals, prices, rules), the tab
line (the views and where a drill-down went), and the key hints. Plain text builders, so
the app only puts them on screen; the same three lines frame every view and drill-down."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.render import views
from kubectl_karp.tui.viewdefs import VIEWS


def header(ctx: SchedulingContext | None, label: str, live: bool, status: str,
           node_rows: Sequence[Any]) -> Text:
    kind = "live" if live else "static snapshot"
    state = status or ("connected" if live else "read-only")
    line1 = Text()
    line1.append("kubectl karp tui", style="bold")
    line1.append(f"  {label} ({kind})  ")
    line1.append(state, style="bold yellow" if status else "green")
    if ctx is None:
        return Text.assemble(line1, "\nloading…" if not status else "")
    pending = len(ctx.snapshot.pending_pods)
    line2 = views.totals_line(views.totals(node_rows, pending))
    # Cost first: on a narrow terminal the line is elided from the right, and cost is
    # the one figure that must never vanish.
    rest, sep, cost = line2.partition("   Cost ")
    if sep:
        line2 = f"Cost {cost}   {rest}"
    if ctx.illustrative_prices:
        source = ctx.catalog_source
        line3 = f"prices: {source}" + ("" if "illustrative" in source else
                                       " (illustrative)") + " — examples, not a quote"
    elif not ctx.prices_known:
        line3 = f"prices unknown ({ctx.catalog_source}): cost columns show -"
    else:
        line3 = f"prices: {ctx.catalog_source}"
    # Which Karpenter release's rules the plan and the explanations follow (core.releases):
    # first, so a narrow terminal elides the price wording rather than this.
    line3 = f"rules: {ctx.rules.label} ({ctx.rules.source})   {line3}"
    notes = [n for n in (*ctx.notes, *ctx.snapshot.notes) if "illustrative" not in n]
    if notes:
        line3 += f"   note: {notes[0]}" + (f" (+{len(notes) - 1} more)"
                                          if len(notes) > 1 else "")
    # Three lines, each elided at the width (CSS text-wrap/text-overflow).
    return Text.assemble(line1, "\n", line2, "\n", (line3, "dim"))


def tabs(current: str, trail: Sequence[str]) -> Text:
    """``<1> Nodes  [2] NodeClaims …`` and, in a drill-down, ``› node/10.0.0.1 › describe``
    (k9s' breadcrumbs): which view you are in stays on screen wherever you go."""
    text = Text()
    for i, view in enumerate(VIEWS):
        if i:
            text.append(" ")
        if view.id == current:
            text.append(f"<{view.number}>{view.title}", style="bold reverse")
        else:
            text.append(f"[{view.number}]{view.title}")
    for step in trail:
        text.append("  › ", style="dim")
        text.append(step, style="bold")
    return text


def hints(pane: str | None, scope: str, query: str, sort_by: str | None,
          reverse: bool) -> Text:
    """The keys that work here, after what narrows the view (the tab line names the view)."""
    parts = []
    if pane is None:
        if scope:
            parts.append(f"nodepool={scope}")
        if query:
            parts.append(f"filter: {query}")
        if sort_by:
            parts.append(f"sort: {sort_by}{' ↓' if reverse else ''}")
        keys = "?:help /:filter ::view Enter:drill d:describe y:yaml s:sort Esc:back q:quit"
    elif pane == "node":
        keys = "?:help j/k:move Enter/d:describe y:yaml Esc:back q:quit"
    else:
        keys = "?:help j/k:scroll g/G:top/bottom d:describe y:yaml Esc:back q:quit"
    return Text("   ".join([*parts, keys]))
