"""Rendered screens of each view on the demo cluster (pytest-textual-snapshot).

Regenerate after an intended change with ``pytest tests/tui --snapshot-update`` and
inspect the SVGs under __snapshots__/.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import demo_app, settle

SIZE = (160, 50)


_settle = settle


@pytest.mark.parametrize("keys", [["1"], ["2"], ["3"], ["4"], ["5"], ["question_mark"]],
                         ids=["nodes", "nodeclaims", "nodepools", "pending", "consolidation",
                              "help"])
def test_view(snap_compare: Any, keys: list[str]) -> None:
    async def before(pilot: Any) -> None:
        await _settle(pilot)
        await pilot.press(*keys)
        await _settle(pilot)

    assert snap_compare(demo_app(), terminal_size=SIZE, run_before=before)


SIZES = [(80, 24), (120, 30), (160, 45)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("keys", [["1"], ["2"], ["3"], ["4"], ["5"], ["question_mark"]],
                         ids=["nodes", "nodeclaims", "nodepools", "pending", "consolidation",
                              "help"])
def test_view_at_size(snap_compare: Any, keys: list[str], size: tuple[int, int]) -> None:
    """Every view at the three sizes people run it in (issue 19): columns give way by
    priority, cost stays."""
    async def before(pilot: Any) -> None:
        await _settle(pilot)
        await pilot.press(*keys)
        await _settle(pilot)

    assert snap_compare(demo_app(), terminal_size=size, run_before=before)
