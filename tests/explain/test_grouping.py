"""Folding: same owner + same spec + same verdict = one entry with a count."""

from __future__ import annotations

from kubectl_karp.core.explain import explain
from kubectl_karp.core.scheduling.result import (
    Placement,
    PlannedNodeClaim,
    PodFailure,
    SimulationResult,
)
from tests.builders.documents import context, node_pool, pod, replicas


def _failing(*keys: str) -> SimulationResult:
    return SimulationResult(unschedulable=tuple(PodFailure(k, ()) for k in keys))


def test_replicas_fold_into_one_entry() -> None:
    pods = replicas("web", 3, cpu="64")
    ctx = context(node_pool(), pods)
    keys = [f"default/{p['metadata']['name']}" for p in pods]
    explanation = explain(ctx, result=_failing(*keys))
    assert len(explanation.pods) == 1
    entry = explanation.pods[0]
    assert entry.count == 3 and entry.pods == tuple(keys)
    assert entry.owner == "deployment/web"
    assert explanation.pending_count == 3


def test_different_spec_or_owner_does_not_fold() -> None:
    ctx = context(node_pool(), replicas("web", 2, cpu="64"), replicas("api", 1, cpu="64"),
                  pod("lone-a", cpu="64"), pod("lone-b", cpu="64"),
                  pod("web-abc12-big", owner=("ReplicaSet", "web-abc12"), cpu="65",
                      labels={"app": "web"}))
    keys = [p.key for p in ctx.snapshot.pods]
    explanation = explain(ctx, result=_failing(*keys))
    counts = sorted((e.owner or e.pod, e.count) for e in explanation.pods)
    assert counts == [("default/lone-a", 1), ("default/lone-b", 1), ("deployment/api", 1),
                      ("deployment/web", 1), ("deployment/web", 2)]


def test_same_spec_split_by_verdict() -> None:
    ctx = context(node_pool(), replicas("web", 3, cpu="1"))
    keys = [p.key for p in ctx.snapshot.pods]
    claim = PlannedNodeClaim(node_pool="default", instance_type="S5.LARGE8", zone="100003",
                             zone_name="ap-guangzhou-3", capacity_type="on-demand",
                             price_per_hour=0.28, instance_type_options=("S5.LARGE8",),
                             pods=tuple(keys[:2]))
    result = SimulationResult(
        node_claims=(claim,),
        placements={k: Placement(k, node_claim_index=0) for k in keys[:2]},
        unschedulable=(PodFailure(keys[2], ()),))
    explanation = explain(ctx, result=result)
    assert [(e.count, e.schedulable) for e in explanation.pods] == [(2, True), (1, False)]
    placed = explanation.pods[0]
    assert placed.verdict.node_pool == "default" and placed.verdict.instance_type == "S5.LARGE8"
    chosen = [p for p in placed.node_pools if p.chosen]
    assert [p.name for p in chosen] == ["default"] and chosen[0].accepted


def test_pods_on_different_existing_nodes_fold_with_each_node() -> None:
    from kubectl_karp.render.explain import document

    ctx = context(node_pool(), replicas("web", 3, cpu="1"))
    keys = [p.key for p in ctx.snapshot.pods]
    nodes = ["n1", "n2", "n2"]
    result = SimulationResult(placements={k: Placement(k, existing_node=n)
                                          for k, n in zip(keys, nodes, strict=True)})
    [entry] = explain(ctx, result=result).pods
    assert entry.count == 3 and entry.verdict.pod_nodes == ("n1", "n2", "n2")
    assert entry.existing_nodes == ()  # it fits: no account of other nodes
    placement = document(explain(ctx, result=result))["pods"][0]["placement"]
    assert placement == {"existingNode": "n1", "existingNodes": ["n1", "n2"]}


def test_pod_for_another_scheduler_is_not_considered() -> None:
    ctx = context(node_pool(), pod("custom", spec={"schedulerName": "volcano"}), pod("web"))
    explanation = explain(ctx)
    assert [e.pod for e in explanation.pods] == ["default/web"]
    custom = next(p for p in ctx.snapshot.pods if p.name == "custom")
    [entry] = explain(ctx, [custom]).pods
    assert not entry.schedulable
    assert "schedulerName volcano" in entry.not_considered
