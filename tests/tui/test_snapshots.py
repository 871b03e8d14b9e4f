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
