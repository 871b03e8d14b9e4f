"""The TUI's frame: its state, the data flow from a source through the worker threads, and
what each part of the one screen shows. ``tui.app`` adds the keys and what they do.

Every view and every drill-down (a node's pods, describe, YAML) lives on the one screen,
between the same header, tab line and key hints, as in k9s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ContentSwitcher, Input, Static

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.verify import Comparison
from kubectl_karp.render import views
from kubectl_karp.tui import analysis, chrome, panels
from kubectl_karp.tui.sources import DataSource, DataUpdate
from kubectl_karp.tui.table import KeyedTable
from kubectl_karp.tui.viewdefs import COLUMN_FIT, SIDE_PANELS, VIEW_BY_ID, VIEWS

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Updated(Message):
    """A DataUpdate crossed from a source thread into the UI."""

    def __init__(self, update: DataUpdate) -> None:
        super().__init__()
        self.update = update


class DescribeScroll(VerticalScroll):
    """The describe/YAML pane: j/k and g/G scroll it as they move a table's cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", show=False), Binding("k", "scroll_up", show=False),
        Binding("g", "scroll_home", show=False), Binding("G", "scroll_end", show=False),
    ]


@dataclass(frozen=True)
class Drill:
    """One step into a row: a node's pods (``pane == "node"``) or a describe/YAML text."""

    pane: str  # node | describe
    key: str  # the row key it started from (node/NAME for a node's pods)
    crumb: str  # what the tab line shows for it
    view: str = ""  # describe: the view the object's row is in ("node": a node's pod)
    mode: str = ""  # describe: d (describe) or y (YAML)


@dataclass
class ViewState:
    query: str = ""
    sort_by: str | None = None
    reverse: bool = False
    scope: str = ""  # nodes view: only this NodePool (drill-down from NodePools)


PANES = {"node": "node-detail", "describe": "describe"}


class Frame(App[int]):
    CSS = """
    #header { height: 3; background: $boost; padding: 0 1; text-wrap: nowrap;
              text-overflow: ellipsis; }
    #tabs { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    #hints { height: 1; background: $boost; padding: 0 1; text-wrap: nowrap;
             text-overflow: ellipsis; }
    #prompt { display: none; height: 3; }
    #prompt.visible { display: block; }
    ContentSwitcher { height: 1fr; }
    #pending, #consolidation, #node-detail, #describe { height: 1fr; }
    #pending-table, #consolidation-table { width: 3fr; }
    .side { width: 2fr; border-left: solid $primary; padding: 0 1; }
    #help { width: 90; max-width: 100%; height: auto; max-height: 90%; border: round $primary;
            background: $surface; padding: 0 1; }
    HelpScreen { align: center middle; }
    #node-title, #describe-title { height: auto; padding: 0 1; background: $boost; }
    #describe-body { padding: 0 1; }
    """
    TITLE = "kubectl karp tui"

    def __init__(self, source: DataSource, *, clock: Clock | None = None,
                 age_refresh: float = 5.0) -> None:
        super().__init__()
        self.source = source
        self._shutting_down = False
        self.clock: Clock = clock or _utc_now
        self.age_refresh = age_refresh
        self.ctx: SchedulingContext | None = None
        self.status = ""
        self.current = "nodes"
        self.drill: list[Drill] = []
        self.states = {v.id: ViewState() for v in VIEWS}
        self.rows: dict[str, Sequence[Any]] = {v.id: () for v in VIEWS}
        self.explanation: Any | None = None  # core.explain.Explanation for self.ctx
        self.explained_ctx: SchedulingContext | None = None
        self.planned_ctx: SchedulingContext | None = None
        self.explain_error = ""
        self.plan: Any | None = None  # core.disruption.ConsolidationPlan for self.ctx
        # What Karpenter's own events say beside our answers (core.verify), by pod / node.
        self.reported_pods: dict[str, Comparison] = {}
        # The rollout of the current plan to steady state (core.disruption.rollout), for the
        # consolidation panel; computed for clusters small enough to do it in seconds.
        self.timeline: Any | None = None
        self.reported_nodes: dict[str, Comparison] = {}
        self.plan_error = ""
        self.updates = 0
        self._prompt_mode = ""
        self._stale: set[str] = set()
        self._busy: set[str] = set()
        self._waiting: dict[str, tuple[Callable[[SchedulingContext], None],
                                       SchedulingContext]] = {}

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Static(id="header")
        yield Static(id="tabs")
        with ContentSwitcher(initial="nodes"):
            yield KeyedTable(self._defs("nodes"), id="nodes", **self._fit("nodes"))
            yield KeyedTable(self._defs("nodeclaims"), id="nodeclaims",
                             **self._fit("nodeclaims"))
            yield KeyedTable(self._defs("nodepools"), id="nodepools", **self._fit("nodepools"))
            for view, panel in SIDE_PANELS.items():
                with Horizontal(id=view):
                    yield KeyedTable(self._defs(view), id=f"{view}-table", **self._fit(view))
                    with VerticalScroll(id=f"{panel}-scroll", classes="side"):
                        yield Static(id=panel)
            with Vertical(id="node-detail"):
                yield Static(id="node-title")
                yield KeyedTable(panels.NODE_DETAIL_COLUMNS, id="node-pods")
            with Vertical(id="describe"):
                yield Static(id="describe-title")
                with DescribeScroll(id="describe-scroll"):
                    yield Static(id="describe-body")
        yield Input(id="prompt")
        yield Static(id="hints")

    @staticmethod
    def _defs(view: str) -> list[tuple[str, str]]:
        return [(c.key, c.title) for c in VIEW_BY_ID[view].columns]

    @staticmethod
    def _fit(view: str) -> dict[str, tuple[str, ...]]:
        drop, keep = COLUMN_FIT.get(view, ((), ()))
        return {"drop_order": drop, "keep": keep}

    def table(self, view: str | None = None) -> KeyedTable:
        view = view or self.current
        return self.query_one(f"#{view}-table" if view in SIDE_PANELS else f"#{view}",
                              KeyedTable)

    @property
    def pane(self) -> str | None:
        """The drill-down on screen (``node``, ``describe``), None when a view is."""
        return self.drill[-1].pane if self.drill else None

    def on_mount(self) -> None:
        self._render_header()
        self._render_hints()
        self.table().focus()
        self.source.start(self._from_source)
        if self.age_refresh:
            self.set_interval(self.age_refresh, self._refresh_ages)

    def _from_source(self, update: DataUpdate) -> None:
        # Sources call this from their own threads (or from on_mount for static ones).
        self.post_message(Updated(update))

    def on_unmount(self) -> None:
        self._shutting_down = True
        self.source.stop()

    async def action_quit(self) -> None:
        # Stop accepting worker results before the screens are torn down.
        self._shutting_down = True
        self.exit()

    # ----------------------------------------------------------------- data
    def on_updated(self, message: Updated) -> None:
        update = message.update
        if update.status is not None:
            self.status = update.status
            self._render_header()
        if update.ctx is not None:
            # Row models for 5,000 nodes take a noticeable fraction of a second: compute
            # them off the UI thread; only the table diff runs here.
            self._submit("rows", self._compute_rows, update.ctx)

    def _submit(self, group: str, func: Callable[[SchedulingContext], None],
                ctx: SchedulingContext) -> None:
        """Run ``func(ctx)`` in a thread, one at a time per group; while one runs, only the
        newest context waits (thread workers cannot be cancelled, so without this a busy
        cluster would pile them up)."""
        if group in self._busy:
            self._waiting[group] = (func, ctx)
            return
        self._busy.add(group)

        def run() -> None:
            try:
                func(ctx)
            finally:
                self.call_from_thread(self._done, group)

        # The description is explicit: Textual's default repr()s the arguments, which for
        # a 50,000-pod snapshot costs seconds.
        self.run_worker(run, thread=True, group=group, description=group)

    def _done(self, group: str) -> None:
        self._busy.discard(group)
        waiting = self._waiting.pop(group, None)
        if waiting is not None:
            self._submit(group, *waiting)

    def _compute_rows(self, ctx: SchedulingContext) -> None:
        now = self.clock()
        node_rows = views.node_rows(ctx)
        rows: dict[str, Sequence[Any]] = {
            "nodes": node_rows,
            "nodeclaims": views.node_claim_rows(ctx),
            "nodepools": views.node_pool_rows(ctx, node_rows, now),
            "pending": views.pending_rows(ctx),
            "consolidation": (),
        }
        self.call_from_thread(self._rows_ready, ctx, rows)

    def _late(self) -> bool:
        """True once the app is shutting down: a worker's result that arrives then has no
        screen to go to (its widgets are already gone) and is dropped."""
        return self._shutting_down or not self.is_running

    def _rows_ready(self, ctx: SchedulingContext, rows: dict[str, Sequence[Any]]) -> None:
        if self._late():
            return
        self.ctx = ctx
        self.updates += 1
        pending, planned = self.rows["pending"], self.rows["consolidation"]
        self.rows.update(rows)
        # Keep the last plan's verdicts beside the new node rows until the next plan is in.
        self.rows["nodes"] = views.with_dry_run(self.rows["nodes"], self.plan)
        # Keep the last explained groups and plan on screen until the new ones are ready.
        if self.explanation is not None:
            self.rows["pending"] = pending
        self.rows["consolidation"] = planned
        self._render_all()
        self._submit("analysis", self._analyse, ctx)

    def _analyse(self, ctx: SchedulingContext) -> None:
        def deliver(method: Callable[..., None]) -> Callable[..., None]:
            return lambda *args: self.call_from_thread(method, *args)

        analysis.analyse(ctx, self.clock(), analysis.Analysis(
            deliver(self._explained), deliver(self._planned), deliver(self._rolled)))

    def _rolled(self, ctx: SchedulingContext, timeline: Any | None) -> None:
        if self._late():
            return
        self.timeline = timeline
        if self.current == "consolidation" and self.pane is None:
            self._render_plan()

    def _planned(self, ctx: SchedulingContext, plan: Any | None, error: str) -> None:
        if self._late():
            return
        # Results for an older snapshot are still shown (a newer run follows): on a busy
        # cluster every run would otherwise be stale by the time it finishes.
        self.plan, self.plan_error = plan, error
        self.planned_ctx = ctx
        self.reported_nodes = analysis.karpenter_said_nodes(ctx, plan, self.clock())
        pods_on = {name: len(pods) for name, pods in ctx.snapshot.pods_by_node.items()}
        self.rows["consolidation"] = views.consolidation_rows(plan, pods_on) if plan else ()
        # View 1 tells the dry run's story too (the same verdicts, the same pod counts).
        self.rows["nodes"] = views.with_dry_run(self.rows["nodes"], plan)
        self._refresh_or_mark("nodes")
        self._refresh_or_mark("consolidation")

    def _refresh_or_mark(self, view: str) -> None:
        if self.current == view:
            self._render_view(view)
        else:
            self._stale.add(view)

    def _explained(self, ctx: SchedulingContext, result: Any | None, error: str) -> None:
        if self._late():
            return
        self.explanation = result
        self.explained_ctx = ctx
        self.explain_error = error
        self.reported_pods = analysis.karpenter_said_pods(ctx, result, self.clock())
        if result is not None:
            self.rows["pending"] = analysis.pending_rows_from(ctx, result, self.reported_pods)
        self._refresh_or_mark("pending")
        self._render_header()

    def entry_for(self, row: views.PendingGroupRow) -> Any | None:
        if self.explanation is None:
            return None
        return next((e for e in self.explanation.pods if e.pod == row.key), None)

    # ----------------------------------------------------------------- rendering
    def _render_all(self) -> None:
        # Only the visible table is refreshed; the others when they are shown (filling a
        # DataTable costs ~0.15 ms a row, too much to spend on hidden views of 5,000 rows).
        self._render_header()
        self._stale.update(v.id for v in VIEWS)
        self._render_view(self.current)
        if any(d.pane == "node" for d in self.drill):
            self._render_node_detail()

    def _refresh_ages(self) -> None:
        if self.ctx is not None:
            self._render_all()

    def arranged(self, view: str) -> list[tuple[Any, tuple[str, ...]]]:
        state = self.states[view]
        rows = self.rows[view]
        if view == "nodes" and state.scope:
            rows = [r for r in rows if r.node_pool == state.scope]
        return views.arrange(rows, VIEW_BY_ID[view].columns, self.clock(), query=state.query,
                             sort_by=state.sort_by, reverse=state.reverse)

    def _render_view(self, view: str) -> None:
        self._stale.discard(view)
        arranged = self.arranged(view)
        self.table(view).show([(row.key, texts) for row, texts in arranged])
        if view == "pending":
            self._render_explanation()
        elif view == "consolidation":
            self._render_plan()

    def _render_explanation(self) -> None:
        row = self.selected_row("pending")
        entry = self.entry_for(row) if row is not None else None
        blockers: Sequence[Reason] = self.explanation.blockers if self.explanation else ()
        unavailable = self.explain_error
        said = self.reported_pods.get(entry.pod) if entry is not None else None
        self.query_one("#explanation", Static).update(
            panels.explanation_text(row, entry, blockers, unavailable, said))

    def _render_plan(self) -> None:
        node = self.table("consolidation").selected_key()
        self.query_one("#plan", Static).update(panels.consolidation_text(
            self.plan, node, self.plan_error,
            self.reported_nodes.get(node) if node else None, self.timeline))

    def _render_node_detail(self) -> None:
        step = next((d for d in self.drill if d.pane == "node"), None)
        if self.ctx is None or step is None:
            return
        _, _, name = step.key.partition("/")
        self.query_one("#node-title", Static).update(Text(
            panels.node_summary(self.ctx, step.key)))
        self.query_one("#node-pods", KeyedTable).show(
            panels.node_detail_rows(self.ctx, name, self.clock()))

    def selected_row(self, view: str | None = None) -> Any | None:
        view = view or self.current
        key = self.table(view).selected_key()
        if key is None:
            return None
        return next((r for r in self.rows[view] if r.key == key), None)

    def _render_header(self) -> None:
        self.query_one("#header", Static).update(chrome.header(
            self.ctx, self.source.label, self.source.live, self.status, self.rows["nodes"]))
        self._render_tabs()

    def _render_tabs(self) -> None:
        self.query_one("#tabs", Static).update(
            chrome.tabs(self.current, [d.crumb for d in self.drill]))

    def _render_hints(self) -> None:
        state = self.states[self.current]
        self.query_one("#hints", Static).update(chrome.hints(
            self.pane, state.scope, state.query, state.sort_by, state.reverse))
        self._render_tabs()
