"""What a provisioning simulation decided: value objects shared by simulate, explain,
consolidate and the TUI. Frozen; safe to hand to any thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kubectl_karp.core.reasons import Reason
from kubectl_karp.model.prices import HOURS_PER_MONTH
from kubectl_karp.model.resources import Resources


@dataclass(frozen=True, slots=True)
class PlannedNodeClaim:
    """A NodeClaim Karpenter would create, with the launch choice the provider would make."""

    node_pool: str
    instance_type: str  # the launch choice: cheapest available compatible offering
    zone: str  # the node label value (TKE: numeric zone ID)
    zone_name: str  # human zone name, or "" when it equals ``zone``
    capacity_type: str
    price_per_hour: float | None
    instance_type_options: tuple[str, ...]  # every remaining type, cheapest first
    pods: tuple[str, ...]  # pod keys ns/name
    requests: Resources = field(default_factory=dict)  # pods + daemonset overhead
    hostname: str = ""  # placeholder hostname used for topology ("hostname-placeholder-0001")
    # Final requirements of the claim as (key, operator, values) triples, for describe views.
    requirements: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    daemonset_overhead: Resources = field(default_factory=dict)
    allocatable: Resources = field(default_factory=dict)  # of the launch choice


@dataclass(frozen=True, slots=True)
class ExistingPlacement:
    node: str  # Node name, or the NodeClaim name when in flight
    pods: tuple[str, ...]
    in_flight: bool = False  # a NodeClaim with no Node yet


@dataclass(frozen=True, slots=True)
class PodFailure:
    """A pod that would stay pending: one or more reasons per NodePool, plus one aggregated
    reason for the existing nodes (``Reason.node_pool`` is None on that one)."""

    pod: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Placement:
    pod: str
    existing_node: str | None = None
    node_claim_index: int | None = None  # index into SimulationResult.node_claims


@dataclass(frozen=True, slots=True)
class SimulationResult:
    node_claims: tuple[PlannedNodeClaim, ...] = ()
    existing: tuple[ExistingPlacement, ...] = ()
    unschedulable: tuple[PodFailure, ...] = ()
    placements: Mapping[str, Placement] = field(default_factory=dict)
    new_cost_per_hour: float | None = None  # None when any planned claim's price is unknown
    notes: tuple[str, ...] = ()
    pods_considered: int = 0

    def placement_of(self, pod_key: str) -> Placement | None:
        return self.placements.get(pod_key)

    def failure_of(self, pod_key: str) -> PodFailure | None:
        for failure in self.unschedulable:
            if failure.pod == pod_key:
                return failure
        return None

    @property
    def new_cost_per_month(self) -> float | None:
        if self.new_cost_per_hour is None:
            return None
        return self.new_cost_per_hour * HOURS_PER_MONTH

    @property
    def all_placed(self) -> bool:
        return not self.unschedulable
