"""The Provider protocol: everything kubectl-karp needs to know about one cloud.

A provider owns one node-class kind, knows its well-known labels, turns an instance type's
capacity into what the kubelet will leave allocatable, checks its node classes, and says where
its catalogue comes from. Providers are pure: a live catalogue is named by ``catalog_loader``
("module:function") and imported by the edge (``kubectl_karp.sources.catalogs``) only; what
resolving it needs (the region's environment variable and spelling, the region of a zone, the
hints the loader takes) is the provider's too, so the edge names no cloud.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kubectl_karp.model.catalog import InstanceType, InstanceTypeCatalog, Offering
from kubectl_karp.model.labels import WELL_KNOWN_LABELS
from kubectl_karp.model.objects import (
    LABEL_ARCH,
    LABEL_CAPACITY_TYPE,
    LABEL_HOSTNAME,
    LABEL_INSTANCE_TYPE,
    LABEL_OS,
    LABEL_ZONE,
    Node,
    NodeClass,
)
from kubectl_karp.model.resources import Resources

MI = 2**20 * 1000  # one MiB in milli-units
GI = 2**30 * 1000
CORE = 1000

# Labels Karpenter lets requirements name without any instance type defining them
# (its WellKnownLabels); providers add their own.
# Providers sit below core in the layering, so they report node-class problems in their own
# small type; core.context turns them into core.reasons.Reason (same code strings).
NODECLASS_NOT_READY = "NodeClassNotReady"


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    detail: str = ""
    fix: str = ""


@dataclass(frozen=True, slots=True)
class ClusterFacts:
    """What the cluster (not the catalogue) tells that changes how a provider lists types."""

    kubernetes_version: str = ""  # the API server's gitVersion (v1.30.0-tke.5); "" unknown
    # Extended resources (beyond cpu/memory/pods/storage) the cluster's nodes expose, by
    # instance type: the node's own figure for a type the catalogue gives none for.
    node_extended: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # Extended resources pending pods request (names), so a provider can tell the cluster
    # needs them (TKE: pods carrying tke.cloud.tencent.com/eni-ip run VPC-CNI).
    requested: frozenset[str] = frozenset()


# Karpenter's core well-known labels, plus the hostname every new NodeClaim gets (a
# placeholder), so a pod's hostname term is judged by intersection, not as an unknown label.
CORE_WELL_KNOWN_LABELS = WELL_KNOWN_LABELS | {LABEL_HOSTNAME}


class Provider(Protocol):
    """One cloud. Implementations are stateless module-level singletons."""

    name: str  # tke | aws | alibaba | huawei | generic
    title: str  # what people call it: "TKE", "EKS"…
    node_class_group: str
    node_class_kind: str
    labels: frozenset[str]  # provider well-known label keys
    catalog_loader: str | None  # "module:function" of a live catalogue, or None
    region_env: str | None  # the environment variable naming a live catalogue's region
    cloud: str  # the cloud's own name ("Tencent Cloud"); "" when it is the title

    def normalize_region(self, value: str) -> str:
        """A region as the cloud's API spells it (TKE nodes carry short names such as gz)."""

    def region_of_zone(self, zone: str) -> str | None:
        """The region a zone label value lies in, when the zone scheme tells."""

    def catalogue_hints(self, nodes: Sequence[Node], node_classes: Sequence[NodeClass]
                        ) -> object | None:
        """What the live catalogue loader needs to know of the cluster (its ``hints=``)."""

    def derive_labels(self, instance_type: InstanceType) -> dict[str, str]:
        """The instance type's labels made complete (well-known + provider labels)."""

    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        """What the kubelet leaves for pods on a node of this capacity."""

    def type_capacity(self, instance_type: InstanceType) -> dict[str, int]:
        """The type's capacity with what the provider adds when a catalogue omits it."""

    def type_allocatable(self, instance_type: InstanceType, *, max_pods: int | None = None
                         ) -> dict[str, int]:
        """``allocatable`` for a type whose labels are derived (some clouds need its arch)."""

    def for_node_class(self, instance_type: InstanceType, node_class: NodeClass, *,
                       rules: frozenset[str] = frozenset()) -> InstanceType:
        """The type as this node class launches it (its kubelet settings, disks …).

        ``rules``: names of the core.releases rules in force (providers sit below core)."""

    def node_class_problems(self, node_class: NodeClass) -> list[Problem]:
        """Why this node class cannot launch nodes (empty: it can)."""

    def node_class_zones(self, node_class: NodeClass) -> frozenset[str] | None:
        """Zone label values the class can launch in; None when unrestricted/unknown."""

    def zone_names(self, node_class: NodeClass) -> dict[str, str]:
        """Zone label value → human name, as far as the node class status tells."""

    def zone_name(self, zone: str) -> str | None:
        """A human zone name computed from a zone label value, when the scheme allows."""

    def zone_id(self, zone_name: str) -> str | None:
        """The zone label value for a human zone name, when the scheme allows."""

    def with_reservations(self, node_class: NodeClass | None,
                          types: tuple[InstanceType, ...]) -> tuple[InstanceType, ...]:
        """``types`` plus the reserved-capacity offerings the node class reports."""


@dataclass(frozen=True)
class BaseProvider:
    """Shared behaviour; each provider module instantiates a subclass once."""

    name: str
    title: str
    node_class_group: str
    node_class_kind: str
    labels: frozenset[str] = frozenset()
    catalog_loader: str | None = None
    region_env: str | None = None
    cloud: str = ""  # the cloud's own name, for a live catalogue's source ("Tencent Cloud")
    family_label: str | None = None
    cpu_label: str | None = None
    memory_label: str | None = None
    # status list the class fills once its selector terms resolve (TKE/AWS: subnets); a
    # reconciled class with that list empty has nowhere to launch.
    resolved_status_key: str | None = None
    # label domains the provider adds to Karpenter's restricted ones (its API group)
    restricted_domains: frozenset[str] = frozenset()
    # labels every type of this provider requires to be absent (upstream DoesNotExist)
    absent_labels: frozenset[str] = frozenset()
    # Labels upstream gives every type, as DoesNotExist when the type has no value (no GPU):
    # a type of a catalogue that does not carry one is taken not to have it.
    absent_when_missing: frozenset[str] = frozenset()
    # Labels the provider's code declares but never sets on a type (a NodePool naming them
    # filters nothing: apply warns).
    unset_labels: frozenset[str] = frozenset()
    # Capacity types the provider ever offers (None: whatever the catalogue lists).
    capacity_types: frozenset[str] | None = None

    # ------------------------------------------------------------------ per node class
    def configured(self, node_class: NodeClass | None, cluster: ClusterFacts) -> BaseProvider:
        """This provider as it lists instance types for one node class of one cluster (disks,
        kubelet settings, server version); the default ignores both."""
        return self

    def launch_capacity(self, it: InstanceType, *, max_pods: int | None = None
                        ) -> dict[str, int]:
        """A node's capacity as the provider computes it from the catalogue's figures."""
        return dict(it.capacity)

    def offering_labels(self, offering: Offering) -> tuple[tuple[str, str], ...]:
        """Labels the provider sets per offering beyond zone and capacity type."""
        return ()

    def catalogue_notes(self, catalog: InstanceTypeCatalog) -> tuple[str, ...]:
        """Caveats about the figures the configured provider computes for ``catalog``."""
        return ()

    def ephemeral_storage_source(self) -> str:
        """Where the configured node class's ephemeral storage comes from ("" unknown)."""
        return ""

    # ------------------------------------------------------------------ catalogue
    def normalize_region(self, value: str) -> str:
        return value

    def region_of_zone(self, zone: str) -> str | None:
        return None

    def catalogue_hints(self, nodes: Sequence[Node], node_classes: Sequence[NodeClass]
                        ) -> object | None:
        return None

    # ------------------------------------------------------------------ labels
    def family_of(self, instance_type: str) -> str:
        return instance_type.split(".", 1)[0]

    def memory_label_value(self, memory_milli: int) -> str:
        """The memory label as the provider writes it (GiB by default)."""
        return str(memory_milli // GI)

    def derive_labels(self, instance_type: InstanceType) -> dict[str, str]:
        labels = dict(instance_type.labels)
        labels.setdefault(LABEL_INSTANCE_TYPE, instance_type.name)
        labels.setdefault(LABEL_ARCH, guess_arch(instance_type.name))
        labels.setdefault(LABEL_OS, "linux")
        labels.pop(LABEL_CAPACITY_TYPE, None)  # per offering, never a label of the type
        labels.pop(LABEL_ZONE, None)
        cpu = instance_type.capacity.get("cpu")
        memory = instance_type.capacity.get("memory")
        if self.family_label:
            labels.setdefault(self.family_label, self.family_of(instance_type.name))
        if self.cpu_label and cpu is not None:
            labels.setdefault(self.cpu_label, str(cpu // CORE))
        if self.memory_label and memory is not None:
            labels.setdefault(self.memory_label, self.memory_label_value(memory))
        return labels

    # ------------------------------------------------------------------ allocatable
    def allocatable(self, capacity: Resources, *, max_pods: int | None = None) -> dict[str, int]:
        return dict(capacity)

    def type_capacity(self, instance_type: InstanceType) -> dict[str, int]:
        return dict(instance_type.capacity)

    def type_allocatable(self, instance_type: InstanceType, *, max_pods: int | None = None
                         ) -> dict[str, int]:
        return self.allocatable(instance_type.capacity, max_pods=max_pods)

    def missing_labels(self, labels: Mapping[str, str]) -> frozenset[str]:
        """DoesNotExist keys of a type with these labels: the always-absent ones and the
        optional ones it has no value for."""
        return self.absent_labels | {k for k in self.absent_when_missing if k not in labels}

    def for_node_class(self, instance_type: InstanceType, node_class: NodeClass, *,
                       rules: frozenset[str] = frozenset()) -> InstanceType:
        return instance_type

    # ------------------------------------------------------------------ node classes
    def node_class_problems(self, node_class: NodeClass) -> list[Problem]:
        problems = ready_condition_problems(node_class)
        key = self.resolved_status_key
        if problems or not node_class.status or key is None:
            return problems
        if not status_list(node_class.status, key):
            what = f"{node_class.kind} {node_class.name}"
            problems.append(Problem(
                code=NODECLASS_NOT_READY,
                message=f"{what} resolved no {key}",
                detail=f"status.{key} is empty: the selector terms in its spec match nothing, so "
                       "Karpenter has nowhere to launch. Conditions: "
                       f"{describe_conditions(node_class)}",
                fix=f"check the tags/ids in the selector terms of {what} against your cloud "
                    "resources (e.g. tag karpenter.sh/discovery: <cluster name>)",
            ))
        return problems

    def node_class_zones(self, node_class: NodeClass) -> frozenset[str] | None:
        return None

    def zone_names(self, node_class: NodeClass) -> dict[str, str]:
        return {}

    def zone_name(self, zone: str) -> str | None:
        return None

    def with_reservations(self, node_class: NodeClass | None,
                          types: tuple[InstanceType, ...]) -> tuple[InstanceType, ...]:
        return types  # most clouds report no capacity reservations on the node class

    def zone_id(self, zone_name: str) -> str | None:
        return None


_ARM_HINTS = re.compile(r"^(SR1|SR2|KR|m6g|m7g|c6g|c7g|r6g|r7g|t4g|g8y|c8y|r8y|kc1|km1|kai)",
                        re.IGNORECASE)


def guess_arch(instance_type: str) -> str:
    """arm64 for the Arm families we know (TKE SR1, AWS Graviton …), amd64 otherwise."""
    return "arm64" if _ARM_HINTS.match(instance_type) else "amd64"


def describe_conditions(node_class: NodeClass) -> str:
    if not node_class.conditions:
        return "no status conditions"
    parts = []
    for cond in node_class.conditions:
        text = f"{cond.type}={cond.status}"
        extra = " ".join(x for x in (cond.reason, cond.message) if x)
        parts.append(f"{text} ({extra})" if extra else text)
    return "; ".join(parts)


def ready_condition_problems(node_class: NodeClass) -> list[Problem]:
    """NodeClassNotReady when the class reports Ready other than True.

    A class with no status at all (a hand-written manifest never reconciled) is not blocked
    here: the context notes it instead, since offline files rarely carry status.
    """
    ready = node_class.condition("Ready")
    if ready is None or ready.is_true:
        return []
    what = f"{node_class.kind} {node_class.name}"
    because = ": " + (ready.message or ready.reason) if (ready.message or ready.reason) else ""
    return [Problem(
        code=NODECLASS_NOT_READY,
        message=f"{what} is not Ready (Ready={ready.status}){because}",
        detail=f"Karpenter does not launch nodes for a NodePool whose node class is not "
               f"Ready. Conditions: {describe_conditions(node_class)}",
        fix=f"kubectl describe {node_class.kind.lower()} {node_class.name} and fix the "
            "condition it reports (selector terms that match nothing are the usual cause)",
    )]


def status_list(status: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    value = status.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]
