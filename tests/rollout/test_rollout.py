"""Rounds to steady state (core/disruption/rollout.py) on small clusters built like the
disruption suite's (tests/builders/cluster.py: Karpenter's fake price convention)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from kubectl_karp.core.context import build_context
from kubectl_karp.core.disruption import plan_consolidation
from kubectl_karp.core.disruption.drift_change import AMI_DRIFTED, DriftFinding
from kubectl_karp.core.disruption.rollout import (
    RISK_ALL_REPLICAS,
    RISK_NEVER_DRIFTS,
    RISK_PDB_STALL,
    rollout,
)
from kubectl_karp.model.objects import Budget, LabelSelector, PodAffinityTerm
from tests.builders.cluster import NOW, Cluster


def _image_change(c: Cluster) -> list[DriftFinding]:
    """A new AMI for every node of the cluster (what an amiSelectorTerms change drifts)."""
    return [DriftFinding(claim.name, claim.node_name, claim.node_pool or "", AMI_DRIFTED,
                         "new AMI") for claim in c.claims]


def _fleet(count: int, budget: str, **pool: object) -> Cluster:
    c = Cluster()
    c.pool(budgets=(Budget(nodes=budget),), after=None, **pool)  # type: ignore[arg-type]
    for i in range(count):
        c.node(f"n{i:02d}")
        c.pod(f"web-{i:02d}", f"n{i:02d}", cpu=3, labels={"app": f"w{i:02d}"})
    return c


def test_twelve_nodes_at_20_percent_converge_in_four_rounds() -> None:
    # 20% of 12 nodes rounds up to 3 disruptions at a time: 12 / 3 = 4 waves, each node
    # replaced once, one wave per launch-to-ready interval.
    c = _fleet(12, "20%")
    plan = rollout(c.context(), NOW, drift=_image_change(c), launch_seconds=300)
    waves = [s for s in plan.steps if s.kind == "disrupt"]
    assert [len(s.actions) for s in waves] == [3, 3, 3, 3]
    assert [s.time - NOW for s in waves] == [timedelta(minutes=5 * i) for i in range(4)]
    assert all(a.method == "drift" for s in waves for a in s.actions)
    replaced = [n for s in waves for a in s.actions for n in a.nodes]
    assert sorted(replaced) == [f"n{i:02d}" for i in range(12)]
    assert plan.steady and plan.final_nodes == 12
    assert not any(r.code == RISK_NEVER_DRIFTS for r in plan.risks)


def test_steady_state_is_what_consolidate_of_the_final_cluster_leaves_alone() -> None:
    c = _fleet(6, "50%")
    plan = rollout(c.context(), NOW, drift=_image_change(c))
    final = build_context(plan.final_snapshot, c.context().catalogs)
    assert plan_consolidation(final, plan.steps[-1].time + timedelta(hours=1)).actions == ()
    prices = [final.node_price(n) for n in plan.final_snapshot.nodes]
    assert plan.final_cost == round(sum(p for p in prices if p is not None), 6)
    assert plan.final_cost < plan.start_cost  # # replacements right-size the 3-CPU pods


def test_a_closed_budget_window_delays_the_rollout_until_it_opens() -> None:
    # No disruption 00:00-02:00 UTC every day; the change lands at 00:30.
    start = datetime(2026, 3, 3, 0, 30, tzinfo=timezone.utc)
    c = _fleet(2, "100%")
    pool = replace(c.pools[0], budgets=(Budget(nodes="100%"),
                                        Budget(nodes="0", schedule="0 0 * * *",
                                               duration_seconds=7200)))
    c.pools[0] = pool
    plan = rollout(c.context(), start, drift=_image_change(c))
    first = next(s for s in plan.steps if s.kind == "disrupt")
    assert first.time == datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)
    assert plan.steps[0].kind == "wait" and "02:00" in plan.steps[0].note
    assert plan.steady


def test_a_budget_that_never_opens_leaves_drifted_nodes_and_says_so() -> None:
    c = _fleet(2, "0")
    plan = rollout(c.context(), NOW, drift=_image_change(c))
    assert plan.rounds == 0 and plan.steady
    assert [r.code for r in plan.risks] == [RISK_NEVER_DRIFTS]
    assert "n00, n01" in plan.risks[0].message


def test_pdb_max_unavailable_1_keeps_one_replica_down_at_a_time() -> None:
    # Four replicas, one per node (hostname anti-affinity), PDB maxUnavailable 1, budget
    # 100%: Karpenter starts every replacement at once, but the eviction API lets one pod go
    # at a time, so the nodes drain one by one and the timeline shows the stall.
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"),), after=None)
    anti = PodAffinityTerm(topology_key="kubernetes.io/hostname",
                           label_selector=LabelSelector(match_labels=(("app", "web"),)))
    for i in range(4):
        c.node(f"n{i:02d}")
        pod = c.pod(f"web-{i:02d}", f"n{i:02d}", cpu=3, labels={"app": "web"})
        c.pods[-1] = replace(pod, pod_anti_affinity=(anti,))
    c.pdb("web", {"app": "web"}, max_unavailable="1")
    plan = rollout(c.context(), NOW, drift=_image_change(c))
    evictions = [s.evicted for s in plan.steps]
    assert max(evictions) == 1 and sum(evictions) == 4
    assert any(r.code == RISK_PDB_STALL for r in plan.risks)
    assert not any(r.code == RISK_ALL_REPLICAS for r in plan.risks)
    assert any("waiting for evictions" in s.note for s in plan.steps)
    assert plan.steady and plan.final_nodes == 4


def test_without_a_pdb_all_replicas_going_together_is_a_risk() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"),), after=None)
    for i in range(2):
        c.node(f"n{i:02d}")
        c.pod(f"api-{i:02d}", f"n{i:02d}", cpu=3, labels={"app": "api"})
    # Both pods belong to one ReplicaSet.
    owner = c.pods[0].owner_refs
    c.pods[1] = replace(c.pods[1], owner_refs=owner)
    plan = rollout(c.context(), NOW, drift=_image_change(c))
    assert any(r.code == RISK_ALL_REPLICAS for r in plan.risks)


def test_max_rounds_stops_early() -> None:
    c = _fleet(12, "20%")
    plan = rollout(c.context(), NOW, drift=_image_change(c), max_rounds=2)
    assert plan.rounds == 2 and not plan.steady
