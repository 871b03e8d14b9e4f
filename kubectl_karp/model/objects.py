"""Typed, immutable views of the Kubernetes and Karpenter objects the tools reason about.

Each object keeps the fields the simulation needs as typed attributes and the original
document as ``raw`` (never mutated) for describe/YAML views and for fields we do not model.
Construct them with ``kubectl_karp.model.parse``; tests may build them directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubectl_karp.model.resources import Resources

Raw = Mapping[str, Any]
Labels = Mapping[str, str]

# Well-known label keys shared by every provider.
LABEL_ARCH = "kubernetes.io/arch"
LABEL_OS = "kubernetes.io/os"
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_INSTANCE_TYPE = "node.kubernetes.io/instance-type"
LABEL_ZONE = "topology.kubernetes.io/zone"
LABEL_REGION = "topology.kubernetes.io/region"
LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type"
LABEL_NODEPOOL = "karpenter.sh/nodepool"
LABEL_INITIALIZED = "karpenter.sh/initialized"
LABEL_REGISTERED = "karpenter.sh/registered"
ANNOTATION_DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"
ANNOTATION_POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
TAINT_DISRUPTED = "karpenter.sh/disrupted"
CAPACITY_ON_DEMAND = "on-demand"
CAPACITY_SPOT = "spot"
CAPACITY_RESERVED = "reserved"


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """``group``/``kind``/``name`` reference (NodePool.spec.template.spec.nodeClassRef)."""

    group: str
    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True, slots=True)
class OwnerRef:
    kind: str
    name: str
    uid: str = ""
    controller: bool = False
    api_version: str = ""


@dataclass(frozen=True, slots=True)
class Condition:
    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str = ""
    message: str = ""
    last_transition_time: datetime | None = None

    @property
    def is_true(self) -> bool:
        return self.status == "True"


@dataclass(frozen=True, slots=True)
class NodeSelectorRequirement:
    """One ``key operator values`` term (node affinity, NodePool and NodeClaim requirements)."""

    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte, Lte
    values: tuple[str, ...] = ()
    min_values: int | None = None


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    """Requirements ANDed together; a pod's required node affinity ORs several terms."""

    match_expressions: tuple[NodeSelectorRequirement, ...] = ()
    match_fields: tuple[NodeSelectorRequirement, ...] = ()


@dataclass(frozen=True, slots=True)
class PreferredSchedulingTerm:
    weight: int
    preference: NodeSelectorTerm


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    effect: str  # NoSchedule | PreferNoSchedule | NoExecute
    value: str = ""

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else \
            f"{self.key}:{self.effect}"


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""  # empty key with operator Exists tolerates everything
    operator: str = "Equal"  # Equal | Exists
    value: str = ""
    effect: str = ""  # empty matches every effect
    toleration_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class LabelSelectorRequirement:
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A metav1.LabelSelector. An empty selector matches everything; ``None`` (absent) nothing."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()


@dataclass(frozen=True, slots=True)
class PodAffinityTerm:
    topology_key: str
    label_selector: LabelSelector | None = None
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None
    match_label_keys: tuple[str, ...] = ()
    mismatch_label_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WeightedPodAffinityTerm:
    weight: int
    term: PodAffinityTerm


@dataclass(frozen=True, slots=True)
class TopologySpreadConstraint:
    max_skew: int
    topology_key: str
    when_unsatisfiable: str  # DoNotSchedule | ScheduleAnyway
    label_selector: LabelSelector | None = None
    min_domains: int | None = None
    node_affinity_policy: str = "Honor"  # Honor | Ignore
    node_taints_policy: str = "Ignore"  # Honor | Ignore
    match_label_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HostPort:
    port: int
    protocol: str = "TCP"
    host_ip: str = ""


@dataclass(frozen=True, slots=True)
class Pod:
    namespace: str
    name: str
    uid: str = ""
    labels: Labels = field(default_factory=dict)
    annotations: Labels = field(default_factory=dict)
    owner_refs: tuple[OwnerRef, ...] = ()
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    node_name: str = ""
    phase: str = "Pending"
    scheduler_name: str = "default-scheduler"
    priority: int = 0
    priority_class_name: str = ""
    node_selector: Labels = field(default_factory=dict)
    # Required node affinity: OR of terms. Empty tuple = no required node affinity.
    required_node_affinity: tuple[NodeSelectorTerm, ...] = ()
    preferred_node_affinity: tuple[PreferredSchedulingTerm, ...] = ()
    pod_affinity: tuple[PodAffinityTerm, ...] = ()
    preferred_pod_affinity: tuple[WeightedPodAffinityTerm, ...] = ()
    pod_anti_affinity: tuple[PodAffinityTerm, ...] = ()
    preferred_pod_anti_affinity: tuple[WeightedPodAffinityTerm, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    topology_spread: tuple[TopologySpreadConstraint, ...] = ()
    # Effective requests (containers, sidecars, init containers, overhead) + pods: 1.
    requests: Resources = field(default_factory=dict)
    # The same with an in-place resize's status resources (Karpenter v1.14+ counts them);
    # None when the status reports none.
    status_requests: Resources | None = None
    host_ports: tuple[HostPort, ...] = ()
    pvc_names: tuple[str, ...] = ()  # persistentVolumeClaim.claimName of each volume
    # Ephemeral volumes create a PVC named <pod>-<volume>; their storage class is known here.
    ephemeral_volume_classes: tuple[tuple[str, str], ...] = ()  # (pvc name, storageClassName)
    conditions: tuple[Condition, ...] = ()
    start_time: datetime | None = None  # status.startTime (do-not-disrupt durations count from it)
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def controller(self) -> OwnerRef | None:
        for ref in self.owner_refs:
            if ref.controller:
                return ref
        return None

    @property
    def is_daemonset_pod(self) -> bool:
        ref = self.controller
        return ref is not None and ref.kind == "DaemonSet"

    @property
    def is_terminal(self) -> bool:
        return self.phase in ("Succeeded", "Failed")

    @property
    def is_bound(self) -> bool:
        return bool(self.node_name)

    @property
    def is_pending(self) -> bool:
        """Not bound to a node, not finished and not being deleted."""
        return not self.node_name and not self.is_terminal and self.deletion_timestamp is None


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    labels: Labels = field(default_factory=dict)
    annotations: Labels = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    capacity: Resources = field(default_factory=dict)
    allocatable: Resources = field(default_factory=dict)
    provider_id: str = ""
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    conditions: tuple[Condition, ...] = ()
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @property
    def node_pool(self) -> str | None:
        return self.labels.get(LABEL_NODEPOOL)

    @property
    def instance_type(self) -> str | None:
        return self.labels.get(LABEL_INSTANCE_TYPE)

    @property
    def zone(self) -> str | None:
        return self.labels.get(LABEL_ZONE)

    @property
    def capacity_type(self) -> str | None:
        return self.labels.get(LABEL_CAPACITY_TYPE)

    @property
    def ready(self) -> bool:
        return any(c.type == "Ready" and c.is_true for c in self.conditions)

    @property
    def do_not_disrupt(self) -> bool:
        return self.annotations.get(ANNOTATION_DO_NOT_DISRUPT) == "true"


@dataclass(frozen=True, slots=True)
class Budget:
    """``spec.disruption.budgets[]``: ``nodes`` is a count ("3") or a percentage ("10%")."""

    nodes: str = "10%"
    reasons: tuple[str, ...] = ()  # Empty | Drifted | Underutilized; empty = all reasons
    schedule: str | None = None  # cron, UTC
    duration_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class NodePool:
    name: str
    weight: int = 0
    template_labels: Labels = field(default_factory=dict)
    template_annotations: Labels = field(default_factory=dict)
    requirements: tuple[NodeSelectorRequirement, ...] = ()
    taints: tuple[Taint, ...] = ()
    startup_taints: tuple[Taint, ...] = ()
    node_class_ref: ObjectRef | None = None
    expire_after_seconds: int | None = None  # None = Never
    termination_grace_period_seconds: int | None = None
    consolidation_policy: str = "WhenEmptyOrUnderutilized"
    consolidate_after_seconds: int | None = 0  # None = Never
    budgets: tuple[Budget, ...] = (Budget(),)
    # spec.replicas: a static NodePool keeps this many nodes (None: dynamic)
    replicas: int | None = None
    limits: Resources = field(default_factory=dict)
    status_resources: Resources = field(default_factory=dict)
    conditions: tuple[Condition, ...] = ()
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    @property
    def is_static(self) -> bool:
        """upstream: disruption/types.go OwnedByStaticNodePool (spec.replicas set)."""
        return self.replicas is not None


@dataclass(frozen=True, slots=True)
class NodeClaim:
    name: str
    labels: Labels = field(default_factory=dict)
    annotations: Labels = field(default_factory=dict)
    requirements: tuple[NodeSelectorRequirement, ...] = ()
    requests: Resources = field(default_factory=dict)
    node_class_ref: ObjectRef | None = None
    taints: tuple[Taint, ...] = ()
    startup_taints: tuple[Taint, ...] = ()
    provider_id: str = ""
    node_name: str = ""
    capacity: Resources = field(default_factory=dict)
    allocatable: Resources = field(default_factory=dict)
    conditions: tuple[Condition, ...] = ()
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @property
    def node_pool(self) -> str | None:
        return self.labels.get(LABEL_NODEPOOL)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    def has_condition(self, type_: str) -> bool:
        cond = self.condition(type_)
        return cond is not None and cond.is_true


@dataclass(frozen=True, slots=True)
class NodeClass:
    """A provider's node class (TKEMachineNodeClass, EC2NodeClass, ECSNodeClass, CCENodeClass).

    Providers interpret ``spec``/``status`` (see ``kubectl_karp.providers``).
    """

    group: str
    kind: str
    name: str
    api_version: str = ""
    spec: Raw = field(default_factory=dict, compare=False)
    status: Raw = field(default_factory=dict, compare=False)
    conditions: tuple[Condition, ...] = ()
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.group, self.kind, self.name)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


@dataclass(frozen=True, slots=True)
class DaemonSet:
    namespace: str
    name: str
    template: Pod  # the pod template, parsed as an unbound Pod
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class PodDisruptionBudget:
    namespace: str
    name: str
    selector: LabelSelector | None = None
    min_available: str | None = None  # "2" or "50%"
    max_unavailable: str | None = None
    disruptions_allowed: int | None = None  # from status, when the controller reported it
    current_healthy: int | None = None
    desired_healthy: int | None = None
    expected_pods: int | None = None
    # spec.unhealthyPodEvictionPolicy: "IfHealthyBudget" (default) or "AlwaysAllow"
    unhealthy_pod_eviction_policy: str | None = None
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class PersistentVolumeClaim:
    namespace: str
    name: str
    storage_class_name: str | None = None
    volume_name: str = ""
    bind_completed: bool = False  # the pv.kubernetes.io/bind-completed annotation is set
    deletion_timestamp: datetime | None = None
    phase: str = ""  # Pending | Bound | Lost
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class PersistentVolume:
    name: str
    storage_class_name: str | None = None
    node_affinity: tuple[NodeSelectorTerm, ...] = ()  # required terms, ORed
    claim_ref: str | None = None  # "namespace/name"
    deletion_timestamp: datetime | None = None
    node_local: bool = False  # spec.local or spec.hostPath: its hostname affinity is moot
    raw: Raw = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class StorageClass:
    name: str
    provisioner: str = ""
    volume_binding_mode: str = "Immediate"  # Immediate | WaitForFirstConsumer
    allowed_topologies: tuple[NodeSelectorTerm, ...] = ()
    is_default: bool = False
    raw: Raw = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NodeOverlay:
    """karpenter.sh/v1alpha1 NodeOverlay: a price or capacity adjustment for the instance
    types its requirements select (applied by core/overlays.py)."""

    name: str
    requirements: tuple[NodeSelectorRequirement, ...] = ()
    price: str | None = None  # "0.42": the offering price becomes this
    price_adjustment: str | None = None  # "+0.1", "-10%"
    capacity: Resources = field(default_factory=dict)  # extended resources added
    weight: int = 0
    raw: Raw = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CSINode:
    """A node's CSI drivers and how many volumes each may attach (allocatable.count)."""

    name: str  # the node's name
    attach_limits: Mapping[str, int] = field(default_factory=dict)  # driver -> volumes
    raw: Raw = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CapacityBuffer:
    """autoscaling.x-k8s.io CapacityBuffer: room kept free as virtual pods."""

    namespace: str
    name: str
    replicas: int | None = None  # status.replicas (else spec.replicas)
    pod_template: str = ""  # status.podTemplateRef (else spec.podTemplateRef) name
    raw: Raw = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"
