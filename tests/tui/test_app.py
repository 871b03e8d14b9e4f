"""Pilot tests: navigation, filtering, sorting, drill-down, describe, explanation panel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input, Static

from kubectl_karp.tui.app import HelpScreen, KarpApp
from kubectl_karp.tui.table import KeyedTable

from .conftest import settle as settle_workers

SIZE = (160, 50)


async def settle(app: KarpApp, pilot: Any) -> None:
    await settle_workers(pilot)


def order(app: KarpApp, view: str | None = None) -> list[str]:
    table = app.table(view)
    return [str(row.key.value) for row in table.ordered_rows]


async def test_number_keys_and_commands_switch_views(make_app: Callable[[], KarpApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.current == "nodes"
        assert order(app) == ["node/10.0.0.1", "node/10.0.0.2", "node/10.0.0.9",
                              "nodeclaim/default-klmno"]
        await pilot.press("2")
        assert app.current == "nodeclaims"
        assert order(app) == ["default-abcde", "default-fghij", "default-klmno"]
        await pilot.press("3")
        assert order(app) == ["default", "gpu"]
        await pilot.press("colon", *"pods", "enter")
        assert app.current == "pending"
        assert app.focused is app.table("pending")
        await pilot.press("colon", *"nc", "enter")
        assert app.current == "nodeclaims"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        header = str(app.query_one("#header", Static).render())
        assert "Nodes 3 (+1 launching)" in header and "illustrative" in header


async def test_filter_narrows_rows_and_escape_clears(make_app: Callable[[], KarpApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"large8")
        assert isinstance(app.focused, Input)
        assert order(app) == ["node/10.0.0.2", "nodeclaim/default-klmno"]
        await pilot.press("enter")
        assert isinstance(app.focused, KeyedTable)
        assert order(app) == ["node/10.0.0.2", "nodeclaim/default-klmno"]
        await pilot.press("escape")
        assert len(order(app)) == 4


async def test_sort_keeps_the_cursor_on_its_row(make_app: Callable[[], KarpApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down")
        assert app.table().selected_key() == "node/10.0.0.2"
        await pilot.press("A")  # Shift+A: age, newest first
        assert order(app) == ["nodeclaim/default-klmno", "node/10.0.0.2", "node/10.0.0.1",
                              "node/10.0.0.9"]
        assert app.table().selected_key() == "node/10.0.0.2"
        await pilot.press("A")  # again: reversed
        assert order(app)[0] == "node/10.0.0.9"
        await pilot.press("s")  # next column from age: state
        assert app.states["nodes"].sort_by == "state"
        assert order(app) == ["node/10.0.0.2", "node/10.0.0.1", "nodeclaim/default-klmno",
                              "node/10.0.0.9"]


async def test_drill_down_node_pool_to_nodes_to_pods(make_app: Callable[[], KarpApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("3", "enter")  # NodePool default → its nodes
        assert app.current == "nodes"
        assert order(app) == ["node/10.0.0.1", "node/10.0.0.2", "nodeclaim/default-klmno"]
        await pilot.press("enter")  # node → its pods
        assert app.pane == "node"
        pods = app.query_one("#node-pods", KeyedTable)
        assert list(pods.shown) == ["shop/web-1"]
        await pilot.press("y")
        assert app.pane == "describe"
        body = str(app.query_one("#describe-body", Static).render())
        assert "name: web-1" in body
        await pilot.press("escape", "escape")
        assert app.current == "nodes" and len(app.screen_stack) == 1 and app.pane is None
        await pilot.press("escape")  # leave the NodePool scope, back to NodePools
        assert app.current == "nodepools"
        assert len(order(app, "nodes")) == 4


async def test_node_claim_enter_jumps_to_its_node(make_app: Callable[[], KarpApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "down", "enter")
        assert app.current == "nodes"
        assert app.table().selected_key() == "node/10.0.0.2"
        await pilot.press("2", "down", "down", "enter")  # launching: the claim's own row
        assert app.table().selected_key() == "nodeclaim/default-klmno"


async def test_describe_shows_the_object_yaml(make_app: Callable[[], KarpApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("3", "down", "y")
        assert app.pane == "describe"
        body = str(app.query_one("#describe-body", Static).render())
        assert "kind: NodePool" in body and "name: gpu" in body


async def test_pending_view_shows_the_explanation_panel(make_app: Callable[[], KarpApp]
                                                        ) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        assert app.table().selected_key() is not None
        panel = str(app.query_one("#explanation", Static).render())
        first = app.selected_row()
        assert first is not None and first.owner in panel
        await pilot.press("down")
        panel2 = str(app.query_one("#explanation", Static).render())
        second = app.selected_row()
        assert second is not None and second.owner in panel2 and panel2 != panel
        # The demo's pending pods always have an explanation: verdicts and reasons shown.
        assert app.explanation is not None
        assert "verdict:" in panel2
        await pilot.press("enter")
        assert app.focused is app.query_one("#explanation-scroll")
        await pilot.press("escape")
        assert app.focused is app.table()


async def test_live_style_update_changes_rows_in_place(make_app: Callable[[], KarpApp]
                                                       ) -> None:
    from kubectl_karp.core.context import build_context
    from kubectl_karp.tui.sources import DataUpdate

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "down")
        assert app.table().selected_key() == "node/10.0.0.9"
        assert app.ctx is not None
        snap = app.ctx.snapshot
        smaller = snap.with_changes(nodes=tuple(n for n in snap.nodes if n.name != "10.0.0.1"))
        app._from_source(DataUpdate(ctx=build_context(smaller, snap.catalogs),
                                    status="reconnecting in 1s: connection refused"))
        await settle(app, pilot)
        assert "node/10.0.0.1" not in order(app)
        assert app.table().selected_key() == "node/10.0.0.9"  # the cursor followed its row
        header = str(app.query_one("#header", Static).render())
        assert "reconnecting in 1s" in header


async def test_quit_exits(make_app: Callable[[], KarpApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.return_code is None  # still running
        await pilot.press("q")
        await pilot.pause()
        # q asked the app to exit (return code set while still inside run_test, which
        # would otherwise only close the app when the block ends).
        assert app.return_code == 0


async def test_consolidation_view_shows_the_dry_run_plan(make_app: Callable[[], KarpApp]
                                                         ) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        assert app.current == "consolidation"
        assert app.plan is not None, app.plan_error
        assert set(app.table().shown) == {r.node for r in app.plan.nodes}
        panel = str(app.query_one("#plan", Static).render())
        assert "dry run" in panel
        key = app.table().selected_key()
        assert key is not None and key in panel
        await pilot.press("enter")
        assert app.focused is app.query_one("#plan-scroll")
        await pilot.press("escape")
        assert app.focused is app.table()
        await pilot.press("y")
        assert app.pane == "describe"
        body = str(app.query_one("#describe-body", Static).render())
        assert "kind: Node" in body and f"name: {key}" in body
