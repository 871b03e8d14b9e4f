"""The planned node reports the DaemonSets of its own instance type (v1.14 per-type groups)."""

from __future__ import annotations

from tests.scheduling.runner import load, run


def test_planned_node_reports_its_types_daemonset_overhead() -> None:
    scenario = load("219-daemonset-per-instance-type.yaml")
    scenario["karpenterVersion"] = "1.14"
    [claim] = run(scenario).node_claims
    assert claim.instance_type == "S5.LARGE8"
    assert claim.daemonset_overhead.get("cpu") == 1000  # small-agent only, not big-agent


def test_before_v1_14_every_type_carries_every_daemonset() -> None:
    scenario = load("219-daemonset-per-instance-type.yaml")
    scenario["karpenterVersion"] = "1.13"
    [claim] = run(scenario).node_claims
    assert claim.daemonset_overhead.get("cpu") == 11000
