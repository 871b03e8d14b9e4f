"""What ``explain`` found, as data: renderers (text, JSON/YAML, TUI) read these and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_karp.core.diagnosis.verdicts import ClosestType, NodePoolVerdict
from kubectl_karp.core.reasons import Reason

__all__ = ["ClosestType", "Explanation", "NodePoolVerdict", "NodeReasonGroup", "PodExplanation",
           "Verdict"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Where the scheduler (``simulate``) puts the pod; ``schedulable`` False means nowhere."""

    schedulable: bool
    existing_node: str | None = None
    node_pool: str | None = None
    instance_type: str | None = None
    zone: str | None = None
    zone_name: str = ""
    capacity_type: str | None = None
    price_per_hour: float | None = None
    in_flight: bool = False  # the existing node is a NodeClaim still launching
    # For a folded group placed on existing nodes: each pod's node, aligned with the pods.
    pod_nodes: tuple[str, ...] = ()
    already_bound: bool = False  # the pod runs already; nothing was simulated for it


@dataclass(frozen=True, slots=True)
class NodeReasonGroup:
    """One reason shared by several existing nodes (``3 nodes: Insufficient cpu``)."""

    code: str
    count: int
    message: str
    detail: str = ""
    fix: str = ""
    nodes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PodExplanation:
    """One pod, or a group of same-spec pods of one owner with the same verdict."""

    pod: str  # ns/name of the first pod of the group
    pods: tuple[str, ...]
    owner: str | None  # Kind/name of the controller, if any
    verdict: Verdict
    existing_nodes: tuple[NodeReasonGroup, ...] = ()
    node_pools: tuple[NodePoolVerdict, ...] = ()
    # Scheduler reasons not tied to one NodePool or node (topology, affinity, no NodePool…).
    reasons: tuple[Reason, ...] = ()
    hypothetical: bool = False  # from -f or a workload template, not a pod in the cluster
    # Set when the scheduler did not consider the pod at all (another schedulerName, a volume
    # that cannot be resolved): why, in words.
    not_considered: str = ""

    @property
    def count(self) -> int:
        return len(self.pods)

    @property
    def schedulable(self) -> bool:
        return self.verdict.schedulable


@dataclass(frozen=True, slots=True)
class Explanation:
    pods: tuple[PodExplanation, ...] = ()
    # Karpenter-side state that blocks provisioning for every pod (NodePool or node class not
    # Ready, no NodePool at all), listed once rather than under each pod.
    blockers: tuple[Reason, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def all_schedulable(self) -> bool:
        return all(p.schedulable for p in self.pods)

    @property
    def pending_count(self) -> int:
        return sum(p.count for p in self.pods if not p.schedulable)
