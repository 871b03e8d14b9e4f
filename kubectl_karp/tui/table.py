"""A DataTable that is updated in place by row key, so the cursor and scroll stay put."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

ADD_CHUNK = 400
_PAD = 2       # DataTable's cell padding (one each side)
_SOFT_CELL = 14  # a column shrinks this far (or to its title) before columns drop
_MIN_CELL = 6    # … and this far once nothing is left to drop


def fit_columns(titles: dict[str, str], texts: dict[str, int], width: int,
                drop_order: Sequence[str], keep: Sequence[str]
                ) -> tuple[list[str], dict[str, int]]:
    """Which columns to show in ``width`` cells and how wide, k9s-like: the widest columns
    shrink first (their cells elided with …) to a readable width, then columns drop in
    ``drop_order``, then the rest shrink further; columns in ``keep`` (names, cost) neither
    shrink nor drop.

    ``texts``: column → its widest cell. Returns the visible keys (in order) and a width for
    each column that must shrink (the others keep their natural width)."""
    keys = list(titles)
    natural = {k: max(len(titles[k]), texts.get(k, 0)) for k in keys}
    soft = {k: natural[k] if k in keep else min(natural[k], max(len(titles[k]), _SOFT_CELL))
            for k in keys}
    # Last resort: even the title is elided (BLOCK…), never the kept columns.
    hard = {k: natural[k] if k in keep else min(natural[k], _MIN_CELL) for k in keys}
    pending = [k for k in drop_order if k in keys and k not in keep]

    def need(cols: list[str], widths: dict[str, int]) -> int:
        return sum(widths[k] + _PAD for k in cols)

    widths = dict(natural)
    visible = list(keys)
    while need(visible, widths) > width:
        floor = soft if pending else hard
        shrinkable = [k for k in visible if widths[k] > floor[k]]
        if shrinkable:
            widest = max(shrinkable, key=lambda k: widths[k])
            widths[widest] -= 1
            continue
        if pending and len(visible) > 1:
            visible.remove(pending.pop(0))
            widths = dict(natural)  # re-share the room a dropped column leaves
            continue
        break
    return visible, {k: widths[k] for k in visible if widths[k] < natural[k]}


class KeyedTable(DataTable[Text]):
    """``show(rows)`` diffs against what is on screen: changed cells are updated, vanished
    rows removed, new rows added (in chunks when there are many), then the order is set,
    all without clearing, so the cursor stays on its row. j/k move and g/G jump to the
    top/bottom, as in k9s and vi."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False),
        Binding("g", "scroll_top", show=False), Binding("G", "scroll_bottom", show=False),
    ]

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None,
                 drop_order: Sequence[str] = (), keep: Sequence[str] = ()) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._column_defs = tuple(columns)
        self._drop_order = tuple(drop_order)
        self._keep = tuple(keep)
        self._visible: tuple[str, ...] = tuple(key for key, _ in columns)
        self._fixed: dict[str, int] = {}
        self._shown: dict[str, tuple[str, ...]] = {}
        self._order: list[str] = []
        self._wanted: list[tuple[str, tuple[str, ...]]] | None = None
        self._selected: str | None = None  # the row to keep the cursor on while filling

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        titles = dict(self._column_defs)
        for key in self._visible:
            self.add_column(Text(titles[key], no_wrap=True, overflow="ellipsis"), key=key,
                            width=self._fixed.get(key))

    def on_resize(self, event: events.Resize) -> None:
        self._refit()

    def _cells(self, texts: tuple[str, ...]) -> list[Text]:
        index = {key: i for i, key in enumerate(self.column_keys)}
        return [Text(texts[index[key]], no_wrap=True, overflow="ellipsis")
                for key in self._visible]

    def _refit(self) -> None:
        """Choose the columns for the current width; rebuild only when the choice changed
        (the rows are kept in ``_shown``, so nothing is lost and the cursor stays)."""
        width = self.size.width - 1  # the vertical scrollbar's room
        if width <= 0 or self._wanted is not None:
            return
        widest: dict[str, int] = {}
        for texts in self._shown.values():
            for key, text in zip(self.column_keys, texts, strict=True):
                widest[key] = max(widest.get(key, 0), len(text))
        visible, fixed = fit_columns(dict(self._column_defs), widest, width,
                                     self._drop_order, self._keep)
        if tuple(visible) == self._visible and fixed == self._fixed:
            return
        selected = self.selected_key()
        self._visible, self._fixed = tuple(visible), fixed
        self.clear(columns=True)
        self._add_columns()
        for key in self._order:
            self.add_row(*self._cells(self._shown[key]), key=key)
        if selected is not None and selected in self._order:
            self.move_cursor(row=self._order.index(selected), animate=False, scroll=False)

    @property
    def visible_columns(self) -> tuple[str, ...]:
        return self._visible

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
                self.add_row(*self._cells(texts), key=key)
            elif old != texts:
                for column, before, after in zip(column_keys, old, texts, strict=True):
                    if before != after and column in self._visible:
                        self.update_cell(key, column, Text(after, no_wrap=True,
                                                             overflow="ellipsis"),
                                         update_width=column not in self._fixed)
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
        self._refit()

    def _set_order(self, keys: Sequence[str]) -> None:
        # DataTable.sort can only order by cell values; the order here is the view's (its
        # sort key may not be a shown value), so set the row locations the way sort does.
        self._row_locations = TwoWayDict({RowKey(key): i for i, key in enumerate(keys)})
        self._update_count += 1
        self.refresh()
