"""View 1 and view 5 tell the consolidation dry run's story as `consolidate -o json` does,
node by node, with the same pod counts (issue 19 item 3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubectl_karp.cli.app import run

from .conftest import NOW, demo_app, settle


def _json_verdicts(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert run(["consolidate", "--demo", "--now", NOW.isoformat(), "-o", "json"]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    out: dict[str, str] = {}
    for i, action in enumerate(doc["actions"], 1):
        for node in action["nodes"]:
            out[node] = f"#{i} {action['type']}"
    for blocked in doc["blocked"]:
        out[blocked["node"]] = blocked["reasons"][0]["code"]
    return out


async def test_views_1_and_5_agree_with_consolidate_json(
        capsys: pytest.CaptureFixture[str]) -> None:
    expected = _json_verdicts(capsys)
    assert "BudgetExhausted" in expected.values() and "DoNotDisrupt" in expected.values()
    app = demo_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        nodes = app.table("nodes")
        keys = nodes.column_keys
        view1 = {texts[keys.index("name")]: texts for key, texts in nodes.shown.items()
                 if key.startswith("node/")}
        await pilot.press("5")
        await settle(pilot)
        plan = app.table("consolidation")
        pkeys = plan.column_keys
        view5 = dict(plan.shown.items())
    assert set(view1) == set(expected) == set(view5)
    for node, verdict in expected.items():
        row1, row5 = view1[node], view5[node]
        assert row1[keys.index("dryrun")] == verdict, node
        action, blocked = row5[pkeys.index("action")], row5[pkeys.index("blocked")]
        assert action.startswith(verdict) or blocked.startswith(verdict + ":"), node
        assert row1[keys.index("pods")] == row5[pkeys.index("pods")], node
        # The NodeClaim condition is not the dry run's verdict: never shown as if it were.
        assert "consolidatable" not in row1[keys.index("state")]
