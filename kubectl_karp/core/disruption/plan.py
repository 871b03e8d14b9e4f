"""The result of a consolidation dry run: frozen value objects (their JSON/YAML documents
are rendered in render/consolidate.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubectl_karp.core.disruption.balanced import Score
from kubectl_karp.core.disruption.budgets import PoolBudget
from kubectl_karp.core.reasons import Reason

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
