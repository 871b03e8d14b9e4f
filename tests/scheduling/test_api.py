"""The ``simulate`` API other features build on: placements, exclusions, repeated calls."""

from __future__ import annotations

from dataclasses import replace

from kubectl_karp.core.context import SchedulingContext, build_context
from kubectl_karp.core.scheduling import simulate
from kubectl_karp.model.parse import build_snapshot
from tests.builders import documents
from tests.builders.catalogs import make_catalog
from tests.scheduling.runner import node_class, node_pool, pod_docs

GI = 2**30 * 1000


def _node(name: str, cpu: str) -> dict[str, object]:
    return documents.node(name, cpu=cpu, pods=110, initialized=True)


def _bound(name: str, node: str, cpu: str) -> dict[str, object]:
    return documents.pod(name, cpu=cpu, memory=None, node_name=node)


def _context(*docs: object, pending: int = 0) -> SchedulingContext:
    all_docs = [node_class({}), node_pool({"name": "default"}), *docs]
    if pending:
        all_docs += pod_docs({"name": "new", "count": pending, "cpu": "1"})
    snapshot = build_snapshot([(d, f"doc {i}") for i, d in enumerate(all_docs)], source="t")
    return build_context(snapshot, [make_catalog({})])


def test_placements_index_into_node_claims() -> None:
    ctx = _context(pending=3)
    result = simulate(ctx)
    assert result.pods_considered == 3
    for key in ("default/new-0", "default/new-1", "default/new-2"):
        placement = result.placement_of(key)
        assert placement is not None and placement.node_claim_index is not None
        assert key in result.node_claims[placement.node_claim_index].pods
    assert result.new_cost_per_hour is not None
    assert result.new_cost_per_month == result.new_cost_per_hour * 730


def test_consolidation_shape_repeated_calls() -> None:
    ctx = _context(_node("node-a", "4"), _node("node-b", "4"),
                   _bound("a-0", "node-a", "1"), _bound("b-0", "node-b", "2"))
    snapshot = ctx.snapshot
    for _ in range(3):  # cached per context: the answer must not drift between calls
        moved = [replace(p, node_name="") for p in snapshot.pods_by_node["node-a"]]
        result = simulate(ctx, moved, exclude_nodes=frozenset({"node-a"}))
        assert not result.unschedulable and not result.node_claims
        assert [(e.node, e.pods) for e in result.existing] == [("node-b", ("default/a-0",))]
    # node-b cannot take node-a's pod once node-b is excluded too: one replacement claim
    both = [replace(p, node_name="") for p in snapshot.pods if p.node_name]
    result = simulate(ctx, both, exclude_nodes=frozenset({"node-a", "node-b"}))
    assert len(result.node_claims) == 1 and not result.existing


def test_ignore_pods_on_frees_the_node() -> None:
    ctx = _context(_node("node-a", "2"), _bound("big", "node-a", "1800m"), pending=1)
    assert simulate(ctx).existing == ()
    freed = simulate(ctx, ignore_pods_on=frozenset({"node-a"}))
    assert [(e.node, e.pods) for e in freed.existing] == [("node-a", ("default/new",))]


def test_extra_daemonsets_reserve_room() -> None:
    ctx = _context(pending=0)
    pods = [replace(p, requests={"cpu": 1500, "pods": 1000})
            for p in _context(pending=1).snapshot.pending_pods]
    plain = simulate(ctx, pods)
    from kubectl_karp.model.objects import DaemonSet, Pod

    agent = DaemonSet(namespace="kube-system", name="agent",
                      template=Pod(namespace="kube-system", name="agent",
                                   requests={"cpu": 500, "pods": 1000}))
    heavier = simulate(ctx, pods, extra_daemonsets=[agent])
    assert plain.node_claims[0].instance_type == "S5.MEDIUM4"
    assert heavier.node_claims[0].instance_type == "S5.LARGE8"
    assert heavier.node_claims[0].requests["cpu"] == 2000
