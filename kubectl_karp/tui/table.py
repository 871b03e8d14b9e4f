"""A DataTable that is updated in place by row key, so the cursor and scroll stay put."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

ADD_CHUNK = 400


class KeyedTable(DataTable[Text]):
    """``show(rows)`` diffs against what is on screen: changed cells are updated, vanished
    rows removed, new rows added (in chunks when there are many), then the order is set,
    all without clearing, so the cursor stays on its row."""

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._column_defs = tuple(columns)
        self._shown: dict[str, tuple[str, ...]] = {}
        self._order: list[str] = []
        self._wanted: list[tuple[str, tuple[str, ...]]] | None = None
        self._selected: str | None = None  # the row to keep the cursor on while filling

    def on_mount(self) -> None:
        for key, title in self._column_defs:
            self.add_column(title, key=key)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self._column_defs)

    @property
    def shown(self) -> dict[str, tuple[str, ...]]:
        return self._shown

    def selected_key(self) -> str | None:
        if not self._order or self.cursor_row < 0 or self.cursor_row >= len(self._order):
            return None
        return self._order[self.cursor_row]

    def show(self, rows: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        """Make the table show ``rows`` (key, cell texts), in this order."""
        self._wanted = list(rows)
        self._selected = self.selected_key() if self._selected is None else self._selected
        self._step()

    @property
    def filling(self) -> bool:
        """Rows are still being added in chunks."""
        return self._wanted is not None

    def _step(self) -> None:
        rows = self._wanted
        if rows is None:
            return
        wanted = dict(rows)
        for key in [k for k in self._shown if k not in wanted]:
            self.remove_row(key)
            del self._shown[key]
        column_keys = self.column_keys
        added = 0
        for key, texts in rows:
            old = self._shown.get(key)
            if old is None:
                if added >= ADD_CHUNK:
                    continue
                added += 1
                self.add_row(*(Text(t) for t in texts), key=key)
            elif old != texts:
                for column, before, after in zip(column_keys, old, texts, strict=True):
                    if before != after:
                        self.update_cell(key, column, Text(after), update_width=True)
            self._shown[key] = texts
        keys = [key for key, _ in rows if key in self._shown]
        if keys != self._order:
            self._set_order(keys)
        self._order = keys
        selected = self._selected
        if selected is not None and selected in self._shown:
            index = keys.index(selected)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False, scroll=False)
        if len(keys) < len(rows):
            # Adding a DataTable row costs ~0.15 ms; add thousands a chunk per turn of the
            # event loop so keys and repaints get through meanwhile.
            self.call_later(self._step)
            return
        self._wanted = None
        self._selected = None

    def _set_order(self, keys: Sequence[str]) -> None:
        # DataTable.sort can only order by cell values; the order here is the view's (its
        # sort key may not be a shown value), so set the row locations the way sort does.
        self._row_locations = TwoWayDict({RowKey(key): i for i, key in enumerate(keys)})
        self._update_count += 1
        self.refresh()
