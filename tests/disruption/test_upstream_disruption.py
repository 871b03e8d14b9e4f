"""Cases ported from Karpenter's disruption suites (consolidation_test.go, balanced_test.go,
staticdrift_test.go), in this project's words; each names the upstream It("...") it follows.

Issue 16 items 8-14: the replacement's worst launch price, consolidateAfter on destination
nodes (v1.14), pending pods in the simulation, the room pre-check's NodePool requirements,
static NodePools with StaticDrift, and the Balanced policy (v1.14)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from kubectl_karp.core.disruption.balanced import PoolTotals, Score
from kubectl_karp.core.nodepools.launch import worst_launch_price
from kubectl_karp.errors import InputError
from kubectl_karp.model.catalog import InstanceType, Offering
from kubectl_karp.model.objects import (
    LABEL_INSTANCE_TYPE,
    Budget,
    NodeSelectorRequirement,
    Taint,
)
from kubectl_karp.render.consolidate import node_document, plan_document
from tests.builders.catalogs import CPU, GI, fake_type
from tests.builders.cluster import NOW, Cluster, acted, codes


def _iso(delta: timedelta) -> str:
    return (NOW - delta).isoformat().replace("+00:00", "Z")


def _custom_type(name: str, offerings: list[Offering], cpu: int = 32) -> InstanceType:
    capacity = {"cpu": cpu * CPU, "memory": 2 * cpu * GI, "pods": 110_000}
    return InstanceType(name=name, capacity=capacity, allocatable=dict(capacity),
                        labels={LABEL_INSTANCE_TYPE: name, "kubernetes.io/arch": "amd64",
                                "kubernetes.io/os": "linux"}, offerings=tuple(offerings))


def _static(c: Cluster, name: str = "default", replicas: int = 3,
            limits_nodes: int | None = None, budget: str = "100%") -> None:
    c.pool(name, budgets=(Budget(nodes=budget),))
    pool = c.pools[-1]
    limits = {"nodes": limits_nodes * 1000} if limits_nodes is not None else {}
    c.pools[-1] = replace(pool, replicas=replicas, limits=limits)


# ================================================================ 8. worst launch price

def _one_type_catalogue(c: Cluster, replacement_offers: list[Offering]) -> None:
    current = _custom_type("current-on-demand", [
        Offering("zone-a", "on-demand", 0.5, available=False)])
    c.types = [current, _custom_type("replacement", replacement_offers)]


def test_no_replacement_when_a_spot_offering_it_may_launch_in_is_dearer() -> None:
    # upstream: consolidation_test.go It("won't replace node if any spot replacement is more
    # expensive"): spot offerings at 1.0, 0.2 and 0.4 against a 0.5 node. The launch may land
    # in the 1.0 zone, so the replacement is not cheaper (the cheapest zone would say it is).
    c = Cluster()
    _one_type_catalogue(c, [Offering("zone-a", "spot", 1.0), Offering("zone-b", "spot", 0.2),
                            Offering("zone-c", "spot", 0.4)])
    c.pool(spot=True)
    c.node("n1", "current-on-demand")
    c.pod("a", "n1", cpu=1)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["NotCheaper"]


def test_no_on_demand_replacement_dearer_than_the_node() -> None:
    # upstream: consolidation_test.go It("won't replace on-demand node if on-demand
    # replacement is more expensive"): the NodePool requires on-demand, whose offerings cost
    # 0.6 against a 0.5 node; the cheaper spot offerings are not allowed.
    c = Cluster()
    _one_type_catalogue(c, [Offering("zone-a", "on-demand", 0.6),
                            Offering("zone-b", "on-demand", 0.6),
                            Offering("zone-b", "spot", 0.2), Offering("zone-c", "spot", 0.3)])
    c.pool()
    c.node("n1", "current-on-demand")
    c.pod("a", "n1", cpu=1)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["NotCheaper"]


def test_replacement_whose_every_launch_offering_is_cheaper_is_taken() -> None:
    # upstream: consolidation.go computeConsolidation — the same node with spot offerings all
    # under 0.5 is replaced, and the launch is pinned to spot (OD -> [OD, spot]).
    c = Cluster()
    _one_type_catalogue(c, [Offering("zone-a", "spot", 0.45), Offering("zone-b", "spot", 0.2),
                            Offering("zone-a", "on-demand", 0.9)])
    c.pool(spot=True)
    c.node("n1", "current-on-demand")
    c.pod("a", "n1", cpu=1)
    plan = c.plan()
    assert acted(plan) == [("replace", "single-node-consolidation", ("n1",))]
    rep = plan.actions[0].replacements[0]
    assert (rep.instance_type, rep.capacity_type, rep.price_per_hour) == \
        ("replacement", "spot", 0.2)


# ============================================== 9. consolidateAfter on destination nodes

def _destination_case(version: str | None = None) -> Cluster:
    c = Cluster()
    c.pool(after=3600)
    c.node("source", "cpu-1", claim_raw={"status": {"lastPodEventTime": _iso(timedelta(hours=3))}})
    c.pod("a", "source", cpu=0.5, mem_gi=1)
    c.node("dest", "cpu-4", claim_raw={"status": {"lastPodEventTime": _iso(
        timedelta(minutes=10))}})
    c.pod("b", "dest", cpu=1, mem_gi=1, created=NOW - timedelta(minutes=10))
    return c


def test_pods_are_not_moved_onto_a_node_inside_consolidate_after_from_v1_14() -> None:
    # upstream: consolidation_test.go It("should not consolidate pods onto a destination node
    # that is under its consolidateAfter window") (#3006, v1.14). Before v1.14 the source's
    # pod simply moves there.
    new = _destination_case().plan()
    assert new.actions == ()
    assert codes(new, "source") == ["NotCheaper"]
    old = _destination_case().plan(version="1.13")
    assert acted(old) == [("delete", "single-node-consolidation", ("source",))]
    assert [(m.pod, m.to) for m in old.actions[0].moves] == [("default/a", "dest")]


def test_a_destination_whose_nodepool_never_consolidates_still_takes_pods() -> None:
    # upstream: consolidation_test.go It("should consolidate pods onto a destination node with
    # consolidateAfter set to Never")
    c = Cluster()
    c.pool()
    c.pool("never", after=None)
    c.node("source", "cpu-1")
    c.pod("a", "source", cpu=0.5)
    c.node("dest", "cpu-4", pool="never")
    c.pod("b", "dest", cpu=1, created=NOW - timedelta(minutes=1))
    plan = c.plan()
    assert acted(plan) == [("delete", "single-node-consolidation", ("source",))]


def test_a_cheaper_replacement_is_not_held_back_by_consolidate_after() -> None:
    # upstream: consolidation_test.go It("should replace a node with a cheaper one even when
    # consolidateAfter has not expired"): a new NodeClaim is no destination under the window.
    c = Cluster()
    c.pool(after=60)
    c.node("big", "cpu-16")
    c.pod("a", "big", cpu=1)
    plan = c.plan()
    assert acted(plan) == [("replace", "single-node-consolidation", ("big",))]


def test_pending_pods_may_still_use_a_node_inside_consolidate_after() -> None:
    # upstream: scheduler.go addToExistingNode — pending pods (and pods of deleting nodes) are
    # exempt from the consolidateAfter destination check; only the candidates' pods are kept
    # off. The pending pod takes the fresh node, the candidate's pod the other one.
    c = Cluster()
    c.pool(after=3600)
    c.pool("never", after=None)
    c.node("dest", "cpu-4", claim_raw={"status": {"lastPodEventTime": _iso(
        timedelta(minutes=10))}})
    c.pod("d", "dest", cpu=1, created=NOW - timedelta(minutes=10))
    c.node("open", "cpu-4", pool="never")
    c.pod("o", "open", cpu=3.5)
    c.node("source", "cpu-1", claim_raw={"status": {"lastPodEventTime": _iso(
        timedelta(hours=3))}})
    c.pod("a", "source", cpu=0.4)
    c.pod("waiting", None, cpu=2.5)
    plan = c.plan()
    assert acted(plan) == [("delete", "single-node-consolidation", ("source",))]
    assert [(m.pod, m.to) for m in plan.actions[0].moves] == [("default/a", "open")]


def test_drift_may_move_pods_onto_a_node_inside_consolidate_after() -> None:
    # upstream: drift.go calls SimulateScheduling without IsConsolidationSimulation (#3006)
    c = Cluster()
    c.pool(after=3600)
    c.node("dest", "cpu-4", claim_raw={"status": {"lastPodEventTime": _iso(
        timedelta(minutes=10))}})
    c.pod("d", "dest", cpu=1, created=NOW - timedelta(minutes=10))
    c.node("old", "cpu-2", drifted=True)
    c.pod("a", "old", cpu=1)
    plan = c.plan()
    assert acted(plan) == [("delete", "drift", ("old",))]
    assert [(m.pod, m.to) for m in plan.actions[0].moves] == [("default/a", "dest")]


# ================================================================= 10. pending pods

def test_pending_pods_must_fit_the_replacement_too() -> None:
    # upstream: helpers.go SimulateScheduling adds the cluster's pending pods; a replacement
    # that must also hold them is no longer cheaper.
    c = Cluster()
    c.pool()
    c.node("n1", "cpu-8")
    c.pod("a", "n1", cpu=3)
    alone = c.plan()
    assert acted(alone) == [("replace", "single-node-consolidation", ("n1",))]
    c.pod("waiting", None, cpu=5)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["NotCheaper"]
    assert "fits its pods and 1 pending pod (" in plan.node("n1").blocks[0].message  # type: ignore[union-attr]


def test_a_permanently_pending_pod_does_not_block_a_delete() -> None:
    # upstream: consolidation_test.go It("can delete nodes with a permanently pending pod")
    # (one instance type, as upstream's nodes are its cheapest: no merge is cheaper)
    c = Cluster(types=[fake_type("cpu-4", 4, 8)])
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("p0", "n1", cpu=1)
    c.pod("p1", "n1", cpu=1)
    c.pod("p2", "n2", cpu=1)
    c.pod("stuck", None, cpu=1, node_selector={"non-existent": "node-label"})
    plan = c.plan()
    assert acted(plan) == [("delete", "single-node-consolidation", ("n2",))]
    assert all(m.pod != "default/stuck" for a in plan.actions for m in a.moves)


def test_pending_pods_take_the_room_a_candidate_would_move_into() -> None:
    # upstream: helpers.go SimulateScheduling — pending pods and the candidate's pods compete
    # for the same free room; the candidate's pods must all be placed.
    c = Cluster(types=[fake_type("cpu-1", 1, 2), fake_type("cpu-4", 4, 8)])
    c.pool()
    c.node("small", "cpu-1")
    c.pod("a", "small", cpu=0.5)
    c.node("roomy", "cpu-4")
    c.pod("b", "roomy", cpu=3)
    assert acted(c.plan()) == [("delete", "single-node-consolidation", ("small",))]
    c.pod("waiting", None, cpu=0.9)
    plan = c.plan()
    assert plan.actions == ()


def test_a_pod_that_would_go_pending_blocks_the_delete() -> None:
    # upstream: consolidation_test.go It("won't delete nodes if it would make a non-pending pod
    # go pending"): node selectors pin each pod to its own node.
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.nodes[0] = replace(c.nodes[0], labels={**c.nodes[0].labels, "foo": "1"})
    c.nodes[1] = replace(c.nodes[1], labels={**c.nodes[1].labels, "foo": "2"})
    c.pod("p0", "n1", cpu=1, node_selector={"foo": "1"})
    c.pod("p1", "n1", cpu=1, node_selector={"foo": "1"})
    c.pod("p2", "n2", cpu=1, node_selector={"foo": "2"})
    plan = c.plan()
    assert plan.actions == ()
    assert set(codes(plan, "n2")) == {"PodsCannotReschedule"}


# ============================================ 11. the room check's NodePool requirements

def test_pod_no_allowed_type_fits_is_pods_cannot_reschedule_not_not_cheaper() -> None:
    # upstream: consolidation.go computeConsolidation — !AllNonPendingPodsScheduled comes
    # before any price comparison; the NodePool allows arm64 only, which no type offers.
    c = Cluster()
    c.pool(requirements=(NodeSelectorRequirement("kubernetes.io/arch", "In", ("arm64",)),))
    c.node("n1", "cpu-4")
    c.pod("big", "n1", cpu=3.9)
    plan = c.plan()
    assert codes(plan, "n1") == ["PodsCannotReschedule"]
    assert "default/big" in plan.node("n1").blocks[0].message  # type: ignore[union-attr]


def test_untolerated_nodepool_taint_is_pods_cannot_reschedule() -> None:
    # upstream: scheduler.go — a NodePool whose taint the pod does not tolerate cannot hold it
    c = Cluster()
    c.pool()
    c.pools[-1] = replace(c.pools[-1], taints=(Taint("dedicated", "NoSchedule", "gpu"),))
    c.node("n1", "cpu-4")
    c.pod("big", "n1", cpu=3.9)
    plan = c.plan()
    assert codes(plan, "n1") == ["PodsCannotReschedule"]


def test_the_room_check_still_answers_not_cheaper_when_only_dearer_types_hold() -> None:
    # upstream: consolidation.go — the pods need a node at least as dear as theirs
    c = Cluster()
    c.pool()
    c.node("n1", "cpu-4")
    c.pod("big", "n1", cpu=3.9)
    plan = c.plan()
    assert codes(plan, "n1") == ["NotCheaper"]


# ===================================================== 12. static NodePools, StaticDrift

def test_static_nodepool_nodes_are_never_consolidated() -> None:
    # upstream: consolidation_test.go It("should not consolidate static NodePool nodes") and
    # emptiness.go ShouldDisrupt (OwnedByStaticNodePool)
    c = Cluster()
    _static(c, replicas=2)
    c.node("empty", "cpu-4")
    c.node("idle", "cpu-16")
    c.pod("a", "idle", cpu=0.5)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "empty") == ["StaticNodePool"]
    assert codes(plan, "idle") == ["StaticNodePool"]
    assert "replicas: 2" in plan.node("idle").blocks[0].message  # type: ignore[union-attr]


def _drifted_static(c: Cluster, count: int) -> None:
    for i in range(count):
        c.node(f"s{i}", "cpu-4", drifted=True)
        c.pod(f"p{i}", f"s{i}", cpu=1)


def test_static_drift_replaces_one_for_one_within_the_budget_count() -> None:
    # upstream: staticdrift_test.go It("should respect disruption budgets (Nodes Count) for
    # static drift")
    c = Cluster()
    _static(c, replicas=3, budget="2")
    _drifted_static(c, 3)
    plan = c.plan()
    assert acted(plan) == [("replace", "static-drift", ("s0",)),
                           ("replace", "static-drift", ("s1",))]
    assert all(not a.moves and len(a.replacements) == 1 for a in plan.actions)
    assert plan.actions[0].replacements[0].instance_type == "cpu-1"  # the template's cheapest
    assert codes(plan, "s2") == ["BudgetExhausted"]


def test_static_drift_respects_a_percentage_budget() -> None:
    # upstream: staticdrift_test.go It("should respect disruption budgets (Nodes Percentage)
    # for static drift")
    c = Cluster()
    _static(c, replicas=4, budget="50%")
    _drifted_static(c, 4)
    assert len(c.plan().actions) == 2


def test_static_drift_waits_when_limits_leave_no_room_to_surge() -> None:
    # upstream: staticdrift_test.go It("should not drift nodes when we cannot acquire limits")
    c = Cluster()
    _static(c, replicas=3, limits_nodes=3)
    _drifted_static(c, 3)
    plan = c.plan()
    assert plan.actions == ()
    assert "limits.nodes" in plan.node("s0").blocks[0].message  # type: ignore[union-attr]


def test_static_drift_goes_partially_within_the_limits() -> None:
    # upstream: staticdrift_test.go It("should drift partially when we can acquire some
    # limits")
    c = Cluster()
    _static(c, replicas=3, limits_nodes=4)
    _drifted_static(c, 3)
    assert acted(c.plan()) == [("replace", "static-drift", ("s0",))]


def test_static_drift_can_use_all_limits() -> None:
    # upstream: staticdrift_test.go It("should drift nodes when we can acquire limits")
    c = Cluster()
    _static(c, replicas=3, limits_nodes=6)
    _drifted_static(c, 3)
    assert len(c.plan().actions) == 3


def test_static_drift_waits_for_a_scale_down() -> None:
    # upstream: staticdrift_test.go It("should wait until nodes are deprovisioned when we are
    # overscaled")
    c = Cluster()
    _static(c, replicas=2)
    _drifted_static(c, 3)
    plan = c.plan()
    assert plan.actions == ()
    assert "scale-down" in plan.node("s0").blocks[0].message  # type: ignore[union-attr]


def test_static_drift_ignores_undrifted_and_do_not_disrupt_nodes() -> None:
    # upstream: staticdrift_test.go It("should ignore nodes without the drifted status
    # condition") and It("should ignore nodes with the karpenter.sh/do-not-disrupt annotation")
    c = Cluster()
    _static(c, replicas=2)
    c.node("fine", "cpu-4")
    c.node("pinned", "cpu-4", drifted=True,
           annotations={"karpenter.sh/do-not-disrupt": "true"})
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "pinned") == ["DoNotDisrupt"]


def test_static_nodepools_drift_independently() -> None:
    # upstream: staticdrift_test.go It("should handle drift for multiple static NodePools
    # independently")
    c = Cluster()
    _static(c, "a", replicas=1)
    _static(c, "b", replicas=1)
    c.node("a0", "cpu-4", pool="a", drifted=True)
    c.node("b0", "cpu-4", pool="b", drifted=True)
    plan = c.plan()
    assert sorted(a.nodes for a in plan.actions) == [("a0",), ("b0",)]
    assert {a.method for a in plan.actions} == {"static-drift"}


def test_dynamic_drift_still_applies_beside_a_static_nodepool() -> None:
    # upstream: drift.go ShouldDisrupt (!OwnedByStaticNodePool) — a dynamic NodePool's drifted
    # node goes through Drift, simulating its pods
    c = Cluster()
    _static(c, "fixed", replicas=1)
    c.pool("dyn")
    c.node("d0", "cpu-4", pool="dyn", drifted=True)
    c.pod("x", "d0", cpu=1)
    c.node("f0", "cpu-4", pool="fixed")
    plan = c.plan()
    # its pod fits on the static NodePool's node: an existing node takes pods like any other
    assert acted(plan)[0] == ("delete", "drift", ("d0",))


def test_static_nodepool_budget_row_is_marked(tmp_path: object) -> None:
    c = Cluster()
    _static(c, replicas=2)
    c.node("s0", "cpu-4")
    doc = plan_document(c.plan())
    assert doc["budgets"][0]["static"] == {"replicas": 2}


# ====================================================================== 13. Balanced

_TOTALS = PoolTotals(cost=58.08, disruption=90)


@pytest.mark.parametrize(("savings", "disruption", "totals", "approved"), [
    # upstream: balanced_test.go It("should approve an oversized node consolidation")
    (7.26, 4.0, _TOTALS, True),
    # It("should approve a spare capacity delete")
    (4.84, 5.0, _TOTALS, True),
    # It("should reject a marginal move")
    (2.42, 9.0, _TOTALS, False),
    # It("should reject a well-packed node with zero savings")
    (0.0, 11.0, _TOTALS, False),
    # It("should approve a replace in a uniform pool")
    (2.42, 9.0, PoolTotals(48.40, 90), True),
    # It("should approve low-disruption nodes and reject high-disruption nodes")
    (4.84, 5.0, PoolTotals(58.08, 117), True),
    (4.84, 32.0, PoolTotals(58.08, 117), False),
    # It("should reject when both savings and disruption are zero")
    (0.0, 0.0, _TOTALS, False),
    # It("should reject when nodepool cost is zero")
    (4.84, 5.0, PoolTotals(0.0, 90), False),
    # It("should approve when move disruption is zero (division by zero guard)")
    (4.84, 0.0, _TOTALS, True),
])
def test_balanced_score_move(savings: float, disruption: float, totals: PoolTotals,
                             approved: bool) -> None:
    score = Score("p", savings, disruption, totals)
    assert score.approved is approved
    if totals.cost > 0 and disruption > 0 and savings > 0:
        assert score.value == pytest.approx((savings / totals.cost)
                                            / (disruption / totals.disruption))


def test_balanced_score_is_infinite_without_disruption() -> None:
    # upstream: balanced_test.go It("should approve with +Inf score when move disruption is
    # zero and savings positive")
    assert Score("p", 4.84, 0.0, _TOTALS).value == float("inf")


def test_balanced_threshold_follows_k() -> None:
    # upstream: balanced_test.go It("should reject at k=2 for a marginal move"), It("should
    # approve at k=3 for the same move"), It("should reject at k=1 for the same move")
    assert not Score("p", 2.42, 9.0, _TOTALS, k=2).approved
    assert Score("p", 2.42, 9.0, _TOTALS, k=3).approved
    assert not Score("p", 2.42, 9.0, _TOTALS, k=1).approved


def test_balanced_scores_are_scale_invariant_and_comparable_across_pools() -> None:
    # upstream: balanced_test.go It("should produce the same score regardless of pool size")
    # and It("should produce identical scores for proportionally equivalent moves")
    small = Score("p", 7.26, 4.0, _TOTALS).value
    assert small == pytest.approx(Score("p", 7.26, 4.0, PoolTotals(580.80, 900)).value)
    od = Score("od", 4.84, 4.0, PoolTotals(48.40, 90))
    spot = Score("spot", 1.45, 4.0, PoolTotals(14.50, 90))
    assert od.value == pytest.approx(spot.value, abs=0.01) and od.approved and spot.approved


def _balanced_pool(c: Cluster) -> None:
    c.pool(policy="Balanced")


def _busy_node(c: Cluster, name: str, type_: str, pods: int, cpu: float) -> None:
    c.node(name, type_)
    for i in range(pods):
        c.pod(f"{name}-{i}", name, cpu=cpu, mem_gi=0.1)


def test_balanced_rejects_a_move_that_saves_too_little_for_its_disruption() -> None:
    # upstream: balanced.go EvaluateBalancedMove / singlenodeconsolidation.go ApproveCommand:
    # ten full cpu-4 nodes and one cpu-4 with 8 small pods that fit in a cpu-3: saving 0.3 of
    # 13.2 $/h for 9 of ~59 disruption units scores 0.15 < 0.5.
    c = Cluster()
    _balanced_pool(c)
    for i in range(10):
        _busy_node(c, f"full{i}", "cpu-4", 4, 0.95)
    _busy_node(c, "loose", "cpu-4", 8, 0.3)
    plan = c.plan(explain=frozenset({"loose"}))
    assert plan.actions == ()
    assert "BalancedScoreTooLow" in codes(plan, "loose")
    report = plan.node("loose")
    assert report is not None
    check = next(ch for ch in report.checks if ch.name == "Balanced")
    assert not check.ok
    assert check.message.startswith("score 0.")
    block = plan.node("loose").blocks[0]  # type: ignore[union-attr]
    assert block.message.startswith("Balanced: score 0.")
    assert "< threshold 0.5, rejected" in check.message
    doc = node_document(report)
    assert doc["balanced"] and doc["balanced"][0]["approved"] is False
    assert 0 < doc["balanced"][0]["score"] < 0.5
    # the same cluster under WhenEmptyOrUnderutilized consolidates
    c.pools[-1] = replace(c.pools[-1], consolidation_policy="WhenEmptyOrUnderutilized")
    assert c.plan().actions


def test_balanced_approves_a_clear_saving_and_reports_its_score() -> None:
    # upstream: balanced_test.go It("should approve an oversized node consolidation") in a
    # cluster: a cpu-16 node with one small pod is replaced by a cpu-1.
    c = Cluster()
    _balanced_pool(c)
    _busy_node(c, "oversized", "cpu-16", 1, 0.5)
    plan = c.plan()
    assert acted(plan) == [("replace", "single-node-consolidation", ("oversized",))]
    action = plan.actions[0]
    assert action.scores and action.scores[0].approved
    doc = json.loads(json.dumps(plan_document(plan)))
    assert doc["actions"][0]["balanced"][0]["approved"] is True
    report = plan.node("oversized")
    assert report is not None
    assert any(ch.name == "Balanced" and ch.ok and "approved" in ch.message
               for ch in report.checks)


def test_balanced_does_not_score_empty_nodes() -> None:
    # upstream: emptiness.go has no evaluator: Balanced NodePools delete empty nodes as before
    c = Cluster()
    _balanced_pool(c)
    c.node("empty", "cpu-4")
    _busy_node(c, "full", "cpu-4", 4, 0.95)
    assert acted(c.plan()) == [("delete", "emptiness", ("empty",))]


def test_balanced_nodepool_is_refused_before_v1_14() -> None:
    # upstream: apis/v1/nodepool.go — the consolidationPolicy enum gains Balanced in v1.14
    # (#2962); an older API server refuses such a NodePool, so the dry run does too.
    c = Cluster()
    _balanced_pool(c)
    c.node("n1", "cpu-4")
    with pytest.raises(InputError, match=r"unsupported value 'Balanced'.*Karpenter v1\.13"):
        c.plan(version="1.13")
    assert c.plan(version="1.14").actions  # the empty node goes


# ==================================================================== 14. minValues

def test_price_filter_keeps_minvalues_or_does_nothing() -> None:
    # upstream: consolidation_test.go It("should handle failing filterOutSameInstanceType
    # correctly (without a panic) when minValues isn't satisfied") — after the price filter the
    # replacement must still offer minValues instance types, or there is no command.
    c = Cluster()
    c.pool(requirements=(NodeSelectorRequirement(LABEL_INSTANCE_TYPE, "Exists", (), 10),))
    c.node("n1", "cpu-4")
    c.pod("a", "n1", cpu=1.5)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["NotCheaper"]
    assert "minValues 10" in plan.node("n1").blocks[0].message  # type: ignore[union-attr]


def test_price_filter_with_enough_minvalues_replaces() -> None:
    c = Cluster()
    c.pool(requirements=(NodeSelectorRequirement(LABEL_INSTANCE_TYPE, "Exists", (), 2),))
    c.node("n1", "cpu-4")
    c.pod("a", "n1", cpu=1.5)
    assert acted(c.plan()) == [("replace", "single-node-consolidation", ("n1",))]



def test_spot_to_spot_keeps_as_many_options_as_minvalues_needs() -> None:
    # upstream: consolidation_test.go It("spot to spot consolidation should consider the max of
    # default and minimum number of instanceTypeOptions from minValues in requirement for
    # truncation if minimum number of instanceTypeOptions from minValues in requirement is
    # greater than 15.")
    c = Cluster()
    c.pool(spot=True, requirements=(
        NodeSelectorRequirement(LABEL_INSTANCE_TYPE, "Exists", (), 20),))
    c.node("spot", "cpu-32", capacity_type="spot")
    c.pod("a", "spot", cpu=1)
    plan = c.plan(spot_to_spot=True)
    assert acted(plan) == [("replace", "single-node-consolidation", ("spot",))]
    assert len(plan.actions[0].replacements[0].instance_type_options) == 20


def test_spot_to_spot_truncates_to_fifteen_when_minvalues_needs_fewer() -> None:
    # upstream: consolidation_test.go It("spot to spot consolidation should consider the
    # default for truncation if minimum number of instanceTypeOptions from minValues in
    # requirement is less than 15.")
    c = Cluster()
    c.pool(spot=True, requirements=(
        NodeSelectorRequirement(LABEL_INSTANCE_TYPE, "Exists", (), 5),))
    c.node("spot", "cpu-32", capacity_type="spot")
    c.pod("a", "spot", cpu=1)
    plan = c.plan(spot_to_spot=True)
    assert len(plan.actions[0].replacements[0].instance_type_options) == 15


@pytest.mark.parametrize(("offers", "worst"), [
    # spot is launched before on-demand: its dearest offering is the worst case
    ([("spot", 0.2), ("spot", 0.4), ("on-demand", 0.9)], 0.4),
    # reserved before spot
    ([("reserved", 0.1), ("spot", 0.4)], 0.1),
    ([("on-demand", 0.6), ("on-demand", 0.7)], 0.7),
    # an unknown price among the launch offerings: never shown cheaper
    ([("spot", None), ("spot", 0.1)], float("inf")),
    ([], float("inf")),
])
def test_worst_launch_price(offers: list[tuple[str, float | None]], worst: float) -> None:
    # upstream: cloudprovider/types.go Offerings.WorstLaunchPrice
    assert worst_launch_price([Offering("z", ct, price) for ct, price in offers]) == worst
