"""Fixtures for the TUI tests: the small fixture cluster, the demo, a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from kubectl_karp.cli.options import ClusterOptions
from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.sources.catalogs import load_context
from kubectl_karp.sources.files import load_paths
from kubectl_karp.tui.app import KarpApp, create_app
from kubectl_karp.tui.sources import StaticSource

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture
def ctx() -> SchedulingContext:
    return build_context(load_paths([str(FIXTURES / "cluster.yaml")]))


@pytest.fixture
def make_app(ctx: SchedulingContext) -> Callable[[], KarpApp]:
    return lambda: create_app(StaticSource(ctx.snapshot, ctx), clock=fixed_clock,
                              age_refresh=0)


def demo_app() -> KarpApp:
    demo = load_context(ClusterOptions(demo=True))
    return create_app(StaticSource(demo.snapshot, demo), clock=fixed_clock, age_refresh=0)


async def settle(pilot: Any) -> None:
    """Wait until the data is shown and explained and no worker is left."""
    for _ in range(100):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        app = pilot.app
        explained = app.ctx is not None and app.planned_ctx is app.ctx
        if explained and all(w.is_finished for w in app.workers):
            return
    raise AssertionError("the app did not settle")
