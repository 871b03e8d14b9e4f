"""Cases ported from upstream's disruption suites (pkg/controllers/disruption/suite_test.go,
consolidation_test.go, drift_test.go, emptiness_test.go; pkg/utils/pdb/suite_test.go) in our
own words, for issue 16 items 2-7. Each test names the It(...) it follows; where the answer
depends on the Karpenter release, both answers are asserted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from kubectl_karp.core.disruption import ConsolidationPlan
from kubectl_karp.core.disruption.budgets import REASONS, PoolBudget
from kubectl_karp.model.objects import Budget, Condition
from tests.builders.cluster import NOW, Cluster, acted, codes

DND = "karpenter.sh/do-not-disrupt"
TGP = {"spec": {"terminationGracePeriod": "5m"}}
MIN_DELETION_COST = str(-2147483647)


def _first(plan: ConsolidationPlan) -> tuple[str, ...]:
    assert plan.actions, "expected an action"
    return plan.actions[0].nodes


def _budget(plan: ConsolidationPlan, pool: str = "default") -> PoolBudget:
    return next(b for b in plan.budgets if b.node_pool == pool)


# ---------------------------------------------------------------- item 2: budget counting

def test_instance_terminating_nodeclaims_are_not_counted() -> None:
    # suite_test.go It("should not consider nodes that have the terminating status condition
    # as part of disruption count"): ten nodes and a terminating eleventh at 100% allow 10.
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"),))
    for i in range(10):
        c.node(f"n{i}")
        c.pod(f"p{i}", f"n{i}", cpu=3)
    c.node("gone", claim_conditions=(Condition("InstanceTerminating", "True"),))
    budget = _budget(c.plan())
    assert budget.nodes == 10 and budget.disrupting == 0
    for reason in REASONS:
        assert budget.allowed(reason) == 10
    assert codes(c.plan(), "gone") == ["AlreadyDisrupting"]


def test_deleting_nodes_count_as_disrupting() -> None:
    # suite_test.go It("should consider nodes with a deletion timestamp set and
    # MarkedForDeletion to the disruption count")
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"),))
    for i in range(10):
        c.node(f"n{i}", deleting=i < 2)
        c.pod(f"p{i}", f"n{i}", cpu=3)
    assert _budget(c.plan()).allowed("Drifted") == 8


def test_not_ready_nodes_count_as_disrupting() -> None:
    # suite_test.go It("should consider not ready nodes to the disruption count")
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"),))
    for i in range(10):
        c.node(f"n{i}", ready=i >= 2)
        c.pod(f"p{i}", f"n{i}", cpu=3)
    assert _budget(c.plan()).allowed("Empty") == 8


def test_budget_never_negative() -> None:
    # suite_test.go It("should not return a negative disruption value")
    c = Cluster()
    c.pool(budgets=(Budget(nodes="10%"),))
    for i in range(10):
        c.node(f"n{i}", deleting=True)
    for reason in REASONS:
        assert _budget(c.plan()).allowed(reason) == 0


# ------------------------------------------------- item 1 at plan level: invalid budgets

def test_an_invalid_budget_stops_every_method() -> None:
    # nodepool.go GetAllowedDisruptionsByReason: a budget that only names Drifted but whose
    # schedule robfig rejects still closes Empty and Underutilized.
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"),
                    Budget(nodes="1", reasons=("Drifted",), schedule="0 0 * * tue-mon",
                           duration_seconds=3600)))
    c.node("empty")
    c.node("drifted", drifted=True)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "empty") == ["BudgetExhausted"]
    assert _budget(plan).problem is not None and "tue-mon" in _budget(plan).problem


def test_a_never_firing_schedule_is_an_active_budget() -> None:
    # Budget.IsActive: Next from now-duration is the zero time, not after now: active.
    c = Cluster()
    c.pool(budgets=(Budget(nodes="0", schedule="0 0 30 2 *", duration_seconds=3600),))
    c.node("empty")
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "empty") == ["BudgetExhausted"]


# ------------------------------------------------ item 3: what the simulation moves

def test_drifted_node_with_only_do_not_disrupt_pods_under_tgp_is_deleted_without_replacement(
) -> None:
    # drift_test.go It("should not create replacements for drifted nodes that have pods with
    # the karpenter.sh/do-not-disrupt annotation set to true when the NodePool's
    # TerminationGracePeriod is not nil"): the pod stays until the grace period ends, so the
    # simulation has nothing to place and drift deletes the node.
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True, claim_raw=TGP)
    c.pod("precious", "old", annotations={DND: "true"})
    plan = c.plan()
    assert acted(plan) == [("delete", "drift", ("old",))]
    assert plan.actions[0].replacements == ()


def test_drifted_node_with_fully_blocking_pdb_under_tgp_is_deleted_without_replacement(
) -> None:
    # drift_test.go It("should not create replacements for drifted nodes that have pods with
    # the blocking PDBs when the NodePool's TerminationGracePeriod is not nil")
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True, claim_raw=TGP)
    c.pod("web", "old", labels={"test": "value"})
    c.pdb("never", {"test": "value"}, max_unavailable="0", allowed=0)
    plan = c.plan()
    assert acted(plan) == [("delete", "drift", ("old",))]
    assert plan.actions[0].replacements == ()


def test_drifted_node_with_a_pdb_that_only_allows_none_now_still_gets_a_replacement() -> None:
    # pdb.go IsCurrentlyReschedulable: only *fully* blocking PDBs keep a pod out of the
    # simulation; one at 0 allowed today (minAvailable 1 of 1) is still rescheduled.
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True, claim_raw=TGP)
    c.pod("web", "old", labels={"test": "value"})
    c.pdb("busy", {"test": "value"}, min_available="1", allowed=0)
    plan = c.plan()
    assert acted(plan) == [("replace", "drift", ("old",))]


def test_drifted_node_without_tgp_keeps_do_not_disrupt_pods() -> None:
    # drift_test.go It("should not create replacements for drifted nodes that have pods with
    # the karpenter.sh/do-not-disrupt annotation set to true")
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True)
    c.pod("precious", "old", annotations={DND: "true"})
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "old") == ["DoNotDisrupt"]


# ------------------------------------------------ item 4: empty by eviction cost (v1.14)

def test_node_whose_pods_cost_nothing_to_evict_is_empty_from_v1_14() -> None:
    # types.go Candidate.IsEmpty (v1.14, #2962): RescheduleDisruptionCost <= 1 — a pod at the
    # minimum pod-deletion-cost clamps to -10 and adds nothing. Before, any reschedulable
    # pod made the node non-empty.
    c = Cluster()
    c.pool(policy="WhenEmpty")
    c.node("n1")
    c.pod("cheap", "n1", annotations={"controller.kubernetes.io/pod-deletion-cost":
                                      MIN_DELETION_COST})
    plan = c.plan(version="1.14")
    assert acted(plan) == [("delete", "emptiness", ("n1",))]
    assert "default/cheap" in plan.actions[0].warnings[0]
    plan = c.plan(version="1.13")
    assert plan.actions == ()
    assert codes(plan, "n1") == ["WhenEmptyPolicy"]


def test_low_priority_pod_clamps_to_zero_too() -> None:
    # utils/disruption EvictionCost: priority / 2^25 added; -2^25 gives exactly 0.
    c = Cluster()
    c.pool(policy="WhenEmpty")
    c.node("n1")
    c.pod("batch", "n1", priority=-(2**25))
    assert acted(c.plan(version="1.14")) == [("delete", "emptiness", ("n1",))]
    assert c.plan(version="1.12").actions == ()


def test_one_ordinary_pod_keeps_the_node_non_empty() -> None:
    c = Cluster()
    c.pool(policy="WhenEmpty")
    c.node("n1")
    c.pod("cheap", "n1", annotations={"controller.kubernetes.io/pod-deletion-cost":
                                      MIN_DELETION_COST})
    c.pod("normal", "n1")
    assert c.plan(version="1.14").actions == ()


def test_daemonset_pod_node_is_empty() -> None:
    # emptiness_test.go It("will consider a node with a DaemonSet pod as empty")
    c = Cluster()
    c.pool()
    c.node("n1")
    c.pod("ds", "n1", owner="DaemonSet")
    for version in ("1.8", "1.14"):
        assert acted(c.plan(version=version)) == [("delete", "emptiness", ("n1",))]


# --------------------------------------------- item 5: do-not-disrupt durations (v1.12)

def test_duration_do_not_disrupt_protects_while_active() -> None:
    # consolidation_test.go It("does not consolidate nodes with pods that have a
    # duration-based do-not-disrupt annotation that is still active")
    c = Cluster()
    c.pool()
    c.node("n1")
    c.pod("fresh", "n1", annotations={DND: "2m"}, started=NOW - timedelta(minutes=1))
    plan = c.plan(version="1.12")
    assert plan.actions == ()
    assert codes(plan, "n1") == ["DoNotDisrupt"]
    assert "2m" in plan.node("n1").blocks[0].message  # type: ignore[union-attr]


def test_duration_do_not_disrupt_expires() -> None:
    # consolidation_test.go It("can consolidate nodes after duration-based do-not-disrupt
    # annotation expires")
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("fresh", "n1", annotations={DND: "2m"}, started=NOW - timedelta(minutes=3))
    c.pod("other", "n2")
    plan = c.plan(version="1.12")
    assert any("n1" in a.nodes for a in plan.actions)


def test_invalid_do_not_disrupt_value_does_not_block() -> None:
    # consolidation_test.go It("can delete nodes, considers invalid do-not-disrupt annotation
    # format as not blocking"); drift_test.go It("should drift nodes with pods that have an
    # invalid do-not-disrupt annotation format")
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True)
    c.pod("p", "old", annotations={DND: "invalid-format"})
    assert acted(c.plan()) == [("replace", "drift", ("old",))]


def test_longest_grace_period_wins() -> None:
    # drift_test.go It("should not drift nodes until the longest duration-based
    # do-not-disrupt grace period expires across multiple pods")
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True)
    c.pod("a", "old", annotations={DND: "1m"}, started=NOW)
    c.pod("b", "old", annotations={DND: "3m"}, started=NOW)
    assert c.plan(NOW + timedelta(minutes=2)).actions == ()
    assert acted(c.plan(NOW + timedelta(minutes=4))) == [("replace", "drift", ("old",))]


def test_unknown_start_time_keeps_the_protection() -> None:
    # pod.IsDoNotDisruptActive: without status.startTime it fails safe (protected).
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True)
    c.pod("p", "old", annotations={DND: "1m"}, started=None)
    assert c.plan(NOW + timedelta(days=30)).actions == ()


@pytest.mark.parametrize("version", ["1.8", "1.11"])
def test_before_v1_12_only_true_protects(version: str) -> None:
    # pod.HasDoNotDisrupt (before #2874): the annotation must be exactly "true"; "1h" is
    # ignored, so a freshly started pod does not hold the drifted node.
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True)
    c.pod("p", "old", annotations={DND: "1h"}, started=NOW)
    assert acted(c.plan(version=version)) == [("replace", "drift", ("old",))]
    assert c.plan(version="1.12").actions == ()


def test_do_not_disrupt_on_terminal_pods_is_ignored() -> None:
    # suite_test.go It("should consider candidates that have do-not-disrupt terminal pods")
    c = Cluster()
    c.pool()
    c.node("n1")
    pod = c.pod("done", "n1", annotations={DND: "true"})
    c.pods[-1] = replace(pod, phase="Succeeded")
    assert acted(c.plan()) == [("delete", "emptiness", ("n1",))]


# -------------------------------------------- item 6: unhealthyPodEvictionPolicy AlwaysAllow

def test_not_ready_pod_under_always_allow_pdb_is_evictable() -> None:
    # pdb/suite_test.go It("can evict unhealthy pods when UnhealthyPodEvictionPolicy is set
    # to always allow"); consolidation_test.go (the AlwaysAllow context)
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("sick", "n1", labels={"app": "web"}, ready=False)
    c.pod("other", "n2", cpu=1)
    c.pdb("web", {"app": "web"}, allowed=0, unhealthy_policy="AlwaysAllow")
    plan = c.plan()
    assert "PodDisruptionBudget" not in codes(plan, "n1")
    assert any("n1" in a.nodes for a in plan.actions)


def test_not_ready_pod_without_always_allow_is_blocked() -> None:
    # pdb/suite_test.go It("can't evict unhealthy pods when UnhealthyPodEvictionPolicy is not
    # set")
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("sick", "n1", labels={"app": "web"}, ready=False)
    c.pod("other", "n2", cpu=1)
    c.pdb("web", {"app": "web"}, allowed=0)
    assert codes(c.plan(), "n1") == ["PodDisruptionBudget"]


def test_always_allow_does_not_free_ready_pods() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("well", "n1", labels={"app": "web"})
    c.pod("other", "n2", cpu=1)
    c.pdb("web", {"app": "web"}, allowed=0, unhealthy_policy="AlwaysAllow")
    assert codes(c.plan(), "n1") == ["PodDisruptionBudget"]


def test_always_allow_unhealthy_pod_is_currently_reschedulable() -> None:
    # pdb/suite_test.go It("considers unhealthy pod as currently reschedulable when
    # UnhealthyPodEvictionPolicy is set to always allow"): a drifted node with a NotReady pod
    # behind a fully blocking AlwaysAllow PDB gets a replacement for it.
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True, claim_raw=TGP)
    c.pod("sick", "old", labels={"app": "web"}, ready=False)
    c.pdb("web", {"app": "web"}, max_unavailable="0", allowed=0,
          unhealthy_policy="AlwaysAllow")
    assert acted(c.plan()) == [("replace", "drift", ("old",))]


def test_unhealthy_pod_not_reschedulable_without_always_allow() -> None:
    # pdb/suite_test.go It("does not consider unhealthy pod as currently reschedulable when
    # UnhealthyPodEvictionPolicy is not set")
    c = Cluster()
    c.pool()
    c.node("old", "cpu-2", drifted=True, claim_raw=TGP)
    c.pod("sick", "old", labels={"app": "web"}, ready=False)
    c.pdb("web", {"app": "web"}, max_unavailable="0", allowed=0)
    plan = c.plan()
    assert acted(plan) == [("delete", "drift", ("old",))]


# ----------------------------------------------------------- item 7: candidate order

def test_best_savings_ratio_first_from_v1_14() -> None:
    # consolidation_test.go It("should consolidate the node with best savings ratio first"):
    # two equal nodes, two pods on one and one on the other; the one-pod node has the better
    # price ÷ (1 + pod costs) and goes first. Through v1.13 the lower disruption cost (fewer
    # pods) also goes first, so both agree here.
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),))
    c.node("a-two")
    c.node("b-one")
    c.pod("p0", "a-two", cpu=0.5)
    c.pod("p1", "a-two", cpu=0.5)
    c.pod("p2", "b-one", cpu=0.5)
    for version in ("1.13", "1.14"):
        assert _first(c.plan(version=version)) == ("b-one",)


def test_savings_ratio_prefers_the_dearer_node() -> None:
    # consolidation.go sortCandidates: v1.14 sorts by price ÷ reschedule cost, highest
    # first, so the dearer node (same pods) goes first; v1.13 sorts by disruption cost,
    # which ties, and the name decides.
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),))
    c.node("a-small", "cpu-4")
    c.node("b-large", "cpu-8")
    c.node("spare", "cpu-8")
    c.pod("p0", "a-small", cpu=1)
    c.pod("p1", "b-large", cpu=1)
    c.pod("p2", "spare", cpu=6)
    assert _first(c.plan(version="1.14")) == ("b-large",)
    assert _first(c.plan(version="1.13")) == ("a-small",)


def test_lifetime_weighs_only_before_v1_14() -> None:
    # utils/disruption LifetimeRemaining multiplies DisruptionCost, which orders candidates
    # through v1.13 only.
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),), expire=30 * 24 * 3600)
    c.node("a-young", created=NOW - timedelta(days=1))
    c.node("b-old", created=NOW - timedelta(days=29))
    c.node("spare")
    c.pod("y", "a-young")
    c.pod("o", "b-old")
    for i in range(3):
        c.pod(f"s{i}", "spare")
    assert _first(c.plan(version="1.13")) == ("b-old",)
    assert _first(c.plan(version="1.14")) == ("a-young",)
