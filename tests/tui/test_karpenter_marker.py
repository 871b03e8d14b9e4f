"""The TUI marks rows where Karpenter's own events disagree with the preview, and shows what
Karpenter said in the panels (Pilot, on the demo with one disagreement planted)."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.model.events import KarpenterEvent
from kubectl_karp.sources.catalogs import load_context
from kubectl_karp.tui.app import create_app
from kubectl_karp.tui.sources import StaticSource
from tests.tui.conftest import NOW, fixed_clock, settle


def _app_with_planted_disagreement():  # type: ignore[no-untyped-def]
    demo = load_context(ClusterOptions(demo=True))
    planted = KarpenterEvent(kind="Pod", namespace="ml", name="trainer-0", reason="Nominated",
                             message="Pod should schedule on: nodeclaim/test-abcde", time=NOW)
    snapshot = demo.snapshot.with_changes(events=(*demo.snapshot.events, planted))
    ctx = replace(demo, snapshot=snapshot)
    return create_app(StaticSource(snapshot, ctx), clock=fixed_clock, age_refresh=0)


async def test_disagreeing_pod_is_marked_and_explained() -> None:
    app = _app_with_planted_disagreement()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        verdicts = {row.owner: row.verdict for row in app.rows["pending"]}
        assert verdicts["statefulset/trainer"] == "stays pending ≠ Karpenter"
        assert not any("≠" in v for owner, v in verdicts.items()
                       if owner != "statefulset/trainer")
        while app.selected_row() is not None and app.selected_row().owner != \
                "statefulset/trainer":
            await pilot.press("down")
        panel = str(app.query_one("#explanation", Static).render())
        assert "Karpenter reported (0s ago): Nominated: Pod should schedule on: " \
               "nodeclaim/test-abcde — DISAGREES with this preview" in panel


async def test_consolidation_panel_shows_what_karpenter_said() -> None:
    app = _app_with_planted_disagreement()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        for _ in range(len(app.rows["consolidation"])):
            if app.table("consolidation").selected_key() == "10.0.1.52":
                break
            await pilot.press("down")
        assert app.table("consolidation").selected_key() == "10.0.1.52"
        panel = str(app.query_one("#plan", Static).render())
        assert 'Pod has "karpenter.sh/do-not-disrupt" annotation' in panel
        assert "— agrees" in panel
