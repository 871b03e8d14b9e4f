"""The scheduler's per-pod facts kept per context (``scheduler.PREPARED_BATCH``: whether the
provisioner takes a pod, its shape signature, its queue order key) answer what working them
out afresh in every run answers.

Compared with the switch off: whole consolidation plans on randomised clusters (drift, tight
and open budgets, taints, zone selectors, pending pods), clusters with topology spread,
hostname anti-affinity, a PDB, DaemonSet pods, in-flight NodeClaims and pods the provisioner
leaves out (scheduling gates, a preemption nomination), rollout timelines of the rollout
exactness cases, and plain ``simulate`` runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kubectl_karp.core.disruption import plan_consolidation
from kubectl_karp.core.disruption.drift_change import AMI_DRIFTED, DriftFinding
from kubectl_karp.core.disruption.rollout import rollout
from kubectl_karp.core.scheduling import scheduler, simulate
from kubectl_karp.model.objects import (
    LABEL_ZONE,
    Budget,
    Condition,
    LabelSelector,
    PodAffinityTerm,
    TopologySpreadConstraint,
)
from kubectl_karp.render.rollout import document
from tests.builders.cluster import NOW, Cluster
from tests.disruption import test_fast_paths
from tests.rollout import test_incremental


def _constrained() -> Cluster:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="40%"),))
    spread = TopologySpreadConstraint(
        max_skew=1, topology_key=LABEL_ZONE, when_unsatisfiable="DoNotSchedule",
        label_selector=LabelSelector(match_labels=(("app", "web"),)))
    anti = PodAffinityTerm(topology_key="kubernetes.io/hostname",
                           label_selector=LabelSelector(match_labels=(("app", "db"),)))
    for i in range(9):
        name = f"n{i:02d}"
        c.node(name, "cpu-8", zone=("zone-a", "zone-b", "zone-c")[i % 3], drifted=i % 2 == 0)
        c.pod(f"ds-{i}", name, cpu=0.05, mem_gi=0.1, owner="DaemonSet")
        web = c.pod(f"web-{i}", name, cpu=1, labels={"app": "web"})
        c.pods[-1] = replace(web, topology_spread=(spread,))
        if i < 4:
            db = c.pod(f"db-{i}", name, cpu=1.5, labels={"app": "db"})
            c.pods[-1] = replace(db, pod_anti_affinity=(anti,))
        c.pod(f"batch-{i}", name, cpu=0.5, labels={"app": "batch"})
    c.pdb("db", {"app": "db"}, max_unavailable="1")
    gated = c.pod("gated", None, cpu=1)
    c.pods[-1] = replace(gated, conditions=(
        Condition("PodScheduled", "False", reason="SchedulingGated"),))
    c.pod("pending-a", None, cpu=2)
    c.pod("pending-b", None, cpu=0.5)
    return c


def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "PREPARED_BATCH", False)


@pytest.mark.parametrize("seed", range(8))
def test_plans_are_the_same_without_prepared_facts(seed: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fast = plan_consolidation(test_fast_paths._cluster(seed).context(), NOW)
    _fresh(monkeypatch)
    slow = plan_consolidation(test_fast_paths._cluster(seed).context(), NOW)
    assert fast == slow


def test_a_constrained_plan_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = plan_consolidation(_constrained().context(), NOW)
    _fresh(monkeypatch)
    slow = plan_consolidation(_constrained().context(), NOW)
    assert fast == slow
    assert fast.actions  # the comparison is over a plan that acts


def _rollout_of(build: Any, start: Any = NOW, rounds: int | None = None) -> Any:
    c = build()
    drift = [DriftFinding(claim.name, claim.node_name, claim.node_pool or "", AMI_DRIFTED,
                          "new image") for claim in c.claims]
    return rollout(c.context(), start, drift=drift, max_rounds=rounds)


@pytest.mark.parametrize("case", [*sorted(test_incremental.CASES), "constrained"])
def test_rollout_timelines_are_the_same(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    build, start, rounds = test_incremental.CASES.get(case, (_constrained, NOW, None))
    fast = _rollout_of(build, start, rounds)
    _fresh(monkeypatch)
    slow = _rollout_of(build, start, rounds)
    assert document(fast) == document(slow)
    assert fast.final_snapshot.nodes == slow.final_snapshot.nodes
    assert fast.final_snapshot.pods == slow.final_snapshot.pods
    assert len(fast.steps) > 1


def test_simulate_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _constrained().context()
    pods = [p for p in ctx.snapshot.pods]
    fast = [simulate(ctx, None), simulate(ctx, pods), simulate(ctx, pods)]
    _fresh(monkeypatch)
    ctx = _constrained().context()
    pods = [p for p in ctx.snapshot.pods]
    slow = [simulate(ctx, None), simulate(ctx, pods), simulate(ctx, pods)]
    assert fast == slow
    assert any("scheduling gates" in note for note in fast[1].notes)
