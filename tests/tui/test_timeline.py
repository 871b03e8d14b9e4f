"""The consolidation panel shows the rollout of the current plan to steady state (Pilot)."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui.conftest import demo_app, settle


async def test_consolidation_panel_shows_the_rollout_timeline() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert app.timeline is not None and app.timeline.steady
        panel = str(app.query_one("#plan", Static).render())
        assert f"rollout to steady state ({app.timeline.rounds} rounds):" in panel
        first = app.timeline.steps[0]
        assert ", ".join(n for a in first.actions for n in a.nodes) in panel
        assert f"steady: {app.timeline.final_nodes} node(s)" in panel


async def test_header_names_the_karpenter_release_it_follows() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        header = str(app.query_one("#header", Static).render())
        assert "rules: Karpenter v1.14 (default)" in header
