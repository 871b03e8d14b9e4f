"""The rollout's shortcuts give the timeline the straightforward path gives.

Shortcuts under test (all switched off for the reference run):
- each round plans with ``failures=False``: a simulation stops at the first candidate pod
  placed on a node that is not initialised (``simulation._FirstMiss``), instead of running to
  the end to report every pod that would not move;
- the unbound pod copies are shared by every round's context (``simulation.share_unbound``);
- a round that changed nothing reuses the last context (``_Rollout.context``).

The reference is a full plan per round, each on a context built from scratch. The clusters
cover a fleet drifted under a tight budget (the shortcut's case: candidates passed over for
pods that would land on booting replacements), PDB-paced drains, a closed budget window and
expireAfter; the whole RolloutPlan document and the final cluster must be equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest

from kubectl_karp.core.context import build_context
from kubectl_karp.core.disruption import planner, simulation
from kubectl_karp.core.disruption import rollout as rollout_module
from kubectl_karp.core.disruption.drift_change import AMI_DRIFTED, DriftFinding
from kubectl_karp.core.disruption.rollout import RolloutPlan, rollout
from kubectl_karp.model.objects import Budget, LabelSelector, PodAffinityTerm
from kubectl_karp.render.rollout import document
from tests.builders.cluster import NOW, Cluster


def _drift_all(c: Cluster) -> list[DriftFinding]:
    return [DriftFinding(claim.name, claim.node_name, claim.node_pool or "", AMI_DRIFTED,
                         "new image") for claim in c.claims]


def _mixed_fleet() -> Cluster:
    # Full and half-full nodes with a DaemonSet pod each, a budget of 3: while a wave's
    # replacements boot, later candidates' pods would land on them and are passed over.
    c = Cluster()
    c.pool(budgets=(Budget(nodes="3"),), after=None)
    for i in range(24):
        name = f"n{i:02d}"
        c.node(name, "cpu-8", zone="zone-a" if i % 2 else "zone-b")
        c.pod(f"ds-{i}", name, cpu=0.05, mem_gi=0.1, owner="DaemonSet")
        count = 4 if i % 5 == 1 else 12
        for j in range(count):
            c.pod(f"p-{i}-{j}", name, cpu=0.6, mem_gi=1, labels={"app": f"app-{j % 6}"})
    return c


def _pdb_paced() -> Cluster:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"),), after=None)
    anti = PodAffinityTerm(topology_key="kubernetes.io/hostname",
                           label_selector=LabelSelector(match_labels=(("app", "web"),)))
    for i in range(5):
        c.node(f"n{i:02d}")
        pod = c.pod(f"web-{i:02d}", f"n{i:02d}", cpu=2, labels={"app": "web"})
        c.pods[-1] = replace(pod, pod_anti_affinity=(anti,))
        c.pod(f"job-{i:02d}", f"n{i:02d}", cpu=1, labels={"app": "batch"})
    c.pdb("web", {"app": "web"}, max_unavailable="1")
    return c


def _budget_window() -> Cluster:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="50%"),
                    Budget(nodes="0", schedule="0 0 * * *", duration_seconds=7200)),
           after=None)
    for i in range(6):
        c.node(f"n{i:02d}")
        c.pod(f"web-{i:02d}", f"n{i:02d}", cpu=2.5, labels={"app": f"w{i}"})
    return c


def _expiring() -> Cluster:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),), after=None, expire=6 * 3600)
    for i in range(5):
        c.node(f"n{i:02d}", "cpu-8")
        for j in range(3):
            c.pod(f"p-{i}-{j}", f"n{i:02d}", cpu=1.5, labels={"app": f"a{j}"})
    return c


CASES: dict[str, tuple[Callable[[], Cluster], datetime, int | None]] = {
    "mixed-fleet": (_mixed_fleet, NOW, None),
    "pdb-paced": (_pdb_paced, NOW, None),
    "budget-window": (_budget_window, datetime(2026, 3, 3, 0, 30, tzinfo=timezone.utc), None),
    "expire-after": (_expiring, NOW, 8),
}


def _run(case: str) -> RolloutPlan:
    build, start, rounds = CASES[case]
    c = build()
    return rollout(c.context(), start, drift=_drift_all(c), max_rounds=rounds)


def _straightforward(monkeypatch: pytest.MonkeyPatch) -> None:
    def full_plan(ctx: Any, now: datetime, **options: Any) -> Any:
        options["failures"] = True
        return planner.plan_consolidation(ctx, now, **options)

    def fresh_context(self: Any, snapshot: Any) -> Any:
        return build_context(snapshot, self.base.catalogs, rules=self.base.rules,
                             catalog_source=self.base.catalog_source)

    monkeypatch.setattr(rollout_module, "plan_consolidation", full_plan)
    monkeypatch.setattr(rollout_module, "share_unbound", lambda ctx, store: None)
    monkeypatch.setattr(rollout_module._Rollout, "context", fresh_context)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_timeline_is_the_straightforward_one(case: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _run(case)
    _straightforward(monkeypatch)
    slow = _run(case)
    assert document(fast) == document(slow)
    assert fast.final_snapshot.nodes == slow.final_snapshot.nodes
    assert fast.final_snapshot.pods == slow.final_snapshot.pods
    assert len(fast.steps) > 1


def test_the_cases_show_what_they_are_for() -> None:
    kinds = {case: [s.kind for s in _run(case).steps] for case in CASES}
    assert "expire" in kinds["expire-after"]
    assert kinds["budget-window"][0] == "wait"
    pdb = _run("pdb-paced")
    assert any("waiting for evictions" in s.note for s in pdb.steps)


def test_a_pod_last_placed_on_a_node_deleted_since_is_provisioned_for() -> None:
    # Drifting n03 placed job-00 (of n00, deleting) on n04, then n04 drifted too, and that
    # simulation put job-00 on an in-flight replacement (no Move says so). Binding job-00 to
    # n04 bounced it between deleting nodes for ever; now the provisioner places it.
    plan = _run("pdb-paced")
    assert plan.steady and plan.steps[-1].note == "the last nodes drained"
    final = plan.final_snapshot
    assert all(p.node_name in final.node_by_name for p in final.pods)
    assert {n.name for n in final.nodes}.isdisjoint({f"n{i:02d}" for i in range(5)})


def test_the_mixed_fleet_takes_the_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard against the shortcut silently no longer firing (the scheduler's placement hook
    renamed, say): the mixed fleet stops simulations early, and often."""
    stops: list[str] = []
    original = simulation._Missed.__init__

    def counting(self: Any, pod: str, node: str) -> None:
        stops.append(pod)
        original(self, pod, node)

    monkeypatch.setattr(simulation._Missed, "__init__", counting)
    _run("mixed-fleet")
    assert len(stops) >= 10
