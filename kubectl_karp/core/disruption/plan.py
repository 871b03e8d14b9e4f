"""The result of a consolidation dry run: frozen value objects and their JSON/YAML document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubectl_karp.core.disruption.balanced import Score
from kubectl_karp.core.disruption.budgets import PoolBudget
from kubectl_karp.core.reasons import Reason
from kubectl_karp.model.prices import HOURS_PER_MONTH

METHOD_EMPTINESS = "emptiness"
METHOD_DRIFT = "drift"
METHOD_STATIC_DRIFT = "static-drift"
METHOD_MULTI = "multi-node-consolidation"
METHOD_SINGLE = "single-node-consolidation"


@dataclass(frozen=True, slots=True)
class Move:
    pod: str  # ns/name
    to: str  # node name, or the replacement's name
    to_replacement: bool = False


@dataclass(frozen=True, slots=True)
class Replacement:
    name: str  # a placeholder such as "replacement-1"
    node_pool: str
    instance_type: str
    zone: str
    capacity_type: str
    price_per_hour: float | None
    # What Karpenter would send to the launch, cheapest first.
    instance_type_options: tuple[str, ...]
    zone_name: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    type: str  # delete | replace
    method: str
    reason: str  # budget reason: Empty | Drifted | Underutilized
    nodes: tuple[str, ...]
    node_pools: tuple[str, ...]
    replacements: tuple[Replacement, ...]
    moves: tuple[Move, ...]
    price_per_hour: float | None  # of the removed nodes together (None: some price unknown)
    savings_per_hour: float | None
    warnings: tuple[str, ...] = ()
    scores: tuple[Score, ...] = ()  # Balanced NodePools: the score that approved the move


@dataclass(frozen=True, slots=True)
class Check:
    """One step of the decision for a node (``--node`` shows them in order)."""

    name: str
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class NodeReport:
    node: str
    node_pool: str | None
    instance_type: str | None
    capacity_type: str | None
    zone: str | None
    price_per_hour: float | None
    pods: tuple[str, ...]  # pods that would have to move
    disruption_cost: float | None
    consolidate_after_since: datetime | None
    consolidate_after_rule: str
    consolidatable_at: datetime | None
    checks: tuple[Check, ...]
    action: int | None  # index into ConsolidationPlan.actions
    blocks: tuple[Reason, ...]  # empty when the node is in an action
    simulation: tuple[Move, ...] = ()  # where its pods would go in the last attempt
    unplaceable: tuple[tuple[str, tuple[Reason, ...]], ...] = ()  # pod, why
    order: str = ""  # where consolidation's candidate order puts the node, and by what
    scores: tuple[Score, ...] = ()  # Balanced: the scores of the move that decided


@dataclass(frozen=True)
class ConsolidationPlan:
    now: datetime
    actions: tuple[Action, ...]
    nodes: tuple[NodeReport, ...]
    budgets: tuple[PoolBudget, ...]
    prices_known: bool
    notes: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    static_pools: Mapping[str, int] = field(default_factory=dict)  # static NodePool: replicas
    currency: str = ""  # ISO code of the prices ("" unnamed)

    @property
    def blocked(self) -> tuple[NodeReport, ...]:
        return tuple(n for n in self.nodes if n.action is None)

    @property
    def savings_per_hour(self) -> float:
        return round(sum(a.savings_per_hour or 0.0 for a in self.actions), 6)

    def planned(self, node_pool: str) -> int:
        """Nodes of ``node_pool`` that the plan's actions disrupt."""
        pool_of = {n.node: n.node_pool for n in self.nodes}
        return sum(1 for a in self.actions for name in a.nodes if pool_of.get(name) == node_pool)

    def node(self, name: str) -> NodeReport | None:
        return next((n for n in self.nodes if n.node == name), None)


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _price(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _reason(reason: Reason) -> dict[str, Any]:
    doc: dict[str, Any] = {"code": reason.code, "message": reason.message}
    if reason.detail:
        doc["detail"] = reason.detail
    if reason.fix:
        doc["fix"] = reason.fix
    return doc


def _replacement(rep: Replacement) -> dict[str, Any]:
    return {"name": rep.name, "nodePool": rep.node_pool, "instanceType": rep.instance_type,
            "zone": rep.zone_name or rep.zone, "capacityType": rep.capacity_type,
            "pricePerHour": _price(rep.price_per_hour),
            "instanceTypeOptions": list(rep.instance_type_options)}


def action_document(action: Action) -> dict[str, Any]:
    reps = [_replacement(r) for r in action.replacements]
    return {
        "type": action.type, "method": action.method, "reason": action.reason,
        "nodes": list(action.nodes), "nodePools": list(action.node_pools),
        "replacement": reps[0] if len(reps) == 1 else None,
        "replacements": reps,
        "pricePerHour": _price(action.price_per_hour),
        "savingsPerHour": _price(action.savings_per_hour),
        "moves": [{"pod": m.pod, "to": m.to, "toReplacement": m.to_replacement}
                  for m in action.moves],
        "warnings": list(action.warnings),
        "balanced": [s.document() for s in action.scores],
    }


def budget_document(budget: PoolBudget, planned: int = 0,
                    replicas: int | None = None) -> dict[str, Any]:
    return {"nodePool": budget.node_pool,
            # a static NodePool: only (Static)Drift uses its budget
            "static": None if replicas is None else {"replicas": replicas},
            "allowed": budget.allowed_min,
            "disrupting": budget.disrupting, "nodes": budget.nodes, "planned": planned,
            "allowedByReason": dict(budget.allowed_by_reason),
            "nextOpen": _time(budget.next_open),
            "problem": budget.problem,
            "activeBudgets": [{"nodes": b.nodes, "reasons": list(b.reasons),
                               "schedule": b.schedule, "durationSeconds": b.duration_seconds}
                              for b in budget.active_budgets]}


def node_document(report: NodeReport) -> dict[str, Any]:
    return {
        "node": report.node, "nodePool": report.node_pool,
        "instanceType": report.instance_type, "capacityType": report.capacity_type,
        "zone": report.zone, "pricePerHour": _price(report.price_per_hour),
        "pods": list(report.pods),
        "disruptionCost": None if report.disruption_cost is None
        else round(report.disruption_cost, 6),
        "candidateOrder": report.order or None,
        "consolidateAfter": {"since": _time(report.consolidate_after_since),
                             "rule": report.consolidate_after_rule,
                             "eligibleAt": _time(report.consolidatable_at)},
        "action": report.action,
        "checks": [{"name": c.name, "ok": c.ok, "message": c.message} for c in report.checks],
        "reasons": [_reason(r) for r in report.blocks],
        "simulation": [{"pod": m.pod, "to": m.to, "toReplacement": m.to_replacement}
                       for m in report.simulation],
        "unplaceable": [{"pod": pod, "reasons": [_reason(r) for r in why]}
                        for pod, why in report.unplaceable],
        "balanced": [s.document() for s in report.scores],
    }


def plan_document(plan: ConsolidationPlan) -> dict[str, Any]:
    """The documented ``-o json|yaml`` contract (README: consolidate)."""
    per_hour = plan.savings_per_hour
    return {
        "kind": "ConsolidationPlan",
        "evaluatedAt": _time(plan.now),
        "pricesKnown": plan.prices_known,
        **({"currency": plan.currency} if plan.currency else {}),
        "actions": [action_document(a) for a in plan.actions],
        "blocked": [{"node": n.node, "nodePool": n.node_pool,
                     "reasons": [_reason(r) for r in n.blocks]} for n in plan.blocked],
        "budgets": [budget_document(b, plan.planned(b.node_pool),
                                    plan.static_pools.get(b.node_pool))
                    for b in plan.budgets],
        "savings": {"perHour": round(per_hour, 6),
                    "perMonth": round(per_hour * HOURS_PER_MONTH, 2)},
        "notes": list(plan.notes),
    }
