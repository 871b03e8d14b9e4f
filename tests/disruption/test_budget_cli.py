"""``consolidate --snapshot`` with malformed, odd and fuzzed NodePool budgets: a plan (exit 0)
or exactly one ``error:`` line naming the field (exit 1), never a traceback."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from kubectl_karp.cli.app import run
from tests.disruption.test_fuzz_budgets import budget_docs

SCENARIO = Path(__file__).parent / "scenarios" / "business-hours-budget.yaml"
NOW = "2026-03-02T12:00:00Z"


def _snapshot(tmp: Path, budgets: list[Any]) -> Path:
    docs = copy.deepcopy(yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))["cluster"])
    pool = next(d for d in docs if d.get("kind") == "NodePool")
    pool["spec"]["disruption"]["budgets"] = budgets
    path = tmp / "cluster.yaml"
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return path


def _consolidate(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    status = run(["consolidate", "--snapshot", str(path), "--now", NOW, "-o", "json"])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _plan_or_one_error(status: int, out: str, err: str) -> dict[str, Any] | None:
    assert "Traceback" not in out + err
    if status == 0:
        doc: dict[str, Any] = json.loads(out)
        return doc
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "internal error" not in lines[0], err
    assert status == 1 and out == ""
    return None


@pytest.mark.parametrize(("budget", "fragment"), [
    ({"nodes": "1000a%"}, "nodes"),
    ({"nodes": "150%"}, "nodes"),
    ({"nodes": "²"}, "nodes"),
    ({"nodes": "1", "schedule": "@daily"}, "schedule and duration"),
    ({"nodes": "1", "duration": "1h"}, "schedule and duration"),
    ({"nodes": "1", "schedule": "@daily", "duration": "soon"}, "duration"),
    ({"nodes": "1", "schedule": "@daily", "duration": "99999999999999h"}, "out of range"),
    ({"nodes": "1", "reasons": ["Expired"]}, "reason"),
])
def test_malformed_budget_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            budget: dict[str, Any], fragment: str) -> None:
    status, out, err = _consolidate(capsys, _snapshot(tmp_path, [budget]))
    assert _plan_or_one_error(status, out, err) is None
    assert fragment in err and "budgets[0]" in err


@pytest.mark.parametrize("schedule", ["0 0 * * tue-mon", "0 0 * * 7", "@wrongly",
                                      "0 0 0 * * *"])
def test_schedule_robfig_rejects_closes_the_pool(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 schedule: str) -> None:
    # The API's pattern lets these through; Karpenter's cron parser then fails and the pool
    # allows nothing for any reason (not only Underutilized, which this budget names).
    path = _snapshot(tmp_path, [{"nodes": "100%"},
                                {"nodes": "5", "reasons": ["Underutilized"],
                                 "schedule": schedule, "duration": "1h"}])
    doc = _plan_or_one_error(*_consolidate(capsys, path))
    assert doc is not None
    assert doc["actions"] == []
    budget = doc["budgets"][0]
    assert set(budget["allowedByReason"].values()) == {0}, budget
    assert "not a valid cron expression" in budget["problem"]


def test_schedule_that_never_fires_is_a_plan(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = _snapshot(tmp_path, [{"nodes": "0", "schedule": "0 0 30 2 *", "duration": "1h"}])
    doc = _plan_or_one_error(*_consolidate(capsys, path))
    assert doc is not None and doc["actions"] == []


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(budget=budget_docs)
def test_fuzzed_budget_in_a_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     budget: dict[str, Any]) -> None:
    _plan_or_one_error(*_consolidate(capsys, _snapshot(tmp_path, [budget])))
