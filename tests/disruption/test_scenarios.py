"""Scenario tests in the spirit of Karpenter's disruption suite: small clusters, one decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kubectl_karp.core.context import build_context
from kubectl_karp.core.disruption import plan_consolidation
from kubectl_karp.model.objects import Budget, Taint
from kubectl_karp.render.consolidate import plan_document
from tests.builders.catalogs import fake_price
from tests.builders.cluster import LONG_AGO, NOW, Cluster, acted, codes


def _full(c: Cluster, node: str, cpu: float, prefix: str = "p") -> None:
    c.pod(f"{prefix}-{node}", node, cpu=cpu, mem_gi=1)


# ----------------------------------------------------------------------------- emptiness

def test_empty_node_is_deleted_by_emptiness() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    _full(c, "n2", 4)
    plan = c.plan()
    assert acted(plan) == [("delete", "emptiness", ("n1",))]
    assert plan.actions[0].savings_per_hour == fake_price(4, 8)
    assert plan.savings_per_hour == fake_price(4, 8)


def test_daemonset_pods_do_not_make_a_node_non_empty() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.pod("ds-n1", "n1", cpu=0.1, owner="DaemonSet")
    c.node("n2")
    _full(c, "n2", 3.9)
    c.pod("ds-n2", "n2", cpu=0.1, owner="DaemonSet")
    assert acted(c.plan()) == [("delete", "emptiness", ("n1",))]


def test_when_empty_pool_deletes_empty_nodes() -> None:
    c = Cluster()
    c.pool(policy="WhenEmpty")
    c.node("n1")
    c.node("n2")
    _full(c, "n2", 1)
    plan = c.plan()
    assert acted(plan) == [("delete", "emptiness", ("n1",))]
    assert codes(plan, "n2") == ["WhenEmptyPolicy"]


# ----------------------------------------------------------------------------- consolidation

def test_underutilised_node_pods_move_to_another_node() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    _full(c, "n1", 1)
    _full(c, "n2", 2.5)
    plan = c.plan()
    assert len(plan.actions) == 1
    action = plan.actions[0]
    assert action.type == "delete" and action.method == "single-node-consolidation"
    assert action.nodes == ("n1",)
    assert [(m.pod, m.to) for m in action.moves] == [("default/p-n1", "n2")]
    assert codes(plan, "n2") == ["NotCheaper"]


def test_two_half_full_nodes_are_merged_into_one_smaller_node() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    _full(c, "n1", 1.5)
    _full(c, "n2", 1.5)
    plan = c.plan()
    assert acted(plan) == [("replace", "multi-node-consolidation", ("n1", "n2"))]
    assert plan.actions[0].replacements[0].instance_type == "cpu-3"


def test_three_underused_nodes_are_merged_into_one_cheaper_node() -> None:
    c = Cluster()
    c.pool()
    for name in ("n1", "n2", "n3"):
        c.node(name)
        _full(c, name, 1)
    plan = c.plan()
    assert len(plan.actions) == 1
    action = plan.actions[0]
    assert action.method == "multi-node-consolidation"
    assert action.type == "replace" and set(action.nodes) == {"n1", "n2", "n3"}
    rep = action.replacements[0]
    assert rep.instance_type == "cpu-3"
    assert action.savings_per_hour is not None
    assert abs(action.savings_per_hour - (3 * fake_price(4, 8) - fake_price(3, 6))) < 1e-9
    assert all(m.to == rep.name and m.to_replacement for m in action.moves)


def test_large_node_is_replaced_by_a_cheaper_one() -> None:
    c = Cluster()
    c.pool()
    c.node("big", "cpu-16")
    c.pod("a", "big", cpu=1)
    c.pod("b", "big", cpu=0.5)
    plan = c.plan()
    assert acted(plan) == [("replace", "single-node-consolidation", ("big",))]
    rep = plan.actions[0].replacements[0]
    assert rep.instance_type == "cpu-2"
    assert rep.price_per_hour == fake_price(2, 4)
    assert rep.instance_type_options[0] == "cpu-2"


def test_replacement_not_cheaper_means_nothing_happens() -> None:
    c = Cluster()
    c.pool()
    c.node("n1", "cpu-2")
    c.pod("a", "n1", cpu=2, mem_gi=2)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["NotCheaper"]
    assert "cheaper than $0.6000/h" in plan.node("n1").blocks[0].message  # type: ignore


def test_reasons_name_prices_in_the_catalogue_currency() -> None:
    # A TKE catalogue is priced in CNY: the plan's reasons say ¥, as its tables do.
    c = Cluster()
    c.pool()
    c.node("n1", "cpu-2")
    c.pod("a", "n1", cpu=2, mem_gi=2)
    ctx = c.context()
    yuan = build_context(ctx.snapshot, [replace(cat, currency="CNY") for cat in ctx.catalogs])
    plan = plan_consolidation(yuan, NOW)
    message = plan.node("n1").blocks[0].message  # type: ignore[union-attr]
    assert "cheaper than ¥0.6000/h" in message and "$" not in message


def test_merging_two_nodes_into_one_of_the_same_type_is_not_chosen() -> None:
    c = Cluster()
    c.pool()
    c.node("n1", "cpu-4")
    c.node("n2", "cpu-4")
    _full(c, "n1", 2.5)
    _full(c, "n2", 1.5)
    plan = c.plan()
    # Multi-node would replace both with one cpu-4: filtered out (deleting one of them is
    # less disruptive); single-node then deletes n1 and moves its pod to n2.
    assert acted(plan) == [("delete", "single-node-consolidation", ("n1",))]


def test_pod_that_fits_nowhere_else_blocks_with_its_name() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    _full(c, "n2", 1)
    c.pod("pinned", "n1", node_selector={"kubernetes.io/hostname": "n1"})
    plan = c.plan()
    assert "n1" not in [n for a in plan.actions for n in a.nodes]
    assert codes(plan, "n1") == ["PodsCannotReschedule"]
    assert "default/pinned" in plan.node("n1").blocks[0].message  # type: ignore[union-attr]


def test_unknown_price_still_allows_deleting_but_not_replacing() -> None:
    c = Cluster()
    c.pool()
    c.node("big", "cpu-16", zone="zone-z", capacity_type="reserved")
    c.pod("a", "big", cpu=1)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "big") == ["NotCheaper"]


# ----------------------------------------------------------------------------- blockers

def test_do_not_disrupt_pod_blocks_the_node() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("precious", "n1", annotations={"karpenter.sh/do-not-disrupt": "true"})
    _full(c, "n2", 1)
    plan = c.plan()
    assert "n1" not in [n for a in plan.actions for n in a.nodes]
    assert codes(plan, "n1") == ["DoNotDisrupt"]
    assert "default/precious" in plan.node("n1").blocks[0].message  # type: ignore[union-attr]


def test_do_not_disrupt_node_annotation_blocks() -> None:
    c = Cluster()
    c.pool()
    c.node("n1", annotations={"karpenter.sh/do-not-disrupt": "true"})
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["DoNotDisrupt"]


def test_do_not_disrupt_daemonset_pod_blocks_even_an_empty_node() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.pod("ds", "n1", owner="DaemonSet", annotations={"karpenter.sh/do-not-disrupt": "true"})
    assert codes(c.plan(), "n1") == ["DoNotDisrupt"]


def test_pdb_with_zero_disruptions_blocks() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("web-1", "n1", labels={"app": "web"})
    _full(c, "n2", 1)
    c.pdb("web", {"app": "web"}, allowed=0)
    plan = c.plan()
    assert codes(plan, "n1") == ["PodDisruptionBudget"]
    assert "default/web" in plan.node("n1").blocks[0].message  # type: ignore[union-attr]


def test_pdb_computed_from_spec_when_status_is_missing() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("web-1", "n1", labels={"app": "web"})
    c.pod("web-2", "n2", labels={"app": "web"})
    c.pdb("web", {"app": "web"}, min_available="100%")
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["PodDisruptionBudget"]
    assert codes(plan, "n2") == ["PodDisruptionBudget"]


def test_pdb_allowing_one_disruption_does_not_block() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("web-1", "n1", labels={"app": "web"})
    c.pod("web-2", "n2", labels={"app": "web"})
    c.pdb("web", {"app": "web"}, max_unavailable="1")
    assert len(c.plan().actions) == 1


def test_pod_matching_two_pdbs_blocks() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("web-1", "n1", labels={"app": "web", "tier": "front"})
    _full(c, "n2", 1)
    c.pdb("by-app", {"app": "web"}, allowed=5)
    c.pdb("by-tier", {"tier": "front"}, allowed=5)
    assert codes(c.plan(), "n1") == ["PodDisruptionBudget"]


def test_node_without_nodeclaim_is_not_managed() -> None:
    c = Cluster()
    c.pool()
    c.node("static", managed=False)
    plan = c.plan()
    assert codes(plan, "static") == ["NotKarpenterManaged"]


def test_uninitialised_node_is_left_alone() -> None:
    c = Cluster()
    c.pool()
    c.node("booting", initialized=False)
    assert codes(c.plan(), "booting") == ["NotInitialized"]


def test_node_already_disrupting_is_skipped_and_uses_budget() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),))
    c.node("going", taints=(Taint("karpenter.sh/disrupted", "NoSchedule"),))
    c.node("n1")
    plan = c.plan()
    assert codes(plan, "going") == ["AlreadyDisrupting"]
    assert plan.actions == ()
    assert codes(plan, "n1") == ["BudgetExhausted"]
    assert plan.budgets[0].disrupting == 1


def test_bare_pod_is_moved_with_a_warning() -> None:
    c = Cluster()
    c.pool()
    c.node("n1")
    c.node("n2")
    c.pod("bare", "n1", owner=None)
    _full(c, "n2", 1)
    plan = c.plan()
    action = next(a for a in plan.actions if "n1" in a.nodes)
    assert any("bare" in w for w in action.warnings)
    assert any("no controller" in n for n in plan.notes)


# ----------------------------------------------------------------------------- budgets

def test_budget_zero_blocks_everything() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="0"),))
    c.node("n1")
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["BudgetExhausted"]
    assert plan.budgets[0].allowed_min == 0
    assert plan.budgets[0].next_open is None


def test_budget_of_one_among_three_empty_nodes() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),))
    for name in ("n1", "n2", "n3"):
        c.node(name)
    plan = c.plan()
    assert [len(a.nodes) for a in plan.actions] == [1]
    left = [n.node for n in plan.blocked]
    assert len(left) == 2
    assert all(codes(plan, n) == ["BudgetExhausted"] for n in left)


def test_percent_budget_rounds_up() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="10%"),))
    for name in ("n1", "n2", "n3"):
        c.node(name)
    plan = c.plan()
    assert plan.budgets[0].allowed_min == 1  # 10% of 3 = 0.3 -> 1
    assert sum(len(a.nodes) for a in plan.actions) == 1


def test_percent_budget_of_eleven_nodes_allows_two() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="10%"),))
    for i in range(11):
        c.node(f"n{i:02d}")
    plan = c.plan()
    assert sum(len(a.nodes) for a in plan.actions) == 2


def test_budget_window_active_by_cron_blocks() -> None:
    c = Cluster()
    # Business hours, UTC: no disruption 09:00-17:00 on weekdays.
    c.pool(budgets=(Budget(nodes="100%"),
                    Budget(nodes="0", schedule="0 9 * * 1-5", duration_seconds=8 * 3600)))
    c.node("n1")
    plan = c.plan(now=NOW)  # Monday 12:00
    assert plan.actions == ()
    assert codes(plan, "n1") == ["BudgetExhausted"]
    assert "schedule='0 9 * * 1-5'" in plan.node("n1").blocks[0].message  # type: ignore
    assert plan.budgets[0].next_open == NOW.replace(hour=17)


def test_budget_window_inactive_outside_cron_window() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"),
                    Budget(nodes="0", schedule="0 9 * * 1-5", duration_seconds=8 * 3600)))
    c.node("n1")
    plan = c.plan(now=NOW.replace(hour=20))
    assert acted(plan) == [("delete", "emptiness", ("n1",))]


def test_budget_reasons_only_limit_their_reason() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="100%"), Budget(nodes="0", reasons=("Empty",))))
    c.node("empty")
    c.node("big", "cpu-16")
    c.pod("a", "big", cpu=5)
    plan = c.plan()
    assert codes(plan, "empty") == ["BudgetExhausted"]
    assert acted(plan) == [("replace", "single-node-consolidation", ("big",))]


# ----------------------------------------------------------------------------- consolidateAfter

def test_consolidate_after_not_elapsed() -> None:
    c = Cluster()
    c.pool(after=600)
    c.node("n1")
    c.node("n2")
    c.pod("fresh", "n1", created=NOW - timedelta(minutes=3))
    _full(c, "n2", 4)
    plan = c.plan()
    assert "n1" not in [n for a in plan.actions for n in a.nodes]
    assert codes(plan, "n1") == ["ConsolidateAfterNotElapsed"]
    report = plan.node("n1")
    assert report is not None
    assert report.consolidatable_at == NOW + timedelta(minutes=7)
    assert report.consolidate_after_rule == "newest pod creation on the node"
    # ... and it would go at that time.
    later = c.plan(now=NOW + timedelta(minutes=8))
    assert "n1" in [n for a in later.actions for n in a.nodes]


def test_consolidate_after_uses_last_pod_event_time_when_present() -> None:
    c = Cluster()
    c.pool(after=600)
    c.node("n1", claim_raw={"status": {"lastPodEventTime": "2026-03-02T11:55:00Z"}})
    plan = c.plan()
    assert codes(plan, "n1") == ["ConsolidateAfterNotElapsed"]
    report = plan.node("n1")
    assert report is not None
    assert report.consolidate_after_rule == "NodeClaim status.lastPodEventTime"


def test_consolidate_after_never_disables_consolidation() -> None:
    c = Cluster()
    c.pool(after=None)
    c.node("n1")
    assert codes(c.plan(), "n1") == ["ConsolidationDisabled"]


def test_when_empty_pool_keeps_underutilised_node() -> None:
    c = Cluster()
    c.pool(policy="WhenEmpty")
    c.node("big", "cpu-16")
    c.pod("a", "big", cpu=1)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "big") == ["WhenEmptyPolicy"]


# ----------------------------------------------------------------------------- spot

def test_spot_to_spot_is_off_by_default() -> None:
    c = Cluster()
    c.pool(spot=True)
    c.node("spot", "cpu-32", capacity_type="spot")
    c.pod("a", "spot", cpu=1)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "spot") == ["NotCheaper"]
    assert "SpotToSpotConsolidation" in plan.node("spot").blocks[0].message  # type: ignore


def test_spot_to_spot_replaces_when_fifteen_cheaper_options_exist() -> None:
    c = Cluster()
    c.pool(spot=True)
    c.node("spot", "cpu-32", capacity_type="spot")
    c.pod("a", "spot", cpu=1)
    plan = c.plan(spot_to_spot=True)
    assert acted(plan) == [("replace", "single-node-consolidation", ("spot",))]
    rep = plan.actions[0].replacements[0]
    assert rep.capacity_type == "spot"
    assert len(rep.instance_type_options) == 15
    assert rep.instance_type == "cpu-1"


def test_spot_to_spot_needs_fifteen_cheaper_options() -> None:
    c = Cluster()
    c.pool(spot=True)
    c.node("spot", "cpu-8", capacity_type="spot")
    c.pod("a", "spot", cpu=1)
    plan = c.plan(spot_to_spot=True)
    assert plan.actions == ()
    assert codes(plan, "spot") == ["NotCheaper"]
    assert "15 cheaper" in plan.node("spot").blocks[0].message  # type: ignore[union-attr]


def test_on_demand_node_can_be_replaced_by_spot() -> None:
    c = Cluster()
    c.pool(spot=True)
    c.node("od", "cpu-2")
    c.pod("a", "od", cpu=1.5, mem_gi=2)
    plan = c.plan()
    assert acted(plan) == [("replace", "single-node-consolidation", ("od",))]
    assert plan.actions[0].replacements[0].capacity_type == "spot"


# ----------------------------------------------------------------------------- drift

def test_drifted_nodeclaim_is_replaced() -> None:
    c = Cluster()
    c.pool(after=None)  # drift ignores consolidateAfter and consolidation settings
    c.node("old", "cpu-2", drifted=True)
    c.pod("a", "old", cpu=1.5, mem_gi=2)
    plan = c.plan()
    assert acted(plan) == [("replace", "drift", ("old",))]
    assert plan.actions[0].reason == "Drifted"
    assert plan.actions[0].moves[0].to_replacement


def test_drift_budget_blocks_drift() -> None:
    c = Cluster()
    c.pool(after=None, budgets=(Budget(nodes="0", reasons=("Drifted",)),))
    c.node("old", "cpu-2", drifted=True)
    c.pod("a", "old", cpu=1.5, mem_gi=2)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "old") == ["BudgetExhausted"]


def test_oldest_drift_goes_first() -> None:
    c = Cluster()
    c.pool(after=None, budgets=(Budget(nodes="1"),))
    c.node("d-new", "cpu-2", drifted=True, drifted_at=NOW - timedelta(hours=1))
    c.node("d-old", "cpu-2", drifted=True, drifted_at=NOW - timedelta(hours=5))
    c.pod("a", "d-new", cpu=1.5, mem_gi=2)
    c.pod("b", "d-old", cpu=1.5, mem_gi=2)
    plan = c.plan()
    assert [a.nodes for a in plan.actions] == [("d-old",)]


# ----------------------------------------------------------------------------- ordering

def test_candidates_ordered_by_disruption_cost() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),))
    c.node("n1")
    c.node("n2")
    c.node("n3")
    _full(c, "n3", 2)
    c.pod("costly", "n1", annotations={"controller.kubernetes.io/pod-deletion-cost": "1e9"})
    c.pod("cheap", "n2")
    plan = c.plan()
    assert [a.nodes for a in plan.actions] == [("n2",)]


def test_priority_raises_disruption_cost() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),))
    c.node("n1")
    c.node("n2")
    c.node("n3")
    _full(c, "n3", 2)
    c.pod("important", "n2", priority=1_000_000_000)
    c.pod("normal", "n1")
    plan = c.plan()
    assert [a.nodes for a in plan.actions] == [("n1",)]


def test_node_close_to_expiry_is_cheaper_to_disrupt() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),), expire=30 * 24 * 3600)
    c.node("young", created=NOW - timedelta(days=1))
    c.node("old", created=NOW - timedelta(days=29))
    c.node("n3")
    _full(c, "n3", 2)
    c.pod("y", "young")
    c.pod("o", "old")
    # Through v1.13 the order weighs the lifetime left (DisruptionCost × LifetimeRemaining).
    plan = c.plan(version="1.13")
    assert [a.nodes for a in plan.actions] == [("old",)]
    # From v1.14 (#2962) sortCandidates uses price ÷ reschedule cost only: all three nodes
    # tie (same price, one pod each), so the lifetime no longer puts "old" first.
    plan = c.plan(version="1.14")
    assert [a.nodes for a in plan.actions] == [("n3",)]


# ----------------------------------------------------------------------------- plan shape

def test_document_follows_the_contract() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="1"),))
    c.node("n1")
    c.node("n2", annotations={"karpenter.sh/do-not-disrupt": "true"})
    doc = plan_document(c.plan())
    assert doc["kind"] == "ConsolidationPlan"
    action = doc["actions"][0]
    assert {"type", "method", "nodes", "replacement", "savingsPerHour", "moves"} <= set(action)
    assert action["replacement"] is None
    assert doc["blocked"] == [{"node": "n2", "nodePool": "default", "reasons": [
        {"code": "DoNotDisrupt", "message": 'node n2 has karpenter.sh/do-not-disrupt: "true"',
         "fix": "kubectl annotate node n2 karpenter.sh/do-not-disrupt-"}]}]
    assert doc["budgets"][0]["nodePool"] == "default"
    assert doc["budgets"][0]["allowed"] == 1 and doc["budgets"][0]["disrupting"] == 0
    per_hour = fake_price(4, 8)
    assert doc["savings"] == {"perHour": per_hour, "perMonth": round(per_hour * 730, 2)}


def test_node_report_lists_checks_in_order() -> None:
    c = Cluster()
    c.pool(policy="WhenEmpty")
    c.node("n1", created=LONG_AGO)
    c.pod("a", "n1")
    report = c.plan().node("n1")
    assert report is not None
    names = [ch.name for ch in report.checks]
    assert names[:3] == ["Karpenter-managed", "initialised and not disrupting", "pods evictable"]
    assert report.checks[-1].name == "policy" and not report.checks[-1].ok


def test_explained_budget_blocked_node_shows_what_would_happen() -> None:
    c = Cluster()
    c.pool(budgets=(Budget(nodes="0", reasons=("Underutilized",)), Budget(nodes="100%")))
    c.node("big", "cpu-16")
    c.pod("a", "big", cpu=1)
    plan = c.plan(explain=frozenset({"big"}))
    report = plan.node("big")
    assert report is not None and [r.code for r in report.blocks] == ["BudgetExhausted"]
    hypothetical = report.checks[-1]
    assert hypothetical.name == "if the budget allowed" and hypothetical.ok
    assert "replace with cpu-1" in hypothetical.message
    assert [m.pod for m in report.simulation] == ["default/a"]
    # Without --node nothing extra is simulated.
    assert c.plan().node("big").checks[-1].name == "budget"  # type: ignore[union-attr]


def test_arithmetic_pre_check_agrees_with_the_simulation() -> None:
    # Full nodes of small pods: the pre-check rules each node out; a pod with a placement
    # rule bypasses it and the full simulation reaches the same code.
    c = Cluster()
    c.pool()
    for name in ("n1", "n2"):
        c.node(name, "cpu-2")
        c.pod(f"{name}-a", name, cpu=1, mem_gi=2)
        c.pod(f"{name}-b", name, cpu=1, mem_gi=2,
              node_selector={"kubernetes.io/os": "linux"} if name == "n2" else None)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["NotCheaper"] and codes(plan, "n2") == ["NotCheaper"]
    assert "fit in no other node's free room" in plan.node("n1").blocks[0].message  # type: ignore
    assert "cheapest replacement" in plan.node("n2").blocks[0].message  # type: ignore


def test_pods_of_a_deleting_node_take_room_in_every_simulation() -> None:
    c = Cluster()
    c.pool()
    c.node("going", deleting=True)
    c.pod("leaving", "going", cpu=3)
    c.node("n1")
    c.pod("a", "n1", cpu=1)
    plan = c.plan()
    # Alone, n1's pod would move to a cpu-1 node; with the 3-CPU pod of the deleting node
    # also looking for room, the one replacement must be a cpu-4: not cheaper.
    assert plan.actions == ()
    assert codes(plan, "going") == ["AlreadyDisrupting"]
    assert codes(plan, "n1") == ["NotCheaper"]


def test_capacity_that_is_still_initialising_is_not_relied_on() -> None:
    c = Cluster()
    c.pool()
    c.node("booting", initialized=False)
    c.node("n1", "cpu-2")
    c.pod("a", "n1", cpu=1.5, mem_gi=3)
    plan = c.plan()
    assert plan.actions == ()
    assert codes(plan, "n1") == ["PodsCannotReschedule"]
    assert "not initialised" in plan.node("n1").blocks[0].message  # type: ignore[union-attr]
