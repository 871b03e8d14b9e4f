"""The one handover object from sources (live API, files, demo) to the simulation core."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from kubectl_karp.model.catalog import InstanceTypeCatalog
from kubectl_karp.model.events import KarpenterEvent
from kubectl_karp.model.objects import (
    CapacityBuffer,
    CSINode,
    DaemonSet,
    Node,
    NodeClaim,
    NodeClass,
    NodeOverlay,
    NodePool,
    ObjectRef,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    PodDisruptionBudget,
    StorageClass,
)


@dataclass(frozen=True)
class ClusterSnapshot:
    """An immutable picture of a cluster at one moment.

    ``documents`` are the raw objects exactly as read (for ``kubectl karp snapshot`` and
    describe views); every other field is the typed model built from them. ``notes`` are
    human-readable remarks gathered while reading (kinds ignored, obsolete APIs met…).
    """

    source: str = ""  # "context prod", "file cluster.yaml", "demo"
    captured_at: datetime | None = None
    nodes: tuple[Node, ...] = ()
    pods: tuple[Pod, ...] = ()
    node_pools: tuple[NodePool, ...] = ()
    node_claims: tuple[NodeClaim, ...] = ()
    node_classes: tuple[NodeClass, ...] = ()
    daemon_sets: tuple[DaemonSet, ...] = ()
    pdbs: tuple[PodDisruptionBudget, ...] = ()
    pvcs: tuple[PersistentVolumeClaim, ...] = ()
    pvs: tuple[PersistentVolume, ...] = ()
    storage_classes: tuple[StorageClass, ...] = ()
    catalogs: tuple[InstanceTypeCatalog, ...] = ()
    node_overlays: tuple[NodeOverlay, ...] = ()
    csi_nodes: tuple[CSINode, ...] = ()
    capacity_buffers: tuple[CapacityBuffer, ...] = ()
    # What Karpenter itself reported lately (events it recorded), for `verify` and the
    # "Karpenter reported" lines of explain and consolidate.
    events: tuple[KarpenterEvent, ...] = ()
    namespaces: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # name -> labels
    notes: tuple[str, ...] = ()
    # Which Karpenter APIs the source found (live: discovered CRDs; files: kinds present).
    karpenter_apis: tuple[str, ...] = ()
    # The Kubernetes version providers key formulas on (TKE: kube-reserved before/after
    # 1.29): the API server's gitVersion for a live cluster, else the newest kubelet version
    # the nodes report; "" when nothing tells.
    kubernetes_version: str = ""
    # The Karpenter release the source found ("v1.9.0"), how it is known ("detected" for a
    # live cluster, "snapshot" for a saved file) and the words saying why (the image, the CRD
    # feature). Empty when nothing told; core.releases.resolve_rules turns it into rules.
    karpenter_version: str = ""
    karpenter_version_source: str = ""
    karpenter_version_reason: str = ""
    documents: tuple[Mapping[str, Any], ...] = field(default=(), compare=False, repr=False)

    def with_changes(self, **changes: Any) -> ClusterSnapshot:
        """A new snapshot with some fields replaced (caches are not carried over)."""
        return replace(self, **changes)

    # Indexes, built on first use. cached_property stores into the instance __dict__,
    # which a frozen dataclass permits; the snapshot itself never changes.
    @cached_property
    def node_by_name(self) -> dict[str, Node]:
        return {n.name: n for n in self.nodes}

    @cached_property
    def node_pool_by_name(self) -> dict[str, NodePool]:
        return {np.name: np for np in self.node_pools}

    @cached_property
    def node_claim_by_node_name(self) -> dict[str, NodeClaim]:
        return {nc.node_name: nc for nc in self.node_claims if nc.node_name}

    @cached_property
    def node_claim_by_provider_id(self) -> dict[str, NodeClaim]:
        return {nc.provider_id: nc for nc in self.node_claims if nc.provider_id}

    @cached_property
    def pods_by_node(self) -> dict[str, list[Pod]]:
        index: dict[str, list[Pod]] = defaultdict(list)
        for pod in self.pods:
            if pod.node_name and not pod.is_terminal:
                index[pod.node_name].append(pod)
        return dict(index)

    @cached_property
    def pending_pods(self) -> tuple[Pod, ...]:
        return tuple(p for p in self.pods if p.is_pending and not p.is_daemonset_pod)

    @cached_property
    def node_class_by_ref(self) -> dict[tuple[str, str, str], NodeClass]:
        return {(nc.group, nc.kind, nc.name): nc for nc in self.node_classes}

    def node_class_for(self, ref: ObjectRef | None) -> NodeClass | None:
        if ref is None:
            return None
        return self.node_class_by_ref.get((ref.group, ref.kind, ref.name))

    @cached_property
    def pvc_by_key(self) -> dict[str, PersistentVolumeClaim]:
        return {pvc.key: pvc for pvc in self.pvcs}

    @cached_property
    def pv_by_name(self) -> dict[str, PersistentVolume]:
        return {pv.name: pv for pv in self.pvs}

    @cached_property
    def storage_class_by_name(self) -> dict[str, StorageClass]:
        return {sc.name: sc for sc in self.storage_classes}

    @cached_property
    def events_by_object(self) -> dict[tuple[str, str], list[KarpenterEvent]]:
        """(kind, ns/name or name) → that object's Karpenter events, newest first."""
        index: dict[tuple[str, str], list[KarpenterEvent]] = defaultdict(list)
        for event in self.events:
            index[(event.kind, event.key)].append(event)
        oldest = datetime.min.replace(tzinfo=timezone.utc)
        for events in index.values():
            events.sort(key=lambda e: e.time or oldest, reverse=True)
        return dict(index)

    def node_claim_for(self, node: Node) -> NodeClaim | None:
        """The NodeClaim that launched ``node`` (by providerID, else by status.nodeName)."""
        if node.provider_id:
            claim = self.node_claim_by_provider_id.get(node.provider_id)
            if claim is not None:
                return claim
        return self.node_claim_by_node_name.get(node.name)
