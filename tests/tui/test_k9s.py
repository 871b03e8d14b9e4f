"""A kubectl/k9s user's habits in the TUI (issue 19 item 13), on the demo cluster."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import Input, Static

from kubectl_karp.cli.app import run
from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.core.context import build_context
from kubectl_karp.model.objects import Pod
from kubectl_karp.sources.catalogs import load_context
from kubectl_karp.tui.app import HelpScreen, create_app
from kubectl_karp.tui.panels import first_code
from kubectl_karp.tui.sources import StaticSource
from kubectl_karp.tui.table import KeyedTable
from kubectl_karp.tui.viewdefs import VIEWS

from .conftest import demo_app, fixed_clock, settle

SIZE = (160, 45)


def _text(app: object, selector: str) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    return str(screen.query_one(selector, Static).render())


def _framed(app: object) -> None:
    """The header, the tab line (every view) and the key hints are on the active screen."""
    screen = app.screen  # type: ignore[attr-defined]
    for selector in ("#header", "#tabs", "#hints"):
        widget = screen.query_one(selector, Static)
        assert widget.display and widget.region.height > 0, selector
    tabs = _text(app, "#tabs")
    assert all(view.title in tabs for view in VIEWS), tabs
    assert "Cost $" in _text(app, "#header")
    assert "Esc:back" in _text(app, "#hints")


async def test_drill_down_keeps_the_header_tabs_and_hints() -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        key = app.table("nodes").selected_key()
        assert key is not None
        await pilot.press("enter")  # node → its pods
        assert app.query_one("#node-pods", KeyedTable).shown
        _framed(app)
        assert key in _text(app, "#tabs")  # where the drill-down went (k9s' breadcrumbs)
        await pilot.press("enter")  # pod → describe
        _framed(app)
        await pilot.press("escape", "escape")
        assert app.pane is None and app.current == "nodes"
        assert app.focused is app.table("nodes")


async def test_d_describes_with_the_objects_events_and_y_shows_its_yaml() -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        table = app.table("pending")
        table.move_cursor(row=table.get_row_index("default/sample-app-7c9d6b5f4-b7x2k"))
        await pilot.press("d")
        body = _text(app, "#describe-body")
        assert "Name:" in body and "sample-app-7c9d6b5f4-b7x2k" in body
        assert "Controlled by:" in body and "deployment/sample-app" in body
        # The snapshot's Event about this pod, as kubectl describe lists events.
        assert "Events (Karpenter):" in body
        assert "Nominated" in body and "Pod should schedule on: nodeclaim/test-w8kq2" in body
        await pilot.press("y")  # the same object's YAML
        body = _text(app, "#describe-body")
        assert "apiVersion: v1" in body and "kind: Pod" in body
        assert "name: sample-app-7c9d6b5f4-b7x2k" in body and "Events" not in body
        await pilot.press("escape")
        assert app.pane is None and app.current == "pending"
        # A node's describe lists what Karpenter said about it.
        await pilot.press("5")
        await settle(pilot)
        table = app.table("consolidation")
        table.move_cursor(row=table.get_row_index("10.0.1.52"))
        await pilot.press("d")
        body = _text(app, "#describe-body")
        assert "Kind:" in body and "Node" in body and "DisruptionBlocked" in body
        await pilot.press("escape", "3", "d")  # a NodePool and its events
        body = _text(app, "#describe-body")
        assert "NodePool" in body and "No allowed disruptions" in body


async def test_yaml_is_the_document_the_source_read_not_the_parsed_objects_copy() -> None:
    # The model may drop or defer Pod.raw (issue 20); y reads the snapshot's documents.
    demo = load_context(ClusterOptions(demo=True))
    snap = demo.snapshot
    # (If the model no longer keeps raw at all, the snapshot is used as it is.)
    keeps_raw = any(f.name == "raw" for f in dataclasses.fields(Pod))
    pods = tuple(dataclasses.replace(p, raw={}) for p in snap.pods) if keeps_raw else snap.pods
    bare = snap.with_changes(pods=pods)
    app = create_app(StaticSource(bare, build_context(bare, snap.catalogs)), clock=fixed_clock,
                     age_refresh=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "y")  # the first node's first pod
        body = _text(app, "#describe-body")
        assert "kind: Pod" in body and "containers:" in body


async def test_j_k_move_and_g_G_jump_to_top_and_bottom() -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.table("nodes")
        rows = len(table.shown)
        assert rows >= 3 and table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == rows - 1
        assert app.states["nodes"].sort_by is None  # G is not a Shift+letter sort
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_colon_and_help_name_every_view() -> None:
    assert [v.title for v in VIEWS] == ["Nodes", "NodeClaims", "NodePools", "Pending pods",
                                        "Consolidation"]
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        prompt = app.query_one("#prompt", Input)
        assert all(view.aliases[0] in prompt.placeholder for view in VIEWS)
        assert "co" in prompt.placeholder.split(" | ") or "| co " in prompt.placeholder
        await pilot.press(*"co", "enter")
        assert app.current == "consolidation"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        assert "five read-only views" in text and "1-5" in text
        assert all(view.title in text for view in VIEWS) and ":co" in text


def test_tui_help_names_five_views(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["tui", "--help"]) == 0
    out = capsys.readouterr().out
    assert "1-5 switch view" in out and "Consolidation" in out and "y YAML" in out


async def test_owner_is_the_workload_as_the_cli_names_it() -> None:
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        owners = {row.owner for row in app.rows["pending"]}
        assert "deployment/sample-app" in owners and "statefulset/trainer" in owners
        assert not any(owner.lower().startswith("replicaset/") for owner in owners)
        table = app.table("pending")
        column = table.column_keys.index("owner")
        assert "deployment/sample-app" in {texts[column] for texts in table.shown.values()}
        # A node's pods too.
        await pilot.press("1", "enter")
        pods = app.query_one("#node-pods", KeyedTable)
        owners = {texts[2] for texts in pods.shown.values()}
        assert owners and not any(o.startswith("ReplicaSet/") for o in owners), owners


async def test_pending_view_has_a_reason_column_with_explains_code() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        table = app.table("pending")
        assert "reason" in table.visible_columns  # kept at 80 columns
        assert app.explanation is not None
        column = table.column_keys.index("reason")
        checked = 0
        for entry in app.explanation.pods:
            if entry.pod not in table.shown:
                continue
            checked += 1
            assert table.shown[entry.pod][column] == (first_code(entry) or "-"), entry.pod
            if not entry.verdict.schedulable:
                assert table.shown[entry.pod][column] != "-", entry.pod
        assert checked == len(table.shown) >= 5
