"""``kubectl karp tui``: the Textual application.

The app only renders: row models come from ``kubectl_karp.render.views`` (pure), data from
a ``DataSource`` (static or live, its threads post ``DataUpdate``s), explanations from
``kubectl_karp.core.explain`` in a thread worker. Read-only: nothing here writes to the
cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, DataTable, Input, Static

from kubectl_karp.core.context import SchedulingContext
from kubectl_karp.core.reasons import Reason
from kubectl_karp.core.verify import (
    DISAGREE,
    OURS_ONLY,
    Comparison,
    answers_from_explanation,
    compare_nodes,
    compare_pods,
)
from kubectl_karp.render import views
from kubectl_karp.tui import panels
from kubectl_karp.tui.sources import DataSource, DataUpdate
from kubectl_karp.tui.table import KeyedTable

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ViewSpec:
    id: str
    title: str
    number: str
    columns: Sequence[views.Column[Any]]
    aliases: tuple[str, ...]


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
             ("nodeclaims", "nodeclaim", "nc")),
    ViewSpec("nodepools", "NodePools", "3", views.NODE_POOL_COLUMNS,
             ("nodepools", "nodepool", "np")),
    ViewSpec("pending", "Pending pods", "4", views.PENDING_COLUMNS,
             ("pending", "pods", "pod", "po")),
    ViewSpec("consolidation", "Consolidation", "5", views.CONSOLIDATION_COLUMNS,
             ("consolidation", "consolidate", "co")),
)
SIDE_PANELS = {"pending": "explanation", "consolidation": "plan"}
# The consolidation panel's rollout timeline: how big a cluster, how many rounds at most.
TIMELINE_MAX_NODES = 200
TIMELINE_MAX_ROUNDS = 12
VIEW_BY_ID = {v.id: v for v in VIEWS}

HELP = """\
[b]kubectl karp tui[/b] — read-only view of Karpenter's nodes, NodeClaims, NodePools and
pending pods. Nothing here writes to the cluster.

[b]1[/b]-[b]5[/b]          switch view (Nodes, NodeClaims, NodePools, Pending pods,
             Consolidation dry run)
[b]:[/b]name        jump to a view (:nodes :nc :np :pods :co), :q quits
[b]/[/b]            filter rows (every word must match some column); Esc clears
[b]Enter[/b]        drill down: node → its pods; NodeClaim → its node;
             NodePool → its nodes; pending group → explanation;
             consolidation node → its checks
[b]d[/b] or [b]y[/b]       describe: the YAML of the selected object
[b]s[/b]            sort by the next column;  [b]Shift+letter[/b] sort by that column
             (N name, P nodepool, T type, Z zone, K capacity, H price, C cpu,
             M memory, O pods, A age, S state); again to reverse
[b]Esc[/b]          back (leave drill-down, clear filter)
[b]?[/b]            this help;  [b]q[/b] quit

Press Esc to close.
"""


class Updated(Message):
    """A DataUpdate crossed from a source thread into the UI."""

    def __init__(self, update: DataUpdate) -> None:
        super().__init__()
        self.update = update


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss",
                                                     "close")]

    def compose(self) -> ComposeResult:
        yield VerticalScroll(Static(HELP, id="help-text"), id="help")


class DescribeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "app.pop_screen", "back")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        yield Static(Text(self._title, style="bold"), id="describe-title")
        yield VerticalScroll(Static(Text(self._body), id="describe-body"))


class NodeScreen(Screen[None]):
    """Drill-down of one node: its pods. Follows live updates."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "back")]

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def compose(self) -> ComposeResult:
        yield Static(id="node-title")
        yield KeyedTable(panels.NODE_DETAIL_COLUMNS, id="node-pods")

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(KeyedTable).focus()

    def refresh_data(self) -> None:
        app = self.app
        assert isinstance(app, KarpApp)
        if app.ctx is None:
            return
        _, _, name = self.key.partition("/")
        self.query_one("#node-title", Static).update(Text(
            panels.node_summary(app.ctx, self.key) + "   (Esc back, d describe pod)"))
        self.query_one(KeyedTable).show(panels.node_detail_rows(app.ctx, name, app.clock()))


@dataclass
class ViewState:
    query: str = ""
    sort_by: str | None = None
    reverse: bool = False
    scope: str = ""  # nodes view: only this NodePool (drill-down from NodePools)


class KarpApp(App[int]):
    CSS = """
    #header { height: 3; background: $boost; padding: 0 1; text-wrap: nowrap;
              text-overflow: ellipsis; }
    #hints { height: 1; background: $boost; padding: 0 1; }
    #prompt { display: none; height: 3; }
    #prompt.visible { display: block; }
    ContentSwitcher { height: 1fr; }
    #pending, #consolidation { height: 1fr; }
    #pending-table, #consolidation-table { width: 3fr; }
    .side { width: 2fr; border-left: solid $primary; padding: 0 1; }
    #help { width: 90; height: auto; max-height: 90%; border: round $primary;
            background: $surface; padding: 0 1; }
    HelpScreen { align: center middle; }
    #node-title, #describe-title { height: auto; padding: 0 1; background: $boost; }
    """
    TITLE = "kubectl karp tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "quit"),
        Binding("question_mark", "help", "help"),
        Binding("slash", "prompt('/')", "filter"),
        Binding("colon", "prompt(':')", "command"),
        Binding("d,y", "describe", "describe"),
        Binding("s", "sort_next", "sort"),
        Binding("escape", "escape", "back", show=False),
        *(Binding(v.number, f"show_view('{v.id}')", v.title, show=False) for v in VIEWS),
    ]

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
            ctx = update.ctx
            # Row models for 5,000 nodes take a noticeable fraction of a second: compute
            # them off the UI thread; only the table diff runs here.
            self._submit("rows", self._compute_rows, ctx)

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
        self._submit("analysis", self._explain, ctx)

    def _explain(self, ctx: SchedulingContext) -> None:
        """Explain pending pods, then plan consolidation (both can take a while)."""
        from kubectl_karp.core.disruption import plan_consolidation
        from kubectl_karp.core.explain import explain

        try:
            result: Any = explain(ctx)
            error = ""
        except Exception as err:  # a bug in explain must not take the screen down
            result, error = None, f"could not explain: {type(err).__name__}: {err}"
        self.call_from_thread(self._explained, ctx, result, error)
        try:
            plan: Any = plan_consolidation(ctx, self.clock())
            error = ""
        except Exception as err:
            plan, error = None, f"could not plan: {type(err).__name__}: {err}"
        self.call_from_thread(self._planned, ctx, plan, error)
        timeline: Any = None
        managed = sum(1 for n in ctx.snapshot.nodes if n.node_pool)
        if plan is not None and plan.actions and managed <= TIMELINE_MAX_NODES:
            from kubectl_karp.core.disruption.rollout import rollout

            try:
                timeline = rollout(ctx, self.clock(), max_rounds=TIMELINE_MAX_ROUNDS)
            except Exception:  # the timeline is a bonus: never take the screen down
                timeline = None
        self.call_from_thread(self._rolled, ctx, timeline)

    def _rolled(self, ctx: SchedulingContext, timeline: Any | None) -> None:
        if self._late():
            return
        self.timeline = timeline
        if self.current == "consolidation":
            self._render_plan()

    def _planned(self, ctx: SchedulingContext, plan: Any | None, error: str) -> None:
        if self._late():
            return
        # Results for an older snapshot are still shown (a newer run follows): on a busy
        # cluster every run would otherwise be stale by the time it finishes.
        self.plan, self.plan_error = plan, error
        self.planned_ctx = ctx
        self.reported_nodes = karpenter_said_nodes(ctx, plan, self.clock())
        pods_on = {name: len(pods) for name, pods in ctx.snapshot.pods_by_node.items()}
        self.rows["consolidation"] = views.consolidation_rows(plan, pods_on) if plan else ()
        # View 1 tells the dry run's story too (the same verdicts, the same pod counts).
        self.rows["nodes"] = views.with_dry_run(self.rows["nodes"], plan)
        if self.current == "nodes":
            self._render_view("nodes")
        else:
            self._stale.add("nodes")
        if self.current == "consolidation":
            self._render_view("consolidation")
        else:
            self._stale.add("consolidation")

    def _explained(self, ctx: SchedulingContext, result: Any | None, error: str) -> None:
        if self._late():
            return
        self.explanation = result
        self.explained_ctx = ctx
        self.explain_error = error
        self.reported_pods = karpenter_said_pods(ctx, result, self.clock())
        if result is not None:
            pods_by_key = {p.key: p for p in ctx.snapshot.pods}
            rows = []
            for entry in result.pods:
                if entry.verdict.already_bound:
                    continue
                group = [pods_by_key[k] for k in entry.pods if k in pods_by_key]
                if group:
                    verdict = panels.verdict_text(entry)
                    said = self.reported_pods.get(entry.pod)
                    if said is not None and said.verdict == DISAGREE:
                        verdict += " ≠ Karpenter"  # the panel shows what Karpenter said
                    rows.append(views.pending_row(group, verdict, panels.first_code(entry)))
            self.rows["pending"] = tuple(rows)
        if self.current == "pending":
            self._render_view("pending")
        else:
            self._stale.add("pending")
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
        if isinstance(self.screen, NodeScreen):
            self.screen.refresh_data()

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

    def selected_row(self, view: str | None = None) -> Any | None:
        view = view or self.current
        key = self.table(view).selected_key()
        if key is None:
            return None
        return next((r for r in self.rows[view] if r.key == key), None)

    def _render_header(self) -> None:
        ctx = self.ctx
        live = "live" if self.source.live else "static snapshot"
        status = self.status or ("connected" if self.source.live else "read-only")
        tabs = "  ".join(f"[{v.number}] {v.title}" if v.id != self.current
                         else f"<{v.number}> {v.title}" for v in VIEWS)
        line1 = Text()
        line1.append("kubectl karp tui", style="bold")
        line1.append(f"  {self.source.label} ({live})  ")
        line1.append(status, style="bold yellow" if self.status else "green")
        line1.append(f"   {tabs}")
        if ctx is None:
            self.query_one("#header", Static).update(
                Text.assemble(line1, "\nloading…" if not self.status else ""))
            return
        pending = len(ctx.snapshot.pending_pods)
        line2 = views.totals_line(views.totals(self.rows["nodes"], pending))
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
        # Three lines, each elided at the width (CSS text-wrap/text-overflow above).
        self.query_one("#header", Static).update(
            Text.assemble(line1, "\n", line2, "\n", (line3, "dim")))

    def _render_hints(self) -> None:
        state = self.states[self.current]
        parts = [f"<{VIEW_BY_ID[self.current].title}>"]
        if state.scope:
            parts.append(f"nodepool={state.scope}")
        if state.query:
            parts.append(f"filter: {state.query}")
        if state.sort_by:
            parts.append(f"sort: {state.sort_by}{' ↓' if state.reverse else ''}")
        keys = "?:help /:filter ::view Enter:drill d:describe s:sort Esc:back q:quit"
        self.query_one("#hints", Static).update(Text("  ".join(parts) + "   " + keys))

    # ----------------------------------------------------------------- actions
    def action_show_view(self, view: str) -> None:
        if view not in VIEW_BY_ID:
            return
        self._pop_to_main()
        self.current = view
        self.query_one(ContentSwitcher).current = view
        if view in self._stale:
            self._render_view(view)
        self.table().focus()
        self._render_header()
        self._render_hints()

    def _pop_to_main(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_prompt(self, mode: str) -> None:
        prompt = self.query_one("#prompt", Input)
        self._prompt_mode = mode
        prompt.placeholder = ("filter rows, Enter to keep, Esc to clear" if mode == "/"
                              else "view: nodes | nc | np | pods   (q to quit)")
        prompt.value = self.states[self.current].query if mode == "/" else ""
        prompt.add_class("visible")
        prompt.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._prompt_mode == "/":
            self.states[self.current].query = event.value
            self._render_view(self.current)
            self._render_hints()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        mode, value = self._prompt_mode, event.value.strip()
        self._close_prompt()
        if mode == ":":
            name = value.lstrip(":").lower()
            if name in ("q", "quit", "q!"):
                self._shutting_down = True
                self.exit(0)
                return
            for view in VIEWS:
                if name in view.aliases:
                    self.action_show_view(view.id)
                    return
            self.notify(f"unknown view {value!r}: try nodes, nc, np, pods", severity="warning")

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("visible")
        self._prompt_mode = ""
        self.table().focus()

    def action_escape(self) -> None:
        prompt = self.query_one("#prompt", Input)
        if prompt.has_class("visible"):
            if self._prompt_mode == "/":
                self.states[self.current].query = ""
                self._render_view(self.current)
            self._close_prompt()
            self._render_hints()
            return
        if self.current in SIDE_PANELS and self.focused is not self.table():
            self.table().focus()
            return
        state = self.states[self.current]
        if state.query:
            state.query = ""
        elif state.scope:
            state.scope = ""
            if self.current == "nodes":
                self.action_show_view("nodepools")
                self._render_view("nodes")
                return
        else:
            return
        self._render_view(self.current)
        self._render_hints()

    def sort_by(self, column: str) -> None:
        state = self.states[self.current]
        if state.sort_by == column:
            state.reverse = not state.reverse
        else:
            state.sort_by, state.reverse = column, False
        self._render_view(self.current)
        self._render_hints()

    def action_sort_next(self) -> None:
        columns = [c.key for c in VIEW_BY_ID[self.current].columns]
        state = self.states[self.current]
        index = columns.index(state.sort_by) + 1 if state.sort_by in columns else 0
        state.sort_by, state.reverse = columns[index % len(columns)], False
        self._render_view(self.current)
        self._render_hints()

    def on_key(self, event: events.Key) -> None:
        # k9s-style Shift+<letter> sorts by the column with that shortcut.
        char = event.character
        if (char and len(char) == 1 and char.isupper() and not isinstance(self.focused, Input)
                and len(self.screen_stack) == 1):
            for col in VIEW_BY_ID[self.current].columns:
                if col.shortcut == char:
                    event.stop()
                    self.sort_by(col.key)
                    return

    def action_describe(self) -> None:
        if self.ctx is None:
            return
        if isinstance(self.screen, NodeScreen):
            key = self.screen.query_one(KeyedTable).selected_key()
            view = "node"
        else:
            key = self.table().selected_key()
            view = self.current
        if key is None:
            return
        raw = panels.raw_object(self.ctx, view, key)
        if raw is None:
            self.notify(f"{key} is no longer in the cluster", severity="warning")
            return
        from kubectl_karp.render.output import to_yaml

        self.push_screen(DescribeScreen(f"{key}   (Esc back)", to_yaml(dict(raw))))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "pending-table":
            self._render_explanation()
        elif event.data_table.id == "consolidation-table":
            self._render_plan()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        if not isinstance(table, KeyedTable) or self.ctx is None:
            return
        key = table.selected_key()
        if key is None:
            return
        if table.id == "nodes":
            self.push_screen(NodeScreen(key))
        elif table.id == "nodeclaims":
            row = next((r for r in self.rows["nodeclaims"] if r.key == key), None)
            target = f"node/{row.node}" if row and row.node_present else f"nodeclaim/{key}"
            self.states["nodes"] = ViewState()
            self.action_show_view("nodes")
            self._render_view("nodes")
            nodes = self.table("nodes")
            if target in nodes.shown:
                nodes.move_cursor(row=nodes.get_row_index(target))
        elif table.id == "nodepools":
            self.states["nodes"] = ViewState(scope=key)
            self.action_show_view("nodes")
            self._render_view("nodes")
        elif table.id == "pending-table":
            self.query_one("#explanation-scroll").focus()
        elif table.id == "consolidation-table":
            self.query_one("#plan-scroll").focus()


def create_app(source: DataSource, *, clock: Clock | None = None,
               age_refresh: float = 5.0) -> KarpApp:
    """The one factory the CLI and the tests use."""
    app = KarpApp(source, clock=clock, age_refresh=age_refresh)
    return app


def karpenter_said_pods(ctx: SchedulingContext, explanation: Any | None, now: datetime
                        ) -> dict[str, Comparison]:
    """Pod key → Karpenter's newest word on it beside the explanation (without events: none)."""
    if explanation is None or not ctx.snapshot.events:
        return {}
    rows = compare_pods(ctx.snapshot, answers_from_explanation(explanation), ctx.rules, now)
    return {r.name: r for r in rows if r.theirs is not None and r.verdict != OURS_ONLY}


def karpenter_said_nodes(ctx: SchedulingContext, plan: Any | None, now: datetime
                         ) -> dict[str, Comparison]:
    """Node name → Karpenter's newest word on it beside the dry-run plan."""
    if plan is None or not ctx.snapshot.events:
        return {}
    rows = compare_nodes(ctx.snapshot, plan, ctx.rules, now)
    return {r.name: r for r in rows if r.theirs is not None and r.verdict != OURS_ONLY}
