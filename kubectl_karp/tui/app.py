"""``kubectl karp tui``: the Textual application.

The app only renders: row models come from ``kubectl_karp.render.views`` (pure), data from
a ``DataSource`` (static or live, its threads post ``DataUpdate``s), explanations and the
dry run from ``tui.analysis`` in a thread worker (``tui.frame`` runs that flow). This
module holds the keys: views, filter, sort, drill-down, describe and YAML, each a k9s habit.
Read-only: nothing here writes to the cluster.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import ContentSwitcher, DataTable, Input, Static

from kubectl_karp.render.views import describe as describing
from kubectl_karp.tui.frame import PANES, Clock, DescribeScroll, Drill, Frame, ViewState
from kubectl_karp.tui.sources import DataSource
from kubectl_karp.tui.table import KeyedTable
from kubectl_karp.tui.viewdefs import SIDE_PANELS, VIEW_BY_ID, VIEWS, help_text, view_names


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss",
                                                     "close")]

    def __init__(self, current: str = "nodes") -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        yield VerticalScroll(Static(help_text(self._current), id="help-text"), id="help")


class KarpApp(Frame):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "quit"),
        Binding("question_mark", "help", "help"),
        Binding("slash", "prompt('/')", "filter"),
        Binding("colon", "prompt(':')", "command"),
        Binding("d", "describe('d')", "describe"),
        Binding("y", "describe('y')", "yaml"),
        Binding("s", "sort_next", "sort"),
        Binding("escape", "escape", "back", show=False),
        *(Binding(v.number, f"show_view('{v.id}')", v.title, show=False) for v in VIEWS),
    ]

    # ----------------------------------------------------------------- panes
    def _show(self) -> None:
        """Put the top of the drill-down stack (or the current view) on screen."""
        pane = self.pane
        self.query_one(ContentSwitcher).current = PANES[pane] if pane else self.current
        if pane == "node":
            self.query_one("#node-pods", KeyedTable).focus()
        elif pane == "describe":
            self.query_one("#describe-scroll").focus()
        else:
            self.table().focus()
        self._render_hints()

    def _drill_node(self, key: str) -> None:
        self.drill = [Drill("node", key, key)]
        self._render_node_detail()
        self._show()

    def action_describe(self, mode: str = "d") -> None:
        if self.ctx is None:
            return
        top = self.drill[-1] if self.drill else None
        key: str | None
        if top is not None and top.pane == "describe":
            # d and y switch between the two texts of the same object.
            view, key = top.view, top.key
            self.drill.pop()
        elif top is not None and top.pane == "node":
            view, key = "node", self.query_one("#node-pods", KeyedTable).selected_key()
        else:
            view, key = self.current, self.table().selected_key()
        ref = describing.object_ref(view, key) if key is not None else None
        if ref is None:
            return
        snap = self.ctx.snapshot
        obj = describing.find(snap, ref)
        if obj is None:
            self.notify(f"{ref.title} is no longer in the cluster", severity="warning")
            return
        if mode == "y":
            # The document as the source read it (the watch store's for a live cluster).
            doc = describing.document(snap, ref) or getattr(obj, "raw", None) or {}
            from kubectl_karp.render.output import to_yaml

            body, crumb = to_yaml(dict(doc)), f"{ref.title} (yaml)"
        else:
            body, crumb = describing.describe(snap, ref, self.clock()) or "", ref.title
        self.query_one("#describe-title", Static).update(
            Text(f"{crumb}   (Esc back, {'d describe' if mode == 'y' else 'y YAML'})",
                 style="bold"))
        self.query_one("#describe-body", Static).update(Text(body))
        self.drill.append(Drill("describe", key or "", crumb, view=view, mode=mode))
        self.query_one("#describe-scroll", DescribeScroll).scroll_home(animate=False)
        self._show()

    # ----------------------------------------------------------------- actions
    def action_show_view(self, view: str) -> None:
        if view not in VIEW_BY_ID:
            return
        self._pop_to_main()
        self.drill = []
        self.current = view
        if view in self._stale:
            self._render_view(view)
        self._show()
        self._render_header()

    def _pop_to_main(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.current))

    def action_prompt(self, mode: str) -> None:
        if mode == "/" and self.pane is not None:
            return  # a drill-down has nothing to filter
        prompt = self.query_one("#prompt", Input)
        self._prompt_mode = mode
        prompt.placeholder = ("filter rows, Enter to keep, Esc to clear" if mode == "/"
                              else f"view: {view_names()}   (q to quit)")
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
            self.notify(f"unknown view {value!r}: try {view_names().replace(' |', ',')}",
                        severity="warning")

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("visible")
        self._prompt_mode = ""
        self._show()

    def action_escape(self) -> None:
        prompt = self.query_one("#prompt", Input)
        if prompt.has_class("visible"):
            if self._prompt_mode == "/":
                self.states[self.current].query = ""
                self._render_view(self.current)
            self._close_prompt()
            return
        if self.drill:
            self.drill.pop()
            self._show()
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
        if self.pane is not None:
            return
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
                and len(self.screen_stack) == 1 and self.pane is None):
            for col in VIEW_BY_ID[self.current].columns:
                if col.shortcut == char:
                    event.stop()
                    self.sort_by(col.key)
                    return

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
            self._drill_node(key)
        elif table.id == "node-pods":
            self.action_describe("d")
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
    return KarpApp(source, clock=clock, age_refresh=age_refresh)
