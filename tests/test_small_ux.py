"""Smaller items of issue 19: the budget table's allowed/planned/left, the
illustrative-prices note only beside prices, zero replicas."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_karp.cli.app import run

ZERO = """apiVersion: apps/v1
kind: Deployment
metadata: {name: big, namespace: default}
spec:
  replicas: 0
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]
"""


def test_budget_table_shows_allowed_planned_left(capsys: pytest.CaptureFixture[str]) -> None:
    """Beside a BudgetExhausted node the budget reads as used up, not as open 1/1/1."""
    assert run(["consolidate", "--demo", "--now", "2026-03-02T12:00:00Z"]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Disruption budgets"))
    header, row = lines[start + 1].split(), lines[start + 2].split()
    assert header[:9] == ["NODEPOOL", "NODES", "DISRUPTING", "ALLOWED", "E/D/U", "PLANNED",
                          "LEFT", "E/D/U", "NOW"]
    assert row[:6] == ["test", "3", "0", "1/1/1", "1", "0/0/0"]
    assert " ".join(row[6:]) == "used up"


def test_price_note_only_where_prices_are_shown(capsys: pytest.CaptureFixture[str]) -> None:
    run(["verify", "--demo"])
    assert "illustrative" not in capsys.readouterr().err
    run(["explain", "pod/trainer-0", "-n", "ml", "--demo"])  # stays pending: no price
    assert "illustrative" not in capsys.readouterr().err
    run(["simulate", "--demo"])
    assert "illustrative" in capsys.readouterr().err


def test_zero_replicas_hint_and_template_explained(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "zero.yaml"
    path.write_text(ZERO, encoding="utf-8")
    assert run(["simulate", "--demo", "-f", str(path), "--no-pending"]) == 0
    err = capsys.readouterr().err
    assert "deployment/big has 0 replicas" in err and "--replicas big=N" in err
    assert run(["explain", "--demo", "-f", str(path), "--no-pending"]) == 0
    captured = capsys.readouterr()
    assert "default/big-0 (deployment/big) [hypothetical]" in captured.out
    assert "0 replicas; explaining one pod of its template" in captured.err
