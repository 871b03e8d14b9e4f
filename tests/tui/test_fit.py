"""TUI columns shrink, elide or drop by priority; cost never drops (issue 19 item 2)."""

from __future__ import annotations

import pytest

from kubectl_karp.tui.table import fit_columns
from kubectl_karp.tui.viewdefs import COLUMN_FIT, VIEW_BY_ID

from .conftest import demo_app, settle

COST = {"nodes": "price", "nodepools": "cost", "consolidation": "price"}


def test_fit_drops_by_priority_and_keeps_cost() -> None:
    titles = {"name": "NAME", "zone": "ZONE", "price": "$/H", "state": "STATE"}
    widest = {"name": 12, "zone": 14, "price": 7, "state": 30}
    assert fit_columns(titles, widest, 200, ("zone",), ("name", "price")) == (
        ["name", "zone", "price", "state"], {})
    visible, fixed = fit_columns(titles, widest, 45, ("zone",), ("name", "price"))
    assert visible == ["name", "price", "state"] and fixed == {"state": 20}
    visible, _ = fit_columns(titles, widest, 10, ("zone", "state"), ("name", "price"))
    assert "price" in visible and "name" in visible


@pytest.mark.parametrize("size", [(80, 24), (120, 30), (160, 45)])
async def test_every_view_fits_and_keeps_cost(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for number, view in enumerate(VIEW_BY_ID, 1):
            await pilot.press(str(number))
            await settle(pilot)
            table = app.table(view)
            assert set(table.visible_columns) >= set(COLUMN_FIT[view][1])
            if view in COST:
                assert COST[view] in table.visible_columns
            # What is shown fits: the columns' widths plus padding within the table.
            used = sum(col.get_render_width(table) for col in table.columns.values())
            assert used <= table.size.width, (view, size)
        header = str(app.query_one("#header").render())
        assert header.splitlines()[1].startswith("Cost $")
